/* The MMSpdu subset: decode and encode. */
#include <string.h>

#include "mms_data.h"

#define MMS_INTEGER 2u
#define MMS_SEQUENCE 16u
#define MMS_CS_REQUEST_DETAIL 79u /* [79] after the service: unsupported */
#define MMS_MAX_SERVICE_TAG 77u   /* fileDirectory, the last confirmed service */

/* ------------------------------------------------------------- helpers */
static int dec_int_field(mms_rd *r, uint8_t cls, uint32_t num, int64_t min, int64_t max,
                         int64_t *out) {
  mms_tlv t;
  int err = mms_rd_expect(r, cls, false, num, &t);
  return err != GS_OK ? err : mms_content_int(t.c, min, max, out);
}

static int dec_u32_field(mms_rd *r, uint8_t cls, uint32_t num, uint32_t *out) {
  int64_t v = 0;
  int err = dec_int_field(r, cls, num, 0, (int64_t)UINT32_MAX, &v);
  *out = (uint32_t)v;
  return err;
}

/* Anything left after the last field: cs-request-detail is known but not
 * implemented; everything else is trailing. */
static int finish_pdu(const mms_rd *r) {
  if (mms_rd_peek_is(r, MMS_CTX, MMS_CS_REQUEST_DETAIL)) {
    return GS_ERR_UNSUPPORTED;
  }
  return mms_rd_finish(r);
}

/* ------------------------------------------------------------- decode */
static int dec_service_error(mms_rd *in, gs_mms_service_error *e) {
  mms_rd cls;
  mms_tlv t;
  int64_t v = 0;
  int err = mms_rd_expect_enter(in, MMS_CTX, 0, &cls);
  if (err == GS_OK) {
    err = mms_rd_next(&cls, &t);
  }
  if (err != GS_OK) {
    return err;
  }
  if (t.cls != MMS_CTX || t.num > GS_MMS_EC_OTHERS) {
    return GS_ERR_DER_UNKNOWN_CHOICE;
  }
  if (t.cons) {
    return GS_ERR_DER_CONSTRUCTED;
  }
  e->error_class = (gs_mms_error_class)t.num;
  err = mms_content_int(t.c, INT32_MIN, INT32_MAX, &v);
  e->code = (int32_t)v;
  if (err == GS_OK) {
    err = mms_rd_finish(&cls);
  }
  if (err == GS_OK && (e->has_additional_code = mms_rd_peek_is(in, MMS_CTX, 1))) {
    err = dec_int_field(in, MMS_CTX, 1, INT32_MIN, INT32_MAX, &v);
    e->additional_code = (int32_t)v;
  }
  if (err == GS_OK && (e->has_description = mms_rd_peek_is(in, MMS_CTX, 2))) {
    err = mms_rd_expect(in, MMS_CTX, false, 2, &t);
    if (err == GS_OK) {
      e->description = t.c;
      err = mms_content_visible(t.c, 0, GS_MMS_MAX_OCTETS);
    }
  }
  if (err == GS_OK && mms_rd_peek_is(in, MMS_CTX, 3)) {
    return GS_ERR_UNSUPPORTED; /* serviceSpecificInformation */
  }
  return err != GS_OK ? err : mms_rd_finish(in);
}

static int dec_read_req(mms_rd *in, gs_mms_arena *a, gs_mms_read_req *rq) {
  mms_tlv t;
  mms_rd spec;
  int err = GS_OK;
  if (mms_rd_peek_is(in, MMS_CTX, 0)) {
    err = mms_rd_expect(in, MMS_CTX, false, 0, &t);
    if (err == GS_OK) {
      err = mms_content_bool(t.c, &rq->spec_with_result);
    }
    if (err == GS_OK && !rq->spec_with_result) {
      err = GS_ERR_DER_DEFAULT_ENCODED;
    }
  }
  if (err == GS_OK) {
    err = mms_rd_expect_enter(in, MMS_CTX, 1, &spec);
  }
  if (err == GS_OK) {
    err = mms_rd_next(&spec, &t);
  }
  if (err == GS_OK) {
    err = mms_dec_vas(&spec, &t, a, &rq->vas);
  }
  if (err == GS_OK) {
    err = mms_rd_finish(&spec);
  }
  return err != GS_OK ? err : mms_rd_finish(in);
}

static int dec_write_req(mms_rd *in, gs_mms_arena *a, gs_mms_write_req *wq) {
  mms_tlv t;
  int err = mms_rd_next(in, &t);
  if (err == GS_OK) {
    err = mms_dec_vas(in, &t, a, &wq->vas);
  }
  if (err == GS_OK) {
    err = mms_rd_expect(in, MMS_CTX, true, 0, &t);
  }
  if (err == GS_OK) {
    err = mms_dec_result_list(in, &t, a, false, &wq->data, &wq->count);
  }
  for (size_t i = 0; err == GS_OK && i < wq->count; i++) {
    if (wq->data[i].type == GS_MMS_DATA_FAILURE) {
      err = GS_ERR_DER_UNKNOWN_CHOICE; /* [0] is no Data alternative */
    }
  }
  return err != GS_OK ? err : mms_rd_finish(in);
}

static int dec_read_resp(mms_rd *in, gs_mms_arena *a, gs_mms_results *rs) {
  mms_tlv t;
  int err = GS_OK;
  if ((rs->has_vas = mms_rd_peek_is(in, MMS_CTX, 0))) {
    mms_rd spec;
    err = mms_rd_expect_enter(in, MMS_CTX, 0, &spec);
    if (err == GS_OK) {
      err = mms_rd_next(&spec, &t);
    }
    if (err == GS_OK) {
      err = mms_dec_vas(&spec, &t, a, &rs->vas);
    }
    if (err == GS_OK) {
      err = mms_rd_finish(&spec);
    }
  }
  if (err == GS_OK) {
    err = mms_rd_expect(in, MMS_CTX, true, 1, &t);
  }
  if (err == GS_OK) {
    err = mms_dec_result_list(in, &t, a, false, &rs->items, &rs->count);
  }
  return err != GS_OK ? err : mms_rd_finish(in);
}

/* The confirmed service element: `response` selects the response forms. */
static int dec_service(mms_rd *in, gs_mms_arena *a, bool response, gs_mms_pdu *pdu) {
  mms_tlv t;
  mms_rd svc;
  int err = mms_rd_next(in, &t);
  if (err != GS_OK) {
    return err;
  }
  if (t.cls != MMS_CTX || t.num > MMS_MAX_SERVICE_TAG) {
    return GS_ERR_DER_UNKNOWN_CHOICE;
  }
  if (t.num != GS_MMS_SVC_READ && t.num != GS_MMS_SVC_WRITE) {
    return GS_ERR_UNSUPPORTED;
  }
  pdu->service = (gs_mms_service)t.num;
  if (response && t.num == GS_MMS_SVC_WRITE) {
    err = mms_dec_result_list(in, &t, a, true, &pdu->u.results.items, &pdu->u.results.count);
    return err != GS_OK ? err : finish_pdu(in);
  }
  err = mms_rd_enter(in, &t, &svc);
  if (err == GS_OK) {
    if (response) {
      err = dec_read_resp(&svc, a, &pdu->u.results);
    } else if (t.num == GS_MMS_SVC_READ) {
      err = dec_read_req(&svc, a, &pdu->u.read_req);
    } else {
      err = dec_write_req(&svc, a, &pdu->u.write_req);
    }
  }
  return err != GS_OK ? err : finish_pdu(in);
}

static int dec_confirmed(mms_rd *in, gs_mms_arena *a, gs_mms_pdu *pdu) {
  int err = dec_u32_field(in, MMS_UNIV, MMS_INTEGER, &pdu->invoke_id);
  if (err != GS_OK) {
    return err;
  }
  if (pdu->type == GS_MMS_CONFIRMED_REQUEST && mms_rd_peek_is(in, MMS_UNIV, MMS_SEQUENCE)) {
    return GS_ERR_UNSUPPORTED; /* listOfModifier */
  }
  return dec_service(in, a, pdu->type == GS_MMS_CONFIRMED_RESPONSE, pdu);
}

static int dec_confirmed_error(mms_rd *in, gs_mms_pdu *pdu) {
  mms_rd se;
  int err = dec_u32_field(in, MMS_CTX, 0, &pdu->invoke_id);
  if (err == GS_OK && (pdu->has_modifier_position = mms_rd_peek_is(in, MMS_CTX, 1))) {
    err = dec_u32_field(in, MMS_CTX, 1, &pdu->modifier_position);
  }
  if (err == GS_OK) {
    err = mms_rd_expect_enter(in, MMS_CTX, 2, &se);
  }
  if (err == GS_OK) {
    err = dec_service_error(&se, &pdu->u.error);
  }
  return err != GS_OK ? err : mms_rd_finish(in);
}

static int dec_unconfirmed(mms_rd *in, gs_mms_arena *a, gs_mms_pdu *pdu) {
  mms_tlv t;
  mms_rd ir;
  int err = mms_rd_next(in, &t);
  if (err != GS_OK) {
    return err;
  }
  if (t.cls != MMS_CTX || t.num > 2) {
    return GS_ERR_DER_UNKNOWN_CHOICE;
  }
  if (t.num != GS_MMS_SVC_INFORMATION_REPORT) {
    return GS_ERR_UNSUPPORTED; /* unsolicitedStatus, eventNotification */
  }
  pdu->service = GS_MMS_SVC_INFORMATION_REPORT;
  err = mms_rd_enter(in, &t, &ir);
  if (err == GS_OK) {
    err = mms_rd_next(&ir, &t);
  }
  if (err == GS_OK) {
    err = mms_dec_vas(&ir, &t, a, &pdu->u.results.vas);
  }
  if (err == GS_OK) {
    err = mms_rd_expect(&ir, MMS_CTX, true, 0, &t);
  }
  if (err == GS_OK) {
    err = mms_dec_result_list(&ir, &t, a, false, &pdu->u.results.items, &pdu->u.results.count);
  }
  if (err == GS_OK) {
    err = mms_rd_finish(&ir);
  }
  return err != GS_OK ? err : finish_pdu(in);
}

static int dec_reject(mms_rd *in, gs_mms_reject *rj) {
  mms_tlv t;
  int64_t v = 0;
  int err = GS_OK;
  if ((rj->has_invoke_id = mms_rd_peek_is(in, MMS_CTX, 0))) {
    err = dec_u32_field(in, MMS_CTX, 0, &rj->invoke_id);
  }
  if (err == GS_OK) {
    err = mms_rd_next(in, &t);
  }
  if (err != GS_OK) {
    return err;
  }
  if (t.cls != MMS_CTX || t.num < GS_MMS_RJ_CONFIRMED_REQUEST || t.num > GS_MMS_RJ_CONCLUDE_ERROR) {
    return GS_ERR_DER_UNKNOWN_CHOICE;
  }
  if (t.cons) {
    return GS_ERR_DER_CONSTRUCTED;
  }
  rj->reason = (gs_mms_reject_class)t.num;
  err = mms_content_int(t.c, INT32_MIN, INT32_MAX, &v);
  rj->code = (int32_t)v;
  return err != GS_OK ? err : mms_rd_finish(in);
}

static int dec_bits_field(mms_rd *r, uint32_t num, uint8_t *dst, size_t max, unsigned *nbits) {
  mms_tlv t;
  gs_slice o;
  int err = mms_rd_expect(r, MMS_CTX, false, num, &t);
  if (err == GS_OK) {
    err = mms_content_bits(t.c, max, &o, nbits);
  }
  if (err == GS_OK && o.len > 0) {
    memcpy(dst, o.ptr, o.len);
  }
  return err;
}

static int dec_initiate(mms_rd *in, gs_mms_initiate *ini) {
  int64_t v = 0;
  mms_rd det;
  int err = GS_OK;
  if ((ini->has_local_detail = mms_rd_peek_is(in, MMS_CTX, 0))) {
    err = dec_int_field(in, MMS_CTX, 0, INT32_MIN, INT32_MAX, &v);
    ini->local_detail = (int32_t)v;
  }
  if (err == GS_OK) {
    err = dec_int_field(in, MMS_CTX, 1, INT16_MIN, INT16_MAX, &v);
    ini->max_serv_calling = (int16_t)v;
  }
  if (err == GS_OK) {
    err = dec_int_field(in, MMS_CTX, 2, INT16_MIN, INT16_MAX, &v);
    ini->max_serv_called = (int16_t)v;
  }
  if (err == GS_OK && (ini->has_nesting_level = mms_rd_peek_is(in, MMS_CTX, 3))) {
    err = dec_int_field(in, MMS_CTX, 3, INT8_MIN, INT8_MAX, &v);
    ini->nesting_level = (int8_t)v;
  }
  if (err == GS_OK) {
    err = mms_rd_expect_enter(in, MMS_CTX, 4, &det);
  }
  if (err == GS_OK) {
    err = dec_int_field(&det, MMS_CTX, 0, INT16_MIN, INT16_MAX, &v);
    ini->version = (int16_t)v;
  }
  if (err == GS_OK) {
    err = dec_bits_field(&det, 1, ini->cbb, GS_MMS_MAX_CBB_OCTETS, &ini->cbb_bits);
  }
  if (err == GS_OK) {
    err = dec_bits_field(&det, 2, ini->services, GS_MMS_MAX_SERVICES_OCTETS, &ini->services_bits);
  }
  if (err == GS_OK) {
    err = mms_rd_finish(&det);
  }
  return err != GS_OK ? err : mms_rd_finish(in);
}

static int dec_body(mms_rd *r, const mms_tlv *t, gs_mms_arena *a, gs_mms_pdu *pdu) {
  mms_rd in;
  if (pdu->type == GS_MMS_CONCLUDE_REQUEST || pdu->type == GS_MMS_CONCLUDE_RESPONSE) {
    if (t->cons) {
      return GS_ERR_DER_CONSTRUCTED;
    }
    return t->c.len == 0 ? GS_OK : GS_ERR_DER_BAD_NULL;
  }
  int err = mms_rd_enter(r, t, &in);
  if (err != GS_OK) {
    return err;
  }
  switch (pdu->type) {
  case GS_MMS_CONFIRMED_REQUEST:
  case GS_MMS_CONFIRMED_RESPONSE:
    return dec_confirmed(&in, a, pdu);
  case GS_MMS_CONFIRMED_ERROR:
    return dec_confirmed_error(&in, pdu);
  case GS_MMS_UNCONFIRMED:
    return dec_unconfirmed(&in, a, pdu);
  case GS_MMS_REJECT:
    return dec_reject(&in, &pdu->u.reject);
  case GS_MMS_INITIATE_REQUEST:
  case GS_MMS_INITIATE_RESPONSE:
    return dec_initiate(&in, &pdu->u.initiate);
  default: /* initiate-Error, conclude-Error */
    return dec_service_error(&in, &pdu->u.error);
  }
}

int gs_mms_decode(const uint8_t *in, size_t len, gs_mms_arena *arena, gs_mms_pdu *pdu) {
  if ((in == NULL && len != 0) || arena == NULL || pdu == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  if (len > GS_MMS_MAX_PDU_SIZE) {
    return GS_ERR_DER_TOO_LARGE;
  }
  memset(pdu, 0, sizeof(*pdu));
  mms_rd r;
  mms_tlv t;
  mms_rd_init(&r, in, len);
  int err = mms_rd_next(&r, &t);
  if (err == GS_OK) {
    err = mms_rd_finish(&r);
  }
  if (err != GS_OK) {
    return err;
  }
  if (t.cls != MMS_CTX || t.num > GS_MMS_CONCLUDE_ERROR) {
    return GS_ERR_DER_UNKNOWN_CHOICE;
  }
  if (t.num >= 5 && t.num <= 7) {
    return GS_ERR_UNSUPPORTED; /* cancel */
  }
  pdu->type = (gs_mms_pdu_type)t.num;
  return dec_body(&r, &t, arena, pdu);
}
