/* The wire id <-> provider enum map (alg_table.h): one row per algorithm
 * the profile names (the OIDs themselves are in profile.c). */
#include "alg_table.h"

static const gs_alg_map_entry alg_map[] = {
    {GS_ALG_ECDSA_SHA256, GS_ALG_FAMILY_SIG, GS_SIG_ECDSA_SHA256},
    {GS_ALG_RSA_SHA256, GS_ALG_FAMILY_SIG, GS_SIG_RSA_SHA256},
    {GS_ALG_ED25519, GS_ALG_FAMILY_SIG, GS_SIG_ED25519},
    {GS_ALG_HMAC_SHA256, GS_ALG_FAMILY_HMAC, GS_HASH_SHA256},
    {GS_ALG_HMAC_SHA384, GS_ALG_FAMILY_HMAC, GS_HASH_SHA384},
    {GS_ALG_AES128_GCM, GS_ALG_FAMILY_AEAD, GS_AEAD_AES128_GCM},
    {GS_ALG_AES256_GCM, GS_ALG_FAMILY_AEAD, GS_AEAD_AES256_GCM},
    {GS_ALG_CHACHA20_POLY1305, GS_ALG_FAMILY_AEAD, GS_AEAD_CHACHA20_POLY1305},
    {GS_ALG_AES128_CBC, GS_ALG_FAMILY_CBC, GS_CIPHER_AES128_CBC},
    {GS_ALG_AES256_CBC, GS_ALG_FAMILY_CBC, GS_CIPHER_AES256_CBC},
};

#define ALG_MAP_N (sizeof(alg_map) / sizeof(alg_map[0]))

const gs_alg_map_entry *gs_alg_map_table(size_t *n) {
  *n = ALG_MAP_N;
  return alg_map;
}

gs_alg gs_alg_map_wire(gs_alg_family family, int prov) {
  for (size_t i = 0; i < ALG_MAP_N; i++) {
    if (alg_map[i].family == family && alg_map[i].prov == prov) {
      return alg_map[i].alg;
    }
  }
  return GS_ALG_UNKNOWN;
}

bool gs_alg_map_prov(gs_alg_family family, gs_alg alg, int *prov) {
  for (size_t i = 0; i < ALG_MAP_N; i++) {
    if (alg_map[i].family == family && alg_map[i].alg == alg) {
      *prov = alg_map[i].prov;
      return true;
    }
  }
  return false;
}
