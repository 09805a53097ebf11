/* `gridseal config FILE`: check a configuration file and print what it sets */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "util.h"

void gs_cmd_config_usage(FILE *f) {
  fputs("usage: gridseal config FILE\n\n"
        "Parse FILE (docs/CONFIG.md) strictly and print the resulting settings,\n"
        "defaults included. Exit 1 with FILE:LINE: message on the first error.\n",
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
  printf("[log]\n  %-18s%s\n  %-18s%s\n", "events", c->log.events[0] ? c->log.events : "(none)",
         "csv", c->log.csv[0] ? c->log.csv : "(none)");
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

int gs_cmd_config(int argc, char **argv) {
  if (argc != 2 || argv[1][0] == '-') {
    gs_app_err("config: expected one FILE (see gridseal config --help)");
    return GS_EXIT_USAGE;
  }
  static gs_config cfg; /* large: keep it off the stack */
  gs_cfg_error err;
  if (gs_cfg_load(&cfg, argv[1], &err) != 0) {
    gs_app_err("%s", err.msg);
    return GS_EXIT_FAIL;
  }
  print_config(&cfg);
  return print_authz(&cfg) == 0 ? GS_EXIT_OK : GS_EXIT_FAIL;
}
