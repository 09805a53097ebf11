/* The SecPDU CHOICE: eleven IMPLICIT context-tagged alternatives. */
#include <string.h>

#include "der_internal.h"

static const char *const kind_names[] = {
    "handshakeReq",      "handshakeAcc",  "applicationReject", "handshakeSecReject",
    "handshakeSecAbort", "dtSecAbort",    "applAbort",         "releaseReq",
    "releaseRsp",        "clearTransfer", "encrTransfer"};

#define GS_PDU_KIND_COUNT (sizeof(kind_names) / sizeof(kind_names[0]))

const char *gs_pdu_kind_name(gs_pdu_kind kind) {
  unsigned k = (unsigned)kind;
  return k < GS_PDU_KIND_COUNT ? kind_names[k] : "unknown";
}

bool gs_pdu_is_notice(gs_pdu_kind kind) {
  return kind >= GS_PDU_APPLICATION_REJECT && kind <= GS_PDU_RELEASE_RSP;
}

/* The alternative of the first tag: GS_OK and *kind, or the error. */
static int choice_of(uint32_t tag, gs_pdu_kind *kind) {
  uint32_t cls = tag >> 24;
  uint32_t num = tag & 0x00FFFFFFu;
  if ((cls & GS_DER_CLASS_PRIVATE) != GS_DER_CLASS_CONTEXT) {
    return GS_ERR_DER_WRONG_TAG;
  }
  if (num >= GS_PDU_KIND_COUNT) {
    return GS_ERR_DER_UNKNOWN_CHOICE; /* `...`: a later version's alternative */
  }
  if ((cls & GS_DER_CONSTRUCTED) == 0) {
    return GS_ERR_DER_CONSTRUCTED;
  }
  *kind = (gs_pdu_kind)num;
  return GS_OK;
}

int gs_secpdu_decode(gs_secpdu *pdu, const uint8_t *buf, size_t len) {
  gs_der_reader r, in;
  uint32_t tag;
  gs_pdu_kind kind = GS_PDU_HANDSHAKE_REQ;
  if (pdu == NULL || (buf == NULL && len != 0)) {
    return GS_ERR_INVALID_ARG;
  }
  if (len > GS_MAX_PDU_SIZE) {
    return GS_ERR_DER_TOO_LARGE;
  }
  gs_der_reader_init(&r, buf, len);
  int rc = gs_der_peek_tag(&r, &tag);
  if (rc == GS_OK) {
    rc = choice_of(tag, &kind);
  }
  /* Size, structure and depth first: nothing larger or deeper is parsed.
   * A data PDU (clearTransfer, encrTransfer: the per-message path) skips
   * this pass: its body is a fixed tree four levels deep whose every
   * element the strict decode below reads through the same header parser
   * (minimal definite lengths, within the enclosing element, nothing
   * after the last), so the pass would only parse the same headers twice. */
  if (rc != GS_OK || (kind != GS_PDU_CLEAR_TRANSFER && kind != GS_PDU_ENCR_TRANSFER)) {
    int vrc = gs_der_validate(buf, len);
    if (vrc != GS_OK) {
      return vrc;
    }
  }
  if (rc == GS_OK) {
    rc = gs_der_enter(&r, tag, &in, NULL);
  }
  if (rc != GS_OK) {
    return rc;
  }
  /* Each body reader clears the alternative it fills; the whole union
   * (1.2 kB, mostly the handshake) is not cleared for every data PDU. */
  pdu->kind = kind;
  if (kind <= GS_PDU_HANDSHAKE_ACC) {
    rc = gs_pdu_read_handshake_body(&in, &pdu->u.hs);
  } else if (gs_pdu_is_notice(kind)) {
    rc = gs_pdu_read_notice_body(&in, &pdu->u.notice);
  } else {
    rc = gs_pdu_read_transfer_body(&in, &pdu->u.xfer, kind == GS_PDU_CLEAR_TRANSFER);
  }
  return rc != GS_OK ? rc : gs_der_reader_finish(&r);
}

int gs_secpdu_encode(const gs_secpdu *pdu, uint8_t *buf, size_t cap, size_t *len) {
  gs_der_writer w;
  if (pdu == NULL || len == NULL || (unsigned)pdu->kind >= GS_PDU_KIND_COUNT) {
    return GS_ERR_INVALID_ARG;
  }
  uint32_t tag = GS_DER_CTX_CONS((uint32_t)pdu->kind);
  gs_der_writer_init(&w, buf, cap);
  if (pdu->kind <= GS_PDU_HANDSHAKE_ACC) {
    gs_pdu_write_handshake(&w, tag, &pdu->u.hs);
  } else if (gs_pdu_is_notice(pdu->kind)) {
    gs_pdu_write_notice(&w, tag, &pdu->u.notice);
  } else {
    gs_pdu_write_transfer(&w, tag, &pdu->u.xfer, pdu->kind == GS_PDU_CLEAR_TRANSFER);
  }
  return gs_pdu_finish(&w, len);
}
