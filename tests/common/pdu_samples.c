/* Reference SecPDUs of every kind (see pdu_samples.h). */
#include "pdu_samples.h"

#include <string.h>

#define SL(a) ((gs_slice){(a), sizeof(a)})
#define STR(s) ((gs_slice){(const uint8_t *)(s), sizeof(s) - 1})

/* Fake certificates: SEQUENCE { 0x5A... } of several sizes, built on
 * demand into static storage (4 distinct variants of up to 1024 octets). */
static uint8_t cert_store[4][1024];

gs_slice gs_sample_cert(size_t n, unsigned which) {
  uint8_t *c = cert_store[which % 4];
  if (n < 4) {
    n = 4;
  }
  if (n > sizeof(cert_store[0])) {
    n = sizeof(cert_store[0]);
  }
  size_t body = n - 4; /* 30 82 hi lo */
  c[0] = 0x30;
  c[1] = 0x82;
  c[2] = (uint8_t)(body >> 8);
  c[3] = (uint8_t)body;
  for (size_t i = 0; i < body; i++) {
    c[4 + i] = (uint8_t)(0x5A + which * 17 + i * 7);
  }
  return (gs_slice){c, n};
}

static const uint8_t p256_pub_a[65] = {
    0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5,
    0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4,
    0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a,
    0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33,
    0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5};
static const uint8_t p256_pub_b[65] = {
    0x04, 0x7c, 0xf2, 0x7b, 0x18, 0x8d, 0x03, 0x4f, 0x7e, 0x8a, 0x52, 0x38, 0x03,
    0x04, 0xb5, 0x1a, 0xc3, 0xc0, 0x89, 0x69, 0xe2, 0x77, 0xf2, 0x1b, 0x35, 0xa6,
    0x0b, 0x48, 0xfc, 0x47, 0x66, 0x99, 0x78, 0x07, 0x77, 0x55, 0x10, 0xdb, 0x8e,
    0xd0, 0x40, 0x29, 0x3d, 0x9a, 0xc6, 0x9f, 0x74, 0x30, 0xdb, 0xba, 0x7d, 0xad,
    0xe6, 0x3c, 0xe9, 0x82, 0x29, 0x9e, 0x04, 0xb7, 0x9d, 0x22, 0x78, 0x73, 0xd1};
static const uint8_t x25519_pub[32] = {
    0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d, 0xdc, 0xb4, 0x3e, 0xf7, 0x5a,
    0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4, 0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a};
/* An ECDSA-Sig-Value shaped signature (72 octets). */
static const uint8_t sig72[72] = {
    0x30, 0x46, 0x02, 0x21, 0x00, 0xc9, 0x3c, 0x1d, 0x1c, 0x2c, 0x5e, 0x9c, 0x41, 0x5a, 0x41,
    0x8f, 0x9a, 0x15, 0x4a, 0x90, 0xf7, 0x5f, 0xbf, 0x40, 0x2f, 0xc5, 0x76, 0x93, 0x1b, 0x8c,
    0x38, 0x7c, 0x44, 0x2b, 0x3e, 0x43, 0x1e, 0x02, 0x21, 0x00, 0xd4, 0x6c, 0x3b, 0x0e, 0x23,
    0x71, 0x62, 0x27, 0x90, 0x1a, 0x8f, 0x5c, 0xa2, 0x63, 0x9b, 0x2d, 0xbf, 0x4a, 0x79, 0x4d,
    0x59, 0xf4, 0x2e, 0x7c, 0x0b, 0x2a, 0x89, 0x3b, 0x8e, 0x31, 0x19, 0x01};
/* MMS Initiate-RequestPDU / -ResponsePDU shaped application data. */
static const uint8_t mms_init_req[] = {
    0xa8, 0x1c, 0x80, 0x03, 0x00, 0xfd, 0xe8, 0x81, 0x01, 0x05, 0x82, 0x01, 0x05, 0x83, 0x01, 0x0a,
    0xa4, 0x0f, 0x80, 0x01, 0x01, 0x81, 0x03, 0x05, 0xf1, 0x00, 0x82, 0x03, 0x04, 0x00, 0x01};
static const uint8_t mms_init_rsp[] = {0xa9, 0x1a, 0x80, 0x03, 0x00, 0xfd, 0xe8, 0x81, 0x01, 0x05,
                                       0x82, 0x01, 0x05, 0x83, 0x01, 0x0a, 0xa4, 0x0d, 0x80, 0x01,
                                       0x01, 0x81, 0x03, 0x05, 0xf1, 0x00, 0x82, 0x01, 0x04};
static const uint8_t mms_read_req[] = {0xa0, 0x16, 0x02, 0x01, 0x07, 0xa4, 0x11, 0xa1,
                                       0x0f, 0xa0, 0x0d, 0x30, 0x0b, 0xa0, 0x09, 0xa1,
                                       0x07, 0x80, 0x02, 'L',  'D',  0x81, 0x01, 'X'};
static const uint8_t mms_conclude[] = {0x8b, 0x00};
static const uint8_t attr_cert[48] = {0x30, 0x2e, 0x30, 0x2c, 0x02, 0x01, 0x01, 0xa0, 0x27};
static const uint8_t h_n[32] = {0x9f, 0x86, 0xd0, 0x81, 0x88, 0x4c, 0x7d, 0x65, 0x9a, 0x2f, 0xea,
                                0xa0, 0xc5, 0x5a, 0xd0, 0x15, 0xa3, 0xbf, 0x4f, 0x1b, 0x2b, 0x0b,
                                0x82, 0x2c, 0xd1, 0x5d, 0x6c, 0x15, 0xb0, 0xf0, 0x0a, 0x08};
static const uint8_t hmac32[32] = {0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24,
                                   0x26, 0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27,
                                   0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
static const uint8_t nonce12[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x2a};
static const uint8_t iv16[16] = {0x3d, 0xaf, 0xba, 0x42, 0x9d, 0x9e, 0xb4, 0x30,
                                 0xb4, 0x22, 0xda, 0x80, 0x2c, 0x9f, 0xac, 0x41};
/* ciphertext || 16-octet tag of a 24-octet MMS PDU */
static const uint8_t ct_tag[40] = {0x52, 0x2d, 0xc1, 0xf0, 0x99, 0x56, 0x7d, 0x07, 0xf4, 0x7f,
                                   0x37, 0xa3, 0x2a, 0x84, 0x42, 0x7d, 0x64, 0x3a, 0x8c, 0xdc,
                                   0xbf, 0xe5, 0xc0, 0xc9, 0x76, 0x75, 0x98, 0xa2, 0xbd, 0x25,
                                   0x55, 0xd1, 0xaa, 0x8c, 0xb0, 0x8e, 0x48, 0x59, 0x0d, 0xbb};
static const uint8_t cbc_ct[32] = {0xe0, 0x61, 0x3c, 0x0b, 0x2c, 0x44, 0x7f, 0x81, 0x10, 0x12, 0x74,
                                   0x2d, 0x8b, 0x97, 0xe6, 0x39, 0x13, 0x97, 0xbd, 0x31, 0x7d, 0x2a,
                                   0xd3, 0xd0, 0x55, 0x0e, 0xa7, 0x8b, 0x9c, 0x52, 0x22, 0x7f};

static gs_algid alg(gs_alg a) {
  gs_algid id;
  memset(&id, 0, sizeof(id));
  id.alg = a;
  return id;
}

static void token1_common(gs_token1 *t) {
  t->sig_alg = alg(GS_ALG_ECDSA_SHA256);
  t->pk_cert = gs_sample_cert(612, 0);
  t->version = 1;
  t->hmac = alg(GS_ALG_HMAC_SHA256);
  t->time = GS_SAMPLE_TIME;
}

void gs_sample_handshake_req(gs_secpdu *pdu) {
  memset(pdu, 0, sizeof(*pdu));
  pdu->kind = GS_PDU_HANDSHAKE_REQ;
  gs_tbs_handshake *tbs = &pdu->u.hs.tbs;
  gs_token1 *t = &tbs->token1;
  tbs->pp = STR(GS_PP_DEFAULT);
  token1_common(t);
  t->n_cert_path = 1;
  t->cert_path[0] = gs_sample_cert(540, 1);
  t->asso_id = STR("12");
  t->n_dh = 2;
  t->dh[0] = (gs_dhkey){GS_DH_P256, SL(p256_pub_a)};
  t->dh[1] = (gs_dhkey){GS_DH_X25519, SL(x25519_pub)};
  t->encr_mode.kind = GS_ENCR_MODE_AEAD;
  t->encr_mode.n_aead = 2;
  t->encr_mode.aead[0] = alg(GS_ALG_AES256_GCM);
  t->encr_mode.aead[1] = alg(GS_ALG_AES128_GCM);
  t->conf_params = GS_CONF_TLS_PROTECTED | GS_CONF_APPL_PROTECTED;
  t->has_responder = true; /* D16 */
  t->responder_kind = GS_ID_XMPP;
  t->responder = STR("der1@grid.example");
  tbs->has_appl_data = true;
  tbs->appl_data = SL(mms_init_req);
  pdu->u.hs.sign = SL(sig72);
}

void gs_sample_handshake_acc(gs_secpdu *pdu) {
  memset(pdu, 0, sizeof(*pdu));
  pdu->kind = GS_PDU_HANDSHAKE_ACC;
  gs_tbs_handshake *tbs = &pdu->u.hs.tbs;
  gs_token1 *t = &tbs->token1;
  tbs->pp = STR(GS_PP_DEFAULT);
  token1_common(t);
  t->pk_cert = gs_sample_cert(590, 2);
  t->asso_id = STR("12:345");
  t->n_dh = 1;
  t->dh[0] = (gs_dhkey){GS_DH_P256, SL(p256_pub_b)};
  t->encr_mode.kind = GS_ENCR_MODE_AEAD;
  t->encr_mode.n_aead = 1;
  t->encr_mode.aead[0] = alg(GS_ALG_AES256_GCM);
  t->conf_params = GS_CONF_APPL_PROTECTED;
  t->has_att_cert = true;
  t->att_cert = SL(attr_cert);
  tbs->has_appl_data = true;
  tbs->appl_data = SL(mms_init_rsp);
  pdu->u.hs.sign = SL(sig72);
}

void gs_sample_notice(gs_secpdu *pdu, gs_pdu_kind kind) {
  memset(pdu, 0, sizeof(*pdu));
  pdu->kind = kind;
  gs_tbs_notice *tbs = &pdu->u.notice.tbs;
  gs_token3 *t = &tbs->token3;
  t->sig_alg = alg(GS_ALG_ECDSA_SHA256);
  t->version = 1;
  t->asso_id = STR("12:345");
  t->time = GS_SAMPLE_TIME;
  if (kind == GS_PDU_HANDSHAKE_SEC_REJECT || kind == GS_PDU_APPLICATION_REJECT) {
    t->has_pk_cert = true;
    t->pk_cert = gs_sample_cert(590, 2);
    t->n_cert_path = 2;
    t->cert_path[0] = gs_sample_cert(540, 1);
    t->cert_path[1] = gs_sample_cert(500, 3);
  }
  t->has_binding = true; /* h_n; for the rejects h_A of the request (D17) */
  t->binding = SL(h_n);
  if (kind != GS_PDU_RELEASE_REQ && kind != GS_PDU_RELEASE_RSP) {
    tbs->has_diag = true;
    tbs->diag = kind == GS_PDU_DT_SEC_ABORT ? GS_DT_INVALID_TIME_VALUE : GS_HS_INVALID_TIME;
  }
  if (kind == GS_PDU_RELEASE_REQ || kind == GS_PDU_RELEASE_RSP) {
    tbs->has_appl_data = true;
    tbs->appl_data = SL(mms_conclude);
  }
  pdu->u.notice.sign = SL(sig72);
}

static void token2_common(gs_token2 *t, uint32_t seq) {
  t->asso_id = STR("12:345");
  t->time = GS_SAMPLE_TIME;
  t->seq = seq;
}

void gs_sample_clear_transfer(gs_secpdu *pdu) {
  memset(pdu, 0, sizeof(*pdu));
  pdu->kind = GS_PDU_CLEAR_TRANSFER;
  gs_transfer *x = &pdu->u.xfer;
  token2_common(&x->tbp.token2, 7);
  x->tbp.appl_data = SL(mms_read_req);
  x->has_auth = true;
  x->auth.algorithm = alg(GS_ALG_HMAC_SHA256);
  x->auth.icv = SL(hmac32);
}

void gs_sample_encr_transfer_aead(gs_secpdu *pdu) {
  memset(pdu, 0, sizeof(*pdu));
  pdu->kind = GS_PDU_ENCR_TRANSFER;
  gs_transfer *x = &pdu->u.xfer;
  token2_common(&x->tbp.token2, 42);
  x->tbp.token2.has_iv = true;
  x->tbp.token2.iv = SL(nonce12);
  x->tbp.appl_data = SL(ct_tag);
}

void gs_sample_encr_transfer_etm(gs_secpdu *pdu) {
  memset(pdu, 0, sizeof(*pdu));
  pdu->kind = GS_PDU_ENCR_TRANSFER;
  gs_transfer *x = &pdu->u.xfer;
  token2_common(&x->tbp.token2, 1000);
  x->tbp.token2.has_iv = true;
  x->tbp.token2.iv = SL(iv16);
  x->tbp.token2.has_rekey = true;
  x->tbp.token2.rekey = SL(p256_pub_a);
  x->tbp.token2.req_rekey = true;
  x->tbp.token2.changed_key = true;
  x->tbp.appl_data = SL(cbc_ct);
  x->has_auth = true;
  x->auth.algorithm = alg(GS_ALG_HMAC_SHA256);
  x->auth.icv = SL(hmac32);
}

void gs_sample_secpdu(gs_secpdu *pdu, gs_pdu_kind kind) {
  switch (kind) {
  case GS_PDU_HANDSHAKE_REQ:
    gs_sample_handshake_req(pdu);
    break;
  case GS_PDU_HANDSHAKE_ACC:
    gs_sample_handshake_acc(pdu);
    break;
  case GS_PDU_CLEAR_TRANSFER:
    gs_sample_clear_transfer(pdu);
    break;
  case GS_PDU_ENCR_TRANSFER:
    gs_sample_encr_transfer_aead(pdu);
    break;
  default:
    gs_sample_notice(pdu, kind);
    break;
  }
}
