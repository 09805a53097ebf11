/* The DER model's MMS messages: report, client requests, initiate, and the
 * server's request handler. */
#include <string.h>

#include "dermodel_internal.h"

static const uint8_t opt_flds[2] = {0x48, 0x00}; /* sequence-number(1), data-set-name(4) */
static const uint8_t inclusion[1] = {0xFE};      /* all 7 members */
static const uint8_t check_none[1] = {0x00};     /* Check: 2 bits, none */

static void v_float(gs_mms_data *d, float v) {
  d->type = GS_MMS_DATA_FLOAT;
  d->v.fp = v;
}

static void v_int(gs_mms_data *d, int64_t v) {
  d->type = GS_MMS_DATA_INTEGER;
  d->v.integer = v;
}

static void v_str(gs_mms_data *d, const char *s) {
  d->type = GS_MMS_DATA_VISIBLE_STRING;
  d->v.str = gs_mms_str(s);
}

static void v_bits(gs_mms_data *d, const uint8_t *o, size_t len, unsigned nbits) {
  d->type = GS_MMS_DATA_BIT_STRING;
  d->v.bits.octets.ptr = o;
  d->v.bits.octets.len = len;
  d->v.bits.nbits = nbits;
}

/* ------------------------------------------------------------- report */
int gs_dermodel_build_report(gs_dermodel *m, gs_mms_arena *a, gs_mms_pdu *out) {
  if (m == NULL || a == NULL || out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  gs_mms_data *n = gs_mms_arena_data(a, GS_DERMODEL_REPORT_NODES);
  if (n == NULL) {
    return GS_ERR_LIMIT;
  }
  memset(out, 0, sizeof(*out));
  out->type = GS_MMS_UNCONFIRMED;
  out->service = GS_MMS_SVC_INFORMATION_REPORT;
  out->u.results.vas.is_list_name = true;
  out->u.results.vas.list_name.scope = GS_MMS_SCOPE_VMD;
  out->u.results.vas.list_name.item_id = gs_mms_str("RPT");
  out->u.results.items = n;
  out->u.results.count = GS_DERMODEL_REPORT_NODES;
  v_str(&n[0], m->rpt_id);
  v_bits(&n[1], opt_flds, sizeof(opt_flds), 10);
  n[2].type = GS_MMS_DATA_UNSIGNED;
  n[2].v.uns = m->seq_num++;
  v_str(&n[3], m->dataset);
  v_bits(&n[4], inclusion, sizeof(inclusion), GS_DERMODEL_REPORT_VALUES);
  v_float(&n[5], m->w);
  v_float(&n[6], m->var);
  v_float(&n[7], m->hz);
  v_int(&n[8], (int64_t)m->wh);
  v_float(&n[9], m->wmax_spt_w);
  v_int(&n[10], m->opst);
  n[11].type = GS_MMS_DATA_UTC_TIME;
  n[11].v.utc = dermodel_utc(m->now);
  return GS_OK;
}

static bool str_is(const gs_mms_data *d, const char *prefix, const char *suffix) {
  size_t p = strlen(prefix), s = strlen(suffix);
  return d->type == GS_MMS_DATA_VISIBLE_STRING && d->v.str.len == p + s &&
         memcmp(d->v.str.ptr, prefix, p) == 0 && memcmp(d->v.str.ptr + p, suffix, s) == 0;
}

int gs_dermodel_parse_report(const gs_mms_pdu *pdu, const char *ld, gs_dermodel_meas *out) {
  static const gs_mms_data_type shape[GS_DERMODEL_REPORT_NODES] = {
      GS_MMS_DATA_VISIBLE_STRING, GS_MMS_DATA_BIT_STRING, GS_MMS_DATA_UNSIGNED,
      GS_MMS_DATA_VISIBLE_STRING, GS_MMS_DATA_BIT_STRING, GS_MMS_DATA_FLOAT,
      GS_MMS_DATA_FLOAT,          GS_MMS_DATA_FLOAT,      GS_MMS_DATA_INTEGER,
      GS_MMS_DATA_FLOAT,          GS_MMS_DATA_INTEGER,    GS_MMS_DATA_UTC_TIME};
  if (pdu == NULL || ld == NULL || out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  const gs_mms_results *r = &pdu->u.results;
  if (pdu->type != GS_MMS_UNCONFIRMED || !r->vas.is_list_name ||
      r->vas.list_name.scope != GS_MMS_SCOPE_VMD || r->vas.list_name.item_id.len != 3 ||
      memcmp(r->vas.list_name.item_id.ptr, "RPT", 3) != 0 || r->count != GS_DERMODEL_REPORT_NODES) {
    return GS_ERR_PROTOCOL;
  }
  const gs_mms_data *n = r->items;
  for (size_t i = 0; i < GS_DERMODEL_REPORT_NODES; i++) {
    if (n[i].type != shape[i]) {
      return GS_ERR_PROTOCOL;
    }
  }
  if (!str_is(&n[0], ld, "/LLN0$RP$urcbMeas01") || !str_is(&n[3], ld, "/LLN0$Measurements") ||
      n[1].v.bits.nbits != 10 || (n[1].v.bits.octets.ptr[0] & 0x48u) != 0x48u ||
      n[4].v.bits.nbits != GS_DERMODEL_REPORT_VALUES ||
      (n[4].v.bits.octets.ptr[0] & 0xFEu) != 0xFEu || n[10].v.integer < INT32_MIN ||
      n[10].v.integer > INT32_MAX) {
    return GS_ERR_PROTOCOL;
  }
  out->seq_num = n[2].v.uns;
  out->w = n[5].v.fp;
  out->var = n[6].v.fp;
  out->hz = n[7].v.fp;
  out->wh = n[8].v.integer;
  out->wmax_spt_w = n[9].v.fp;
  out->opst = (int32_t)n[10].v.integer;
  out->t = n[11].v.utc;
  return GS_OK;
}

/* ------------------------------------------------------------- client */
static int name_list(gs_mms_var_access *vas, const char *ld, const char *const *items, size_t n,
                     gs_mms_arena *a) {
  if (ld == NULL || items == NULL || n == 0 || n > GS_MMS_MAX_LIST) {
    return GS_ERR_INVALID_ARG;
  }
  gs_mms_object_name *o = gs_mms_arena_names(a, n);
  if (o == NULL) {
    return GS_ERR_LIMIT;
  }
  vas->is_list_name = false;
  vas->vars = o;
  vas->var_count = n;
  for (size_t i = 0; i < n; i++) {
    o[i].scope = GS_MMS_SCOPE_DOMAIN;
    o[i].domain_id = gs_mms_str(ld);
    o[i].item_id = gs_mms_str(items[i]);
  }
  return GS_OK;
}

int gs_dermodel_build_read(gs_mms_pdu *out, uint32_t invoke_id, const char *ld,
                           const char *const *items, size_t n, gs_mms_arena *a) {
  if (out == NULL || a == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  memset(out, 0, sizeof(*out));
  out->type = GS_MMS_CONFIRMED_REQUEST;
  out->invoke_id = invoke_id;
  out->service = GS_MMS_SVC_READ;
  return name_list(&out->u.read_req.vas, ld, items, n, a);
}

int gs_dermodel_build_oper(gs_mms_data *out, float value, const gs_dermodel_ctl *ctl,
                           gs_mms_arena *a) {
  if (out == NULL || ctl == NULL || a == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  gs_mms_data *n = gs_mms_arena_data(a, GS_DERMODEL_OPER_NODES - 1);
  if (n == NULL) {
    return GS_ERR_LIMIT;
  }
  out->type = GS_MMS_DATA_STRUCTURE;
  out->v.list.items = n;
  out->v.list.count = 6;
  n[0].type = GS_MMS_DATA_STRUCTURE; /* ctlVal: AnalogueValue { f } */
  n[0].v.list.items = &n[6];
  n[0].v.list.count = 1;
  v_float(&n[6], value);
  n[1].type = GS_MMS_DATA_STRUCTURE; /* origin { orCat, orIdent } */
  n[1].v.list.items = &n[7];
  n[1].v.list.count = 2;
  v_int(&n[7], ctl->or_cat);
  n[8].type = GS_MMS_DATA_OCTET_STRING;
  n[8].v.octets = gs_mms_str(ctl->or_ident);
  n[2].type = GS_MMS_DATA_UNSIGNED;
  n[2].v.uns = ctl->ctl_num;
  n[3].type = GS_MMS_DATA_UTC_TIME;
  n[3].v.utc = dermodel_utc(ctl->t);
  n[4].type = GS_MMS_DATA_BOOLEAN;
  n[4].v.boolean = ctl->test;
  v_bits(&n[5], check_none, sizeof(check_none), 2);
  return GS_OK;
}

int gs_dermodel_build_setpoint(gs_mms_pdu *out, uint32_t invoke_id, const char *ld, float w,
                               const gs_dermodel_ctl *ctl, gs_mms_arena *a) {
  static const char *const item[1] = {"DWMX1$CO$WMaxSpt$Oper"};
  if (out == NULL || a == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  memset(out, 0, sizeof(*out));
  out->type = GS_MMS_CONFIRMED_REQUEST;
  out->invoke_id = invoke_id;
  out->service = GS_MMS_SVC_WRITE;
  gs_mms_data *oper = gs_mms_arena_data(a, 1);
  if (oper == NULL) {
    return GS_ERR_LIMIT;
  }
  int err = name_list(&out->u.write_req.vas, ld, item, 1, a);
  if (err == GS_OK) {
    err = gs_dermodel_build_oper(oper, w, ctl, a);
  }
  out->u.write_req.data = oper;
  out->u.write_req.count = 1;
  return err;
}

void gs_dermodel_build_initiate_request(gs_mms_pdu *out) {
  memset(out, 0, sizeof(*out));
  out->type = GS_MMS_INITIATE_REQUEST;
  gs_mms_initiate *i = &out->u.initiate;
  i->has_local_detail = true;
  i->local_detail = 65000;
  i->max_serv_calling = 5;
  i->max_serv_called = 5;
  i->has_nesting_level = true;
  i->nesting_level = 10;
  i->version = 1;
  i->cbb[0] = 0xF1; /* str1 str2 vnam valt vlis */
  i->cbb_bits = 11;
  /* getNameList identify read write getVariableAccessAttributes (octet 0),
   * getNamedVariableListAttributes (12), informationReport (79),
   * conclude (83). */
  static const uint8_t svc[11] = {0x6E, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x10};
  memcpy(i->services, svc, sizeof(svc));
  i->services_bits = 85;
}

static int16_t min16(int16_t a, int16_t b) {
  return a < b ? a : b;
}

void gs_dermodel_build_initiate_response(const gs_mms_pdu *req, gs_mms_pdu *out) {
  gs_mms_pdu ours;
  gs_dermodel_build_initiate_request(&ours);
  *out = ours;
  out->type = GS_MMS_INITIATE_RESPONSE;
  if (req == NULL || req->type != GS_MMS_INITIATE_REQUEST) {
    return;
  }
  const gs_mms_initiate *q = &req->u.initiate;
  gs_mms_initiate *r = &out->u.initiate;
  if (q->has_local_detail && q->local_detail > 0 && q->local_detail < r->local_detail) {
    r->local_detail = q->local_detail;
  }
  r->max_serv_calling = min16(q->max_serv_calling > 0 ? q->max_serv_calling : 1, 5);
  r->max_serv_called = min16(q->max_serv_called > 0 ? q->max_serv_called : 1, 5);
  if (q->has_nesting_level && q->nesting_level > 0 && q->nesting_level < r->nesting_level) {
    r->nesting_level = q->nesting_level;
  }
}
