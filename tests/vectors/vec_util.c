/* Test vectors: names, hex, time and PEM helpers (see vec.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "vec.h"

static void buf_free(gs_vec_buf *b) {
  free(b->ptr);
  b->ptr = NULL;
  b->len = 0;
}

void gs_vec_free(gs_vec *v) {
  free(v->anchor_pem);
  for (int i = 0; i < 2; i++) {
    free(v->cert_pem[i]);
    free(v->key_pem[i]);
  }
  for (size_t i = 0; i < v->n_dh; i++) {
    buf_free(&v->dh[i].priv);
    buf_free(&v->dh[i].pub);
  }
  for (size_t i = 0; i < v->n_steps; i++) {
    buf_free(&v->steps[i].appl);
    buf_free(&v->steps[i].pdu);
  }
  memset(v, 0, sizeof(*v));
}

const char *gs_vec_party_name(gs_vec_party p) {
  return p == GS_VEC_INITIATOR ? "initiator" : "responder";
}

static const char *const op_names[GS_VEC_OP_COUNT_] = {"connect",     "accept",  "send",
                                                       "update_keys", "release", "auto"};

const char *gs_vec_op_name(gs_vec_op op) {
  return op < GS_VEC_OP_COUNT_ ? op_names[op] : "?";
}

int gs_vec_op_parse(const char *s, gs_vec_op *op) {
  for (int i = 0; i < GS_VEC_OP_COUNT_; i++) {
    if (strcmp(s, op_names[i]) == 0) {
      *op = (gs_vec_op)i;
      return 0;
    }
  }
  return -1;
}

const char *gs_vec_group_name(gs_dh_group g) {
  switch (g) {
  case GS_DH_MODP2048:
    return "modp2048";
  case GS_DH_P256:
    return "secp256r1";
  case GS_DH_P384:
    return "secp384r1";
  case GS_DH_BP256:
    return "brainpoolP256r1";
  case GS_DH_X25519:
    return "x25519";
  }
  return "?";
}

const char *gs_vec_mode_name(gs_offer_mode m) {
  switch (m) {
  case GS_OFFER_AEAD:
    return "aead";
  case GS_OFFER_ETM:
    return "encrypt-then-mac";
  case GS_OFFER_INTEGRITY:
    return "integrity-only";
  }
  return "?";
}

const char *gs_vec_aead_name(gs_aead_alg a) {
  switch (a) {
  case GS_AEAD_AES128_GCM:
    return "aes128-GCM";
  case GS_AEAD_AES256_GCM:
    return "aes256-GCM";
  case GS_AEAD_CHACHA20_POLY1305:
    return "id-alg-AEADChaCha20Poly1305";
  }
  return "?";
}

const char *gs_vec_cipher_name(gs_cipher_alg a) {
  return a == GS_CIPHER_AES128_CBC ? "aes128-CBC" : "aes256-CBC";
}

const char *gs_vec_hash_name(gs_hash_alg a) {
  return a == GS_HASH_SHA384 ? "hmacWithSHA384" : "hmacWithSHA256";
}

const char *gs_vec_keytype_name(gs_vec_keytype k) {
  switch (k) {
  case GS_VEC_KEY_P256:
    return "ecdsa-with-SHA256";
  case GS_VEC_KEY_RSA2048:
    return "sha256WithRSAEncryption";
  case GS_VEC_KEY_ED25519:
    return "id-Ed25519";
  }
  return "?";
}

gs_sig_alg gs_vec_sig_alg(gs_vec_keytype k) {
  switch (k) {
  case GS_VEC_KEY_RSA2048:
    return GS_SIG_RSA_SHA256;
  case GS_VEC_KEY_ED25519:
    return GS_SIG_ED25519;
  case GS_VEC_KEY_P256:
    break;
  }
  return GS_SIG_ECDSA_SHA256;
}

char *gs_vec_hex(const uint8_t *p, size_t len) {
  static const char digits[] = "0123456789abcdef";
  char *s = malloc(2 * len + 1);
  if (s == NULL) {
    return NULL;
  }
  for (size_t i = 0; i < len; i++) {
    s[2 * i] = digits[p[i] >> 4];
    s[2 * i + 1] = digits[p[i] & 15];
  }
  s[2 * len] = '\0';
  return s;
}

static int nibble(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1; /* lower case only: the files are canonical */
}

int gs_vec_unhex(const char *s, gs_vec_buf *out) {
  size_t n = strlen(s);
  out->ptr = NULL;
  out->len = 0;
  if (n % 2 != 0) {
    return -1;
  }
  uint8_t *p = malloc(n / 2 + 1);
  if (p == NULL) {
    return -1;
  }
  for (size_t i = 0; i < n / 2; i++) {
    int hi = nibble(s[2 * i]);
    int lo = nibble(s[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      free(p);
      return -1;
    }
    p[i] = (uint8_t)(hi << 4 | lo);
  }
  out->ptr = p;
  out->len = n / 2;
  return 0;
}

int gs_vec_buf_set(gs_vec_buf *b, const uint8_t *p, size_t len) {
  b->ptr = malloc(len + 1);
  b->len = 0;
  if (b->ptr == NULL) {
    return -1;
  }
  if (len > 0) {
    memcpy(b->ptr, p, len);
  }
  b->len = len;
  return 0;
}

void gs_vec_time_str(gs_time_ms t, char out[32]) {
  time_t sec = (time_t)(t / 1000);
  struct tm tm;
  gmtime_r(&sec, &tm);
  char buf[96];
  snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(t % 1000));
  snprintf(out, 32, "%.31s", buf);
}

int gs_vec_pem_to_der(const char *pem, gs_vec_buf *der) {
  der->ptr = NULL;
  der->len = 0;
  BIO *bio = BIO_new_mem_buf(pem, -1);
  char *name = NULL;
  char *header = NULL;
  unsigned char *data = NULL;
  long len = 0;
  int rc = -1;
  if (bio != NULL && PEM_read_bio(bio, &name, &header, &data, &len) == 1 && len > 0) {
    rc = gs_vec_buf_set(der, data, (size_t)len);
  }
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_clear_free(data, len > 0 ? (size_t)len : 0);
  BIO_free(bio);
  return rc;
}
