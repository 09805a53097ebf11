/* gridseal: keys in a PKCS#11 token, addressed by a pkcs11: URI (RFC 7512),
 * through the "pkcs11" OpenSSL engine of libengine-pkcs11-openssl (libp11).
 *
 * OpenSSL 3 on Debian 12 reaches PKCS#11 only through this engine; the
 * ENGINE API is deprecated in OpenSSL 3, so its use is confined to this one
 * file (OPENSSL_SUPPRESS_DEPRECATED; docs/KEYS.md). The key stays in the
 * token: the engine's key methods sign there. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "ossl_internal.h"

#include <openssl/opensslconf.h>

#ifndef OPENSSL_NO_ENGINE
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/ui.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define GS_PKCS11_ENGINE "pkcs11"

static void engine_release(void *hold) {
  ENGINE *e = hold;
  ENGINE_finish(e); /* the functional reference of ENGINE_init */
  ENGINE_free(e);   /* the structural one of ENGINE_by_id */
}

/* The OpenSSL error queue as text into buf (emptied); 1 if it names a PIN
 * problem (CKR_PIN_INCORRECT, CKR_PIN_LEN_RANGE, ...). */
static int queue_text(char *buf, size_t cap) {
  unsigned long e;
  size_t off = 0;
  buf[0] = '\0';
  while ((e = ERR_get_error()) != 0) {
    const char *r = ERR_reason_error_string(e);
    if (r != NULL && off + 3 < cap) {
      int n = snprintf(buf + off, cap - off, "%s%s", off > 0 ? "; " : "", r);
      off = n > 0 && (size_t)n < cap - off ? off + (size_t)n : cap - 1;
    }
  }
  if (off == 0) {
    snprintf(buf, cap, "no detail from the engine");
  }
  return strstr(buf, "PIN") != NULL || strstr(buf, "pin") != NULL;
}

int gs_ossl_pkcs11_load(const char *uri, const gs_ossl_key_opts *o, gs_ossl_pw *pw,
                        gs_privkey **out, char *msg, size_t cap) {
  const char *module = o != NULL ? o->pkcs11_module : NULL;
  if (module == NULL || module[0] == '\0') {
    gs_ossl_key_msg(msg, cap, "%s: no PKCS#11 module given (set pkcs11_module)", uri);
    return GS_ERR_CONFIG;
  }
  if (access(module, R_OK) != 0) {
    gs_ossl_key_msg(msg, cap, "%s: cannot open the PKCS#11 module %s: %s", uri, module,
                    strerror(errno));
    return GS_ERR_KEY_UNREACHABLE;
  }
  char why[256];
  ENGINE *e = ENGINE_by_id(GS_PKCS11_ENGINE);
  if (e == NULL) {
    gs_ossl_key_msg(msg, cap,
                    "%s: the OpenSSL engine \"pkcs11\" is not available "
                    "(libengine-pkcs11-openssl): %s",
                    uri, gs_ossl_last_error(why, sizeof(why)));
    return GS_ERR_KEY_UNREACHABLE;
  }
  int rc = GS_OK;
  if (ENGINE_ctrl_cmd_string(e, "MODULE_PATH", module, 0) != 1) {
    gs_ossl_key_msg(msg, cap, "%s: the pkcs11 engine refused the module %s: %s", uri, module,
                    gs_ossl_last_error(why, sizeof(why)));
    rc = GS_ERR_KEY_UNREACHABLE;
  }
  /* The PIN, when a file gives one; else the engine may ask through the
   * UI method below, which fails without prompting. */
  if (rc == GS_OK && pw->file != NULL) {
    rc = gs_ossl_pw_get(pw);
    if (rc != GS_OK) {
      ENGINE_free(e);
      return gs_ossl_pw_fail(pw, uri, "token needs a PIN", msg, cap);
    }
    if (ENGINE_ctrl_cmd_string(e, "PIN", pw->buf, 0) != 1) {
      gs_ossl_key_msg(msg, cap, "%s: the pkcs11 engine refused the PIN: %s", uri,
                      gs_ossl_last_error(why, sizeof(why)));
      rc = GS_ERR_KEY_UNREACHABLE;
    }
  }
  if (rc != GS_OK) {
    ENGINE_free(e);
    return rc;
  }
  if (ENGINE_init(e) != 1) {
    gs_ossl_key_msg(msg, cap, "%s: PKCS#11 module %s did not start: %s", uri, module,
                    gs_ossl_last_error(why, sizeof(why)));
    ENGINE_free(e);
    return GS_ERR_KEY_UNREACHABLE;
  }
  UI_METHOD *ui = gs_ossl_pw_ui();
  EVP_PKEY *pkey = ui != NULL ? ENGINE_load_private_key(e, uri, ui, pw) : NULL;
  UI_destroy_method(ui);
  /* The engine keeps its copy of the PIN for re-login; ours goes now. */
  gs_ossl_pw_wipe(pw);
  if (pkey == NULL) {
    int pin = queue_text(why, sizeof(why));
    if ((pw->file == NULL && pw->asked) || (pw->file != NULL && pin)) {
      rc = gs_ossl_pw_fail(pw, uri, "token needs a PIN", msg, cap);
    } else {
      gs_ossl_key_msg(msg, cap,
                      "%s: no such private key: token or object not found in module %s (%s)", uri,
                      module, why);
      rc = GS_ERR_NOT_FOUND;
    }
    engine_release(e);
    return rc;
  }
  rc = gs_ossl_privkey_wrap(pkey, NULL, NULL, engine_release, e, out);
  if (rc == GS_ERR_BAD_KEY) {
    gs_ossl_key_msg(msg, cap,
                    "%s: the key signs with none of the profile's algorithms (ECDSA P-256, "
                    "RSA >= 2048, Ed25519)",
                    uri);
  }
  return rc;
}

#else /* OPENSSL_NO_ENGINE */

int gs_ossl_pkcs11_load(const char *uri, const gs_ossl_key_opts *o, gs_ossl_pw *pw,
                        gs_privkey **out, char *msg, size_t cap) {
  (void)o;
  (void)pw;
  (void)out;
  gs_ossl_key_msg(msg, cap, "%s: this OpenSSL has no ENGINE support (needed for PKCS#11)", uri);
  return GS_ERR_UNSUPPORTED;
}

#endif
