/* HandshakeReq / HandshakeAcc, TbsHandshake and ClearToken1. */
#include <string.h>

#include "der_internal.h"

/* ClearToken1 content: the fields in order, then the extension marker. */
static int read_token1(gs_der_reader *r, gs_token1 *t) {
  int rc = gs_pdu_read_algid(r, &t->sig_alg);
  if (rc == GS_OK) {
    rc = gs_der_read_octets(r, GS_DER_OCTET_STRING, &t->pk_cert);
  }
  if (rc == GS_OK && gs_der_peek_is(r, GS_DER_CTX_CONS(0))) {
    rc = gs_pdu_read_octets_list(r, GS_DER_CTX_CONS(0), t->cert_path, GS_MAX_CERT_PATH,
                                 &t->n_cert_path);
  }
  if (rc == GS_OK) {
    rc = gs_der_read_uint32(r, GS_DER_INTEGER, UINT32_MAX, &t->version);
  }
  if (rc == GS_OK) {
    rc = gs_pdu_read_assoid(r, &t->asso_id, false);
  }
  if (rc == GS_OK) {
    rc = gs_pdu_read_dh_set(r, t->dh, &t->n_dh);
  }
  if (rc == GS_OK) {
    rc = gs_pdu_read_algid(r, &t->hmac);
  }
  if (rc == GS_OK) {
    rc = gs_der_read_gtime(r, GS_DER_GENERALIZED_TIME, &t->time);
  }
  if (rc == GS_OK) {
    rc = gs_pdu_read_encr_mode(r, &t->encr_mode);
  }
  if (rc == GS_OK) {
    rc = gs_pdu_read_conf(r, &t->conf_params);
  }
  if (rc == GS_OK && gs_der_peek_is(r, GS_DER_CTX(1))) {
    t->has_att_cert = true;
    rc = gs_der_read_octets(r, GS_DER_CTX(1), &t->att_cert);
  }
  if (rc == GS_OK && !gs_der_reader_at_end(r)) {
    /* `...`: this version knows no extension; see docs/DER-CODEC.md. */
    rc = GS_ERR_DER_UNKNOWN_EXTENSION;
  }
  return rc;
}

static void write_token1(gs_der_writer *w, const gs_token1 *t) {
  gs_der_begin(w, GS_DER_SEQUENCE);
  gs_pdu_write_algid(w, &t->sig_alg);
  gs_pdu_write_octets(w, GS_DER_OCTET_STRING, t->pk_cert);
  if (t->n_cert_path > 0) {
    gs_pdu_write_octets_list(w, GS_DER_CTX_CONS(0), t->cert_path, t->n_cert_path, GS_MAX_CERT_PATH);
  }
  gs_der_write_uint32(w, GS_DER_INTEGER, t->version);
  gs_pdu_write_assoid(w, t->asso_id, false);
  gs_pdu_write_dh_set(w, t->dh, t->n_dh);
  gs_pdu_write_algid(w, &t->hmac);
  gs_der_write_gtime(w, GS_DER_GENERALIZED_TIME, t->time);
  gs_pdu_write_encr_mode(w, &t->encr_mode);
  gs_pdu_write_conf(w, t->conf_params);
  if (t->has_att_cert) {
    gs_pdu_write_octets(w, GS_DER_CTX(1), t->att_cert);
  }
  gs_der_end(w);
}

/* TbsHandshake content. */
static int read_tbs(gs_der_reader *r, gs_tbs_handshake *tbs) {
  gs_der_reader in;
  memset(tbs, 0, sizeof(*tbs));
  int rc = gs_der_read_printable(r, GS_DER_PRINTABLE_STRING, 1, GS_MAX_PP_LEN, &tbs->pp);
  if (rc == GS_OK) {
    rc = gs_der_enter(r, GS_DER_SEQUENCE, &in, NULL);
  }
  if (rc == GS_OK) {
    rc = read_token1(&in, &tbs->token1);
  }
  if (rc == GS_OK && gs_der_peek_is(r, GS_DER_CTX(0))) {
    tbs->has_appl_data = true;
    rc = gs_der_read_octets(r, GS_DER_CTX(0), &tbs->appl_data);
  }
  return rc != GS_OK ? rc : gs_der_reader_finish(r);
}

void gs_pdu_write_tbs_handshake(gs_der_writer *w, const gs_tbs_handshake *tbs) {
  int rc = gs_der_printable_check(tbs->pp.ptr, tbs->pp.len, 1, GS_MAX_PP_LEN);
  if (rc != GS_OK) {
    gs_der_writer_fail(w, rc);
    return;
  }
  gs_der_begin(w, GS_DER_SEQUENCE);
  gs_der_write_tlv(w, GS_DER_PRINTABLE_STRING, tbs->pp.ptr, tbs->pp.len);
  write_token1(w, &tbs->token1);
  if (tbs->has_appl_data) {
    gs_pdu_write_octets(w, GS_DER_CTX(0), tbs->appl_data);
  }
  gs_der_end(w);
}

int gs_pdu_read_handshake_body(gs_der_reader *r, gs_handshake *hs) {
  gs_der_reader in;
  memset(hs, 0, sizeof(*hs));
  int rc = gs_der_enter(r, GS_DER_SEQUENCE, &in, &hs->tbs_content);
  if (rc == GS_OK) {
    rc = read_tbs(&in, &hs->tbs);
  }
  if (rc == GS_OK) {
    rc = gs_der_read_octets(r, GS_DER_OCTET_STRING, &hs->sign);
  }
  return rc != GS_OK ? rc : gs_der_reader_finish(r);
}

void gs_pdu_write_handshake(gs_der_writer *w, uint32_t tag, const gs_handshake *hs) {
  gs_der_begin(w, tag);
  gs_pdu_write_tbs_handshake(w, &hs->tbs);
  gs_pdu_write_octets(w, GS_DER_OCTET_STRING, hs->sign);
  gs_der_end(w);
}

int gs_tbs_handshake_encode(const gs_tbs_handshake *tbs, uint8_t *buf, size_t cap, size_t *len) {
  gs_der_writer w;
  if (tbs == NULL || len == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  gs_der_writer_init(&w, buf, cap);
  gs_pdu_write_tbs_handshake(&w, tbs);
  return gs_pdu_finish(&w, len);
}

int gs_tbs_handshake_decode(gs_tbs_handshake *tbs, const uint8_t *buf, size_t len) {
  gs_der_reader r, in;
  if (tbs == NULL || (buf == NULL && len != 0)) {
    return GS_ERR_INVALID_ARG;
  }
  if (len > GS_MAX_PDU_SIZE) {
    return GS_ERR_DER_TOO_LARGE;
  }
  gs_der_reader_init(&r, buf, len);
  int rc = gs_der_enter(&r, GS_DER_SEQUENCE, &in, NULL);
  if (rc == GS_OK) {
    rc = read_tbs(&in, tbs);
  }
  return rc != GS_OK ? rc : gs_der_reader_finish(&r);
}
