/* The DER server's answer to one MMS request. */
#include <string.h>

#include "dermodel_internal.h"

static void reject(const gs_mms_pdu *req, gs_mms_reject_class cls, int32_t code, gs_mms_pdu *resp) {
  memset(resp, 0, sizeof(*resp));
  resp->type = GS_MMS_REJECT;
  resp->u.reject.has_invoke_id = req->type == GS_MMS_CONFIRMED_REQUEST;
  resp->u.reject.invoke_id = req->invoke_id;
  resp->u.reject.reason = cls;
  resp->u.reject.code = code;
}

static int handle_confirmed(gs_dermodel *m, const gs_mms_pdu *req, gs_mms_arena *a,
                            gs_mms_pdu *resp) {
  bool read = req->service == GS_MMS_SVC_READ;
  const gs_mms_var_access *vas = read ? &req->u.read_req.vas : &req->u.write_req.vas;
  size_t n = vas->var_count;
  if (vas->is_list_name || n == 0 || (!read && req->u.write_req.count != n)) {
    reject(req, GS_MMS_RJ_CONFIRMED_REQUEST, GS_MMS_RJ_REQ_INVALID_ARGUMENT, resp);
    return GS_OK;
  }
  gs_mms_data *res = gs_mms_arena_data(a, n);
  if (res == NULL) {
    return GS_ERR_LIMIT;
  }
  for (size_t i = 0; i < n; i++) {
    const gs_mms_object_name *o = &vas->vars[i];
    gs_slice dom = o->domain_id;
    if (o->scope != GS_MMS_SCOPE_DOMAIN) {
      dom.ptr = NULL;
      dom.len = 0;
    }
    int err = read ? gs_dermodel_read(m, dom, o->item_id, a, &res[i])
                   : gs_dermodel_write(m, dom, o->item_id, &req->u.write_req.data[i], &res[i]);
    if (err != GS_OK) {
      return err;
    }
  }
  memset(resp, 0, sizeof(*resp));
  resp->type = GS_MMS_CONFIRMED_RESPONSE;
  resp->invoke_id = req->invoke_id;
  resp->service = req->service;
  resp->u.results.items = res;
  resp->u.results.count = n;
  return GS_OK;
}

/* The functional constraint of an item id "LN$FC$rest" is CO. */
static bool is_control(gs_slice item) {
  const uint8_t *d = memchr(item.ptr, '$', item.len);
  size_t off = d != NULL ? (size_t)(d - item.ptr) + 1 : item.len;
  return item.len - off >= 3 && memcmp(item.ptr + off, "CO$", 3) == 0;
}

unsigned gs_dermodel_access_needed(const gs_mms_pdu *req) {
  if (req == NULL || req->type != GS_MMS_CONFIRMED_REQUEST) {
    return 0;
  }
  if (req->service == GS_MMS_SVC_READ) {
    return GS_DERMODEL_ACCESS_READ;
  }
  if (req->service != GS_MMS_SVC_WRITE) {
    return 0;
  }
  const gs_mms_var_access *vas = &req->u.write_req.vas;
  unsigned need = 0;
  for (size_t i = 0; i < vas->var_count; i++) {
    need |=
        is_control(vas->vars[i].item_id) ? GS_DERMODEL_ACCESS_CONTROL : GS_DERMODEL_ACCESS_SETTING;
  }
  /* A named variable list hides its members: treat it as both. */
  return vas->is_list_name || need == 0 ? GS_DERMODEL_ACCESS_CONTROL | GS_DERMODEL_ACCESS_SETTING
                                        : need;
}

int gs_dermodel_handle(gs_dermodel *m, const gs_mms_pdu *req, gs_mms_arena *a, gs_mms_pdu *resp) {
  if (m == NULL || req == NULL || a == NULL || resp == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  switch (req->type) {
  case GS_MMS_INITIATE_REQUEST:
    gs_dermodel_build_initiate_response(req, resp);
    return GS_OK;
  case GS_MMS_CONCLUDE_REQUEST:
    memset(resp, 0, sizeof(*resp));
    resp->type = GS_MMS_CONCLUDE_RESPONSE;
    return GS_OK;
  case GS_MMS_CONFIRMED_REQUEST:
    return handle_confirmed(m, req, a, resp);
  default:
    reject(req, GS_MMS_RJ_PDU_ERROR, GS_MMS_RJ_PDU_INVALID_PDU, resp);
    return GS_OK;
  }
}
