/* The profile's algorithm table (docs/PROTOCOL.md §2) and diagnostic names. */
#include <string.h>

#include "gridseal/crypto.h"
#include "gridseal/profile.h"

typedef struct {
  gs_alg alg;
  const char *name;
  uint8_t oid[12];
  uint8_t oid_len;
} alg_entry;

/* OID content octets, checked against `openssl asn1parse` in tests. */
static const alg_entry alg_table[] = {
    {GS_ALG_ECDSA_SHA256, "ecdsa-with-SHA256", {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02}, 8},
    {GS_ALG_RSA_SHA256,
     "sha256WithRSAEncryption",
     {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b},
     9},
    {GS_ALG_ED25519, "id-Ed25519", {0x2b, 0x65, 0x70}, 3},
    {GS_ALG_HMAC_SHA256, "hmacWithSHA256", {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x09}, 8},
    {GS_ALG_HMAC_SHA384, "hmacWithSHA384", {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x0a}, 8},
    {GS_ALG_AES128_GCM, "aes128-GCM", {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x06}, 9},
    {GS_ALG_AES256_GCM, "aes256-GCM", {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2e}, 9},
    {GS_ALG_CHACHA20_POLY1305,
     "id-alg-AEADChaCha20Poly1305",
     {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x03, 0x12},
     11},
    {GS_ALG_AES128_CBC, "aes128-CBC", {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x02}, 9},
    {GS_ALG_AES256_CBC, "aes256-CBC", {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a}, 9},
};

#define ALG_TABLE_N (sizeof(alg_table) / sizeof(alg_table[0]))

const uint8_t *gs_alg_oid(gs_alg alg, size_t *len) {
  for (size_t i = 0; i < ALG_TABLE_N; i++) {
    if (alg_table[i].alg == alg) {
      *len = alg_table[i].oid_len;
      return alg_table[i].oid;
    }
  }
  *len = 0;
  return NULL;
}

gs_alg gs_alg_from_oid(const uint8_t *oid, size_t len) {
  for (size_t i = 0; i < ALG_TABLE_N; i++) {
    if (alg_table[i].oid_len == len && memcmp(alg_table[i].oid, oid, len) == 0) {
      return alg_table[i].alg;
    }
  }
  return GS_ALG_UNKNOWN;
}

const char *gs_alg_name(gs_alg alg) {
  for (size_t i = 0; i < ALG_TABLE_N; i++) {
    if (alg_table[i].alg == alg) {
      return alg_table[i].name;
    }
  }
  return "unknown";
}

size_t gs_aead_key_len(gs_aead_alg alg) {
  switch (alg) {
  case GS_AEAD_AES128_GCM:
    return 16;
  case GS_AEAD_AES256_GCM:
  case GS_AEAD_CHACHA20_POLY1305:
    return 32;
  }
  return 0;
}

size_t gs_cipher_key_len(gs_cipher_alg alg) {
  switch (alg) {
  case GS_CIPHER_AES128_CBC:
    return 16;
  case GS_CIPHER_AES256_CBC:
    return 32;
  }
  return 0;
}

size_t gs_hash_len(gs_hash_alg alg) {
  switch (alg) {
  case GS_HASH_SHA256:
    return 32;
  case GS_HASH_SHA384:
    return 48;
  }
  return 0;
}

static const char *const hs_diag_names[] = {"no-reason-given",
                                            "protocol-error",
                                            "protected-protocol-not-supported",
                                            "invalid-signatureAlgorithm",
                                            "unexpected-version",
                                            "hmac-algorithm-not-supported",
                                            "encryption-not-required",
                                            "encryption-required",
                                            "invalid-public-key-certificate",
                                            "invalid-certification-path",
                                            "invalid-time-value",
                                            "dhGroup-not-supported",
                                            "illegal-dhGroup-selected",
                                            "icv-algorithms-not-supported",
                                            "encrypt-algorithms-not-supported",
                                            "aea-algorithms-not-supported",
                                            "invalid-attribute-certificate",
                                            "encr-mode-aea-not-supported",
                                            "ae-is-required",
                                            "aea-select-but-encryp-not-supp",
                                            "invalid-ae-algorithm",
                                            "single-ae-algorithm-required",
                                            "ae-not-used",
                                            "invalid-encryption-algorithm",
                                            "single-encrypt-algo-required",
                                            "single-icv-algo-required",
                                            "peer-not-authorized",
                                            "too-many-associations"};

static const char *const dt_diag_names[] = {
    "no-reason-given",         "protocol-error",           "unexpected-version",
    "encryption-not-selected", "encryption-required",      "gmac-nonce-required",
    "invalid-sequence-number", "aes-init-vector-required", "unexpected-dhPublicKey",
    "unexpected-changedKeys",  "invalid-time-value"};

const char *gs_hs_diag_name(int diag) {
  if (diag < 0 || (size_t)diag >= sizeof(hs_diag_names) / sizeof(hs_diag_names[0])) {
    return "unknown";
  }
  return hs_diag_names[diag];
}

const char *gs_dt_diag_name(int diag) {
  if (diag < 0 || (size_t)diag >= sizeof(dt_diag_names) / sizeof(dt_diag_names[0])) {
    return "unknown";
  }
  return dt_diag_names[diag];
}
