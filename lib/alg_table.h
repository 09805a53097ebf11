/* The one map between the wire's algorithm ids (gs_alg, decoded from
 * AlgorithmIdentifier OIDs) and the crypto provider's enums (gs_sig_alg,
 * gs_hash_alg for HMAC/HKDF, gs_aead_alg, gs_cipher_alg), per family
 * (lib/alg_table.c). Not installed. */
#ifndef GRIDSEAL_ALG_TABLE_H
#define GRIDSEAL_ALG_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "gridseal/profile.h"

typedef enum gs_alg_family {
  GS_ALG_FAMILY_SIG = 0,  /* gs_sig_alg */
  GS_ALG_FAMILY_HMAC = 1, /* gs_hash_alg (HMAC, HKDF) */
  GS_ALG_FAMILY_AEAD = 2, /* gs_aead_alg */
  GS_ALG_FAMILY_CBC = 3   /* gs_cipher_alg */
} gs_alg_family;

typedef struct gs_alg_map_entry {
  gs_alg alg;
  gs_alg_family family;
  int prov; /* the provider enum's value */
} gs_alg_map_entry;

/* The table itself (for its round-trip test). */
const gs_alg_map_entry *gs_alg_map_table(size_t *n);

/* The wire id of provider value `prov` of `family`; GS_ALG_UNKNOWN when
 * the table has none. */
gs_alg gs_alg_map_wire(gs_alg_family family, int prov);
/* The provider value of wire id `alg` in `family`: true and *prov, false
 * when `alg` is not an algorithm of that family. */
bool gs_alg_map_prov(gs_alg_family family, gs_alg alg, int *prov);

/* Typed forms. */
static inline gs_alg gs_alg_of_sig(gs_sig_alg a) {
  return gs_alg_map_wire(GS_ALG_FAMILY_SIG, (int)a);
}
static inline gs_alg gs_alg_of_hmac(gs_hash_alg h) {
  return gs_alg_map_wire(GS_ALG_FAMILY_HMAC, (int)h);
}
static inline gs_alg gs_alg_of_aead(gs_aead_alg a) {
  return gs_alg_map_wire(GS_ALG_FAMILY_AEAD, (int)a);
}
static inline gs_alg gs_alg_of_cbc(gs_cipher_alg a) {
  return gs_alg_map_wire(GS_ALG_FAMILY_CBC, (int)a);
}
static inline bool gs_alg_to_sig(gs_alg a, gs_sig_alg *out) {
  int v = 0;
  bool ok = gs_alg_map_prov(GS_ALG_FAMILY_SIG, a, &v);
  if (ok) {
    *out = (gs_sig_alg)v;
  }
  return ok;
}
static inline bool gs_alg_to_hmac(gs_alg a, gs_hash_alg *out) {
  int v = 0;
  bool ok = gs_alg_map_prov(GS_ALG_FAMILY_HMAC, a, &v);
  if (ok) {
    *out = (gs_hash_alg)v;
  }
  return ok;
}
static inline bool gs_alg_to_aead(gs_alg a, gs_aead_alg *out) {
  int v = 0;
  bool ok = gs_alg_map_prov(GS_ALG_FAMILY_AEAD, a, &v);
  if (ok) {
    *out = (gs_aead_alg)v;
  }
  return ok;
}
static inline bool gs_alg_to_cbc(gs_alg a, gs_cipher_alg *out) {
  int v = 0;
  bool ok = gs_alg_map_prov(GS_ALG_FAMILY_CBC, a, &v);
  if (ok) {
    *out = (gs_cipher_alg)v;
  }
  return ok;
}

#endif
