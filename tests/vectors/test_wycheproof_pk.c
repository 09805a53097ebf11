/* gridseal: Wycheproof public-key vectors through the gs_crypto interface —
 * ECDH (raw points and SPKI inputs), X25519, ECDSA P-256, RSA PKCS#1 v1.5
 * and Ed25519.
 *
 * Only the SPKI-encoded ECDH inputs are converted with OpenSSL here: the
 * SubjectPublicKeyInfo is parsed strictly (named P-256 curve, DER that
 * re-encodes identically) and its BIT STRING, the raw point, is handed to
 * the interface unchanged, so every point check and derive is ours. */
#include "wycheproof_util.h"

#include <openssl/objects.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Wycheproof private keys are ASN.1 INTEGER contents (maybe a leading 00,
 * maybe short): normalise to `len` octets, big-endian. false if too long. */
static bool fixed_len(const uint8_t *in, size_t in_len, uint8_t *out, size_t len) {
  while (in_len > 0 && in[0] == 0) {
    in++, in_len--;
  }
  if (in_len > len) {
    return false;
  }
  memset(out, 0, len - in_len);
  memcpy(out + len - in_len, in, in_len);
  return true;
}

static gs_dh_group curve_group(const char *curve) {
  if (strcmp(curve, "secp256r1") == 0) {
    return GS_DH_P256;
  }
  if (strcmp(curve, "secp384r1") == 0) {
    return GS_DH_P384;
  }
  return GS_DH_X25519;
}

/* Derive through the interface; also checks that dh_check_public agrees. */
static void ecdh_derive(wp_counts *c, const json_t *tc, gs_dh_group grp, const uint8_t *pub,
                        size_t pub_len) {
  gs_crypto *cr = wp_crypto();
  size_t pl, sl, zl = 0, ownl = 0;
  uint8_t *priv = wp_hex(tc, "private", &pl), *shared = wp_hex(tc, "shared", &sl);
  uint8_t raw[64], own[GS_MAX_DH_PUB_LEN], z[GS_MAX_DH_SECRET_LEN];
  size_t field = grp == GS_DH_P384 ? 48 : 32;
  gs_dh_priv *k = NULL;
  if (!fixed_len(priv, pl, raw, field)) {
    fprintf(stderr, "tcId %ld: private key longer than the field\n", wp_int(tc, "tcId"));
    c->failures++;
  }
  if (cr->dh_import_private(cr->ctx, grp, raw, field, &k, own, sizeof(own), &ownl) != GS_OK) {
    fprintf(stderr, "tcId %ld: private key refused\n", wp_int(tc, "tcId"));
    c->failures++;
    wp_check(c, tc, false);
  } else {
    int chk = cr->dh_check_public(cr->ctx, grp, pub, pub_len);
    int rc = cr->dh_derive(k, pub, pub_len, z, sizeof(z), &zl);
    if ((chk == GS_OK) != (rc == GS_OK) || (rc != GS_OK && rc != GS_ERR_DH_PEER_INVALID)) {
      fprintf(stderr, "tcId %ld: check_public %d vs derive %d\n", wp_int(tc, "tcId"), chk, rc);
      c->failures++;
    }
    wp_check(c, tc, rc == GS_OK && zl == sl && memcmp(z, shared, sl) == 0);
  }
  cr->dh_free(k);
  free(priv), free(shared);
}

void wp_ecdh_ecpoint_case(wp_counts *c, const json_t *g, const json_t *tc) {
  size_t publ;
  uint8_t *pub = wp_hex(tc, "public", &publ);
  ecdh_derive(c, tc, curve_group(json_string_value(json_object_get(g, "curve"))), pub, publ);
  free(pub);
}

/* SPKI -> raw point, strictly; false when the SPKI is not a DER
 * SubjectPublicKeyInfo for id-ecPublicKey on the named curve P-256. */
static bool spki_to_point(const uint8_t *der, size_t len, uint8_t *pt, size_t cap, size_t *pt_len) {
  const unsigned char *p = der;
  X509_PUBKEY *xp = d2i_X509_PUBKEY(NULL, &p, (long)len);
  bool ok = false;
  if (xp != NULL && p == der + len) {
    unsigned char *re = NULL;
    int relen = i2d_X509_PUBKEY(xp, &re);
    ASN1_OBJECT *alg = NULL;
    const unsigned char *bits = NULL;
    int bits_len = 0;
    X509_ALGOR *algor = NULL;
    int ptype = 0;
    const void *pval = NULL;
    ok = relen == (int)len && memcmp(re, der, len) == 0 &&
         X509_PUBKEY_get0_param(&alg, &bits, &bits_len, &algor, xp) == 1 &&
         OBJ_obj2nid(alg) == NID_X9_62_id_ecPublicKey;
    if (ok) {
      X509_ALGOR_get0(NULL, &ptype, &pval, algor);
      ok = ptype == V_ASN1_OBJECT && OBJ_obj2nid(pval) == NID_X9_62_prime256v1 &&
           (size_t)bits_len <= cap;
    }
    if (ok && bits_len > 0) {
      memcpy(pt, bits, (size_t)bits_len);
    }
    if (ok) {
      *pt_len = (size_t)bits_len;
    }
    OPENSSL_free(re);
  }
  X509_PUBKEY_free(xp);
  return ok;
}

void wp_ecdh_spki_case(wp_counts *c, const json_t *g, const json_t *tc) {
  (void)g;
  size_t publ, ptl = 0;
  uint8_t *pub = wp_hex(tc, "public", &publ);
  uint8_t pt[GS_MAX_DH_PUB_LEN];
  if (spki_to_point(pub, publ, pt, sizeof(pt), &ptl)) {
    ecdh_derive(c, tc, GS_DH_P256, pt, ptl);
  } else {
    c->conv_rejected++;
    wp_check(c, tc, false);
  }
  free(pub);
}

void wp_x25519_case(wp_counts *c, const json_t *g, const json_t *tc) {
  (void)g;
  gs_crypto *cr = wp_crypto();
  size_t pl, publ, sl, zl = 0, ownl = 0;
  uint8_t *priv = wp_hex(tc, "private", &pl), *pub = wp_hex(tc, "public", &publ);
  uint8_t *shared = wp_hex(tc, "shared", &sl);
  uint8_t own[32], z[32];
  gs_dh_priv *k = NULL;
  if (cr->dh_import_private(cr->ctx, GS_DH_X25519, priv, pl, &k, own, sizeof(own), &ownl) !=
      GS_OK) {
    c->failures++;
    wp_check(c, tc, false);
  } else {
    int rc = cr->dh_derive(k, pub, publ, z, sizeof(z), &zl);
    if (rc != GS_OK && rc != GS_ERR_DH_PEER_INVALID) {
      c->failures++;
    }
    wp_check(c, tc, rc == GS_OK && zl == sl && memcmp(z, shared, sl) == 0);
  }
  cr->dh_free(k);
  free(priv), free(pub), free(shared);
}

/* ------------------------------------------------------------ signatures */

static gs_sig_alg sig_alg_of(const char *file) {
  if (strstr(file, "ecdsa") != NULL) {
    return GS_SIG_ECDSA_SHA256;
  }
  if (strstr(file, "rsa") != NULL) {
    return GS_SIG_RSA_SHA256;
  }
  return GS_SIG_ED25519;
}

void wp_sig_case(wp_counts *c, const json_t *g, const json_t *tc) {
  gs_crypto *cr = wp_crypto();
  size_t kl, ml, sl;
  uint8_t *spki = wp_hex(g, "publicKeyDer", &kl), *msg = wp_hex(tc, "msg", &ml);
  uint8_t *sig = wp_hex(tc, "sig", &sl);
  gs_sig_alg want = sig_alg_of(c->file), have = 0;
  gs_pubkey *k = NULL;
  if (cr->pubkey_from_spki(cr->ctx, spki, kl, &k) != GS_OK ||
      cr->pubkey_sig_alg(k, &have) != GS_OK || have != want) {
    fprintf(stderr, "tcId %ld: public key refused\n", wp_int(tc, "tcId"));
    c->failures++;
    wp_check(c, tc, false);
  } else {
    /* Split the message in two parts to exercise the scatter list. */
    gs_iov parts[2] = {{msg, ml / 2}, {msg + ml / 2, ml - ml / 2}};
    int rc = cr->verify(k, want, parts, 2, sig, sl);
    if (rc != GS_OK && rc != GS_ERR_BAD_SIGNATURE) {
      fprintf(stderr, "tcId %ld: verify gave %d\n", wp_int(tc, "tcId"), rc);
      c->failures++;
    }
    wp_check(c, tc, rc == GS_OK);
  }
  cr->pubkey_free(k);
  free(spki), free(msg), free(sig);
}
