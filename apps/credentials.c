/* The node's E2E credentials (credentials.h). */
#include "credentials.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gridseal/crypto_openssl.h"
#include "gridseal/error.h"
#include "util.h"

#define CREDS_ATT_MAX (64 * 1024)

typedef struct creds_ctx {
  gs_creds *c;
  const gs_creds_report *rep;
} creds_ctx;

static void say(creds_ctx *x, gs_creds_level lvl, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void say(creds_ctx *x, gs_creds_level lvl, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (lvl == GS_CREDS_ERROR) {
    x->c->errors++;
  } else if (lvl == GS_CREDS_WARNING) {
    x->c->warnings++;
  }
  if (x->rep != NULL && x->rep->line != NULL) {
    x->rep->line(x->rep->user, lvl, msg);
  }
}

/* Why loading `path` failed: the system's reason when the file cannot be
 * read at all ("No such file or directory"), else the library's. */
static const char *why(const char *path, int rc) {
  if (access(path, R_OK) != 0) {
    return strerror(errno);
  }
  return gs_strerror(rc);
}

static bool go_on(const creds_ctx *x, int rc) {
  return rc == GS_OK || (x->rep != NULL && x->rep->keep_going);
}

bool gs_creds_mode_warning(const char *what, const char *path, char *out, size_t cap) {
  struct stat st;
  if (stat(path, &st) == 0 && (st.st_mode & 077) != 0) {
    snprintf(out, cap, "%s %s is readable by group or others (mode %04o); chmod 600 it", what, path,
             (unsigned)(st.st_mode & 07777));
    return true;
  }
  return false;
}

void gs_creds_mismatch_text(const char *key, const char *cert, char *out, size_t cap) {
  snprintf(out, cap, "%s does not match %s: the private key is not the one of the certificate (%s)",
           key, cert, gs_errname(GS_ERR_KEY_MISMATCH));
}

bool gs_creds_key_matches(const gs_crypto *crypto, gs_privkey *key, const uint8_t *cert_der,
                          size_t cert_len) {
  static const uint8_t probe[] = "gridseal: does this key belong to this certificate?";
  gs_iov part = {probe, sizeof(probe)};
  uint8_t sig[GS_MAX_SIG_LEN];
  size_t sig_len = 0;
  gs_sig_alg alg, cert_alg;
  gs_pubkey *pub = NULL;
  if (crypto->pubkey_from_cert == NULL ||
      crypto->pubkey_from_cert(crypto->ctx, cert_der, cert_len, &pub) != GS_OK) {
    return false;
  }
  bool ok = crypto->privkey_sig_alg(key, &alg) == GS_OK &&
            crypto->pubkey_sig_alg(pub, &cert_alg) == GS_OK && alg == cert_alg &&
            crypto->sign(key, alg, &part, 1, sig, sizeof(sig), &sig_len) == GS_OK &&
            crypto->verify(pub, alg, &part, 1, sig, sig_len) == GS_OK;
  crypto->pubkey_free(pub);
  return ok;
}

static int load_pki(creds_ctx *x, gs_crypto *crypto, const gs_cfg_identity *id) {
  int rc = gs_pki_new(crypto, &x->c->pki), first = GS_OK;
  if (rc != GS_OK) {
    say(x, GS_CREDS_ERROR, "pki: %s", gs_strerror(rc));
    return rc;
  }
  for (size_t i = 0; i < id->n_anchors; i++) {
    size_t before = gs_pki_anchor_count(x->c->pki);
    rc = gs_pki_add_anchor_file(x->c->pki, id->anchors[i]);
    x->c->anchors_of[i] = gs_pki_anchor_count(x->c->pki) - before;
    if (rc != GS_OK) {
      say(x, GS_CREDS_ERROR, "%s: cannot load trust anchor: %s", id->anchors[i],
          why(id->anchors[i], rc));
      first = first != GS_OK ? first : rc;
      if (!go_on(x, rc)) {
        return rc;
      }
    } else {
      say(x, GS_CREDS_OK, "%s: trust anchor loaded", id->anchors[i]);
    }
  }
  for (size_t i = 0; i < id->n_crls; i++) {
    size_t before = gs_pki_crl_count(x->c->pki);
    rc = gs_pki_add_crl_file(x->c->pki, id->crls[i]);
    x->c->crls_of[i] = gs_pki_crl_count(x->c->pki) - before;
    if (rc != GS_OK) {
      say(x, GS_CREDS_ERROR, "%s: cannot load CRL: %s", id->crls[i], why(id->crls[i], rc));
      first = first != GS_OK ? first : rc;
      if (!go_on(x, rc)) {
        return rc;
      }
    } else {
      say(x, GS_CREDS_OK, "%s: CRL loaded", id->crls[i]);
    }
  }
  return first;
}

static bool cert_names(const gs_cert_info *ci, const gs_identity *id) {
  for (size_t i = 0; i < ci->n_identities; i++) {
    if (ci->identities[i].kind == id->kind && strcmp(ci->identities[i].value, id->value) == 0) {
      return true;
    }
  }
  return false;
}

/* [identity] key: a file, a pkcs11: URI or a TPM key (docs/KEYS.md). */
static int load_key(creds_ctx *x, gs_crypto *crypto, const gs_cfg_identity *id) {
  char w[GS_CFG_PATH_MAX + 128];
  bool file = strncmp(id->key, "pkcs11:", 7) != 0 && strncmp(id->key, "handle:", 7) != 0;
  if (file && gs_creds_mode_warning("private key file", id->key, w, sizeof(w))) {
    say(x, GS_CREDS_WARNING, "%s", w);
  }
  if (id->key_passphrase_file[0] != '\0' &&
      gs_creds_mode_warning("pass phrase file", id->key_passphrase_file, w, sizeof(w))) {
    say(x, GS_CREDS_WARNING, "%s", w);
  }
  gs_ossl_key_opts ko = {
      .passphrase_file = id->key_passphrase_file[0] != '\0' ? id->key_passphrase_file : NULL,
      .pkcs11_module = id->pkcs11_module[0] != '\0' ? id->pkcs11_module : NULL,
      .tpm_tcti = id->tpm_tcti[0] != '\0' ? id->tpm_tcti : NULL,
  };
  char msg[768];
  msg[0] = '\0';
  int rc = gs_ossl_privkey_load(crypto, id->key, &ko, &x->c->key, msg, sizeof(msg));
  if (rc != GS_OK) {
    if (msg[0] != '\0') {
      say(x, GS_CREDS_ERROR, "%s", msg); /* "KEY: reason", e.g. "...: wrong pass phrase or PIN" */
    } else {
      say(x, GS_CREDS_ERROR, "%s: cannot load private key: %s", id->key, gs_strerror(rc));
    }
  } else {
    say(x, GS_CREDS_OK, "%s: private key loaded", id->key);
  }
  return rc;
}

/* [identity] attribute_cert: an RFC 5755 attribute certificate (DER) whose
 * holder is the own certificate, valid now. */
static int load_attr_cert(creds_ctx *x, const gs_cfg_identity *id, gs_time_ms now) {
  gs_creds *c = x->c;
  if (id->attr_cert[0] == '\0') {
    return GS_OK;
  }
  if (gs_app_read_file(id->attr_cert, CREDS_ATT_MAX, &c->att_der, &c->att_len) != 0) {
    c->errors++; /* gs_app_read_file's message names the file */
    if (x->rep != NULL && x->rep->line != NULL && x->rep->keep_going) {
      x->rep->line(x->rep->user, GS_CREDS_ERROR, "attribute certificate not read (above)");
    }
    return GS_ERR_IO;
  }
  if (c->cert_der == NULL) {
    return GS_OK; /* nothing to validate it for: reported above */
  }
  gs_slice att = {c->att_der, c->att_len};
  const gs_cert_info *info = NULL;
  int rc = gs_pki_validate(c->pki, (gs_slice){c->cert_der, c->cert_len}, NULL, 0, &att, now, &info);
  if (rc != GS_OK) {
    say(x, GS_CREDS_ERROR, "%s: attribute certificate not valid now for %s: %s (%s)", id->attr_cert,
        id->cert, gs_strerror(rc), gs_errname(rc));
    return rc;
  }
  say(x, GS_CREDS_OK, "%s: attribute certificate valid for %s (%zu role(s))", id->attr_cert,
      id->cert, info->n_roles);
  gs_pki_release(c->pki, info);
  return GS_OK;
}

static int load_identity(creds_ctx *x, gs_crypto *crypto, const gs_config *cfg, gs_time_ms now) {
  gs_creds *c = x->c;
  const gs_cfg_identity *id = &cfg->id;
  int first = GS_OK;
  int rc = gs_pki_load_cert_file(id->cert, &c->cert_der, &c->cert_len);
  if (rc != GS_OK) {
    say(x, GS_CREDS_ERROR, "%s: cannot load certificate: %s", id->cert, why(id->cert, rc));
    if (!go_on(x, rc)) {
      return rc;
    }
    first = rc;
  } else {
    rc = gs_pki_validate(c->pki, (gs_slice){c->cert_der, c->cert_len}, NULL, 0, NULL, now, &c->own);
    if (rc != GS_OK) {
      say(x, GS_CREDS_ERROR, "%s: own certificate not valid now against the trust anchors: %s (%s)",
          id->cert, gs_strerror(rc), gs_errname(rc));
      c->own = NULL;
      if (!go_on(x, rc)) {
        return rc;
      }
      first = rc;
    } else {
      gs_identity own_id;
      gs_cfg_identity_parse(cfg->identity, &own_id);
      if (!cert_names(c->own, &own_id)) {
        say(x, GS_CREDS_ERROR, "%s: certificate does not name the configured identity '%s'",
            id->cert, cfg->identity);
        if (!go_on(x, GS_ERR_CONFIG)) {
          return GS_ERR_CONFIG;
        }
        first = GS_ERR_CONFIG;
      } else {
        say(x, GS_CREDS_OK,
            "%s: own certificate valid now against the trust anchors (purpose, CRLs), names %s",
            id->cert, cfg->identity);
      }
    }
  }
  rc = load_key(x, crypto, id);
  if (rc != GS_OK) {
    if (!go_on(x, rc)) {
      return rc;
    }
    first = first != GS_OK ? first : rc;
  } else if (c->cert_der != NULL) {
    if (!gs_creds_key_matches(crypto, c->key, c->cert_der, c->cert_len)) {
      char m[2 * GS_CFG_PATH_MAX + 128];
      gs_creds_mismatch_text(id->key, id->cert, m, sizeof(m));
      say(x, GS_CREDS_ERROR, "%s", m);
      if (!go_on(x, GS_ERR_KEY_MISMATCH)) {
        return GS_ERR_KEY_MISMATCH;
      }
      first = first != GS_OK ? first : GS_ERR_KEY_MISMATCH;
    } else {
      say(x, GS_CREDS_OK, "%s matches %s", id->key, id->cert);
    }
  }
  rc = load_attr_cert(x, id, now);
  return first != GS_OK ? first : rc;
}

int gs_creds_load(gs_creds *c, gs_crypto *crypto, const gs_config *cfg, gs_time_ms now,
                  const gs_creds_report *report) {
  memset(c, 0, sizeof(*c));
  creds_ctx x = {c, report};
  int rc = load_pki(&x, crypto, &cfg->id);
  if (go_on(&x, rc) && c->pki != NULL) {
    int r2 = load_identity(&x, crypto, cfg, now);
    rc = rc != GS_OK ? rc : r2;
  }
  if (rc != GS_OK && !(report != NULL && report->keep_going)) {
    unsigned e = c->errors, w = c->warnings;
    gs_creds_free(c, crypto);
    c->errors = e;
    c->warnings = w;
  }
  return rc;
}

void gs_creds_free(gs_creds *c, const gs_crypto *crypto) {
  if (c->own != NULL) {
    gs_pki_release(c->pki, c->own);
  }
  if (c->key != NULL && crypto != NULL) {
    crypto->privkey_free(c->key);
  }
  free(c->cert_der);
  free(c->att_der);
  gs_pki_free(c->pki);
  memset(c, 0, sizeof(*c));
}
