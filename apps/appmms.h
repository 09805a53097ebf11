/* gridseal CLI: small MMS helpers shared by `der` and `cc`. */
#ifndef GS_APPS_APPMMS_H
#define GS_APPS_APPMMS_H

#include <stddef.h>

#include "gridseal/mms.h"
#include "gridseal/transport.h"

/* A rejectPDU pdu-error invalid-pdu (answer to a PDU that does not decode). */
void gs_app_mms_reject(gs_mms_pdu *out);
/* The Read- or Write-Response to `req` (a Read- or Write-Request) with
 * every result object-access-denied (nodes from `a`). GS_OK, GS_ERR_LIMIT,
 * or GS_ERR_INVALID_ARG for another PDU. */
int gs_app_mms_access_denied(const gs_mms_pdu *req, gs_mms_arena *a, gs_mms_pdu *out);
/* An Initiate-ErrorPDU (class initiate, code 0 other). */
void gs_app_mms_initiate_error(gs_mms_pdu *out);
/* A Conclude-RequestPDU (request) or Conclude-ResponsePDU. */
void gs_app_mms_conclude(gs_mms_pdu *out, bool request);
/* The logical device (MMS domain) of a node name: upper case, characters
 * other than letters, digits and '_' become '_' ("der1" -> "DER1"). */
void gs_app_ld_name(const char *name, char *out, size_t cap);

/* How a data PDU carrying an MMS PDU of type `mms_type` (gs_mms_pdu_type)
 * with confirmed service `mms_service` (gs_mms_service; looked at only for a
 * confirmed request) travels (docs/PROTOCOL.md §9): a confirmed read request
 * is REQUEST_READ, every other request REQUEST_WRITE, responses, errors and
 * rejects RESPONSE, everything else UNCONFIRMED. The transport's
 * gs_transport_kind_of() applies it to data PDUs only. */
gs_transport_kind gs_app_mms_kind(int mms_type, int mms_service);

#endif
