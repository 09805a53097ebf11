/* ClearTransfer / EncrTransfer, Tbp, ClearToken2 and Authenticator. */
#include <string.h>

#include "der_internal.h"

/* [n] BOOLEAN DEFAULT FALSE: absent = false; an encoded FALSE is not DER. */
static int read_default_false(gs_der_reader *r, uint32_t tag, bool *out) {
  *out = false;
  if (!gs_der_peek_is(r, tag)) {
    return GS_OK;
  }
  int rc = gs_der_read_bool(r, tag, out);
  if (rc == GS_OK && !*out) {
    rc = GS_ERR_DER_DEFAULT_ENCODED;
  }
  return rc;
}

/* ClearToken2 content into *t, which the caller has cleared (absent
 * optional fields stay zero). The assoID is always the full "c:s" form. */
static int read_token2(gs_der_reader *r, gs_token2 *t) {
  int rc = gs_pdu_read_assoid(r, &t->asso_id, true);
  if (rc == GS_OK) {
    rc = gs_der_read_gtime(r, GS_DER_GENERALIZED_TIME, &t->time);
  }
  if (rc == GS_OK) {
    rc = gs_der_read_uint32(r, GS_DER_INTEGER, GS_MAX_SEQ, &t->seq);
  }
  if (rc == GS_OK && gs_der_peek_is(r, GS_DER_CTX(0))) {
    t->has_iv = true;
    rc = gs_der_read_octets(r, GS_DER_CTX(0), &t->iv);
  }
  if (rc == GS_OK && gs_der_peek_is(r, GS_DER_CTX(1))) {
    t->has_rekey = true;
    rc = gs_der_read_octets(r, GS_DER_CTX(1), &t->rekey);
  }
  if (rc == GS_OK) {
    rc = read_default_false(r, GS_DER_CTX(2), &t->req_rekey);
  }
  if (rc == GS_OK) {
    rc = read_default_false(r, GS_DER_CTX(3), &t->changed_key);
  }
  return rc != GS_OK ? rc : gs_der_reader_finish(r);
}

static void write_token2(gs_der_writer *w, const gs_token2 *t, gs_gtime_cache *tc) {
  if (t->seq > GS_MAX_SEQ) {
    gs_der_writer_fail(w, GS_ERR_DER_INTEGER_RANGE);
    return;
  }
  gs_der_begin(w, GS_DER_SEQUENCE);
  gs_pdu_write_assoid(w, t->asso_id, true);
  gs_der_write_gtime_cached(w, GS_DER_GENERALIZED_TIME, t->time, tc);
  gs_der_write_uint32(w, GS_DER_INTEGER, t->seq);
  if (t->has_iv) {
    gs_pdu_write_octets(w, GS_DER_CTX(0), t->iv);
  }
  if (t->has_rekey) {
    gs_pdu_write_octets(w, GS_DER_CTX(1), t->rekey);
  }
  if (t->req_rekey) {
    gs_der_write_bool(w, GS_DER_CTX(2), true);
  }
  if (t->changed_key) {
    gs_der_write_bool(w, GS_DER_CTX(3), true);
  }
  gs_der_end(w);
}

void gs_pdu_write_token2(gs_der_writer *w, const gs_token2 *t) {
  write_token2(w, t, NULL);
}

/* Tbp content into *tbp, cleared by the caller. */
static int read_tbp(gs_der_reader *r, gs_tbp *tbp) {
  gs_der_reader in;
  int rc = gs_der_enter(r, GS_DER_SEQUENCE, &in, &tbp->token2_content);
  if (rc == GS_OK) {
    rc = read_token2(&in, &tbp->token2);
  }
  if (rc == GS_OK) {
    rc = gs_der_read_octets(r, GS_DER_OCTET_STRING, &tbp->appl_data);
  }
  return rc != GS_OK ? rc : gs_der_reader_finish(r);
}

void gs_pdu_write_tbp(gs_der_writer *w, const gs_tbp *tbp) {
  gs_der_begin(w, GS_DER_SEQUENCE);
  gs_pdu_write_token2(w, &tbp->token2);
  gs_pdu_write_octets(w, GS_DER_OCTET_STRING, tbp->appl_data);
  gs_der_end(w);
}

static int read_auth(gs_der_reader *r, gs_authenticator *a) {
  gs_der_reader in;
  int rc = gs_der_enter(r, GS_DER_SEQUENCE, &in, NULL);
  if (rc == GS_OK) {
    rc = gs_pdu_read_algid(&in, &a->algorithm);
  }
  if (rc == GS_OK) {
    rc = gs_der_read_octets(&in, GS_DER_OCTET_STRING, &a->icv);
  }
  return rc != GS_OK ? rc : gs_der_reader_finish(&in);
}

int gs_pdu_read_transfer_body(gs_der_reader *r, gs_transfer *x, bool auth_required) {
  gs_der_reader in;
  memset(x, 0, sizeof(*x)); /* once: read_tbp and read_token2 fill it */
  int rc = gs_der_enter(r, GS_DER_SEQUENCE, &in, &x->tbp_content);
  if (rc == GS_OK) {
    rc = read_tbp(&in, &x->tbp);
  }
  if (rc == GS_OK && (auth_required || !gs_der_reader_at_end(r))) {
    x->has_auth = true;
    rc = read_auth(r, &x->auth);
  }
  return rc != GS_OK ? rc : gs_der_reader_finish(r);
}

void gs_pdu_write_transfer(gs_der_writer *w, uint32_t tag, const gs_transfer *x,
                           bool auth_required) {
  if (auth_required && !x->has_auth) {
    gs_der_writer_fail(w, GS_ERR_INVALID_ARG);
    return;
  }
  gs_der_begin(w, tag);
  gs_pdu_write_tbp(w, &x->tbp);
  if (x->has_auth) {
    gs_der_begin(w, GS_DER_SEQUENCE);
    gs_pdu_write_algid(w, &x->auth.algorithm);
    gs_pdu_write_octets(w, GS_DER_OCTET_STRING, x->auth.icv);
    gs_der_end(w);
  }
  gs_der_end(w);
}

int gs_tbp_encode(const gs_tbp *tbp, uint8_t *buf, size_t cap, size_t *len) {
  gs_der_writer w;
  if (tbp == NULL || len == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  gs_der_writer_init(&w, buf, cap);
  gs_pdu_write_tbp(&w, tbp);
  return gs_pdu_finish(&w, len);
}

int gs_token2_encode(const gs_token2 *t2, uint8_t *buf, size_t cap, size_t *len) {
  return gs_token2_encode_cached(t2, NULL, buf, cap, len);
}

int gs_token2_encode_cached(const gs_token2 *t2, gs_gtime_cache *tc, uint8_t *buf, size_t cap,
                            size_t *len) {
  gs_der_writer w;
  if (t2 == NULL || len == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  gs_der_writer_init(&w, buf, cap);
  write_token2(&w, t2, tc);
  return gs_pdu_finish(&w, len);
}

int gs_authenticator_encode(const gs_authenticator *a, uint8_t *buf, size_t cap, size_t *len) {
  gs_der_writer w;
  if (a == NULL || len == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  gs_der_writer_init(&w, buf, cap);
  gs_der_begin(&w, GS_DER_SEQUENCE);
  gs_pdu_write_algid(&w, &a->algorithm);
  gs_pdu_write_octets(&w, GS_DER_OCTET_STRING, a->icv);
  gs_der_end(&w);
  return gs_pdu_finish(&w, len);
}

/* Octets of a tag (one octet here) and the minimal length of `n`. */
static size_t hdr_len(size_t n) {
  return 2 + (n > 0x7Fu) + (n > 0xFFu) + (n > 0xFFFFu);
}

int gs_transfer_layout_encode(gs_pdu_kind kind, const uint8_t *token2, size_t token2_len,
                              size_t appl_len, size_t auth_len, uint8_t *buf, size_t cap,
                              gs_transfer_layout *lay) {
  gs_der_writer w;
  if (token2 == NULL || lay == NULL ||
      (kind != GS_PDU_CLEAR_TRANSFER && kind != GS_PDU_ENCR_TRANSFER) ||
      (kind == GS_PDU_CLEAR_TRANSFER && auth_len == 0)) {
    return GS_ERR_INVALID_ARG;
  }
  if (token2_len > GS_MAX_PDU_SIZE || appl_len > GS_MAX_PDU_SIZE || auth_len > GS_MAX_PDU_SIZE) {
    return GS_ERR_DER_TOO_LARGE;
  }
  size_t tbp = token2_len + hdr_len(appl_len) + appl_len;
  size_t body = hdr_len(tbp) + tbp + auth_len;
  if (hdr_len(body) + body > GS_MAX_PDU_SIZE) {
    return GS_ERR_DER_TOO_LARGE;
  }
  gs_der_writer_init(&w, buf, cap);
  gs_der_write_header(&w, GS_DER_CTX_CONS((uint32_t)kind), body);
  gs_der_write_header(&w, GS_DER_SEQUENCE, tbp);
  lay->tbp_off = w.len;
  lay->tbp_len = tbp;
  gs_der_write_raw(&w, token2, token2_len);
  gs_der_write_header(&w, GS_DER_OCTET_STRING, appl_len);
  lay->appl_off = w.len;
  lay->auth_off = w.len + appl_len;
  lay->len = lay->auth_off + auth_len;
  if (w.err == GS_OK && lay->len > cap) {
    return GS_ERR_BUFFER_TOO_SMALL;
  }
  return gs_der_writer_finish(&w, NULL);
}

/* One SEQUENCE element exactly filling buf, read by `body`. */
typedef int (*body_fn)(gs_der_reader *r, void *out);

static int decode_seq(const uint8_t *buf, size_t len, body_fn body, void *out, gs_slice *content) {
  gs_der_reader r, in;
  if (out == NULL || (buf == NULL && len != 0)) {
    return GS_ERR_INVALID_ARG;
  }
  if (len > GS_MAX_PDU_SIZE) {
    return GS_ERR_DER_TOO_LARGE;
  }
  gs_der_reader_init(&r, buf, len);
  int rc = gs_der_enter(&r, GS_DER_SEQUENCE, &in, content);
  if (rc == GS_OK) {
    rc = body(&in, out);
  }
  return rc != GS_OK ? rc : gs_der_reader_finish(&r);
}

static int tbp_body(gs_der_reader *r, void *out) {
  memset(out, 0, sizeof(gs_tbp));
  return read_tbp(r, out);
}

static int token2_body(gs_der_reader *r, void *out) {
  memset(out, 0, sizeof(gs_token2));
  return read_token2(r, out);
}

int gs_tbp_decode(gs_tbp *tbp, const uint8_t *buf, size_t len) {
  return decode_seq(buf, len, tbp_body, tbp, NULL);
}

int gs_token2_decode(gs_token2 *t2, const uint8_t *buf, size_t len) {
  return decode_seq(buf, len, token2_body, t2, NULL);
}
