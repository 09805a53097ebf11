/* gridseal: the kind of a SecPDU (the alternative of the SecPDU CHOICE, its
 * context tag number), as the engine reports it in events, results and
 * output. The codec itself is gridseal/unstable/pdu.h. */
#ifndef GRIDSEAL_PDU_KIND_H
#define GRIDSEAL_PDU_KIND_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The SecPDU CHOICE: the kind is the context tag number. */
typedef enum gs_pdu_kind {
  GS_PDU_HANDSHAKE_REQ = 0,
  GS_PDU_HANDSHAKE_ACC = 1,
  GS_PDU_APPLICATION_REJECT = 2,
  GS_PDU_HANDSHAKE_SEC_REJECT = 3,
  GS_PDU_HANDSHAKE_SEC_ABORT = 4,
  GS_PDU_DT_SEC_ABORT = 5,
  GS_PDU_APPL_ABORT = 6,
  GS_PDU_RELEASE_REQ = 7,
  GS_PDU_RELEASE_RSP = 8,
  GS_PDU_CLEAR_TRANSFER = 9,
  GS_PDU_ENCR_TRANSFER = 10
} gs_pdu_kind;

/* A name for logs ("handshakeReq", ...); never NULL. */
GS_EXPORT const char *gs_pdu_kind_name(gs_pdu_kind kind);
/* True for the SignedNotice kinds. */
GS_EXPORT bool gs_pdu_is_notice(gs_pdu_kind kind);

#ifdef __cplusplus
}
#endif
#endif
