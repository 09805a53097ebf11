/* The SecPDU tree of `gridseal inspect`. */
#include "inspect.h"

#include <stdarg.h>
#include <string.h>

#include "pki_issue.h"
#include "util.h"

#define HEX_MAX 256 /* octets of hex shown per field */

static void line(FILE *f, int indent, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void line(FILE *f, int indent, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(f, "%*s", indent, "");
  vfprintf(f, fmt, ap);
  fputc('\n', f);
  va_end(ap);
}

static void hexfield(FILE *f, int indent, const char *label, gs_slice s) {
  line(f, indent, "%s: %zu octets", label, s.len);
  if (s.len > 0) {
    gs_app_hexdump(f, s.ptr, s.len, indent + 2, HEX_MAX);
  }
}

static void timefield(FILE *f, int indent, gs_time_ms t) {
  char iso[40];
  gs_app_iso_time(t, iso, sizeof(iso));
  line(f, indent, "time: %s", iso);
}

static void algfield(FILE *f, int indent, const char *label, const gs_algid *a) {
  if (a->alg != GS_ALG_UNKNOWN) {
    line(f, indent, "%s: %s%s", label, gs_alg_name(a->alg), a->params_null ? " (NULL params)" : "");
    return;
  }
  fprintf(f, "%*s%s: unknown OID, content octets ", indent, "", label);
  for (size_t i = 0; i < a->oid.len; i++) {
    fprintf(f, "%02x", a->oid.ptr[i]);
  }
  fputc('\n', f);
}

static void certfield(FILE *f, int indent, const char *label, gs_slice c) {
  char subj[512];
  if (gs_pki_cert_subject(c.ptr, c.len, subj, sizeof(subj)) == GS_OK) {
    line(f, indent, "%s: %zu octets, subject \"%s\"", label, c.len, subj);
  } else {
    line(f, indent, "%s: %zu octets (not a parsable X.509 certificate)", label, c.len);
  }
}

static void certpath(FILE *f, int indent, const gs_slice *path, size_t n) {
  if (n == 0) {
    return;
  }
  line(f, indent, "certPath: %zu certificate(s)", n);
  for (size_t i = 0; i < n; i++) {
    char label[32];
    snprintf(label, sizeof(label), "[%zu]", i);
    certfield(f, indent + 2, label, path[i]);
  }
}

static void alglist(FILE *f, int indent, const char *label, const gs_algid *a, size_t n) {
  line(f, indent, "%s:", label);
  for (size_t i = 0; i < n; i++) {
    algfield(f, indent + 2, "-", &a[i]);
  }
}

static void encr_mode(FILE *f, int indent, const gs_encr_mode *m) {
  if (m->kind == GS_ENCR_MODE_AEAD) {
    line(f, indent, "encrMode: aead");
    alglist(f, indent + 2, "aead", m->aead, m->n_aead);
    return;
  }
  line(f, indent, "encrMode: nonAead (%s)", m->has_encr ? "encrypt-then-MAC" : "integrity only");
  if (m->has_encr) {
    alglist(f, indent + 2, "encr", m->encr, m->n_encr);
  }
  alglist(f, indent + 2, "icv", m->icv, m->n_icv);
}

static const char *dh_name(uint32_t g) {
  switch (g) {
  case GS_DH_MODP2048:
    return "MODP-2048";
  case GS_DH_P256:
    return "P-256";
  case GS_DH_P384:
    return "P-384";
  case GS_DH_BP256:
    return "brainpoolP256r1";
  case GS_DH_X25519:
    return "X25519";
  }
  return "unknown";
}

static void token1(FILE *f, int in, const gs_token1 *t) {
  line(f, in, "token1:");
  in += 2;
  algfield(f, in, "sigAlg", &t->sig_alg);
  certfield(f, in, "pkCert", t->pk_cert);
  certpath(f, in, t->cert_path, t->n_cert_path);
  line(f, in, "version: %u", (unsigned)t->version);
  line(f, in, "assoID: %.*s", (int)t->asso_id.len, (const char *)t->asso_id.ptr);
  for (size_t i = 0; i < t->n_dh; i++) {
    char label[64];
    snprintf(label, sizeof(label), "dhKey group %u (%s)", (unsigned)t->dh[i].group,
             dh_name(t->dh[i].group));
    hexfield(f, in, label, t->dh[i].public_key);
  }
  algfield(f, in, "hmac", &t->hmac);
  timefield(f, in, t->time);
  encr_mode(f, in, &t->encr_mode);
  line(f, in, "confParams:%s%s%s%s", t->conf_params & GS_CONF_TLS_PROTECTED ? " tlsProtected" : "",
       t->conf_params & GS_CONF_APPL_PROTECTED ? " applProtected" : "",
       t->conf_params & GS_CONF_VPN ? " vpn" : "", t->conf_params == 0 ? " (none)" : "");
  if (t->has_att_cert) {
    hexfield(f, in, "attCert", t->att_cert);
  }
}

static void handshake(FILE *f, const gs_handshake *h) {
  line(f, 2, "tbs:");
  line(f, 4, "pp: %.*s", (int)h->tbs.pp.len, (const char *)h->tbs.pp.ptr);
  token1(f, 4, &h->tbs.token1);
  if (h->tbs.has_appl_data) {
    gs_inspect_mms(f, h->tbs.appl_data, 4);
  } else {
    line(f, 4, "applData: absent");
  }
  hexfield(f, 2, "signature", h->sign);
}

static void notice(FILE *f, gs_pdu_kind kind, const gs_notice *n) {
  const gs_token3 *t = &n->tbs.token3;
  line(f, 2, "tbs:");
  line(f, 4, "token3:");
  algfield(f, 6, "sigAlg", &t->sig_alg);
  line(f, 6, "version: %u", (unsigned)t->version);
  line(f, 6, "assoID: %.*s", (int)t->asso_id.len, (const char *)t->asso_id.ptr);
  timefield(f, 6, t->time);
  if (t->has_pk_cert) {
    certfield(f, 6, "pkCert", t->pk_cert);
  }
  certpath(f, 6, t->cert_path, t->n_cert_path);
  if (t->has_binding) {
    hexfield(f, 6, "binding", t->binding);
  }
  if (n->tbs.has_diag) {
    const char *dn = kind == GS_PDU_DT_SEC_ABORT ? gs_dt_diag_name((int)n->tbs.diag)
                                                 : gs_hs_diag_name((int)n->tbs.diag);
    line(f, 4, "diag: %d (%s)", (int)n->tbs.diag, dn);
  }
  if (n->tbs.has_appl_data) {
    gs_inspect_mms(f, n->tbs.appl_data, 4);
  }
  hexfield(f, 2, "signature", n->sign);
}

static void transfer(FILE *f, gs_pdu_kind kind, const gs_transfer *x) {
  const gs_token2 *t = &x->tbp.token2;
  line(f, 2, "tbp:");
  line(f, 4, "token2:");
  line(f, 6, "assoID: %.*s", (int)t->asso_id.len, (const char *)t->asso_id.ptr);
  timefield(f, 6, t->time);
  line(f, 6, "seq: %u", (unsigned)t->seq);
  if (t->has_iv) {
    hexfield(f, 6, "iv", t->iv);
  }
  if (t->has_rekey) {
    hexfield(f, 6, "rekey", t->rekey);
  }
  line(f, 6, "reqRekey: %s", t->req_rekey ? "TRUE" : "FALSE");
  line(f, 6, "changedKey: %s", t->changed_key ? "TRUE" : "FALSE");
  if (kind == GS_PDU_CLEAR_TRANSFER) {
    gs_inspect_mms(f, x->tbp.appl_data, 4);
  } else {
    hexfield(f, 4, "applData (encrypted)", x->tbp.appl_data);
  }
  if (x->has_auth) {
    line(f, 2, "authenticator:");
    algfield(f, 4, "algorithm", &x->auth.algorithm);
    hexfield(f, 4, "icv", x->auth.icv);
  } else {
    line(f, 2, "authenticator: absent (AEAD tag inside applData)");
  }
}

void gs_inspect_secpdu(FILE *f, const gs_secpdu *pdu) {
  switch (pdu->kind) {
  case GS_PDU_HANDSHAKE_REQ:
  case GS_PDU_HANDSHAKE_ACC:
    handshake(f, &pdu->u.hs);
    break;
  case GS_PDU_CLEAR_TRANSFER:
  case GS_PDU_ENCR_TRANSFER:
    transfer(f, pdu->kind, &pdu->u.xfer);
    break;
  default:
    notice(f, pdu->kind, &pdu->u.notice);
    break;
  }
}

/* ---- JSON: one object per SecPDU, keys = the dissector's field names
 * without "gridseal." (tools/wireshark/gridseal.lua, docs/WIRESHARK.md) */

static void jstr_n(FILE *f, const uint8_t *s, size_t n) {
  fputc('"', f);
  for (size_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    if (c == '"' || c == '\\') {
      fputc('\\', f);
      fputc(c, f);
    } else if (c < 0x20 || c >= 0x7f) {
      fprintf(f, "\\u%04x", (unsigned)c);
    } else {
      fputc(c, f);
    }
  }
  fputc('"', f);
}

static void jkey(gs_inspect_json *j, const char *key) {
  fprintf(j->f, "%s\"%s\":", j->n++ > 0 ? "," : "", key);
}

void gs_inspect_json_str(gs_inspect_json *j, const char *key, const char *v) {
  jkey(j, key);
  jstr_n(j->f, (const uint8_t *)v, strlen(v));
}

void gs_inspect_json_int(gs_inspect_json *j, const char *key, long long v) {
  jkey(j, key);
  fprintf(j->f, "%lld", v);
}

static void jslice(gs_inspect_json *j, const char *key, gs_slice s) {
  jkey(j, key);
  jstr_n(j->f, s.ptr, s.len);
}

static void jbool(gs_inspect_json *j, const char *key, bool v) {
  jkey(j, key);
  fputs(v ? "true" : "false", j->f);
}

static void jhex(gs_inspect_json *j, const char *key, gs_slice s) {
  jkey(j, key);
  fputc('"', j->f);
  for (size_t i = 0; i < s.len; i++) {
    fprintf(j->f, "%02x", s.ptr[i]);
  }
  fputc('"', j->f);
}

static void jtime(gs_inspect_json *j, gs_time_ms t) {
  char iso[40];
  gs_app_iso_time(t, iso, sizeof(iso));
  gs_inspect_json_str(j, "time", iso);
}

/* The algorithm's name, or "unknown (OID content octets in hex)" as the
 * dissector shows it. */
static void alg_name(const gs_algid *a, char *out, size_t cap) {
  if (a->alg != GS_ALG_UNKNOWN) {
    snprintf(out, cap, "%s", gs_alg_name(a->alg));
    return;
  }
  size_t n = (size_t)snprintf(out, cap, "unknown (");
  for (size_t i = 0; i < a->oid.len && n + 3 < cap; i++) {
    n += (size_t)snprintf(out + n, cap - n, "%02x", a->oid.ptr[i]);
  }
  snprintf(out + n, cap > n ? cap - n : 0, ")");
}

static void jalg(gs_inspect_json *j, const char *key, const gs_algid *a) {
  char name[96];
  alg_name(a, name, sizeof(name));
  gs_inspect_json_str(j, key, name);
}

static void jalgs(gs_inspect_json *j, const char *key, const gs_algid *a, size_t n) {
  jkey(j, key);
  fputc('[', j->f);
  for (size_t i = 0; i < n; i++) {
    char name[96];
    alg_name(&a[i], name, sizeof(name));
    if (i > 0) {
      fputc(',', j->f);
    }
    jstr_n(j->f, (const uint8_t *)name, strlen(name));
  }
  fputc(']', j->f);
}

static void jcert(gs_inspect_json *j, gs_slice c) {
  char subj[512];
  gs_inspect_json_int(j, "pk_cert_len", (long long)c.len);
  if (gs_pki_cert_subject(c.ptr, c.len, subj, sizeof(subj)) == GS_OK) {
    gs_inspect_json_str(j, "pk_cert_subject", subj);
  }
}

static void jappl(gs_inspect_json *j, gs_slice a, bool clear) {
  gs_inspect_json_int(j, "appl_data_len", (long long)a.len);
  if (clear && a.len > 0) {
    jhex(j, "appl_data", a);
    const char *mms = gs_inspect_mms_type(a);
    if (mms != NULL) {
      gs_inspect_json_str(j, "mms", mms);
    }
  }
}

static void json_token1(gs_inspect_json *j, const gs_token1 *t) {
  jalg(j, "sig_alg", &t->sig_alg);
  jcert(j, t->pk_cert);
  if (t->n_cert_path > 0) {
    gs_inspect_json_int(j, "cert_path_count", (long long)t->n_cert_path);
  }
  gs_inspect_json_int(j, "version", (long long)t->version);
  jslice(j, "asso_id", t->asso_id);
  jkey(j, "dh_group");
  fputc('[', j->f);
  for (size_t i = 0; i < t->n_dh; i++) {
    fprintf(j->f, "%s%u", i > 0 ? "," : "", (unsigned)t->dh[i].group);
  }
  fputc(']', j->f);
  jkey(j, "dh_public");
  fputc('[', j->f);
  for (size_t i = 0; i < t->n_dh; i++) {
    fputs(i > 0 ? ",\"" : "\"", j->f);
    for (size_t k = 0; k < t->dh[i].public_key.len; k++) {
      fprintf(j->f, "%02x", t->dh[i].public_key.ptr[k]);
    }
    fputc('"', j->f);
  }
  fputc(']', j->f);
  jalg(j, "hmac", &t->hmac);
  jtime(j, t->time);
  const gs_encr_mode *m = &t->encr_mode;
  if (m->kind == GS_ENCR_MODE_AEAD) {
    gs_inspect_json_str(j, "encr_mode", "aead");
    jalgs(j, "aead_alg", m->aead, m->n_aead);
  } else {
    gs_inspect_json_str(j, "encr_mode", m->has_encr ? "encrypt-then-MAC" : "integrity-only");
    if (m->has_encr) {
      jalgs(j, "encr_alg", m->encr, m->n_encr);
    }
    jalgs(j, "icv_alg", m->icv, m->n_icv);
  }
  char cp[64] = "";
  if (t->conf_params & GS_CONF_TLS_PROTECTED) {
    strcat(cp, "tlsProtected");
  }
  if (t->conf_params & GS_CONF_APPL_PROTECTED) {
    strcat(cp, cp[0] ? ",applProtected" : "applProtected");
  }
  if (t->conf_params & GS_CONF_VPN) {
    strcat(cp, cp[0] ? ",vpn" : "vpn");
  }
  gs_inspect_json_str(j, "conf_params", cp[0] ? cp : "none");
  if (t->has_att_cert) {
    gs_inspect_json_int(j, "att_cert_len", (long long)t->att_cert.len);
  }
}

void gs_inspect_json_secpdu(gs_inspect_json *j, const gs_secpdu *pdu) {
  gs_inspect_json_str(j, "kind", gs_pdu_kind_name(pdu->kind));
  gs_inspect_json_int(j, "kind_tag", (long long)pdu->kind);
  switch (pdu->kind) {
  case GS_PDU_HANDSHAKE_REQ:
  case GS_PDU_HANDSHAKE_ACC: {
    const gs_handshake *h = &pdu->u.hs;
    jslice(j, "pp", h->tbs.pp);
    json_token1(j, &h->tbs.token1);
    if (h->tbs.has_appl_data) {
      jappl(j, h->tbs.appl_data, true);
    }
    gs_inspect_json_int(j, "signature_len", (long long)h->sign.len);
    return;
  }
  case GS_PDU_CLEAR_TRANSFER:
  case GS_PDU_ENCR_TRANSFER: {
    const gs_transfer *x = &pdu->u.xfer;
    const gs_token2 *t = &x->tbp.token2;
    jslice(j, "asso_id", t->asso_id);
    jtime(j, t->time);
    gs_inspect_json_int(j, "seq", (long long)t->seq);
    if (t->has_iv) {
      jhex(j, "iv", t->iv);
    }
    if (t->has_rekey) {
      jhex(j, "rekey", t->rekey);
    }
    jbool(j, "req_rekey", t->req_rekey);
    jbool(j, "changed_key", t->changed_key);
    jappl(j, x->tbp.appl_data, pdu->kind == GS_PDU_CLEAR_TRANSFER);
    if (x->has_auth) {
      jalg(j, "auth_alg", &x->auth.algorithm);
      jhex(j, "icv", x->auth.icv);
    }
    return;
  }
  default:
    break;
  }
  const gs_notice *n = &pdu->u.notice;
  const gs_token3 *t = &n->tbs.token3;
  jalg(j, "sig_alg", &t->sig_alg);
  gs_inspect_json_int(j, "version", (long long)t->version);
  jslice(j, "asso_id", t->asso_id);
  jtime(j, t->time);
  if (t->has_pk_cert) {
    jcert(j, t->pk_cert);
  }
  if (t->n_cert_path > 0) {
    gs_inspect_json_int(j, "cert_path_count", (long long)t->n_cert_path);
  }
  if (t->has_binding) {
    jhex(j, "binding", t->binding);
  }
  if (n->tbs.has_diag) {
    int d = (int)n->tbs.diag;
    gs_inspect_json_int(j, "diag", d);
    gs_inspect_json_str(j, "diag_name",
                        pdu->kind == GS_PDU_DT_SEC_ABORT ? gs_dt_diag_name(d) : gs_hs_diag_name(d));
  }
  if (n->tbs.has_appl_data) {
    jappl(j, n->tbs.appl_data, true);
  }
  gs_inspect_json_int(j, "signature_len", (long long)n->sign.len);
}
