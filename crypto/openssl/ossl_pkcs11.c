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

#include <dlfcn.h>
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

/* ------------------------------------------------------------ token diagnosis
 *
 * The engine reports a missing token and a missing object alike. After a
 * failed load, the module is asked directly (PKCS#11 v2: C_GetSlotList,
 * C_GetTokenInfo) whether a token with the URI's label is present. Only the
 * first entries of CK_FUNCTION_LIST and the label of CK_TOKEN_INFO are used;
 * both layouts are fixed by the standard (no packing on this platform). */

#define GS_P11_LABEL 32
#define GS_P11_ALREADY_INITIALIZED 0x191UL

typedef unsigned long gs_ck_rv;
typedef struct gs_ck_function_list {
  unsigned char version[2];
  gs_ck_rv (*initialize)(void *args);
  gs_ck_rv (*finalize)(void *reserved);
  gs_ck_rv (*get_info)(void *info);
  gs_ck_rv (*get_function_list)(void *list);
  gs_ck_rv (*get_slot_list)(unsigned char present, unsigned long *slots, unsigned long *n);
  gs_ck_rv (*get_slot_info)(unsigned long slot, void *info);
  gs_ck_rv (*get_token_info)(unsigned long slot, void *info);
} gs_ck_function_list;

static int hexval(char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/* The token= attribute of a pkcs11: URI's path, percent-decoded, into
 * label[0..GS_P11_LABEL]. 0 if there is none or it does not fit. */
static int uri_token(const char *uri, char *label) {
  const char *p = uri + 7; /* "pkcs11:" */
  while (*p != '\0' && *p != '?') {
    size_t n = strcspn(p, ";?");
    if (n > 6 && strncmp(p, "token=", 6) == 0) {
      size_t o = 0;
      for (size_t i = 6; i < n; i++) {
        int c = (unsigned char)p[i];
        if (c == '%' && i + 2 < n && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
          c = hexval(p[i + 1]) * 16 + hexval(p[i + 2]);
          i += 2;
        }
        if (o >= GS_P11_LABEL) {
          return 0;
        }
        label[o++] = (char)c;
      }
      label[o] = '\0';
      return 1;
    }
    p += n;
    if (*p == ';') {
      p++;
    }
  }
  return 0;
}

/* 1 if `module` has a token labelled `label`, 0 if not, -1 if unknown. */
static int token_present(const char *module, const char *label) {
  void *h = dlopen(module, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    return -1;
  }
  gs_ck_rv (*get_list)(gs_ck_function_list **) = NULL;
  void *sym = dlsym(h, "C_GetFunctionList");
  memcpy(&get_list, &sym, sizeof(get_list));
  gs_ck_function_list *f = NULL;
  int found = -1;
  if (get_list != NULL && get_list(&f) == 0 && f != NULL) {
    gs_ck_rv r = f->initialize(NULL);
    unsigned long slots[64], n = 64;
    if ((r == 0 || r == GS_P11_ALREADY_INITIALIZED) && f->get_slot_list(1, slots, &n) == 0) {
      found = 0;
      size_t want = strlen(label);
      for (unsigned long i = 0; i < n && i < 64 && found == 0; i++) {
        _Alignas(8) unsigned char info[512]; /* CK_TOKEN_INFO: label first */
        memset(info, 0, sizeof(info));
        if (f->get_token_info(slots[i], info) != 0) {
          continue;
        }
        size_t len = GS_P11_LABEL;
        while (len > 0 && info[len - 1] == ' ') {
          len--;
        }
        found = len == want && memcmp(info, label, len) == 0;
      }
    }
    if (r == 0) {
      f->finalize(NULL);
    }
  }
  dlclose(h);
  return found;
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
    engine_release(e);
    char label[GS_P11_LABEL + 1];
    if ((pw->file == NULL && pw->asked) || (pw->file != NULL && pin)) {
      rc = gs_ossl_pw_fail(pw, uri, "token needs a PIN", msg, cap);
    } else if (uri_token(uri, label) && token_present(module, label) == 0) {
      gs_ossl_key_msg(msg, cap, "%s: token not found: module %s has no token labelled '%s'", uri,
                      module, label);
      rc = GS_ERR_NOT_FOUND;
    } else {
      gs_ossl_key_msg(msg, cap, "%s: no such private key in module %s (%s)", uri, module, why);
      rc = GS_ERR_NOT_FOUND;
    }
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
