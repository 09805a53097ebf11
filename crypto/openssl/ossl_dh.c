/* gridseal: Diffie-Hellman groups 14 (MODP-2048, RFC 3526), 19 (P-256),
 * 20 (P-384), 28 (brainpoolP256r1) and 31 (X25519) on OpenSSL 3.
 *
 * Encodings and Z formats follow docs/PROTOCOL.md §3.6. The peer value is
 * validated here exactly once (ENGINEERING.md: OpenSSL imports the P-256
 * point at infinity, and re-validating in EVP_PKEY_derive_set_peer doubles
 * the ECDH cost), then set with validate_peer = 0. */
#include "ossl_internal.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <stdlib.h>
#include <string.h>

typedef enum { DH_KIND_EC, DH_KIND_X25519, DH_KIND_MODP } dh_kind;

typedef struct dh_info {
  gs_dh_group group;
  dh_kind kind;
  const char *name; /* OpenSSL group name (or key type for X25519) */
  int nid;          /* curve NID for EC */
  size_t field_len; /* octets of a coordinate / private key / Z */
  size_t pub_len;   /* octets of the public value on the wire */
} dh_info;

static const dh_info dh_table[] = {
    {GS_DH_MODP2048, DH_KIND_MODP, "modp_2048", 0, 256, 256},
    {GS_DH_P256, DH_KIND_EC, "prime256v1", NID_X9_62_prime256v1, 32, 65},
    {GS_DH_P384, DH_KIND_EC, "secp384r1", NID_secp384r1, 48, 97},
    {GS_DH_BP256, DH_KIND_EC, "brainpoolP256r1", NID_brainpoolP256r1, 32, 65},
    {GS_DH_X25519, DH_KIND_X25519, "X25519", 0, 32, 32},
};

struct gs_dh_priv {
  const dh_info *info;
  const gs_ossl_ctx *ctx;
  EVP_PKEY *pkey;
};

static const dh_info *dh_lookup(gs_dh_group group) {
  for (size_t i = 0; i < sizeof(dh_table) / sizeof(dh_table[0]); i++) {
    if (dh_table[i].group == group) {
      return &dh_table[i];
    }
  }
  return NULL;
}

static const char *dh_key_type(const dh_info *in) {
  return in->kind == DH_KIND_EC ? "EC" : in->kind == DH_KIND_MODP ? "DH" : "X25519";
}

/* EVP_PKEY_fromdata of `params` as key type of `in`. */
static int pkey_fromdata(const dh_info *in, int selection, OSSL_PARAM_BLD *bld, EVP_PKEY **out) {
  int rc = GS_ERR_CRYPTO;
  OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, dh_key_type(in), NULL);
  if (params != NULL && pctx != NULL && EVP_PKEY_fromdata_init(pctx) == 1) {
    rc = EVP_PKEY_fromdata(pctx, out, selection, params) == 1 ? GS_OK : GS_ERR_DH_PEER_INVALID;
  }
  EVP_PKEY_CTX_free(pctx);
  OSSL_PARAM_free(params); /* secure BNs are cleared by the secure heap free */
  return rc;
}

/* The curve of `in`, built once in the provider context. */
static const EC_GROUP *ec_group_of(const gs_ossl_ctx *c, const dh_info *in) {
  switch (in->group) {
  case GS_DH_P256:
    return c->ec_p256;
  case GS_DH_P384:
    return c->ec_p384;
  case GS_DH_BP256:
    return c->ec_bp256;
  default:
    return NULL;
  }
}

/* The curve of `in` as a domain-parameter key (NULL: not an EC group). */
static gs_ossl_keygen *ec_gen_of(gs_ossl_ctx *c, const dh_info *in) {
  switch (in->group) {
  case GS_DH_P256:
    return &c->gen_p256;
  case GS_DH_P384:
    return &c->gen_p384;
  case GS_DH_BP256:
    return &c->gen_bp256;
  default:
    return NULL;
  }
}

/* A new key from the kept generation context of its curve, when it exists
 * and no other thread holds it: 1 = generated (*out), 0 = not tried, -1 =
 * failed. */
static int ec_generate_kept(gs_ossl_ctx *c, const dh_info *in, EVP_PKEY **out) {
  gs_ossl_keygen *g = ec_gen_of(c, in);
  if (g == NULL || g->ctx == NULL || atomic_flag_test_and_set(&g->busy)) {
    return 0;
  }
  int ok = EVP_PKEY_generate(g->ctx, out) == 1;
  atomic_flag_clear(&g->busy);
  return ok ? 1 : -1;
}

static EVP_PKEY *ec_tmpl_of(const gs_ossl_ctx *c, const dh_info *in) {
  switch (in->group) {
  case GS_DH_P256:
    return c->ec_tmpl_p256;
  case GS_DH_P384:
    return c->ec_tmpl_p384;
  case GS_DH_BP256:
    return c->ec_tmpl_bp256;
  default:
    return NULL;
  }
}

/* ECP peer point for a derive with `own`: a key with own's curve (copied,
 * not built from the name again) and the point set from its encoding,
 * which OpenSSL decodes with the checks of a full import (x, y < p, the
 * curve equation). */
static int ec_peer_from(EVP_PKEY *own, const uint8_t *pub, size_t len, EVP_PKEY **out) {
  EVP_PKEY *pk = EVP_PKEY_new();
  if (pk == NULL) {
    return GS_ERR_NOMEM;
  }
  if (EVP_PKEY_copy_parameters(pk, own) != 1) {
    EVP_PKEY_free(pk);
    return GS_ERR_CRYPTO;
  }
  if (EVP_PKEY_set1_encoded_public_key(pk, pub, len) != 1) {
    EVP_PKEY_free(pk);
    return GS_ERR_DH_PEER_INVALID;
  }
  *out = pk;
  return GS_OK;
}

/* Validate the peer value (docs/PROTOCOL.md §3.6) and import it. */
static int peer_import(const gs_ossl_ctx *c, const dh_info *in, const uint8_t *pub, size_t len,
                       EVP_PKEY **out) {
  *out = NULL;
  if (pub == NULL || len != in->pub_len) {
    return GS_ERR_DH_PEER_INVALID; /* also the 1-octet identity and compressed points */
  }
  if (in->kind == DH_KIND_X25519) {
    *out = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, pub, len);
    return *out != NULL ? GS_OK : GS_ERR_CRYPTO;
  }
  if (in->kind == DH_KIND_EC && pub[0] != 0x04) {
    return GS_ERR_DH_PEER_INVALID; /* only uncompressed points */
  }
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  BIGNUM *y = NULL, *pm1 = NULL;
  int rc = GS_ERR_NOMEM;
  if (bld == NULL ||
      !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, in->name, 0)) {
    goto out;
  }
  if (in->kind == DH_KIND_EC) {
    /* Import decodes the point, checks x, y < p and the curve equation
     * (all three curves have cofactor 1). */
    if (!OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, len)) {
      goto out;
    }
  } else {
    y = BN_bin2bn(pub, (int)len, NULL);
    pm1 = BN_dup(c->modp2048_p);
    if (y == NULL || pm1 == NULL || !BN_sub_word(pm1, 1)) {
      goto out;
    }
    if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, pm1) >= 0) {
      rc = GS_ERR_DH_PEER_INVALID; /* 1 < y < p-1 */
      goto out;
    }
    if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y)) {
      goto out;
    }
  }
  rc = pkey_fromdata(in, EVP_PKEY_PUBLIC_KEY, bld, out);
out:
  BN_free(y);
  BN_free(pm1);
  OSSL_PARAM_BLD_free(bld);
  return rc;
}

/* Write the public value of `pkey` in the profile's encoding. */
static int pub_export(const dh_info *in, EVP_PKEY *pkey, uint8_t *pub, size_t cap, size_t *len) {
  if (pub == NULL || len == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  if (cap < in->pub_len) {
    return GS_ERR_BUFFER_TOO_SMALL;
  }
  size_t got = 0;
  if (in->kind == DH_KIND_X25519) {
    got = cap;
    if (EVP_PKEY_get_raw_public_key(pkey, pub, &got) != 1) {
      return GS_ERR_CRYPTO;
    }
  } else if (in->kind == DH_KIND_EC) {
    if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pub, cap, &got) !=
            1 ||
        pub[0] != 0x04) {
      return GS_ERR_CRYPTO;
    }
  } else {
    BIGNUM *y = NULL;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, &y) != 1) {
      return GS_ERR_CRYPTO;
    }
    got = BN_bn2binpad(y, pub, (int)in->pub_len) < 0 ? 0 : in->pub_len;
    BN_free(y);
  }
  if (got != in->pub_len) {
    return GS_ERR_CRYPTO;
  }
  *len = got;
  return GS_OK;
}

static int priv_wrap(const gs_ossl_ctx *c, const dh_info *in, EVP_PKEY *pkey, gs_dh_priv **priv,
                     uint8_t *pub, size_t pub_cap, size_t *pub_len) {
  int rc = pub_export(in, pkey, pub, pub_cap, pub_len);
  gs_dh_priv *p = rc == GS_OK ? calloc(1, sizeof(*p)) : NULL;
  if (p == NULL) {
    EVP_PKEY_free(pkey);
    return rc != GS_OK ? rc : GS_ERR_NOMEM;
  }
  p->info = in;
  p->ctx = c;
  p->pkey = pkey;
  *priv = p;
  return GS_OK;
}

int gs_ossl_dh_generate(void *ctx, gs_dh_group group, gs_dh_priv **priv, uint8_t *pub,
                        size_t pub_cap, size_t *pub_len) {
  const dh_info *in = dh_lookup(group);
  if (priv == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *priv = NULL;
  if (in == NULL) {
    return GS_ERR_UNSUPPORTED_ALG;
  }
  EVP_PKEY *pkey = NULL;
  int kept = ec_generate_kept(ctx, in, &pkey);
  if (kept != 0) {
    if (kept < 0) {
      EVP_PKEY_free(pkey);
      return GS_ERR_CRYPTO;
    }
    return priv_wrap(ctx, in, pkey, priv, pub, pub_cap, pub_len);
  }
  EVP_PKEY *tmpl = ec_tmpl_of(ctx, in);
  EVP_PKEY_CTX *pctx = tmpl != NULL ? EVP_PKEY_CTX_new_from_pkey(NULL, tmpl, NULL)
                                    : EVP_PKEY_CTX_new_from_name(NULL, dh_key_type(in), NULL);
  int ok = pctx != NULL && EVP_PKEY_keygen_init(pctx) == 1 &&
           (in->kind == DH_KIND_X25519 || tmpl != NULL ||
            EVP_PKEY_CTX_set_group_name(pctx, in->name) == 1) &&
           EVP_PKEY_generate(pctx, &pkey) == 1;
  EVP_PKEY_CTX_free(pctx);
  if (!ok) {
    EVP_PKEY_free(pkey);
    return GS_ERR_CRYPTO;
  }
  return priv_wrap(ctx, in, pkey, priv, pub, pub_cap, pub_len);
}

/* ECP: d in [1, n-1]; push Q = dG (uncompressed) as the public key. The
 * builder keeps a pointer to `pt` (GS_MAX_DH_PUB_LEN octets, caller-owned)
 * until OSSL_PARAM_BLD_to_param. */
static int push_ec_pub(const dh_info *in, const BIGNUM *d, BN_CTX *bn, OSSL_PARAM_BLD *bld,
                       uint8_t *pt) {
  EC_GROUP *grp = EC_GROUP_new_by_curve_name(in->nid);
  EC_POINT *q = grp != NULL ? EC_POINT_new(grp) : NULL;
  int rc = GS_ERR_NOMEM;
  if (q != NULL) {
    rc = GS_ERR_BAD_KEY;
    if (!BN_is_zero(d) && BN_cmp(d, EC_GROUP_get0_order(grp)) < 0) {
      rc = EC_POINT_mul(grp, q, d, NULL, NULL, bn) &&
                   EC_POINT_point2oct(grp, q, POINT_CONVERSION_UNCOMPRESSED, pt, GS_MAX_DH_PUB_LEN,
                                      bn) == in->pub_len &&
                   OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, in->pub_len)
               ? GS_OK
               : GS_ERR_CRYPTO;
    }
  }
  EC_POINT_free(q);
  EC_GROUP_free(grp);
  return rc;
}

/* MODP: x in [2, p-2]; push y = 2^x mod p as the public key (`y` is
 * caller-owned: the builder keeps the pointer). */
static int push_modp_pub(const gs_ossl_ctx *c, const BIGNUM *x, BN_CTX *bn, OSSL_PARAM_BLD *bld,
                         BIGNUM *y) {
  BIGNUM *t = BN_dup(c->modp2048_p);
  int rc = GS_ERR_NOMEM;
  if (t != NULL && BN_sub_word(t, 1)) {
    rc = GS_ERR_BAD_KEY;
    if (BN_cmp(x, BN_value_one()) > 0 && BN_cmp(x, t) < 0) {
      rc = BN_set_word(t, 2) && BN_mod_exp_mont_consttime(y, t, x, c->modp2048_p, bn, NULL) &&
                   OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y)
               ? GS_OK
               : GS_ERR_CRYPTO;
    }
  }
  BN_free(t);
  return rc;
}

/* Import an ECP or MODP private key; the public value is computed here
 * because EVP_PKEY_fromdata does not derive it. */
static int import_ec_modp(const gs_ossl_ctx *c, const dh_info *in, const uint8_t *raw,
                          size_t raw_len, EVP_PKEY **out) {
  int rc = GS_ERR_NOMEM;
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  BN_CTX *bn = BN_CTX_new();
  BIGNUM *d = BN_secure_new(), *y = BN_new();
  uint8_t pt[GS_MAX_DH_PUB_LEN];
  if (bld != NULL && bn != NULL && d != NULL && y != NULL &&
      BN_bin2bn(raw, (int)raw_len, d) != NULL) {
    BN_set_flags(d, BN_FLG_CONSTTIME);
    rc = in->kind == DH_KIND_EC ? push_ec_pub(in, d, bn, bld, pt) : push_modp_pub(c, d, bn, bld, y);
  }
  if (rc == GS_OK) {
    rc = GS_ERR_NOMEM;
    if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, in->name, 0) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d)) {
      rc = pkey_fromdata(in, EVP_PKEY_KEYPAIR, bld, out);
      rc = rc == GS_ERR_DH_PEER_INVALID ? GS_ERR_BAD_KEY : rc;
    }
  }
  BN_clear_free(d);
  BN_free(y);
  BN_CTX_free(bn);
  OSSL_PARAM_BLD_free(bld);
  return rc;
}

int gs_ossl_dh_import_private(void *ctx, gs_dh_group group, const uint8_t *raw, size_t raw_len,
                              gs_dh_priv **priv, uint8_t *pub, size_t pub_cap, size_t *pub_len) {
  const dh_info *in = dh_lookup(group);
  if (priv == NULL || raw == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *priv = NULL;
  if (in == NULL) {
    return GS_ERR_UNSUPPORTED_ALG;
  }
  /* ECP and X25519: exactly the field size; MODP: 1..256 octets. */
  if (in->kind == DH_KIND_MODP ? (raw_len == 0 || raw_len > in->field_len)
                               : raw_len != in->field_len) {
    return GS_ERR_BAD_LENGTH;
  }
  EVP_PKEY *pkey = NULL;
  if (in->kind == DH_KIND_X25519) {
    pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, raw, raw_len);
    if (pkey == NULL) {
      return GS_ERR_BAD_KEY;
    }
  } else {
    int rc = import_ec_modp(ctx, in, raw, raw_len, &pkey);
    if (rc != GS_OK) {
      return rc;
    }
  }
  return priv_wrap(ctx, in, pkey, priv, pub, pub_cap, pub_len);
}

int gs_ossl_dh_export_private(const gs_dh_priv *priv, uint8_t *raw, size_t cap, size_t *raw_len) {
  if (priv == NULL || raw == NULL || raw_len == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  const dh_info *in = priv->info;
  if (in->kind == DH_KIND_X25519) {
    size_t got = cap;
    if (cap < in->field_len) {
      return GS_ERR_BUFFER_TOO_SMALL;
    }
    if (EVP_PKEY_get_raw_private_key(priv->pkey, raw, &got) != 1) {
      return GS_ERR_CRYPTO;
    }
    *raw_len = got;
    return GS_OK;
  }
  BIGNUM *d = NULL;
  if (EVP_PKEY_get_bn_param(priv->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1) {
    return GS_ERR_CRYPTO;
  }
  size_t len = in->kind == DH_KIND_EC ? in->field_len : (size_t)BN_num_bytes(d);
  int rc = GS_OK;
  if (cap < len) {
    rc = GS_ERR_BUFFER_TOO_SMALL;
  } else if (BN_bn2binpad(d, raw, (int)len) != (int)len) {
    rc = GS_ERR_CRYPTO;
  } else {
    *raw_len = len;
  }
  BN_clear_free(d);
  return rc;
}

int gs_ossl_dh_check_public(void *ctx, gs_dh_group group, const uint8_t *pub, size_t pub_len) {
  const dh_info *in = dh_lookup(group);
  if (in == NULL) {
    return GS_ERR_UNSUPPORTED_ALG;
  }
  const EC_GROUP *grp = in->kind == DH_KIND_EC ? ec_group_of(ctx, in) : NULL;
  if (grp != NULL) {
    /* The checks of the import (peer_import): the uncompressed encoding of
     * the right length, x, y < p and the curve equation (oct2point refuses
     * a point off the curve; all three curves have cofactor 1), on the
     * curve built once: no key object, no curve set-up per handshake. */
    if (pub == NULL || pub_len != in->pub_len || pub[0] != 0x04) {
      return GS_ERR_DH_PEER_INVALID;
    }
    EC_POINT *pt = EC_POINT_new(grp);
    if (pt == NULL) {
      return GS_ERR_NOMEM;
    }
    int ok = EC_POINT_oct2point(grp, pt, pub, pub_len, NULL) == 1 &&
             EC_POINT_is_at_infinity(grp, pt) == 0;
    EC_POINT_free(pt);
    return ok ? GS_OK : GS_ERR_DH_PEER_INVALID;
  }
  EVP_PKEY *peer = NULL;
  int rc = peer_import(ctx, in, pub, pub_len, &peer);
  EVP_PKEY_free(peer);
  return rc;
}

int gs_ossl_dh_derive(gs_dh_priv *priv, const uint8_t *peer, size_t peer_len, uint8_t *z,
                      size_t z_cap, size_t *z_len) {
  if (priv == NULL || z == NULL || z_len == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  const dh_info *in = priv->info;
  if (z_cap < in->field_len) {
    return GS_ERR_BUFFER_TOO_SMALL;
  }
  EVP_PKEY *pk = NULL;
  int rc;
  if (in->kind == DH_KIND_EC) {
    rc = peer == NULL || peer_len != in->pub_len || peer[0] != 0x04
             ? GS_ERR_DH_PEER_INVALID /* only uncompressed points, of the curve's size */
             : ec_peer_from(priv->pkey, peer, peer_len, &pk);
  } else {
    rc = peer_import(priv->ctx, in, peer, peer_len, &pk);
  }
  if (rc != GS_OK) {
    OPENSSL_cleanse(z, z_cap); /* no stale secret is left in the output */
    return rc;
  }
  size_t len = in->field_len;
  EVP_PKEY_CTX *dctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv->pkey, NULL);
  rc = GS_ERR_CRYPTO;
  if (dctx != NULL && EVP_PKEY_derive_init(dctx) == 1 &&
      (in->kind != DH_KIND_MODP || EVP_PKEY_CTX_set_dh_pad(dctx, 1) == 1) &&
      EVP_PKEY_derive_set_peer_ex(dctx, pk, 0) == 1) {
    if (EVP_PKEY_derive(dctx, z, &len) == 1 && len == in->field_len) {
      rc = GS_OK;
    } else if (in->kind == DH_KIND_X25519) {
      rc = GS_ERR_DH_PEER_INVALID; /* OpenSSL refuses an all-zero X25519 result */
    }
  }
  if (rc == GS_OK && in->kind == DH_KIND_X25519) {
    static const uint8_t zero[32];
    if (CRYPTO_memcmp(z, zero, sizeof(zero)) == 0) {
      rc = GS_ERR_DH_PEER_INVALID; /* RFC 7748 §6.1: low-order peer point */
    }
  }
  if (rc == GS_OK) {
    *z_len = len;
  } else {
    OPENSSL_cleanse(z, z_cap);
  }
  EVP_PKEY_CTX_free(dctx);
  EVP_PKEY_free(pk);
  return rc;
}

gs_dh_group gs_ossl_dh_group(const gs_dh_priv *priv) {
  return priv->info->group;
}

void gs_ossl_dh_free(gs_dh_priv *priv) {
  if (priv == NULL) {
    return;
  }
  EVP_PKEY_free(priv->pkey); /* OpenSSL clears private key material on free */
  OPENSSL_cleanse(priv, sizeof(*priv));
  free(priv);
}
