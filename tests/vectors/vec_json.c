/* Test vectors: JSON writer and reader (jansson). The format is described
 * field by field in docs/vectors/README.md. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vec.h"

/* ------------------------------------------------------------ writer */
static void put_hex(json_t *o, const char *key, const uint8_t *p, size_t len) {
  char *h = gs_vec_hex(p, len);
  json_object_set_new(o, key, json_string(h != NULL ? h : ""));
  free(h);
}

static void put_time(json_t *o, const char *key, gs_time_ms t) {
  char s[32];
  char k[40];
  gs_vec_time_str(t, s);
  json_object_set_new(o, key, json_string(s));
  snprintf(k, sizeof(k), "%s_ms", key);
  json_object_set_new(o, k, json_integer(t));
}

static json_t *config_json(const gs_vec *v) {
  json_t *c = json_object();
  json_object_set_new(c, "pp", json_string(GS_PP_DEFAULT));
  json_object_set_new(c, "dh_group", json_integer(v->group));
  json_object_set_new(c, "dh_group_name", json_string(gs_vec_group_name(v->group)));
  json_object_set_new(c, "hkdf_hmac", json_string(gs_vec_hash_name(v->hmac)));
  json_object_set_new(c, "mode", json_string(gs_vec_mode_name(v->offer)));
  json_object_set_new(
      c, "aead", v->offer == GS_OFFER_AEAD ? json_string(gs_vec_aead_name(v->aead)) : json_null());
  json_object_set_new(
      c, "encr", v->offer == GS_OFFER_ETM ? json_string(gs_vec_cipher_name(v->encr)) : json_null());
  json_object_set_new(
      c, "icv", v->offer != GS_OFFER_AEAD ? json_string(gs_vec_hash_name(v->icv)) : json_null());
  json_object_set_new(c, "signature", json_string(gs_vec_keytype_name(v->keytype)));
  json_object_set_new(c, "signature_randomized", json_boolean(v->keytype == GS_VEC_KEY_P256));
  json_object_set_new(c, "time_tolerance_ms", json_integer(GS_HS_TOLERANCE_MS));
  json_object_set_new(c, "replay_mode", json_string("strict"));
  return c;
}

static json_t *pki_json(const gs_vec *v) {
  json_t *p = json_object();
  json_object_set_new(p, "trust_anchor", json_string(v->anchor_pem));
  for (int k = 0; k < 2; k++) {
    json_t *e = json_object();
    json_object_set_new(e, "identity_uri", json_string(v->identity[k]));
    json_object_set_new(e, "certificate", json_string(v->cert_pem[k]));
    json_object_set_new(e, "private_key", json_string(v->key_pem[k]));
    json_object_set_new(p, gs_vec_party_name((gs_vec_party)k), e);
  }
  return p;
}

static json_t *keys_json(const gs_vec *v, const gs_test_secrets *s) {
  json_t *k = json_object();
  const uint8_t *o = s->okm;
  if (v->offer == GS_OFFER_AEAD) {
    put_hex(k, "K_A", o, 32);
    put_hex(k, "K_B", o + 32, 32);
  } else {
    put_hex(k, "IK_A", o, 32);
    put_hex(k, "IK_B", o + 32, 32);
    put_hex(k, "EK_A", o + 64, 32);
    put_hex(k, "EK_B", o + 96, 32);
  }
  size_t kl = v->offer == GS_OFFER_AEAD  ? gs_aead_key_len(v->aead)
              : v->offer == GS_OFFER_ETM ? gs_cipher_key_len(v->encr)
                                         : 0;
  json_object_set_new(k, "cipher_key_len", json_integer((json_int_t)kl));
  return k;
}

static json_t *epochs_json(const gs_vec *v) {
  json_t *a = json_array();
  for (size_t i = 0; i < v->n_epochs; i++) {
    const gs_vec_epoch *e = &v->epochs[i];
    json_t *o = json_object();
    json_object_set_new(o, "epoch", json_integer(e->epoch));
    json_object_set_new(o, "trigger", json_string(e->trigger_step < 0 ? "handshake" : "rekey"));
    json_object_set_new(o, "trigger_pdu",
                        e->trigger_step < 0 ? json_null() : json_integer(e->trigger_step));
    put_hex(o, "h_prev", e->s.h_prev, GS_HASH_LEN);
    put_hex(o, "h", e->s.h, GS_HASH_LEN);
    put_hex(o, "z", e->s.z, e->s.z_len);
    put_hex(o, "prk", e->s.prk, e->s.prk_len);
    put_hex(o, "okm", e->s.okm, e->s.okm_len);
    json_object_set_new(o, "keys", keys_json(v, &e->s));
    json_array_append_new(a, o);
  }
  return a;
}

static json_t *dh_json(const gs_vec *v) {
  json_t *a = json_array();
  for (size_t i = 0; i < v->n_dh; i++) {
    const gs_vec_dh *d = &v->dh[i];
    json_t *o = json_object();
    json_object_set_new(o, "party", json_string(gs_vec_party_name(d->party)));
    json_object_set_new(o, "use", json_string(d->epoch == 0 ? "handshake" : "rekey"));
    json_object_set_new(o, "epoch", json_integer(d->epoch));
    json_object_set_new(o, "group", json_integer(v->group));
    put_hex(o, "private", d->priv.ptr, d->priv.len);
    put_hex(o, "public", d->pub.ptr, d->pub.len);
    json_array_append_new(a, o);
  }
  return a;
}

static json_t *steps_json(const gs_vec *v) {
  json_t *a = json_array();
  for (size_t i = 0; i < v->n_steps; i++) {
    const gs_vec_step *st = &v->steps[i];
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer((json_int_t)i));
    json_object_set_new(o, "sender", json_string(gs_vec_party_name(st->sender)));
    json_object_set_new(o, "op", json_string(gs_vec_op_name(st->op)));
    json_object_set_new(o, "kind", json_string(gs_pdu_kind_name(st->kind)));
    put_time(o, "now", st->now);
    put_time(o, "received_at", st->received_at);
    put_hex(o, "appl_data", st->appl.ptr, st->appl.len);
    if (st->is_data) {
      json_object_set_new(o, "seq", json_integer(st->seq));
      json_object_set_new(o, "key_epoch", json_integer(st->key_epoch));
      if (st->has_iv) {
        put_hex(o, "iv", st->iv, st->iv_len);
      }
    }
    put_hex(o, "pdu", st->pdu.ptr, st->pdu.len);
    json_array_append_new(a, o);
  }
  return a;
}

int gs_vec_write_json(const gs_vec *v, const char *path) {
  json_t *root = json_object();
  json_object_set_new(root, "format", json_string(GS_VEC_FORMAT));
  json_object_set_new(root, "name", json_string(v->name));
  json_object_set_new(root, "description", json_string(v->description));
  json_object_set_new(root, "config", config_json(v));
  json_object_set_new(root, "pki", pki_json(v));
  json_object_set_new(root, "asso_id", json_string(v->asso_id));
  json_object_set_new(root, "ephemeral_keys", dh_json(v));
  json_object_set_new(root, "epochs", epochs_json(v));
  json_object_set_new(root, "pdus", steps_json(v));
  int rc = json_dump_file(root, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
  json_decref(root);
  if (rc == 0) {
    FILE *f = fopen(path, "a"); /* a final newline */
    rc = f != NULL && fputc('\n', f) != EOF && fclose(f) == 0 ? 0 : -1;
  }
  return rc;
}

/* ------------------------------------------------------------ reader */
typedef struct rd {
  char *err;
  size_t cap;
  int failed;
} rd;

__attribute__((format(printf, 2, 3))) static void rd_fail(rd *r, const char *fmt, ...) {
  if (r->failed) {
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err, r->cap, fmt, ap);
  va_end(ap);
  r->failed = 1;
}

static const char *get_str(rd *r, json_t *o, const char *key) {
  const char *s = json_string_value(json_object_get(o, key));
  if (s == NULL) {
    rd_fail(r, "missing string \"%s\"", key);
    return "";
  }
  return s;
}

static long long get_int(rd *r, json_t *o, const char *key) {
  json_t *j = json_object_get(o, key);
  if (!json_is_integer(j)) {
    rd_fail(r, "missing integer \"%s\"", key);
    return 0;
  }
  return json_integer_value(j);
}

static void get_hex(rd *r, json_t *o, const char *key, gs_vec_buf *out) {
  if (gs_vec_unhex(get_str(r, o, key), out) != 0) {
    rd_fail(r, "\"%s\" is not lower-case hex", key);
  }
}

static void get_hex_fixed(rd *r, json_t *o, const char *key, uint8_t *dst, size_t cap,
                          size_t *len) {
  gs_vec_buf b = {0};
  get_hex(r, o, key, &b);
  if (b.len > cap || (len == NULL && b.len != cap)) {
    rd_fail(r, "\"%s\" has a wrong length", key);
  } else if (!r->failed) {
    memcpy(dst, b.ptr, b.len);
    if (len != NULL) {
      *len = b.len;
    }
  }
  free(b.ptr);
}

static gs_vec_party get_party(rd *r, json_t *o, const char *key) {
  const char *s = get_str(r, o, key);
  if (strcmp(s, "initiator") == 0) {
    return GS_VEC_INITIATOR;
  }
  if (strcmp(s, "responder") != 0) {
    rd_fail(r, "bad party \"%s\"", s);
  }
  return GS_VEC_RESPONDER;
}

static char *dup_str(rd *r, json_t *o, const char *key) {
  const char *s = get_str(r, o, key);
  char *d = malloc(strlen(s) + 1);
  if (d == NULL) {
    rd_fail(r, "out of memory");
    return NULL;
  }
  return strcpy(d, s);
}

static void read_config(rd *r, json_t *c, gs_vec *v) {
  v->group = (gs_dh_group)get_int(r, c, "dh_group");
  v->hmac =
      strcmp(get_str(r, c, "hkdf_hmac"), "hmacWithSHA384") == 0 ? GS_HASH_SHA384 : GS_HASH_SHA256;
  const char *mode = get_str(r, c, "mode");
  const char *sig = get_str(r, c, "signature");
  bool found = false;
  bool sig_found = false;
  for (int m = GS_OFFER_AEAD; m <= GS_OFFER_INTEGRITY; m++) {
    if (strcmp(mode, gs_vec_mode_name((gs_offer_mode)m)) == 0) {
      v->offer = (gs_offer_mode)m;
      found = true;
    }
  }
  for (int k = GS_VEC_KEY_P256; k <= GS_VEC_KEY_ED25519; k++) {
    if (strcmp(sig, gs_vec_keytype_name((gs_vec_keytype)k)) == 0) {
      v->keytype = (gs_vec_keytype)k;
      sig_found = true;
    }
  }
  if (!found || !sig_found) {
    rd_fail(r, "unknown mode \"%s\" or signature \"%s\"", mode, sig);
  }
  v->aead = GS_AEAD_AES256_GCM;
  v->encr = GS_CIPHER_AES256_CBC;
  v->icv = GS_HASH_SHA256;
  const char *s = json_string_value(json_object_get(c, "aead"));
  for (int a = GS_AEAD_AES128_GCM; s != NULL && a <= GS_AEAD_CHACHA20_POLY1305; a++) {
    v->aead = strcmp(s, gs_vec_aead_name((gs_aead_alg)a)) == 0 ? (gs_aead_alg)a : v->aead;
  }
  s = json_string_value(json_object_get(c, "encr"));
  if (s != NULL && strcmp(s, "aes128-CBC") == 0) {
    v->encr = GS_CIPHER_AES128_CBC;
  }
  s = json_string_value(json_object_get(c, "icv"));
  if (s != NULL && strcmp(s, "hmacWithSHA384") == 0) {
    v->icv = GS_HASH_SHA384;
  }
}

static void read_pki(rd *r, json_t *p, gs_vec *v) {
  v->anchor_pem = dup_str(r, p, "trust_anchor");
  for (int k = 0; k < 2; k++) {
    json_t *e = json_object_get(p, gs_vec_party_name((gs_vec_party)k));
    v->cert_pem[k] = dup_str(r, e, "certificate");
    v->key_pem[k] = dup_str(r, e, "private_key");
    snprintf(v->identity[k], sizeof(v->identity[k]), "%s", get_str(r, e, "identity_uri"));
  }
}

static void read_dh(rd *r, json_t *a, gs_vec *v) {
  if (json_array_size(a) > GS_VEC_MAX_DH) {
    rd_fail(r, "too many ephemeral keys");
    return;
  }
  for (size_t i = 0; i < json_array_size(a); i++) {
    json_t *o = json_array_get(a, i);
    gs_vec_dh *d = &v->dh[v->n_dh++];
    d->party = get_party(r, o, "party");
    d->epoch = (uint32_t)get_int(r, o, "epoch");
    get_hex(r, o, "private", &d->priv);
    get_hex(r, o, "public", &d->pub);
  }
}

static void read_epochs(rd *r, json_t *a, gs_vec *v) {
  if (json_array_size(a) > GS_VEC_MAX_EPOCHS) {
    rd_fail(r, "too many epochs");
    return;
  }
  for (size_t i = 0; i < json_array_size(a); i++) {
    json_t *o = json_array_get(a, i);
    gs_vec_epoch *e = &v->epochs[v->n_epochs++];
    e->epoch = (uint32_t)get_int(r, o, "epoch");
    e->s.epoch = e->epoch;
    json_t *t = json_object_get(o, "trigger_pdu");
    e->trigger_step = json_is_integer(t) ? (int)json_integer_value(t) : -1;
    get_hex_fixed(r, o, "h_prev", e->s.h_prev, GS_HASH_LEN, NULL);
    get_hex_fixed(r, o, "h", e->s.h, GS_HASH_LEN, NULL);
    get_hex_fixed(r, o, "z", e->s.z, sizeof(e->s.z), &e->s.z_len);
    get_hex_fixed(r, o, "prk", e->s.prk, sizeof(e->s.prk), &e->s.prk_len);
    get_hex_fixed(r, o, "okm", e->s.okm, sizeof(e->s.okm), &e->s.okm_len);
  }
}

static gs_time_ms get_time(rd *r, json_t *o, const char *key) {
  char k[40];
  char s[32];
  snprintf(k, sizeof(k), "%s_ms", key);
  gs_time_ms t = (gs_time_ms)get_int(r, o, k);
  gs_vec_time_str(t, s);
  if (strcmp(s, get_str(r, o, key)) != 0) {
    rd_fail(r, "\"%s\" and \"%s\" disagree", key, k);
  }
  return t;
}

static void read_steps(rd *r, json_t *a, gs_vec *v) {
  if (json_array_size(a) > GS_VEC_MAX_STEPS) {
    rd_fail(r, "too many PDUs");
    return;
  }
  for (size_t i = 0; i < json_array_size(a); i++) {
    json_t *o = json_array_get(a, i);
    gs_vec_step *st = &v->steps[v->n_steps++];
    if ((size_t)get_int(r, o, "index") != i) {
      rd_fail(r, "pdus[%zu]: wrong index", i);
    }
    st->sender = get_party(r, o, "sender");
    if (gs_vec_op_parse(get_str(r, o, "op"), &st->op) != 0) {
      rd_fail(r, "pdus[%zu]: unknown op", i);
    }
    st->now = get_time(r, o, "now");
    st->received_at = get_time(r, o, "received_at");
    get_hex(r, o, "appl_data", &st->appl);
    get_hex(r, o, "pdu", &st->pdu);
    st->is_data = json_object_get(o, "seq") != NULL;
    if (st->is_data) {
      st->seq = (uint32_t)get_int(r, o, "seq");
      st->key_epoch = (uint32_t)get_int(r, o, "key_epoch");
      st->has_iv = json_object_get(o, "iv") != NULL;
      if (st->has_iv) {
        get_hex_fixed(r, o, "iv", st->iv, sizeof(st->iv), &st->iv_len);
      }
    }
  }
}

int gs_vec_read_json(const char *path, gs_vec *v, char *err, size_t cap) {
  memset(v, 0, sizeof(*v));
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  if (root == NULL) {
    snprintf(err, cap, "%s:%d: %s", path, je.line, je.text);
    return -1;
  }
  rd r = {err, cap, 0};
  if (strcmp(get_str(&r, root, "format"), GS_VEC_FORMAT) != 0) {
    rd_fail(&r, "unknown format");
  }
  snprintf(v->name, sizeof(v->name), "%s", get_str(&r, root, "name"));
  snprintf(v->description, sizeof(v->description), "%s", get_str(&r, root, "description"));
  snprintf(v->asso_id, sizeof(v->asso_id), "%s", get_str(&r, root, "asso_id"));
  read_config(&r, json_object_get(root, "config"), v);
  read_pki(&r, json_object_get(root, "pki"), v);
  read_dh(&r, json_object_get(root, "ephemeral_keys"), v);
  read_epochs(&r, json_object_get(root, "epochs"), v);
  read_steps(&r, json_object_get(root, "pdus"), v);
  json_decref(root);
  return r.failed ? -1 : 0;
}
