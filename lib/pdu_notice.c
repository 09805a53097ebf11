/* SignedNotice, TbsNotice and ClearToken3 (release, reject, abort). */
#include <string.h>

#include "der_internal.h"

static int read_token3(gs_der_reader *r, gs_token3 *t) {
  int rc = gs_pdu_read_algid(r, &t->sig_alg);
  if (rc == GS_OK) {
    rc = gs_der_read_uint32(r, GS_DER_INTEGER, UINT32_MAX, &t->version);
  }
  if (rc == GS_OK) {
    rc = gs_pdu_read_assoid(r, &t->asso_id, false);
  }
  if (rc == GS_OK) {
    rc = gs_der_read_gtime(r, GS_DER_GENERALIZED_TIME, &t->time);
  }
  if (rc == GS_OK && gs_der_peek_is(r, GS_DER_CTX(0))) {
    t->has_pk_cert = true;
    rc = gs_der_read_octets(r, GS_DER_CTX(0), &t->pk_cert);
  }
  if (rc == GS_OK && gs_der_peek_is(r, GS_DER_CTX_CONS(1))) {
    rc = gs_pdu_read_octets_list(r, GS_DER_CTX_CONS(1), t->cert_path, GS_MAX_CERT_PATH,
                                 &t->n_cert_path);
  }
  if (rc == GS_OK && gs_der_peek_is(r, GS_DER_CTX(2))) {
    t->has_binding = true;
    rc = gs_der_read_octets(r, GS_DER_CTX(2), &t->binding);
    if (rc == GS_OK && t->binding.len != GS_HASH_LEN) {
      rc = GS_ERR_DER_BAD_SIZE; /* binding [2] OCTET STRING (SIZE (32)) */
    }
  }
  return rc != GS_OK ? rc : gs_der_reader_finish(r);
}

static void write_token3(gs_der_writer *w, const gs_token3 *t) {
  gs_der_begin(w, GS_DER_SEQUENCE);
  gs_pdu_write_algid(w, &t->sig_alg);
  gs_der_write_uint32(w, GS_DER_INTEGER, t->version);
  gs_pdu_write_assoid(w, t->asso_id, false);
  gs_der_write_gtime(w, GS_DER_GENERALIZED_TIME, t->time);
  if (t->has_pk_cert) {
    gs_pdu_write_octets(w, GS_DER_CTX(0), t->pk_cert);
  }
  if (t->n_cert_path > 0) {
    gs_pdu_write_octets_list(w, GS_DER_CTX_CONS(1), t->cert_path, t->n_cert_path, GS_MAX_CERT_PATH);
  }
  if (t->has_binding) {
    if (t->binding.len != GS_HASH_LEN) {
      gs_der_writer_fail(w, GS_ERR_DER_BAD_SIZE);
    } else {
      gs_pdu_write_octets(w, GS_DER_CTX(2), t->binding);
    }
  }
  gs_der_end(w);
}

/* TbsNotice content. */
static int read_tbs(gs_der_reader *r, gs_tbs_notice *tbs) {
  gs_der_reader in;
  memset(tbs, 0, sizeof(*tbs));
  int rc = gs_der_enter(r, GS_DER_SEQUENCE, &in, NULL);
  if (rc == GS_OK) {
    rc = read_token3(&in, &tbs->token3);
  }
  if (rc == GS_OK && gs_der_peek_is(r, GS_DER_CTX(0))) {
    int64_t d = 0;
    tbs->has_diag = true;
    rc = gs_der_read_int64(r, GS_DER_CTX(0), &d);
    if (rc == GS_OK && (d < INT32_MIN || d > INT32_MAX)) {
      rc = GS_ERR_DER_INTEGER_RANGE;
    }
    tbs->diag = (int32_t)(rc == GS_OK ? d : 0);
  }
  if (rc == GS_OK && gs_der_peek_is(r, GS_DER_CTX(1))) {
    tbs->has_appl_data = true;
    rc = gs_der_read_octets(r, GS_DER_CTX(1), &tbs->appl_data);
  }
  return rc != GS_OK ? rc : gs_der_reader_finish(r);
}

void gs_pdu_write_tbs_notice(gs_der_writer *w, const gs_tbs_notice *tbs) {
  gs_der_begin(w, GS_DER_SEQUENCE);
  write_token3(w, &tbs->token3);
  if (tbs->has_diag) {
    gs_der_write_int64(w, GS_DER_CTX(0), tbs->diag);
  }
  if (tbs->has_appl_data) {
    gs_pdu_write_octets(w, GS_DER_CTX(1), tbs->appl_data);
  }
  gs_der_end(w);
}

int gs_pdu_read_notice_body(gs_der_reader *r, gs_notice *n) {
  gs_der_reader in;
  memset(n, 0, sizeof(*n));
  int rc = gs_der_enter(r, GS_DER_SEQUENCE, &in, &n->tbs_content);
  if (rc == GS_OK) {
    rc = read_tbs(&in, &n->tbs);
  }
  if (rc == GS_OK) {
    rc = gs_der_read_octets(r, GS_DER_OCTET_STRING, &n->sign);
  }
  return rc != GS_OK ? rc : gs_der_reader_finish(r);
}

void gs_pdu_write_notice(gs_der_writer *w, uint32_t tag, const gs_notice *n) {
  gs_der_begin(w, tag);
  gs_pdu_write_tbs_notice(w, &n->tbs);
  gs_pdu_write_octets(w, GS_DER_OCTET_STRING, n->sign);
  gs_der_end(w);
}

int gs_tbs_notice_encode(const gs_tbs_notice *tbs, uint8_t *buf, size_t cap, size_t *len) {
  gs_der_writer w;
  if (tbs == NULL || len == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  gs_der_writer_init(&w, buf, cap);
  gs_pdu_write_tbs_notice(&w, tbs);
  return gs_pdu_finish(&w, len);
}

int gs_tbs_notice_decode(gs_tbs_notice *tbs, const uint8_t *buf, size_t len) {
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
