/* The configuration keys (docs/CONFIG.md) and their value parsers. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"
#include "gridseal/error.h"
#include "gridseal/transport_tcp.h"
#include "util.h"

typedef struct cfg_key cfg_key;
typedef int (*val_fn)(cfg_parser *p, const cfg_key *k, const char *v, void *field);

struct cfg_key {
  cfg_sect sect;
  const char *name;
  val_fn fn;
  size_t off;      /* field offset in gs_config, or gs_cfg_peer for SECT_DER */
  int64_t lo, hi;  /* range; for lists lo = offset of the count, hi = max */
  const void *aux; /* gs_cfg_name table: enum values or allowed algorithms */
};

/* ------------------------------------------------------------ helpers */

/* Split a comma-separated list; each trimmed item goes to `item`. */
static int split_list(cfg_parser *p, const cfg_key *k, const char *v,
                      int (*item)(cfg_parser *, const cfg_key *, const char *, size_t, void *),
                      void *field) {
  size_t idx = 0;
  const char *s = v;
  for (;;) {
    const char *e = strchr(s, ',');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    char tok[GS_CFG_PATH_MAX];
    while (n > 0 && isspace((unsigned char)*s)) {
      s++, n--;
    }
    while (n > 0 && isspace((unsigned char)s[n - 1])) {
      n--;
    }
    if (n == 0) {
      return cfg_fail(p, "empty item in list for '%s'", k->name);
    }
    if (n >= sizeof(tok)) {
      return cfg_fail(p, "item too long in list for '%s'", k->name);
    }
    if (idx >= (size_t)k->hi) {
      return cfg_fail(p, "too many items for '%s' (at most %lld)", k->name, (long long)k->hi);
    }
    memcpy(tok, s, n);
    tok[n] = '\0';
    int rc = item(p, k, tok, idx++, field);
    if (rc != GS_OK) {
      return rc;
    }
    if (e == NULL) {
      break;
    }
    s = e + 1;
  }
  return GS_OK;
}

static size_t *count_of(cfg_parser *p, const cfg_key *k) {
  char *base = k->sect == SECT_DER ? (char *)p->peer : (char *)p->cfg;
  return (size_t *)(void *)(base + (size_t)k->lo);
}

static int copy_str(cfg_parser *p, const cfg_key *k, const char *v, char *dst, size_t cap) {
  size_t n = strlen(v);
  if (n == 0) {
    return cfg_fail(p, "empty value for '%s'", k->name);
  }
  if (n >= cap) {
    return cfg_fail(p, "value for '%s' too long (at most %zu characters)", k->name, cap - 1);
  }
  memcpy(dst, v, n + 1);
  return GS_OK;
}

/* A word: printable ASCII without spaces (identities, names, addresses). */
static int v_word(cfg_parser *p, const cfg_key *k, const char *v, void *field) {
  for (const char *c = v; *c; c++) {
    if (*c <= 0x20 || *c >= 0x7f) {
      return cfg_fail(p, "invalid character in value for '%s'", k->name);
    }
  }
  return copy_str(p, k, v, field, (size_t)k->hi);
}

static int resolve_path(cfg_parser *p, const cfg_key *k, const char *v, char *dst) {
  if (v[0] == '/' || strcmp(v, "-") == 0 || p->base_dir == NULL || p->base_dir[0] == '\0') {
    return copy_str(p, k, v, dst, GS_CFG_PATH_MAX);
  }
  char tmp[2 * GS_CFG_PATH_MAX];
  snprintf(tmp, sizeof(tmp), "%s/%s", p->base_dir, v);
  return copy_str(p, k, tmp, dst, GS_CFG_PATH_MAX);
}

static int v_path(cfg_parser *p, const cfg_key *k, const char *v, void *field) {
  return resolve_path(p, k, v, field);
}

/* [identity] key: a file path (resolved like any path), or a pkcs11: URI or
 * a TPM handle: reference, kept as written (docs/KEYS.md). */
static int v_keyref(cfg_parser *p, const cfg_key *k, const char *v, void *field) {
  if (strncmp(v, "pkcs11:", 7) != 0 && strncmp(v, "handle:", 7) != 0) {
    return resolve_path(p, k, v, field);
  }
  for (const char *c = v; *c; c++) {
    if (*c <= 0x20 || *c >= 0x7f) {
      return cfg_fail(p, "invalid character in '%s' (encode it as %%XX in a pkcs11: URI)", k->name);
    }
  }
  return copy_str(p, k, v, field, GS_CFG_PATH_MAX);
}

static int path_item(cfg_parser *p, const cfg_key *k, const char *v, size_t i, void *field) {
  int rc = resolve_path(p, k, v, (char *)field + i * GS_CFG_PATH_MAX);
  if (rc == GS_OK) {
    *count_of(p, k) = i + 1;
  }
  return rc;
}

static int v_paths(cfg_parser *p, const cfg_key *k, const char *v, void *field) {
  *count_of(p, k) = 0;
  return split_list(p, k, v, path_item, field);
}

/* A word list ([transport] peers). */
static int word_item(cfg_parser *p, const cfg_key *k, const char *v, size_t i, void *field) {
  cfg_key wk = *k;
  wk.hi = GS_CFG_STR_MAX;
  int rc = v_word(p, &wk, v, (char *)field + i * GS_CFG_STR_MAX);
  if (rc == GS_OK) {
    *count_of(p, k) = i + 1;
  }
  return rc;
}

static int v_words(cfg_parser *p, const cfg_key *k, const char *v, void *field) {
  *count_of(p, k) = 0;
  return split_list(p, k, v, word_item, field);
}

/* allowed_peers: TYPE:VALUE, the type being xmpp, uri or dns. */
static int peer_item(cfg_parser *p, const cfg_key *k, const char *v, size_t i, void *field) {
  static const struct {
    const char *prefix;
    gs_identity_kind kind;
  } types[] = {{"xmpp:", GS_ID_XMPP}, {"uri:", GS_ID_URI}, {"dns:", GS_ID_DNS}};
  gs_identity *id = (gs_identity *)field + i;
  memset(id, 0, sizeof(*id));
  const char *val = NULL;
  for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
    size_t n = strlen(types[t].prefix);
    if (strncmp(v, types[t].prefix, n) == 0) {
      id->kind = types[t].kind;
      val = v + n;
    }
  }
  if (val == NULL) {
    return cfg_fail(p,
                    "'%s' in '%s' needs a name type: xmpp:, uri: or dns: (e.g. "
                    "uri:urn:gridseal:cc, xmpp:cc@localhost)",
                    v, k->name);
  }
  cfg_key wk = *k;
  wk.hi = sizeof(id->value);
  int rc = v_word(p, &wk, val, id->value);
  if (rc != GS_OK) {
    return rc;
  }
  if (id->kind == GS_ID_XMPP && (strchr(val, '@') == NULL || strchr(val, '/') != NULL)) {
    return cfg_fail(p, "'%s' in '%s': an xmppAddr is a bare address name@domain (no /resource)", v,
                    k->name);
  }
  for (size_t j = 0; j < i; j++) {
    const gs_identity *o = (const gs_identity *)field + j;
    if (o->kind == id->kind && strcmp(o->value, id->value) == 0) {
      return cfg_fail(p, "'%s' listed twice in '%s'", v, k->name);
    }
  }
  *count_of(p, k) = i + 1;
  return GS_OK;
}

static int v_peers(cfg_parser *p, const cfg_key *k, const char *v, void *field) {
  *count_of(p, k) = 0;
  return split_list(p, k, v, peer_item, field);
}

/* A role name: letters, digits, '_', '-', '.' (as the certificate's role
 * extension or attribute certificate names it, e.g. OPERATOR, ROLE_-5). */
static bool role_name_ok(const char *v) {
  if (v[0] == '\0' || strlen(v) >= GS_CFG_ROLE_MAX) {
    return false;
  }
  for (const char *c = v; *c; c++) {
    if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '.') {
      return false;
    }
  }
  return true;
}

static int role_item(cfg_parser *p, const cfg_key *k, const char *v, size_t i, void *field) {
  if (!role_name_ok(v)) {
    return cfg_fail(p, "invalid role name '%s' in '%s' (letters, digits, _ - ., at most %d)", v,
                    k->name, GS_CFG_ROLE_MAX - 1);
  }
  char(*roles)[GS_CFG_ROLE_MAX] = field;
  for (size_t j = 0; j < i; j++) {
    if (strcmp(roles[j], v) == 0) {
      return cfg_fail(p, "role '%s' listed twice in '%s'", v, k->name);
    }
  }
  memcpy(roles[i], v, strlen(v) + 1);
  *count_of(p, k) = i + 1;
  return GS_OK;
}

static int v_roles(cfg_parser *p, const cfg_key *k, const char *v, void *field) {
  *count_of(p, k) = 0;
  return split_list(p, k, v, role_item, field);
}

static int v_bool(cfg_parser *p, const cfg_key *k, const char *v, void *field) {
  if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0) {
    *(int *)field = v[0] == 'y';
    return GS_OK;
  }
  return cfg_fail(p, "invalid value '%s' for '%s' (expected yes | no)", v, k->name);
}

/* A key that no longer exists: say what replaced it. */
static int v_replaced(cfg_parser *p, const cfg_key *k, const char *v, void *field) {
  (void)v;
  (void)field;
  return cfg_fail(p, "'%s' was replaced by the role model: use %s (docs/CONFIG.md)", k->name,
                  (const char *)k->aux);
}

static int v_enum(cfg_parser *p, const cfg_key *k, const char *v, void *field) {
  const gs_cfg_name *names = k->aux;
  char list[256] = "";
  for (int i = 0; names[i].name != NULL; i++) {
    if (strcmp(v, names[i].name) == 0) {
      *(int *)field = names[i].value;
      return GS_OK;
    }
    snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? " | " : "",
             names[i].name);
  }
  return cfg_fail(p, "invalid value '%s' for '%s' (expected %s)", v, k->name, list);
}

static int parse_u64(const char *v, uint64_t *out, const char **end) {
  if (!isdigit((unsigned char)v[0])) {
    return -1;
  }
  uint64_t x = 0;
  while (isdigit((unsigned char)*v)) {
    unsigned d = (unsigned)(*v++ - '0');
    if (x > (UINT64_MAX - d) / 10) {
      return -1;
    }
    x = x * 10 + d;
  }
  *out = x;
  *end = v;
  return 0;
}

static int check_range(cfg_parser *p, const cfg_key *k, uint64_t x, const char *v) {
  if (x < (uint64_t)k->lo || x > (uint64_t)k->hi) {
    return cfg_fail(p, "value '%s' for '%s' out of range (%lld..%lld)", v, k->name,
                    (long long)k->lo, (long long)k->hi);
  }
  return GS_OK;
}

static int v_u32(cfg_parser *p, const cfg_key *k, const char *v, void *field) {
  uint64_t x;
  const char *end;
  if (parse_u64(v, &x, &end) != 0 || *end != '\0') {
    return cfg_fail(p, "invalid number '%s' for '%s'", v, k->name);
  }
  int rc = check_range(p, k, x, v);
  if (rc == GS_OK) {
    *(uint32_t *)field = (uint32_t)x;
  }
  return rc;
}

static int v_u64(cfg_parser *p, const cfg_key *k, const char *v, void *field) {
  uint64_t x;
  const char *end;
  if (parse_u64(v, &x, &end) != 0 || *end != '\0') {
    return cfg_fail(p, "invalid number '%s' for '%s'", v, k->name);
  }
  int rc = check_range(p, k, x, v);
  if (rc == GS_OK) {
    *(uint64_t *)field = x;
  }
  return rc;
}

/* A duration: a number and a unit, ms | s | min | h | d. */
static int v_duration(cfg_parser *p, const cfg_key *k, const char *v, void *field) {
  static const struct {
    const char *unit;
    uint64_t ms;
  } units[] = {{"ms", 1}, {"s", 1000}, {"min", 60000}, {"h", 3600000}, {"d", 86400000}};
  uint64_t x;
  const char *end;
  if (parse_u64(v, &x, &end) != 0) {
    return cfg_fail(p, "invalid duration '%s' for '%s'", v, k->name);
  }
  while (*end == ' ') {
    end++;
  }
  for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
    if (strcmp(end, units[i].unit) == 0) {
      if (x > (uint64_t)INT64_MAX / units[i].ms) {
        return cfg_fail(p, "duration '%s' for '%s' too large", v, k->name);
      }
      int rc = check_range(p, k, x * units[i].ms, v);
      if (rc == GS_OK) {
        *(gs_time_ms *)field = (gs_time_ms)(x * units[i].ms);
      }
      return rc;
    }
  }
  return cfg_fail(p, "duration '%s' for '%s' needs a unit (ms, s, min, h, d)", v, k->name);
}

/* Algorithm names are case-insensitive. -1 if not in the table. */
static int alg_by_name(const char *v, const gs_cfg_name *allowed) {
  for (size_t i = 0; allowed[i].name != NULL; i++) {
    if (strcasecmp(v, allowed[i].name) == 0) {
      return allowed[i].value;
    }
  }
  return -1;
}

static int alg_fail(cfg_parser *p, const cfg_key *k, const char *v) {
  const gs_cfg_name *allowed = k->aux;
  char list[256] = "";
  for (size_t i = 0; allowed[i].name != NULL; i++) {
    snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
             allowed[i].name);
  }
  return cfg_fail(p, "unknown algorithm '%s' for '%s' (expected %s)", v, k->name, list);
}

/* The engine's algorithm enums are stored as int (each is an int-sized
 * enum with positive values). */
_Static_assert(sizeof(gs_aead_alg) == sizeof(int) && sizeof(gs_cipher_alg) == sizeof(int) &&
                   sizeof(gs_hash_alg) == sizeof(int) && sizeof(gs_dh_group) == sizeof(int),
               "engine enums are int-sized");

static int alg_item(cfg_parser *p, const cfg_key *k, const char *v, size_t i, void *field) {
  int a = alg_by_name(v, k->aux);
  if (a < 0) {
    return alg_fail(p, k, v);
  }
  int *arr = field;
  for (size_t j = 0; j < i; j++) {
    if (arr[j] == a) {
      return cfg_fail(p, "algorithm '%s' listed twice for '%s'", v, k->name);
    }
  }
  arr[i] = a;
  *count_of(p, k) = i + 1;
  return GS_OK;
}

static int v_algs(cfg_parser *p, const cfg_key *k, const char *v, void *field) {
  *count_of(p, k) = 0;
  return split_list(p, k, v, alg_item, field);
}

static int v_alg(cfg_parser *p, const cfg_key *k, const char *v, void *field) {
  int a = alg_by_name(v, k->aux);
  if (a < 0) {
    return alg_fail(p, k, v);
  }
  *(int *)field = a;
  return GS_OK;
}

static int dh_item(cfg_parser *p, const cfg_key *k, const char *v, size_t i, void *field) {
  static const struct {
    const char *name;
    uint32_t group;
  } groups[] = {{"modp2048", GS_DH_MODP2048},
                {"p256", GS_DH_P256},
                {"p384", GS_DH_P384},
                {"brainpoolP256r1", GS_DH_BP256},
                {"x25519", GS_DH_X25519}};
  uint32_t g = 0;
  for (size_t j = 0; j < sizeof(groups) / sizeof(groups[0]); j++) {
    char num[8];
    snprintf(num, sizeof(num), "%u", (unsigned)groups[j].group);
    if (strcasecmp(v, groups[j].name) == 0 || strcmp(v, num) == 0) {
      g = groups[j].group;
    }
  }
  if (g == 0) {
    return cfg_fail(p,
                    "unknown DH group '%s' for '%s' (expected 19|p256, 14|modp2048, "
                    "20|p384, 28|brainpoolP256r1, 31|x25519)",
                    v, k->name);
  }
  int *arr = field;
  for (size_t j = 0; j < i; j++) {
    if (arr[j] == (int)g) {
      return cfg_fail(p, "DH group '%s' listed twice", v);
    }
  }
  arr[i] = (int)g;
  *count_of(p, k) = i + 1;
  return GS_OK;
}

static int v_dh(cfg_parser *p, const cfg_key *k, const char *v, void *field) {
  *count_of(p, k) = 0;
  return split_list(p, k, v, dh_item, field);
}

/* HOST:PORT; lo = 1 allows port 0 (listen on an ephemeral port). */
static int v_hostport(cfg_parser *p, const cfg_key *k, const char *v, void *field) {
  char host[GS_TCP_MAX_HOST];
  uint16_t port;
  if (gs_tcp_parse_hostport(v, host, &port, k->lo != 0) != GS_OK) {
    return cfg_fail(p, "invalid address '%s' for '%s' (expected HOST:PORT or [IPV6]:PORT)", v,
                    k->name);
  }
  return copy_str(p, k, v, field, GS_CFG_STR_MAX);
}

/* A server list HOST:PORT[,HOST:PORT...] (util.h). */
static int v_servers(cfg_parser *p, const cfg_key *k, const char *v, void *field) {
  char bad[GS_CFG_STR_MAX];
  if (gs_app_server_list(v, bad, sizeof(bad)) == 0) {
    return cfg_fail(p,
                    "invalid server '%s' for '%s' (expected HOST:PORT or [IPV6]:PORT, or up to %d "
                    "of them separated by commas)",
                    bad, k->name, GS_APP_SERVERS_MAX);
  }
  return copy_str(p, k, v, field, GS_CFG_STR_MAX);
}

/* [http] listen: PORT (loopback), ADDR:PORT or [ADDR6]:PORT, numeric
 * (or localhost); the same rule as the server's (http.h). */
bool gs_cfg_http_listen_ok(const char *v) {
  const char *colon = strrchr(v, ':');
  const char *port = colon ? colon + 1 : v;
  char host[64] = "127.0.0.1";
  if (colon != NULL) {
    size_t hl = (size_t)(colon - v);
    const char *h = v;
    bool v6 = hl >= 2 && h[0] == '[' && h[hl - 1] == ']';
    if (v6) {
      h++;
      hl -= 2;
    }
    if (hl == 0 || hl >= sizeof(host)) {
      return false;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    unsigned char a[16];
    if (!(v6 ? inet_pton(AF_INET6, host, a) == 1
             : (inet_pton(AF_INET, host, a) == 1 || strcmp(host, "localhost") == 0))) {
      return false;
    }
  }
  if (*port < '0' || *port > '9' || strlen(port) > 5) {
    return false;
  }
  char *end = NULL;
  long n = strtol(port, &end, 10);
  return *end == '\0' && n >= 1 && n <= 65535;
}

static int v_http_listen(cfg_parser *p, const cfg_key *k, const char *v, void *field) {
  if (!gs_cfg_http_listen_ok(v)) {
    return cfg_fail(p, "invalid address '%s' for '%s' (expected PORT, ADDR:PORT or [IPV6]:PORT)", v,
                    k->name);
  }
  return copy_str(p, k, v, field, GS_CFG_STR_MAX);
}

/* pp: a PrintableString of 1..32 characters. */
static int v_pp(cfg_parser *p, const cfg_key *k, const char *v, void *field) {
  static const char extra[] = " '()+,-./:=?";
  for (const char *c = v; *c; c++) {
    if (!isalnum((unsigned char)*c) && strchr(extra, *c) == NULL) {
      return cfg_fail(p, "'%s' is not a PrintableString", k->name);
    }
  }
  return copy_str(p, k, v, field, GS_MAX_PP_LEN + 1);
}

/* ------------------------------------------------------------- table */

static const gs_cfg_name role_names[] = {
    {"cc", GS_CFG_ROLE_CC}, {"der", GS_CFG_ROLE_DER}, {NULL, 0}};
static const gs_cfg_name transport_names[] = {{"tcp", GS_CFG_TRANSPORT_TCP},
                                              {"xmpp", GS_CFG_TRANSPORT_XMPP},
                                              {"mqtt", GS_CFG_TRANSPORT_MQTT},
                                              {"amqp", GS_CFG_TRANSPORT_AMQP},
                                              {NULL, 0}};
const gs_cfg_name gs_cfg_mode_names[] = {{"aead", GS_OFFER_AEAD},
                                         {"encrypt-then-mac", GS_OFFER_ETM},
                                         {"integrity-only", GS_OFFER_INTEGRITY},
                                         {NULL, 0}};
const gs_cfg_name gs_cfg_replay_names[] = {
    {"strict", GS_REPLAY_MODE_STRICT}, {"window", GS_REPLAY_MODE_WINDOW}, {NULL, 0}};
const gs_cfg_name gs_cfg_on_reload_names[] = {{"keep", GS_CFG_RELOAD_KEEP},
                                              {"rekey", GS_CFG_RELOAD_REKEY},
                                              {"reassociate", GS_CFG_RELOAD_REASSOCIATE},
                                              {NULL, 0}};
/* [log] syslog_facility: the syslog facility codes (RFC 5424 §6.2.1). */
static const gs_cfg_name syslog_facility_names[] = {
    {"daemon", 3},  {"local0", 16}, {"local1", 17}, {"local2", 18}, {"local3", 19},
    {"local4", 20}, {"local5", 21}, {"local6", 22}, {"local7", 23}, {NULL, 0}};
static const gs_cfg_name malformed_names[] = {
    {"drop", GS_MALFORMED_DROP}, {"abort", GS_MALFORMED_ABORT}, {NULL, 0}};
const gs_cfg_name gs_cfg_encryption_names[] = {{"required", GS_ENCR_REQUIRED},
                                               {"optional", GS_ENCR_OPTIONAL},
                                               {"forbidden", GS_ENCR_FORBIDDEN},
                                               {NULL, 0}};
/* The algorithms' names are those of docs/PROTOCOL.md (gs_alg_name()). */
const gs_cfg_name gs_cfg_aead_names[] = {{"aes256-GCM", GS_AEAD_AES256_GCM},
                                         {"aes128-GCM", GS_AEAD_AES128_GCM},
                                         {"id-alg-AEADChaCha20Poly1305", GS_AEAD_CHACHA20_POLY1305},
                                         {NULL, 0}};
const gs_cfg_name gs_cfg_cipher_names[] = {
    {"aes256-CBC", GS_CIPHER_AES256_CBC}, {"aes128-CBC", GS_CIPHER_AES128_CBC}, {NULL, 0}};
const gs_cfg_name gs_cfg_hash_names[] = {
    {"hmacWithSHA256", GS_HASH_SHA256}, {"hmacWithSHA384", GS_HASH_SHA384}, {NULL, 0}};

const char *gs_cfg_syslog_facility_name(int facility) {
  for (int i = 0; syslog_facility_names[i].name != NULL; i++) {
    if (syslog_facility_names[i].value == facility) {
      return syslog_facility_names[i].name;
    }
  }
  return "daemon"; /* 0: not set */
}

const char *gs_cfg_name_of(const gs_cfg_name *t, int value) {
  for (size_t i = 0; t[i].name != NULL; i++) {
    if (t[i].value == value) {
      return t[i].name;
    }
  }
  return "unknown";
}

#define C(f) offsetof(gs_config, f)
#define P(f) offsetof(gs_cfg_peer, f)
#define DAY (24LL * 3600 * 1000)

static const cfg_key keys[] = {
    {SECT_NODE, "role", v_enum, C(role), 0, 0, role_names},
    {SECT_NODE, "name", v_word, C(name), 0, GS_CFG_NAME_MAX, NULL},
    {SECT_NODE, "identity", v_word, C(identity), 0, GS_CFG_STR_MAX, NULL},
    {SECT_SECURITY, "mode", v_enum, C(security.mode), 0, 0, gs_cfg_mode_names},
    {SECT_SECURITY, "aead", v_algs, C(security.aead), C(security.n_aead), GS_MAX_ALG_LIST,
     gs_cfg_aead_names},
    {SECT_SECURITY, "encryption", v_algs, C(security.encr), C(security.n_encr), GS_MAX_ALG_LIST,
     gs_cfg_cipher_names},
    {SECT_SECURITY, "icv", v_algs, C(security.icv), C(security.n_icv), GS_MAX_ALG_LIST,
     gs_cfg_hash_names},
    {SECT_SECURITY, "hmac", v_alg, C(security.hmac), 0, 0, gs_cfg_hash_names},
    {SECT_SECURITY, "dh_groups", v_dh, C(security.dh_groups), C(security.n_dh), GS_MAX_DH_OFFERS,
     NULL},
    {SECT_SECURITY, "time_tolerance", v_duration, C(security.time_tolerance_ms), 1000,
     GS_HS_TOLERANCE_MS, NULL},
    {SECT_SECURITY, "key_lifetime", v_duration, C(security.key_lifetime_ms), GS_KEY_LIFETIME_MIN_MS,
     GS_KEY_LIFETIME_MAX_MS, NULL},
    {SECT_SECURITY, "message_budget", v_u64, C(security.message_budget), 1, GS_KEY_BUDGET_DEFAULT,
     NULL},
    {SECT_SECURITY, "replay", v_enum, C(security.replay), 0, 0, gs_cfg_replay_names},
    {SECT_SECURITY, "on_malformed", v_enum, C(security.on_malformed), 0, 0, malformed_names},
    {SECT_SECURITY, "encryption_policy", v_enum, C(security.encryption), 0, 0,
     gs_cfg_encryption_names},
    {SECT_SECURITY, "pp", v_pp, C(security.pp), 0, 0, NULL},
    {SECT_SECURITY, "allowed_writers", v_replaced, 0, 0, 0,
     "allowed_peers (who may associate) and required_roles, and [roles] for what each role may "
     "do"},
    {SECT_SECURITY, "allowed_peers", v_peers, C(security.allowed), C(security.n_allowed),
     GS_CFG_MAX_ALLOWED, NULL},
    {SECT_SECURITY, "required_roles", v_roles, C(security.required), C(security.n_required),
     GS_CFG_MAX_REQUIRED, NULL},
    {SECT_SECURITY, "allow_any_peer", v_bool, C(security.allow_any_peer), 0, 0, NULL},
    {SECT_SECURITY, "max_assoc_per_peer", v_u32, C(security.max_assoc_per_peer), 1, 32, NULL},
    {SECT_SECURITY, "on_reload", v_enum, C(security.on_reload), 0, 0, gs_cfg_on_reload_names},
    {SECT_SESSION, "handshake_timeout", v_duration, C(session.handshake_timeout_ms),
     GS_CFG_TIMER_MIN_MS, GS_CFG_TIMER_MAX_MS, NULL},
    {SECT_SESSION, "rekey_timeout", v_duration, C(session.rekey_timeout_ms), GS_CFG_TIMER_MIN_MS,
     GS_CFG_TIMER_MAX_MS, NULL},
    {SECT_SESSION, "half_open_timeout", v_duration, C(session.half_open_timeout_ms),
     GS_CFG_TIMER_MIN_MS, GS_CFG_TIMER_MAX_MS, NULL},
    {SECT_SESSION, "idle_timeout", v_duration, C(session.idle_timeout_ms), GS_CFG_TIMER_MIN_MS,
     GS_CFG_TIMER_MAX_MS, NULL},
    {SECT_IDENTITY, "cert", v_path, C(id.cert), 0, 0, NULL},
    {SECT_IDENTITY, "key", v_keyref, C(id.key), 0, 0, NULL},
    {SECT_IDENTITY, "key_passphrase_file", v_path, C(id.key_passphrase_file), 0, 0, NULL},
    {SECT_IDENTITY, "pkcs11_module", v_path, C(id.pkcs11_module), 0, 0, NULL},
    {SECT_IDENTITY, "tpm_tcti", v_word, C(id.tpm_tcti), 0, GS_CFG_STR_MAX, NULL},
    {SECT_IDENTITY, "trust_anchor", v_paths, C(id.anchors), C(id.n_anchors), GS_CFG_MAX_FILES,
     NULL},
    {SECT_IDENTITY, "crl", v_paths, C(id.crls), C(id.n_crls), GS_CFG_MAX_FILES, NULL},
    {SECT_IDENTITY, "attribute_cert", v_path, C(id.attr_cert), 0, 0, NULL},
    {SECT_IDENTITY, "cert_warn_before", v_duration, C(id.cert_warn_before_ms), 0, 365 * DAY, NULL},
    {SECT_IDENTITY, "crl_warn_before", v_duration, C(id.crl_warn_before_ms), 0, 30 * DAY, NULL},
    {SECT_TRANSPORT, "type", v_enum, C(transport.type), 0, 0, transport_names},
    {SECT_TRANSPORT, "listen", v_hostport, C(transport.listen), 1, 0, NULL},
    {SECT_TRANSPORT, "server", v_servers, C(transport.server), 0, 0, NULL},
    {SECT_TRANSPORT, "domain", v_word, C(transport.domain), 0, GS_CFG_STR_MAX, NULL},
    {SECT_TRANSPORT, "jid", v_word, C(transport.jid), 0, GS_CFG_STR_MAX, NULL},
    {SECT_TRANSPORT, "tls_cert", v_path, C(transport.tls_cert), 0, 0, NULL},
    {SECT_TRANSPORT, "tls_key", v_path, C(transport.tls_key), 0, 0, NULL},
    {SECT_TRANSPORT, "tls_ca", v_path, C(transport.tls_ca), 0, 0, NULL},
    {SECT_TRANSPORT, "reconnect_min", v_duration, C(transport.reconnect_min_ms), 10, DAY, NULL},
    {SECT_TRANSPORT, "reconnect_max", v_duration, C(transport.reconnect_max_ms), 10, DAY, NULL},
    {SECT_TRANSPORT, "queue_max", v_u32, C(transport.queue_max), 0, 1000000, NULL},
    {SECT_TRANSPORT, "queue_max_age", v_duration, C(transport.queue_max_age_ms), 10, DAY, NULL},
    {SECT_TRANSPORT, "peers", v_words, C(transport.xmpp_peers), C(transport.n_xmpp_peers),
     GS_CFG_MAX_XMPP_PEERS, NULL},
    {SECT_APPLICATION, "report_interval", v_duration, C(app.report_interval_ms), 10, DAY, NULL},
    {SECT_APPLICATION, "request_timeout", v_duration, C(app.request_timeout_ms),
     GS_CFG_TIMER_MIN_MS, GS_CFG_TIMER_MAX_MS, NULL},
    {SECT_APPLICATION, "rating_kw", v_u32, C(app.rating_kw), 1, 1000000, NULL},
    {SECT_APPLICATION, "seed", v_u64, C(app.seed), 0, INT64_MAX, NULL},
    {SECT_APPLICATION, "sim_hour", v_u32, C(app.sim_hour), 0, 23, NULL},
    {SECT_LOG, "events", v_path, C(log.events), 0, 0, NULL},
    {SECT_LOG, "csv", v_path, C(log.csv), 0, 0, NULL},
    {SECT_LOG, "syslog", v_bool, C(log.syslog), 0, 0, NULL},
    {SECT_LOG, "syslog_facility", v_enum, C(log.syslog_facility), 0, 0, syslog_facility_names},
    {SECT_LOG, "syslog_remote", v_hostport, C(log.syslog_remote), 0, 0, NULL},
    {SECT_LOG, "syslog_ca", v_path, C(log.syslog_ca), 0, 0, NULL},
    {SECT_LOG, "syslog_cert", v_path, C(log.syslog_cert), 0, 0, NULL},
    {SECT_LOG, "syslog_key", v_path, C(log.syslog_key), 0, 0, NULL},
    {SECT_HTTP, "listen", v_http_listen, C(http.listen), 0, 0, NULL},
    {SECT_HTTP, "tls", v_bool, C(http.tls), 0, 0, NULL},
    {SECT_HTTP, "tls_cert", v_path, C(http.tls_cert), 0, 0, NULL},
    {SECT_HTTP, "tls_key", v_path, C(http.tls_key), 0, 0, NULL},
    {SECT_HTTP, "client_ca", v_path, C(http.client_ca), 0, 0, NULL},
    {SECT_STANDBY, "primary", v_word, C(standby.primary), 0, GS_CFG_STR_MAX, NULL},
    {SECT_STANDBY, "standby", v_word, C(standby.standby), 0, GS_CFG_STR_MAX, NULL},
    {SECT_STANDBY, "takeover_after", v_duration, C(standby.takeover_after_ms),
     GS_CFG_TAKEOVER_MIN_MS, GS_CFG_TAKEOVER_MAX_MS, NULL},
    {SECT_DER, "identity", v_word, P(identity), 0, GS_CFG_STR_MAX, NULL},
    {SECT_DER, "connect", v_hostport, P(connect), 0, 0, NULL},
    {SECT_DER, "jid", v_word, P(jid), 0, GS_CFG_STR_MAX, NULL},
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(N_KEYS <= sizeof(((cfg_parser *)0)->key_seen), "key_seen too small");

int cfg_set_key(cfg_parser *p, const char *key, const char *value) {
  for (size_t i = 0; i < N_KEYS; i++) {
    if (keys[i].sect != p->sect || strcmp(keys[i].name, key) != 0) {
      continue;
    }
    if (p->key_seen[i]) {
      return cfg_fail(p, "duplicate key '%s' in [%s]", key, cfg_sect_name(p->sect));
    }
    p->key_seen[i] = 1;
    char *base = p->sect == SECT_DER ? (char *)p->peer : (char *)p->cfg;
    if (p->sect == SECT_SECURITY && strcmp(key, "encryption_policy") == 0) {
      p->encryption_set = true;
    }
    if (p->sect == SECT_SECURITY && strcmp(key, "replay") == 0) {
      p->replay_set = true;
      p->cfg->replay_line = p->line;
    }
    if (p->sect == SECT_SECURITY && strcmp(key, "mode") == 0) {
      p->mode_line = p->line;
    }
    if (p->sect == SECT_SECURITY && strcmp(key, "allow_any_peer") == 0) {
      p->any_line = p->line;
    }
    if (p->sect == SECT_STANDBY && strcmp(key, "primary") == 0) {
      p->cfg->standby.primary_line = p->line;
    }
    if (p->sect == SECT_STANDBY && strcmp(key, "standby") == 0) {
      p->cfg->standby.standby_line = p->line;
    }
    return keys[i].fn(p, &keys[i], value, base + keys[i].off);
  }
  return cfg_fail(p, "unknown key '%s' in [%s]", key, cfg_sect_name(p->sect));
}

void cfg_reset_peer_keys(cfg_parser *p) {
  for (size_t i = 0; i < N_KEYS; i++) {
    if (keys[i].sect == SECT_DER) {
      p->key_seen[i] = 0;
    }
  }
}

/* [roles]: ROLE = read, setpoint, settings | none */
int cfg_set_role_ops(cfg_parser *p, const char *role, const char *value) {
  gs_config *c = p->cfg;
  if (!role_name_ok(role)) {
    return cfg_fail(p, "invalid role name '%s' in [roles] (letters, digits, _ - ., at most %d)",
                    role, GS_CFG_ROLE_MAX - 1);
  }
  for (size_t i = 0; i < c->n_role_ops; i++) {
    if (strcmp(c->role_ops[i].role, role) == 0) {
      return cfg_fail(p, "duplicate role '%s' in [roles]", role);
    }
  }
  if (c->n_role_ops >= GS_CFG_MAX_ROLE_OPS) {
    return cfg_fail(p, "too many roles in [roles] (at most %d)", GS_CFG_MAX_ROLE_OPS);
  }
  gs_authz_ops ops = 0;
  if (strcmp(value, "none") != 0) {
    const char *s = value;
    for (;;) {
      const char *e = strchr(s, ',');
      size_t n = e ? (size_t)(e - s) : strlen(s);
      while (n > 0 && isspace((unsigned char)*s)) {
        s++, n--;
      }
      while (n > 0 && isspace((unsigned char)s[n - 1])) {
        n--;
      }
      static const gs_authz_op all[] = {GS_AUTHZ_READ, GS_AUTHZ_WRITE_SETPOINT,
                                        GS_AUTHZ_WRITE_SETTINGS};
      gs_authz_op found = (gs_authz_op)0;
      for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        const char *name = gs_authz_op_name(all[i]);
        if (n == strlen(name) && strncmp(s, name, n) == 0) {
          found = all[i];
        }
      }
      if (found == 0) {
        return cfg_fail(p,
                        "invalid operation '%.*s' for role '%s' (expected read, setpoint, "
                        "settings, or none)",
                        (int)n, s, role);
      }
      ops |= (gs_authz_ops)found;
      if (e == NULL) {
        break;
      }
      s = e + 1;
    }
  }
  gs_cfg_role_ops *r = &c->role_ops[c->n_role_ops++];
  memcpy(r->role, role, strlen(role) + 1);
  r->ops = ops;
  r->line = p->line;
  return GS_OK;
}
