/* The cache of validated certificates, the validate/release entry points
 * and the gs_validator vtable (docs/PKI.md, "Cache").
 *
 * Key: SHA-256 over the length-prefixed leaf, path certificates and
 * attribute certificate, so a hit means exactly the same inputs. A hit is
 * accepted only when `now` lies inside the entry's window (latest notBefore
 * / CRL thisUpdate / role start .. earliest notAfter / CRL nextUpdate / role
 * end over everything the verdict used); otherwise the inputs are validated
 * afresh. Any change of anchors or CRLs empties the cache (pki.c). */
#include <stdlib.h>
#include <string.h>

#include "pki_internal.h"

static int cache_key(const gs_pki *pki, gs_slice leaf, const gs_slice *path, size_t n_path,
                     const gs_slice *att, uint8_t key[32]) {
  gs_iov iov[2 * (GS_MAX_CERT_PATH + 2)];
  uint8_t lens[GS_MAX_CERT_PATH + 2][8];
  size_t n = 0;
  for (size_t i = 0; i < n_path + 2; i++) {
    gs_slice s = i == 0 ? leaf : (i <= n_path ? path[i - 1] : (att ? *att : (gs_slice){0}));
    uint64_t l = (i == n_path + 1 && att == NULL) ? UINT64_MAX : (uint64_t)s.len;
    for (int b = 0; b < 8; b++) {
      lens[i][b] = (uint8_t)(l >> (56 - 8 * b));
    }
    iov[n++] = (gs_iov){lens[i], 8};
    iov[n++] = (gs_iov){s.ptr, s.len};
  }
  int rc = pki->crypto->hash(pki->crypto->ctx, GS_HASH_SHA256, iov, n, key);
  return rc == GS_OK ? GS_OK : GS_ERR_CRYPTO;
}

static size_t cache_find(const gs_pki *pki, const uint8_t key[32]) {
  for (size_t i = 0; i < pki->n_cache; i++) {
    if (memcmp(pki->cache[i]->key, key, 32) == 0) {
      return i;
    }
  }
  return SIZE_MAX;
}

static void cache_remove(gs_pki *pki, size_t i) {
  gs_pki_entry_unref(pki->cache[i]);
  pki->cache[i] = pki->cache[--pki->n_cache];
  pki->cache[pki->n_cache] = NULL;
}

/* Insert, evicting the least recently used entry when full. */
static void cache_insert(gs_pki *pki, gs_pki_entry *e) {
  if (pki->n_cache == GS_PKI_CACHE_MAX) {
    size_t lru = 0;
    for (size_t i = 1; i < pki->n_cache; i++) {
      if (pki->cache[i]->last_used < pki->cache[lru]->last_used) {
        lru = i;
      }
    }
    cache_remove(pki, lru);
  }
  e->refs++;
  e->last_used = ++pki->tick;
  pki->cache[pki->n_cache++] = e;
}

int gs_pki_validate(gs_pki *pki, gs_slice leaf, const gs_slice *path, size_t n_path,
                    const gs_slice *att_cert, gs_time_ms now, const gs_cert_info **out) {
  if (out != NULL) {
    *out = NULL;
  }
  if (pki == NULL || out == NULL || leaf.ptr == NULL || leaf.len == 0 ||
      (n_path > 0 && path == NULL) || (att_cert != NULL && att_cert->ptr == NULL)) {
    return GS_ERR_INVALID_ARG;
  }
  for (size_t i = 0; i < n_path; i++) {
    if (path[i].ptr == NULL || path[i].len == 0) {
      return GS_ERR_INVALID_ARG;
    }
  }
  if (n_path > GS_MAX_CERT_PATH) {
    return GS_ERR_CERT_PATH_TOO_LONG;
  }
  uint8_t key[32];
  size_t at = SIZE_MAX;
  if (pki->cache_on) {
    int rc = cache_key(pki, leaf, path, n_path, att_cert, key);
    if (rc != GS_OK) {
      return rc;
    }
    at = cache_find(pki, key);
    int64_t now_s = gs_pki_floor_s(now);
    if (at != SIZE_MAX && now_s >= pki->cache[at]->valid_from_s &&
        now_s <= pki->cache[at]->valid_until_s) {
      gs_pki_entry *e = pki->cache[at];
      pki->hits++;
      e->refs++;
      e->last_used = ++pki->tick;
      *out = &e->info;
      return GS_OK;
    }
  }
  pki->misses++;
  gs_pki_entry *e = NULL;
  int rc = gs_pki_validate_fresh(pki, leaf, path, n_path, att_cert, now, &e);
  if (rc != GS_OK) {
    return rc;
  }
  if (pki->cache_on) {
    if (at != SIZE_MAX) {
      cache_remove(pki, at); /* the stale verdict for the same inputs */
    }
    memcpy(e->key, key, sizeof key);
    cache_insert(pki, e);
  }
  *out = &e->info;
  return GS_OK;
}

void gs_pki_release(gs_pki *pki, const gs_cert_info *info) {
  (void)pki; /* entries outlive their gs_pki until the last release */
  if (info != NULL) {
    /* info is the first member of its entry (pki_internal.h) */
    gs_pki_entry_unref((gs_pki_entry *)(uintptr_t)info);
  }
}

static int v_validate(void *ctx, gs_slice leaf, const gs_slice *path, size_t n_path,
                      const gs_slice *att_cert, gs_time_ms now, const gs_cert_info **out) {
  return gs_pki_validate(ctx, leaf, path, n_path, att_cert, now, out);
}

static void v_release(void *ctx, const gs_cert_info *info) {
  gs_pki_release(ctx, info);
}

gs_validator gs_pki_validator(gs_pki *pki) {
  gs_validator v = {pki, v_validate, v_release};
  return v;
}

void gs_pki_get_stats(const gs_pki *pki, gs_pki_stats *st) {
  if (pki == NULL || st == NULL) {
    return;
  }
  st->hits = pki->hits;
  st->misses = pki->misses;
  st->entries = pki->n_cache;
}

void gs_pki_set_cache(gs_pki *pki, bool enabled) {
  if (pki == NULL) {
    return;
  }
  if (!enabled) {
    for (size_t i = 0; i < pki->n_cache; i++) {
      gs_pki_entry_unref(pki->cache[i]);
      pki->cache[i] = NULL;
    }
    pki->n_cache = 0;
  }
  pki->cache_on = enabled;
}
