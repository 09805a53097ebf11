/* gs_pki API: the cache (hits avoid re-parsing, invalidation on anchor and
 * CRL changes, CRL reload revoking a cached certificate, a cached
 * certificate expiring at a later `now`), reference counts, the validator
 * vtable, gs_pki_load_cert_file for PEM and DER, and bad input. Uses the
 * certificates gen-certs.sh writes (GS_PKI_CASES). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gridseal/crypto_openssl.h"
#include "gridseal/pki.h"

#define NOW_MS 1748736000000LL /* 2025-06-01T00:00:00Z, the table's time */

static const char *dir;
static gs_crypto *crypto;

static const char *p(const char *name) {
  static char buf[4][1024];
  static int i;
  i = (i + 1) % 4;
  snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
  return buf[i];
}

static gs_slice der(const char *name) {
  uint8_t *d = NULL;
  size_t n = 0;
  assert_int_equal(gs_pki_load_cert_file(p(name), &d, &n), GS_OK);
  return (gs_slice){d, n};
}

static gs_pki *pki_with(const char *anchor, const char *crl) {
  gs_pki *pki = NULL;
  assert_int_equal(gs_pki_new(crypto, &pki), GS_OK);
  assert_int_equal(gs_pki_add_anchor_file(pki, p(anchor)), GS_OK);
  if (crl != NULL) {
    assert_int_equal(gs_pki_add_crl_file(pki, p(crl)), GS_OK);
  }
  return pki;
}

static void stats_are(gs_pki *pki, uint64_t hits, uint64_t misses, uint64_t entries) {
  gs_pki_stats st;
  gs_pki_get_stats(pki, &st);
  assert_int_equal(st.hits, hits);
  assert_int_equal(st.misses, misses);
  assert_int_equal(st.entries, entries);
}

static void test_cache_hit_and_refcount(void **state) {
  (void)state;
  gs_pki *pki = pki_with("root.pem", NULL);
  gs_slice leaf = der("ok_p256.der");
  const gs_cert_info *a = NULL, *b = NULL;
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, NOW_MS, &a), GS_OK);
  stats_are(pki, 0, 1, 1);
  /* the hit returns the same immutable info without parsing again */
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, NOW_MS + 5000, &b), GS_OK);
  stats_are(pki, 1, 1, 1);
  assert_ptr_equal(a, b);
  assert_int_equal(a->sig_alg, GS_SIG_ECDSA_SHA256);
  assert_non_null(a->pubkey);
  assert_string_equal(a->subject, "CN=ok_p256,O=gridseal test");
  /* references outlive the cache and the gs_pki */
  gs_pki_set_cache(pki, false);
  stats_are(pki, 1, 1, 0);
  assert_string_equal(a->identities[0].value, "alice@grid.example");
  gs_pki_release(pki, a);
  gs_pki_free(pki);
  assert_int_equal(b->identities[0].kind, GS_ID_XMPP);
  gs_pki_release(NULL, b);
  free((void *)leaf.ptr);
}

static void test_cache_disabled(void **state) {
  (void)state;
  gs_pki *pki = pki_with("root.pem", NULL);
  gs_pki_set_cache(pki, false);
  gs_slice leaf = der("ok_p256.der");
  for (int i = 0; i < 3; i++) {
    const gs_cert_info *a = NULL;
    assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, NOW_MS, &a), GS_OK);
    gs_pki_release(pki, a);
  }
  stats_are(pki, 0, 3, 0);
  gs_pki_free(pki);
  free((void *)leaf.ptr);
}

/* The path is part of the key: the same leaf with another path is a miss. */
static void test_cache_key_covers_path(void **state) {
  (void)state;
  gs_pki *pki = pki_with("root.pem", NULL);
  gs_slice leaf = der("ok_via_int.der"), in = der("int.der"), bad = der("int_expired.der");
  const gs_cert_info *a = NULL;
  assert_int_equal(gs_pki_validate(pki, leaf, &in, 1, NULL, NOW_MS, &a), GS_OK);
  gs_pki_release(pki, a);
  assert_int_equal(gs_pki_validate(pki, leaf, &bad, 1, NULL, NOW_MS, &a), GS_ERR_CERT_UNTRUSTED);
  assert_null(a);
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, NOW_MS, &a), GS_ERR_CERT_UNTRUSTED);
  stats_are(pki, 0, 3, 1);
  gs_pki_free(pki);
  free((void *)leaf.ptr);
  free((void *)in.ptr);
  free((void *)bad.ptr);
}

/* A cache hit never accepts what a fresh validation rejects at that time. */
static void test_cache_expiry(void **state) {
  (void)state;
  gs_pki *pki = pki_with("root.pem", NULL);
  gs_slice leaf = der("edge.der"); /* notAfter 2025-06-01T00:00:00Z */
  const gs_cert_info *a = NULL;
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, NOW_MS - 60000, &a), GS_OK);
  gs_pki_release(pki, a);
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, NOW_MS - 1000, &a), GS_OK);
  gs_pki_release(pki, a);
  stats_are(pki, 1, 1, 1);
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, NOW_MS, &a), GS_ERR_CERT_EXPIRED);
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, NOW_MS + 86400000, &a),
                   GS_ERR_CERT_EXPIRED);
  /* before notBefore (2025-01-01) the cached entry does not apply either */
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, 1704067200000LL, &a),
                   GS_ERR_CERT_NOT_YET_VALID);
  stats_are(pki, 1, 4, 1);
  gs_pki_free(pki);
  free((void *)leaf.ptr);
}

/* The intermediate expires before the leaf: the cached chain's earliest
 * notAfter bounds the hit (int_expired ends 2025-01-01). */
static void test_cache_chain_expiry(void **state) {
  (void)state;
  gs_pki *pki = pki_with("root.pem", NULL);
  gs_slice leaf = der("via_int_expired.der"), in = der("int_expired.der");
  const gs_cert_info *a = NULL;
  gs_time_ms early = 1704067200000LL + 86400000; /* 2024-01-02 */
  assert_int_equal(gs_pki_validate(pki, leaf, &in, 1, NULL, early, &a), GS_OK);
  gs_pki_release(pki, a);
  assert_int_equal(gs_pki_validate(pki, leaf, &in, 1, NULL, NOW_MS, &a), GS_ERR_CERT_EXPIRED);
  stats_are(pki, 0, 2, 1);
  gs_pki_free(pki);
  free((void *)leaf.ptr);
  free((void *)in.ptr);
}

static void test_invalidation_on_anchor_change(void **state) {
  (void)state;
  gs_pki *pki = pki_with("root.pem", NULL);
  gs_slice leaf = der("ok_p256.der");
  const gs_cert_info *a = NULL;
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, NOW_MS, &a), GS_OK);
  stats_are(pki, 0, 1, 1);
  assert_int_equal(gs_pki_add_anchor_file(pki, p("root2.pem")), GS_OK);
  stats_are(pki, 0, 1, 0);
  /* the info handed out before stays valid until released */
  assert_string_equal(a->identities[1].value, "urn:gridseal:dev:1");
  gs_pki_release(pki, a);
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, NOW_MS, &a), GS_OK);
  gs_pki_release(pki, a);
  stats_are(pki, 0, 2, 1);
  gs_pki_free(pki);
  free((void *)leaf.ptr);
}

/* Reloading CRLs while running turns a cached valid certificate into a
 * revoked one; a failed reload keeps the previous CRLs. */
static void test_crl_reload_revokes(void **state) {
  (void)state;
  gs_pki *pki = pki_with("croot.pem", "croot_old.crl");
  gs_slice leaf = der("c_rev.der");
  const gs_cert_info *a = NULL;
  gs_time_ms t = 1714521600000LL; /* 2024-05-01, inside croot_old.crl */
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, t, &a), GS_OK);
  gs_pki_release(pki, a);
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, t, &a), GS_OK);
  gs_pki_release(pki, a);
  stats_are(pki, 1, 1, 1);
  /* after the CRL's nextUpdate the cached verdict does not apply */
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, NOW_MS, &a), GS_ERR_CRL_EXPIRED);
  const char *bad[] = {p("croot.crl"), p("nonexistent.crl")};
  assert_int_equal(gs_pki_reload_crls(pki, bad, 2), GS_ERR_IO);
  stats_are(pki, 1, 2, 1);
  const char *good[] = {p("croot.crl")};
  assert_int_equal(gs_pki_reload_crls(pki, good, 1), GS_OK);
  stats_are(pki, 1, 2, 0);
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, NOW_MS, &a), GS_ERR_CERT_REVOKED);
  assert_null(a);
  /* no CRLs at all: CRL checking is off again */
  assert_int_equal(gs_pki_reload_crls(pki, NULL, 0), GS_OK);
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, NOW_MS, &a), GS_OK);
  gs_pki_release(pki, a);
  gs_pki_free(pki);
  free((void *)leaf.ptr);
}

/* SIGHUP reload: a second gs_pki built from the new files is swapped in;
 * a live association's peer (a certificate info handed out before) is
 * checked again under the new CRL and found revoked, while a good
 * certificate still validates. */
static void test_swap_trust_and_recheck(void **state) {
  (void)state;
  gs_pki *live = pki_with("croot.pem", NULL);
  gs_slice rev = der("c_rev.der"), ok = der("c_ok.der");
  const gs_cert_info *peer = NULL, *b = NULL;
  assert_int_equal(gs_pki_validate(live, rev, NULL, 0, NULL, NOW_MS, &peer), GS_OK);
  assert_int_equal(gs_pki_recheck(live, peer, NOW_MS), GS_OK);
  gs_pki *fresh = pki_with("croot.pem", "croot.crl");
  assert_int_equal(gs_pki_crl_count(live), 0);
  assert_int_equal(gs_pki_swap_trust(live, fresh), GS_OK);
  assert_int_equal(gs_pki_crl_count(live), 1);
  assert_int_equal(gs_pki_crl_count(fresh), 0);
  assert_int_equal(gs_pki_anchor_count(live), 1);
  /* the info handed out before stays readable; its certificate is now revoked */
  assert_true(peer->subject[0] != '\0');
  assert_int_equal(gs_pki_recheck(live, peer, NOW_MS), GS_ERR_CERT_REVOKED);
  /* the old set (no CRL) is now fresh's: there it is still good */
  assert_int_equal(gs_pki_recheck(fresh, peer, NOW_MS), GS_OK);
  assert_int_equal(gs_pki_validate(live, rev, NULL, 0, NULL, NOW_MS, &b), GS_ERR_CERT_REVOKED);
  assert_int_equal(gs_pki_validate(live, ok, NULL, 0, NULL, NOW_MS, &b), GS_OK);
  assert_int_equal(gs_pki_recheck(live, b, NOW_MS), GS_OK);
  gs_pki_release(live, b);
  gs_pki_free(fresh);
  /* what is loaded */
  gs_pki_crl_info ci;
  assert_int_equal(gs_pki_crl_get(live, 0, &ci), GS_OK);
  assert_non_null(strstr(ci.issuer, "CN="));
  assert_int_equal(ci.this_update, 1735689600000LL); /* 2025-01-01 */
  assert_int_equal(ci.next_update, 1767225600000LL); /* 2026-01-01 */
  assert_true(ci.n_revoked >= 1);
  assert_int_equal(gs_pki_crl_get(live, 1, &ci), GS_ERR_INVALID_ARG);
  gs_pki_cert_summary sum, anchor;
  assert_int_equal(gs_pki_cert_summary_get(rev.ptr, rev.len, &sum), GS_OK);
  assert_string_equal(sum.serial, peer->serial);
  assert_true(strlen(sum.serial) > 0);
  assert_string_equal(sum.subject, peer->subject);
  assert_int_equal(sum.not_after, peer->not_after);
  assert_int_equal(gs_pki_anchor_get(live, 0, &anchor), GS_OK);
  assert_string_equal(anchor.subject, ci.issuer);
  assert_true(anchor.not_after > anchor.not_before);
  assert_int_equal(gs_pki_anchor_get(live, 1, &anchor), GS_ERR_INVALID_ARG);
  uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
  assert_int_equal(gs_pki_cert_summary_get(junk, sizeof junk, &sum), GS_ERR_CERT_PARSE);
  assert_int_equal(gs_pki_swap_trust(live, live), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_pki_swap_trust(live, NULL), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_pki_recheck(live, NULL, NOW_MS), GS_ERR_INVALID_ARG);
  gs_pki_release(live, peer);
  gs_pki_free(live);
  free((void *)rev.ptr);
  free((void *)ok.ptr);
}

static void test_validator_vtable(void **state) {
  (void)state;
  gs_pki *pki = pki_with("root.pem", NULL);
  gs_validator v = gs_pki_validator(pki);
  gs_slice leaf = der("ok_ed.der");
  const gs_cert_info *a = NULL;
  assert_int_equal(v.validate(v.ctx, leaf, NULL, 0, NULL, NOW_MS, &a), GS_OK);
  assert_int_equal(a->sig_alg, GS_SIG_ED25519);
  v.release(v.ctx, a);
  gs_pki_free(pki);
  free((void *)leaf.ptr);
}

static void test_load_cert_file(void **state) {
  (void)state;
  uint8_t *a = NULL, *b = NULL;
  size_t al = 0, bl = 0;
  assert_int_equal(gs_pki_load_cert_file(p("ok_p256.pem"), &a, &al), GS_OK);
  assert_int_equal(gs_pki_load_cert_file(p("ok_p256.der"), &b, &bl), GS_OK);
  assert_int_equal(al, bl);
  assert_memory_equal(a, b, al);
  free(a);
  free(b);
  assert_int_equal(gs_pki_load_cert_file(p("missing.pem"), &a, &al), GS_ERR_IO);
  assert_null(a);
  assert_int_equal(gs_pki_load_cert_file(p("cases.tsv"), &a, &al), GS_ERR_CERT_PARSE);
  assert_int_equal(gs_pki_load_cert_file(p("root.key"), &a, &al), GS_ERR_CERT_PARSE);
  assert_int_equal(gs_pki_load_cert_file(NULL, &a, &al), GS_ERR_INVALID_ARG);
}

static void test_bad_input(void **state) {
  (void)state;
  gs_pki *pki = NULL;
  assert_int_equal(gs_pki_new(NULL, &pki), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_pki_new(crypto, NULL), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_pki_new(crypto, &pki), GS_OK);
  gs_slice leaf = der("ok_p256.der");
  const gs_cert_info *a = NULL;
  /* no anchors yet */
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, NOW_MS, &a), GS_ERR_CERT_UNTRUSTED);
  static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
  assert_int_equal(gs_pki_add_anchor(pki, junk, sizeof junk), GS_ERR_CERT_PARSE);
  assert_int_equal(gs_pki_add_anchor(pki, (const uint8_t *)"nothing", 7), GS_ERR_CERT_PARSE);
  assert_int_equal(gs_pki_add_anchor(pki, NULL, 0), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_pki_add_crl(pki, junk, sizeof junk), GS_ERR_CRL_INVALID);
  assert_int_equal(gs_pki_add_anchor_file(pki, p("missing.pem")), GS_ERR_IO);
  assert_int_equal(gs_pki_add_crl_file(pki, p("missing.crl")), GS_ERR_IO);
  /* several anchors in one PEM */
  assert_int_equal(gs_pki_add_anchor_file(pki, p("root2.pem")), GS_OK);
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, NOW_MS, &a), GS_ERR_CERT_UNTRUSTED);
  assert_int_equal(gs_pki_validate(NULL, leaf, NULL, 0, NULL, NOW_MS, &a), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_pki_validate(pki, (gs_slice){NULL, 0}, NULL, 0, NULL, NOW_MS, &a),
                   GS_ERR_INVALID_ARG);
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 1, NULL, NOW_MS, &a), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, NOW_MS, NULL), GS_ERR_INVALID_ARG);
  gs_slice many[GS_MAX_CERT_PATH + 1];
  for (size_t i = 0; i < GS_MAX_CERT_PATH + 1; i++) {
    many[i] = leaf;
  }
  assert_int_equal(gs_pki_validate(pki, leaf, many, GS_MAX_CERT_PATH + 1, NULL, NOW_MS, &a),
                   GS_ERR_CERT_PATH_TOO_LONG);
  gs_slice cut = {leaf.ptr, leaf.len - 1};
  assert_int_equal(gs_pki_validate(pki, cut, NULL, 0, NULL, NOW_MS, &a), GS_ERR_CERT_PARSE);
  gs_pki_release(pki, NULL);
  gs_pki_free(NULL);
  gs_pki_free(pki);
  free((void *)leaf.ptr);
}

/* Anchors from one PEM holding several certificates. */
static void test_pem_bundle(void **state) {
  (void)state;
  char bundle[1024];
  snprintf(bundle, sizeof bundle, "%s/work/bundle.pem", dir);
  FILE *out = fopen(bundle, "w");
  assert_non_null(out);
  const char *parts[] = {"root2.pem", "root.pem"};
  for (int i = 0; i < 2; i++) {
    FILE *in = fopen(p(parts[i]), "r");
    assert_non_null(in);
    int c;
    while ((c = fgetc(in)) != EOF) {
      fputc(c, out);
    }
    fclose(in);
  }
  fclose(out);
  gs_pki *pki = NULL;
  assert_int_equal(gs_pki_new(crypto, &pki), GS_OK);
  assert_int_equal(gs_pki_add_anchor_file(pki, bundle), GS_OK);
  gs_slice leaf = der("ok_p256.der");
  const gs_cert_info *a = NULL;
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, NOW_MS, &a), GS_OK);
  gs_pki_release(pki, a);
  gs_pki_free(pki);
  free((void *)leaf.ptr);
}

/* The purpose policy is part of every verdict: changing it empties the
 * cache, so a verdict made under the other policy is never reused. */
static void test_purpose_policy_change(void **state) {
  (void)state;
  gs_pki *pki = pki_with("root.pem", NULL);
  gs_slice leaf = der("eku_client.der");
  const gs_cert_info *info = NULL;
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, NOW_MS, &info), GS_ERR_CERT_PURPOSE);
  assert_null(info);
  gs_pki_config cfg;
  gs_pki_config_init(&cfg);
  assert_false(cfg.accept_client_auth_eku);
  cfg.accept_client_auth_eku = true;
  assert_int_equal(gs_pki_configure(pki, &cfg), GS_OK);
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, NOW_MS, &info), GS_OK);
  gs_pki_release(pki, info);
  stats_are(pki, 0, 2, 1);
  gs_pki_config_init(&cfg);
  assert_int_equal(gs_pki_configure(pki, &cfg), GS_OK);
  stats_are(pki, 0, 2, 0);
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, NULL, NOW_MS, &info), GS_ERR_CERT_PURPOSE);
  assert_int_equal(gs_pki_configure(NULL, &cfg), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_pki_configure(pki, NULL), GS_ERR_INVALID_ARG);
  free((void *)leaf.ptr);
  gs_pki_free(pki);
}

int main(void) {
  dir = getenv("GS_PKI_CASES");
  if (dir == NULL || gs_ossl_crypto_new(&crypto) != GS_OK) {
    fprintf(stderr, "GS_PKI_CASES not set (run through ctest) or no provider\n");
    return 1;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cache_hit_and_refcount),
      cmocka_unit_test(test_cache_disabled),
      cmocka_unit_test(test_cache_key_covers_path),
      cmocka_unit_test(test_cache_expiry),
      cmocka_unit_test(test_cache_chain_expiry),
      cmocka_unit_test(test_invalidation_on_anchor_change),
      cmocka_unit_test(test_crl_reload_revokes),
      cmocka_unit_test(test_swap_trust_and_recheck),
      cmocka_unit_test(test_validator_vtable),
      cmocka_unit_test(test_load_cert_file),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_pem_bundle),
      cmocka_unit_test(test_purpose_policy_change),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  gs_ossl_crypto_free(crypto);
  return rc;
}
