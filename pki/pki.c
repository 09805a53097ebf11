/* The gs_pki object: trust anchors, CRLs, the X509_STORE built from them,
 * and the cache of validated certificates (docs/PKI.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "pki_internal.h"

int gs_pki_new(const gs_crypto *crypto, gs_pki **out) {
  if (crypto == NULL || out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  gs_pki *p = calloc(1, sizeof *p);
  if (p == NULL) {
    return GS_ERR_NOMEM;
  }
  p->crypto = crypto;
  p->cache_on = true;
  gs_pki_config_init(&p->cfg);
  p->anchors = sk_X509_new_null();
  p->crls = sk_X509_CRL_new_null();
  if (p->anchors == NULL || p->crls == NULL) {
    gs_pki_free(p);
    return GS_ERR_NOMEM;
  }
  *out = p;
  return GS_OK;
}

void gs_pki_config_init(gs_pki_config *cfg) {
  if (cfg != NULL) {
    memset(cfg, 0, sizeof *cfg);
  }
}

void gs_pki_entry_unref(gs_pki_entry *e) {
  if (e == NULL || --e->refs > 0) {
    return;
  }
  if (e->info.pubkey != NULL) {
    e->crypto->pubkey_free(e->info.pubkey);
  }
  free(e->in_buf);
  free(e);
}

static void cache_clear(gs_pki *pki) {
  for (size_t i = 0; i < pki->n_cache; i++) {
    gs_pki_entry_unref(pki->cache[i]);
    pki->cache[i] = NULL;
  }
  pki->n_cache = 0;
}

/* Anchors or CRLs changed: rebuild the store on next use, forget every
 * cached verdict. */
static void invalidate(gs_pki *pki) {
  X509_STORE_free(pki->store);
  pki->store = NULL;
  sk_X509_pop_free(pki->sub_anchors, X509_free);
  pki->sub_anchors = NULL;
  cache_clear(pki);
}

void gs_pki_free(gs_pki *pki) {
  if (pki == NULL) {
    return;
  }
  invalidate(pki);
  sk_X509_pop_free(pki->anchors, X509_free);
  sk_X509_CRL_pop_free(pki->crls, X509_CRL_free);
  free(pki);
}

/* `x` is issued and signed by `by` (a different certificate). */
static bool issued_by(X509 *x, X509 *by) {
  EVP_PKEY *k = X509_get0_pubkey(by);
  return x != by && X509_cmp(x, by) != 0 && X509_check_issued(by, x) == X509_V_OK && k != NULL &&
         X509_verify(x, k) == 1;
}

/* Split the anchors: roots (self-signed) and anchors that no chain of other
 * anchors leads up to a root stay trust anchors (each pinned); an anchor
 * issued by a root anchor, or by an anchor so issued, is subordinate. With
 * a bundle of root + intermediate as anchors, a path through the
 * intermediate then ends at the root, and the root's CRL can revoke the
 * intermediate; pinned alone, the intermediate would end the path and its
 * own revocation could not be checked. `sub` (n entries) marks them. */
static void mark_subordinate(STACK_OF(X509) * anchors, bool *sub, bool *root) {
  int n = sk_X509_num(anchors);
  for (int i = 0; i < n; i++) {
    X509 *x = sk_X509_value(anchors, i);
    root[i] = (X509_get_extension_flags(x) & EXFLAG_SS) != 0;
    sub[i] = false;
  }
  for (bool grew = true; grew;) {
    grew = false;
    for (int i = 0; i < n; i++) {
      for (int j = 0; !root[i] && !sub[i] && j < n; j++) {
        if ((root[j] || sub[j]) &&
            issued_by(sk_X509_value(anchors, i), sk_X509_value(anchors, j))) {
          sub[i] = grew = true;
        }
      }
    }
  }
}

X509_STORE *gs_pki_store_get(gs_pki *pki) {
  if (pki->store != NULL) {
    return pki->store;
  }
  int n = sk_X509_num(pki->anchors);
  bool *flags = calloc((size_t)(n > 0 ? n : 1), 2 * sizeof(bool));
  X509_STORE *s = X509_STORE_new();
  STACK_OF(X509) *sub = sk_X509_new_null();
  bool ok = flags != NULL && s != NULL && sub != NULL;
  if (ok) {
    mark_subordinate(pki->anchors, flags, flags + n);
  }
  for (int i = 0; ok && i < n; i++) {
    X509 *x = sk_X509_value(pki->anchors, i);
    if (flags[i]) {
      ok = X509_up_ref(x) == 1;
      if (ok && !sk_X509_push(sub, x)) {
        X509_free(x); /* the reference just taken */
        ok = false;
      }
    } else {
      ok = X509_STORE_add_cert(s, x) == 1;
    }
  }
  for (int i = 0; ok && i < sk_X509_CRL_num(pki->crls); i++) {
    ok = X509_STORE_add_crl(s, sk_X509_CRL_value(pki->crls, i)) == 1;
  }
  free(flags);
  if (!ok) {
    X509_STORE_free(s);
    sk_X509_pop_free(sub, X509_free);
    return NULL;
  }
  pki->store = s;
  pki->sub_anchors = sub;
  return s;
}

/* The policy changes verdicts: forget every cached one. */
int gs_pki_configure(gs_pki *pki, const gs_pki_config *cfg) {
  if (pki == NULL || cfg == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  pki->cfg = *cfg;
  cache_clear(pki);
  return GS_OK;
}

/* ------------------------------------------------------------ loading */
static bool looks_der(const uint8_t *data, size_t len) {
  return len > 0 && data[0] == 0x30;
}

/* Certificates from DER (exactly one) or PEM (one or more) into `sk`. */
static int parse_certs(const uint8_t *data, size_t len, STACK_OF(X509) * sk) {
  if (data == NULL || len == 0 || len > INT32_MAX) {
    return GS_ERR_INVALID_ARG;
  }
  if (looks_der(data, len)) {
    const unsigned char *p = data;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (x == NULL || (size_t)(p - data) != len || !sk_X509_push(sk, x)) {
      X509_free(x);
      return GS_ERR_CERT_PARSE;
    }
    return GS_OK;
  }
  BIO *b = BIO_new_mem_buf(data, (int)len);
  if (b == NULL) {
    return GS_ERR_NOMEM;
  }
  X509 *x;
  while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
    if (!sk_X509_push(sk, x)) {
      X509_free(x);
      break;
    }
  }
  BIO_free(b);
  return sk_X509_num(sk) > 0 ? GS_OK : GS_ERR_CERT_PARSE;
}

static int parse_crls(const uint8_t *data, size_t len, STACK_OF(X509_CRL) * sk) {
  if (data == NULL || len == 0 || len > INT32_MAX) {
    return GS_ERR_INVALID_ARG;
  }
  if (looks_der(data, len)) {
    const unsigned char *p = data;
    X509_CRL *c = d2i_X509_CRL(NULL, &p, (long)len);
    if (c == NULL || (size_t)(p - data) != len || !sk_X509_CRL_push(sk, c)) {
      X509_CRL_free(c);
      return GS_ERR_CRL_INVALID;
    }
    return GS_OK;
  }
  BIO *b = BIO_new_mem_buf(data, (int)len);
  if (b == NULL) {
    return GS_ERR_NOMEM;
  }
  X509_CRL *c;
  while ((c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
    if (!sk_X509_CRL_push(sk, c)) {
      X509_CRL_free(c);
      break;
    }
  }
  BIO_free(b);
  return sk_X509_CRL_num(sk) > 0 ? GS_OK : GS_ERR_CRL_INVALID;
}

static int read_file(const char *path, uint8_t **buf, size_t *len) {
  if (path == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    return GS_ERR_IO;
  }
  size_t cap = 4096, n = 0;
  uint8_t *b = malloc(cap);
  int rc = b == NULL ? GS_ERR_NOMEM : GS_OK;
  while (rc == GS_OK) {
    n += fread(b + n, 1, cap - n, f);
    if (ferror(f)) {
      rc = GS_ERR_IO;
    } else if (n < cap) {
      break;
    } else if (cap >= (8u << 20)) {
      rc = GS_ERR_LIMIT;
    } else {
      uint8_t *nb = realloc(b, cap * 2);
      rc = nb == NULL ? GS_ERR_NOMEM : GS_OK;
      b = nb != NULL ? nb : b;
      cap *= 2;
    }
  }
  fclose(f);
  if (rc != GS_OK) {
    free(b);
    return rc;
  }
  *buf = b;
  *len = n;
  return GS_OK;
}

int gs_pki_add_anchor(gs_pki *pki, const uint8_t *data, size_t len) {
  if (pki == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  STACK_OF(X509) *sk = sk_X509_new_null();
  if (sk == NULL) {
    return GS_ERR_NOMEM;
  }
  int rc = parse_certs(data, len, sk);
  while (rc == GS_OK && sk_X509_num(sk) > 0) {
    X509 *x = sk_X509_shift(sk);
    if (!sk_X509_push(pki->anchors, x)) {
      X509_free(x);
      rc = GS_ERR_NOMEM;
    }
  }
  sk_X509_pop_free(sk, X509_free);
  invalidate(pki);
  return rc;
}

int gs_pki_add_crl(gs_pki *pki, const uint8_t *data, size_t len) {
  if (pki == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  STACK_OF(X509_CRL) *sk = sk_X509_CRL_new_null();
  if (sk == NULL) {
    return GS_ERR_NOMEM;
  }
  int rc = parse_crls(data, len, sk);
  while (rc == GS_OK && sk_X509_CRL_num(sk) > 0) {
    X509_CRL *c = sk_X509_CRL_shift(sk);
    if (!sk_X509_CRL_push(pki->crls, c)) {
      X509_CRL_free(c);
      rc = GS_ERR_NOMEM;
    }
  }
  sk_X509_CRL_pop_free(sk, X509_CRL_free);
  invalidate(pki);
  return rc;
}

int gs_pki_add_anchor_file(gs_pki *pki, const char *path) {
  uint8_t *buf = NULL;
  size_t len = 0;
  int rc = pki == NULL ? GS_ERR_INVALID_ARG : read_file(path, &buf, &len);
  if (rc == GS_OK) {
    rc = gs_pki_add_anchor(pki, buf, len);
  }
  free(buf);
  return rc;
}

int gs_pki_add_crl_file(gs_pki *pki, const char *path) {
  uint8_t *buf = NULL;
  size_t len = 0;
  int rc = pki == NULL ? GS_ERR_INVALID_ARG : read_file(path, &buf, &len);
  if (rc == GS_OK) {
    rc = gs_pki_add_crl(pki, buf, len);
  }
  free(buf);
  return rc;
}

/* All or nothing: on any error the previous CRLs stay in force. */
int gs_pki_reload_crls(gs_pki *pki, const char *const *paths, size_t n) {
  if (pki == NULL || (n > 0 && paths == NULL)) {
    return GS_ERR_INVALID_ARG;
  }
  STACK_OF(X509_CRL) *fresh = sk_X509_CRL_new_null();
  if (fresh == NULL) {
    return GS_ERR_NOMEM;
  }
  int rc = GS_OK;
  for (size_t i = 0; i < n && rc == GS_OK; i++) {
    uint8_t *buf = NULL;
    size_t len = 0;
    rc = read_file(paths[i], &buf, &len);
    if (rc == GS_OK) {
      rc = parse_crls(buf, len, fresh);
    }
    free(buf);
  }
  if (rc != GS_OK) {
    sk_X509_CRL_pop_free(fresh, X509_CRL_free);
    return rc;
  }
  sk_X509_CRL_pop_free(pki->crls, X509_CRL_free);
  pki->crls = fresh;
  invalidate(pki);
  return GS_OK;
}

int gs_pki_load_cert_file(const char *path, uint8_t **der, size_t *len) {
  if (path == NULL || der == NULL || len == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *der = NULL;
  *len = 0;
  uint8_t *buf = NULL;
  size_t n = 0;
  int rc = read_file(path, &buf, &n);
  if (rc != GS_OK) {
    return rc;
  }
  STACK_OF(X509) *sk = sk_X509_new_null();
  rc = sk == NULL ? GS_ERR_NOMEM : parse_certs(buf, n, sk);
  if (rc == GS_OK && looks_der(buf, n)) {
    /* DER as found in the file: validation judges its encoding */
    sk_X509_pop_free(sk, X509_free);
    *der = buf;
    *len = n;
    return GS_OK;
  }
  free(buf);
  if (rc == GS_OK) {
    unsigned char *out = NULL;
    int olen = i2d_X509(sk_X509_value(sk, 0), &out);
    if (olen <= 0) {
      rc = GS_ERR_CERT_PARSE;
    } else {
      *der = malloc((size_t)olen);
      if (*der == NULL) {
        rc = GS_ERR_NOMEM;
      } else {
        memcpy(*der, out, (size_t)olen);
        *len = (size_t)olen;
      }
    }
    OPENSSL_free(out);
  }
  sk_X509_pop_free(sk, X509_free);
  return rc;
}

/* ------------------------------------------------------------ reload */
int gs_pki_swap_trust(gs_pki *pki, gs_pki *other) {
  if (pki == NULL || other == NULL || pki == other) {
    return GS_ERR_INVALID_ARG;
  }
  STACK_OF(X509) *a = pki->anchors;
  STACK_OF(X509_CRL) *c = pki->crls;
  pki->anchors = other->anchors;
  pki->crls = other->crls;
  other->anchors = a;
  other->crls = c;
  invalidate(pki);
  invalidate(other);
  return GS_OK;
}

int gs_pki_recheck(gs_pki *pki, const gs_cert_info *info, gs_time_ms now) {
  if (pki == NULL || info == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  /* info is the first member of its entry (pki_internal.h) */
  const gs_pki_entry *e = (const gs_pki_entry *)(uintptr_t)info;
  if (e->in_buf == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  gs_pki_entry *fresh = NULL;
  int rc = gs_pki_validate_fresh(pki, e->in_leaf, e->in_path, e->in_n_path,
                                 e->in_has_att ? &e->in_att : NULL, now, &fresh);
  gs_pki_entry_unref(fresh);
  return rc;
}

/* ------------------------------------------------------------ what is loaded */
size_t gs_pki_crl_count(const gs_pki *pki) {
  return pki != NULL ? (size_t)sk_X509_CRL_num(pki->crls) : 0;
}

int gs_pki_crl_get(const gs_pki *pki, size_t i, gs_pki_crl_info *out) {
  if (pki == NULL || out == NULL || i >= gs_pki_crl_count(pki)) {
    return GS_ERR_INVALID_ARG;
  }
  memset(out, 0, sizeof *out);
  X509_CRL *c = sk_X509_CRL_value(pki->crls, (int)i);
  int rc = gs_pki_name_text(X509_CRL_get_issuer(c), out->issuer, sizeof out->issuer);
  if (rc != GS_OK) {
    return rc;
  }
  out->this_update = gs_pki_asn1_time_s(X509_CRL_get0_lastUpdate(c)) * 1000;
  const ASN1_TIME *nu = X509_CRL_get0_nextUpdate(c);
  out->next_update = nu != NULL ? gs_pki_asn1_time_s(nu) * 1000 : 0;
  STACK_OF(X509_REVOKED) *rev = X509_CRL_get_REVOKED(c);
  out->n_revoked = rev != NULL ? (size_t)sk_X509_REVOKED_num(rev) : 0;
  return GS_OK;
}

size_t gs_pki_anchor_count(const gs_pki *pki) {
  return pki != NULL ? (size_t)sk_X509_num(pki->anchors) : 0;
}

static int summary_of(X509 *x, gs_pki_cert_summary *out) {
  memset(out, 0, sizeof *out);
  int rc = gs_pki_subject(x, out->subject, sizeof out->subject);
  if (rc == GS_OK) {
    rc = gs_pki_serial_hex(x, out->serial, sizeof out->serial);
  }
  out->not_before = gs_pki_asn1_time_s(X509_get0_notBefore(x)) * 1000;
  out->not_after = gs_pki_asn1_time_s(X509_get0_notAfter(x)) * 1000;
  return rc;
}

int gs_pki_anchor_get(const gs_pki *pki, size_t i, gs_pki_cert_summary *out) {
  if (pki == NULL || out == NULL || i >= gs_pki_anchor_count(pki)) {
    return GS_ERR_INVALID_ARG;
  }
  return summary_of(sk_X509_value(pki->anchors, (int)i), out);
}

int gs_pki_cert_summary_get(const uint8_t *der, size_t len, gs_pki_cert_summary *out) {
  if (der == NULL || len == 0 || len > INT32_MAX || out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  const unsigned char *p = der;
  X509 *x = d2i_X509(NULL, &p, (long)len);
  if (x == NULL || (size_t)(p - der) != len) {
    X509_free(x);
    return GS_ERR_CERT_PARSE;
  }
  int rc = summary_of(x, out);
  X509_free(x);
  return rc;
}
