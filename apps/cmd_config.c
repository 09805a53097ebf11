/* `gridseal config FILE`: check a configuration file and print what it
 * sets; `gridseal config --check FILE`: load and check everything it names
 * (credentials.c, the transport's files and address, the policy), one line
 * per check, in the manner of `sshd -t` / `prosodyctl check`. */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "credentials.h"
#include "gridseal/crypto_openssl.h"
#include "gridseal/error.h"
#include "gridseal/pki.h"
#include "gridseal/transport_tcp.h"
#include "http.h"
#include "options.h"
#include "syslog_tls.h"
#include "util.h"
#include "xport.h"

#define CHECK_SOON_MS (30LL * 86400000) /* warn when something expires within 30 days */

void gs_cmd_config_usage(FILE *f) {
  fputs("usage: gridseal config [-C|--check] [-t|--transport T] [-s|--server HOST:PORT] FILE\n"
        "       (FILE may also be given as -c|--config FILE)\n\n"
        "Parse FILE (docs/CONFIG.md) strictly and print the resulting settings,\n"
        "defaults included. Exit 1 with FILE:LINE: message on the first error, and\n"
        "exit 1 when a file it names (certificate, key, trust anchor, CRL, attribute\n"
        "certificate, pass phrase file, hop TLS files) does not exist.\n\n"
        "--check loads and checks everything instead, one line per check (ok, warning,\n"
        "error, each naming the file and the problem): the trust anchors and CRLs, the\n"
        "own certificate against the anchors now (purpose, CRLs, identity), the key\n"
        "(through the same loader as der and cc: files, pkcs11: URIs, TPM keys) and\n"
        "that it matches the certificate, the attribute certificate, what expires\n"
        "within 30 days (own certificate, a CA, a CRL's nextUpdate: warnings), the\n"
        "authorization policy, the replay mode for the transport, and the transport:\n"
        "the addresses (does the server's host resolve?), the hop TLS certificate,\n"
        "key and CA. No connection is made. Exit 1 on any error, else 0.\n\n"
        "  -C, --check             check everything (above)\n"
        "  -t, --transport T       check as with der/cc --transport T\n"
        "  -s, --server HOST:PORT  check as with der/cc --server HOST:PORT\n"
        "  -c, --config FILE       the configuration (instead of the FILE argument)\n"
        "  -h, --help              this text\n",
        f);
}

/* One item of a printed list: "  name              a, b, c". */
static void list_item(const char *key, size_t i, const char *value) {
  if (i == 0) {
    printf("  %-18s", key);
  }
  printf("%s%s", i ? ", " : "", value);
}

static void print_security(const gs_cfg_security *s) {
  printf("[security]\n  %-18s%s\n", "mode", gs_cfg_mode_name(s->mode));
  for (size_t i = 0; i < s->n_aead; i++) {
    list_item("aead", i, gs_cfg_aead_name(s->aead[i]));
  }
  printf("%s\n", s->n_aead ? "" : "  aead");
  for (size_t i = 0; i < s->n_encr; i++) {
    list_item("encryption", i, gs_cfg_cipher_name(s->encr[i]));
  }
  printf("%s\n", s->n_encr ? "" : "  encryption");
  for (size_t i = 0; i < s->n_icv; i++) {
    list_item("icv", i, gs_cfg_hash_name(s->icv[i]));
  }
  printf("%s\n", s->n_icv ? "" : "  icv");
  list_item("hmac", 0, gs_cfg_hash_name(s->hmac));
  putchar('\n');
  printf("  %-18s", "dh_groups");
  for (size_t i = 0; i < s->n_dh; i++) {
    printf("%s%u", i ? ", " : "", (unsigned)s->dh_groups[i]);
  }
  printf("\n  %-18s%lld ms\n  %-18s%lld ms\n  %-18s%llu\n", "time_tolerance",
         (long long)s->time_tolerance_ms, "key_lifetime", (long long)s->key_lifetime_ms,
         "message_budget", (unsigned long long)s->message_budget);
  printf("  %-18s%s\n  %-18s%s\n  %-18s%s\n", "replay", gs_cfg_replay_name(s->replay),
         "encryption_policy", gs_cfg_encryption_name(s->encryption), "pp", s->pp);
  printf("  %-18s%u\n", "max_assoc_per_peer", (unsigned)s->max_assoc_per_peer);
}

/* The effective authorization: who may associate, what each role may do. */
static int print_authz(const gs_config *c) {
  gs_authz *a = NULL;
  char err[600];
  if (gs_cfg_authz(c, &a, err, sizeof(err)) != GS_OK) {
    gs_app_err("%s", err);
    return -1;
  }
  printf("[authorization] (effective)\n  %-18s", "associate");
  size_t n_id = gs_authz_n_identities(a), n_req = gs_authz_n_required(a);
  if (gs_authz_any(a)) {
    printf("any peer the trust anchors validate (allow_any_peer = yes)\n");
  } else if (n_id == 0 && n_req == 0) {
    printf("nobody\n");
  } else {
    for (size_t i = 0; i < n_id; i++) {
      const gs_identity *id = gs_authz_identity_at(a, i);
      printf("%s%s:%s", i ? ", " : "", gs_authz_id_kind_name(id->kind), id->value);
    }
    printf("%s", n_id == 0 ? "any identity" : "");
    for (size_t i = 0; i < n_req; i++) {
      printf("%s%s", i ? " or " : (n_id ? "; holding role " : " holding role "),
             gs_authz_required_at(a, i));
    }
    printf("%s\n", c->role == GS_CFG_ROLE_CC && c->security.n_allowed == 0 && n_req == 0
                       ? " (the [der NAME] identities)"
                       : "");
  }
  printf("  %-18s%u at once\n", "per identity", (unsigned)c->security.max_assoc_per_peer);
  printf("  roles             operations (DER: read = reads and reports, setpoint = "
         "controls, settings = other writes)\n");
  for (size_t i = 0; i < gs_authz_n_role_map(a); i++) {
    gs_authz_ops ops = 0;
    const char *name = gs_authz_role_map_at(a, i, &ops);
    char text[64];
    gs_cfg_ops_text(ops, text, sizeof(text));
    printf("  %-18s%s\n", name, text);
  }
  gs_authz_free(a);
  return 0;
}

static void print_config(const gs_config *c) {
  printf("[node]\n  %-18s%s\n  %-18s%s\n  %-18s%s\n", "role",
         c->role == GS_CFG_ROLE_CC ? "cc" : "der", "name", c->name, "identity", c->identity);
  print_security(&c->security);
  const gs_cfg_security *s = &c->security;
  printf("  %-18s", "allowed_peers");
  for (size_t i = 0; i < s->n_allowed; i++) {
    printf("%s%s:%s", i ? ", " : "", gs_authz_id_kind_name(s->allowed[i].kind),
           s->allowed[i].value);
  }
  printf("%s\n  %-18s", s->n_allowed ? "" : "(none)", "required_roles");
  for (size_t i = 0; i < s->n_required; i++) {
    printf("%s%s", i ? ", " : "", s->required[i]);
  }
  printf("%s\n  %-18s%s\n", s->n_required ? "" : "(none)", "allow_any_peer",
         s->allow_any_peer ? "yes" : "no");
  const gs_cfg_session *se = &c->session;
  printf("[session]\n  %-18s%lld ms\n", "handshake_timeout", (long long)se->handshake_timeout_ms);
  printf("  %-18s%lld ms\n", "rekey_timeout",
         (long long)(se->rekey_timeout_ms ? se->rekey_timeout_ms : se->handshake_timeout_ms));
  printf(
      "  %-18s%lld ms\n", "half_open_timeout",
      (long long)(se->half_open_timeout_ms ? se->half_open_timeout_ms : se->handshake_timeout_ms));
  printf("  %-18s%lld ms\n", "idle_timeout", (long long)se->idle_timeout_ms);
  printf("[identity]\n  %-18s%s\n  %-18s%s\n", "cert", c->id.cert, "key", c->id.key);
  for (size_t i = 0; i < c->id.n_anchors; i++) {
    printf("  %-18s%s\n", "trust_anchor", c->id.anchors[i]);
  }
  for (size_t i = 0; i < c->id.n_crls; i++) {
    printf("  %-18s%s\n", "crl", c->id.crls[i]);
  }
  const gs_cfg_transport_settings *t = &c->transport;
  printf("[transport]\n  %-18s%s\n", "type", gs_cfg_transport_name(t->type));
  const char *kv[][2] = {{"listen", t->listen}, {"server", t->server},     {"domain", t->domain},
                         {"jid", t->jid},       {"tls_cert", t->tls_cert}, {"tls_key", t->tls_key},
                         {"tls_ca", t->tls_ca}};
  for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
    if (kv[i][1][0] != '\0') {
      printf("  %-18s%s\n", kv[i][0], kv[i][1]);
    }
  }
  printf("  %-18s%lld..%lld ms\n", "reconnect", (long long)t->reconnect_min_ms,
         (long long)t->reconnect_max_ms);
  printf("[application]\n  %-18s%lld ms\n  %-18s%u\n  %-18s%llu\n", "report_interval",
         (long long)c->app.report_interval_ms, "rating_kw", (unsigned)c->app.rating_kw, "seed",
         (unsigned long long)c->app.seed);
  printf("  %-18s%lld ms\n", "request_timeout", (long long)c->app.request_timeout_ms);
  printf("[log]\n  %-18s%s\n  %-18s%s\n", "events", c->log.events[0] ? c->log.events : "(none)",
         "csv", c->log.csv[0] ? c->log.csv : "(none)");
  /* syslog (docs/SYSLOG.md): the local one, and the remote collector when set */
  printf("  %-18s%s\n  %-18s%s\n", "syslog", c->log.syslog ? "yes" : "no", "syslog_facility",
         gs_cfg_syslog_facility_name(c->log.syslog_facility));
  if (c->log.syslog_remote[0]) {
    printf("  %-18s%s\n  %-18s%s\n", "syslog_remote", c->log.syslog_remote, "syslog_ca",
           c->log.syslog_ca[0] ? c->log.syslog_ca : "(none)");
    if (c->log.syslog_cert[0]) {
      printf("  %-18s%s\n  %-18s%s\n", "syslog_cert", c->log.syslog_cert, "syslog_key",
             c->log.syslog_key);
    }
  }
  const gs_cfg_http *h = &c->http;
  if (h->listen[0] || h->tls_cert[0] || h->tls_key[0] || h->client_ca[0]) {
    printf("[http]\n  %-18s%s\n  %-18s%s\n", "listen", h->listen[0] ? h->listen : "(off)", "tls",
           h->tls ? "yes" : "no");
    const char *const hf[][2] = {
        {"tls_cert", h->tls_cert}, {"tls_key", h->tls_key}, {"client_ca", h->client_ca}};
    for (size_t i = 0; i < 3; i++) {
      if (hf[i][1][0] != '\0') {
        printf("  %-18s%s\n", hf[i][0], hf[i][1]);
      }
    }
  }
  const gs_cfg_standby *sb = &c->standby;
  if (sb->primary[0] || sb->standby[0]) { /* docs/STANDBY.md */
    printf("[standby]\n");
    if (sb->primary[0]) {
      printf("  %-18s%s\n  %-18s%lld ms\n", "primary", sb->primary, "takeover_after",
             (long long)sb->takeover_after_ms);
    }
    if (sb->standby[0]) {
      printf("  %-18s%s\n", "standby", sb->standby);
    }
  }
  for (size_t i = 0; i < c->n_peers; i++) {
    const gs_cfg_peer *p = &c->peers[i];
    printf("[der %s]\n  %-18s%s\n", p->name, "identity", p->identity);
    if (p->connect[0]) {
      printf("  %-18s%s\n", "connect", p->connect);
    }
    if (p->jid[0]) {
      printf("  %-18s%s\n", "jid", p->jid);
    }
  }
}

/* ------------------------------------------------------------ --check */

typedef struct checker {
  unsigned ok, warnings, errors;
} checker;

static void check_line(void *user, gs_creds_level lvl, const char *msg) {
  checker *k = user;
  static const char *const tag[] = {"ok", "warning", "error"};
  printf("%s: %s\n", tag[lvl], msg);
  if (lvl == GS_CREDS_OK) {
    k->ok++;
  } else if (lvl == GS_CREDS_WARNING) {
    k->warnings++;
  } else {
    k->errors++;
  }
}

static void say(checker *k, gs_creds_level lvl, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void say(checker *k, gs_creds_level lvl, const char *fmt, ...) {
  char msg[1200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  check_line(k, lvl, msg);
}

static void date_of(gs_time_ms t, char *out, size_t cap) {
  char iso[40];
  gs_app_iso_time(t, iso, sizeof(iso));
  snprintf(out, cap, "%.10s", iso);
}

/* What expires within CHECK_SOON_MS: the own certificate (notAfter), and
 * anything else of its path (a CA, a CRL's nextUpdate), found by
 * validating it again at now + 30 days. */
static void check_expiry(checker *k, const gs_config *cfg, gs_creds *c, gs_time_ms now) {
  if (c->own == NULL) {
    return;
  }
  char d[16];
  date_of(c->own->not_after, d, sizeof(d));
  long long days = (long long)((c->own->not_after - now) / 86400000);
  if (c->own->not_after - now < CHECK_SOON_MS) {
    say(k, GS_CREDS_WARNING, "%s: own certificate expires in %lld day(s), on %s: renew it",
        cfg->id.cert, days, d);
    return;
  }
  say(k, GS_CREDS_OK, "%s: own certificate valid until %s (%lld days)", cfg->id.cert, d, days);
  gs_pki_set_cache(c->pki, false);
  const gs_cert_info *later = NULL;
  int rc = gs_pki_validate(c->pki, (gs_slice){c->cert_der, c->cert_len}, NULL, 0, NULL,
                           now + CHECK_SOON_MS, &later);
  if (rc == GS_OK) {
    gs_pki_release(c->pki, later);
    if (cfg->id.n_crls > 0) {
      say(k, GS_CREDS_OK, "CRLs: the next update of each is more than 30 days away");
    }
  } else if (rc == GS_ERR_CRL_EXPIRED) {
    char files[GS_CFG_MAX_FILES * (GS_CFG_PATH_MAX + 2)] = "";
    for (size_t i = 0; i < cfg->id.n_crls; i++) {
      size_t l = strlen(files);
      snprintf(files + l, sizeof(files) - l, "%s%s", i ? ", " : "", cfg->id.crls[i]);
    }
    say(k, GS_CREDS_WARNING,
        "%s: a CRL of the own certificate's path reaches its nextUpdate within 30 days (then "
        "every validation fails): publish a new CRL",
        files);
  } else {
    say(k, GS_CREDS_WARNING,
        "%s: the certificate path will not validate in 30 days: %s (%s; a CA certificate "
        "expires?)",
        cfg->id.cert, gs_strerror(rc), gs_errname(rc));
  }
}

static void check_policy(checker *k, const gs_config *c) {
  gs_authz *a = NULL;
  char err[600];
  if (gs_cfg_authz(c, &a, err, sizeof(err)) != GS_OK) {
    say(k, GS_CREDS_ERROR, "%s", err);
    return;
  }
  if (gs_authz_any(a)) {
    say(k, GS_CREDS_WARNING,
        "%s: allow_any_peer = yes: every certificate the trust anchors validate may associate",
        c->file);
  } else if (gs_authz_n_identities(a) == 0 && gs_authz_n_required(a) == 0) {
    say(k, GS_CREDS_WARNING, "%s: the policy admits nobody", c->file);
  } else {
    say(k, GS_CREDS_OK, "%s: policy admits %zu identit%s%s%zu required role(s), %zu role map(s)",
        c->file, gs_authz_n_identities(a), gs_authz_n_identities(a) == 1 ? "y" : "ies", ", ",
        gs_authz_n_required(a), gs_authz_n_role_map(a));
  }
  gs_authz_free(a);
  char w[GS_CFG_PATH_MAX + 512];
  if (gs_cfg_replay_warning(c, w, sizeof(w))) {
    say(k, GS_CREDS_WARNING, "%s", w);
  } else {
    say(k, GS_CREDS_OK, "%s: replay = %s for transport %s", c->file,
        gs_cfg_replay_name(c->security.replay), gs_cfg_transport_name(c->transport.type));
  }
}

/* A HOST:PORT the node connects to or listens on: it parses, and the host
 * resolves now (a warning if not: DNS may come back; the node retries). */
static void check_address(checker *k, const gs_config *c, const char *what, const char *v) {
  char host[GS_TCP_MAX_HOST];
  uint16_t port;
  if (gs_tcp_parse_hostport(v, host, &port, false) != GS_OK) {
    say(k, GS_CREDS_ERROR, "%s: %s '%s' is not HOST:PORT", c->file, what, v);
    return;
  }
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof(hints));
  hints.ai_socktype = SOCK_STREAM;
  int e = getaddrinfo(host, NULL, &hints, &res);
  if (e != 0) {
    say(k, GS_CREDS_WARNING, "%s: %s '%s': host '%s' does not resolve now (%s)", c->file, what, v,
        host, gai_strerror(e));
    return;
  }
  freeaddrinfo(res);
  say(k, GS_CREDS_OK, "%s: %s %s", c->file, what, v);
}

/* [transport] server: every endpoint of the list (util.h). */
static void check_servers(checker *k, const gs_config *c, const char *v) {
  char bad[GS_CFG_STR_MAX];
  if (gs_app_server_list(v, bad, sizeof(bad)) == 0) {
    say(k, GS_CREDS_ERROR, "%s: server '%s' is not HOST:PORT[,HOST:PORT...] (entry '%s')", c->file,
        v, bad);
    return;
  }
  for (const char *p = v;;) {
    const char *e = strchr(p, ',');
    size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
    char one[GS_CFG_STR_MAX];
    memcpy(one, p, len);
    one[len] = '\0';
    check_address(k, c, "server", one);
    if (e == NULL) {
      return;
    }
    p = e + 1;
  }
}

/* The hop TLS files of xmpp, mqtt and amqp: present, loadable, key matching
 * the certificate, and not the E2E certificate. */
static void check_hop(checker *k, gs_crypto *crypto, const gs_config *c, const gs_creds *e2e) {
  const gs_cfg_transport_settings *t = &c->transport;
  const char *tn = gs_cfg_transport_name(t->type);
  const char *need[][2] = {
      {"tls_cert", t->tls_cert}, {"tls_key", t->tls_key}, {"tls_ca", t->tls_ca}};
  bool all = true;
  for (size_t i = 0; i < 3; i++) {
    if (need[i][1][0] == '\0') {
      say(k, GS_CREDS_ERROR, "%s: [transport] %s is required with transport %s", c->file,
          need[i][0], tn);
      all = false;
    }
  }
  if (t->jid[0] == '\0' && t->domain[0] == '\0') {
    say(k, GS_CREDS_ERROR, "%s: no endpoint name for %s: set [transport] jid or domain", c->file,
        c->name);
  }
  if (!all) {
    return;
  }
  gs_pki *ca = NULL;
  int rc = gs_pki_new(crypto, &ca);
  if (rc == GS_OK && (rc = gs_pki_add_anchor_file(ca, t->tls_ca)) != GS_OK) {
    say(k, GS_CREDS_ERROR, "%s: cannot load the hop CA (tls_ca): %s", t->tls_ca,
        access(t->tls_ca, R_OK) != 0 ? strerror(errno) : gs_strerror(rc));
  } else if (rc == GS_OK) {
    say(k, GS_CREDS_OK, "%s: hop CA (tls_ca) loaded", t->tls_ca);
  }
  gs_pki_free(ca);
  uint8_t *der = NULL;
  size_t len = 0;
  if ((rc = gs_pki_load_cert_file(t->tls_cert, &der, &len)) != GS_OK) {
    say(k, GS_CREDS_ERROR, "%s: cannot load the hop certificate (tls_cert): %s", t->tls_cert,
        access(t->tls_cert, R_OK) != 0 ? strerror(errno) : gs_strerror(rc));
  } else if (e2e->cert_der != NULL && len == e2e->cert_len &&
             memcmp(der, e2e->cert_der, len) == 0) {
    say(k, GS_CREDS_ERROR,
        "%s: tls_cert is the E2E certificate (%s): the hop needs its own TLS certificate from the "
        "hop CA",
        t->tls_cert, c->id.cert);
  } else {
    say(k, GS_CREDS_OK, "%s: hop certificate (tls_cert) loaded", t->tls_cert);
  }
  char w[GS_CFG_PATH_MAX + 128];
  if (gs_creds_mode_warning("hop key file", t->tls_key, w, sizeof(w))) {
    say(k, GS_CREDS_WARNING, "%s", w);
  }
  gs_privkey *key = NULL;
  char msg[768];
  msg[0] = '\0';
  if ((rc = gs_ossl_privkey_load(crypto, t->tls_key, NULL, &key, msg, sizeof(msg))) != GS_OK) {
    say(k, GS_CREDS_ERROR, "%s", msg[0] ? msg : gs_strerror(rc));
  } else if (der != NULL && !gs_creds_key_matches(crypto, key, der, len)) {
    gs_creds_mismatch_text(t->tls_key, t->tls_cert, msg, sizeof(msg));
    say(k, GS_CREDS_ERROR, "%s", msg);
  } else if (der != NULL) {
    say(k, GS_CREDS_OK, "%s matches %s", t->tls_key, t->tls_cert);
  }
  if (key != NULL) {
    crypto->privkey_free(key);
  }
  free(der);
}

static void check_transport(checker *k, gs_crypto *crypto, const gs_config *c,
                            const gs_creds *e2e) {
  const gs_cfg_transport_settings *t = &c->transport;
  if (t->type == GS_CFG_TRANSPORT_TCP) {
    if (c->role == GS_CFG_ROLE_DER) {
      check_address(k, c, "listen", t->listen);
    }
    for (size_t i = 0; i < c->n_peers; i++) {
      char what[GS_CFG_NAME_MAX + 32];
      snprintf(what, sizeof(what), "[der %s] connect", c->peers[i].name);
      check_address(k, c, what, c->peers[i].connect);
    }
    return;
  }
  check_servers(k, c, t->server);
  check_hop(k, crypto, c, e2e);
}

/* The remote syslog collector's files (docs/SYSLOG.md). */
static void check_syslog(checker *k, const gs_config *c) {
  const gs_cfg_log *l = &c->log;
  if (l->syslog_remote[0] == '\0') {
    return;
  }
  gs_syslog_tls_cfg sc = {l->syslog_remote, l->syslog_ca, l->syslog_cert,
                          l->syslog_key,    c->name,      0};
  char err[GS_CFG_PATH_MAX + 300];
  if (gs_syslog_tls_check(&sc, err, sizeof(err)) != 0) {
    say(k, GS_CREDS_ERROR, "[log] %s", err);
  } else {
    say(k, GS_CREDS_OK, "[log] syslog collector %s: syslog_ca%s load", l->syslog_remote,
        l->syslog_cert[0] ? ", syslog_cert and syslog_key" : "");
  }
}

/* [http] (docs/METRICS.md): the address rule, and with TLS the server's
 * certificate and key (matching) and the client CA. */
static void check_http(checker *k, gs_crypto *crypto, const gs_config *c) {
  const gs_cfg_http *h = &c->http;
  if (h->listen[0] == '\0') {
    return;
  }
  struct sockaddr_storage sa;
  bool loopback = false;
  bool tls = h->tls_cert[0] && h->tls_key[0] && h->client_ca[0];
  if (gs_http_parse_listen(h->listen, &sa, sizeof(sa), &loopback) != 0) {
    say(k, GS_CREDS_ERROR, "[http] listen %s: expected PORT, ADDR:PORT or [ADDR6]:PORT", h->listen);
    return;
  }
  if ((!loopback || h->tls) && !tls) {
    say(k, GS_CREDS_ERROR, "[http] listen %s: %s needs [http] tls_cert, tls_key and client_ca",
        h->listen, loopback ? "tls = yes" : "a non-loopback address");
    return;
  }
  if (!tls) {
    say(k, GS_CREDS_OK, "[http] listen %s: loopback, plain HTTP", h->listen);
    return;
  }
  gs_pki *ca = NULL;
  int rc = gs_pki_new(crypto, &ca);
  if (rc == GS_OK && (rc = gs_pki_add_anchor_file(ca, h->client_ca)) != GS_OK) {
    say(k, GS_CREDS_ERROR, "%s: cannot load the HTTP client CA ([http] client_ca): %s",
        h->client_ca, access(h->client_ca, R_OK) != 0 ? strerror(errno) : gs_strerror(rc));
  } else if (rc == GS_OK) {
    say(k, GS_CREDS_OK, "%s: HTTP client CA ([http] client_ca) loaded", h->client_ca);
  }
  gs_pki_free(ca);
  uint8_t *der = NULL;
  size_t len = 0;
  if ((rc = gs_pki_load_cert_file(h->tls_cert, &der, &len)) != GS_OK) {
    say(k, GS_CREDS_ERROR, "%s: cannot load the HTTP server certificate ([http] tls_cert): %s",
        h->tls_cert, access(h->tls_cert, R_OK) != 0 ? strerror(errno) : gs_strerror(rc));
  }
  gs_privkey *key = NULL;
  char msg[768];
  msg[0] = '\0';
  if ((rc = gs_ossl_privkey_load_file(crypto, h->tls_key, &key)) != GS_OK) {
    say(k, GS_CREDS_ERROR, "%s: cannot load the HTTP server key ([http] tls_key): %s", h->tls_key,
        access(h->tls_key, R_OK) != 0 ? strerror(errno) : gs_strerror(rc));
  } else if (der != NULL && !gs_creds_key_matches(crypto, key, der, len)) {
    gs_creds_mismatch_text(h->tls_key, h->tls_cert, msg, sizeof(msg));
    say(k, GS_CREDS_ERROR, "%s", msg);
  } else if (der != NULL) {
    say(k, GS_CREDS_OK, "[http] listen %s: HTTPS, %s matches %s", h->listen, h->tls_key,
        h->tls_cert);
  }
  if (key != NULL) {
    crypto->privkey_free(key);
  }
  free(der);
}

static int run_check(const gs_config *cfg) {
  checker k = {0, 0, 0};
  gs_time_ms now = gs_app_now();
  say(&k, GS_CREDS_OK, "%s: syntax and keys (role %s, transport %s)", cfg->file,
      cfg->role == GS_CFG_ROLE_CC ? "cc" : "der", gs_cfg_transport_name(cfg->transport.type));
  gs_crypto *crypto = NULL;
  int rc = gs_ossl_crypto_new(&crypto);
  if (rc != GS_OK) {
    say(&k, GS_CREDS_ERROR, "crypto provider: %s", gs_strerror(rc));
    return GS_EXIT_FAIL;
  }
  gs_creds c;
  gs_creds_report rep = {check_line, &k, true};
  (void)gs_creds_load(&c, crypto, cfg, now, &rep);
  check_expiry(&k, cfg, &c, now);
  check_policy(&k, cfg);
  check_transport(&k, crypto, cfg, &c);
  check_syslog(&k, cfg);
  check_http(&k, crypto, cfg);
  gs_creds_free(&c, crypto);
  gs_ossl_crypto_free(crypto);
  printf("%s: %u ok, %u warning(s), %u error(s)\n", cfg->file, k.ok, k.warnings, k.errors);
  return k.errors > 0 ? GS_EXIT_FAIL : GS_EXIT_OK;
}

typedef struct named_file {
  const char *what, *path;
  bool used;
} named_file;

/* Plain `config FILE`: every file the configuration names must exist. */
static int check_files_exist(const gs_config *c) {
  const gs_cfg_identity *id = &c->id;
  const gs_cfg_transport_settings *t = &c->transport;
  bool hop = t->type != GS_CFG_TRANSPORT_TCP;
  bool key_file = strncmp(id->key, "pkcs11:", 7) != 0 && strncmp(id->key, "handle:", 7) != 0;
  named_file f[4 + 2 * GS_CFG_MAX_FILES + 6];
  size_t n = 0;
  f[n++] = (named_file){"[identity] cert", id->cert, true};
  f[n++] = (named_file){"[identity] key", id->key, key_file};
  f[n++] = (named_file){"[identity] attribute_cert", id->attr_cert, true};
  f[n++] = (named_file){"[identity] key_passphrase_file", id->key_passphrase_file, true};
  for (size_t i = 0; i < id->n_anchors; i++) {
    f[n++] = (named_file){"[identity] trust_anchor", id->anchors[i], true};
  }
  for (size_t i = 0; i < id->n_crls; i++) {
    f[n++] = (named_file){"[identity] crl", id->crls[i], true};
  }
  f[n++] = (named_file){"[transport] tls_cert", t->tls_cert, hop};
  f[n++] = (named_file){"[transport] tls_key", t->tls_key, hop};
  f[n++] = (named_file){"[transport] tls_ca", t->tls_ca, hop};
  f[n++] = (named_file){"[http] tls_cert", c->http.tls_cert, true};
  f[n++] = (named_file){"[http] tls_key", c->http.tls_key, true};
  f[n++] = (named_file){"[http] client_ca", c->http.client_ca, true};
  int rc = GS_EXIT_OK;
  for (size_t i = 0; i < n; i++) {
    if (f[i].used && f[i].path[0] != '\0' && access(f[i].path, R_OK) != 0) {
      gs_app_err("%s: %s (%s of %s)", f[i].path, strerror(errno), f[i].what, c->file);
      rc = GS_EXIT_FAIL;
    }
  }
  return rc;
}

int gs_cmd_config(int argc, char **argv) {
  static const struct option lo[] = {{"check", no_argument, NULL, 'C'},
                                     {"config", required_argument, NULL, 'c'},
                                     {"transport", required_argument, NULL, 't'},
                                     {"server", required_argument, NULL, 's'},
                                     {"help", no_argument, NULL, 'h'},
                                     {NULL, 0, NULL, 0}};
  const char *file = NULL, *transport = NULL, *server = NULL;
  bool check = false;
  gs_cfg_transport type = GS_CFG_TRANSPORT_TCP;
  opterr = 0;
  optind = 0; /* a fresh scan (glibc) */
  int c;
  while ((c = getopt_long(argc, argv, "+:Cc:t:s:h", lo, NULL)) != -1) {
    switch (c) {
    case 'C':
      check = true;
      break;
    case 'c':
      file = optarg;
      break;
    case 't':
      if (gs_app_transport_parse_type(optarg, &type) != 0) {
        gs_app_err("config: --transport: unknown transport '%s' (tcp | xmpp | mqtt | amqp)",
                   optarg);
        return GS_EXIT_USAGE;
      }
      transport = optarg;
      break;
    case 's':
      if (gs_app_server_list(optarg, NULL, 0) == 0) {
        gs_app_err("config: --server '%s': expected HOST:PORT[,HOST:PORT...]", optarg);
        return GS_EXIT_USAGE;
      }
      server = optarg;
      break;
    case 'h':
      gs_cmd_config_usage(stdout);
      return GS_EXIT_OK;
    default:
      return gs_app_opt_error("config", c, lo, argv);
    }
  }
  if (file == NULL && optind < argc) {
    file = argv[optind++];
  }
  if (optind < argc) {
    return gs_app_opt_extra("config", argv[optind]);
  }
  if (file == NULL) {
    gs_app_err("config: expected one FILE (see gridseal config --help)");
    return GS_EXIT_USAGE;
  }
  static gs_config cfg; /* large: keep it off the stack */
  gs_cfg_error err;
  if (gs_cfg_load(&cfg, file, &err) != 0 ||
      ((transport != NULL || server != NULL) &&
       gs_cfg_override(&cfg, transport != NULL ? &type : NULL, server, &err) != GS_OK)) {
    gs_app_err("%s", err.msg);
    return GS_EXIT_FAIL;
  }
  if (check) {
    return run_check(&cfg);
  }
  print_config(&cfg);
  if (print_authz(&cfg) != 0) {
    return GS_EXIT_FAIL;
  }
  return check_files_exist(&cfg);
}
