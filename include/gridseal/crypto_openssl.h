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

/* Where a private key comes from, besides its reference (docs/KEYS.md).
 * Every member may be NULL. */
typedef struct gs_ossl_key_opts {
  /* A file whose first line is the pass phrase of an encrypted key file, the
   * PIN of the PKCS#11 token, or the authorization value of a TPM key. It is
   * read only when the key needs it; the secret is wiped after use. Nothing
   * is ever read from a terminal. */
  const char *passphrase_file;
  /* The PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so); required for
   * a pkcs11: reference (there is no default). */
  const char *pkcs11_module;
  /* The TCTI of a TPM key, e.g. "swtpm:host=127.0.0.1,port=2321" or
   * "device:/dev/tpmrm0"; NULL = $TPM2OPENSSL_TCTI, else the tpm2
   * provider's default. Characters: [A-Za-z0-9:=,._/-]. The tpm2 provider
   * reads its TCTI only from $TPM2OPENSSL_TCTI, so the loader sets it while
   * the provider starts and restores it afterwards. */
  const char *tpm_tcti;
} gs_ossl_key_opts;

/* Load the private key `ref` for signing with provider `c`:
 *   - a file path: PEM or DER, PKCS#8 or traditional, encrypted or not;
 *     a TSS2 PEM file ("-----BEGIN TSS2 PRIVATE KEY-----") is a TPM key;
 *   - "pkcs11:..." (RFC 7512 URI): a key in a PKCS#11 token, through the
 *     "pkcs11" OpenSSL engine (libengine-pkcs11-openssl);
 *   - "handle:0x81......": a persistent TPM 2.0 key, through the "tpm2"
 *     OpenSSL provider (tpm2-openssl).
 * Hardware keys never leave their token: the key signs there (a TPM key
 * with an authorization value signs once at load, to check the value). `o` may be
 * NULL. On error, `msg` (cap octets, may be NULL) receives one line naming
 * `ref` and the reason. Errors: GS_ERR_IO (file unreadable, pass phrase file
 * unreadable or empty), GS_ERR_KEY_ENCRYPTED (encrypted key or token login
 * without `passphrase_file`), GS_ERR_KEY_PASSPHRASE (wrong pass phrase or
 * PIN), GS_ERR_KEY_UNREACHABLE (PKCS#11 module, engine, token or TPM not
 * reachable), GS_ERR_NOT_FOUND (no such key object), GS_ERR_BAD_KEY (not a
 * key, or one that signs with none of the profile's algorithms),
 * GS_ERR_CONFIG (pkcs11: without `pkcs11_module`, bad TCTI),
 * GS_ERR_UNSUPPORTED (engine support missing in this OpenSSL),
 * GS_ERR_NOMEM. Not thread-safe (the engine is process-wide, the TCTI goes
 * through the environment). PKCS#11: one module per process; once the
 * engine has logged in to a token it stays logged in for the life of the
 * process. */
GS_EXPORT int gs_ossl_privkey_load(gs_crypto *c, const char *ref, const gs_ossl_key_opts *o,
                                   gs_privkey **out, char *msg, size_t cap);

/* Load an unencrypted key file: gs_ossl_privkey_load(c, path, NULL, out,
 * NULL, 0). */
GS_EXPORT int gs_ossl_privkey_load_file(gs_crypto *c, const char *path, gs_privkey **out);

/* The most recent error OpenSSL queued in this thread, as one line
 * ("error:0A000086:SSL routines::certificate verify failed"), into
 * out[0..cap); the thread's error queue is emptied. True if there was one
 * (out "" otherwise). For code that drives OpenSSL through another library
 * (librabbitmq's TLS socket) and must name the TLS failure: call it once
 * before the attempt to start from an empty queue. */
GS_EXPORT bool gs_ossl_take_error(char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
