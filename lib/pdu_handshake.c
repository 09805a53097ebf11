/* HandshakeReq / HandshakeAcc, TbsHandshake and ClearToken1. */
#include <string.h>

#include "der_internal.h"

/* ------------------------------------------------ PeerName (D16) */

/* Well-formed UTF-8 (no overlong form, no surrogate, at most U+10FFFF) and
 * no NUL. */
static bool utf8_ok(const uint8_t *p, size_t len) {
  size_t i = 0;
  while (i < len) {
    uint8_t c = p[i];
    size_t n;
    uint32_t cp;
    if (c == 0) {
      return false;
    }
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07u;
    } else {
      return false; /* continuation octet, C0/C1 (overlong) or F5..FF */
    }
    if (len - i - 1 < n) {
      return false;
    }
    for (size_t k = 1; k <= n; k++) {
      if ((p[i + k] & 0xC0u) != 0x80u) {
        return false;
      }
      cp = (cp << 6) | (p[i + k] & 0x3Fu);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

static bool ia5_ok(const uint8_t *p, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (p[i] == 0 || p[i] > 0x7F) {
      return false;
    }
  }
  return true;
}

/* The value rules of one PeerName alternative: GS_OK or a DER error. */
static int peer_name_check(gs_identity_kind kind, gs_slice v) {
  if (v.ptr == NULL || v.len < 1 || v.len > GS_MAX_NAME_LEN - 1) {
    return GS_ERR_DER_BAD_SIZE;
  }
  bool ok = kind == GS_ID_XMPP ? utf8_ok(v.ptr, v.len) : ia5_ok(v.ptr, v.len);
  return ok ? GS_OK : GS_ERR_DER_BAD_STRING;
}

static int read_peer_name(gs_der_reader *r, gs_token1 *t) {
  gs_der_reader in;
  uint32_t tag = 0;
  int rc = gs_der_enter(r, GS_DER_CTX_CONS(2), &in, NULL);
  if (rc == GS_OK) {
    rc = gs_der_peek_tag(&in, &tag);
  }
  if (rc != GS_OK) {
    return rc;
  }
  if (tag == GS_DER_CTX(0)) {
    t->responder_kind = GS_ID_XMPP;
  } else if (tag == GS_DER_CTX(1)) {
    t->responder_kind = GS_ID_URI;
  } else if (tag == GS_DER_CTX(2)) {
    t->responder_kind = GS_ID_DNS;
  } else {
    return tag == GS_DER_CTX_CONS(0) || tag == GS_DER_CTX_CONS(1) || tag == GS_DER_CTX_CONS(2)
               ? GS_ERR_DER_CONSTRUCTED
               : GS_ERR_DER_UNKNOWN_CHOICE;
  }
  rc = gs_der_read_tlv(&in, tag, &t->responder);
  if (rc == GS_OK) {
    rc = peer_name_check(t->responder_kind, t->responder);
  }
  if (rc == GS_OK) {
    rc = gs_der_reader_finish(&in);
  }
  if (rc == GS_OK) {
    t->has_responder = true;
  }
  return rc;
}

static void write_peer_name(gs_der_writer *w, const gs_token1 *t) {
  uint32_t tag;
  switch (t->responder_kind) {
  case GS_ID_XMPP:
    tag = GS_DER_CTX(0);
    break;
  case GS_ID_URI:
    tag = GS_DER_CTX(1);
    break;
  case GS_ID_DNS:
    tag = GS_DER_CTX(2);
    break;
  default:
    gs_der_writer_fail(w, GS_ERR_INVALID_ARG);
    return;
  }
  int rc = peer_name_check(t->responder_kind, t->responder);
  if (rc != GS_OK) {
    gs_der_writer_fail(w, rc);
    return;
  }
  gs_der_begin(w, GS_DER_CTX_CONS(2));
  gs_der_write_tlv(w, tag, t->responder.ptr, t->responder.len);
  gs_der_end(w);
}

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
  if (rc == GS_OK && gs_der_peek_is(r, GS_DER_CTX_CONS(2))) {
    rc = read_peer_name(r, t);
  } else if (rc == GS_OK && gs_der_peek_is(r, GS_DER_CTX(2))) {
    rc = GS_ERR_DER_CONSTRUCTED; /* [2] PeerName is a tagged CHOICE: explicit */
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
  if (t->has_responder) {
    write_peer_name(w, t);
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
