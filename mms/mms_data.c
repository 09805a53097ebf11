/* MMS Data values, access results, ObjectName and
 * VariableAccessSpecification: strict decode and encode. */
#include <string.h>

#include "mms_data.h"

/* ------------------------------------------------------------- arena */
void gs_mms_arena_init(gs_mms_arena *a, gs_mms_data *data, size_t data_cap,
                       gs_mms_object_name *names, size_t names_cap) {
  a->data = data;
  a->data_cap = data == NULL ? 0 : data_cap;
  a->data_used = 0;
  a->names = names;
  a->names_cap = names == NULL ? 0 : names_cap;
  a->names_used = 0;
}

void gs_mms_arena_reset(gs_mms_arena *a) {
  a->data_used = 0;
  a->names_used = 0;
}

gs_mms_data *gs_mms_arena_data(gs_mms_arena *a, size_t n) {
  if (a == NULL || n == 0 || n > a->data_cap - a->data_used) {
    return NULL;
  }
  gs_mms_data *d = a->data + a->data_used;
  a->data_used += n;
  memset(d, 0, n * sizeof(*d));
  return d;
}

gs_mms_object_name *gs_mms_arena_names(gs_mms_arena *a, size_t n) {
  if (a == NULL || n == 0 || n > a->names_cap - a->names_used) {
    return NULL;
  }
  gs_mms_object_name *o = a->names + a->names_used;
  a->names_used += n;
  memset(o, 0, n * sizeof(*o));
  return o;
}

gs_slice gs_mms_str(const char *s) {
  gs_slice r = {(const uint8_t *)s, s == NULL ? 0 : strlen(s)};
  return r;
}

/* ------------------------------------------------------------- Data */
static int dec_list(const mms_rd *r, const mms_tlv *t, gs_mms_arena *a, gs_mms_data *d) {
  mms_rd in;
  size_t n = 0;
  int err = mms_rd_enter(r, t, &in);
  if (err == GS_OK) {
    err = mms_rd_count(&in, GS_MMS_MAX_LIST, &n);
  }
  if (err != GS_OK) {
    return err;
  }
  d->v.list.count = n;
  d->v.list.items = NULL;
  if (n > 0 && (d->v.list.items = gs_mms_arena_data(a, n)) == NULL) {
    return GS_ERR_LIMIT;
  }
  for (size_t i = 0; i < n; i++) {
    mms_tlv c;
    err = mms_rd_next(&in, &c);
    if (err == GS_OK) {
      err = mms_dec_data(&in, &c, a, &d->v.list.items[i]);
    }
    if (err != GS_OK) {
      return err;
    }
  }
  return mms_rd_finish(&in);
}

static int dec_float(gs_slice c, float *out) {
  if (c.len == 9 && c.ptr[0] == 11) {
    return GS_ERR_UNSUPPORTED; /* double precision */
  }
  if (c.len != 5 || c.ptr[0] != 8) {
    return GS_ERR_DER_BAD_SIZE;
  }
  uint32_t u = ((uint32_t)c.ptr[1] << 24) | ((uint32_t)c.ptr[2] << 16) | ((uint32_t)c.ptr[3] << 8) |
               c.ptr[4];
  memcpy(out, &u, sizeof(*out));
  return GS_OK;
}

static int dec_utc(gs_slice c, gs_mms_utc_time *u) {
  if (c.len != 8) {
    return GS_ERR_DER_BAD_SIZE;
  }
  u->secs = ((uint32_t)c.ptr[0] << 24) | ((uint32_t)c.ptr[1] << 16) | ((uint32_t)c.ptr[2] << 8) |
            c.ptr[3];
  u->fraction = ((uint32_t)c.ptr[4] << 16) | ((uint32_t)c.ptr[5] << 8) | c.ptr[6];
  u->quality = c.ptr[7];
  return GS_OK;
}

static int dec_prim(const mms_tlv *t, gs_mms_data *d) {
  switch (t->num) {
  case GS_MMS_DATA_BOOLEAN:
    return mms_content_bool(t->c, &d->v.boolean);
  case GS_MMS_DATA_BIT_STRING:
    return mms_content_bits(t->c, GS_MMS_MAX_OCTETS, &d->v.bits.octets, &d->v.bits.nbits);
  case GS_MMS_DATA_INTEGER:
    return mms_content_int(t->c, INT64_MIN, INT64_MAX, &d->v.integer);
  case GS_MMS_DATA_UNSIGNED:
    return mms_content_uint32(t->c, &d->v.uns);
  case GS_MMS_DATA_FLOAT:
    return dec_float(t->c, &d->v.fp);
  case GS_MMS_DATA_OCTET_STRING:
    d->v.octets = t->c;
    return t->c.len > GS_MMS_MAX_OCTETS ? GS_ERR_DER_TOO_LARGE : GS_OK;
  case GS_MMS_DATA_VISIBLE_STRING:
    d->v.str = t->c;
    return mms_content_visible(t->c, 0, GS_MMS_MAX_OCTETS);
  case GS_MMS_DATA_UTC_TIME:
    return dec_utc(t->c, &d->v.utc);
  default:
    return GS_ERR_INTERNAL;
  }
}

int mms_dec_data(const mms_rd *r, const mms_tlv *t, gs_mms_arena *a, gs_mms_data *d) {
  if (t->cls != MMS_CTX) {
    return GS_ERR_DER_UNKNOWN_CHOICE;
  }
  switch (t->num) {
  case GS_MMS_DATA_ARRAY:
  case GS_MMS_DATA_STRUCTURE:
    d->type = (gs_mms_data_type)t->num;
    return t->cons ? dec_list(r, t, a, d) : GS_ERR_DER_CONSTRUCTED;
  case GS_MMS_DATA_BOOLEAN:
  case GS_MMS_DATA_BIT_STRING:
  case GS_MMS_DATA_INTEGER:
  case GS_MMS_DATA_UNSIGNED:
  case GS_MMS_DATA_FLOAT:
  case GS_MMS_DATA_OCTET_STRING:
  case GS_MMS_DATA_VISIBLE_STRING:
  case GS_MMS_DATA_UTC_TIME:
    d->type = (gs_mms_data_type)t->num;
    return t->cons ? GS_ERR_DER_CONSTRUCTED : dec_prim(t, d);
  case 8:  /* real */
  case 12: /* binary-time */
  case 13: /* bcd */
  case 14: /* booleanArray */
  case 15: /* objId */
  case 16: /* mMSString */
    return GS_ERR_UNSUPPORTED;
  default:
    return GS_ERR_DER_UNKNOWN_CHOICE;
  }
}

static int dec_failure(const mms_tlv *t, gs_mms_data *d) {
  int64_t v = 0;
  if (t->cons) {
    return GS_ERR_DER_CONSTRUCTED;
  }
  int err = mms_content_int(t->c, 0, GS_MMS_AE_OBJECT_VALUE_INVALID, &v);
  d->type = GS_MMS_DATA_FAILURE;
  d->v.failure = (gs_mms_access_error)v;
  return err;
}

int mms_dec_result(const mms_rd *r, const mms_tlv *t, gs_mms_arena *a, bool write_result,
                   gs_mms_data *d) {
  if (t->cls == MMS_CTX && t->num == 0) {
    return dec_failure(t, d);
  }
  if (!write_result) {
    return mms_dec_data(r, t, a, d);
  }
  if (t->cls != MMS_CTX || t->num != 1) {
    return GS_ERR_DER_UNKNOWN_CHOICE;
  }
  if (t->cons) {
    return GS_ERR_DER_CONSTRUCTED;
  }
  d->type = GS_MMS_DATA_SUCCESS;
  return t->c.len == 0 ? GS_OK : GS_ERR_DER_BAD_NULL;
}

int mms_dec_result_list(const mms_rd *r, const mms_tlv *t, gs_mms_arena *a, bool write_result,
                        gs_mms_data **items, size_t *count) {
  mms_rd in;
  size_t n = 0;
  int err = mms_rd_enter(r, t, &in);
  if (err == GS_OK) {
    err = mms_rd_count(&in, GS_MMS_MAX_LIST, &n);
  }
  if (err != GS_OK) {
    return err;
  }
  *count = n;
  *items = NULL;
  if (n > 0 && (*items = gs_mms_arena_data(a, n)) == NULL) {
    return GS_ERR_LIMIT;
  }
  for (size_t i = 0; i < n; i++) {
    mms_tlv c;
    err = mms_rd_next(&in, &c);
    if (err == GS_OK) {
      err = mms_dec_result(&in, &c, a, write_result, &(*items)[i]);
    }
    if (err != GS_OK) {
      return err;
    }
  }
  return mms_rd_finish(&in);
}

static void enc_scalar(mms_wr *w, const gs_mms_data *d) {
  uint8_t b[8];
  switch (d->type) {
  case GS_MMS_DATA_BOOLEAN:
    mms_wr_bool(w, MMS_CTX, d->type, d->v.boolean);
    break;
  case GS_MMS_DATA_BIT_STRING:
    if (d->v.bits.nbits > d->v.bits.octets.len * 8u) {
      mms_wr_fail(w, GS_ERR_INVALID_ARG);
    }
    mms_wr_bits(w, MMS_CTX, d->type, d->v.bits.octets.ptr, d->v.bits.nbits);
    break;
  case GS_MMS_DATA_INTEGER:
    mms_wr_int(w, MMS_CTX, d->type, d->v.integer);
    break;
  case GS_MMS_DATA_UNSIGNED:
    mms_wr_int(w, MMS_CTX, d->type, (int64_t)d->v.uns);
    break;
  case GS_MMS_DATA_FLOAT: {
    uint32_t u;
    memcpy(&u, &d->v.fp, sizeof(u));
    uint8_t f[5] = {8, (uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8), (uint8_t)u};
    mms_wr_prim(w, MMS_CTX, d->type, f, sizeof(f));
    break;
  }
  case GS_MMS_DATA_OCTET_STRING:
    if (d->v.octets.len > GS_MMS_MAX_OCTETS || (d->v.octets.len && !d->v.octets.ptr)) {
      mms_wr_fail(w,
                  d->v.octets.len > GS_MMS_MAX_OCTETS ? GS_ERR_DER_TOO_LARGE : GS_ERR_INVALID_ARG);
      break;
    }
    mms_wr_prim(w, MMS_CTX, d->type, d->v.octets.ptr, d->v.octets.len);
    break;
  case GS_MMS_DATA_VISIBLE_STRING:
    mms_wr_visible(w, MMS_CTX, d->type, d->v.str, 0, GS_MMS_MAX_OCTETS);
    break;
  case GS_MMS_DATA_UTC_TIME:
    if (d->v.utc.fraction > 0xFFFFFFu) {
      mms_wr_fail(w, GS_ERR_INVALID_ARG);
      break;
    }
    for (int i = 0; i < 4; i++) {
      b[i] = (uint8_t)(d->v.utc.secs >> (24 - 8 * i));
    }
    b[4] = (uint8_t)(d->v.utc.fraction >> 16);
    b[5] = (uint8_t)(d->v.utc.fraction >> 8);
    b[6] = (uint8_t)d->v.utc.fraction;
    b[7] = d->v.utc.quality;
    mms_wr_prim(w, MMS_CTX, d->type, b, 8);
    break;
  default:
    mms_wr_fail(w, GS_ERR_INVALID_ARG);
  }
}

void mms_enc_data(mms_wr *w, const gs_mms_data *d) {
  if (w->err != GS_OK) {
    return;
  }
  if (d->type == GS_MMS_DATA_STRUCTURE || d->type == GS_MMS_DATA_ARRAY) {
    size_t n = d->v.list.count;
    if (n > GS_MMS_MAX_LIST || (n > 0 && d->v.list.items == NULL)) {
      mms_wr_fail(w, n > GS_MMS_MAX_LIST ? GS_ERR_DER_TOO_LARGE : GS_ERR_INVALID_ARG);
      return;
    }
    size_t m = mms_wr_open(w);
    for (size_t i = n; i > 0 && w->err == GS_OK; i--) {
      mms_enc_data(w, &d->v.list.items[i - 1]);
    }
    mms_wr_close(w, MMS_CTX, d->type, m);
    return;
  }
  enc_scalar(w, d);
}

void mms_enc_result_list(mms_wr *w, uint8_t cls, uint32_t num, const gs_mms_data *items,
                         size_t count, bool write_result) {
  if (count > GS_MMS_MAX_LIST || (count > 0 && items == NULL)) {
    mms_wr_fail(w, count > GS_MMS_MAX_LIST ? GS_ERR_DER_TOO_LARGE : GS_ERR_INVALID_ARG);
    return;
  }
  size_t m = mms_wr_open(w);
  for (size_t i = count; i > 0; i--) {
    const gs_mms_data *d = &items[i - 1];
    if (d->type == GS_MMS_DATA_FAILURE) {
      if ((unsigned)d->v.failure > GS_MMS_AE_OBJECT_VALUE_INVALID) {
        mms_wr_fail(w, GS_ERR_INVALID_ARG);
      }
      mms_wr_int(w, MMS_CTX, 0, (int64_t)d->v.failure);
    } else if (write_result) {
      if (d->type != GS_MMS_DATA_SUCCESS) {
        mms_wr_fail(w, GS_ERR_INVALID_ARG);
      }
      mms_wr_prim(w, MMS_CTX, 1, NULL, 0);
    } else {
      mms_enc_data(w, d);
    }
  }
  mms_wr_close(w, cls, num, m);
}

bool gs_mms_data_equal(const gs_mms_data *a, const gs_mms_data *b) {
  if (a->type != b->type) {
    return false;
  }
  switch (a->type) {
  case GS_MMS_DATA_FAILURE:
    return a->v.failure == b->v.failure;
  case GS_MMS_DATA_SUCCESS:
    return true;
  case GS_MMS_DATA_ARRAY:
  case GS_MMS_DATA_STRUCTURE:
    if (a->v.list.count != b->v.list.count) {
      return false;
    }
    for (size_t i = 0; i < a->v.list.count; i++) {
      if (!gs_mms_data_equal(&a->v.list.items[i], &b->v.list.items[i])) {
        return false;
      }
    }
    return true;
  case GS_MMS_DATA_BOOLEAN:
    return a->v.boolean == b->v.boolean;
  case GS_MMS_DATA_BIT_STRING: {
    unsigned n = a->v.bits.nbits;
    if (n != b->v.bits.nbits) {
      return false;
    }
    for (unsigned i = 0; i < n; i++) {
      unsigned m = 0x80u >> (i % 8);
      if ((a->v.bits.octets.ptr[i / 8] & m) != (b->v.bits.octets.ptr[i / 8] & m)) {
        return false;
      }
    }
    return true;
  }
  case GS_MMS_DATA_INTEGER:
    return a->v.integer == b->v.integer;
  case GS_MMS_DATA_UNSIGNED:
    return a->v.uns == b->v.uns;
  case GS_MMS_DATA_FLOAT:
    return memcmp(&a->v.fp, &b->v.fp, sizeof(float)) == 0;
  case GS_MMS_DATA_OCTET_STRING:
  case GS_MMS_DATA_VISIBLE_STRING:
    return a->v.str.len == b->v.str.len &&
           (a->v.str.len == 0 || memcmp(a->v.str.ptr, b->v.str.ptr, a->v.str.len) == 0);
  case GS_MMS_DATA_UTC_TIME:
    return a->v.utc.secs == b->v.utc.secs && a->v.utc.fraction == b->v.utc.fraction &&
           a->v.utc.quality == b->v.utc.quality;
  }
  return false;
}
