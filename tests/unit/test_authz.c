/* The authorization policy (include/gridseal/authz.h): typed identity
 * matching, required roles, the default IEC 62351-8 operation map for every
 * role, the configurable map and the engine callback's answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gridseal/authz.h"

static void add_id(gs_cert_info *ci, gs_identity_kind k, const char *v) {
  gs_identity *id = &ci->identities[ci->n_identities++];
  id->kind = k;
  snprintf(id->value, sizeof(id->value), "%s", v);
}

static void add_role(gs_cert_info *ci, const char *r) {
  snprintf(ci->roles[ci->n_roles++], sizeof(ci->roles[0]), "%s", r);
}

static gs_identity ident(gs_identity_kind k, const char *v) {
  gs_identity id;
  memset(&id, 0, sizeof(id));
  id.kind = k;
  snprintf(id.value, sizeof(id.value), "%s", v);
  return id;
}

static gs_authz *policy(void) {
  gs_authz *a = NULL;
  assert_int_equal(gs_authz_new(&a), GS_OK);
  assert_non_null(a);
  return a;
}

static void test_empty_policy_is_closed(void **st) {
  (void)st;
  gs_authz *a = policy();
  gs_cert_info peer;
  memset(&peer, 0, sizeof(peer));
  add_id(&peer, GS_ID_URI, "urn:gridseal:cc");
  add_role(&peer, "OPERATOR");
  assert_int_equal(gs_authz_admits(a, &peer), GS_ERR_NOT_AUTHORIZED);
  assert_int_equal(gs_authz_check(a, &peer, GS_ROLE_RESPONDER), GS_HS_PEER_NOT_AUTHORIZED);
  assert_int_equal(gs_authz_allow_any(a, true), GS_OK);
  assert_true(gs_authz_any(a));
  assert_int_equal(gs_authz_admits(a, &peer), GS_OK);
  assert_int_equal(gs_authz_check(a, &peer, GS_ROLE_INITIATOR), 0);
  /* No peer is never admitted, not even by allow-any. */
  assert_int_equal(gs_authz_admits(a, NULL), GS_ERR_NOT_AUTHORIZED);
  assert_int_equal(gs_authz_check(a, NULL, GS_ROLE_RESPONDER), GS_HS_PEER_NOT_AUTHORIZED);
  assert_int_equal(gs_authz_check(NULL, &peer, GS_ROLE_RESPONDER), GS_HS_PEER_NOT_AUTHORIZED);
  assert_int_equal(gs_authz_admits(NULL, &peer), GS_ERR_INVALID_ARG);
  gs_authz_free(a);
}

/* An xmppAddr never matches a URI or a dNSName of the same text. */
static void test_identity_matched_by_type(void **st) {
  (void)st;
  gs_authz *a = policy();
  gs_identity x = ident(GS_ID_XMPP, "cc@localhost");
  assert_int_equal(gs_authz_allow_identity(a, &x), GS_OK);
  assert_int_equal(gs_authz_allow_identity(a, &x), GS_OK); /* kept once */
  assert_int_equal(gs_authz_n_identities(a), 1);

  gs_cert_info uri, dns, xmpp, other;
  memset(&uri, 0, sizeof(uri));
  memset(&dns, 0, sizeof(dns));
  memset(&xmpp, 0, sizeof(xmpp));
  memset(&other, 0, sizeof(other));
  add_id(&uri, GS_ID_URI, "cc@localhost");
  add_id(&dns, GS_ID_DNS, "cc@localhost");
  add_id(&xmpp, GS_ID_URI, "urn:gridseal:cc");
  add_id(&xmpp, GS_ID_XMPP, "cc@localhost");
  add_id(&other, GS_ID_XMPP, "cc@localhost.evil");
  assert_int_equal(gs_authz_admits(a, &uri), GS_ERR_NOT_AUTHORIZED);
  assert_int_equal(gs_authz_admits(a, &dns), GS_ERR_NOT_AUTHORIZED);
  assert_int_equal(gs_authz_admits(a, &other), GS_ERR_NOT_AUTHORIZED);
  assert_int_equal(gs_authz_admits(a, &xmpp), GS_OK);

  gs_identity u = ident(GS_ID_URI, "urn:gridseal:der1");
  gs_identity d = ident(GS_ID_DNS, "der1.example");
  assert_int_equal(gs_authz_allow_identity(a, &u), GS_OK);
  assert_int_equal(gs_authz_allow_identity(a, &d), GS_OK);
  gs_cert_info p;
  memset(&p, 0, sizeof(p));
  add_id(&p, GS_ID_XMPP, "urn:gridseal:der1"); /* right text, wrong type */
  add_id(&p, GS_ID_URI, "der1.example");
  assert_int_equal(gs_authz_admits(a, &p), GS_ERR_NOT_AUTHORIZED);
  add_id(&p, GS_ID_DNS, "der1.example");
  assert_int_equal(gs_authz_admits(a, &p), GS_OK);
  /* Exact value: no prefix, no case folding. */
  gs_cert_info q;
  memset(&q, 0, sizeof(q));
  add_id(&q, GS_ID_URI, "urn:gridseal:der");
  add_id(&q, GS_ID_URI, "URN:GRIDSEAL:DER1");
  assert_int_equal(gs_authz_admits(a, &q), GS_ERR_NOT_AUTHORIZED);
  const gs_identity *got = gs_authz_identity_at(a, 1);
  assert_non_null(got);
  assert_int_equal(got->kind, GS_ID_URI);
  assert_string_equal(got->value, "urn:gridseal:der1");
  assert_null(gs_authz_identity_at(a, 3));
  gs_authz_free(a);
}

static void test_identity_errors(void **st) {
  (void)st;
  gs_authz *a = policy();
  gs_identity e = ident(GS_ID_URI, "");
  assert_int_equal(gs_authz_allow_identity(a, &e), GS_ERR_INVALID_ARG);
  gs_identity k = ident((gs_identity_kind)9, "x");
  assert_int_equal(gs_authz_allow_identity(a, &k), GS_ERR_INVALID_ARG);
  gs_identity unterminated = ident(GS_ID_URI, "x");
  memset(unterminated.value, 'a', sizeof(unterminated.value));
  assert_int_equal(gs_authz_allow_identity(a, &unterminated), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_authz_allow_identity(NULL, &e), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_authz_allow_identity(a, NULL), GS_ERR_INVALID_ARG);
  for (unsigned i = 0; i < GS_AUTHZ_MAX_PEERS; i++) {
    char v[32];
    snprintf(v, sizeof(v), "urn:x:%u", i);
    gs_identity id = ident(GS_ID_URI, v);
    assert_int_equal(gs_authz_allow_identity(a, &id), GS_OK);
  }
  gs_identity one_more = ident(GS_ID_URI, "urn:x:more");
  assert_int_equal(gs_authz_allow_identity(a, &one_more), GS_ERR_LIMIT);
  assert_int_equal(gs_authz_n_identities(a), GS_AUTHZ_MAX_PEERS);
  assert_int_equal(gs_authz_new(NULL), GS_ERR_INVALID_ARG);
  gs_authz_free(a);
  gs_authz_free(NULL);
}

/* Required roles: any-of; together with an allow-list both must hold. */
static void test_required_roles(void **st) {
  (void)st;
  gs_authz *a = policy();
  assert_int_equal(gs_authz_require_role(a, "OPERATOR"), GS_OK);
  assert_int_equal(gs_authz_require_role(a, "ENGINEER"), GS_OK);
  assert_int_equal(gs_authz_n_required(a), 2);
  assert_string_equal(gs_authz_required_at(a, 1), "ENGINEER");
  gs_cert_info v, o, e, none, lower;
  memset(&v, 0, sizeof(v));
  memset(&o, 0, sizeof(o));
  memset(&e, 0, sizeof(e));
  memset(&none, 0, sizeof(none));
  memset(&lower, 0, sizeof(lower));
  add_id(&v, GS_ID_URI, "urn:gridseal:viewer");
  add_role(&v, "VIEWER");
  add_id(&o, GS_ID_URI, "urn:gridseal:op");
  add_role(&o, "VIEWER");
  add_role(&o, "OPERATOR");
  add_id(&e, GS_ID_URI, "urn:gridseal:eng");
  add_role(&e, "ENGINEER");
  add_id(&none, GS_ID_URI, "urn:gridseal:cc");
  add_role(&lower, "operator");
  assert_int_equal(gs_authz_admits(a, &v), GS_ERR_NOT_AUTHORIZED);
  assert_int_equal(gs_authz_admits(a, &none), GS_ERR_NOT_AUTHORIZED);
  assert_int_equal(gs_authz_admits(a, &lower), GS_ERR_NOT_AUTHORIZED);
  assert_int_equal(gs_authz_admits(a, &o), GS_OK);
  assert_int_equal(gs_authz_admits(a, &e), GS_OK);

  gs_identity id = ident(GS_ID_URI, "urn:gridseal:op");
  assert_int_equal(gs_authz_allow_identity(a, &id), GS_OK);
  assert_int_equal(gs_authz_admits(a, &o), GS_OK);
  assert_int_equal(gs_authz_admits(a, &e), GS_ERR_NOT_AUTHORIZED); /* role, not listed */
  gs_cert_info listed_no_role;
  memset(&listed_no_role, 0, sizeof(listed_no_role));
  add_id(&listed_no_role, GS_ID_URI, "urn:gridseal:op");
  assert_int_equal(gs_authz_admits(a, &listed_no_role), GS_ERR_NOT_AUTHORIZED);

  assert_int_equal(gs_authz_require_role(a, ""), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_authz_require_role(a, NULL), GS_ERR_INVALID_ARG);
  char longname[GS_AUTHZ_MAX_ROLE_NAME + 2];
  memset(longname, 'R', sizeof(longname) - 1);
  longname[sizeof(longname) - 1] = '\0';
  assert_int_equal(gs_authz_require_role(a, longname), GS_ERR_INVALID_ARG);
  for (unsigned i = 2; i < GS_AUTHZ_MAX_REQUIRED; i++) {
    char r[16];
    snprintf(r, sizeof(r), "R%u", i);
    assert_int_equal(gs_authz_require_role(a, r), GS_OK);
  }
  assert_int_equal(gs_authz_require_role(a, "OPERATOR"), GS_OK); /* already there */
  assert_int_equal(gs_authz_require_role(a, "ONE_MORE"), GS_ERR_LIMIT);
  gs_authz_free(a);
}

/* The default map, one row per IEC 62351-8 role. */
static void test_default_map_every_role(void **st) {
  (void)st;
  static const struct {
    const char *role;
    bool read, setpoint, settings;
  } rows[] = {
      {"VIEWER", true, false, false},   {"OPERATOR", true, true, false},
      {"ENGINEER", true, false, true},  {"INSTALLER", true, false, true},
      {"SECADM", true, false, false},   {"SECAUD", true, false, false},
      {"RBACMNT", true, false, false},  {"SECRECOVERY", false, false, false},
      {"ROLE_-3", false, false, false}, {"viewer", false, false, false},
  };
  gs_authz *a = policy();
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    gs_cert_info p;
    memset(&p, 0, sizeof(p));
    add_id(&p, GS_ID_URI, "urn:gridseal:someone");
    add_role(&p, rows[i].role);
    print_message("role %s\n", rows[i].role);
    assert_int_equal(gs_authz_permits(a, &p, GS_AUTHZ_READ), rows[i].read);
    assert_int_equal(gs_authz_permits(a, &p, GS_AUTHZ_WRITE_SETPOINT), rows[i].setpoint);
    assert_int_equal(gs_authz_permits(a, &p, GS_AUTHZ_WRITE_SETTINGS), rows[i].settings);
    gs_authz_ops want = (rows[i].read ? GS_AUTHZ_READ : 0) |
                        (rows[i].setpoint ? GS_AUTHZ_WRITE_SETPOINT : 0) |
                        (rows[i].settings ? GS_AUTHZ_WRITE_SETTINGS : 0);
    assert_int_equal(gs_authz_peer_ops(a, &p), want);
    assert_int_equal(gs_authz_role_ops(a, rows[i].role), want);
    assert_int_equal(gs_authz_default_role_ops(rows[i].role), want);
  }
  /* A peer without roles may do nothing; several roles add up. */
  gs_cert_info none, both;
  memset(&none, 0, sizeof(none));
  memset(&both, 0, sizeof(both));
  add_id(&none, GS_ID_URI, "urn:gridseal:cc");
  assert_false(gs_authz_permits(a, &none, GS_AUTHZ_READ));
  assert_int_equal(gs_authz_peer_ops(a, &none), 0);
  add_role(&both, "OPERATOR");
  add_role(&both, "INSTALLER");
  assert_int_equal(gs_authz_peer_ops(a, &both), GS_AUTHZ_ALL_OPS);
  assert_false(gs_authz_permits(a, NULL, GS_AUTHZ_READ));
  assert_false(gs_authz_permits(NULL, &both, GS_AUTHZ_READ));
  assert_false(gs_authz_permits(a, &both, (gs_authz_op)0));
  /* Admission does not depend on the map. */
  assert_int_equal(gs_authz_admits(a, &both), GS_ERR_NOT_AUTHORIZED);
  gs_authz_free(a);
}

static void test_map_configurable(void **st) {
  (void)st;
  gs_authz *a = policy();
  gs_cert_info op, custom;
  memset(&op, 0, sizeof(op));
  memset(&custom, 0, sizeof(custom));
  add_role(&op, "OPERATOR");
  add_role(&custom, "ROLE_-5");
  assert_true(gs_authz_permits(a, &op, GS_AUTHZ_WRITE_SETPOINT));
  assert_int_equal(gs_authz_set_role_ops(a, "OPERATOR", GS_AUTHZ_READ), GS_OK);
  assert_false(gs_authz_permits(a, &op, GS_AUTHZ_WRITE_SETPOINT));
  assert_true(gs_authz_permits(a, &op, GS_AUTHZ_READ));
  assert_int_equal(gs_authz_set_role_ops(a, "OPERATOR", 0), GS_OK);
  assert_false(gs_authz_permits(a, &op, GS_AUTHZ_READ));
  assert_false(gs_authz_permits(a, &custom, GS_AUTHZ_WRITE_SETTINGS));
  assert_int_equal(gs_authz_set_role_ops(a, "ROLE_-5", GS_AUTHZ_WRITE_SETTINGS), GS_OK);
  assert_true(gs_authz_permits(a, &custom, GS_AUTHZ_WRITE_SETTINGS));
  assert_false(gs_authz_permits(a, &custom, GS_AUTHZ_READ));
  /* The map lists defaults first, then the added role. */
  size_t n = gs_authz_n_role_map(a);
  assert_int_equal(n, 8);
  gs_authz_ops ops = 99;
  assert_string_equal(gs_authz_role_map_at(a, 0, &ops), "VIEWER");
  assert_int_equal(ops, GS_AUTHZ_READ);
  assert_string_equal(gs_authz_role_map_at(a, 1, &ops), "OPERATOR");
  assert_int_equal(ops, 0);
  assert_string_equal(gs_authz_role_map_at(a, 7, &ops), "ROLE_-5");
  assert_int_equal(ops, GS_AUTHZ_WRITE_SETTINGS);
  assert_null(gs_authz_role_map_at(a, 8, &ops));
  /* The defaults themselves are unchanged. */
  assert_int_equal(gs_authz_default_role_ops("OPERATOR"), GS_AUTHZ_READ | GS_AUTHZ_WRITE_SETPOINT);
  assert_int_equal(gs_authz_set_role_ops(a, "X", 1u << 7), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_authz_set_role_ops(a, "", GS_AUTHZ_READ), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_authz_set_role_ops(NULL, "X", GS_AUTHZ_READ), GS_ERR_INVALID_ARG);
  for (size_t i = n; i < GS_AUTHZ_MAX_ROLE_MAP; i++) {
    char r[16];
    snprintf(r, sizeof(r), "C%zu", i);
    assert_int_equal(gs_authz_set_role_ops(a, r, GS_AUTHZ_READ), GS_OK);
  }
  assert_int_equal(gs_authz_set_role_ops(a, "FULL", GS_AUTHZ_READ), GS_ERR_LIMIT);
  assert_int_equal(gs_authz_set_role_ops(a, "VIEWER", 0), GS_OK); /* existing: still fine */
  gs_authz_free(a);
}

static void test_names(void **st) {
  (void)st;
  assert_string_equal(gs_authz_op_name(GS_AUTHZ_READ), "read");
  assert_string_equal(gs_authz_op_name(GS_AUTHZ_WRITE_SETPOINT), "setpoint");
  assert_string_equal(gs_authz_op_name(GS_AUTHZ_WRITE_SETTINGS), "settings");
  assert_string_equal(gs_authz_op_name((gs_authz_op)8), "unknown");
  assert_string_equal(gs_authz_id_kind_name(GS_ID_XMPP), "xmpp");
  assert_string_equal(gs_authz_id_kind_name(GS_ID_URI), "uri");
  assert_string_equal(gs_authz_id_kind_name(GS_ID_DNS), "dns");
  assert_string_equal(gs_authz_id_kind_name((gs_identity_kind)0), "unknown");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_empty_policy_is_closed),
      cmocka_unit_test(test_identity_matched_by_type),
      cmocka_unit_test(test_identity_errors),
      cmocka_unit_test(test_required_roles),
      cmocka_unit_test(test_default_map_every_role),
      cmocka_unit_test(test_map_configurable),
      cmocka_unit_test(test_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
