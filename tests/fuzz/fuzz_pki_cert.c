/* fuzz_pki_cert: arbitrary bytes as a leaf certificate, and split into a
 * leaf and a path, through gs_pki_validate with a fixed trust anchor. The
 * first two input octets (big-endian) give the leaf length for the split. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "gridseal/crypto_openssl.h"
#include "gridseal/pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fixed P-256 self-signed anchor (O=gridseal test, CN=root), made once by
 * tests/pki/gen-certs.sh; the seeds in corpus/pki_cert chain to it. */
static const char anchor_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBkjCCATigAwIBAgIUZJmTEDElwMJGaFl7ltYV6mgKn1YwCgYIKoZIzj0EAwIw\n"
    "JzEWMBQGA1UECgwNZ3JpZHNlYWwgdGVzdDENMAsGA1UEAwwEcm9vdDAeFw0yMDAx\n"
    "MDEwMDAwMDBaFw00MDAxMDEwMDAwMDBaMCcxFjAUBgNVBAoMDWdyaWRzZWFsIHRl\n"
    "c3QxDTALBgNVBAMMBHJvb3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQPb0xU\n"
    "PEWKv9PtAosioM8xMtC7LXHD+Z+k3GgOZzQE3DjMKtBBCQbrpU8tFHM0xOw/6hWV\n"
    "B91lSL+GiXSpSE3lo0IwQDAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIB\n"
    "BjAdBgNVHQ4EFgQU4MlS9Eyv3mK4uh9oAr36y+kGziEwCgYIKoZIzj0EAwIDSAAw\n"
    "RQIgHXJhoEFnD6IjD8CTmMdMQWF7bhSCPB/EVpxWQF6f6ysCIQCVAZbvzozLWZPq\n"
    "jTwaO+5wnRc7bgbcxbj7SXhNouDrzw==\n"
    "-----END CERTIFICATE-----\n";

static gs_crypto *crypto;
static gs_pki *pki;

static void setup(void) {
  if (gs_ossl_crypto_new(&crypto) != GS_OK || gs_pki_new(crypto, &pki) != GS_OK) {
    abort();
  }
  if (gs_pki_add_anchor(pki, (const uint8_t *)anchor_pem, sizeof anchor_pem - 1) != GS_OK) {
    abort();
  }
}

static void run(gs_slice leaf, const gs_slice *path, size_t n) {
  const gs_cert_info *info = NULL;
  /* 2025-06-01T00:00:00Z */
  if (gs_pki_validate(pki, leaf, path, n, NULL, 1748736000000LL, &info) == GS_OK) {
    gs_pki_release(pki, info);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (pki == NULL) {
    setup();
  }
  if (size < 3) {
    return 0;
  }
  gs_slice all = {data + 2, size - 2};
  run(all, NULL, 0);
  size_t cut = ((size_t)data[0] << 8) | data[1];
  if (cut > 0 && cut < all.len) {
    gs_slice leaf = {all.ptr, cut};
    gs_slice path = {all.ptr + cut, all.len - cut};
    run(leaf, &path, 1);
  }
  return 0;
}
