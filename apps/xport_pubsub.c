/* Names and peers shared by the MQTT and AMQP transports (xport_pubsub.h). */
#include "xport_pubsub.h"

#include <stdio.h>
#include <string.h>

#include "gridseal/error.h"
#include "gridseal/unstable/der.h"
#include "gridseal/unstable/pdu.h"

bool gs_ps_name_ok(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n >= GS_PS_NAME_MAX) {
    return false;
  }
  for (const char *c = name; *c; c++) {
    if (*c <= 0x20 || *c >= 0x7f || *c == '/' || *c == '+' || *c == '#') {
      return false;
    }
  }
  return true;
}

int gs_ps_endpoint(const char *jid, const char *name, const char *domain,
                   char out[GS_PS_NAME_MAX]) {
  int n;
  if (jid != NULL && jid[0] != '\0') {
    const char *slash = strchr(jid, '/'); /* the bare address names the entity */
    n = snprintf(out, GS_PS_NAME_MAX, "%.*s", (int)(slash ? (size_t)(slash - jid) : strlen(jid)),
                 jid);
  } else if (domain != NULL && domain[0] != '\0') {
    n = snprintf(out, GS_PS_NAME_MAX, "%s@%s", name, domain);
  } else {
    out[0] = '\0';
    return GS_ERR_CONFIG;
  }
  return n > 0 && (size_t)n < GS_PS_NAME_MAX && gs_ps_name_ok(out) ? GS_OK : GS_ERR_CONFIG;
}

int gs_ps_setup(const gs_config *cfg, char me[GS_PS_NAME_MAX], gs_ps_peers *peers, char *err,
                size_t cap) {
  const gs_cfg_transport_settings *t = &cfg->transport;
  memset(peers, 0, sizeof(*peers));
  if (gs_ps_endpoint(t->jid, cfg->name, t->domain, me) != GS_OK) {
    snprintf(err, cap, "%s: no usable endpoint name for %s (set [transport] jid or domain)",
             cfg->file, cfg->name);
    return GS_ERR_CONFIG;
  }
  if (t->tls_cert[0] == '\0' || t->tls_key[0] == '\0' || t->tls_ca[0] == '\0') {
    snprintf(err, cap, "%s: [transport] tls_cert, tls_key and tls_ca are required with %s",
             cfg->file, gs_cfg_transport_name(t->type));
    return GS_ERR_CONFIG;
  }
  if (cfg->n_peers > GS_PS_MAX_PEERS) {
    snprintf(err, cap, "%s: too many [der] sections (at most %u)", cfg->file, GS_PS_MAX_PEERS);
    return GS_ERR_CONFIG;
  }
  for (size_t i = 0; i < cfg->n_peers; i++) {
    const gs_cfg_peer *p = &cfg->peers[i];
    gs_ps_peer *x = &peers->p[i];
    if (gs_ps_endpoint(p->jid, p->name, t->domain, x->ep) != GS_OK) {
      snprintf(err, cap,
               "%s:%u: [der %s] has no usable endpoint name (set jid, or [transport] domain)",
               cfg->file, p->line, p->name);
      return GS_ERR_CONFIG;
    }
    snprintf(x->app, sizeof(x->app), "%s", p->name);
    x->used = true;
  }
  return GS_OK;
}

gs_ps_peer *gs_ps_by_app(gs_ps_peers *t, const char *app) {
  for (size_t i = 0; i < GS_PS_MAX_PEERS; i++) {
    if (t->p[i].used && strcmp(t->p[i].app, app) == 0) {
      return &t->p[i];
    }
  }
  return NULL;
}

gs_ps_peer *gs_ps_by_ep(gs_ps_peers *t, const char *ep) {
  for (size_t i = 0; i < GS_PS_MAX_PEERS; i++) {
    if (t->p[i].used && strcmp(t->p[i].ep, ep) == 0) {
      return &t->p[i];
    }
  }
  return NULL;
}

gs_ps_peer *gs_ps_learn(gs_ps_peers *t, const char *ep) {
  gs_ps_peer *x = gs_ps_by_ep(t, ep);
  for (size_t i = 0; i < GS_PS_MAX_PEERS && x == NULL; i++) {
    if (!t->p[i].used && gs_ps_name_ok(ep)) {
      x = &t->p[i];
      memset(x, 0, sizeof(*x));
      x->used = true;
      snprintf(x->ep, sizeof(x->ep), "%s", ep);
      snprintf(x->app, sizeof(x->app), "%s", ep);
    }
  }
  return x;
}

bool gs_ps_is_hs_req(const uint8_t *pdu, size_t len) {
  return len > 0 && pdu[0] == 0xa0; /* SecPDU handshakeReq [0] */
}

/* ------------------------------------------------ certificate names */

static const uint8_t oid_san[] = {0x55, 0x1d, 0x11};
static const uint8_t oid_xmpp[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x08, 0x05};
static const uint8_t oid_cn[] = {0x55, 0x04, 0x03};

static bool oid_is(gs_slice o, const uint8_t *v, size_t n) {
  return o.len == n && memcmp(o.ptr, v, n) == 0;
}

static int take_name(gs_slice s, char out[GS_PS_NAME_MAX]) {
  if (s.len == 0 || s.len >= GS_PS_NAME_MAX) {
    return GS_ERR_NOT_FOUND;
  }
  memcpy(out, s.ptr, s.len);
  out[s.len] = '\0';
  return gs_ps_name_ok(out) ? GS_OK : GS_ERR_NOT_FOUND;
}

/* GeneralNames: the first otherName id-on-xmppAddr. */
static int san_xmpp(gs_slice value, char out[GS_PS_NAME_MAX]) {
  gs_der_reader r, names;
  gs_der_reader_init(&r, value.ptr, value.len);
  int rc = gs_der_enter(&r, GS_DER_SEQUENCE, &names, NULL);
  while (rc == GS_OK && !gs_der_reader_at_end(&names)) {
    uint32_t tag;
    gs_slice c, oid, v;
    if ((rc = gs_der_read_any(&names, &tag, &c, NULL)) != GS_OK || tag != GS_DER_CTX_CONS(0)) {
      continue;
    }
    gs_der_reader on, ex;
    gs_der_reader_init(&on, c.ptr, c.len);
    if (gs_der_read_oid(&on, GS_DER_OID, &oid) == GS_OK &&
        oid_is(oid, oid_xmpp, sizeof(oid_xmpp)) &&
        gs_der_enter(&on, GS_DER_CTX_CONS(0), &ex, NULL) == GS_OK &&
        gs_der_read_tlv(&ex, GS_DER_UTF8_STRING, &v) == GS_OK) {
      return take_name(v, out);
    }
  }
  return rc != GS_OK ? rc : GS_ERR_NOT_FOUND;
}

/* Extensions ::= SEQUENCE OF { extnID, critical DEFAULT FALSE, extnValue }. */
static int ext_xmpp(gs_slice exts, char out[GS_PS_NAME_MAX]) {
  gs_der_reader r, seq;
  gs_der_reader_init(&r, exts.ptr, exts.len);
  int rc = gs_der_enter(&r, GS_DER_SEQUENCE, &seq, NULL);
  while (rc == GS_OK && !gs_der_reader_at_end(&seq)) {
    gs_der_reader e;
    gs_slice oid, val;
    bool crit;
    rc = gs_der_enter(&seq, GS_DER_SEQUENCE, &e, NULL);
    rc = rc ? rc : gs_der_read_oid(&e, GS_DER_OID, &oid);
    if (rc == GS_OK && gs_der_peek_is(&e, GS_DER_BOOLEAN)) {
      rc = gs_der_read_bool(&e, GS_DER_BOOLEAN, &crit);
    }
    rc = rc ? rc : gs_der_read_octets(&e, GS_DER_OCTET_STRING, &val);
    if (rc == GS_OK && oid_is(oid, oid_san, sizeof(oid_san))) {
      return san_xmpp(val, out);
    }
  }
  return rc != GS_OK ? rc : GS_ERR_NOT_FOUND;
}

/* Name ::= SEQUENCE OF SET OF { type, value }: the last CN. */
static int subject_cn(gs_slice name, char out[GS_PS_NAME_MAX]) {
  gs_der_reader r, rdns;
  gs_der_reader_init(&r, name.ptr, name.len);
  int rc = gs_der_enter(&r, GS_DER_SEQUENCE, &rdns, NULL), found = GS_ERR_NOT_FOUND;
  while (rc == GS_OK && !gs_der_reader_at_end(&rdns)) {
    gs_der_reader set, atv;
    rc = gs_der_enter(&rdns, GS_DER_SET, &set, NULL);
    while (rc == GS_OK && !gs_der_reader_at_end(&set)) {
      gs_slice oid, v;
      uint32_t tag;
      rc = gs_der_enter(&set, GS_DER_SEQUENCE, &atv, NULL);
      rc = rc ? rc : gs_der_read_oid(&atv, GS_DER_OID, &oid);
      rc = rc ? rc : gs_der_read_any(&atv, &tag, &v, NULL);
      if (rc == GS_OK && oid_is(oid, oid_cn, sizeof(oid_cn))) {
        found = take_name(v, out);
      }
    }
  }
  return rc != GS_OK ? rc : found;
}

static int cert_name(gs_slice cert, char out[GS_PS_NAME_MAX]) {
  gs_der_reader r, c, tbs;
  gs_slice skip, subject = {NULL, 0};
  uint32_t tag;
  gs_der_reader_init(&r, cert.ptr, cert.len);
  int rc = gs_der_enter(&r, GS_DER_SEQUENCE, &c, NULL);
  rc = rc ? rc : gs_der_enter(&c, GS_DER_SEQUENCE, &tbs, NULL);
  if (rc == GS_OK && gs_der_peek_is(&tbs, GS_DER_CTX_CONS(0))) {
    rc = gs_der_read_any(&tbs, &tag, &skip, NULL); /* version */
  }
  /* serial, signature, issuer, validity, subject, subjectPublicKeyInfo */
  for (int i = 0; rc == GS_OK && i < 6; i++) {
    rc = gs_der_read_any(&tbs, &tag, &skip, i == 4 ? &subject : NULL);
  }
  while (rc == GS_OK && !gs_der_reader_at_end(&tbs)) {
    gs_slice v;
    rc = gs_der_read_any(&tbs, &tag, &v, NULL);
    if (rc == GS_OK && tag == GS_DER_CTX_CONS(3) && ext_xmpp(v, out) == GS_OK) {
      return GS_OK;
    }
  }
  return rc != GS_OK ? rc : subject_cn(subject, out);
}

int gs_ps_hs_initiator(const uint8_t *pdu, size_t len, char out[GS_PS_NAME_MAX]) {
  gs_secpdu sp;
  int rc = gs_secpdu_decode(&sp, pdu, len);
  if (rc != GS_OK) {
    return rc;
  }
  if (sp.kind != GS_PDU_HANDSHAKE_REQ) {
    return GS_ERR_NOT_FOUND;
  }
  return cert_name(sp.u.hs.tbs.token1.pk_cert, out);
}
