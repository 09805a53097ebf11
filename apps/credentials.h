/* gridseal CLI: the node's E2E credentials, loaded and validated once for
 * both users: `der` / `cc` at start (gs_rt_init, runtime.c) and
 * `config --check` (cmd_config.c).
 *
 * gs_creds_load() builds the PKI from [identity] (trust anchors, CRLs),
 * loads the own certificate and validates it against the anchors with the
 * time `now` (purpose, CRLs and path included: gs_pki_validate), checks that
 * it names [node] identity, loads the private key through the programs' one
 * key loader (gs_ossl_privkey_load: a file, a pkcs11: URI or a TPM key,
 * [identity] key_passphrase_file, pkcs11_module, tpm_tcti; a key or pass
 * phrase file readable by others is a warning), checks that key and
 * certificate match (a probe signature the certificate's public key
 * verifies), and validates [identity] attribute_cert for the own
 * certificate. Every check reports one line through `report`: an error
 * names the file and the problem ("der1/e2e.key does not match
 * der1/e2e.crt: ..."). */
#ifndef GS_APPS_CREDENTIALS_H
#define GS_APPS_CREDENTIALS_H

#include <stdbool.h>

#include "config.h"
#include "gridseal/cert.h"
#include "gridseal/crypto.h"
#include "gridseal/pki.h"

typedef enum gs_creds_level {
  GS_CREDS_OK = 0,
  GS_CREDS_WARNING = 1,
  GS_CREDS_ERROR = 2
} gs_creds_level;

typedef struct gs_creds_report {
  /* One line per check (no newline); `msg` names the file(s). */
  void (*line)(void *user, gs_creds_level level, const char *msg);
  void *user;
  /* false: stop at the first error (the programs); true: check everything
   * that can still be checked after an error (config --check). */
  bool keep_going;
} gs_creds_report;

typedef struct gs_creds {
  gs_pki *pki;
  uint8_t *cert_der; /* the own certificate (DER) */
  size_t cert_len;
  gs_privkey *key;
  const gs_cert_info *own; /* validated; NULL if validation failed */
  uint8_t *att_der;        /* [identity] attribute_cert (DER); NULL: none */
  size_t att_len;
  /* how many anchors each [identity] trust_anchor file and how many CRLs
   * each crl file added to pki, in the order of the configuration */
  size_t anchors_of[GS_CFG_MAX_FILES];
  size_t crls_of[GS_CFG_MAX_FILES];
  unsigned errors, warnings;
} gs_creds;

/* Load and check (above). GS_OK with every member of *c set, or the first
 * error's code; with keep_going the members that loaded stay set (free
 * them with gs_creds_free), without it *c is freed and zeroed. */
int gs_creds_load(gs_creds *c, gs_crypto *crypto, const gs_config *cfg, gs_time_ms now,
                  const gs_creds_report *report);
void gs_creds_free(gs_creds *c, const gs_crypto *crypto);

/* The message of a key that does not match its certificate, naming both. */
void gs_creds_mismatch_text(const char *key, const char *cert, char *out, size_t cap);

/* True when `key` signs what the public key of the certificate `cert_der`
 * verifies (the certificate need not be valid). */
bool gs_creds_key_matches(const gs_crypto *crypto, gs_privkey *key, const uint8_t *cert_der,
                          size_t cert_len);

/* A warning when the file `path` is readable by group or others ("WHAT PATH
 * is readable by group or others (mode 0644); chmod 600 it"); false if not. */
bool gs_creds_mode_warning(const char *what, const char *path, char *out, size_t cap);

#endif
