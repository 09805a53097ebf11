/* Test vectors: the generator behind gs-vectors (gen_vectors.c) and
 * gs_vectors_write_all() (format: docs/vectors/README.md). Each file is one full exchange through
 * the session engine: handshake, data both ways, reqRekey from the
 * responder, the initiator's rekey and the responder's changedKey, data
 * under the new keys, release. Keys and certificates are fresh on every
 * run and recorded in the file; the replay test (test_vectors_replay)
 * proves the engine reproduces a committed file byte for byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "gridseal/crypto_openssl.h"
#include "vec.h"

/* Fixed validity window of every certificate in the vectors. */
#define VEC_NOT_BEFORE "20260101000000Z"
#define VEC_NOT_AFTER "20360101000000Z"

typedef struct vec_def {
  const char *file;
  const char *description;
  gs_dh_group group;
  gs_vec_keytype keytype;
  gs_offer_mode offer;
  gs_aead_alg aead;
  gs_cipher_alg encr;
} vec_def;

static const vec_def defs[] = {
    {"01-p256-ecdsa-aes256gcm",
     "secp256r1 (group 19) + ECDSA P-256 + aes256-GCM (AEAD), HKDF/HMAC-SHA256", GS_DH_P256,
     GS_VEC_KEY_P256, GS_OFFER_AEAD, GS_AEAD_AES256_GCM, GS_CIPHER_AES256_CBC},
    {"02-p256-ecdsa-hmacsha256-integrity",
     "secp256r1 (group 19) + ECDSA P-256 + integrity only (clearTransfer, hmacWithSHA256 ICV)",
     GS_DH_P256, GS_VEC_KEY_P256, GS_OFFER_INTEGRITY, GS_AEAD_AES256_GCM, GS_CIPHER_AES256_CBC},
    {"03-modp2048-rsa2048-aes128cbc-hmacsha256",
     "2048-bit MODP (group 14) + RSA-2048 (sha256WithRSAEncryption) + aes128-CBC with "
     "hmacWithSHA256 (encrypt-then-MAC)",
     GS_DH_MODP2048, GS_VEC_KEY_RSA2048, GS_OFFER_ETM, GS_AEAD_AES256_GCM, GS_CIPHER_AES128_CBC},
    {"04-x25519-ed25519-chacha20poly1305",
     "X25519 (group 31) + Ed25519 + ChaCha20-Poly1305 (AEAD), HKDF/HMAC-SHA256", GS_DH_X25519,
     GS_VEC_KEY_ED25519, GS_OFFER_AEAD, GS_AEAD_CHACHA20_POLY1305, GS_CIPHER_AES256_CBC},
};

/* ------------------------------------------------------------ PKI */
static EVP_PKEY *gen_key(gs_vec_keytype t) {
  switch (t) {
  case GS_VEC_KEY_RSA2048:
    return EVP_RSA_gen(2048);
  case GS_VEC_KEY_ED25519:
    return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
  case GS_VEC_KEY_P256:
    break;
  }
  return EVP_EC_gen("P-256");
}

static int add_ext(X509 *c, X509 *issuer, int nid, const char *value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, c, NULL, NULL, 0);
  X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  int ok = ex != NULL && X509_add_ext(c, ex, -1) == 1;
  X509_EXTENSION_free(ex);
  return ok ? 0 : -1;
}

static X509 *make_cert(long serial, const char *cn, EVP_PKEY *pub, X509 *issuer) {
  X509 *c = X509_new();
  if (c == NULL) {
    return NULL;
  }
  X509_NAME *n = X509_get_subject_name(c);
  if (X509_set_version(c, 2) != 1 || ASN1_INTEGER_set(X509_get_serialNumber(c), serial) != 1 ||
      ASN1_TIME_set_string_X509(X509_getm_notBefore(c), VEC_NOT_BEFORE) != 1 ||
      ASN1_TIME_set_string_X509(X509_getm_notAfter(c), VEC_NOT_AFTER) != 1 ||
      X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0) !=
          1 ||
      X509_set_issuer_name(c, issuer != NULL ? X509_get_subject_name(issuer) : n) != 1 ||
      X509_set_pubkey(c, pub) != 1) {
    X509_free(c);
    return NULL;
  }
  return c;
}

static int sign_cert(X509 *c, EVP_PKEY *key) {
  const EVP_MD *md = EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
  return X509_sign(c, key, md) > 0 ? 0 : -1;
}

static char *bio_string(BIO *b) {
  char *data = NULL;
  long n = BIO_get_mem_data(b, &data);
  char *s = n > 0 ? malloc((size_t)n + 1) : NULL;
  if (s != NULL) {
    memcpy(s, data, (size_t)n);
    s[n] = '\0';
  }
  return s;
}

static char *cert_pem(X509 *c) {
  BIO *b = BIO_new(BIO_s_mem());
  char *s = b != NULL && PEM_write_bio_X509(b, c) == 1 ? bio_string(b) : NULL;
  BIO_free(b);
  return s;
}

static char *key_pem(EVP_PKEY *k) {
  BIO *b = BIO_new(BIO_s_mem());
  char *s = b != NULL && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1
                ? bio_string(b)
                : NULL;
  BIO_free(b);
  return s;
}

static int issue_ee(gs_vec *v, int k, long serial, X509 *ca, EVP_PKEY *ca_key) {
  EVP_PKEY *key = gen_key(v->keytype);
  X509 *c = key != NULL ? make_cert(serial, v->identity[k], key, ca) : NULL;
  char san[128];
  snprintf(san, sizeof(san), "URI:%s", v->identity[k]);
  int rc = -1;
  if (c != NULL && add_ext(c, ca, NID_basic_constraints, "critical,CA:FALSE") == 0 &&
      add_ext(c, ca, NID_key_usage, "critical,digitalSignature") == 0 &&
      add_ext(c, ca, NID_subject_alt_name, san) == 0 &&
      add_ext(c, ca, NID_subject_key_identifier, "hash") == 0 &&
      add_ext(c, ca, NID_authority_key_identifier, "keyid") == 0 && sign_cert(c, ca_key) == 0) {
    v->cert_pem[k] = cert_pem(c);
    v->key_pem[k] = key_pem(key);
    rc = v->cert_pem[k] != NULL && v->key_pem[k] != NULL ? 0 : -1;
  }
  X509_free(c);
  EVP_PKEY_free(key);
  return rc;
}

/* A root (same key type as the end entities) and the two end entities. */
static int issue_pki(gs_vec *v) {
  EVP_PKEY *ca_key = gen_key(v->keytype);
  X509 *ca = ca_key != NULL ? make_cert(1, "gridseal test vectors root", ca_key, NULL) : NULL;
  int rc = -1;
  if (ca != NULL && add_ext(ca, ca, NID_basic_constraints, "critical,CA:TRUE") == 0 &&
      add_ext(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign") == 0 &&
      add_ext(ca, ca, NID_subject_key_identifier, "hash") == 0 && sign_cert(ca, ca_key) == 0) {
    v->anchor_pem = cert_pem(ca);
    rc = v->anchor_pem != NULL && issue_ee(v, 0, 2, ca, ca_key) == 0 &&
                 issue_ee(v, 1, 3, ca, ca_key) == 0
             ? 0
             : -1;
  }
  X509_free(ca);
  EVP_PKEY_free(ca_key);
  return rc;
}

/* ------------------------------------------------------------ script */
typedef struct script_step {
  gs_vec_party sender;
  gs_vec_op op;
  const char *appl;
} script_step;

/* applData is opaque to the E2E layer; readable ASCII stands in for the
 * MMS PDUs an IEC 61850 association would carry. */
static const script_step script[] = {
    {GS_VEC_INITIATOR, GS_VEC_OP_CONNECT, "MMS Initiate-RequestPDU"},
    {GS_VEC_RESPONDER, GS_VEC_OP_ACCEPT, "MMS Initiate-ResponsePDU"},
    {GS_VEC_INITIATOR, GS_VEC_OP_SEND, "read LD0/MMXU1.TotW.mag.f"},
    {GS_VEC_INITIATOR, GS_VEC_OP_SEND, "write LD0/DRCC1.OutWSet.setMag.f = 1500"},
    {GS_VEC_INITIATOR, GS_VEC_OP_SEND, ""},
    {GS_VEC_RESPONDER, GS_VEC_OP_SEND, "read-response 1234.5"},
    {GS_VEC_RESPONDER, GS_VEC_OP_SEND, "write-response success"},
    {GS_VEC_RESPONDER, GS_VEC_OP_SEND, "report urcb01 seq 7: 0123456789abcdef0123456789abcdef"},
    {GS_VEC_RESPONDER, GS_VEC_OP_UPDATE_KEYS, ""}, /* reqRekey */
    {GS_VEC_INITIATOR, GS_VEC_OP_AUTO, ""},        /* rekey (M) */
    {GS_VEC_RESPONDER, GS_VEC_OP_AUTO, ""},        /* changedKey */
    {GS_VEC_INITIATOR, GS_VEC_OP_SEND, "read LD0/MMXU1.Hz.mag.f"},
    {GS_VEC_RESPONDER, GS_VEC_OP_SEND, "read-response 50.01"},
    {GS_VEC_INITIATOR, GS_VEC_OP_RELEASE, "MMS Conclude-RequestPDU"},
    {GS_VEC_RESPONDER, GS_VEC_OP_RELEASE, "MMS Conclude-ResponsePDU"},
};

static int fill_script(gs_vec *v) {
  gs_time_ms t = GS_VEC_BASE_TIME;
  gs_time_ms prev_rx = t;
  for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
    gs_vec_step *st = &v->steps[v->n_steps++];
    st->sender = script[i].sender;
    st->op = script[i].op;
    st->now = st->op == GS_VEC_OP_AUTO ? prev_rx : t;
    st->received_at = st->now + 137; /* transit time, fractional seconds */
    prev_rx = st->received_at;
    t = st->received_at + 863 + (gs_time_ms)i * 1000;
    if (gs_vec_buf_set(&st->appl, (const uint8_t *)script[i].appl, strlen(script[i].appl)) != 0) {
      return -1;
    }
  }
  return 0;
}

int gs_vec_generate(gs_crypto *crypto, gs_vec *v, char *err, size_t cap) {
  snprintf(v->identity[0], sizeof(v->identity[0]), "urn:gridseal:vectors:cc");
  snprintf(v->identity[1], sizeof(v->identity[1]), "urn:gridseal:vectors:der1");
  if (issue_pki(v) != 0) {
    snprintf(err, cap, "%s: issuing the PKI failed", v->name);
    return -1;
  }
  if (fill_script(v) != 0) {
    snprintf(err, cap, "out of memory");
    return -1;
  }
  return gs_vec_run(crypto, v, GS_VEC_RECORD, err, cap);
}

int gs_vectors_write_all(const char *dir, char *err, size_t cap) {
  gs_crypto *crypto = NULL;
  if (gs_ossl_crypto_new(&crypto) != GS_OK) {
    snprintf(err, cap, "crypto provider unavailable");
    return -1;
  }
  int rc = 0;
  for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]) && rc == 0; i++) {
    gs_vec v;
    memset(&v, 0, sizeof(v));
    const vec_def *d = &defs[i];
    snprintf(v.name, sizeof(v.name), "%s", d->file);
    snprintf(v.description, sizeof(v.description), "%s", d->description);
    v.group = d->group;
    v.keytype = d->keytype;
    v.offer = d->offer;
    v.aead = d->aead;
    v.encr = d->encr;
    v.icv = GS_HASH_SHA256;
    v.hmac = GS_HASH_SHA256;
    rc = gs_vec_generate(crypto, &v, err, cap);
    if (rc == 0) {
      char path[1024];
      snprintf(path, sizeof(path), "%s/%s.json", dir, d->file);
      rc = gs_vec_write_json(&v, path);
      if (rc != 0) {
        snprintf(err, cap, "cannot write %s", path);
      }
    }
    gs_vec_free(&v);
  }
  gs_ossl_crypto_free(crypto);
  return rc;
}
