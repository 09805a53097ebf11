/* Finding "the Authenticator's AlgorithmIdentifier lies outside the ICV"
 * (issue 12): the ICV covers tbp only, so a relay could add a NULL
 * parameter to the Authenticator's hmacWithSHA256 and the PDU still
 * verified and was delivered: a second, unauthenticated spelling of the
 * same PDU. Now every AlgorithmIdentifier of a profile algorithm must be
 * byte for byte its canonical encoding (docs/PROTOCOL.md §2, §8.1): the
 * altered PDU does not decode (GS_ERR_DER_BAD_PARAMS), is dropped and
 * counted under the malformed-PDU policy (§5.2), nothing is delivered, and
 * the genuine PDU is accepted afterwards. The same holds in a HandshakeReq
 * (sigAlg, hmac, the encrMode lists): dropped before any signature work. */
#include "sec_common.h"

#include "der_internal.h"

/* ---- a small DER rewriter: copy a TLV tree, appending NULL (05 00) to the
 * content of the constructed element that starts at absolute offset
 * `target`, every enclosing length re-encoded. */

static size_t hdr_parse(const uint8_t *p, size_t avail, size_t *clen) {
  if (avail < 2) {
    return 0;
  }
  if (p[1] < 0x80) {
    *clen = p[1];
    return 2;
  }
  size_t k = p[1] & 0x7f, n = 0;
  if (k == 0 || k > 3 || avail < 2 + k) {
    return 0;
  }
  for (size_t i = 0; i < k; i++) {
    n = (n << 8) | p[2 + i];
  }
  *clen = n;
  return 2 + k;
}

static size_t hdr_put(uint8_t *o, uint8_t tag, size_t n) {
  o[0] = tag;
  if (n < 0x80) {
    o[1] = (uint8_t)n;
    return 2;
  }
  if (n < 0x100) {
    o[1] = 0x81;
    o[2] = (uint8_t)n;
    return 3;
  }
  o[1] = 0x82;
  o[2] = (uint8_t)(n >> 8);
  o[3] = (uint8_t)n;
  return 4;
}

static size_t rewrite(const uint8_t *p, size_t len, size_t base, size_t target, uint8_t *out) {
  size_t off = 0, o = 0;
  while (off < len) {
    size_t clen = 0, h = hdr_parse(p + off, len - off, &clen);
    assert_true(h > 0 && off + h + clen <= len);
    if (p[off] & 0x20) {
      uint8_t *body = malloc(clen + 64);
      assert_non_null(body);
      size_t bl = rewrite(p + off + h, clen, base + off + h, target, body);
      if (base + off == target) {
        body[bl++] = 0x05;
        body[bl++] = 0x00;
      }
      o += hdr_put(out + o, p[off], bl);
      memcpy(out + o, body, bl);
      o += bl;
      free(body);
    } else {
      memcpy(out + o, p + off, h + clen);
      o += h + clen;
    }
    off += h + clen;
  }
  return o;
}

/* The offset of the last (first when !last) canonical AlgorithmIdentifier
 * of `alg` in pdu. */
static size_t find_algid(const uint8_t *pdu, size_t len, gs_alg alg, bool last) {
  uint8_t canon[32];
  size_t n = 0, at = SIZE_MAX;
  assert_int_equal(gs_algid_canonical(alg, canon, sizeof(canon), &n), GS_OK);
  for (size_t i = 0; i + n <= len; i++) {
    if (memcmp(pdu + i, canon, n) == 0) {
      at = i;
      if (!last) {
        break;
      }
    }
  }
  assert_true(at != SIZE_MAX);
  return at;
}

static uint8_t *with_null(const uint8_t *pdu, size_t len, size_t at, size_t *out_len) {
  uint8_t *out = malloc(len + 64);
  assert_non_null(out);
  *out_len = rewrite(pdu, len, 0, at, out);
  assert_true(*out_len >= len + 2 && *out_len <= len + 2 + 3); /* + NULL, longer lengths */
  return out;
}

/* The Authenticator with hmacWithSHA256 || NULL, both directions, in the
 * two modes that carry an Authenticator. */
static void test_authenticator_algid_null_param_no_longer_verifies(void **st) {
  (void)st;
  const gs_offer_mode modes[] = {GS_OFFER_ETM, GS_OFFER_INTEGRITY};
  for (size_t mi = 0; mi < 2; mi++) {
    for (int dir = 0; dir < 2; dir++) {
      rl_world w;
      sec_opts o = sec_defaults();
      o.offer = modes[mi];
      sec_up(&w, 940 + mi * 2 + (uint64_t)dir, &o);
      RL_EQ(&w, rl_send(&w, dir, 40), GS_OK);
      size_t len = 0;
      uint8_t *pdu = sec_copy(&w, dir, 0, &len);
      RL_EQ(&w, rl_kind(pdu, len),
            modes[mi] == GS_OFFER_ETM ? GS_PDU_ENCR_TRANSFER : GS_PDU_CLEAR_TRANSFER);
      /* the Authenticator's algorithm is the PDU's last AlgorithmIdentifier */
      size_t at = find_algid(pdu, len, GS_ALG_HMAC_SHA256, true);
      size_t blen = 0;
      uint8_t *bad = with_null(pdu, len, at, &blen);
      rl_log(&w, "authenticator algid + NULL at offset %zu, %zu -> %zu octets", at, len, blen);
      /* the ICV is unchanged, tbp is unchanged: only the parameter differs */
      gs_secpdu p;
      RL_EQ(&w, gs_secpdu_decode(&p, bad, blen), GS_ERR_DER_BAD_PARAMS);
      sec_malformed(&w, dir, bad, blen, GS_ERR_DER_BAD_PARAMS);
      free(bad);
      free(pdu);
      rl_free(&w);
    }
  }
}

/* The genuine PDU right after its altered copy is delivered: the drop
 * consumed nothing (strict mode, same seq). */
static void test_authenticator_algid_drop_consumes_nothing(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  o.offer = GS_OFFER_ETM;
  sec_up(&w, 950, &o);
  RL_EQ(&w, rl_send(&w, 0, 40), GS_OK);
  size_t len = 0, blen = 0;
  uint8_t *pdu = sec_copy(&w, 0, 0, &len);
  uint8_t *bad = with_null(pdu, len, find_algid(pdu, len, GS_ALG_HMAC_SHA256, true), &blen);
  uint32_t delivered = w.delivered;
  RL_EQ(&w, rl_feed(&w, 0, bad, blen, NULL), GS_ERR_DER_BAD_PARAMS);
  RL_EQ(&w, w.delivered, delivered);
  RL_EQ(&w, gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  RL_EQ(&w, rl_deliver(&w, 0, 0), GS_OK);
  RL_EQ(&w, w.delivered, delivered + 1);
  RL_EQ(&w, w.bad_deliveries, 0);
  free(bad);
  free(pdu);
  rl_free(&w);
}

/* A HandshakeReq whose sigAlg, hmac or an encrMode entry carries an added
 * NULL: refused by the decoder (GS_ERR_DER_BAD_PARAMS, GS_EV_MALFORMED),
 * no signature verified or made, no session, no reject. */
static void test_handshake_algids_canonical(void **st) {
  (void)st;
  const gs_alg algs[] = {GS_ALG_ECDSA_SHA256, GS_ALG_HMAC_SHA256, GS_ALG_AES256_GCM};
  for (size_t i = 0; i < 3; i++) {
    rl_world w;
    sec_opts o = sec_defaults();
    sec_prepare(&w, 960 + i, &o);
    RL_EQ(&w, rl_start(&w), GS_OK);
    RL_EQ(&w, rl_connect(&w), GS_OK);
    size_t len = 0, blen = 0;
    uint8_t *req = sec_copy(&w, 0, 0, &len);
    uint8_t *bad = with_null(req, len, find_algid(req, len, algs[i], false), &blen);
    rl_counts c0 = rl_counts_get();
    unsigned mal = rl_events(&w.b, GS_EV_MALFORMED);
    gs_session *s = NULL;
    int rc = gs_endpoint_receive_hs(w.b.ep, bad, blen, w.now, &s);
    rl_log(&w, "handshakeReq with %s || NULL: %s", gs_alg_name(algs[i]), gs_errname(rc));
    RL_EQ(&w, rc, GS_ERR_DER_BAD_PARAMS);
    RL_REQUIRE(&w, s == NULL);
    RL_EQ(&w, rl_events(&w.b, GS_EV_MALFORMED), mal + 1);
    rl_counts c1 = rl_counts_get();
    RL_EQ(&w, c1.verify - c0.verify, 0);
    RL_EQ(&w, c1.sign - c0.sign, 0);
    uint8_t out[8192];
    size_t n = 0;
    RL_EQ(&w, gs_endpoint_pop_output(w.b.ep, out, sizeof(out), &n), GS_ERR_NOT_FOUND);
    /* the genuine request is still accepted */
    RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, req, len, w.now, &w.sb), GS_OK);
    free(bad);
    free(req);
    rl_free(&w);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_authenticator_algid_null_param_no_longer_verifies),
      cmocka_unit_test(test_authenticator_algid_drop_consumes_nothing),
      cmocka_unit_test(test_handshake_algids_canonical),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
