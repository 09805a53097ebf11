/* The h chain and the key schedule (docs/PROTOCOL.md §4, §6):
 *   h_A = H(tbs_A || h_0), h_B = H(tbs_B || h_A), h_{n+1} = H(tbp_M || h_n)
 *   PRK = HKDF-Extract(salt = h, IKM = Z)     with token1.hmac
 *   OKM = HKDF-Expand(PRK, info = "", L)      L = 64 (AEAD) or 128
 *   AEAD: K_A = OKM[0..31], K_B = OKM[32..63]
 *   else: IK_A = OKM[0..31], IK_B = OKM[32..63], EK_A = OKM[64..95],
 *         EK_B = OKM[96..127]
 * Shorter keys (AES-128) use the leftmost octets. _A keys protect what the
 * initiator sends. Z, PRK and OKM are wiped at one exit. */
#include <string.h>

#include "session_internal.h"

int gs_sess_chain(const gs_crypto *c, const uint8_t *content, size_t len, const uint8_t *prev,
                  uint8_t out[GS_HASH_LEN]) {
  gs_iov parts[2] = {{content, len}, {prev, GS_HASH_LEN}};
  return c->hash(c->ctx, GS_HASH_SHA256, parts, 2, out);
}

/* Provider key objects of one direction from its slice of the OKM. */
static int make_dir_keys(gs_session *s, const uint8_t *k, const uint8_t *ik, const uint8_t *ek,
                         gs_dir_keys *out, gs_time_ms now) {
  const gs_crypto *c = s->ep->cfg.crypto;
  int rc = GS_OK;
  memset(out, 0, sizeof(*out));
  if (s->mode == GS_MODE_AEAD) {
    rc = c->aead_key_new(c->ctx, s->aead, k, gs_aead_key_len(s->aead), &out->aead);
  } else {
    rc = c->hmac_key_new(c->ctx, s->icv, ik, 32, &out->mac);
    if (rc == GS_OK && s->mode == GS_MODE_ETM) {
      rc = c->cbc_key_new(c->ctx, s->encr, ek, gs_cipher_key_len(s->encr), &out->cbc);
    }
  }
  if (rc != GS_OK) {
    gs_sess_keys_free(c, out);
    return rc;
  }
  out->set = true;
  out->born = now;
  return GS_OK;
}

static void keep_secrets(gs_session *s, const uint8_t *z, size_t z_len, const uint8_t *h,
                         const uint8_t *h_prev, const uint8_t *prk, size_t prk_len,
                         const uint8_t *okm, size_t okm_len) {
  gs_test_secrets *t = s->secrets;
  if (t == NULL) {
    return;
  }
  t->epoch = s->epoch;
  memcpy(t->h, h, GS_HASH_LEN);
  memcpy(t->h_prev, h_prev, GS_HASH_LEN);
  memcpy(t->z, z, z_len);
  t->z_len = z_len;
  memcpy(t->prk, prk, prk_len);
  t->prk_len = prk_len;
  memcpy(t->okm, okm, okm_len);
  t->okm_len = okm_len;
}

int gs_sess_derive(gs_session *s, const uint8_t *z, size_t z_len, const uint8_t *h,
                   const uint8_t *h_prev, gs_dir_keys *tx, gs_dir_keys *rx, gs_time_ms now) {
  const gs_crypto *c = s->ep->cfg.crypto;
  uint8_t prk[GS_MAX_MAC_LEN];
  uint8_t okm[128];
  size_t prk_len = 0;
  size_t okm_len = s->mode == GS_MODE_AEAD ? 64 : 128;
  gs_dir_keys ka, kb;
  memset(&ka, 0, sizeof(ka));
  memset(&kb, 0, sizeof(kb));
  if (z_len > GS_MAX_DH_SECRET_LEN) {
    return GS_ERR_BAD_LENGTH;
  }
  int rc = c->hkdf_extract(c->ctx, s->hmac, h, GS_HASH_LEN, z, z_len, prk, &prk_len);
  if (rc == GS_OK) {
    rc = c->hkdf_expand(c->ctx, s->hmac, prk, prk_len, (const uint8_t *)GS_HKDF_INFO,
                        sizeof(GS_HKDF_INFO) - 1, okm, okm_len);
  }
  if (rc != GS_OK) {
    goto out;
  }
  if (s->mode == GS_MODE_AEAD) {
    rc = make_dir_keys(s, okm, NULL, NULL, &ka, now);
    if (rc == GS_OK) {
      rc = make_dir_keys(s, okm + 32, NULL, NULL, &kb, now);
    }
  } else {
    rc = make_dir_keys(s, NULL, okm, okm + 64, &ka, now);
    if (rc == GS_OK) {
      rc = make_dir_keys(s, NULL, okm + 32, okm + 96, &kb, now);
    }
  }
  if (rc != GS_OK) {
    gs_sess_keys_free(c, &ka);
    gs_sess_keys_free(c, &kb);
    goto out;
  }
  keep_secrets(s, z, z_len, h, h_prev, prk, prk_len, okm, okm_len);
  if (s->role == GS_ROLE_INITIATOR) {
    *tx = ka;
    *rx = kb;
  } else {
    *tx = kb;
    *rx = ka;
  }
out:
  gs_wipe(prk, sizeof(prk));
  gs_wipe(okm, sizeof(okm));
  return rc;
}
