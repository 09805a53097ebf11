/* `gridseal pki init DIR [--ders N] [--domain D] [--force] [--transport T]
 * [--server HOST:PORT]`: the demo PKI
 * (gs_pki_issue_demo) and the matching configuration files; `pki issue` and
 * `pki attr-cert` are in cmd_pki_issue.c, `pki revoke` in cmd_pki_revoke.c. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "gridseal/authz.h"
#include "gridseal/error.h"
#include "gridseal/transport_tcp.h"
#include "options.h"
#include "pki_issue.h"
#include "util.h"
#include "xport.h"

#define BASE_PORT 7001

typedef struct pki_args {
  const char *dir;
  unsigned ders;
  const char *domain;
  bool force;
  gs_cfg_transport transport; /* --transport: [transport] type of the configs */
  const char *server;         /* --server HOST:PORT; NULL: the default of the transport */
} pki_args;

void gs_cmd_pki_usage(FILE *f) {
  fputs("usage: gridseal pki init DIR [-n|--ders N] [-d|--domain D] [-f|--force]\n"
        "                        [-t|--transport tcp|xmpp|mqtt|amqp] [-s|--server HOST:PORT]\n"
        "       gridseal pki issue --ca DIR --name NAME [--role ROLE]... [--domain D]\n"
        "                          [--out DIR] [--days N] [--force]\n"
        "       gridseal pki attr-cert --ca DIR --holder CERT --role ROLE... --out FILE\n"
        "                          [--days N] [--force]\n"
        "       gridseal pki revoke --ca DIR --cert CERT [--crl FILE] [--days N]\n\n"
        "init: create a demo PKI in DIR: an E2E root CA and a hop-by-hop TLS CA (ECDSA\n"
        "P-256), E2E and TLS client certificates for the control center (cc, role\n"
        "OPERATOR), a read-only peer (viewer, role VIEWER) and DERs der1..derN,\n"
        "the intermediary's server certificate, an empty CRL, and the configuration\n"
        "files DIR/cc.conf and DIR/derN.conf (DER N listens on 127.0.0.1:7000+N).\n\n"
        "  -n, --ders N          number of DERs (default 1, at most 999)\n"
        "  -d, --domain D        XMPP domain of the identities (default localhost)\n"
        "  -f, --force           overwrite the files of an existing DIR\n"
        "  -t, --transport T     [transport] type of the configurations (default tcp);\n"
        "                        mqtt and amqp get replay = window\n"
        "  -s, --server H:P      the XMPP server or broker (default: where the project's\n"
        "                        scripts put it: xmpp 127.0.0.1:15222 = scripts/xmpp-server\n"
        "                        prosody, mqtt 127.0.0.1:8883, amqp localhost:5671)\n\n"
        "Private keys are written unencrypted with mode 0600: for demonstrations only.\n\n"
        "issue: one more E2E certificate from the CA in DIR (DIR/ca.crt, DIR/ca.key, e.g.\n"
        "demo/e2e-ca), written to OUT/e2e.crt and OUT/e2e.key (default OUT: NAME beside\n"
        "DIR, e.g. demo/NAME): CN NAME, SAN URI urn:gridseal:NAME and xmppAddr\n"
        "NAME@D (default localhost), the E2E extendedKeyUsage, and with --role the\n"
        "IEC 62351-8 role extension.\n"
        "attr-cert: an RFC 5755 attribute certificate (DER) for the holder certificate\n"
        "CERT, issued by the CA in DIR, carrying the roles; valid for that holder only.\n\n"
        "  --role ROLE  VIEWER, OPERATOR, ENGINEER, INSTALLER, SECADM, SECAUD, RBACMNT,\n"
        "               SECRECOVERY (any case) or a RoleId -32768..32767; up to 8\n"
        "  --days N     validity now - 1 h .. now + N days (default 365, at most 3650)\n"
        "  --force      overwrite existing files\n\n"
        "revoke: add CERT, issued by the CA in DIR, to the CA's CRL (default DIR/crl.pem;\n"
        "a missing file is a new CRL) and write it again, replaced atomically: the old\n"
        "entries kept, the next CRL number, next update in N days (default 30). Then\n"
        "install the CRL where the nodes read it and reload them (SIGHUP).\n",
        f);
}

static int parse_ders(const char *v, unsigned *out) {
  char *end;
  errno = 0;
  unsigned long n = strtoul(v, &end, 10);
  if (*v < '0' || *v > '9' || *end != '\0' || errno != 0 || n > GS_PKI_ISSUE_MAX_DERS) {
    gs_app_err("pki init: --ders '%s': expected a number 0..%u", v, GS_PKI_ISSUE_MAX_DERS);
    return -1;
  }
  *out = (unsigned)n;
  return 0;
}

/* argv[0] is "init"; DIR may come before or after the options. */
static int parse_args(int argc, char **argv, pki_args *a) {
  static const struct option lo[] = {{"ders", required_argument, NULL, 'n'},
                                     {"domain", required_argument, NULL, 'd'},
                                     {"force", no_argument, NULL, 'f'},
                                     {"server", required_argument, NULL, 's'},
                                     {"transport", required_argument, NULL, 't'},
                                     {"help", no_argument, NULL, 'h'},
                                     {NULL, 0, NULL, 0}};
  memset(a, 0, sizeof(a[0]));
  a->ders = 1;
  a->domain = "localhost";
  a->transport = GS_CFG_TRANSPORT_TCP;
  opterr = 0;
  optind = 0; /* a fresh scan (glibc), permuting: DIR may come first */
  int c;
  while ((c = getopt_long(argc, argv, ":n:d:fs:t:h", lo, NULL)) != -1) {
    char host[GS_TCP_MAX_HOST];
    uint16_t port;
    switch (c) {
    case 'n':
      if (parse_ders(optarg, &a->ders) != 0) {
        return GS_EXIT_USAGE;
      }
      break;
    case 'd':
      a->domain = optarg;
      break;
    case 'f':
      a->force = true;
      break;
    case 's':
      if (gs_tcp_parse_hostport(optarg, host, &port, false) != GS_OK) {
        gs_app_err("pki init: --server '%s': expected HOST:PORT (e.g. 127.0.0.1:15222)", optarg);
        return GS_EXIT_USAGE;
      }
      a->server = optarg;
      break;
    case 't':
      if (gs_app_transport_parse_type(optarg, &a->transport) != 0) {
        gs_app_err("pki init: --transport: unknown transport '%s' (tcp | xmpp | mqtt | amqp)",
                   optarg);
        return GS_EXIT_USAGE;
      }
      break;
    case 'h':
      gs_cmd_pki_usage(stdout);
      return GS_EXIT_HELP;
    default:
      return gs_app_opt_error("pki init", c, lo, argv);
    }
  }
  if (optind < argc) {
    a->dir = argv[optind++];
  }
  if (optind < argc) {
    return gs_app_opt_extra("pki init", argv[optind]);
  }
  if (a->dir == NULL) {
    gs_app_err("pki init: missing DIR (see gridseal pki --help)");
    return GS_EXIT_USAGE;
  }
  if (a->server != NULL && a->transport == GS_CFG_TRANSPORT_TCP) {
    gs_app_err("pki init: --server applies to --transport xmpp, mqtt or amqp (tcp nodes use "
               "127.0.0.1:7000+N)");
    return GS_EXIT_USAGE;
  }
  return GS_EXIT_OK;
}

/* 1 if `dir` exists and holds anything, 0 if absent or empty, -1 if it is
 * not a readable directory. */
static int dir_has_entries(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL) {
    return errno == ENOENT ? 0 : -1;
  }
  int found = 0;
  struct dirent *e;
  while (!found && (e = readdir(d)) != NULL) {
    found = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
  }
  closedir(d);
  return found;
}

/* Who may associate: each DER only the control center generated with it,
 * the control center only its DERs (typed identities, docs/CONFIG.md). */
static void write_authz(FILE *f, bool cc, unsigned ders) {
  fputs("# who may associate (typed: uri:, xmpp:, dns:); what each role may do: [roles]\n"
        "allowed_peers = ",
        f);
  if (!cc) {
    fputs("uri:urn:gridseal:cc\n", f);
  }
  for (unsigned i = 1; cc && i <= ders; i++) {
    fprintf(f, "%suri:urn:gridseal:der%u", i > 1 ? ", " : "", i);
  }
  fprintf(f, "%smax_assoc_per_peer = 2\n", cc ? "\n" : "");
}

static void write_common(FILE *f, gs_cfg_transport t) {
  fputs("\n[security]\n"
        "mode = aead\n"
        "aead = aes256-GCM, aes128-GCM\n"
        "encryption = aes256-CBC\n"
        "icv = hmacWithSHA256\n"
        "hmac = hmacWithSHA256\n"
        "dh_groups = 19\n"
        "time_tolerance = 10min\n"
        "key_lifetime = 1h\n",
        f);
  if (t == GS_CFG_TRANSPORT_MQTT || t == GS_CFG_TRANSPORT_AMQP) {
    fputs("# a broker may redeliver and reorder PDUs: the replay window accepts a late\n"
          "# PDU once and drops duplicates (strict mode would drop every late one)\n"
          "replay = window\n",
          f);
  } else {
    fputs("# strict suits tcp and xmpp; with --transport mqtt|amqp set window (or delete\n"
          "# this line: window is the default for the brokers)\n"
          "replay = strict\n",
          f);
  }
  fputs("encryption_policy = required\n"
        "pp = IEC61850-8-2\n",
        f);
}

/* A DER's operation map: the defaults, written out for editing. */
static void write_roles(FILE *f) {
  fputs("\n[roles]\n"
        "# what each IEC 62351-8 role may do on this DER (read = reads and reports,\n"
        "# setpoint = controls, settings = other writes; none). These are the defaults.\n",
        f);
  static const char *const roles[] = {"VIEWER", "OPERATOR", "ENGINEER", "INSTALLER",
                                      "SECADM", "SECAUD",   "RBACMNT"};
  for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
    char ops[64];
    gs_cfg_ops_text(gs_authz_default_role_ops(roles[i]), ops, sizeof(ops));
    fprintf(f, "%s = %s\n", roles[i], ops);
  }
}

static void write_identity(FILE *f, const char *name) {
  fprintf(f,
          "\n[identity]\n"
          "cert = %s/e2e.crt\n"
          "key = %s/e2e.key\n"
          "trust_anchor = e2e-ca/ca.crt\n"
          "crl = e2e-ca/crl.pem\n",
          name, name);
}

/* The default server of each transport: where the project's scripts put
 * it (scripts/xmpp-server: Prosody on 15222; scripts/mqtt-broker and
 * scripts/amqp-broker take --port: the protocols' TLS ports, 8883 and 5671;
 * AMQP names the broker by the DNS name of its certificate). */
static const char *default_server(gs_cfg_transport t) {
  switch (t) {
  case GS_CFG_TRANSPORT_MQTT:
    return "127.0.0.1:8883";
  case GS_CFG_TRANSPORT_AMQP:
    return "localhost:5671";
  default:
    return "127.0.0.1:15222";
  }
}

static const char *server_of(const pki_args *a) {
  return a->server != NULL ? a->server : default_server(a->transport);
}

static void write_transport(FILE *f, const pki_args *a, const char *name, unsigned port) {
  fprintf(f, "\n[transport]\ntype = %s\n", gs_cfg_transport_name(a->transport));
  if (port != 0) {
    fprintf(f, "listen = 127.0.0.1:%u\n", port);
  }
  fprintf(f,
          "# for type = xmpp, mqtt, amqp (the XMPP server or broker, docs/CLI.md):\n"
          "server = %s\n"
          "domain = %s\n"
          "jid = %s@%s/IEC\n"
          "tls_cert = %s/hop.crt\n"
          "tls_key = %s/hop.key\n"
          "tls_ca = hop-ca/ca.crt\n"
          "reconnect_min = 500ms\n"
          "reconnect_max = 30s\n",
          server_of(a), a->domain, name, a->domain, name, name);
}

static int write_conf(const pki_args *a, const char *name, unsigned der_index) {
  char path[1024];
  snprintf(path, sizeof(path), "%s/%s.conf", a->dir, name);
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (a->force ? O_TRUNC : O_EXCL), 0644);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (f == NULL) {
    gs_app_err("%s: cannot create: %s", path, strerror(errno));
    if (fd >= 0) {
      close(fd);
    }
    return -1;
  }
  bool cc = der_index == 0;
  fprintf(f,
          "# gridseal %s configuration, written by `gridseal pki init` (docs/CONFIG.md).\n"
          "# Relative paths are relative to this file.\n\n"
          "[node]\nrole = %s\nname = %s\nidentity = urn:gridseal:%s\n",
          name, cc ? "cc" : "der", name, name);
  write_common(f, a->transport);
  write_authz(f, cc, a->ders);
  write_identity(f, name);
  write_transport(f, a, name, cc ? 0 : BASE_PORT + der_index - 1);
  fprintf(f, "\n[application]\nreport_interval = 2s\n");
  if (!cc) {
    fprintf(f, "rating_kw = 100\nseed = %u\n", der_index);
  }
  if (!cc) {
    write_roles(f);
  }
  fprintf(f, "\n[log]\nevents = %s-events.jsonl\ncsv = %s.csv\n", name, name);
  for (unsigned i = 1; cc && i <= a->ders; i++) {
    fprintf(f,
            "\n[der der%u]\nidentity = urn:gridseal:der%u\nconnect = 127.0.0.1:%u\n"
            "jid = der%u@%s/IEC\n",
            i, i, BASE_PORT + i - 1, i, a->domain);
  }
  if (fclose(f) != 0) {
    gs_app_err("%s: write failed", path);
    return -1;
  }
  return 0;
}

/* How to start the server the configurations name (the project's
 * scripts, docs/CLI.md). */
static void print_hint(const pki_args *a) {
  const char *srv = server_of(a);
  const char *colon = strrchr(srv, ':');
  const char *port = colon != NULL ? colon + 1 : "";
  switch (a->transport) {
  case GS_CFG_TRANSPORT_XMPP:
    printf("transport xmpp via %s: scripts/xmpp-server start prosody --pki %s --dir RUNDIR%s%s\n",
           srv, a->dir, strcmp(port, "15222") != 0 ? " --port " : "",
           strcmp(port, "15222") != 0 ? port : "");
    break;
  case GS_CFG_TRANSPORT_MQTT:
    printf("transport mqtt via %s: scripts/mqtt-broker start --pki %s --dir RUNDIR --port %s\n",
           srv, a->dir, port);
    break;
  case GS_CFG_TRANSPORT_AMQP:
    printf("transport amqp via %s: scripts/amqp-broker start --pki %s --dir RUNDIR --port %s\n",
           srv, a->dir, port);
    break;
  default:
    break;
  }
}

int gs_cmd_pki(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "issue") == 0) {
    return gs_cmd_pki_issue(argc - 1, argv + 1);
  }
  if (argc >= 2 && strcmp(argv[1], "attr-cert") == 0) {
    return gs_cmd_pki_attr_cert(argc - 1, argv + 1);
  }
  if (argc >= 2 && strcmp(argv[1], "revoke") == 0) {
    return gs_cmd_pki_revoke(argc - 1, argv + 1);
  }
  if (argc < 2 || strcmp(argv[1], "init") != 0) {
    gs_app_err("pki: expected 'init', 'issue', 'attr-cert' or 'revoke' (see gridseal pki --help)");
    return GS_EXIT_USAGE;
  }
  pki_args a;
  int prc = parse_args(argc - 1, argv + 1, &a);
  if (prc != GS_EXIT_OK) {
    return prc == GS_EXIT_HELP ? GS_EXIT_OK : prc;
  }
  int has = dir_has_entries(a.dir);
  if (has < 0) {
    gs_app_err("%s: not a readable directory", a.dir);
    return GS_EXIT_FAIL;
  }
  if (has > 0 && !a.force) {
    gs_app_err("%s: exists and is not empty (use --force to overwrite)", a.dir);
    return GS_EXIT_FAIL;
  }
  gs_pki_issue_opts o = {a.ders, a.domain, a.force, gs_app_now()};
  char msg[1200];
  int rc = gs_pki_issue_demo(a.dir, &o, msg, sizeof(msg));
  if (rc != 0) {
    gs_app_err("%s", msg);
    return GS_EXIT_FAIL;
  }
  if (a.ders > 0 && write_conf(&a, "cc", 0) != 0) {
    return GS_EXIT_FAIL;
  }
  for (unsigned i = 1; i <= a.ders; i++) {
    char name[16];
    snprintf(name, sizeof(name), "der%u", i);
    if (write_conf(&a, name, i) != 0) {
      return GS_EXIT_FAIL;
    }
  }
  printf("demo PKI in %s: e2e-ca/, hop-ca/, server/, cc/, viewer/, %u DER(s)%s\n", a.dir, a.ders,
         a.ders > 0 ? ", cc.conf, der*.conf" : "");
  if (a.ders > 0) {
    print_hint(&a);
  }
  return GS_EXIT_OK;
}
