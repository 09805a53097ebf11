/* Round trips of every SecPDU type (lib/pdu_*.c): decode(encode(x)) == x
 * field by field and encode(decode(b)) == b, for the reference PDUs of
 * tests/common/pdu_samples.c and every OPTIONAL / CHOICE / SIZE shape; the
 * signed and MACed content slices; and the encoders' own validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "der_internal.h"
#include "gridseal/unstable/pdu.h"
#include "pdu_samples.h"

static uint8_t buf[70000];
static uint8_t buf2[70000];

#define STR(s) ((gs_slice){(const uint8_t *)(s), sizeof(s) - 1})

static void eq_slice(gs_slice a, gs_slice b) {
  assert_int_equal(a.len, b.len);
  if (a.len > 0) {
    assert_memory_equal(a.ptr, b.ptr, a.len);
  }
}

static void eq_algid(const gs_algid *want, const gs_algid *got) {
  gs_slice oid = want->oid;
  if (oid.ptr == NULL) {
    oid.ptr = gs_alg_oid(want->alg, &oid.len);
  }
  eq_slice(oid, got->oid);
  assert_int_equal(want->alg == GS_ALG_UNKNOWN ? gs_alg_from_oid(oid.ptr, oid.len) : want->alg,
                   got->alg);
  assert_int_equal(want->params_null, got->params_null);
}

static void eq_algs(const gs_algid *a, const gs_algid *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    eq_algid(&a[i], &b[i]);
  }
}

static void eq_encr_mode(const gs_encr_mode *a, const gs_encr_mode *b) {
  assert_int_equal(a->kind, b->kind);
  if (a->kind == GS_ENCR_MODE_AEAD) {
    assert_int_equal(a->n_aead, b->n_aead);
    eq_algs(a->aead, b->aead, a->n_aead);
    return;
  }
  assert_int_equal(a->has_encr, b->has_encr);
  if (a->has_encr) {
    assert_int_equal(a->n_encr, b->n_encr);
    eq_algs(a->encr, b->encr, a->n_encr);
  }
  assert_int_equal(a->n_icv, b->n_icv);
  eq_algs(a->icv, b->icv, a->n_icv);
}

static void eq_paths(const gs_slice *a, size_t na, const gs_slice *b, size_t nb) {
  assert_int_equal(na, nb);
  for (size_t i = 0; i < na; i++) {
    eq_slice(a[i], b[i]);
  }
}

static void eq_tbs_hs(const gs_tbs_handshake *a, const gs_tbs_handshake *b) {
  const gs_token1 *x = &a->token1, *y = &b->token1;
  eq_slice(a->pp, b->pp);
  assert_int_equal(a->has_appl_data, b->has_appl_data);
  if (a->has_appl_data) {
    eq_slice(a->appl_data, b->appl_data);
  }
  eq_algid(&x->sig_alg, &y->sig_alg);
  eq_slice(x->pk_cert, y->pk_cert);
  eq_paths(x->cert_path, x->n_cert_path, y->cert_path, y->n_cert_path);
  assert_int_equal(x->version, y->version);
  eq_slice(x->asso_id, y->asso_id);
  assert_int_equal(x->n_dh, y->n_dh);
  for (size_t i = 0; i < x->n_dh; i++) {
    assert_int_equal(x->dh[i].group, y->dh[i].group);
    eq_slice(x->dh[i].public_key, y->dh[i].public_key);
  }
  eq_algid(&x->hmac, &y->hmac);
  assert_true(x->time == y->time);
  eq_encr_mode(&x->encr_mode, &y->encr_mode);
  assert_int_equal(x->conf_params, y->conf_params);
  assert_int_equal(x->has_att_cert, y->has_att_cert);
  if (x->has_att_cert) {
    eq_slice(x->att_cert, y->att_cert);
  }
  assert_int_equal(x->has_responder, y->has_responder);
  if (x->has_responder) {
    assert_int_equal(x->responder_kind, y->responder_kind);
    eq_slice(x->responder, y->responder);
  }
}

static void eq_token2(const gs_token2 *a, const gs_token2 *b) {
  eq_slice(a->asso_id, b->asso_id);
  assert_true(a->time == b->time);
  assert_int_equal(a->seq, b->seq);
  assert_int_equal(a->has_iv, b->has_iv);
  if (a->has_iv) {
    eq_slice(a->iv, b->iv);
  }
  assert_int_equal(a->has_rekey, b->has_rekey);
  if (a->has_rekey) {
    eq_slice(a->rekey, b->rekey);
  }
  assert_int_equal(a->req_rekey, b->req_rekey);
  assert_int_equal(a->changed_key, b->changed_key);
}

static void eq_tbs_notice(const gs_tbs_notice *a, const gs_tbs_notice *b) {
  const gs_token3 *x = &a->token3, *y = &b->token3;
  eq_algid(&x->sig_alg, &y->sig_alg);
  assert_int_equal(x->version, y->version);
  eq_slice(x->asso_id, y->asso_id);
  assert_true(x->time == y->time);
  assert_int_equal(x->has_pk_cert, y->has_pk_cert);
  if (x->has_pk_cert) {
    eq_slice(x->pk_cert, y->pk_cert);
  }
  eq_paths(x->cert_path, x->n_cert_path, y->cert_path, y->n_cert_path);
  assert_int_equal(x->has_binding, y->has_binding);
  if (x->has_binding) {
    eq_slice(x->binding, y->binding);
  }
  assert_int_equal(a->has_diag, b->has_diag);
  if (a->has_diag) {
    assert_int_equal(a->diag, b->diag);
  }
  assert_int_equal(a->has_appl_data, b->has_appl_data);
  if (a->has_appl_data) {
    eq_slice(a->appl_data, b->appl_data);
  }
}

static void eq_pdu(const gs_secpdu *a, const gs_secpdu *b) {
  assert_int_equal(a->kind, b->kind);
  if (a->kind <= GS_PDU_HANDSHAKE_ACC) {
    eq_tbs_hs(&a->u.hs.tbs, &b->u.hs.tbs);
    eq_slice(a->u.hs.sign, b->u.hs.sign);
  } else if (gs_pdu_is_notice(a->kind)) {
    eq_tbs_notice(&a->u.notice.tbs, &b->u.notice.tbs);
    eq_slice(a->u.notice.sign, b->u.notice.sign);
  } else {
    eq_token2(&a->u.xfer.tbp.token2, &b->u.xfer.tbp.token2);
    eq_slice(a->u.xfer.tbp.appl_data, b->u.xfer.tbp.appl_data);
    assert_int_equal(a->u.xfer.has_auth, b->u.xfer.has_auth);
    if (a->u.xfer.has_auth) {
      eq_algid(&a->u.xfer.auth.algorithm, &b->u.xfer.auth.algorithm);
      eq_slice(a->u.xfer.auth.icv, b->u.xfer.auth.icv);
    }
  }
}

/* A slice lies inside buf[0..n). */
static void inside(gs_slice s, const uint8_t *b, size_t n) {
  assert_true(s.ptr >= b && s.ptr + s.len <= b + n);
}

/* The standalone encoder of the signed / MACed part gives exactly the bytes
 * whose content the decoder pointed at. */
static void check_content_slices(const gs_secpdu *d, const uint8_t *b, size_t n) {
  size_t m = 0;
  gs_slice c;
  if (d->kind <= GS_PDU_HANDSHAKE_ACC) {
    inside(d->u.hs.tbs_content, b, n);
    assert_int_equal(gs_tbs_handshake_encode(&d->u.hs.tbs, buf2, sizeof(buf2), &m), GS_OK);
    assert_int_equal(gs_der_content(buf2, m, &c), GS_OK);
    eq_slice(c, d->u.hs.tbs_content);
    gs_tbs_handshake t;
    assert_int_equal(gs_tbs_handshake_decode(&t, buf2, m), GS_OK);
    eq_tbs_hs(&d->u.hs.tbs, &t);
  } else if (gs_pdu_is_notice(d->kind)) {
    inside(d->u.notice.tbs_content, b, n);
    assert_int_equal(gs_tbs_notice_encode(&d->u.notice.tbs, buf2, sizeof(buf2), &m), GS_OK);
    assert_int_equal(gs_der_content(buf2, m, &c), GS_OK);
    eq_slice(c, d->u.notice.tbs_content);
    gs_tbs_notice t;
    assert_int_equal(gs_tbs_notice_decode(&t, buf2, m), GS_OK);
    eq_tbs_notice(&d->u.notice.tbs, &t);
  } else {
    const gs_transfer *x = &d->u.xfer;
    inside(x->tbp_content, b, n);
    inside(x->tbp.token2_content, x->tbp_content.ptr, x->tbp_content.len);
    assert_int_equal(gs_tbp_encode(&x->tbp, buf2, sizeof(buf2), &m), GS_OK);
    assert_int_equal(gs_der_content(buf2, m, &c), GS_OK);
    eq_slice(c, x->tbp_content);
    gs_tbp t;
    assert_int_equal(gs_tbp_decode(&t, buf2, m), GS_OK);
    eq_token2(&x->tbp.token2, &t.token2);
    eq_slice(t.token2_content, x->tbp.token2_content);
    assert_int_equal(gs_token2_encode(&x->tbp.token2, buf2, sizeof(buf2), &m), GS_OK);
    assert_int_equal(gs_der_content(buf2, m, &c), GS_OK);
    eq_slice(c, x->tbp.token2_content);
    gs_token2 t2;
    assert_int_equal(gs_token2_decode(&t2, buf2, m), GS_OK);
    eq_token2(&x->tbp.token2, &t2);
  }
}

/* encode -> decode -> compare -> re-encode -> same bytes. */
static size_t round_trip(const gs_secpdu *p) {
  size_t n = 0, n2 = 0;
  gs_secpdu d;
  assert_int_equal(gs_secpdu_encode(p, buf, sizeof(buf), &n), GS_OK);
  assert_int_equal(buf[0], 0xA0 + (unsigned)p->kind);
  assert_int_equal(gs_secpdu_decode(&d, buf, n), GS_OK);
  eq_pdu(p, &d);
  check_content_slices(&d, buf, n);
  assert_int_equal(gs_secpdu_encode(&d, buf2, sizeof(buf2), &n2), GS_OK);
  assert_int_equal(n, n2);
  assert_memory_equal(buf, buf2, n);
  /* a buffer one octet short fails cleanly */
  assert_int_equal(gs_secpdu_encode(p, buf2, n - 1, &n2), GS_ERR_BUFFER_TOO_SMALL);
  return n;
}

static void test_every_kind(void **state) {
  (void)state;
  for (int k = GS_PDU_HANDSHAKE_REQ; k <= GS_PDU_ENCR_TRANSFER; k++) {
    gs_secpdu p;
    gs_sample_secpdu(&p, (gs_pdu_kind)k);
    round_trip(&p);
  }
  gs_secpdu p;
  gs_sample_encr_transfer_etm(&p);
  round_trip(&p);
  gs_sample_encr_transfer_aead(&p);
  round_trip(&p);
}

/* gs_transfer_layout_encode + the caller's applData and Authenticator give
 * exactly the bytes of gs_secpdu_encode, for every data PDU shape. */
static void layout_matches(const gs_secpdu *p) {
  static uint8_t t2[1024], auth[256], out[70000];
  const gs_transfer *x = &p->u.xfer;
  size_t want_len = 0, t2_len = 0, auth_len = 0;
  gs_transfer_layout lay;
  assert_int_equal(gs_secpdu_encode(p, buf, sizeof(buf), &want_len), GS_OK);
  assert_int_equal(gs_token2_encode(&x->tbp.token2, t2, sizeof(t2), &t2_len), GS_OK);
  if (x->has_auth) {
    assert_int_equal(gs_authenticator_encode(&x->auth, auth, sizeof(auth), &auth_len), GS_OK);
  }
  size_t appl = x->tbp.appl_data.len;
  memset(out, 0xA5, sizeof(out));
  assert_int_equal(
      gs_transfer_layout_encode(p->kind, t2, t2_len, appl, auth_len, out, sizeof(out), &lay),
      GS_OK);
  assert_int_equal(lay.len, want_len);
  if (appl > 0) {
    memcpy(out + lay.appl_off, x->tbp.appl_data.ptr, appl);
  }
  memcpy(out + lay.auth_off, auth, auth_len);
  assert_memory_equal(out, buf, want_len);
  gs_secpdu d;
  assert_int_equal(gs_secpdu_decode(&d, out, lay.len), GS_OK);
  assert_ptr_equal(d.u.xfer.tbp_content.ptr, out + lay.tbp_off);
  assert_int_equal(d.u.xfer.tbp_content.len, lay.tbp_len);
  /* one octet short of room, a wrong kind, a ClearTransfer without ICV */
  assert_int_equal(
      gs_transfer_layout_encode(p->kind, t2, t2_len, appl, auth_len, out, lay.len - 1, &lay),
      GS_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(gs_transfer_layout_encode(GS_PDU_RELEASE_REQ, t2, t2_len, appl, auth_len, out,
                                             sizeof(out), &lay),
                   GS_ERR_INVALID_ARG);
  assert_int_equal(
      gs_transfer_layout_encode(GS_PDU_CLEAR_TRANSFER, t2, t2_len, appl, 0, out, sizeof(out), &lay),
      GS_ERR_INVALID_ARG);
}

static void test_transfer_layout(void **state) {
  (void)state;
  static uint8_t big[300];
  gs_secpdu p;
  gs_sample_secpdu(&p, GS_PDU_CLEAR_TRANSFER);
  layout_matches(&p);
  gs_sample_encr_transfer_etm(&p);
  layout_matches(&p);
  gs_sample_encr_transfer_aead(&p);
  layout_matches(&p);
  p.u.xfer.tbp.appl_data.ptr = big; /* long-form lengths at every level */
  p.u.xfer.tbp.appl_data.len = sizeof(big);
  layout_matches(&p);
  p.u.xfer.tbp.appl_data.len = 0;
  layout_matches(&p);
}

static void test_handshake_shapes(void **state) {
  (void)state;
  static uint8_t certs[8][300];
  gs_secpdu p;
  gs_sample_handshake_req(&p);
  gs_token1 *t = &p.u.hs.tbs.token1;
  /* minimal: no certPath, no attCert, no responder, no applData, confParams empty */
  t->n_cert_path = 0;
  t->has_att_cert = false;
  t->has_responder = false;
  p.u.hs.tbs.has_appl_data = false;
  t->conf_params = 0;
  round_trip(&p);
  /* maximal: certPath 8, 4 DH offers, attCert, applData, all bits, NULL params */
  t->n_cert_path = 8;
  for (int i = 0; i < 8; i++) {
    memset(certs[i], 0x30 + i, sizeof(certs[i]));
    t->cert_path[i] = (gs_slice){certs[i], sizeof(certs[i]) - (size_t)i};
  }
  t->n_dh = 4;
  t->dh[2] = (gs_dhkey){GS_DH_MODP2048, {certs[0], 256}};
  t->dh[3] = (gs_dhkey){GS_DH_P384, {certs[1], 97}};
  t->has_att_cert = true;
  t->att_cert = (gs_slice){certs[2], 10};
  t->has_responder = true; /* after attCert, 255 octets: long-form length */
  t->responder_kind = GS_ID_URI;
  memset(certs[7], 'u', 255);
  t->responder = (gs_slice){certs[7], 255};
  p.u.hs.tbs.has_appl_data = true;
  p.u.hs.tbs.appl_data = (gs_slice){NULL, 0}; /* empty applData is allowed */
  t->conf_params = GS_CONF_TLS_PROTECTED | GS_CONF_APPL_PROTECTED | GS_CONF_VPN;
  /* a profile algorithm has one encoding: the encoder refuses a NULL */
  size_t nn = 0;
  t->sig_alg.params_null = true;
  assert_int_equal(gs_secpdu_encode(&p, buf, sizeof(buf), &nn), GS_ERR_DER_BAD_PARAMS);
  t->sig_alg.params_null = false;
  t->hmac.params_null = true;
  assert_int_equal(gs_secpdu_encode(&p, buf, sizeof(buf), &nn), GS_ERR_DER_BAD_PARAMS);
  t->hmac.params_null = false;
  /* an OID the profile does not know (aes128-CCM) may carry NULL */
  static const uint8_t ccm[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x07};
  t->encr_mode.aead[1] = (gs_algid){GS_ALG_UNKNOWN, {ccm, sizeof(ccm)}, true};
  round_trip(&p);
  /* one DH key, one cert */
  t->n_dh = 1;
  t->n_cert_path = 1;
  t->conf_params = GS_CONF_VPN;
  round_trip(&p);
  /* every encrMode shape */
  gs_encr_mode *m = &t->encr_mode;
  m->n_aead = 8;
  for (int i = 0; i < 8; i++) {
    m->aead[i] = (gs_algid){(gs_alg)(GS_ALG_AES128_GCM + i % 3), {NULL, 0}, false};
  }
  m->aead[5] = (gs_algid){GS_ALG_UNKNOWN, {ccm, sizeof(ccm)}, true};
  round_trip(&p);
  memset(m, 0, sizeof(*m));
  m->kind = GS_ENCR_MODE_NON_AEAD;
  m->has_encr = true;
  m->n_encr = 2;
  m->encr[0].alg = GS_ALG_AES256_CBC;
  m->encr[1].alg = GS_ALG_AES128_CBC;
  m->n_icv = 2;
  m->icv[0].alg = GS_ALG_HMAC_SHA256;
  m->icv[1].alg = GS_ALG_HMAC_SHA384;
  round_trip(&p);
  m->has_encr = false; /* integrity only */
  m->n_encr = 0;
  m->n_icv = 1;
  size_t n = round_trip(&p);
  gs_encr_mode back;
  /* find the standalone encoding of encrMode: [1] { [1] { AlgId } } */
  const uint8_t want[] = {0xA1, 0x0E, 0xA1, 0x0C, 0x30, 0x0A, 0x06, 0x08,
                          0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x09};
  assert_int_equal(gs_encr_mode_decode(&back, want, sizeof(want)), GS_OK);
  eq_encr_mode(m, &back);
  bool found = false;
  for (size_t i = 0; i + sizeof(want) <= n && !found; i++) {
    found = memcmp(buf + i, want, sizeof(want)) == 0;
  }
  assert_true(found);
  /* an OID the profile does not know round-trips as raw octets */
  const uint8_t odd_oid[] = {0x2a, 0x03, 0x04, 0x81, 0x00};
  t->sig_alg.alg = GS_ALG_UNKNOWN;
  t->sig_alg.oid = (gs_slice){odd_oid, sizeof(odd_oid)};
  round_trip(&p);
  /* version is kept as decoded (the engine checks it is 1) */
  t->version = UINT32_MAX;
  p.kind = GS_PDU_HANDSHAKE_ACC;
  t->asso_id = STR("999:999");
  round_trip(&p);
}

static void test_transfer_and_notice_shapes(void **state) {
  (void)state;
  gs_secpdu p;
  gs_sample_clear_transfer(&p);
  gs_token2 *t2 = &p.u.xfer.tbp.token2;
  t2->seq = 0;
  t2->time = 0;
  p.u.xfer.tbp.appl_data = (gs_slice){NULL, 0};
  round_trip(&p);
  t2->seq = GS_MAX_SEQ;
  t2->time = 253402300799999LL;
  t2->req_rekey = true;
  round_trip(&p);
  t2->req_rekey = false;
  t2->changed_key = true;
  t2->has_rekey = true;
  t2->rekey = STR("rekey");
  size_t nn = 0;
  p.u.xfer.auth.algorithm.params_null = true; /* not hmacWithSHA256's encoding */
  assert_int_equal(gs_secpdu_encode(&p, buf, sizeof(buf), &nn), GS_ERR_DER_BAD_PARAMS);
  p.u.xfer.auth.algorithm.params_null = false;
  round_trip(&p);
  gs_sample_encr_transfer_etm(&p);
  p.u.xfer.tbp.token2.has_iv = false;
  round_trip(&p);
  for (int k = GS_PDU_APPLICATION_REJECT; k <= GS_PDU_RELEASE_RSP; k++) {
    gs_sample_notice(&p, (gs_pdu_kind)k);
    gs_tbs_notice *tbs = &p.u.notice.tbs;
    tbs->has_diag = true;
    tbs->diag = k == 4 ? -1 : k == 5 ? INT32_MAX : k == 6 ? INT32_MIN : 0;
    round_trip(&p);
    tbs->has_diag = false;
    tbs->has_appl_data = false;
    tbs->token3.has_pk_cert = false;
    tbs->token3.n_cert_path = 0;
    tbs->token3.has_binding = false;
    round_trip(&p);
    tbs->token3.has_pk_cert = true;
    tbs->token3.n_cert_path = 8;
    for (int i = 0; i < 8; i++) {
      tbs->token3.cert_path[i] = gs_sample_cert(100 + 10 * (size_t)i, (unsigned)i % 4);
    }
    tbs->token3.has_binding = true;
    tbs->token3.asso_id = STR("7");
    round_trip(&p);
  }
}

static void test_golden_bytes(void **state) {
  (void)state;
  gs_token2 t;
  memset(&t, 0, sizeof(t));
  t.asso_id = STR("1:2");
  t.time = 1795548600000LL;
  t.seq = 5;
  size_t n;
  const uint8_t want[] = {0x30, 0x19, 0x13, 0x03, '1', ':', '2',  0x18, 0x0f,
                          '2',  '0',  '2',  '6',  '1', '1', '2',  '4',  '1',
                          '9',  '3',  '0',  '0',  '0', 'Z', 0x02, 0x01, 0x05};
  assert_int_equal(gs_token2_encode(&t, buf, sizeof(buf), &n), GS_OK);
  assert_int_equal(n, sizeof(want));
  assert_memory_equal(buf, want, n);
  gs_algid a;
  const uint8_t aes[] = {0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48,
                         0x01, 0x65, 0x03, 0x04, 0x01, 0x2e};
  assert_int_equal(gs_algid_decode(&a, aes, sizeof(aes)), GS_OK);
  assert_int_equal(a.alg, GS_ALG_AES256_GCM);
  assert_false(a.params_null);
  const uint8_t aes_null[] = {0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                              0x65, 0x03, 0x04, 0x01, 0x2e, 0x05, 0x00};
  /* a profile algorithm: exactly its canonical encoding, no added NULL */
  assert_int_equal(gs_algid_decode(&a, aes_null, sizeof(aes_null)), GS_ERR_DER_BAD_PARAMS);
  assert_int_equal(gs_algid_canonical(GS_ALG_AES256_GCM, buf, sizeof(buf), &n), GS_OK);
  assert_int_equal(n, sizeof(aes));
  assert_memory_equal(buf, aes, n);
  /* an OID the profile does not know (aes128-CCM) may carry NULL */
  const uint8_t ccm_null[] = {0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                              0x65, 0x03, 0x04, 0x01, 0x07, 0x05, 0x00};
  assert_int_equal(gs_algid_decode(&a, ccm_null, sizeof(ccm_null)), GS_OK);
  assert_int_equal(a.alg, GS_ALG_UNKNOWN);
  assert_true(a.params_null);
  gs_der_writer w;
  gs_der_writer_init(&w, buf, sizeof(buf));
  gs_pdu_write_algid(&w, &a);
  assert_int_equal(gs_der_writer_finish(&w, &n), GS_OK);
  assert_int_equal(n, sizeof(ccm_null));
  assert_memory_equal(buf, ccm_null, n);
  gs_slice c;
  assert_int_equal(gs_der_content(aes, sizeof(aes), &c), GS_OK);
  assert_ptr_equal(c.ptr, aes + 2);
  assert_int_equal(c.len, 11);
  assert_int_equal(gs_der_content(aes, sizeof(aes) - 1, &c), GS_ERR_DER_TRUNCATED);
  assert_int_equal(gs_der_content(aes_null, sizeof(aes_null), &c), GS_OK);
}

static int enc(const gs_secpdu *p) {
  size_t n;
  return gs_secpdu_encode(p, buf, sizeof(buf), &n);
}

static void test_encoder_validates(void **state) {
  (void)state;
  static uint8_t big[65600];
  gs_secpdu p;
  gs_sample_handshake_req(&p);
  gs_token1 *t = &p.u.hs.tbs.token1;
  const char *bad_ids[] = {"1234", "1:", ":1", "a", "1:2:3", "", "1:2345", "12 "};
  for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
    t->asso_id = (gs_slice){(const uint8_t *)bad_ids[i], strlen(bad_ids[i])};
    assert_int_equal(enc(&p), GS_ERR_DER_BAD_ASSOID);
  }
  gs_sample_handshake_req(&p);
  p.u.hs.tbs.pp = STR("");
  assert_int_equal(enc(&p), GS_ERR_DER_BAD_SIZE);
  p.u.hs.tbs.pp = STR("123456789012345678901234567890123");
  assert_int_equal(enc(&p), GS_ERR_DER_BAD_SIZE);
  p.u.hs.tbs.pp = STR("IEC61850*8");
  assert_int_equal(enc(&p), GS_ERR_DER_BAD_STRING);
  gs_sample_handshake_req(&p);
  t->n_dh = 0;
  assert_int_equal(enc(&p), GS_ERR_DER_BAD_SIZE);
  t->n_dh = 5;
  assert_int_equal(enc(&p), GS_ERR_DER_BAD_SIZE);
  gs_sample_handshake_req(&p);
  t->n_cert_path = 9;
  assert_int_equal(enc(&p), GS_ERR_DER_BAD_SIZE);
  gs_sample_handshake_req(&p);
  t->encr_mode.n_aead = 0;
  assert_int_equal(enc(&p), GS_ERR_DER_BAD_SIZE);
  t->encr_mode.n_aead = 9;
  assert_int_equal(enc(&p), GS_ERR_DER_BAD_SIZE);
  gs_sample_handshake_req(&p);
  t->time = -1;
  assert_int_equal(enc(&p), GS_ERR_DER_BAD_TIME);
  t->time = 253402300800000LL;
  assert_int_equal(enc(&p), GS_ERR_DER_BAD_TIME);
  gs_sample_handshake_req(&p);
  t->conf_params = 0x08;
  assert_int_equal(enc(&p), GS_ERR_DER_BAD_BIT_STRING);
  gs_sample_handshake_req(&p);
  t->hmac.alg = GS_ALG_UNKNOWN;
  assert_int_equal(enc(&p), GS_ERR_UNSUPPORTED_ALG);
  const uint8_t bad_oid[] = {0x2a, 0x80, 0x01};
  t->hmac.oid = (gs_slice){bad_oid, sizeof(bad_oid)};
  assert_int_equal(enc(&p), GS_ERR_DER_BAD_OID);
  gs_sample_handshake_req(&p);
  p.u.hs.tbs.appl_data = (gs_slice){big, sizeof(big)};
  assert_int_equal(enc(&p), GS_ERR_DER_TOO_LARGE);
  p.kind = (gs_pdu_kind)11;
  assert_int_equal(enc(&p), GS_ERR_INVALID_ARG);

  gs_sample_clear_transfer(&p);
  p.u.xfer.tbp.token2.seq = GS_MAX_SEQ + 1u;
  assert_int_equal(enc(&p), GS_ERR_DER_INTEGER_RANGE);
  gs_sample_clear_transfer(&p);
  p.u.xfer.tbp.token2.asso_id = STR("12"); /* token2 needs "c:s" */
  assert_int_equal(enc(&p), GS_ERR_DER_BAD_ASSOID);
  gs_sample_clear_transfer(&p);
  p.u.xfer.has_auth = false; /* ClearTransfer.auth is mandatory */
  assert_int_equal(enc(&p), GS_ERR_INVALID_ARG);
  gs_sample_notice(&p, GS_PDU_RELEASE_REQ);
  p.u.notice.tbs.token3.n_cert_path = 9;
  assert_int_equal(enc(&p), GS_ERR_DER_BAD_SIZE);
  gs_sample_notice(&p, GS_PDU_RELEASE_REQ);
  p.u.notice.sign = (gs_slice){NULL, 3};
  assert_int_equal(enc(&p), GS_ERR_INVALID_ARG);
  size_t n;
  assert_int_equal(gs_secpdu_encode(NULL, buf, sizeof(buf), &n), GS_ERR_INVALID_ARG);
  gs_secpdu d;
  assert_int_equal(gs_secpdu_decode(&d, NULL, 5), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_secpdu_decode(&d, buf, 0), GS_ERR_DER_TRUNCATED);
}

static void test_assoid_and_names(void **state) {
  (void)state;
  struct {
    const char *s;
    int any, full, init;
  } rows[] = {{"1", 0, -1, 0},       {"123", 0, -1, 0},     {"1:2", 0, 0, -1},
              {"123:456", 0, 0, -1}, {"012:000", 0, 0, -1}, {"1234", -1, -1, -1},
              {"1:", -1, -1, -1},    {":1", -1, -1, -1},    {"a", -1, -1, -1},
              {"1:2:3", -1, -1, -1}, {"", -1, -1, -1},      {"1:2345", -1, -1, -1},
              {" 1", -1, -1, -1},    {"1::2", -1, -1, -1},  {"+1", -1, -1, -1}};
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    const uint8_t *s = (const uint8_t *)rows[i].s;
    size_t n = strlen(rows[i].s);
    int e = GS_ERR_DER_BAD_ASSOID;
    assert_int_equal(gs_assoid_check(s, n, false, false), rows[i].any ? e : GS_OK);
    assert_int_equal(gs_assoid_check(s, n, true, false), rows[i].full ? e : GS_OK);
    assert_int_equal(gs_assoid_check(s, n, false, true), rows[i].init ? e : GS_OK);
  }
  assert_string_equal(gs_pdu_kind_name(GS_PDU_HANDSHAKE_REQ), "handshakeReq");
  assert_string_equal(gs_pdu_kind_name(GS_PDU_ENCR_TRANSFER), "encrTransfer");
  assert_string_equal(gs_pdu_kind_name((gs_pdu_kind)11), "unknown");
  assert_false(gs_pdu_is_notice(GS_PDU_HANDSHAKE_ACC));
  assert_true(gs_pdu_is_notice(GS_PDU_APPLICATION_REJECT));
  assert_true(gs_pdu_is_notice(GS_PDU_RELEASE_RSP));
  assert_false(gs_pdu_is_notice(GS_PDU_CLEAR_TRANSFER));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_kind),       cmocka_unit_test(test_transfer_layout),
      cmocka_unit_test(test_handshake_shapes), cmocka_unit_test(test_transfer_and_notice_shapes),
      cmocka_unit_test(test_golden_bytes),     cmocka_unit_test(test_encoder_validates),
      cmocka_unit_test(test_assoid_and_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
