/* `gridseal pki issue` and `gridseal pki attr-cert`: one more E2E
 * certificate (optionally with IEC 62351-8 roles) or an RFC 5755 attribute
 * certificate carrying roles, from an existing CA directory
 * (gs_pki_issue_ee, gs_pki_issue_attr_cert; docs/CLI.md, docs/PKI.md). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "gridseal/pki.h"
#include "pki_issue.h"
#include "util.h"

#define ROLE_NAMES "VIEWER, OPERATOR, ENGINEER, INSTALLER, SECADM, SECAUD, RBACMNT, SECRECOVERY"

typedef struct issue_args {
  const char *ca, *name, *domain, *out, *holder;
  long roles[GS_MAX_ROLES];
  size_t n_roles;
  unsigned days;
  bool force;
} issue_args;

/* A role as given on the command line: a name (any case) or a RoleId. */
static int parse_role(const char *cmd, const char *v, issue_args *a) {
  char up[64];
  size_t l = strlen(v);
  if (l == 0 || l >= sizeof(up)) {
    gs_app_err("pki %s: --role '%s': expected one of " ROLE_NAMES " or a RoleId -32768..32767", cmd,
               v);
    return -1;
  }
  for (size_t i = 0; i <= l; i++) {
    up[i] = (char)toupper((unsigned char)v[i]);
  }
  long id = 0;
  if (gs_pki_role_id(up, &id) != GS_OK) {
    gs_app_err("pki %s: --role '%s': expected one of " ROLE_NAMES " or a RoleId -32768..32767", cmd,
               v);
    return -1;
  }
  for (size_t i = 0; i < a->n_roles; i++) {
    if (a->roles[i] == id) {
      gs_app_err("pki %s: --role '%s' given twice", cmd, v);
      return -1;
    }
  }
  if (a->n_roles == GS_MAX_ROLES) {
    gs_app_err("pki %s: at most %u --role options", cmd, (unsigned)GS_MAX_ROLES);
    return -1;
  }
  a->roles[a->n_roles++] = id;
  return 0;
}

static int parse_days(const char *cmd, const char *v, unsigned *out) {
  char *end = NULL;
  errno = 0;
  unsigned long n = strtoul(v, &end, 10);
  if (*v < '0' || *v > '9' || *end != '\0' || errno != 0 || n == 0 || n > GS_PKI_ISSUE_MAX_DAYS) {
    gs_app_err("pki %s: --days '%s': expected a number 1..%u", cmd, v, GS_PKI_ISSUE_MAX_DAYS);
    return -1;
  }
  *out = (unsigned)n;
  return 0;
}

enum { OPT_CA = 1, OPT_NAME, OPT_DOMAIN, OPT_OUT, OPT_HOLDER, OPT_ROLE, OPT_DAYS, OPT_FORCE };

/* Shared option parsing; `ac` selects attr-cert's option set. argv[0] is
 * the subcommand name. */
static int parse(int argc, char **argv, bool ac, issue_args *a) {
  const char *cmd = ac ? "attr-cert" : "issue";
  static const struct option ee_opts[] = {
      {"ca", required_argument, NULL, OPT_CA},         {"name", required_argument, NULL, OPT_NAME},
      {"domain", required_argument, NULL, OPT_DOMAIN}, {"out", required_argument, NULL, OPT_OUT},
      {"role", required_argument, NULL, OPT_ROLE},     {"days", required_argument, NULL, OPT_DAYS},
      {"force", no_argument, NULL, OPT_FORCE},         {NULL, 0, NULL, 0}};
  static const struct option ac_opts[] = {{"ca", required_argument, NULL, OPT_CA},
                                          {"holder", required_argument, NULL, OPT_HOLDER},
                                          {"out", required_argument, NULL, OPT_OUT},
                                          {"role", required_argument, NULL, OPT_ROLE},
                                          {"days", required_argument, NULL, OPT_DAYS},
                                          {"force", no_argument, NULL, OPT_FORCE},
                                          {NULL, 0, NULL, 0}};
  memset(a, 0, sizeof(*a));
  opterr = 0;
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, "+:", ac ? ac_opts : ee_opts, NULL)) != -1) {
    switch (c) {
    case OPT_CA:
      a->ca = optarg;
      break;
    case OPT_NAME:
      a->name = optarg;
      break;
    case OPT_DOMAIN:
      a->domain = optarg;
      break;
    case OPT_OUT:
      a->out = optarg;
      break;
    case OPT_HOLDER:
      a->holder = optarg;
      break;
    case OPT_ROLE:
      if (parse_role(cmd, optarg, a) != 0) {
        return -1;
      }
      break;
    case OPT_DAYS:
      if (parse_days(cmd, optarg, &a->days) != 0) {
        return -1;
      }
      break;
    case OPT_FORCE:
      a->force = true;
      break;
    case ':':
      gs_app_err("pki %s: %s needs a value", cmd, argv[optind - 1]);
      return -1;
    default:
      gs_app_err("pki %s: unknown option '%s'", cmd, argv[optind - 1]);
      return -1;
    }
  }
  if (optind < argc) {
    gs_app_err("pki %s: unexpected argument '%s'", cmd, argv[optind]);
    return -1;
  }
  const char *missing = a->ca == NULL             ? "--ca DIR"
                        : !ac && a->name == NULL  ? "--name NAME"
                        : ac && a->holder == NULL ? "--holder CERT"
                        : ac && a->out == NULL    ? "--out FILE"
                        : ac && a->n_roles == 0   ? "--role ROLE"
                                                  : NULL;
  if (missing != NULL) {
    gs_app_err("pki %s: missing %s (see gridseal pki --help)", cmd, missing);
    return -1;
  }
  return 0;
}

static void print_roles(const issue_args *a) {
  for (size_t i = 0; i < a->n_roles; i++) {
    const char *n = gs_pki_role_name(a->roles[i]);
    if (n != NULL) {
      printf("%s%s", i ? "," : "", n);
    } else {
      printf("%sROLE_%ld", i ? "," : "", a->roles[i]);
    }
  }
  printf("%s\n", a->n_roles == 0 ? "none" : "");
}

int gs_cmd_pki_issue(int argc, char **argv) {
  issue_args a;
  if (parse(argc, argv, false, &a) != 0) {
    return GS_EXIT_USAGE;
  }
  /* default: next to the CA directory, DIR/../NAME (demo/e2e-ca -> demo/NAME) */
  char out[1024];
  if (a.out == NULL) {
    const char *sl = strrchr(a.ca, '/');
    if (sl == NULL) {
      snprintf(out, sizeof(out), "%s", a.name);
    } else {
      snprintf(out, sizeof(out), "%.*s/%s", (int)(sl - a.ca), a.ca, a.name);
    }
    a.out = out;
  }
  gs_pki_issue_ee_opts o = {a.ca,      a.out,  a.name,  a.domain,    a.roles,
                            a.n_roles, a.days, a.force, gs_app_now()};
  char msg[1200];
  if (gs_pki_issue_ee(&o, msg, sizeof(msg)) != GS_OK) {
    gs_app_err("%s", msg);
    return GS_EXIT_FAIL;
  }
  printf("issued %s/e2e.crt and %s/e2e.key for %s, roles: ", a.out, a.out, a.name);
  print_roles(&a);
  return GS_EXIT_OK;
}

int gs_cmd_pki_attr_cert(int argc, char **argv) {
  issue_args a;
  if (parse(argc, argv, true, &a) != 0) {
    return GS_EXIT_USAGE;
  }
  gs_pki_issue_ac_opts o = {a.ca,      a.holder, a.out,   a.roles,
                            a.n_roles, a.days,   a.force, gs_app_now()};
  char msg[1200];
  if (gs_pki_issue_attr_cert(&o, msg, sizeof(msg)) != GS_OK) {
    gs_app_err("%s", msg);
    return GS_EXIT_FAIL;
  }
  printf("issued attribute certificate %s for %s, roles: ", a.out, a.holder);
  print_roles(&a);
  return GS_EXIT_OK;
}
