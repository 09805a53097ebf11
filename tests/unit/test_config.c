/* The configuration parser: a complete file, defaults, and each error with
 * its line number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "gridseal/error.h"

static const char good_cc[] = "# control center\n"
                              "[node]\n"
                              "role = cc\n"
                              "name = cc\n"
                              "identity = urn:gridseal:cc   # own SAN\n"
                              "\n"
                              "[security]\n"
                              "mode = encrypt-then-mac\n"
                              "aead = aes128-GCM, id-alg-AEADChaCha20Poly1305\n"
                              "encryption = aes128-CBC,aes256-CBC\n"
                              "icv = hmacWithSHA384\n"
                              "hmac = HMACWITHSHA384\n"
                              "dh_groups = p256, 14, x25519\n"
                              "time_tolerance = 5min\n"
                              "key_lifetime = 2h\n"
                              "message_budget = 1000\n"
                              "replay = window\n"
                              "encryption_policy = optional\n"
                              "pp = IEC61850-8-2\n"
                              "allowed_peers = uri:urn:gridseal:der1, xmpp:der2@localhost, "
                              "dns:der3.example, uri:der2@localhost\n"
                              "\n"
                              "[identity]\n"
                              "cert = cc/e2e.crt\n"
                              "key = /abs/cc/e2e.key\n"
                              "trust_anchor = e2e-ca/ca.crt, other/ca.crt\n"
                              "crl = e2e-ca/crl.pem\n"
                              "\n"
                              "[transport]\n"
                              "type = tcp\n"
                              "reconnect_min = 250ms\n"
                              "reconnect_max = 1min\n"
                              "\n"
                              "[application]\n"
                              "report_interval = 3s\n"
                              "\n"
                              "[log]\n"
                              "events = -\n"
                              "csv = cc.csv\n"
                              "\n"
                              "[der der1]\n"
                              "identity = urn:gridseal:der1\n"
                              "connect = 127.0.0.1:7001\n"
                              "[der der2]\r\n"
                              "identity = urn:gridseal:der2\n"
                              "connect = [::1]:7002\n"
                              "[roles]\n"
                              "OPERATOR = read\n"
                              "ROLE_-5 = setpoint,settings\n"
                              "VIEWER = none\n";

static gs_config *cfg;

static int setup(void **state) {
  (void)state;
  cfg = malloc(sizeof(*cfg));
  return cfg == NULL;
}

static int teardown(void **state) {
  (void)state;
  free(cfg);
  return 0;
}

static int parse(const char *text, gs_cfg_error *err) {
  return gs_cfg_parse(cfg, "cc.conf", "/etc/gs", text, strlen(text), err);
}

static void test_good_file(void **state) {
  (void)state;
  gs_cfg_error err;
  assert_int_equal(parse(good_cc, &err), GS_OK);
  assert_int_equal(cfg->role, GS_CFG_ROLE_CC);
  assert_string_equal(cfg->name, "cc");
  assert_string_equal(cfg->identity, "urn:gridseal:cc");
  const gs_cfg_security *s = &cfg->security;
  assert_int_equal(s->mode, GS_OFFER_ETM);
  assert_int_equal(s->n_aead, 2);
  assert_int_equal(s->aead[0], GS_AEAD_AES128_GCM);
  assert_int_equal(s->aead[1], GS_AEAD_CHACHA20_POLY1305);
  assert_int_equal(s->n_encr, 2);
  assert_int_equal(s->encr[0], GS_CIPHER_AES128_CBC);
  assert_int_equal(s->n_icv, 1);
  assert_int_equal(s->icv[0], GS_HASH_SHA384);
  assert_int_equal(s->hmac, GS_HASH_SHA384);
  assert_int_equal(s->n_dh, 3);
  assert_int_equal(s->dh_groups[0], 19);
  assert_int_equal(s->dh_groups[1], 14);
  assert_int_equal(s->dh_groups[2], 31);
  assert_int_equal(s->time_tolerance_ms, 300000);
  assert_int_equal(s->key_lifetime_ms, 7200000);
  assert_int_equal(s->message_budget, 1000);
  assert_int_equal(s->replay, GS_REPLAY_MODE_WINDOW);
  assert_int_equal(s->encryption, GS_ENCR_OPTIONAL);
  assert_string_equal(s->pp, "IEC61850-8-2");
  assert_int_equal(s->n_allowed, 4);
  assert_int_equal(s->allowed[0].kind, GS_ID_URI);
  assert_string_equal(s->allowed[0].value, "urn:gridseal:der1");
  assert_int_equal(s->allowed[1].kind, GS_ID_XMPP);
  assert_string_equal(s->allowed[1].value, "der2@localhost");
  assert_int_equal(s->allowed[2].kind, GS_ID_DNS);
  assert_string_equal(s->allowed[2].value, "der3.example");
  assert_int_equal(s->allowed[3].kind, GS_ID_URI); /* same text, other type: a new entry */
  assert_string_equal(s->allowed[3].value, "der2@localhost");
  assert_int_equal(s->n_required, 0);
  assert_false(s->allow_any_peer);
  assert_int_equal(s->max_assoc_per_peer, GS_CFG_ASSOC_PER_PEER);
  assert_int_equal(cfg->n_role_ops, 3);
  assert_string_equal(cfg->role_ops[0].role, "OPERATOR");
  assert_int_equal(cfg->role_ops[0].ops, GS_AUTHZ_READ);
  assert_string_equal(cfg->role_ops[1].role, "ROLE_-5");
  assert_int_equal(cfg->role_ops[1].ops, GS_AUTHZ_WRITE_SETPOINT | GS_AUTHZ_WRITE_SETTINGS);
  assert_int_equal(cfg->role_ops[1].line, 48);
  assert_string_equal(cfg->role_ops[2].role, "VIEWER");
  assert_int_equal(cfg->role_ops[2].ops, 0);
  assert_string_equal(cfg->id.cert, "/etc/gs/cc/e2e.crt");
  assert_string_equal(cfg->id.key, "/abs/cc/e2e.key");
  assert_int_equal(cfg->id.n_anchors, 2);
  assert_string_equal(cfg->id.anchors[1], "/etc/gs/other/ca.crt");
  assert_int_equal(cfg->id.n_crls, 1);
  assert_int_equal(cfg->transport.type, GS_CFG_TRANSPORT_TCP);
  assert_int_equal(cfg->transport.reconnect_min_ms, 250);
  assert_int_equal(cfg->transport.reconnect_max_ms, 60000);
  assert_int_equal(cfg->app.report_interval_ms, 3000);
  assert_string_equal(cfg->log.events, "-");
  assert_string_equal(cfg->log.csv, "/etc/gs/cc.csv");
  assert_int_equal(cfg->n_peers, 2);
  const gs_cfg_peer *d2 = gs_cfg_find_peer(cfg, "der2");
  assert_non_null(d2);
  assert_string_equal(d2->identity, "urn:gridseal:der2");
  assert_string_equal(d2->connect, "[::1]:7002");
  assert_int_equal(d2->line, 43);
  assert_null(gs_cfg_find_peer(cfg, "der3"));
}

static const char min_der[] = "[node]\nrole = der\nname = der1\nidentity = urn:gridseal:der1\n"
                              "[identity]\ncert = e.crt\nkey = e.key\ntrust_anchor = ca.crt\n"
                              "[transport]\nlisten = 127.0.0.1:0\n"
                              "[security]\nallowed_peers = uri:urn:gridseal:cc\n";

static void test_defaults(void **state) {
  (void)state;
  gs_cfg_error err;
  assert_int_equal(gs_cfg_parse(cfg, "der1.conf", NULL, min_der, strlen(min_der), &err), GS_OK);
  assert_int_equal(cfg->role, GS_CFG_ROLE_DER);
  assert_string_equal(cfg->id.cert, "e.crt");
  const gs_cfg_security *s = &cfg->security;
  assert_int_equal(s->mode, GS_OFFER_AEAD);
  assert_int_equal(s->n_aead, 2);
  assert_int_equal(s->aead[0], GS_AEAD_AES256_GCM);
  assert_int_equal(s->n_dh, 1);
  assert_int_equal(s->dh_groups[0], GS_DH_P256);
  assert_int_equal(s->time_tolerance_ms, GS_HS_TOLERANCE_MS);
  assert_int_equal(s->key_lifetime_ms, GS_KEY_LIFETIME_DEFAULT_MS);
  assert_int_equal(s->message_budget, GS_KEY_BUDGET_DEFAULT);
  assert_int_equal(s->replay, GS_REPLAY_MODE_STRICT);
  assert_int_equal(s->encryption, GS_ENCR_REQUIRED);
  assert_string_equal(s->pp, GS_PP_DEFAULT);
  assert_int_equal(s->n_allowed, 1);
  assert_int_equal(s->n_required, 0);
  assert_false(s->allow_any_peer);
  assert_int_equal(s->max_assoc_per_peer, 2);
  assert_int_equal(cfg->n_role_ops, 0);
  assert_int_equal(cfg->app.rating_kw, 100);
  assert_int_equal(cfg->n_peers, 0);
  assert_int_equal(cfg->session.handshake_timeout_ms, GS_HS_TIMEOUT_DEFAULT_MS);
  assert_int_equal(cfg->session.rekey_timeout_ms, GS_CFG_REKEY_TIMEOUT_DEFAULT_MS);
  assert_int_equal(cfg->session.half_open_timeout_ms, GS_CFG_HALF_OPEN_TIMEOUT_DEFAULT_MS);
  assert_int_equal(cfg->session.idle_timeout_ms, GS_CFG_IDLE_TIMEOUT_DEFAULT_MS);
  assert_int_equal(cfg->app.request_timeout_ms, GS_CFG_REQUEST_TIMEOUT_DEFAULT_MS);
}

/* [session]: the three timers, each in any duration unit. */
static void test_session_timers(void **state) {
  (void)state;
  char text[1024];
  snprintf(text, sizeof(text),
           "%s[session]\nhandshake_timeout = 3s\nrekey_timeout = 1500ms\n"
           "half_open_timeout = 1min\nidle_timeout = 4s\n[application]\nrequest_timeout = 2s\n",
           min_der);
  gs_cfg_error err;
  assert_int_equal(gs_cfg_parse(cfg, "der1.conf", NULL, text, strlen(text), &err), GS_OK);
  assert_int_equal(cfg->session.handshake_timeout_ms, 3000);
  assert_int_equal(cfg->session.rekey_timeout_ms, 1500);
  assert_int_equal(cfg->session.half_open_timeout_ms, 60000);
  assert_int_equal(cfg->session.idle_timeout_ms, 4000);
  assert_int_equal(cfg->app.request_timeout_ms, 2000);
}

/* Derived defaults: integrity-only makes encryption optional; brokers use
 * the replay window. */
static void test_derived_defaults(void **state) {
  (void)state;
  char text[1024];
  snprintf(text, sizeof(text),
           "%s[security]\nmode = integrity-only\nallow_any_peer = yes\n[transport]\ntype = "
           "mqtt\nserver = "
           "127.0.0.1:1883\n",
           "[node]\nrole = der\nname = d\nidentity = urn:x\n[identity]\ncert = c\nkey = k\n"
           "trust_anchor = a\n");
  gs_cfg_error err;
  assert_int_equal(parse(text, &err), GS_OK);
  assert_int_equal(cfg->security.encryption, GS_ENCR_OPTIONAL);
  assert_int_equal(cfg->security.replay, GS_REPLAY_MODE_WINDOW);
  assert_int_equal(cfg->transport.type, GS_CFG_TRANSPORT_MQTT);
}

/* The replay default is chosen for the transport that finally applies:
 * --transport mqtt on a file without a replay line gives the window, back
 * to tcp gives strict again; a replay line in the file always wins. */
static void test_override_replay_default(void **state) {
  (void)state;
  gs_cfg_error err;
  assert_int_equal(gs_cfg_parse(cfg, "der1.conf", NULL, min_der, strlen(min_der), &err), GS_OK);
  assert_int_equal(cfg->security.replay, GS_REPLAY_MODE_STRICT);
  assert_int_equal(cfg->replay_line, 0);
  /* min_der has no server: a broker needs one */
  gs_cfg_transport mqtt = GS_CFG_TRANSPORT_MQTT, tcp = GS_CFG_TRANSPORT_TCP;
  assert_int_equal(gs_cfg_override(cfg, &mqtt, NULL, &err), GS_ERR_CONFIG);
  assert_string_equal(err.msg, "der1.conf: missing key 'transport.server' (with --transport mqtt)");
  assert_int_equal(gs_cfg_override(cfg, &mqtt, "127.0.0.1:8883", &err), GS_OK);
  assert_int_equal(cfg->transport.type, GS_CFG_TRANSPORT_MQTT);
  assert_string_equal(cfg->transport.server, "127.0.0.1:8883");
  assert_int_equal(cfg->security.replay, GS_REPLAY_MODE_WINDOW);
  char w[512];
  assert_false(gs_cfg_replay_warning(cfg, w, sizeof(w)));
  assert_string_equal(w, "");
  assert_int_equal(gs_cfg_override(cfg, &tcp, NULL, &err), GS_OK);
  assert_int_equal(cfg->security.replay, GS_REPLAY_MODE_STRICT);
  /* --server means nothing to tcp */
  assert_int_equal(gs_cfg_override(cfg, NULL, "127.0.0.1:8883", &err), GS_ERR_CONFIG);
  assert_non_null(strstr(err.msg, "der1.conf: --server applies to xmpp, mqtt and amqp, but the "
                                  "transport is tcp"));

  /* replay = strict written in the file: kept, and warned about with a broker */
  char text[1024];
  snprintf(text, sizeof(text),
           "[node]\nrole = der\nname = der1\nidentity = urn:gridseal:der1\n"
           "[identity]\ncert = e.crt\nkey = e.key\ntrust_anchor = ca.crt\n"
           "[transport]\nlisten = 127.0.0.1:0\nserver = 127.0.0.1:8883\n"
           "[security]\nallowed_peers = uri:urn:gridseal:cc\nreplay = strict\n");
  assert_int_equal(gs_cfg_parse(cfg, "der1.conf", NULL, text, strlen(text), &err), GS_OK);
  assert_int_equal(cfg->replay_line, 14);
  assert_false(gs_cfg_replay_warning(cfg, w, sizeof(w))); /* tcp: strict is right */
  assert_int_equal(gs_cfg_override(cfg, &mqtt, NULL, &err), GS_OK);
  assert_int_equal(cfg->security.replay, GS_REPLAY_MODE_STRICT);
  assert_true(gs_cfg_replay_warning(cfg, w, sizeof(w)));
  assert_non_null(strstr(w, "der1.conf:14: replay = strict with transport mqtt: a broker may "
                            "redeliver or reorder PDUs"));
  assert_non_null(strstr(w, "set replay = window"));
  gs_cfg_transport amqp = GS_CFG_TRANSPORT_AMQP;
  assert_int_equal(gs_cfg_override(cfg, &amqp, NULL, &err), GS_OK);
  assert_true(gs_cfg_replay_warning(cfg, w, sizeof(w)));
  assert_non_null(strstr(w, "with transport amqp"));
}

typedef struct bad_case {
  const char *text;
  const char *msg; /* the whole expected message */
} bad_case;

#define HEAD "[node]\nrole = der\nname = d\nidentity = urn:x\n"   /* lines 1-4 */
#define IDENT "[identity]\ncert = c\nkey = k\ntrust_anchor = a\n" /* lines 5-8 */
#define TAIL "[transport]\nlisten = 127.0.0.1:7001\n"             /* 2 lines */

static const bad_case bad[] = {
    {HEAD "[security]\nmodee = aead\n", "cc.conf:6: unknown key 'modee' in [security]"},
    {HEAD "[security]\nmode = fast\n",
     "cc.conf:6: invalid value 'fast' for 'mode' (expected aead | encrypt-then-mac | "
     "integrity-only)"},
    {"role = cc\n", "cc.conf:1: key 'role' outside any section"},
    {"[node]\n[nodes]\n", "cc.conf:2: unknown section [nodes]"},
    {"[node]\n[node]\n", "cc.conf:2: duplicate section [node]"},
    {"[node\n", "cc.conf:1: section header without closing ']'"},
    {"[node]\nrole cc\n", "cc.conf:2: expected 'key = value' or '[section]'"},
    {"[node]\nrole =\n", "cc.conf:2: missing value for 'role'"},
    {"[node]\n = cc\n", "cc.conf:2: missing key before '='"},
    {"[node]\nRole = cc\n", "cc.conf:2: invalid key 'Role'"},
    {"[node]\nrole = cc\nrole = der\n", "cc.conf:3: duplicate key 'role' in [node]"},
    {"[node]\nname = a b\n", "cc.conf:2: invalid character in value for 'name'"},
    {"\n\n[node]\nrole = cc\x01\n", "cc.conf:4: control character in line"},
    {HEAD "[security]\naead = aes256-GCM, aes-gcm\n",
     "cc.conf:6: unknown algorithm 'aes-gcm' for 'aead' (expected aes256-GCM, aes128-GCM, "
     "id-alg-AEADChaCha20Poly1305)"},
    {HEAD "[security]\naead = aes256-CBC\n",
     "cc.conf:6: unknown algorithm 'aes256-CBC' for 'aead' (expected aes256-GCM, aes128-GCM, "
     "id-alg-AEADChaCha20Poly1305)"},
    {HEAD "[security]\naead = aes256-GCM,,aes128-GCM\n",
     "cc.conf:6: empty item in list for 'aead'"},
    {HEAD "[security]\naead = aes256-GCM, aes256-GCM\n",
     "cc.conf:6: algorithm 'aes256-GCM' listed twice for 'aead'"},
    {HEAD "[security]\ndh_groups = 19, 14, 20, 28, 31\n",
     "cc.conf:6: too many items for 'dh_groups' (at most 4)"},
    {HEAD "[security]\ndh_groups = 21\n",
     "cc.conf:6: unknown DH group '21' for 'dh_groups' (expected 19|p256, 14|modp2048, "
     "20|p384, 28|brainpoolP256r1, 31|x25519)"},
    {HEAD "[security]\ntime_tolerance = 600\n",
     "cc.conf:6: duration '600' for 'time_tolerance' needs a unit (ms, s, min, h, d)"},
    {HEAD "[security]\ntime_tolerance = 11min\n",
     "cc.conf:6: value '11min' for 'time_tolerance' out of range (1000..600000)"},
    {HEAD "[security]\nkey_lifetime = 25h\n",
     "cc.conf:6: value '25h' for 'key_lifetime' out of range (900000..86400000)"},
    {HEAD "[security]\nmessage_budget = 0\n",
     "cc.conf:6: value '0' for 'message_budget' out of range (1..16777216)"},
    {HEAD "[security]\nmessage_budget = 12k\n",
     "cc.conf:6: invalid number '12k' for 'message_budget'"},
    {HEAD "[security]\npp = IEC_61850\n", "cc.conf:6: 'pp' is not a PrintableString"},
    {HEAD "[security]\npp = 0123456789012345678901234567890123\n",
     "cc.conf:6: value for 'pp' too long (at most 32 characters)"},
    {HEAD "[transport]\nlisten = 127.0.0.1\n",
     "cc.conf:6: invalid address '127.0.0.1' for 'listen' (expected HOST:PORT or [IPV6]:PORT)"},
    {HEAD "[transport]\ntype = udp\n",
     "cc.conf:6: invalid value 'udp' for 'type' (expected tcp | xmpp | mqtt | amqp)"},
    {HEAD "[der]\n", "cc.conf:5: section [der] needs a name: [der NAME]"},
    {HEAD "[der a]\n[der a]\n", "cc.conf:6: duplicate section [der a]"},
    {HEAD "[der a/b]\n", "cc.conf:5: invalid DER name 'a/b' (letters, digits, - _ .)"},
    {HEAD "[der a]\nidentity = x\nidentity = y\n", "cc.conf:7: duplicate key 'identity' in [der]"},
    /* file-level checks, without a line or at the line they concern */
    {"[node]\nname = d\n", "cc.conf: missing key 'node.role'"},
    {"[node]\nrole = der\nname = d\n", "cc.conf: missing key 'node.identity'"},
    {HEAD, "cc.conf: missing key 'identity.cert'"},
    {HEAD "[identity]\ncert = c\nkey = k\n", "cc.conf: missing key 'identity.trust_anchor'"},
    {HEAD IDENT, "cc.conf: missing key 'transport.listen'"},
    {HEAD IDENT TAIL "[der x]\nidentity = u\n",
     "cc.conf:11: [der x] is only allowed with role = cc"},
    {"[node]\nrole = cc\nname = c\nidentity = u\n" IDENT,
     "cc.conf: role = cc needs at least one [der NAME] section"},
    {"[node]\nrole = cc\nname = c\nidentity = u\n" IDENT "[der d1]\nidentity = x\n",
     "cc.conf:9: missing key 'connect'"},
    {HEAD IDENT TAIL "[security]\n\nmode = integrity-only\nencryption_policy = required\n",
     "cc.conf:13: mode = integrity-only conflicts with encryption_policy = required"},
    {HEAD IDENT TAIL "[security]\nencryption_policy = forbidden\n",
     "cc.conf: mode = aead encrypts, but encryption_policy = forbidden"},
    {HEAD IDENT "[transport]\ntype = xmpp\nserver = 127.0.0.1:5222\n",
     "cc.conf: missing key 'transport.jid'"},
    {HEAD IDENT TAIL "reconnect_min = 10s\nreconnect_max = 1s\n",
     "cc.conf: transport.reconnect_min is larger than transport.reconnect_max"},
    /* authorization */
    {HEAD "[security]\nallowed_writers = urn:gridseal:cc, role:OPERATOR\n",
     "cc.conf:6: 'allowed_writers' was replaced by the role model: use allowed_peers (who may "
     "associate) and required_roles, and [roles] for what each role may do (docs/CONFIG.md)"},
    {HEAD "[security]\nallowed_peers = uri:urn:gridseal:cc, urn:gridseal:cc\n",
     "cc.conf:6: 'urn:gridseal:cc' in 'allowed_peers' needs a name type: xmpp:, uri: or dns: "
     "(e.g. uri:urn:gridseal:cc, xmpp:cc@localhost)"},
    {HEAD "[security]\nallowed_peers = cc@localhost\n",
     "cc.conf:6: 'cc@localhost' in 'allowed_peers' needs a name type: xmpp:, uri: or dns: "
     "(e.g. uri:urn:gridseal:cc, xmpp:cc@localhost)"},
    {HEAD "[security]\nallowed_peers = XMPP:cc@localhost\n",
     "cc.conf:6: 'XMPP:cc@localhost' in 'allowed_peers' needs a name type: xmpp:, uri: or dns: "
     "(e.g. uri:urn:gridseal:cc, xmpp:cc@localhost)"},
    {HEAD "[security]\nallowed_peers = xmpp:cc@localhost/IEC\n",
     "cc.conf:6: 'xmpp:cc@localhost/IEC' in 'allowed_peers': an xmppAddr is a bare address "
     "name@domain (no /resource)"},
    {HEAD "[security]\nallowed_peers = xmpp:localhost\n",
     "cc.conf:6: 'xmpp:localhost' in 'allowed_peers': an xmppAddr is a bare address "
     "name@domain (no /resource)"},
    {HEAD "[security]\nallowed_peers = uri:\n", "cc.conf:6: empty value for 'allowed_peers'"},
    {HEAD "[security]\nallowed_peers = dns:a b\n",
     "cc.conf:6: invalid character in value for 'allowed_peers'"},
    {HEAD "[security]\nallowed_peers = uri:urn:x, dns:urn:x, uri:urn:x\n",
     "cc.conf:6: 'uri:urn:x' listed twice in 'allowed_peers'"},
    {HEAD "[security]\nrequired_roles = OPERATOR, ENGINEER, OPERATOR\n",
     "cc.conf:6: role 'OPERATOR' listed twice in 'required_roles'"},
    {HEAD "[security]\nrequired_roles = role:OPERATOR\n",
     "cc.conf:6: invalid role name 'role:OPERATOR' in 'required_roles' (letters, digits, _ - ., "
     "at most 63)"},
    {HEAD "[security]\nrequired_roles = A,B,C,D,E,F,G,H,I\n",
     "cc.conf:6: too many items for 'required_roles' (at most 8)"},
    {HEAD "[security]\nallow_any_peer = true\n",
     "cc.conf:6: invalid value 'true' for 'allow_any_peer' (expected yes | no)"},
    {HEAD "[security]\nmax_assoc_per_peer = 0\n",
     "cc.conf:6: value '0' for 'max_assoc_per_peer' out of range (1..32)"},
    {HEAD "[security]\nmax_assoc_per_peer = 33\n",
     "cc.conf:6: value '33' for 'max_assoc_per_peer' out of range (1..32)"},
    {HEAD "[roles]\nVIEWER = write\n",
     "cc.conf:6: invalid operation 'write' for role 'VIEWER' (expected read, setpoint, "
     "settings, or none)"},
    {HEAD "[roles]\nVIEWER = read,,setpoint\n",
     "cc.conf:6: invalid operation '' for role 'VIEWER' (expected read, setpoint, settings, or "
     "none)"},
    {HEAD "[roles]\nVIEWER = read, none\n",
     "cc.conf:6: invalid operation 'none' for role 'VIEWER' (expected read, setpoint, settings, "
     "or none)"},
    {HEAD "[roles]\nVIEWER = read\nVIEWER = none\n",
     "cc.conf:7: duplicate role 'VIEWER' in [roles]"},
    {HEAD "[roles]\nVIEW*ER = read\n",
     "cc.conf:6: invalid role name 'VIEW*ER' in [roles] (letters, digits, _ - ., at most 63)"},
    {HEAD "[roles]\nVIEWER =\n", "cc.conf:6: missing value for 'VIEWER'"},
    {HEAD "[roles]\n[roles]\n", "cc.conf:6: duplicate section [roles]"},
    {HEAD IDENT TAIL,
     "cc.conf: role = der needs [security] allowed_peers or required_roles (who may associate), "
     "or allow_any_peer = yes to admit every certificate the trust anchors validate"},
    {HEAD IDENT TAIL "[security]\nallow_any_peer = no\n",
     "cc.conf: role = der needs [security] allowed_peers or required_roles (who may associate), "
     "or allow_any_peer = yes to admit every certificate the trust anchors validate"},
    {HEAD IDENT TAIL "[security]\nallowed_peers = uri:u\nallow_any_peer = yes\n",
     "cc.conf:13: allow_any_peer = yes conflicts with allowed_peers / required_roles"},
    {HEAD IDENT TAIL "[security]\nallow_any_peer = yes\nrequired_roles = OPERATOR\n",
     "cc.conf:12: allow_any_peer = yes conflicts with allowed_peers / required_roles"},
    /* [http] */
    {HEAD "[session]\nhandshake_timeout = 5\n",
     "cc.conf:6: duration '5' for 'handshake_timeout' needs a unit (ms, s, min, h, d)"},
    {HEAD "[session]\nhandshake_timeout = 50ms\n",
     "cc.conf:6: value '50ms' for 'handshake_timeout' out of range (100..600000)"},
    {HEAD "[session]\nrekey_timeout = 11min\n",
     "cc.conf:6: value '11min' for 'rekey_timeout' out of range (100..600000)"},
    {HEAD "[session]\nidle_timeout = 0s\n",
     "cc.conf:6: value '0s' for 'idle_timeout' out of range (100..600000)"},
    {HEAD "[session]\nhalf_open_timeout = -1s\n",
     "cc.conf:6: invalid duration '-1s' for 'half_open_timeout'"},
    {HEAD "[session]\nhalf_open_timeout = 2 weeks\n",
     "cc.conf:6: duration '2 weeks' for 'half_open_timeout' needs a unit (ms, s, min, h, d)"},
    {HEAD "[session]\nrekey_timeout = 5s\nrekey_timeout = 6s\n",
     "cc.conf:7: duplicate key 'rekey_timeout' in [session]"},
    {HEAD "[session]\nkey_lifetime = 1h\n", "cc.conf:6: unknown key 'key_lifetime' in [session]"},
    {HEAD "[session]\n[session]\n", "cc.conf:6: duplicate section [session]"},
    {HEAD "[application]\nrequest_timeout = 0s\n",
     "cc.conf:6: value '0s' for 'request_timeout' out of range (100..600000)"},
    {HEAD "[http]\nlisten = 0.0.0.0\n",
     "cc.conf:6: invalid address '0.0.0.0' for 'listen' (expected PORT, ADDR:PORT or [IPV6]:PORT)"},
    {HEAD "[http]\nlisten = dashboard.example:8080\n",
     "cc.conf:6: invalid address 'dashboard.example:8080' for 'listen' (expected PORT, ADDR:PORT "
     "or [IPV6]:PORT)"},
    {HEAD "[http]\nlisten = 127.0.0.1:65536\n",
     "cc.conf:6: invalid address '127.0.0.1:65536' for 'listen' (expected PORT, ADDR:PORT or "
     "[IPV6]:PORT)"},
    {HEAD "[http]\nlisten = ::1:8080\n",
     "cc.conf:6: invalid address '::1:8080' for 'listen' (expected PORT, ADDR:PORT or "
     "[IPV6]:PORT)"},
    {HEAD "[http]\ntls = 1\n", "cc.conf:6: invalid value '1' for 'tls' (expected yes | no)"},
    {HEAD "[http]\nport = 80\n", "cc.conf:6: unknown key 'port' in [http]"},
    {HEAD "[http]\n[http]\n", "cc.conf:6: duplicate section [http]"},
    {HEAD IDENT TAIL "[security]\nallow_any_peer = yes\n[http]\nlisten = 8080\n",
     "cc.conf: [http] is only allowed with role = cc"},
};

static void test_errors(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    gs_cfg_error err;
    int rc = parse(bad[i].text, &err);
    if (rc != GS_ERR_CONFIG || strcmp(err.msg, bad[i].msg) != 0) {
      print_error("case %zu: rc %d, got \"%s\"\n   expected \"%s\"\n", i, rc, err.msg, bad[i].msg);
      fail();
    }
  }
}

static void test_http_section(void **state) {
  (void)state;
  gs_cfg_error err;
  assert_int_equal(parse(good_cc, &err), GS_OK);
  assert_string_equal(cfg->http.listen, ""); /* off by default */
  assert_int_equal(cfg->http.tls, 0);
  static const char *const listens[] = {"8080", "127.0.0.1:8080", "0.0.0.0:443", "[::1]:9000",
                                        "localhost:19101"};
  for (size_t i = 0; i < sizeof(listens) / sizeof(listens[0]); i++) {
    char text[4096];
    snprintf(text, sizeof(text),
             "%s[http]\nlisten = %s\ntls = yes\ntls_cert = http/server.crt\n"
             "tls_key = /k/server.key\nclient_ca = ops-ca.crt\n",
             good_cc, listens[i]);
    assert_int_equal(parse(text, &err), GS_OK);
    assert_string_equal(cfg->http.listen, listens[i]);
    assert_int_equal(cfg->http.tls, 1);
    assert_string_equal(cfg->http.tls_cert, "/etc/gs/http/server.crt");
    assert_string_equal(cfg->http.tls_key, "/k/server.key");
    assert_string_equal(cfg->http.client_ca, "/etc/gs/ops-ca.crt");
  }
}

/* [standby] (docs/STANDBY.md): its keys, default, and every check. */
static void test_standby_section(void **state) {
  (void)state;
  static const char base[] = "[node]\nrole = cc\nname = cc2\nidentity = urn:gridseal:cc2\n"
                             "[identity]\ncert = c.crt\nkey = c.key\ntrust_anchor = ca.crt\n"
                             "[transport]\ntype = xmpp\nserver = 127.0.0.1:5222\n"
                             "jid = cc2@localhost/IEC\n"
                             "[der der1]\nidentity = urn:gridseal:der1\njid = der1@localhost\n";
  gs_cfg_error err;
  char text[4096];
  assert_int_equal(parse(base, &err), GS_OK);
  assert_string_equal(cfg->standby.primary, "");
  assert_int_equal(cfg->standby.takeover_after_ms, 5000);
  snprintf(text, sizeof(text), "%s[standby]\nprimary = cc@localhost\ntakeover_after = 2s\n", base);
  assert_int_equal(parse(text, &err), GS_OK);
  assert_string_equal(cfg->standby.primary, "cc@localhost");
  assert_int_equal(cfg->standby.takeover_after_ms, 2000);
  snprintf(text, sizeof(text), "%s[standby]\nstandby = cc3@localhost\n", base);
  assert_int_equal(parse(text, &err), GS_OK);
  assert_string_equal(cfg->standby.standby, "cc3@localhost");
  static const struct {
    const char *add, *msg;
  } sb_bad[] = {
      {"primary = cc", "cc.conf:17: 'standby.primary' = 'cc' is not a bare XMPP address "
                       "(name@domain)"},
      {"primary = cc@localhost/IEC", "cc.conf:17: 'standby.primary' = 'cc@localhost/IEC' is not "
                                     "a bare XMPP address (name@domain)"},
      {"standby = cc2@localhost",
       "cc.conf:17: 'standby.standby' = 'cc2@localhost' is this control center's own address"},
      {"takeover_after = 50ms", NULL},
      {"takeover_after = 2h", NULL},
      {"primary = cc@localhost\nprimary = cc@localhost",
       "cc.conf:18: duplicate key 'primary' in [standby]"},
  };
  for (size_t i = 0; i < sizeof(sb_bad) / sizeof(sb_bad[0]); i++) {
    snprintf(text, sizeof(text), "%s[standby]\n%s\n", base, sb_bad[i].add);
    assert_int_equal(parse(text, &err), GS_ERR_CONFIG);
    if (sb_bad[i].msg != NULL) {
      assert_string_equal(err.msg, sb_bad[i].msg);
    }
  }
  /* the primary's presence is an XMPP matter */
  snprintf(text, sizeof(text), "%s[standby]\nprimary = cc@localhost\n", good_cc);
  assert_int_equal(parse(text, &err), GS_ERR_CONFIG);
  assert_non_null(strstr(err.msg, "'standby.primary' needs [transport] type = xmpp"));
  gs_cfg_transport tcp = GS_CFG_TRANSPORT_TCP;
  snprintf(text, sizeof(text), "%s[standby]\nprimary = cc@localhost\n", base);
  assert_int_equal(parse(text, &err), GS_OK);
  assert_int_equal(gs_cfg_override(cfg, &tcp, NULL, &err), GS_ERR_CONFIG);
}

static void test_long_line_and_nul(void **state) {
  (void)state;
  char text[2100];
  memset(text, 'a', sizeof(text));
  memcpy(text, "[node]\n", 7);
  text[sizeof(text) - 1] = '\0';
  gs_cfg_error err;
  assert_int_equal(parse(text, &err), GS_ERR_CONFIG);
  assert_string_equal(err.msg, "cc.conf:2: line longer than 1024 characters");
  assert_int_equal(err.line, 2);
  const char withnul[] = "[node]\nrole = c\0c\n";
  assert_int_equal(gs_cfg_parse(cfg, "x.conf", NULL, withnul, sizeof(withnul) - 1, &err),
                   GS_ERR_CONFIG);
  assert_string_equal(err.msg, "x.conf:2: NUL character in line");
}

static void test_load_file(void **state) {
  (void)state;
  gs_cfg_error err;
  assert_int_equal(gs_cfg_load(cfg, "/nonexistent/dir/cc.conf", &err), GS_ERR_IO);
  assert_string_equal(err.msg, "/nonexistent/dir/cc.conf: cannot open: No such file or directory");
  char path[] = "/tmp/gs-test-config-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fputs(min_der, f);
  fclose(f);
  assert_int_equal(gs_cfg_load(cfg, path, &err), GS_OK);
  assert_string_equal(cfg->id.cert, "/tmp/e.crt");
  assert_string_equal(cfg->transport.listen, "127.0.0.1:0");
  remove(path);
}

/* The names the configuration prints are the algorithms' own names. */
static void test_names(void **state) {
  (void)state;
  assert_string_equal(gs_cfg_aead_name(GS_AEAD_AES256_GCM), gs_alg_name(GS_ALG_AES256_GCM));
  assert_string_equal(gs_cfg_aead_name(GS_AEAD_AES128_GCM), gs_alg_name(GS_ALG_AES128_GCM));
  assert_string_equal(gs_cfg_aead_name(GS_AEAD_CHACHA20_POLY1305),
                      gs_alg_name(GS_ALG_CHACHA20_POLY1305));
  assert_string_equal(gs_cfg_cipher_name(GS_CIPHER_AES256_CBC), gs_alg_name(GS_ALG_AES256_CBC));
  assert_string_equal(gs_cfg_cipher_name(GS_CIPHER_AES128_CBC), gs_alg_name(GS_ALG_AES128_CBC));
  assert_string_equal(gs_cfg_hash_name(GS_HASH_SHA256), gs_alg_name(GS_ALG_HMAC_SHA256));
  assert_string_equal(gs_cfg_hash_name(GS_HASH_SHA384), gs_alg_name(GS_ALG_HMAC_SHA384));
  assert_string_equal(gs_cfg_mode_name(GS_OFFER_ETM), "encrypt-then-mac");
  assert_string_equal(gs_cfg_replay_name(GS_REPLAY_MODE_WINDOW), "window");
  assert_string_equal(gs_cfg_encryption_name(GS_ENCR_FORBIDDEN), "forbidden");
  assert_string_equal(gs_cfg_hash_name((gs_hash_alg)0), "unknown");
}

static void ci_add(gs_cert_info *ci, gs_identity_kind k, const char *v, const char *role) {
  if (v != NULL) {
    ci->identities[ci->n_identities].kind = k;
    snprintf(ci->identities[ci->n_identities++].value, GS_MAX_NAME_LEN, "%s", v);
  }
  if (role != NULL) {
    snprintf(ci->roles[ci->n_roles++], sizeof(ci->roles[0]), "%s", role);
  }
}

/* The configured policy as the DER applies it: typed allow-list AND
 * required roles; [roles] replaces a role's operations. */
static void test_authz_policy_der(void **state) {
  (void)state;
  static const char text[] = HEAD IDENT TAIL "[security]\n"
                                             "allowed_peers = uri:urn:gridseal:cc, "
                                             "xmpp:cc@localhost\n"
                                             "required_roles = OPERATOR, VIEWER\n"
                                             "[roles]\n"
                                             "VIEWER = none\n"
                                             "CUSTOM = settings\n";
  gs_cfg_error err;
  assert_int_equal(parse(text, &err), GS_OK);
  gs_authz *a = NULL;
  char msg[256];
  assert_int_equal(gs_cfg_authz(cfg, &a, msg, sizeof(msg)), GS_OK);
  gs_cert_info op, viewer, uri_as_xmpp, no_role, other;
  memset(&op, 0, sizeof(op));
  memset(&viewer, 0, sizeof(viewer));
  memset(&uri_as_xmpp, 0, sizeof(uri_as_xmpp));
  memset(&no_role, 0, sizeof(no_role));
  memset(&other, 0, sizeof(other));
  ci_add(&op, GS_ID_URI, "urn:gridseal:cc", "OPERATOR");
  ci_add(&viewer, GS_ID_XMPP, "cc@localhost", "VIEWER");
  ci_add(&uri_as_xmpp, GS_ID_XMPP, "urn:gridseal:cc", "OPERATOR");
  ci_add(&no_role, GS_ID_URI, "urn:gridseal:cc", NULL);
  ci_add(&other, GS_ID_URI, "urn:gridseal:der2", "OPERATOR");
  assert_int_equal(gs_authz_admits(a, &op), GS_OK);
  assert_int_equal(gs_authz_admits(a, &viewer), GS_OK);
  assert_int_equal(gs_authz_admits(a, &uri_as_xmpp), GS_ERR_NOT_AUTHORIZED);
  assert_int_equal(gs_authz_admits(a, &no_role), GS_ERR_NOT_AUTHORIZED);
  assert_int_equal(gs_authz_admits(a, &other), GS_ERR_NOT_AUTHORIZED);
  assert_int_equal(gs_authz_check(a, &other, GS_ROLE_RESPONDER), GS_HS_PEER_NOT_AUTHORIZED);
  assert_true(gs_authz_permits(a, &op, GS_AUTHZ_WRITE_SETPOINT));
  assert_false(gs_authz_permits(a, &viewer, GS_AUTHZ_READ)); /* VIEWER = none */
  gs_cert_info custom;
  memset(&custom, 0, sizeof(custom));
  ci_add(&custom, GS_ID_URI, "urn:gridseal:cc", "CUSTOM");
  assert_true(gs_authz_permits(a, &custom, GS_AUTHZ_WRITE_SETTINGS));
  assert_false(gs_authz_permits(a, &custom, GS_AUTHZ_READ));
  gs_authz_free(a);

  /* allow_any_peer = yes admits any validated peer. */
  static const char any[] = HEAD IDENT TAIL "[security]\nallow_any_peer = yes\n";
  assert_int_equal(parse(any, &err), GS_OK);
  assert_true(cfg->security.allow_any_peer);
  assert_int_equal(gs_cfg_authz(cfg, &a, msg, sizeof(msg)), GS_OK);
  assert_int_equal(gs_authz_admits(a, &other), GS_OK);
  gs_authz_free(a);
}

/* A control center without allowed_peers admits its [der NAME] identities,
 * by type; with allowed_peers, only those. */
static void test_authz_policy_cc(void **state) {
  (void)state;
  static const char text[] = "[node]\nrole = cc\nname = cc\nidentity = urn:gridseal:cc\n" IDENT
                             "[der d1]\nidentity = urn:gridseal:der1\nconnect = 127.0.0.1:1\n"
                             "[der d2]\nidentity = der2@localhost/IEC\nconnect = 127.0.0.1:2\n";
  gs_cfg_error err;
  assert_int_equal(parse(text, &err), GS_OK);
  gs_authz *a = NULL;
  char msg[256];
  assert_int_equal(gs_cfg_authz(cfg, &a, msg, sizeof(msg)), GS_OK);
  assert_int_equal(gs_authz_n_identities(a), 2);
  gs_cert_info d1, d2, d2_uri, d3;
  memset(&d1, 0, sizeof(d1));
  memset(&d2, 0, sizeof(d2));
  memset(&d2_uri, 0, sizeof(d2_uri));
  memset(&d3, 0, sizeof(d3));
  ci_add(&d1, GS_ID_URI, "urn:gridseal:der1", NULL);
  ci_add(&d2, GS_ID_XMPP, "der2@localhost", NULL);
  ci_add(&d2_uri, GS_ID_URI, "der2@localhost", NULL);
  ci_add(&d3, GS_ID_URI, "urn:gridseal:der3", NULL);
  assert_int_equal(gs_authz_admits(a, &d1), GS_OK);
  assert_int_equal(gs_authz_admits(a, &d2), GS_OK);
  assert_int_equal(gs_authz_admits(a, &d2_uri), GS_ERR_NOT_AUTHORIZED);
  assert_int_equal(gs_authz_admits(a, &d3), GS_ERR_NOT_AUTHORIZED);
  gs_authz_free(a);

  char with[1024];
  snprintf(with, sizeof(with), "%s[security]\nallowed_peers = uri:urn:gridseal:der3\n", text);
  assert_int_equal(parse(with, &err), GS_OK);
  assert_int_equal(gs_cfg_authz(cfg, &a, msg, sizeof(msg)), GS_OK);
  assert_int_equal(gs_authz_admits(a, &d1), GS_ERR_NOT_AUTHORIZED);
  assert_int_equal(gs_authz_admits(a, &d3), GS_OK);
  gs_authz_free(a);
}

static void test_ops_text(void **state) {
  (void)state;
  char t[64];
  gs_cfg_ops_text(0, t, sizeof(t));
  assert_string_equal(t, "none");
  gs_cfg_ops_text(GS_AUTHZ_READ | GS_AUTHZ_WRITE_SETTINGS, t, sizeof(t));
  assert_string_equal(t, "read, settings");
  gs_cfg_ops_text(GS_AUTHZ_ALL_OPS, t, sizeof(t));
  assert_string_equal(t, "read, setpoint, settings");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_file),        cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_derived_defaults), cmocka_unit_test(test_override_replay_default),
      cmocka_unit_test(test_errors),           cmocka_unit_test(test_long_line_and_nul),
      cmocka_unit_test(test_load_file),        cmocka_unit_test(test_names),
      cmocka_unit_test(test_authz_policy_der), cmocka_unit_test(test_authz_policy_cc),
      cmocka_unit_test(test_ops_text),         cmocka_unit_test(test_http_section),
      cmocka_unit_test(test_session_timers),   cmocka_unit_test(test_standby_section),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
