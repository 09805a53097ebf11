/* applData as MMS for `gridseal inspect` (include/gridseal/mms.h). */
#include <stdio.h>

#include "gridseal/error.h"
#include "gridseal/mms.h"
#include "inspect.h"
#include "util.h"

#define MMS_NODES 512
#define MMS_NAMES 64
#define MMS_SHOW_DEPTH 6

static void name_line(FILE *f, int in, const gs_mms_object_name *n) {
  if (n->scope == GS_MMS_SCOPE_DOMAIN) {
    fprintf(f, "%*s%.*s/%.*s\n", in, "", (int)n->domain_id.len, (const char *)n->domain_id.ptr,
            (int)n->item_id.len, (const char *)n->item_id.ptr);
  } else {
    fprintf(f, "%*s%s%.*s\n", in, "",
            n->scope == GS_MMS_SCOPE_VMD ? "vmd:" : "aa:", (int)n->item_id.len,
            (const char *)n->item_id.ptr);
  }
}

static void vas(FILE *f, int in, const gs_mms_var_access *v) {
  if (v->is_list_name) {
    fprintf(f, "%*svariable list:\n", in, "");
    name_line(f, in + 2, &v->list_name);
    return;
  }
  fprintf(f, "%*svariables: %zu\n", in, "", v->var_count);
  for (size_t i = 0; i < v->var_count; i++) {
    name_line(f, in + 2, &v->vars[i]);
  }
}

static void data(FILE *f, int in, const gs_mms_data *d, int depth) {
  fprintf(f, "%*s", in, "");
  switch (d->type) {
  case GS_MMS_DATA_ARRAY:
  case GS_MMS_DATA_STRUCTURE:
    fprintf(f, "%s (%zu)\n", d->type == GS_MMS_DATA_ARRAY ? "array" : "structure", d->v.list.count);
    for (size_t i = 0; depth < MMS_SHOW_DEPTH && i < d->v.list.count; i++) {
      data(f, in + 2, &d->v.list.items[i], depth + 1);
    }
    return;
  case GS_MMS_DATA_BOOLEAN:
    fprintf(f, "boolean %s\n", d->v.boolean ? "TRUE" : "FALSE");
    return;
  case GS_MMS_DATA_INTEGER:
    fprintf(f, "integer %lld\n", (long long)d->v.integer);
    return;
  case GS_MMS_DATA_UNSIGNED:
    fprintf(f, "unsigned %u\n", (unsigned)d->v.uns);
    return;
  case GS_MMS_DATA_FLOAT:
    fprintf(f, "float %g\n", (double)d->v.fp);
    return;
  case GS_MMS_DATA_VISIBLE_STRING:
    fprintf(f, "visible-string \"%.*s\"\n", (int)d->v.str.len, (const char *)d->v.str.ptr);
    return;
  case GS_MMS_DATA_OCTET_STRING:
    fprintf(f, "octet-string %zu octets\n", d->v.octets.len);
    return;
  case GS_MMS_DATA_BIT_STRING:
    fprintf(f, "bit-string %u bits\n", d->v.bits.nbits);
    return;
  case GS_MMS_DATA_UTC_TIME: {
    char iso[40];
    gs_app_iso_time((gs_time_ms)d->v.utc.secs * 1000 +
                        (gs_time_ms)(((uint64_t)d->v.utc.fraction * 1000) >> 24),
                    iso, sizeof(iso));
    fprintf(f, "utc-time %s (quality 0x%02x)\n", iso, d->v.utc.quality);
    return;
  }
  case GS_MMS_DATA_FAILURE:
    fprintf(f, "failure %s\n", gs_mms_access_error_name((int)d->v.failure));
    return;
  case GS_MMS_DATA_SUCCESS:
    fputs("success\n", f);
    return;
  }
  fputs("(unknown data type)\n", f);
}

static void results(FILE *f, int in, const gs_mms_results *r) {
  if (r->has_vas) {
    vas(f, in, &r->vas);
  }
  fprintf(f, "%*sresults: %zu\n", in, "", r->count);
  for (size_t i = 0; i < r->count; i++) {
    data(f, in + 2, &r->items[i], 0);
  }
}

static void body(FILE *f, int in, const gs_mms_pdu *p) {
  switch (p->type) {
  case GS_MMS_CONFIRMED_REQUEST:
    fprintf(f, "%*sinvokeID: %u, service: %s\n", in, "", (unsigned)p->invoke_id,
            p->service == GS_MMS_SVC_READ ? "read" : "write");
    if (p->service == GS_MMS_SVC_READ) {
      vas(f, in, &p->u.read_req.vas);
    } else {
      vas(f, in, &p->u.write_req.vas);
      fprintf(f, "%*sdata: %zu\n", in, "", p->u.write_req.count);
      for (size_t i = 0; i < p->u.write_req.count; i++) {
        data(f, in + 2, &p->u.write_req.data[i], 0);
      }
    }
    return;
  case GS_MMS_CONFIRMED_RESPONSE:
    fprintf(f, "%*sinvokeID: %u, service: %s\n", in, "", (unsigned)p->invoke_id,
            p->service == GS_MMS_SVC_READ ? "read" : "write");
    results(f, in, &p->u.results);
    return;
  case GS_MMS_UNCONFIRMED:
    fprintf(f, "%*sservice: informationReport\n", in, "");
    vas(f, in, &p->u.results.vas);
    results(f, in, &p->u.results);
    return;
  case GS_MMS_CONFIRMED_ERROR:
  case GS_MMS_INITIATE_ERROR:
  case GS_MMS_CONCLUDE_ERROR:
    fprintf(f, "%*serrorClass: %d, code: %d\n", in, "", (int)p->u.error.error_class,
            (int)p->u.error.code);
    return;
  case GS_MMS_REJECT:
    fprintf(f, "%*sreason: %d, code: %d\n", in, "", (int)p->u.reject.reason, (int)p->u.reject.code);
    return;
  case GS_MMS_INITIATE_REQUEST:
  case GS_MMS_INITIATE_RESPONSE:
    fprintf(f, "%*sversion: %d, maxServOutstanding: %d/%d, nesting: %d\n", in, "",
            (int)p->u.initiate.version, (int)p->u.initiate.max_serv_calling,
            (int)p->u.initiate.max_serv_called,
            p->u.initiate.has_nesting_level ? (int)p->u.initiate.nesting_level : -1);
    return;
  default:
    return;
  }
}

void gs_inspect_mms(FILE *f, gs_slice appl_data, int indent) {
  static gs_mms_data nodes[MMS_NODES];
  static gs_mms_object_name names[MMS_NAMES];
  gs_mms_arena arena;
  gs_mms_arena_init(&arena, nodes, MMS_NODES, names, MMS_NAMES);
  gs_mms_pdu pdu;
  int rc = gs_mms_decode(appl_data.ptr, appl_data.len, &arena, &pdu);
  if (rc != GS_OK) {
    fprintf(f, "%*sapplData: %zu octets (not MMS: %s)\n", indent, "", appl_data.len,
            gs_strerror(rc));
    if (appl_data.len > 0) {
      gs_app_hexdump(f, appl_data.ptr, appl_data.len, indent + 2, 256);
    }
    return;
  }
  fprintf(f, "%*sapplData: %zu octets, MMS %s\n", indent, "", appl_data.len,
          gs_mms_pdu_type_name((int)pdu.type));
  body(f, indent + 2, &pdu);
}

const char *gs_inspect_mms_type(gs_slice appl_data) {
  static gs_mms_data nodes[MMS_NODES];
  static gs_mms_object_name names[MMS_NAMES];
  gs_mms_arena arena;
  gs_mms_arena_init(&arena, nodes, MMS_NODES, names, MMS_NAMES);
  gs_mms_pdu pdu;
  if (gs_mms_decode(appl_data.ptr, appl_data.len, &arena, &pdu) != GS_OK) {
    return NULL;
  }
  return gs_mms_pdu_type_name((int)pdu.type);
}
