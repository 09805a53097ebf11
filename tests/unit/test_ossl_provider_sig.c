/* gridseal: signature tests of the OpenSSL provider — keys generated here
 * with OpenSSL (fixtures only), then imported, used for signing and
 * verification strictly through the gs_crypto interface. */
#include "test_ossl_provider.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct fixture_key {
  uint8_t priv[4096], spki[1024];
  size_t priv_len, spki_len;
  EVP_PKEY *pkey;
} fixture_key;

/* type: "EC" (with curve), "RSA" (with bits) or "ED25519". */
static void make_key(fixture_key *f, const char *type, const char *curve, size_t bits) {
  if (strcmp(type, "EC") == 0) {
    f->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
  } else if (strcmp(type, "RSA") == 0) {
    f->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits);
  } else {
    f->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
  }
  assert_non_null(f->pkey);
  unsigned char *p = f->priv;
  int n = i2d_PrivateKey(f->pkey, &p);
  assert_true(n > 0 && (size_t)n <= sizeof(f->priv));
  f->priv_len = (size_t)n;
  p = f->spki;
  n = i2d_PUBKEY(f->pkey, &p);
  assert_true(n > 0 && (size_t)n <= sizeof(f->spki));
  f->spki_len = (size_t)n;
}

static void sign_verify_one(const char *type, const char *curve, size_t bits, gs_sig_alg want) {
  fixture_key f;
  gs_privkey *sk = NULL;
  gs_pubkey *pk = NULL;
  gs_sig_alg alg = 0;
  uint8_t msg[300], sig[GS_MAX_SIG_LEN], sig2[GS_MAX_SIG_LEN];
  size_t sl = 0, sl2 = 0;
  memset(msg, 0x42, sizeof(msg));
  make_key(&f, type, curve, bits);
  assert_int_equal(g_c->privkey_from_der(g_c->ctx, f.priv, f.priv_len, &sk), GS_OK);
  assert_int_equal(g_c->privkey_sig_alg(sk, &alg), GS_OK);
  assert_int_equal(alg, want);
  assert_int_equal(g_c->pubkey_from_spki(g_c->ctx, f.spki, f.spki_len, &pk), GS_OK);
  assert_int_equal(g_c->pubkey_sig_alg(pk, &alg), GS_OK);
  assert_int_equal(alg, want);
  /* sign over three parts, verify over one buffer and over other splits */
  gs_iov three[3] = {{msg, 10}, {msg + 10, 0}, {msg + 10, sizeof(msg) - 10}};
  gs_iov one = {msg, sizeof(msg)};
  gs_iov two[2] = {{msg, 150}, {msg + 150, 150}};
  assert_int_equal(g_c->sign(sk, want, three, 3, sig, sizeof(sig), &sl), GS_OK);
  assert_int_equal(g_c->verify(pk, want, &one, 1, sig, sl), GS_OK);
  assert_int_equal(g_c->verify(pk, want, two, 2, sig, sl), GS_OK);
  assert_int_equal(g_c->sign(sk, want, &one, 1, sig2, sizeof(sig2), &sl2), GS_OK);
  assert_int_equal(g_c->verify(pk, want, three, 3, sig2, sl2), GS_OK);
  if (want == GS_SIG_ECDSA_SHA256) {
    assert_int_equal(sig[0], 0x30); /* DER SEQUENCE { r, s } */
  }
  /* a changed message or signature does not verify */
  msg[299] ^= 1;
  assert_int_equal(g_c->verify(pk, want, &one, 1, sig, sl), GS_ERR_BAD_SIGNATURE);
  msg[299] ^= 1;
  sig[sl / 2] ^= 0x10;
  assert_int_equal(g_c->verify(pk, want, &one, 1, sig, sl), GS_ERR_BAD_SIGNATURE);
  assert_int_equal(g_c->verify(pk, want, &one, 1, sig, 0), GS_ERR_BAD_SIGNATURE);
  /* another algorithm than the key's */
  gs_sig_alg other = want == GS_SIG_ED25519 ? GS_SIG_ECDSA_SHA256 : GS_SIG_ED25519;
  assert_int_equal(g_c->verify(pk, other, &one, 1, sig2, sl2), GS_ERR_BAD_KEY);
  assert_int_equal(g_c->sign(sk, other, &one, 1, sig, sizeof(sig), &sl), GS_ERR_BAD_KEY);
  assert_int_equal(g_c->sign(sk, want, &one, 1, sig, 8, &sl), GS_ERR_BUFFER_TOO_SMALL);
  /* reference counting: two owners */
  assert_int_equal(g_c->pubkey_up_ref(pk), GS_OK);
  g_c->pubkey_free(pk);
  assert_int_equal(g_c->verify(pk, want, &one, 1, sig2, sl2), GS_OK);
  g_c->pubkey_free(pk);
  g_c->privkey_free(sk);
  EVP_PKEY_free(f.pkey);
}

void tp_test_sign_verify(void **state) {
  (void)state;
  sign_verify_one("EC", "P-256", 0, GS_SIG_ECDSA_SHA256);
  sign_verify_one("RSA", NULL, 2048, GS_SIG_RSA_SHA256);
  sign_verify_one("ED25519", NULL, 0, GS_SIG_ED25519);
}

/* RSA-1024 and ECDSA on P-384 are not profile signature keys. */
void tp_test_weak_keys(void **state) {
  (void)state;
  const struct {
    const char *type, *curve;
    size_t bits;
  } weak[] = {{"RSA", NULL, 1024}, {"EC", "P-384", 0}};
  for (size_t i = 0; i < 2; i++) {
    fixture_key f;
    gs_privkey *sk = NULL;
    gs_pubkey *pk = NULL;
    gs_sig_alg alg = 0;
    make_key(&f, weak[i].type, weak[i].curve, weak[i].bits);
    assert_int_equal(g_c->privkey_from_der(g_c->ctx, f.priv, f.priv_len, &sk), GS_ERR_BAD_KEY);
    assert_null(sk);
    /* the public key imports (a certificate may carry it) but verifies nothing */
    assert_int_equal(g_c->pubkey_from_spki(g_c->ctx, f.spki, f.spki_len, &pk), GS_OK);
    assert_int_equal(g_c->pubkey_sig_alg(pk, &alg), GS_ERR_BAD_KEY);
    gs_iov one = {f.spki, 10};
    uint8_t sig[8] = {0};
    assert_int_equal(g_c->verify(pk, GS_SIG_ECDSA_SHA256, &one, 1, sig, 8), GS_ERR_BAD_KEY);
    assert_int_equal(g_c->verify(pk, GS_SIG_RSA_SHA256, &one, 1, sig, 8), GS_ERR_BAD_KEY);
    g_c->pubkey_free(pk);
    EVP_PKEY_free(f.pkey);
  }
}

/* Trailing bytes, truncation and a non-minimal length are refused. */
void tp_test_spki_strict(void **state) {
  (void)state;
  fixture_key f;
  gs_pubkey *pk = NULL;
  uint8_t buf[1100];
  make_key(&f, "EC", "P-256", 0);
  memcpy(buf, f.spki, f.spki_len);
  buf[f.spki_len] = 0;
  assert_int_equal(g_c->pubkey_from_spki(g_c->ctx, buf, f.spki_len + 1, &pk), GS_ERR_BAD_KEY);
  assert_int_equal(g_c->pubkey_from_spki(g_c->ctx, buf, f.spki_len - 1, &pk), GS_ERR_BAD_KEY);
  /* 30 59 ... -> 30 81 59 ... (long form where short form is required) */
  assert_int_equal(f.spki[0], 0x30);
  assert_true(f.spki[1] < 0x80);
  buf[0] = 0x30;
  buf[1] = 0x81;
  memcpy(buf + 2, f.spki + 1, f.spki_len - 1);
  assert_int_equal(g_c->pubkey_from_spki(g_c->ctx, buf, f.spki_len + 1, &pk), GS_ERR_BAD_KEY);
  assert_null(pk);
  gs_privkey *sk = NULL;
  assert_int_equal(g_c->privkey_from_der(g_c->ctx, f.spki, f.spki_len, &sk), GS_ERR_BAD_KEY);
  EVP_PKEY_free(f.pkey);
}

/* PEM and DER files; a missing file is GS_ERR_IO. */
void tp_test_load_file(void **state) {
  (void)state;
  fixture_key f;
  char path[] = "/tmp/gs_ossl_keyXXXXXX";
  gs_privkey *sk = NULL;
  gs_sig_alg alg = 0;
  make_key(&f, "EC", "P-256", 0);
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *fp = fdopen(fd, "w");
  assert_non_null(fp);
  assert_int_equal(PEM_write_PrivateKey(fp, f.pkey, NULL, NULL, 0, NULL, NULL), 1);
  fclose(fp);
  assert_int_equal(gs_ossl_privkey_load_file(g_c, path, &sk), GS_OK);
  assert_int_equal(g_c->privkey_sig_alg(sk, &alg), GS_OK);
  assert_int_equal(alg, GS_SIG_ECDSA_SHA256);
  g_c->privkey_free(sk);
  fp = fopen(path, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(f.priv, 1, f.priv_len, fp), f.priv_len);
  fclose(fp);
  assert_int_equal(gs_ossl_privkey_load_file(g_c, path, &sk), GS_OK);
  g_c->privkey_free(sk);
  unlink(path);
  assert_int_equal(gs_ossl_privkey_load_file(g_c, path, &sk), GS_ERR_IO);
  EVP_PKEY_free(f.pkey);
}
