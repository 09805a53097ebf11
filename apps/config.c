/* The configuration file parser: lines, sections, defaults, final checks.
 * The keys and their values are in config_keys.c. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "gridseal/error.h"
#include "gridseal/transport_amqp.h" /* the send-queue defaults */

#define CFG_FILE_MAX (1024 * 1024)

static const char *const sect_names[SECT_COUNT_] = {
    "",    "node",  "security", "identity", "transport", "application",
    "log", "roles", "http",     "session",  "standby",   "der"};

const char *cfg_sect_name(cfg_sect s) {
  return (s > SECT_NONE && s < SECT_COUNT_) ? sect_names[s] : "(none)";
}

int cfg_fail(cfg_parser *p, const char *fmt, ...) {
  char text[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  p->err->line = p->line;
  if (p->line > 0) {
    snprintf(p->err->msg, sizeof(p->err->msg), "%s:%u: %s", p->file, p->line, text);
  } else {
    snprintf(p->err->msg, sizeof(p->err->msg), "%s: %s", p->file, text);
  }
  return GS_ERR_CONFIG;
}

void gs_cfg_defaults(gs_config *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  gs_cfg_security *s = &cfg->security;
  s->mode = GS_OFFER_AEAD;
  s->n_aead = 2;
  s->aead[0] = GS_AEAD_AES256_GCM;
  s->aead[1] = GS_AEAD_AES128_GCM;
  s->n_encr = 1;
  s->encr[0] = GS_CIPHER_AES256_CBC;
  s->n_icv = 1;
  s->icv[0] = GS_HASH_SHA256;
  s->hmac = GS_HASH_SHA256;
  s->n_dh = 1;
  s->dh_groups[0] = GS_DH_P256;
  s->time_tolerance_ms = GS_HS_TOLERANCE_MS;
  s->key_lifetime_ms = GS_KEY_LIFETIME_DEFAULT_MS;
  s->message_budget = GS_KEY_BUDGET_DEFAULT;
  s->replay = GS_REPLAY_MODE_STRICT;
  s->on_malformed = GS_MALFORMED_DROP;
  s->encryption = GS_ENCR_REQUIRED;
  memcpy(s->pp, GS_PP_DEFAULT, sizeof(GS_PP_DEFAULT));
  s->max_assoc_per_peer = GS_CFG_ASSOC_PER_PEER;
  s->on_reload = GS_CFG_RELOAD_KEEP;
  cfg->session.handshake_timeout_ms = GS_HS_TIMEOUT_DEFAULT_MS;
  cfg->session.rekey_timeout_ms = GS_CFG_REKEY_TIMEOUT_DEFAULT_MS;
  cfg->session.half_open_timeout_ms = GS_CFG_HALF_OPEN_TIMEOUT_DEFAULT_MS;
  cfg->session.idle_timeout_ms = GS_CFG_IDLE_TIMEOUT_DEFAULT_MS;
  cfg->id.cert_warn_before_ms = GS_CFG_CERT_WARN_DEFAULT_MS;
  cfg->id.crl_warn_before_ms = GS_CFG_CRL_WARN_DEFAULT_MS;
  cfg->transport.type = GS_CFG_TRANSPORT_TCP;
  cfg->transport.reconnect_min_ms = 500;
  cfg->transport.reconnect_max_ms = 30000;
  cfg->transport.queue_max = GS_AMQP_QUEUE_MAX;
  cfg->transport.queue_max_age_ms = GS_AMQP_QUEUE_MAX_AGE_MS;
  cfg->app.report_interval_ms = 2000;
  cfg->app.request_timeout_ms = GS_CFG_REQUEST_TIMEOUT_DEFAULT_MS;
  cfg->app.rating_kw = 100;
  cfg->app.seed = 1;
  cfg->app.sim_hour = GS_CFG_SIM_HOUR_OFF;
  cfg->standby.takeover_after_ms = GS_CFG_TAKEOVER_DEFAULT_MS;
}

const char *gs_cfg_on_reload_name(gs_cfg_on_reload r) {
  return gs_cfg_name_of(gs_cfg_on_reload_names, (int)r);
}

const char *gs_cfg_mode_name(gs_offer_mode m) {
  return gs_cfg_name_of(gs_cfg_mode_names, (int)m);
}

const char *gs_cfg_replay_name(gs_replay_mode r) {
  return gs_cfg_name_of(gs_cfg_replay_names, (int)r);
}

const char *gs_cfg_encryption_name(gs_encr_policy e) {
  return gs_cfg_name_of(gs_cfg_encryption_names, (int)e);
}

const char *gs_cfg_aead_name(gs_aead_alg a) {
  return gs_cfg_name_of(gs_cfg_aead_names, (int)a);
}

const char *gs_cfg_cipher_name(gs_cipher_alg a) {
  return gs_cfg_name_of(gs_cfg_cipher_names, (int)a);
}

const char *gs_cfg_hash_name(gs_hash_alg a) {
  return gs_cfg_name_of(gs_cfg_hash_names, (int)a);
}

const char *gs_cfg_transport_name(gs_cfg_transport t) {
  switch (t) {
  case GS_CFG_TRANSPORT_TCP:
    return "tcp";
  case GS_CFG_TRANSPORT_XMPP:
    return "xmpp";
  case GS_CFG_TRANSPORT_MQTT:
    return "mqtt";
  case GS_CFG_TRANSPORT_AMQP:
    return "amqp";
  }
  return "unknown";
}

const gs_cfg_peer *gs_cfg_find_peer(const gs_config *cfg, const char *name) {
  for (size_t i = 0; i < cfg->n_peers; i++) {
    if (strcmp(cfg->peers[i].name, name) == 0) {
      return &cfg->peers[i];
    }
  }
  return NULL;
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') {
    s++;
  }
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
    s[--n] = '\0';
  }
  return s;
}

static int peer_section(cfg_parser *p, char *name) {
  name = trim(name);
  if (*name == '\0') {
    return cfg_fail(p, "section [der] needs a name: [der NAME]");
  }
  for (const char *c = name; *c; c++) {
    if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.') {
      return cfg_fail(p, "invalid DER name '%s' (letters, digits, - _ .)", name);
    }
  }
  if (strlen(name) >= GS_CFG_NAME_MAX) {
    return cfg_fail(p, "DER name '%s' too long", name);
  }
  if (gs_cfg_find_peer(p->cfg, name) != NULL) {
    return cfg_fail(p, "duplicate section [der %s]", name);
  }
  if (p->cfg->n_peers >= GS_CFG_MAX_PEERS) {
    return cfg_fail(p, "too many [der NAME] sections (at most %u)", GS_CFG_MAX_PEERS);
  }
  p->peer = &p->cfg->peers[p->cfg->n_peers++];
  memset(p->peer, 0, sizeof(*p->peer));
  memcpy(p->peer->name, name, strlen(name) + 1);
  p->peer->line = p->line;
  p->sect = SECT_DER;
  cfg_reset_peer_keys(p);
  return GS_OK;
}

static int section_line(cfg_parser *p, char *s) {
  size_t n = strlen(s);
  if (s[n - 1] != ']') {
    return cfg_fail(p, "section header without closing ']'");
  }
  s[n - 1] = '\0';
  char *name = trim(s + 1);
  if (strncmp(name, "der", 3) == 0 && (name[3] == ' ' || name[3] == '\t' || name[3] == '\0')) {
    return peer_section(p, name + 3);
  }
  for (int i = SECT_NODE; i < SECT_DER; i++) {
    if (strcmp(name, sect_names[i]) == 0) {
      if (p->sect_seen[i]) {
        return cfg_fail(p, "duplicate section [%s]", name);
      }
      p->sect_seen[i] = true;
      p->sect = (cfg_sect)i;
      return GS_OK;
    }
  }
  return cfg_fail(p, "unknown section [%s]", name);
}

static int key_line(cfg_parser *p, char *s) {
  char *eq = strchr(s, '=');
  if (eq == NULL) {
    return cfg_fail(p, "expected 'key = value' or '[section]'");
  }
  *eq = '\0';
  char *key = trim(s), *val = trim(eq + 1);
  if (*key == '\0') {
    return cfg_fail(p, "missing key before '='");
  }
  if (p->sect == SECT_ROLES) {
    /* [roles]: the key is a role name, written as the certificate names it */
    return *val == '\0' ? cfg_fail(p, "missing value for '%s'", key)
                        : cfg_set_role_ops(p, key, val);
  }
  for (const char *c = key; *c; c++) {
    if (!islower((unsigned char)*c) && !isdigit((unsigned char)*c) && *c != '_') {
      return cfg_fail(p, "invalid key '%s'", key);
    }
  }
  if (p->sect == SECT_NONE) {
    return cfg_fail(p, "key '%s' outside any section", key);
  }
  if (*val == '\0') {
    return cfg_fail(p, "missing value for '%s'", key);
  }
  return cfg_set_key(p, key, val);
}

static int one_line(cfg_parser *p, char *s) {
  size_t n = strlen(s);
  if (n > 0 && s[n - 1] == '\r') {
    s[--n] = '\0';
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      return cfg_fail(p, "control character in line");
    }
    if (c == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) {
      s[i] = '\0';
      break;
    }
  }
  s = trim(s);
  if (*s == '\0') {
    return GS_OK;
  }
  return *s == '[' ? section_line(p, s) : key_line(p, s);
}

static int need(cfg_parser *p, const char *value, const char *what) {
  return value[0] != '\0' ? GS_OK : cfg_fail(p, "missing key '%s'", what);
}

static int check_peers(cfg_parser *p) {
  gs_config *c = p->cfg;
  if (c->role == GS_CFG_ROLE_DER && c->n_peers > 0) {
    p->line = c->peers[0].line;
    return cfg_fail(p, "[der %s] is only allowed with role = cc", c->peers[0].name);
  }
  if (c->role == GS_CFG_ROLE_CC && c->n_peers == 0) {
    return cfg_fail(p, "role = cc needs at least one [der NAME] section");
  }
  for (size_t i = 0; i < c->n_peers; i++) {
    const gs_cfg_peer *pe = &c->peers[i];
    p->line = pe->line;
    int rc = need(p, pe->identity, "identity");
    if (rc == GS_OK && c->transport.type == GS_CFG_TRANSPORT_TCP) {
      rc = need(p, pe->connect, "connect");
    }
    if (rc == GS_OK && c->transport.type == GS_CFG_TRANSPORT_XMPP) {
      rc = need(p, pe->jid, "jid");
    }
    if (rc != GS_OK) {
      return rc;
    }
  }
  p->line = 0;
  return GS_OK;
}

static int check_transport(cfg_parser *p) {
  const gs_cfg_transport_settings *t = &p->cfg->transport;
  int rc = GS_OK;
  if (t->type == GS_CFG_TRANSPORT_TCP && p->cfg->role == GS_CFG_ROLE_DER) {
    rc = need(p, t->listen, "transport.listen");
  }
  if (rc == GS_OK && t->type != GS_CFG_TRANSPORT_TCP) {
    rc = need(p, t->server, "transport.server");
  }
  if (rc == GS_OK && t->type == GS_CFG_TRANSPORT_XMPP) {
    rc = need(p, t->jid, "transport.jid");
  }
  if (rc == GS_OK && t->reconnect_min_ms > t->reconnect_max_ms) {
    rc = cfg_fail(p, "transport.reconnect_min is larger than transport.reconnect_max");
  }
  return rc;
}

/* [standby] (docs/STANDBY.md): a control center's only; the partner's
 * presence is followed over XMPP, so it needs transport xmpp, and it is a
 * bare address other than the own one. */
static int check_standby(cfg_parser *p) {
  const gs_config *c = p->cfg;
  const gs_cfg_standby *sb = &c->standby;
  const char *keys[2] = {sb->primary, sb->standby};
  const char *names[2] = {"standby.primary", "standby.standby"};
  size_t own = strcspn(c->transport.jid, "/");
  for (size_t i = 0; i < 2; i++) {
    if (keys[i][0] == '\0') {
      continue;
    }
    p->line = i == 0 ? sb->primary_line : sb->standby_line;
    if (c->role != GS_CFG_ROLE_CC) {
      return cfg_fail(p, "[standby] is only allowed with role = cc");
    }
    if (c->transport.type != GS_CFG_TRANSPORT_XMPP) {
      return cfg_fail(p,
                      "'%s' needs [transport] type = xmpp (the standby follows the primary's "
                      "presence), not %s",
                      names[i], gs_cfg_transport_name(c->transport.type));
    }
    if (strlen(keys[i]) > 128) {
      return cfg_fail(p, "'%s' too long (at most 128 characters)", names[i]);
    }
    const char *at = strchr(keys[i], '@');
    if (at == NULL || at == keys[i] || at[1] == '\0' || strchr(keys[i], '/') != NULL) {
      return cfg_fail(p, "'%s' = '%s' is not a bare XMPP address (name@domain)", names[i], keys[i]);
    }
    if (strlen(keys[i]) == own && strncmp(keys[i], c->transport.jid, own) == 0) {
      return cfg_fail(p, "'%s' = '%s' is this control center's own address", names[i], keys[i]);
    }
    for (size_t j = 0; j < c->n_peers; j++) {
      if (strcmp(c->peers[j].name, keys[i]) == 0) {
        return cfg_fail(p, "'%s' = '%s' is also the name of a [der] section", names[i], keys[i]);
      }
    }
  }
  p->line = 0;
  return GS_OK;
}

/* Who may associate: a DER must say it (allowed_peers, required_roles) or
 * explicitly admit any certificate its trust anchors validate. */
static int check_authz(cfg_parser *p) {
  const gs_cfg_security *s = &p->cfg->security;
  bool listed = s->n_allowed > 0 || s->n_required > 0;
  if (s->allow_any_peer && listed) {
    p->line = p->any_line;
    return cfg_fail(p, "allow_any_peer = yes conflicts with allowed_peers / required_roles");
  }
  if (p->cfg->role == GS_CFG_ROLE_DER && !listed && !s->allow_any_peer) {
    return cfg_fail(p, "role = der needs [security] allowed_peers or required_roles (who may "
                       "associate), or allow_any_peer = yes to admit every certificate the trust "
                       "anchors validate");
  }
  return GS_OK;
}

static bool is_broker(gs_cfg_transport t) {
  return t == GS_CFG_TRANSPORT_MQTT || t == GS_CFG_TRANSPORT_AMQP;
}

/* The defaults that depend on the transport type, chosen for the final
 * type (after --transport). */
static void transport_defaults(gs_config *c) {
  if (c->replay_line == 0) { /* docs/PROTOCOL.md §9: brokers may redeliver and reorder */
    c->security.replay =
        is_broker(c->transport.type) ? GS_REPLAY_MODE_WINDOW : GS_REPLAY_MODE_STRICT;
  }
}

int gs_cfg_override(gs_config *cfg, const gs_cfg_transport *type, const char *server,
                    gs_cfg_error *err) {
  cfg_parser p;
  memset(&p, 0, sizeof(p));
  memset(err, 0, sizeof(*err));
  p.cfg = cfg;
  p.file = cfg->file;
  p.err = err;
  if (type != NULL) {
    cfg->transport.type = *type;
  }
  if (server != NULL) {
    if (cfg->transport.type == GS_CFG_TRANSPORT_TCP) {
      return cfg_fail(&p, "--server applies to xmpp, mqtt and amqp, but the transport is tcp (a "
                          "DER listens on [transport] listen, a control center connects to [der "
                          "NAME] connect)");
    }
    size_t n = strlen(server);
    if (n >= sizeof(cfg->transport.server)) {
      return cfg_fail(&p, "--server '%.40s...' too long", server);
    }
    memcpy(cfg->transport.server, server, n + 1);
  }
  transport_defaults(cfg);
  int rc = check_transport(&p);
  rc = rc ? rc : check_peers(&p);
  rc = rc ? rc : check_standby(&p);
  if (rc != GS_OK && type != NULL) {
    size_t len = strlen(err->msg);
    snprintf(err->msg + len, sizeof(err->msg) - len, " (with --transport %s)",
             gs_cfg_transport_name(*type));
  }
  return rc;
}

bool gs_cfg_replay_warning(const gs_config *cfg, char *out, size_t cap) {
  out[0] = '\0';
  if (!is_broker(cfg->transport.type) || cfg->replay_line == 0 ||
      cfg->security.replay != GS_REPLAY_MODE_STRICT) {
    return false;
  }
  snprintf(out, cap,
           "%s:%u: replay = strict with transport %s: a broker may redeliver or reorder PDUs "
           "(QoS 1, reconnects, resumed sessions), and strict mode drops every late one as a "
           "replay; set replay = window (or delete the line: window is the default for mqtt "
           "and amqp)",
           cfg->file, cfg->replay_line, gs_cfg_transport_name(cfg->transport.type));
  return true;
}

static int finish(cfg_parser *p) {
  gs_config *c = p->cfg;
  p->line = 0;
  if (c->role == 0) {
    return cfg_fail(p, "missing key 'node.role'");
  }
  int rc = need(p, c->name, "node.name");
  rc = rc ? rc : need(p, c->identity, "node.identity");
  rc = rc ? rc : need(p, c->id.cert, "identity.cert");
  rc = rc ? rc : need(p, c->id.key, "identity.key");
  if (rc == GS_OK && c->id.n_anchors == 0) {
    rc = cfg_fail(p, "missing key 'identity.trust_anchor'");
  }
  rc = rc ? rc : check_transport(p);
  rc = rc ? rc : check_peers(p);
  rc = rc ? rc : check_standby(p);
  if (rc == GS_OK && c->role == GS_CFG_ROLE_DER && p->sect_seen[SECT_HTTP]) {
    rc = cfg_fail(p, "[http] is only allowed with role = cc");
  }
  if (rc == GS_OK && c->role == GS_CFG_ROLE_DER && p->sect_seen[SECT_STANDBY]) {
    rc = cfg_fail(p, "[standby] is only allowed with role = cc");
  }
  if (rc != GS_OK) {
    return rc;
  }
  gs_cfg_security *s = &c->security;
  transport_defaults(c);
  if (s->mode == GS_OFFER_INTEGRITY) {
    if (!p->encryption_set) {
      s->encryption = GS_ENCR_OPTIONAL;
    } else if (s->encryption == GS_ENCR_REQUIRED) {
      p->line = p->mode_line;
      return cfg_fail(p, "mode = integrity-only conflicts with encryption_policy = required");
    }
  } else if (s->encryption == GS_ENCR_FORBIDDEN) {
    p->line = p->mode_line;
    return cfg_fail(p, "mode = %s encrypts, but encryption_policy = forbidden",
                    gs_cfg_mode_name(s->mode));
  }
  return check_authz(p);
}

int gs_cfg_parse(gs_config *cfg, const char *file, const char *base_dir, const char *text,
                 size_t len, gs_cfg_error *err) {
  cfg_parser p;
  memset(&p, 0, sizeof(p));
  p.cfg = cfg;
  p.file = file != NULL ? file : "(config)";
  p.base_dir = base_dir;
  p.err = err;
  memset(err, 0, sizeof(*err));
  gs_cfg_defaults(cfg);
  snprintf(cfg->file, sizeof(cfg->file), "%s", p.file);
  size_t pos = 0;
  while (pos < len) {
    const char *nl = memchr(text + pos, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
    char buf[GS_CFG_LINE_MAX + 1];
    p.line++;
    if (n > GS_CFG_LINE_MAX) {
      return cfg_fail(&p, "line longer than %u characters", GS_CFG_LINE_MAX);
    }
    if (memchr(text + pos, '\0', n) != NULL) {
      return cfg_fail(&p, "NUL character in line");
    }
    memcpy(buf, text + pos, n);
    buf[n] = '\0';
    int rc = one_line(&p, buf);
    if (rc != GS_OK) {
      return rc;
    }
    pos += n + (nl ? 1 : 0);
  }
  return finish(&p);
}

int gs_cfg_load(gs_config *cfg, const char *path, gs_cfg_error *err) {
  memset(err, 0, sizeof(*err));
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    snprintf(err->msg, sizeof(err->msg), "%s: cannot open: %s", path, strerror(errno));
    return GS_ERR_IO;
  }
  char *buf = malloc(CFG_FILE_MAX + 1);
  size_t n = buf ? fread(buf, 1, CFG_FILE_MAX + 1, f) : 0;
  int bad = buf == NULL || ferror(f);
  fclose(f);
  if (bad || n > CFG_FILE_MAX) {
    snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
             bad ? "cannot read" : "file larger than 1 MiB");
    free(buf);
    return bad ? GS_ERR_IO : GS_ERR_CONFIG;
  }
  char dir[GS_CFG_PATH_MAX];
  const char *slash = strrchr(path, '/');
  if (slash == NULL) {
    dir[0] = '\0';
  } else {
    size_t dn = (size_t)(slash - path);
    if (dn == 0) {
      dn = 1; /* "/x.conf" */
    }
    snprintf(dir, sizeof(dir), "%.*s", (int)dn, path);
  }
  int rc = gs_cfg_parse(cfg, path, dir, buf, n, err);
  free(buf);
  return rc;
}
