/* gridseal benchmarks: the floor — bare OpenSSL primitives.
 *
 * AES-256-GCM seal + open with one EVP_CIPHER_CTX per key and direction kept
 * for the whole run (only the nonce is set per message), without AAD
 * (ossl.gcm) and with an AAD as long as gridseal's ClearToken2 at that
 * payload (ossl.gcmaad); the same through gridseal's OpenSSL provider
 * (ossl.gcmprov: its aead_seal + aead_open, which call the cipher
 * implementation's functions without EVP's per-call work; gs.aead -
 * ossl.gcmprov is the engine's own work); HMAC-SHA256 computed and
 * verified (sender + receiver) over as many octets as gridseal's tbp
 * (ossl.hmac2);
 * HMAC-SHA256 with a kept EVP_MAC_CTX re-initialised per message; ECDSA P-256
 * sign and verify (EVP_DigestSign/Verify, SHA-256, a ~200-octet message as a
 * handshake signs); ECDH P-256 key generation; ECDH derive including the
 * import of the peer's 65-octet point (the curve copied from the own key,
 * the point checked on it; no second validation in derive); HKDF-SHA256 extract + expand of 64
 * octets. */
#include <gridseal/crypto_openssl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <string.h>

#include "bench_pki.h"
#include "bench_util.h"

#define PRIM_MAX_PAYLOAD 16384

typedef struct prim_state {
  EVP_CIPHER_CTX *enc, *dec;
  EVP_CIPHER *gcm;
  gs_crypto *gs; /* gridseal's OpenSSL provider (ossl.gcmprov) */
  gs_aead_key *gsk;
  uint8_t aad[512];
  EVP_MAC_CTX *hmac;
  EVP_MD_CTX *md;
  EVP_PKEY_CTX *keygen;
  EVP_PKEY *peer_key; /* for derive: our private */
  uint8_t peer_pub[65];
  EVP_KDF_CTX *hkdf;
  uint8_t pt[PRIM_MAX_PAYLOAD];
  uint8_t ct[PRIM_MAX_PAYLOAD + 16];
  uint8_t out[PRIM_MAX_PAYLOAD];
  uint8_t sig[80];
  size_t sig_len;
  uint64_t counter;
} prim_state;

typedef struct prim_case {
  prim_state *st;
  size_t payload;
  size_t aad_len; /* gcm cases; hmac2: the octets MACed */
} prim_case;

static prim_state g_st;
static prim_case g_cases[5 * 7];
static size_t g_ncases;
static const uint8_t sign_msg[200] = {1};

static void next_nonce(prim_state *st, uint8_t nonce[12]) {
  uint64_t c = st->counter++;
  memset(nonce, 0, 12);
  for (int i = 0; i < 8; i++) {
    nonce[11 - i] = (uint8_t)(c >> (8 * i));
  }
}

static int gcm_once(prim_state *st, size_t n, size_t aad_len) {
  uint8_t nonce[12];
  int len = 0;
  int fin = 0;
  next_nonce(st, nonce);
  if (EVP_EncryptInit_ex(st->enc, NULL, NULL, NULL, nonce) != 1 ||
      (aad_len > 0 && EVP_EncryptUpdate(st->enc, NULL, &len, st->aad, (int)aad_len) != 1) ||
      EVP_EncryptUpdate(st->enc, st->ct, &len, st->pt, (int)n) != 1 ||
      EVP_EncryptFinal_ex(st->enc, st->ct + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(st->enc, EVP_CTRL_GCM_GET_TAG, 16, st->ct + n) != 1) {
    return -1;
  }
  if (EVP_DecryptInit_ex(st->dec, NULL, NULL, NULL, nonce) != 1 ||
      (aad_len > 0 && EVP_DecryptUpdate(st->dec, NULL, &len, st->aad, (int)aad_len) != 1) ||
      EVP_DecryptUpdate(st->dec, st->out, &len, st->ct, (int)n) != 1 ||
      EVP_CIPHER_CTX_ctrl(st->dec, EVP_CTRL_GCM_SET_TAG, 16, st->ct + n) != 1 ||
      EVP_DecryptFinal_ex(st->dec, st->out + len, &fin) != 1) {
    return -1;
  }
  return 0;
}

static int run_gcm(void *state, size_t iters, double *ns) {
  prim_case *pc = state;
  double t0 = bench_now_ns();
  for (size_t i = 0; i < iters; i++) {
    if (gcm_once(pc->st, pc->payload, pc->aad_len) != 0) {
      return -1;
    }
  }
  ns[0] = bench_now_ns() - t0;
  return 0;
}

/* Seal + open with the AAD through gridseal's provider: its aead_seal and
 * aead_open on one key handle, the cipher calls of one data PDU. */
static int gcmprov_once(prim_state *st, size_t n, size_t aad_len) {
  uint8_t nonce[12];
  size_t cl = 0, ol = 0;
  next_nonce(st, nonce);
  if (st->gs->aead_seal(st->gsk, nonce, 12, st->aad, aad_len, st->pt, n, st->ct, sizeof(st->ct),
                        &cl) != GS_OK ||
      st->gs->aead_open(st->gsk, nonce, 12, st->aad, aad_len, st->ct, cl, st->out, sizeof(st->out),
                        &ol) != GS_OK ||
      ol != n) {
    return -1;
  }
  return 0;
}

static int run_gcmprov(void *state, size_t iters, double *ns) {
  prim_case *pc = state;
  double t0 = bench_now_ns();
  for (size_t i = 0; i < iters; i++) {
    if (gcmprov_once(pc->st, pc->payload, pc->aad_len) != 0) {
      return -1;
    }
  }
  ns[0] = bench_now_ns() - t0;
  return 0;
}

/* Sender: HMAC over n octets; receiver: HMAC again and compare. */
static int run_hmac2(void *state, size_t iters, double *ns) {
  prim_case *pc = state;
  prim_state *st = pc->st;
  size_t n = pc->aad_len;
  double t0 = bench_now_ns();
  for (size_t i = 0; i < iters; i++) {
    uint8_t mine[32];
    size_t outl = 0;
    if (EVP_MAC_init(st->hmac, NULL, 0, NULL) != 1 || EVP_MAC_update(st->hmac, st->pt, n) != 1 ||
        EVP_MAC_final(st->hmac, st->out, &outl, 32) != 1 ||
        EVP_MAC_init(st->hmac, NULL, 0, NULL) != 1 || EVP_MAC_update(st->hmac, st->pt, n) != 1 ||
        EVP_MAC_final(st->hmac, mine, &outl, 32) != 1 || CRYPTO_memcmp(mine, st->out, 32) != 0) {
      return -1;
    }
  }
  ns[0] = bench_now_ns() - t0;
  return 0;
}

static int run_hmac(void *state, size_t iters, double *ns) {
  prim_case *pc = state;
  prim_state *st = pc->st;
  double t0 = bench_now_ns();
  for (size_t i = 0; i < iters; i++) {
    size_t outl = 0;
    if (EVP_MAC_init(st->hmac, NULL, 0, NULL) != 1 ||
        EVP_MAC_update(st->hmac, st->pt, pc->payload) != 1 ||
        EVP_MAC_final(st->hmac, st->out, &outl, 32) != 1) {
      return -1;
    }
  }
  ns[0] = bench_now_ns() - t0;
  return 0;
}

static int sign_once(prim_state *st, uint8_t *sig, size_t *sig_len) {
  const bench_pki *pki = bench_pki_get();
  *sig_len = 80;
  EVP_MD_CTX_reset(st->md);
  return EVP_DigestSignInit_ex(st->md, NULL, "SHA256", NULL, NULL, pki->ee[0].key, NULL) == 1 &&
                 EVP_DigestSign(st->md, sig, sig_len, sign_msg, sizeof(sign_msg)) == 1
             ? 0
             : -1;
}

static int run_sign(void *state, size_t iters, double *ns) {
  prim_state *st = state;
  uint8_t sig[80];
  size_t sl = 0;
  double t0 = bench_now_ns();
  for (size_t i = 0; i < iters; i++) {
    if (sign_once(st, sig, &sl) != 0) {
      return -1;
    }
  }
  ns[0] = bench_now_ns() - t0;
  return 0;
}

static int run_verify(void *state, size_t iters, double *ns) {
  prim_state *st = state;
  const bench_pki *pki = bench_pki_get();
  double t0 = bench_now_ns();
  for (size_t i = 0; i < iters; i++) {
    EVP_MD_CTX_reset(st->md);
    if (EVP_DigestVerifyInit_ex(st->md, NULL, "SHA256", NULL, NULL, pki->ee[0].key, NULL) != 1 ||
        EVP_DigestVerify(st->md, st->sig, st->sig_len, sign_msg, sizeof(sign_msg)) != 1) {
      return -1;
    }
  }
  ns[0] = bench_now_ns() - t0;
  return 0;
}

static int run_keygen(void *state, size_t iters, double *ns) {
  prim_state *st = state;
  double t0 = bench_now_ns();
  for (size_t i = 0; i < iters; i++) {
    EVP_PKEY *k = NULL;
    if (EVP_PKEY_keygen(st->keygen, &k) != 1) {
      return -1;
    }
    EVP_PKEY_free(k);
  }
  ns[0] = bench_now_ns() - t0;
  return 0;
}

/* Import a P-256 public point from its 65 octets (checked on the curve). */
EVP_PKEY *bench_p256_import(const uint8_t *pub, size_t len) {
  OSSL_PARAM params[3];
  char group[] = "P-256";
  params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
  params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pub, len);
  params[2] = OSSL_PARAM_construct_end();
  EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  EVP_PKEY *pk = NULL;
  if (pctx == NULL || EVP_PKEY_fromdata_init(pctx) != 1 ||
      EVP_PKEY_fromdata(pctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    pk = NULL;
  }
  EVP_PKEY_CTX_free(pctx);
  return pk;
}

/* The peer point as a key with priv's curve: the curve copied from priv,
 * the point decoded and checked on it (the cheapest import OpenSSL 3
 * offers: ~4.5 µs against ~16 µs for EVP_PKEY_fromdata by curve name). */
static EVP_PKEY *peer_like(EVP_PKEY *priv, const uint8_t *pub, size_t len) {
  EVP_PKEY *pk = EVP_PKEY_new();
  if (pk != NULL && (EVP_PKEY_copy_parameters(pk, priv) != 1 ||
                     EVP_PKEY_set1_encoded_public_key(pk, pub, len) != 1)) {
    EVP_PKEY_free(pk);
    pk = NULL;
  }
  return pk;
}

/* Z = ECDH(priv, peer point octets): import + derive (32 octets). */
int bench_p256_derive(EVP_PKEY *priv, const uint8_t *pub, size_t len, uint8_t z[32]) {
  EVP_PKEY *peer = peer_like(priv, pub, len);
  EVP_PKEY_CTX *d = peer != NULL ? EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL) : NULL;
  size_t zl = 32;
  int rc = d != NULL && EVP_PKEY_derive_init(d) == 1 &&
                   EVP_PKEY_derive_set_peer_ex(d, peer, 0) == 1 &&
                   EVP_PKEY_derive(d, z, &zl) == 1 && zl == 32
               ? 0
               : -1;
  EVP_PKEY_CTX_free(d);
  EVP_PKEY_free(peer);
  return rc;
}

static int run_ecdh(void *state, size_t iters, double *ns) {
  prim_state *st = state;
  uint8_t z[32];
  double t0 = bench_now_ns();
  for (size_t i = 0; i < iters; i++) {
    if (bench_p256_derive(st->peer_key, st->peer_pub, sizeof(st->peer_pub), z) != 0) {
      return -1;
    }
  }
  ns[0] = bench_now_ns() - t0;
  return 0;
}

/* HKDF-SHA256(salt 32, ikm 32) -> okm_len octets, with a kept context. */
int bench_hkdf(EVP_KDF_CTX *kctx, const uint8_t *salt, const uint8_t *ikm, uint8_t *okm,
               size_t okm_len) {
  OSSL_PARAM p[5];
  char digest[] = "SHA256";
  p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, 32);
  p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, 32);
  p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)"", 0);
  p[4] = OSSL_PARAM_construct_end();
  return EVP_KDF_derive(kctx, okm, okm_len, p) == 1 ? 0 : -1;
}

static int run_hkdf(void *state, size_t iters, double *ns) {
  prim_state *st = state;
  uint8_t salt[32] = {1};
  uint8_t ikm[32] = {2};
  uint8_t okm[64];
  double t0 = bench_now_ns();
  for (size_t i = 0; i < iters; i++) {
    if (bench_hkdf(st->hkdf, salt, ikm, okm, sizeof(okm)) != 0) {
      return -1;
    }
  }
  ns[0] = bench_now_ns() - t0;
  return 0;
}

static void setup(prim_state *st) {
  uint8_t key[32];
  bench_fill(key, sizeof(key), 7);
  bench_fill(st->pt, sizeof(st->pt), 3);
  bench_fill(st->aad, sizeof(st->aad), 9);
  st->enc = EVP_CIPHER_CTX_new();
  st->dec = EVP_CIPHER_CTX_new();
  st->gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
  if (st->enc == NULL || st->dec == NULL || st->gcm == NULL ||
      EVP_EncryptInit_ex(st->enc, st->gcm, NULL, key, NULL) != 1 ||
      EVP_DecryptInit_ex(st->dec, st->gcm, NULL, key, NULL) != 1) {
    bench_die("AES-GCM context");
  }
  if (gs_ossl_crypto_new(&st->gs) != GS_OK ||
      st->gs->aead_key_new(st->gs->ctx, GS_AEAD_AES256_GCM, key, sizeof(key), &st->gsk) != GS_OK) {
    bench_die("gridseal AES-GCM key");
  }
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  st->hmac = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
  EVP_MAC_free(mac);
  OSSL_PARAM mp[2];
  char digest[] = "SHA256";
  mp[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
  mp[1] = OSSL_PARAM_construct_end();
  if (st->hmac == NULL || EVP_MAC_init(st->hmac, key, sizeof(key), mp) != 1) {
    bench_die("HMAC context");
  }
  st->md = EVP_MD_CTX_new();
  st->keygen = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  if (st->md == NULL || st->keygen == NULL || EVP_PKEY_keygen_init(st->keygen) != 1 ||
      EVP_PKEY_CTX_set_group_name(st->keygen, "P-256") != 1) {
    bench_die("EC key generation context");
  }
  if (EVP_PKEY_keygen(st->keygen, &st->peer_key) != 1) {
    bench_die("EC key");
  }
  EVP_PKEY *other = NULL;
  size_t pl = 0;
  if (EVP_PKEY_keygen(st->keygen, &other) != 1 ||
      EVP_PKEY_get_octet_string_param(other, OSSL_PKEY_PARAM_PUB_KEY, st->peer_pub,
                                      sizeof(st->peer_pub), &pl) != 1 ||
      pl != 65) {
    bench_die("EC public point");
  }
  EVP_PKEY_free(other);
  EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
  st->hkdf = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
  EVP_KDF_free(kdf);
  if (st->hkdf == NULL || sign_once(st, st->sig, &st->sig_len) != 0) {
    bench_die("HKDF context / signature");
  }
}

void bench_primitives_register(void) {
  setup(&g_st);
  for (size_t i = 0; i < 7; i++) {
    prim_case *pc = &g_cases[g_ncases++];
    pc->st = &g_st;
    pc->payload = bench_plot_sizes[i];
    bench_case *c = bench_add("ossl.gcm", pc->payload, run_gcm, pc, 1);
    if (c != NULL) {
      c->wire_bytes = (double)pc->payload + 16;
    }
  }
  for (size_t i = 0; i < 7; i++) {
    size_t payload = bench_plot_sizes[i];
    size_t aad = bench_gridseal_aad_len(payload);
    if (aad == 0 || aad > sizeof(g_st.aad)) {
      continue;
    }
    for (int prov = 0; prov < 2; prov++) {
      prim_case *pc = &g_cases[g_ncases++];
      pc->st = &g_st;
      pc->payload = payload;
      pc->aad_len = aad;
      bench_case *c = bench_add(prov ? "ossl.gcmprov" : "ossl.gcmaad", payload,
                                prov ? run_gcmprov : run_gcm, pc, 1);
      if (c != NULL) {
        c->wire_bytes = (double)(payload + 16 + aad);
      }
    }
  }
  for (size_t i = 0; i < 2; i++) {
    prim_case *pc = &g_cases[g_ncases++];
    pc->st = &g_st;
    pc->payload = bench_table_sizes[i];
    bench_case *c = bench_add("ossl.hmac", pc->payload, run_hmac, pc, 1);
    if (c != NULL) {
      c->wire_bytes = (double)pc->payload + 32;
    }
    size_t tbp = bench_gridseal_tbp_len(pc->payload);
    if (tbp == 0 || tbp > sizeof(g_st.pt)) {
      continue;
    }
    pc = &g_cases[g_ncases++];
    pc->st = &g_st;
    pc->payload = bench_table_sizes[i];
    pc->aad_len = tbp;
    c = bench_add("ossl.hmac2", pc->payload, run_hmac2, pc, 1);
    if (c != NULL) {
      c->wire_bytes = (double)tbp + 32;
    }
  }
  bench_add("ossl.sign", 0, run_sign, &g_st, 1);
  bench_add("ossl.verify", 0, run_verify, &g_st, 1);
  bench_add("ossl.keygen", 0, run_keygen, &g_st, 1);
  bench_add("ossl.ecdh", 0, run_ecdh, &g_st, 1);
  bench_add("ossl.hkdf", 0, run_hkdf, &g_st, 1);
}

void bench_primitives_free(void) {
  EVP_CIPHER_CTX_free(g_st.enc);
  EVP_CIPHER_CTX_free(g_st.dec);
  if (g_st.gs != NULL) {
    g_st.gs->aead_key_free(g_st.gsk);
    gs_ossl_crypto_free(g_st.gs);
  }
  EVP_CIPHER_free(g_st.gcm);
  EVP_MAC_CTX_free(g_st.hmac);
  EVP_MD_CTX_free(g_st.md);
  EVP_PKEY_CTX_free(g_st.keygen);
  EVP_PKEY_free(g_st.peer_key);
  EVP_KDF_CTX_free(g_st.hkdf);
  memset(&g_st, 0, sizeof(g_st));
}
