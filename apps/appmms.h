/* gridseal CLI: small MMS helpers shared by `der` and `cc`. */
#ifndef GS_APPS_APPMMS_H
#define GS_APPS_APPMMS_H

#include <stddef.h>

#include "gridseal/mms.h"

/* A rejectPDU pdu-error invalid-pdu (answer to a PDU that does not decode). */
void gs_app_mms_reject(gs_mms_pdu *out);
/* The Write-Response to `req` with every result object-access-denied
 * (nodes from `a`). GS_OK or GS_ERR_LIMIT. */
int gs_app_mms_write_denied(const gs_mms_pdu *req, gs_mms_arena *a, gs_mms_pdu *out);
/* An Initiate-ErrorPDU (class initiate, code 0 other). */
void gs_app_mms_initiate_error(gs_mms_pdu *out);
/* A Conclude-RequestPDU (request) or Conclude-ResponsePDU. */
void gs_app_mms_conclude(gs_mms_pdu *out, bool request);
/* The logical device (MMS domain) of a node name: upper case, characters
 * other than letters, digits and '_' become '_' ("der1" -> "DER1"). */
void gs_app_ld_name(const char *name, char *out, size_t cap);

#endif
