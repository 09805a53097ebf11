/* `gridseal pki revoke --ca DIR --cert CERT [--crl FILE] [--days N]`: add a
 * certificate the demo CA issued to its CRL and write the CRL again
 * (gs_pki_revoke; docs/CLI.md, docs/PKI-OPERATIONS.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "pki_issue.h"
#include "util.h"

enum { OPT_CA = 1, OPT_CERT, OPT_CRL, OPT_DAYS };

static int parse(int argc, char **argv, gs_pki_revoke_opts *o) {
  static const struct option opts[] = {{"ca", required_argument, NULL, OPT_CA},
                                       {"cert", required_argument, NULL, OPT_CERT},
                                       {"crl", required_argument, NULL, OPT_CRL},
                                       {"days", required_argument, NULL, OPT_DAYS},
                                       {NULL, 0, NULL, 0}};
  memset(o, 0, sizeof(*o));
  opterr = 0;
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, "+:", opts, NULL)) != -1) {
    switch (c) {
    case OPT_CA:
      o->ca_dir = optarg;
      break;
    case OPT_CERT:
      o->cert = optarg;
      break;
    case OPT_CRL:
      o->crl = optarg;
      break;
    case OPT_DAYS: {
      char *end = NULL;
      errno = 0;
      unsigned long n = strtoul(optarg, &end, 10);
      if (*optarg < '0' || *optarg > '9' || *end != '\0' || errno != 0 || n == 0 ||
          n > GS_PKI_ISSUE_MAX_DAYS) {
        gs_app_err("pki revoke: --days '%s': expected a number 1..%u", optarg,
                   GS_PKI_ISSUE_MAX_DAYS);
        return -1;
      }
      o->days = (unsigned)n;
      break;
    }
    case ':':
      gs_app_err("pki revoke: %s needs a value", argv[optind - 1]);
      return -1;
    default:
      gs_app_err("pki revoke: unknown option '%s'", argv[optind - 1]);
      return -1;
    }
  }
  if (optind < argc) {
    gs_app_err("pki revoke: unexpected argument '%s'", argv[optind]);
    return -1;
  }
  const char *missing = o->ca_dir == NULL ? "--ca DIR" : o->cert == NULL ? "--cert CERT" : NULL;
  if (missing != NULL) {
    gs_app_err("pki revoke: missing %s (see gridseal pki --help)", missing);
    return -1;
  }
  return 0;
}

int gs_cmd_pki_revoke(int argc, char **argv) {
  gs_pki_revoke_opts o;
  if (parse(argc, argv, &o) != 0) {
    return GS_EXIT_USAGE;
  }
  o.now = gs_app_now();
  char msg[1200], serial[GS_MAX_SERIAL_HEX];
  bool already = false;
  size_t n = 0;
  if (gs_pki_revoke(&o, serial, &already, &n, msg, sizeof(msg)) != GS_OK) {
    gs_app_err("%s", msg);
    return GS_EXIT_FAIL;
  }
  char crl[1100];
  if (o.crl != NULL) {
    snprintf(crl, sizeof(crl), "%s", o.crl);
  } else {
    snprintf(crl, sizeof(crl), "%s/crl.pem", o.ca_dir);
  }
  printf("%s %s (serial %s); %s lists %zu certificate%s, next update in %u days\n",
         already ? "already revoked:" : "revoked", o.cert, serial, crl, n, n == 1 ? "" : "s",
         o.days == 0 ? 30u : o.days);
  printf("install %s where the nodes read it and reload them (SIGHUP)\n", crl);
  return GS_EXIT_OK;
}
