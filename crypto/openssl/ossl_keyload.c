/* gridseal: loading private keys (docs/KEYS.md) — key files (PEM or DER,
 * PKCS#8 or traditional, encrypted or not), TPM 2.0 keys through the "tpm2"
 * provider, and the dispatch to the PKCS#11 engine (ossl_pkcs11.c).
 *
 * Every path hands OpenSSL a pass phrase callback that reads the pass phrase
 * file and nothing else: OpenSSL never prompts on a terminal. */
#include "ossl_internal.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/provider.h>
#include <openssl/store.h>
#include <openssl/ui.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GS_KEY_FILE_MAX (64 * 1024)
#define GS_TSS2_PEM "-----BEGIN TSS2 PRIVATE KEY-----"

void gs_ossl_key_msg(char *msg, size_t cap, const char *fmt, ...) {
  if (msg == NULL || cap == 0) {
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, cap, fmt, ap);
  va_end(ap);
}

const char *gs_ossl_last_error(char *buf, size_t cap) {
  unsigned long e = ERR_peek_last_error();
  if (e == 0) {
    snprintf(buf, cap, "no detail from OpenSSL");
  } else {
    ERR_error_string_n(e, buf, cap);
  }
  ERR_clear_error();
  return buf;
}

/* ------------------------------------------------------------ pass phrase */

int gs_ossl_pw_get(gs_ossl_pw *pw) {
  if (pw->state != 0) {
    return pw->state > 0 ? GS_OK : pw->state;
  }
  if (pw->file == NULL) {
    pw->state = GS_ERR_KEY_ENCRYPTED;
    return pw->state;
  }
  FILE *f = fopen(pw->file, "rb");
  if (f == NULL) {
    pw->err = errno;
    pw->state = GS_ERR_IO;
    return pw->state;
  }
  size_t n = fread(pw->buf, 1, sizeof(pw->buf) - 1, f);
  int bad = ferror(f);
  fclose(f);
  /* the first line, without its end */
  size_t len = 0;
  while (len < n && pw->buf[len] != '\n' && pw->buf[len] != '\r') {
    len++;
  }
  OPENSSL_cleanse(pw->buf + len, sizeof(pw->buf) - len);
  if (bad || len == 0) {
    pw->err = bad ? EIO : 0;
    OPENSSL_cleanse(pw->buf, sizeof(pw->buf));
    pw->state = GS_ERR_IO;
    return pw->state;
  }
  pw->len = len;
  pw->state = 1;
  return GS_OK;
}

void gs_ossl_pw_wipe(gs_ossl_pw *pw) {
  OPENSSL_cleanse(pw->buf, sizeof(pw->buf));
  pw->len = 0;
}

int gs_ossl_pw_cb(char *buf, int size, int rwflag, void *u) {
  (void)rwflag;
  gs_ossl_pw *pw = u;
  pw->asked = 1;
  if (gs_ossl_pw_get(pw) != GS_OK || size < 0 || pw->len > (size_t)size) {
    return -1;
  }
  memcpy(buf, pw->buf, pw->len);
  return (int)pw->len;
}

int gs_ossl_pw_fail(const gs_ossl_pw *pw, const char *ref, const char *what, char *msg,
                    size_t cap) {
  switch (pw->state) {
  case GS_ERR_KEY_ENCRYPTED:
    gs_ossl_key_msg(msg, cap, "%s: the %s; set key_passphrase_file", ref, what);
    return GS_ERR_KEY_ENCRYPTED;
  case GS_ERR_IO:
    gs_ossl_key_msg(msg, cap, "%s: cannot read the pass phrase file %s: %s", ref, pw->file,
                    pw->err != 0 ? strerror(pw->err) : "empty first line");
    return GS_ERR_IO;
  default:
    gs_ossl_key_msg(msg, cap, "%s: wrong pass phrase or PIN (from %s)", ref, pw->file);
    return GS_ERR_KEY_PASSPHRASE;
  }
}

UI_METHOD *gs_ossl_pw_ui(void) {
  return UI_UTIL_wrap_read_pem_callback(gs_ossl_pw_cb, 0);
}

/* ------------------------------------------------------------ key files */

static int read_file(const char *path, uint8_t **buf, size_t *len, int *err) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    *err = errno;
    return GS_ERR_IO;
  }
  uint8_t *b = malloc(GS_KEY_FILE_MAX);
  size_t got = b != NULL ? fread(b, 1, GS_KEY_FILE_MAX, f) : 0;
  int bad = ferror(f) || (got == GS_KEY_FILE_MAX && fgetc(f) != EOF);
  fclose(f);
  if (b == NULL) {
    return GS_ERR_NOMEM;
  }
  if (bad) {
    OPENSSL_cleanse(b, GS_KEY_FILE_MAX);
    free(b);
    *err = EFBIG;
    return GS_ERR_IO;
  }
  *buf = b;
  *len = got;
  return GS_OK;
}

static int wrap_msg(int rc, const char *ref, char *msg, size_t cap) {
  if (rc == GS_ERR_BAD_KEY) {
    gs_ossl_key_msg(msg, cap,
                    "%s: the key signs with none of the profile's algorithms (ECDSA P-256, "
                    "RSA >= 2048, Ed25519)",
                    ref);
  } else if (rc != GS_OK) {
    gs_ossl_key_msg(msg, cap, "%s: %s", ref, gs_strerror(rc));
  }
  return rc;
}

static int decode_file(const char *path, const uint8_t *buf, size_t len, gs_ossl_pw *pw,
                       gs_privkey **out, char *msg, size_t cap) {
  EVP_PKEY *pkey = NULL;
  OSSL_DECODER_CTX *d =
      OSSL_DECODER_CTX_new_for_pkey(&pkey, NULL, NULL, NULL, EVP_PKEY_KEYPAIR, NULL, NULL);
  if (d == NULL || OSSL_DECODER_CTX_set_pem_password_cb(d, gs_ossl_pw_cb, pw) != 1) {
    OSSL_DECODER_CTX_free(d);
    return wrap_msg(GS_ERR_NOMEM, path, msg, cap);
  }
  const unsigned char *p = buf;
  size_t left = len;
  int ok = OSSL_DECODER_from_data(d, &p, &left) == 1 && pkey != NULL;
  OSSL_DECODER_CTX_free(d);
  ERR_clear_error();
  if (!ok) {
    EVP_PKEY_free(pkey);
    if (pw->asked) {
      return gs_ossl_pw_fail(pw, path, "key is encrypted", msg, cap);
    }
    gs_ossl_key_msg(msg, cap, "%s: not a private key (PEM or DER, PKCS#8 or traditional)", path);
    return GS_ERR_BAD_KEY;
  }
  return wrap_msg(gs_ossl_privkey_wrap(pkey, NULL, NULL, NULL, NULL, out), path, msg, cap);
}

/* ------------------------------------------------------------ TPM 2.0 */

static int tcti_ok(const char *t) {
  if (*t == '\0') {
    return 0;
  }
  for (; *t; t++) {
    if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || (*t >= '0' && *t <= '9') ||
          strchr(":=,._/-", *t) != NULL)) {
      return 0;
    }
  }
  return 1;
}

/* The library context of one TPM key and the two providers loaded into
 * it. The providers are unloaded before the context is freed: a provider
 * loaded by name holds a reference that OSSL_LIB_CTX_free alone does not
 * drop, and the tpm2 provider's teardown (which closes its ESYS context
 * and TCTI) runs only when the last reference goes. */
typedef struct tpm_hold {
  OSSL_LIB_CTX *lc;
  OSSL_PROVIDER *def, *tpm;
} tpm_hold;

static void tpm_release(void *p) {
  tpm_hold *h = p;
  if (h == NULL) {
    return;
  }
  if (h->tpm != NULL) {
    OSSL_PROVIDER_unload(h->tpm);
  }
  if (h->def != NULL) {
    OSSL_PROVIDER_unload(h->def);
  }
  OSSL_LIB_CTX_free(h->lc);
  free(h);
}

/* Load "default" and "tpm2" into `lc`. The tpm2 provider of Debian 12
 * (tpm2-openssl 1.1) takes its TCTI only from $TPM2OPENSSL_TCTI (its "tcti"
 * configuration parameter is not read), so a TCTI given here is put into
 * the environment while the provider starts, and the previous value is
 * restored afterwards. */
static int tpm_providers(tpm_hold *h, const char *tcti) {
  char *saved = NULL;
  int had = 0;
  if (tcti != NULL) {
    const char *old = getenv("TPM2OPENSSL_TCTI");
    had = old != NULL;
    if ((had && (saved = strdup(old)) == NULL) || setenv("TPM2OPENSSL_TCTI", tcti, 1) != 0) {
      free(saved);
      return 0;
    }
  }
  h->def = OSSL_PROVIDER_load(h->lc, "default");
  h->tpm = h->def != NULL ? OSSL_PROVIDER_load(h->lc, "tpm2") : NULL;
  int ok = h->tpm != NULL;
  if (tcti != NULL) {
    if (had) {
      setenv("TPM2OPENSSL_TCTI", saved, 1);
    } else {
      unsetenv("TPM2OPENSSL_TCTI");
    }
    free(saved);
  }
  return ok;
}

static int load_tpm(const char *ref, const gs_ossl_key_opts *o, gs_ossl_pw *pw, gs_privkey **out,
                    char *msg, size_t cap) {
  const char *tcti = o != NULL ? o->tpm_tcti : NULL;
  if (tcti != NULL && !tcti_ok(tcti)) {
    gs_ossl_key_msg(msg, cap, "%s: invalid TPM TCTI '%s' (characters A-Z a-z 0-9 : = , . _ / -)",
                    ref, tcti);
    return GS_ERR_CONFIG;
  }
  const char *shown = tcti != NULL ? tcti : getenv("TPM2OPENSSL_TCTI");
  char why[256];
  tpm_hold *h = calloc(1, sizeof(*h));
  OSSL_LIB_CTX *lc = h != NULL ? OSSL_LIB_CTX_new() : NULL;
  if (lc == NULL) {
    free(h);
    return wrap_msg(GS_ERR_NOMEM, ref, msg, cap);
  }
  h->lc = lc;
  if (!tpm_providers(h, tcti)) {
    gs_ossl_key_msg(msg, cap,
                    "%s: TPM unreachable: the tpm2 OpenSSL provider (tpm2-openssl) did not start "
                    "with TCTI '%s' (%s)",
                    ref, shown != NULL ? shown : "default", gs_ossl_last_error(why, sizeof(why)));
    tpm_release(h);
    return GS_ERR_KEY_UNREACHABLE;
  }
  UI_METHOD *ui = gs_ossl_pw_ui();
  OSSL_STORE_CTX *st =
      ui != NULL ? OSSL_STORE_open_ex(ref, lc, NULL, ui, pw, NULL, NULL, NULL) : NULL;
  EVP_PKEY *pkey = NULL;
  if (st != NULL) {
    OSSL_STORE_expect(st, OSSL_STORE_INFO_PKEY);
    while (pkey == NULL && !OSSL_STORE_eof(st)) {
      OSSL_STORE_INFO *info = OSSL_STORE_load(st);
      if (info == NULL) {
        if (OSSL_STORE_error(st)) {
          break;
        }
        continue;
      }
      if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY) {
        pkey = OSSL_STORE_INFO_get1_PKEY(info);
      }
      OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(st);
  }
  UI_destroy_method(ui);
  if (pkey == NULL) {
    int rc;
    if (pw->asked) {
      rc = gs_ossl_pw_fail(pw, ref, "TPM key needs its authorization value", msg, cap);
    } else {
      gs_ossl_key_msg(msg, cap, "%s: TPM key not found or not loadable (%s)", ref,
                      gs_ossl_last_error(why, sizeof(why)));
      rc = GS_ERR_NOT_FOUND;
    }
    ERR_clear_error();
    tpm_release(h);
    return rc;
  }
  int rc = gs_ossl_privkey_wrap(pkey, lc, "?provider=tpm2", tpm_release, h, out);
  if (rc == GS_OK && pw->asked) {
    /* The TPM checks an authorization value when the key is used, not when
     * it is loaded: one signature now tells a wrong one at start-up. */
    uint8_t probe[32] = {0}, sig[GS_MAX_SIG_LEN];
    size_t sl = 0;
    gs_iov iov = {probe, sizeof(probe)};
    gs_sig_alg alg = 0;
    gs_ossl_privkey_sig_alg(*out, &alg);
    if (gs_ossl_sign(*out, alg, &iov, 1, sig, sizeof(sig), &sl) != GS_OK) {
      ERR_clear_error();
      gs_ossl_privkey_free(*out);
      *out = NULL;
      return gs_ossl_pw_fail(pw, ref, "TPM key needs its authorization value", msg, cap);
    }
  }
  return wrap_msg(rc, ref, msg, cap);
}

/* ------------------------------------------------------------ dispatch */

static int has_text(const uint8_t *buf, size_t len, const char *t) {
  size_t n = strlen(t);
  for (size_t i = 0; n <= len && i <= len - n; i++) {
    if (memcmp(buf + i, t, n) == 0) {
      return 1;
    }
  }
  return 0;
}

int gs_ossl_privkey_load(gs_crypto *c, const char *ref, const gs_ossl_key_opts *o, gs_privkey **out,
                         char *msg, size_t cap) {
  if (msg != NULL && cap > 0) {
    msg[0] = '\0';
  }
  if (c == NULL || ref == NULL || out == NULL || ref[0] == '\0') {
    gs_ossl_key_msg(msg, cap, "private key: invalid argument");
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  gs_ossl_pw pw;
  memset(&pw, 0, sizeof(pw));
  pw.file = o != NULL ? o->passphrase_file : NULL;
  int rc;
  if (strncmp(ref, "pkcs11:", 7) == 0) {
    rc = gs_ossl_pkcs11_load(ref, o, &pw, out, msg, cap);
  } else if (strncmp(ref, "handle:", 7) == 0) {
    rc = load_tpm(ref, o, &pw, out, msg, cap);
  } else {
    uint8_t *buf = NULL;
    size_t len = 0;
    int err = 0;
    rc = read_file(ref, &buf, &len, &err);
    if (rc == GS_ERR_IO) {
      gs_ossl_key_msg(msg, cap, "%s: cannot read the key file: %s", ref, strerror(err));
    } else if (rc != GS_OK) {
      wrap_msg(rc, ref, msg, cap);
    } else if (has_text(buf, len, GS_TSS2_PEM)) {
      rc = load_tpm(ref, o, &pw, out, msg, cap);
    } else {
      rc = decode_file(ref, buf, len, &pw, out, msg, cap);
    }
    if (buf != NULL) {
      OPENSSL_cleanse(buf, GS_KEY_FILE_MAX);
      free(buf);
    }
  }
  gs_ossl_pw_wipe(&pw);
  return rc;
}
