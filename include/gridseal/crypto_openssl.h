/* gridseal: the OpenSSL 3 crypto provider (crypto/openssl/).
 *
 * gs_ossl_crypto_new() fetches every EVP object once; the returned provider
 * is immutable afterwards and may be shared by any number of sessions. */
#ifndef GRIDSEAL_CRYPTO_OPENSSL_H
#define GRIDSEAL_CRYPTO_OPENSSL_H

#include "crypto.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Create the provider. GS_OK, GS_ERR_NOMEM or GS_ERR_CRYPTO (an algorithm
 * could not be fetched). Free with gs_ossl_crypto_free(). */
GS_EXPORT int gs_ossl_crypto_new(gs_crypto **out);
GS_EXPORT void gs_ossl_crypto_free(gs_crypto *c);

/* Convenience for applications: load a private key from a PEM or DER file
 * (GS_ERR_IO if unreadable, GS_ERR_BAD_KEY if not a supported key). */
GS_EXPORT int gs_ossl_privkey_load_file(gs_crypto *c, const char *path, gs_privkey **out);

#ifdef __cplusplus
}
#endif
#endif
