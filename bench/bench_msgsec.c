/* gridseal benchmarks: message-based security (COSE / JOSE / S/MIME style),
 * where every message stands alone.
 *
 * msg.sign:  the sender signs each message with ECDSA P-256 (SHA-256); the
 *            receiver verifies it with the sender's public key, already
 *            imported (no per-message certificate parsing — the best case
 *            for this approach).
 *            Wire: a COSE_Sign1 (RFC 9052) with protected header {1: -7}, an
 *            empty unprotected header and a 64-octet r||s signature:
 *            payload + 73 octets + the payload's CBOR length octets.
 * msg.ecdhes: ECDH-ES to the receiver's static P-256 key: ephemeral key
 *            generation + ECDH + HKDF-SHA256 (-> 32-octet key || 12-octet
 *            nonce) + AES-256-GCM seal; the receiver imports the ephemeral
 *            point (checked on the curve), ECDH + HKDF + open.
 *            Wire, minimal framing: 65-octet ephemeral point || ciphertext
 *            || 16-octet tag, plus a 2-octet length (payload + 83); the
 *            nonce is derived, not sent. COSE_Encrypt with a COSE_Key
 *            ephemeral key would add about 30 octets more.
 * msg.both:  sign, then encrypt the signed message (S/MIME signed-and-
 *            enveloped): both costs, and both overheads. */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <string.h>

#include "bench_pki.h"
#include "bench_util.h"

#define MS_MAX 16384
#define MS_SIG_OVERHEAD 73u
#define MS_ENC_OVERHEAD 83u

typedef struct ms_state {
  EVP_MD_CTX *md;
  EVP_PKEY_CTX *keygen;
  EVP_KDF_CTX *kdf;
  EVP_CIPHER_CTX *enc, *dec;
  uint8_t pt[MS_MAX + 128];
  uint8_t ct[MS_MAX + 256];
  uint8_t out[MS_MAX + 256];
} ms_state;

typedef struct ms_case {
  size_t payload;
} ms_case;

static ms_state g_st;
static ms_case g_cases[3 * 7];
static size_t g_ncases;

static size_t cbor_hdr(size_t n) {
  return n < 24 ? 1 : n < 256 ? 2 : n < 65536 ? 3 : 5;
}

/* Sign pt[0..n) and verify it; the signature is 64 octets raw, DER inside
 * OpenSSL. */
static int sign_verify(ms_state *st, const uint8_t *msg, size_t n) {
  const bench_pki *pki = bench_pki_get();
  uint8_t sig[80];
  size_t sl = sizeof(sig);
  EVP_MD_CTX_reset(st->md);
  if (EVP_DigestSignInit_ex(st->md, NULL, "SHA256", NULL, NULL, pki->ee[0].key, NULL) != 1 ||
      EVP_DigestSign(st->md, sig, &sl, msg, n) != 1) {
    return -1;
  }
  EVP_MD_CTX_reset(st->md);
  if (EVP_DigestVerifyInit_ex(st->md, NULL, "SHA256", NULL, NULL, pki->ee[0].key, NULL) != 1 ||
      EVP_DigestVerify(st->md, sig, sl, msg, n) != 1) {
    return -1;
  }
  return 0;
}

static int gcm(EVP_CIPHER_CTX *ctx, int enc, const uint8_t *km, const uint8_t *in, size_t n,
               uint8_t *out) {
  int len = 0, fin = 0;
  if (EVP_CipherInit_ex(ctx, NULL, NULL, km, km + 32, enc) != 1) {
    return -1;
  }
  if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, (void *)(in + n)) != 1) {
    return -1;
  }
  if (EVP_CipherUpdate(ctx, out, &len, in, (int)n) != 1 ||
      EVP_CipherFinal_ex(ctx, out + len, &fin) != 1) {
    return -1;
  }
  return enc ? (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out + n) == 1 ? 0 : -1) : 0;
}

/* ECDH-ES: seal msg[0..n) to the responder's static key, then open it. */
static int ecdhes(ms_state *st, const uint8_t *msg, size_t n) {
  const bench_pki *pki = bench_pki_get();
  EVP_PKEY *rcpt = pki->ee[1].key;
  uint8_t rpub[65], epub[65], z[32], km[44], salt[32] = {0};
  size_t pl = 0;
  EVP_PKEY *eph = NULL;
  int rc = -1;
  /* sender */
  if (EVP_PKEY_get_octet_string_param(rcpt, OSSL_PKEY_PARAM_PUB_KEY, rpub, 65, &pl) != 1 ||
      EVP_PKEY_keygen(st->keygen, &eph) != 1 ||
      EVP_PKEY_get_octet_string_param(eph, OSSL_PKEY_PARAM_PUB_KEY, epub, 65, &pl) != 1 ||
      bench_p256_derive(eph, rpub, 65, z) != 0 || bench_hkdf(st->kdf, salt, z, km, 44) != 0 ||
      gcm(st->enc, 1, km, msg, n, st->ct) != 0) {
    goto out;
  }
  /* receiver: ephemeral point from the wire */
  if (bench_p256_derive(rcpt, epub, 65, z) != 0 || bench_hkdf(st->kdf, salt, z, km, 44) != 0 ||
      gcm(st->dec, 0, km, st->ct, n, st->out) != 0) {
    goto out;
  }
  rc = 0;
out:
  EVP_PKEY_free(eph);
  OPENSSL_cleanse(z, sizeof(z));
  OPENSSL_cleanse(km, sizeof(km));
  return rc;
}

static int run_sign(void *state, size_t iters, double *ns) {
  ms_case *c = state;
  double t0 = bench_now_ns();
  for (size_t i = 0; i < iters; i++) {
    if (sign_verify(&g_st, g_st.pt, c->payload) != 0) {
      return -1;
    }
  }
  ns[0] = bench_now_ns() - t0;
  return 0;
}

static int run_ecdhes(void *state, size_t iters, double *ns) {
  ms_case *c = state;
  double t0 = bench_now_ns();
  for (size_t i = 0; i < iters; i++) {
    if (ecdhes(&g_st, g_st.pt, c->payload) != 0) {
      return -1;
    }
  }
  ns[0] = bench_now_ns() - t0;
  return 0;
}

/* Sign, then encrypt the whole COSE_Sign1 (its length stands for it). */
static int run_both(void *state, size_t iters, double *ns) {
  ms_case *c = state;
  double t0 = bench_now_ns();
  for (size_t i = 0; i < iters; i++) {
    if (sign_verify(&g_st, g_st.pt, c->payload) != 0 ||
        ecdhes(&g_st, g_st.pt, c->payload + MS_SIG_OVERHEAD + cbor_hdr(c->payload)) != 0) {
      return -1;
    }
  }
  ns[0] = bench_now_ns() - t0;
  return 0;
}

static void setup(ms_state *st) {
  st->md = EVP_MD_CTX_new();
  st->keygen = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
  st->kdf = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
  EVP_KDF_free(kdf);
  st->enc = EVP_CIPHER_CTX_new();
  st->dec = EVP_CIPHER_CTX_new();
  if (st->md == NULL || st->keygen == NULL || st->kdf == NULL || st->enc == NULL ||
      st->dec == NULL || EVP_PKEY_keygen_init(st->keygen) != 1 ||
      EVP_PKEY_CTX_set_group_name(st->keygen, "P-256") != 1 ||
      EVP_EncryptInit_ex(st->enc, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
      EVP_DecryptInit_ex(st->dec, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1) {
    bench_die("message-based security contexts");
  }
  bench_fill(st->pt, sizeof(st->pt), 11);
}

void bench_msgsec_register(void) {
  setup(&g_st);
  static const char *const ids[3] = {"msg.sign", "msg.ecdhes", "msg.both"};
  static const bench_fn fns[3] = {run_sign, run_ecdhes, run_both};
  for (size_t k = 0; k < 3; k++) {
    for (size_t i = 0; i < 7; i++) {
      ms_case *mc = &g_cases[g_ncases++];
      mc->payload = bench_plot_sizes[i];
      size_t n = mc->payload;
      size_t sig_bytes = n + MS_SIG_OVERHEAD + cbor_hdr(n);
      double wire = k == 0   ? (double)sig_bytes
                    : k == 1 ? (double)(n + MS_ENC_OVERHEAD)
                             : (double)(sig_bytes + MS_ENC_OVERHEAD);
      bench_case *c = bench_add(ids[k], n, fns[k], mc, 1);
      if (c != NULL) {
        c->wire_bytes = wire;
      }
    }
  }
}

void bench_msgsec_free(void) {
  EVP_MD_CTX_free(g_st.md);
  EVP_PKEY_CTX_free(g_st.keygen);
  EVP_KDF_CTX_free(g_st.kdf);
  EVP_CIPHER_CTX_free(g_st.enc);
  EVP_CIPHER_CTX_free(g_st.dec);
  memset(&g_st, 0, sizeof(g_st));
}
