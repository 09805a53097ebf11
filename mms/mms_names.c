/* ObjectName and VariableAccessSpecification (named variables and named
 * variable lists; no addresses, no alternateAccess). */
#include "mms_data.h"

#define MMS_VISIBLE_STRING 26u /* UNIVERSAL 26, Identifier */
#define MMS_SEQUENCE 16u

static int dec_ident(const mms_tlv *t, gs_slice *out) {
  if (t->cons) {
    return GS_ERR_DER_CONSTRUCTED;
  }
  *out = t->c;
  return mms_content_visible(t->c, 1, GS_MMS_MAX_IDENT);
}

int mms_dec_name(const mms_tlv *t, const mms_rd *r, gs_mms_object_name *o) {
  if (t->cls != MMS_CTX || t->num > GS_MMS_SCOPE_AA) {
    return GS_ERR_DER_UNKNOWN_CHOICE;
  }
  o->scope = (gs_mms_scope)t->num;
  o->domain_id.ptr = NULL;
  o->domain_id.len = 0;
  if (o->scope != GS_MMS_SCOPE_DOMAIN) {
    return dec_ident(t, &o->item_id);
  }
  mms_rd in;
  mms_tlv c;
  int err = mms_rd_enter(r, t, &in);
  if (err == GS_OK) {
    err = mms_rd_expect(&in, MMS_UNIV, false, MMS_VISIBLE_STRING, &c);
  }
  if (err == GS_OK) {
    err = dec_ident(&c, &o->domain_id);
  }
  if (err == GS_OK) {
    err = mms_rd_expect(&in, MMS_UNIV, false, MMS_VISIBLE_STRING, &c);
  }
  if (err == GS_OK) {
    err = dec_ident(&c, &o->item_id);
  }
  return err != GS_OK ? err : mms_rd_finish(&in);
}

void mms_enc_name(mms_wr *w, const gs_mms_object_name *o) {
  if (o->scope == GS_MMS_SCOPE_DOMAIN) {
    size_t m = mms_wr_open(w);
    mms_wr_visible(w, MMS_UNIV, MMS_VISIBLE_STRING, o->item_id, 1, GS_MMS_MAX_IDENT);
    mms_wr_visible(w, MMS_UNIV, MMS_VISIBLE_STRING, o->domain_id, 1, GS_MMS_MAX_IDENT);
    mms_wr_close(w, MMS_CTX, GS_MMS_SCOPE_DOMAIN, m);
  } else if (o->scope == GS_MMS_SCOPE_VMD || o->scope == GS_MMS_SCOPE_AA) {
    mms_wr_visible(w, MMS_CTX, o->scope, o->item_id, 1, GS_MMS_MAX_IDENT);
  } else {
    mms_wr_fail(w, GS_ERR_INVALID_ARG);
  }
}

/* SEQUENCE { variableSpecification name [0] ObjectName, alternateAccess
 * [5] OPTIONAL (unsupported) } */
static int dec_var(const mms_rd *r, gs_mms_object_name *o) {
  mms_rd seq = *r, spec;
  mms_tlv t;
  int err = mms_rd_next(&seq, &t);
  if (err != GS_OK) {
    return err;
  }
  if (t.cls != MMS_CTX) {
    return GS_ERR_DER_UNKNOWN_CHOICE;
  }
  if (t.num >= 1 && t.num <= 4) {
    return GS_ERR_UNSUPPORTED; /* address, variableDescription, scattered, invalidated */
  }
  if (t.num != 0) {
    return GS_ERR_DER_UNKNOWN_CHOICE;
  }
  err = mms_rd_enter(&seq, &t, &spec);
  if (err == GS_OK) {
    err = mms_rd_next(&spec, &t);
  }
  if (err == GS_OK) {
    err = mms_dec_name(&t, &spec, o);
  }
  if (err == GS_OK) {
    err = mms_rd_finish(&spec);
  }
  if (err == GS_OK && mms_rd_peek_is(&seq, MMS_CTX, 5)) {
    return GS_ERR_UNSUPPORTED;
  }
  return err != GS_OK ? err : mms_rd_finish(&seq);
}

static int dec_var_list(const mms_rd *r, const mms_tlv *t, gs_mms_arena *a, gs_mms_var_access *v) {
  mms_rd in;
  size_t n = 0;
  int err = mms_rd_enter(r, t, &in);
  if (err == GS_OK) {
    err = mms_rd_count(&in, GS_MMS_MAX_LIST, &n);
  }
  if (err != GS_OK) {
    return err;
  }
  v->var_count = n;
  v->vars = NULL;
  if (n > 0 && (v->vars = gs_mms_arena_names(a, n)) == NULL) {
    return GS_ERR_LIMIT;
  }
  for (size_t i = 0; i < n && err == GS_OK; i++) {
    mms_rd seq;
    err = mms_rd_expect_enter(&in, MMS_UNIV, MMS_SEQUENCE, &seq);
    if (err == GS_OK) {
      err = dec_var(&seq, &v->vars[i]);
    }
  }
  return err != GS_OK ? err : mms_rd_finish(&in);
}

int mms_dec_vas(const mms_rd *r, const mms_tlv *t, gs_mms_arena *a, gs_mms_var_access *v) {
  if (t->cls != MMS_CTX || t->num > 1) {
    return GS_ERR_DER_UNKNOWN_CHOICE;
  }
  if (!t->cons) {
    return GS_ERR_DER_CONSTRUCTED;
  }
  v->is_list_name = t->num == 1;
  if (!v->is_list_name) {
    return dec_var_list(r, t, a, v);
  }
  v->vars = NULL;
  v->var_count = 0;
  mms_rd in;
  mms_tlv c;
  int err = mms_rd_enter(r, t, &in);
  if (err == GS_OK) {
    err = mms_rd_next(&in, &c);
  }
  if (err == GS_OK) {
    err = mms_dec_name(&c, &in, &v->list_name);
  }
  return err != GS_OK ? err : mms_rd_finish(&in);
}

void mms_enc_vas(mms_wr *w, const gs_mms_var_access *v) {
  size_t m = mms_wr_open(w);
  if (v->is_list_name) {
    mms_enc_name(w, &v->list_name);
    mms_wr_close(w, MMS_CTX, 1, m);
    return;
  }
  if (v->var_count > GS_MMS_MAX_LIST || (v->var_count > 0 && v->vars == NULL)) {
    mms_wr_fail(w, v->var_count > GS_MMS_MAX_LIST ? GS_ERR_DER_TOO_LARGE : GS_ERR_INVALID_ARG);
    mms_wr_close(w, MMS_CTX, 0, m);
    return;
  }
  for (size_t i = v->var_count; i > 0; i--) {
    size_t ms = mms_wr_open(w);
    size_t mn = mms_wr_open(w);
    mms_enc_name(w, &v->vars[i - 1]);
    mms_wr_close(w, MMS_CTX, 0, mn);
    mms_wr_close(w, MMS_UNIV, MMS_SEQUENCE, ms);
  }
  mms_wr_close(w, MMS_CTX, 0, m);
}
