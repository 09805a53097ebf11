/* gridseal: the crypto provider interface the core defines.
 *
 * The core (lib/) never includes a crypto library: it calls these function
 * pointers. crypto/openssl/ implements them on OpenSSL 3 (gs_ossl_crypto()).
 * Key objects are opaque handles owned by the provider; each has a matching
 * `_free` that wipes the key. Per-key handles keep their cipher/MAC contexts,
 * so protecting a message costs no re-initialisation.
 *
 * Every function returns GS_OK or a negative gs_err:
 *   GS_ERR_UNSUPPORTED_ALG   algorithm or group not implemented
 *   GS_ERR_BAD_LENGTH        key, nonce, IV, tag or output size wrong
 *   GS_ERR_DH_PEER_INVALID   peer DH value fails validation
 *   GS_ERR_AUTH_TAG          AEAD tag does not verify (output wiped)
 *   GS_ERR_DECRYPT           CBC padding invalid (output wiped)
 *   GS_ERR_BAD_SIGNATURE     signature does not verify
 *   GS_ERR_BAD_KEY           a key cannot be imported or used
 *   GS_ERR_NOMEM, GS_ERR_RNG, GS_ERR_CRYPTO  resource or library failure
 * All functions are safe to call from several threads on distinct handles. */
#ifndef GRIDSEAL_CRYPTO_H
#define GRIDSEAL_CRYPTO_H

#include "common.h"
#include "error.h"
#include "profile.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gs_dh_priv gs_dh_priv;   /* an ephemeral DH private key */
typedef struct gs_aead_key gs_aead_key; /* AEAD key + its contexts */
typedef struct gs_cbc_key gs_cbc_key;   /* AES-CBC key + its contexts */
typedef struct gs_hmac_key gs_hmac_key; /* HMAC key + its context */
typedef struct gs_pubkey gs_pubkey;     /* a signature verification key */
typedef struct gs_privkey gs_privkey;   /* a signing key */

typedef struct gs_crypto {
  void *ctx; /* provider state, passed as first argument to every call */

  /* ---- random */
  int (*random)(void *ctx, uint8_t *out, size_t len);

  /* ---- hashes and MACs */
  /* H(parts...) with `alg`; out receives 32 or 48 octets. */
  int (*hash)(void *ctx, gs_hash_alg alg, const gs_iov *parts, size_t n, uint8_t *out);
  /* One-shot HMAC (keys of any length); *out_len = 32 or 48. */
  int (*hmac)(void *ctx, gs_hash_alg alg, const uint8_t *key, size_t key_len, const gs_iov *parts,
              size_t n, uint8_t *out, size_t *out_len);
  int (*hmac_key_new)(void *ctx, gs_hash_alg alg, const uint8_t *key, size_t key_len,
                      gs_hmac_key **out);
  int (*hmac_compute)(gs_hmac_key *k, const gs_iov *parts, size_t n, uint8_t *out, size_t *out_len);
  void (*hmac_key_free)(gs_hmac_key *k);

  /* ---- HKDF (RFC 5869) */
  int (*hkdf_extract)(void *ctx, gs_hash_alg alg, const uint8_t *salt, size_t salt_len,
                      const uint8_t *ikm, size_t ikm_len, uint8_t *prk, size_t *prk_len);
  int (*hkdf_expand)(void *ctx, gs_hash_alg alg, const uint8_t *prk, size_t prk_len,
                     const uint8_t *info, size_t info_len, uint8_t *okm, size_t okm_len);

  /* ---- Diffie-Hellman: groups 14, 19, 20, 28, 31 */
  /* Fresh key pair; pub receives the profile's encoding (ECP 04||X||Y, MODP
   * big-endian left-padded to 256 octets, X25519 32 octets). */
  int (*dh_generate)(void *ctx, gs_dh_group group, gs_dh_priv **priv, uint8_t *pub, size_t pub_cap,
                     size_t *pub_len);
  /* Import a private key given as raw octets (ECP: big-endian scalar of the
   * field size; MODP: big-endian exponent; X25519: 32 octets) — used to
   * replay published test vectors. Writes its public value like dh_generate. */
  int (*dh_import_private)(void *ctx, gs_dh_group group, const uint8_t *raw, size_t raw_len,
                           gs_dh_priv **priv, uint8_t *pub, size_t pub_cap, size_t *pub_len);
  /* Export the raw private octets (for writing test vectors only). */
  int (*dh_export_private)(const gs_dh_priv *priv, uint8_t *raw, size_t cap, size_t *raw_len);
  /* Validate a peer public value of `group` (on the curve, not the identity,
   * right length; MODP: 1 < y < p-1). */
  int (*dh_check_public)(void *ctx, gs_dh_group group, const uint8_t *pub, size_t pub_len);
  /* Z = DH(priv, peer): validates the peer value exactly once, then derives.
   * ECP: x-coordinate, field size; MODP: 256 octets left-padded; X25519: 32
   * octets (an all-zero result is GS_ERR_DH_PEER_INVALID). */
  int (*dh_derive)(gs_dh_priv *priv, const uint8_t *peer, size_t peer_len, uint8_t *z, size_t z_cap,
                   size_t *z_len);
  gs_dh_group (*dh_group)(const gs_dh_priv *priv);
  void (*dh_free)(gs_dh_priv *priv);

  /* ---- AEAD: AES-128/256-GCM, ChaCha20-Poly1305; 12-octet nonce, 16-octet tag */
  int (*aead_key_new)(void *ctx, gs_aead_alg alg, const uint8_t *key, size_t key_len,
                      gs_aead_key **out);
  /* out receives ciphertext || tag (pt_len + 16 octets). */
  int (*aead_seal)(gs_aead_key *k, const uint8_t *nonce, size_t nonce_len, const uint8_t *aad,
                   size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *out, size_t out_cap,
                   size_t *out_len);
  /* in = ciphertext || tag; on GS_ERR_AUTH_TAG the output buffer is wiped. */
  int (*aead_open)(gs_aead_key *k, const uint8_t *nonce, size_t nonce_len, const uint8_t *aad,
                   size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                   size_t *out_len);
  void (*aead_key_free)(gs_aead_key *k);

  /* ---- AES-CBC with PKCS#7 padding; 16-octet IV */
  int (*cbc_key_new)(void *ctx, gs_cipher_alg alg, const uint8_t *key, size_t key_len,
                     gs_cbc_key **out);
  int (*cbc_encrypt)(gs_cbc_key *k, const uint8_t *iv, const uint8_t *pt, size_t pt_len,
                     uint8_t *out, size_t out_cap, size_t *out_len);
  int (*cbc_decrypt)(gs_cbc_key *k, const uint8_t *iv, const uint8_t *ct, size_t ct_len,
                     uint8_t *out, size_t out_cap, size_t *out_len);
  void (*cbc_key_free)(gs_cbc_key *k);

  /* ---- signatures: ecdsa-with-SHA256 (P-256), sha256WithRSAEncryption
   * (RSA >= 2048, PKCS#1 v1.5), Ed25519 */
  /* Import a SubjectPublicKeyInfo (DER). */
  int (*pubkey_from_spki)(void *ctx, const uint8_t *spki, size_t len, gs_pubkey **out);
  /* The signature algorithm this key verifies with (GS_ERR_BAD_KEY if none). */
  int (*pubkey_sig_alg)(const gs_pubkey *k, gs_sig_alg *alg);
  int (*pubkey_up_ref)(gs_pubkey *k);
  void (*pubkey_free)(gs_pubkey *k);
  /* Verify `sig` over the concatenation of `parts` with `alg`. */
  int (*verify)(const gs_pubkey *k, gs_sig_alg alg, const gs_iov *parts, size_t n,
                const uint8_t *sig, size_t sig_len);
  /* Import a private key from PKCS#8 DER (or traditional DER). */
  int (*privkey_from_der)(void *ctx, const uint8_t *der, size_t len, gs_privkey **out);
  int (*privkey_sig_alg)(const gs_privkey *k, gs_sig_alg *alg);
  void (*privkey_free)(gs_privkey *k);
  int (*sign)(gs_privkey *k, gs_sig_alg alg, const gs_iov *parts, size_t n, uint8_t *sig,
              size_t sig_cap, size_t *sig_len);

  /* ---- constant time and wiping (the provider's own versions) */
  int (*ct_equal)(const void *a, const void *b, size_t len);
  void (*wipe)(void *p, size_t len);

  /* ---- the public key of an X.509 certificate (DER), not validated: the
   * endpoint checks that its own key matches its certificate
   * (gs_endpoint_new, GS_ERR_KEY_MISMATCH). GS_ERR_BAD_KEY if the
   * certificate or its key cannot be read. */
  int (*pubkey_from_cert)(void *ctx, const uint8_t *cert, size_t len, gs_pubkey **out);
} gs_crypto;

/* Key lengths of the profile's algorithms. */
GS_EXPORT size_t gs_aead_key_len(gs_aead_alg alg);
GS_EXPORT size_t gs_cipher_key_len(gs_cipher_alg alg);
GS_EXPORT size_t gs_hash_len(gs_hash_alg alg);

#ifdef __cplusplus
}
#endif
#endif
