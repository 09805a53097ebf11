/* The MMSpdu subset: encode (backward: fields last to first), and names. */
#include <string.h>

#include "mms_data.h"

#define MMS_INTEGER 2u

static void enc_service_error(mms_wr *w, const gs_mms_service_error *e) {
  if ((unsigned)e->error_class > GS_MMS_EC_OTHERS) {
    mms_wr_fail(w, GS_ERR_INVALID_ARG);
    return;
  }
  if (e->has_description) {
    mms_wr_visible(w, MMS_CTX, 2, e->description, 0, GS_MMS_MAX_OCTETS);
  }
  if (e->has_additional_code) {
    mms_wr_int(w, MMS_CTX, 1, e->additional_code);
  }
  size_t m = mms_wr_open(w);
  mms_wr_int(w, MMS_CTX, e->error_class, e->code);
  mms_wr_close(w, MMS_CTX, 0, m);
}

static void enc_vas_list(mms_wr *w, const gs_mms_results *rs, bool write_result) {
  mms_enc_result_list(w, MMS_CTX, 0, rs->items, rs->count, write_result);
}

static void enc_read_req(mms_wr *w, const gs_mms_read_req *rq) {
  size_t m = mms_wr_open(w);
  size_t ms = mms_wr_open(w);
  mms_enc_vas(w, &rq->vas);
  mms_wr_close(w, MMS_CTX, 1, ms);
  if (rq->spec_with_result) {
    mms_wr_bool(w, MMS_CTX, 0, true);
  }
  mms_wr_close(w, MMS_CTX, GS_MMS_SVC_READ, m);
}

static void enc_write_req(mms_wr *w, const gs_mms_write_req *wq) {
  size_t m = mms_wr_open(w);
  for (size_t i = 0; i < wq->count && wq->data != NULL; i++) {
    int t = wq->data[i].type;
    if (t == GS_MMS_DATA_FAILURE || t == GS_MMS_DATA_SUCCESS) {
      mms_wr_fail(w, GS_ERR_INVALID_ARG);
    }
  }
  mms_enc_result_list(w, MMS_CTX, 0, wq->data, wq->count, false);
  mms_enc_vas(w, &wq->vas);
  mms_wr_close(w, MMS_CTX, GS_MMS_SVC_WRITE, m);
}

static void enc_read_resp(mms_wr *w, const gs_mms_results *rs) {
  size_t m = mms_wr_open(w);
  mms_enc_result_list(w, MMS_CTX, 1, rs->items, rs->count, false);
  if (rs->has_vas) {
    size_t ms = mms_wr_open(w);
    mms_enc_vas(w, &rs->vas);
    mms_wr_close(w, MMS_CTX, 0, ms);
  }
  mms_wr_close(w, MMS_CTX, GS_MMS_SVC_READ, m);
}

static void enc_confirmed(mms_wr *w, const gs_mms_pdu *pdu) {
  bool req = pdu->type == GS_MMS_CONFIRMED_REQUEST;
  if (pdu->service == GS_MMS_SVC_READ) {
    if (req) {
      enc_read_req(w, &pdu->u.read_req);
    } else {
      enc_read_resp(w, &pdu->u.results);
    }
  } else if (pdu->service == GS_MMS_SVC_WRITE) {
    if (req) {
      enc_write_req(w, &pdu->u.write_req);
    } else {
      mms_enc_result_list(w, MMS_CTX, GS_MMS_SVC_WRITE, pdu->u.results.items, pdu->u.results.count,
                          true);
    }
  } else {
    mms_wr_fail(w, GS_ERR_INVALID_ARG);
  }
  mms_wr_int(w, MMS_UNIV, MMS_INTEGER, (int64_t)pdu->invoke_id);
}

static void enc_bits(mms_wr *w, uint32_t num, const uint8_t *o, size_t cap, unsigned nbits) {
  if (nbits > cap * 8u) {
    mms_wr_fail(w, GS_ERR_INVALID_ARG);
    return;
  }
  mms_wr_bits(w, MMS_CTX, num, o, nbits);
}

static void enc_initiate(mms_wr *w, const gs_mms_initiate *ini) {
  size_t m = mms_wr_open(w);
  enc_bits(w, 2, ini->services, sizeof(ini->services), ini->services_bits);
  enc_bits(w, 1, ini->cbb, sizeof(ini->cbb), ini->cbb_bits);
  mms_wr_int(w, MMS_CTX, 0, ini->version);
  mms_wr_close(w, MMS_CTX, 4, m);
  if (ini->has_nesting_level) {
    mms_wr_int(w, MMS_CTX, 3, ini->nesting_level);
  }
  mms_wr_int(w, MMS_CTX, 2, ini->max_serv_called);
  mms_wr_int(w, MMS_CTX, 1, ini->max_serv_calling);
  if (ini->has_local_detail) {
    mms_wr_int(w, MMS_CTX, 0, ini->local_detail);
  }
}

static void enc_reject(mms_wr *w, const gs_mms_reject *rj) {
  if (rj->reason < GS_MMS_RJ_CONFIRMED_REQUEST || rj->reason > GS_MMS_RJ_CONCLUDE_ERROR) {
    mms_wr_fail(w, GS_ERR_INVALID_ARG);
    return;
  }
  mms_wr_int(w, MMS_CTX, rj->reason, rj->code);
  if (rj->has_invoke_id) {
    mms_wr_int(w, MMS_CTX, 0, (int64_t)rj->invoke_id);
  }
}

static void enc_unconfirmed(mms_wr *w, const gs_mms_pdu *pdu) {
  if (pdu->service != GS_MMS_SVC_INFORMATION_REPORT) {
    mms_wr_fail(w, GS_ERR_INVALID_ARG);
    return;
  }
  size_t m = mms_wr_open(w);
  enc_vas_list(w, &pdu->u.results, false);
  mms_enc_vas(w, &pdu->u.results.vas);
  mms_wr_close(w, MMS_CTX, GS_MMS_SVC_INFORMATION_REPORT, m);
}

static void enc_body(mms_wr *w, const gs_mms_pdu *pdu) {
  switch (pdu->type) {
  case GS_MMS_CONFIRMED_REQUEST:
  case GS_MMS_CONFIRMED_RESPONSE:
    enc_confirmed(w, pdu);
    break;
  case GS_MMS_CONFIRMED_ERROR: {
    size_t m = mms_wr_open(w);
    enc_service_error(w, &pdu->u.error);
    mms_wr_close(w, MMS_CTX, 2, m);
    if (pdu->has_modifier_position) {
      mms_wr_int(w, MMS_CTX, 1, (int64_t)pdu->modifier_position);
    }
    mms_wr_int(w, MMS_CTX, 0, (int64_t)pdu->invoke_id);
    break;
  }
  case GS_MMS_UNCONFIRMED:
    enc_unconfirmed(w, pdu);
    break;
  case GS_MMS_REJECT:
    enc_reject(w, &pdu->u.reject);
    break;
  case GS_MMS_INITIATE_REQUEST:
  case GS_MMS_INITIATE_RESPONSE:
    enc_initiate(w, &pdu->u.initiate);
    break;
  case GS_MMS_INITIATE_ERROR:
  case GS_MMS_CONCLUDE_ERROR:
    enc_service_error(w, &pdu->u.error);
    break;
  default:
    mms_wr_fail(w, GS_ERR_INVALID_ARG);
  }
}

int gs_mms_encode(const gs_mms_pdu *pdu, uint8_t *out, size_t cap, size_t *len) {
  if (pdu == NULL || len == NULL || (out == NULL && cap != 0)) {
    return GS_ERR_INVALID_ARG;
  }
  mms_wr w;
  mms_wr_init(&w, out, cap);
  if (pdu->type == GS_MMS_CONCLUDE_REQUEST || pdu->type == GS_MMS_CONCLUDE_RESPONSE) {
    mms_wr_prim(&w, MMS_CTX, pdu->type, NULL, 0);
  } else {
    size_t m = mms_wr_open(&w);
    enc_body(&w, pdu);
    mms_wr_close(&w, MMS_CTX, pdu->type, m);
  }
  return mms_wr_finish(&w, len);
}

const char *gs_mms_pdu_type_name(int type) {
  static const char *const names[] = {"confirmed-RequestPDU",
                                      "confirmed-ResponsePDU",
                                      "confirmed-ErrorPDU",
                                      "unconfirmed-PDU",
                                      "rejectPDU",
                                      "cancel-RequestPDU",
                                      "cancel-ResponsePDU",
                                      "cancel-ErrorPDU",
                                      "initiate-RequestPDU",
                                      "initiate-ResponsePDU",
                                      "initiate-ErrorPDU",
                                      "conclude-RequestPDU",
                                      "conclude-ResponsePDU",
                                      "conclude-ErrorPDU"};
  if (type < 0 || (size_t)type >= sizeof(names) / sizeof(names[0])) {
    return "unknown";
  }
  return names[type];
}

const char *gs_mms_access_error_name(int err) {
  static const char *const names[] = {
      "object-invalidated",        "hardware-fault",      "temporarily-unavailable",
      "object-access-denied",      "object-undefined",    "invalid-address",
      "type-unsupported",          "type-inconsistent",   "object-attribute-inconsistent",
      "object-access-unsupported", "object-non-existent", "object-value-invalid"};
  if (err < 0 || (size_t)err >= sizeof(names) / sizeof(names[0])) {
    return "unknown";
  }
  return names[err];
}
