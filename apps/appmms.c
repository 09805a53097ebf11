/* MMS helpers of the der and cc commands (appmms.h). */
#include "appmms.h"

#include <ctype.h>
#include <string.h>

void gs_app_mms_reject(gs_mms_pdu *out) {
  memset(out, 0, sizeof(*out));
  out->type = GS_MMS_REJECT;
  out->u.reject.reason = GS_MMS_RJ_PDU_ERROR;
  out->u.reject.code = GS_MMS_RJ_PDU_INVALID_PDU;
}

int gs_app_mms_access_denied(const gs_mms_pdu *req, gs_mms_arena *a, gs_mms_pdu *out) {
  bool read = req->type == GS_MMS_CONFIRMED_REQUEST && req->service == GS_MMS_SVC_READ;
  bool write = req->type == GS_MMS_CONFIRMED_REQUEST && req->service == GS_MMS_SVC_WRITE;
  if (!read && !write) {
    return GS_ERR_INVALID_ARG;
  }
  size_t n = read ? req->u.read_req.vas.var_count : req->u.write_req.count;
  n = n ? n : 1;
  gs_mms_data *items = gs_mms_arena_data(a, n);
  if (items == NULL) {
    return GS_ERR_LIMIT;
  }
  for (size_t i = 0; i < n; i++) {
    items[i].type = GS_MMS_DATA_FAILURE;
    items[i].v.failure = GS_MMS_AE_OBJECT_ACCESS_DENIED;
  }
  memset(out, 0, sizeof(*out));
  out->type = GS_MMS_CONFIRMED_RESPONSE;
  out->invoke_id = req->invoke_id;
  out->service = req->service;
  out->u.results.items = items;
  out->u.results.count = n;
  return GS_OK;
}

void gs_app_mms_initiate_error(gs_mms_pdu *out) {
  memset(out, 0, sizeof(*out));
  out->type = GS_MMS_INITIATE_ERROR;
  out->u.error.error_class = GS_MMS_EC_INITIATE;
  out->u.error.code = 0;
}

void gs_app_mms_conclude(gs_mms_pdu *out, bool request) {
  memset(out, 0, sizeof(*out));
  out->type = request ? GS_MMS_CONCLUDE_REQUEST : GS_MMS_CONCLUDE_RESPONSE;
}

void gs_app_ld_name(const char *name, char *out, size_t cap) {
  size_t n = 0;
  for (; name[n] != '\0' && n + 1 < cap; n++) {
    unsigned char c = (unsigned char)name[n];
    out[n] = isalnum(c) ? (char)toupper(c) : '_';
  }
  out[n] = '\0';
}

gs_transport_kind gs_app_mms_kind(int mms_type, int mms_service) {
  switch (mms_type) {
  case GS_MMS_CONFIRMED_REQUEST:
    return mms_service == GS_MMS_SVC_READ ? GS_TK_REQUEST_READ : GS_TK_REQUEST_WRITE;
  case GS_MMS_CONCLUDE_REQUEST:
  case GS_MMS_INITIATE_REQUEST:
    return GS_TK_REQUEST_WRITE;
  case GS_MMS_CONFIRMED_RESPONSE:
  case GS_MMS_CONFIRMED_ERROR:
  case GS_MMS_REJECT:
  case GS_MMS_INITIATE_RESPONSE:
  case GS_MMS_INITIATE_ERROR:
  case GS_MMS_CONCLUDE_RESPONSE:
  case GS_MMS_CONCLUDE_ERROR:
    return GS_TK_RESPONSE;
  default:
    return GS_TK_UNCONFIRMED;
  }
}
