/* gridseal XMPP transport: received stanzas (e2e payloads, errors, presence,
 * pings), the login sequence and what the server offered. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmpp_internal.h"

#define NS_PING "urn:xmpp:ping"
#define NS_DISCO_INFO "http://jabber.org/protocol/disco#info"
#define DISCO_ID "gs-disco"
/* Longest base64 text of a GS_MAX_PDU_SIZE payload. */
#define B64_MAX (((GS_MAX_PDU_SIZE + 2u) / 3u) * 4u)

static gs_xmpp_peer *find_peer(gs_xmpp *x, const char *from) {
  if (!from)
    return NULL;
  size_t l = strcspn(from, "/");
  for (size_t i = 0; i < x->n_peers; i++)
    if (strlen(x->peers[i].bare) == l && strncmp(x->peers[i].bare, from, l) == 0)
      return &x->peers[i];
  return NULL;
}

static void send_presence(gs_xmpp *x, const char *type, const char *to) {
  xmpp_stanza_t *p = xmpp_presence_new(x->ctx);
  if (!p)
    return;
  if (type)
    xmpp_stanza_set_type(p, type);
  if (to)
    xmpp_stanza_set_to(p, to);
  xmpp_send(x->conn, p);
  xmpp_stanza_release(p);
}

/* The error condition: the first child of <error/> in the stanzas ns. */
static const char *error_condition(xmpp_stanza_t *st) {
  xmpp_stanza_t *err = xmpp_stanza_get_child_by_name(st, "error");
  for (xmpp_stanza_t *c = err ? xmpp_stanza_get_children(err) : NULL; c;
       c = xmpp_stanza_get_next(c)) {
    const char *ns = xmpp_stanza_get_ns(c);
    if (xmpp_stanza_is_tag(c) && ns && strcmp(ns, XMPP_NS_STANZAS_IETF) == 0 &&
        strcmp(xmpp_stanza_get_name(c), "text") != 0)
      return xmpp_stanza_get_name(c);
  }
  return "undefined-condition";
}

static void emit_error(gs_xmpp *x, xmpp_stanza_t *st, const char *name) {
  gs_xmpp_event ev = {.type = GS_XMPP_EV_ERROR,
                      .from = xmpp_stanza_get_from(st),
                      .id = xmpp_stanza_get_id(st),
                      .stanza = name,
                      .condition = error_condition(st)};
  gs_xmpp_emit_(x, &ev);
}

/* Decode the e2e element's text and deliver it, or drop it with an event. */
static void deliver(gs_xmpp *x, xmpp_stanza_t *st, xmpp_stanza_t *e2e, gs_xmpp_kind kind) {
  gs_xmpp_event ev = {.from = xmpp_stanza_get_from(st), .kind = kind, .id = xmpp_stanza_get_id(st)};
  char *text = xmpp_stanza_get_text(e2e);
  size_t tl = text ? strlen(text) : 0;
  unsigned char *bin = NULL;
  size_t bl = 0;
  if (tl > B64_MAX) {
    ev.err = GS_ERR_LIMIT;
  } else if (tl == 0 || tl % 4 != 0) {
    ev.err = GS_ERR_PROTOCOL;
  } else {
    xmpp_base64_decode_bin(x->ctx, text, tl, &bin, &bl);
    if (!bin || bl == 0)
      ev.err = GS_ERR_PROTOCOL;
    else if (bl > GS_MAX_PDU_SIZE)
      ev.err = GS_ERR_LIMIT;
  }
  if (ev.err) {
    ev.type = GS_XMPP_EV_DROPPED;
  } else {
    ev.type = GS_XMPP_EV_PDU;
    ev.data = bin;
    ev.len = bl;
  }
  gs_xmpp_emit_(x, &ev);
  if (bin)
    xmpp_free(x->ctx, bin);
  if (text)
    xmpp_free(x->ctx, text);
}

static xmpp_stanza_t *e2e_child(xmpp_stanza_t *st) {
  return xmpp_stanza_get_child_by_name_and_ns(st, GS_XMPP_ELEMENT, GS_XMPP_NS);
}

static int on_message(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud) {
  gs_xmpp *x = ud;
  (void)conn;
  const char *type = xmpp_stanza_get_type(st);
  if (type && strcmp(type, "error") == 0) {
    emit_error(x, st, "message");
    return 1;
  }
  xmpp_stanza_t *e = e2e_child(st);
  if (e)
    deliver(x, st, e, GS_XMPP_MESSAGE);
  return 1;
}

static void reply_iq(gs_xmpp *x, xmpp_stanza_t *st, bool ok) {
  xmpp_stanza_t *r = ok ? xmpp_stanza_reply(st)
                        : xmpp_stanza_reply_error(st, "cancel", "service-unavailable", NULL);
  if (!r)
    return;
  if (ok)
    xmpp_stanza_set_type(r, "result");
  xmpp_send(x->conn, r);
  xmpp_stanza_release(r);
}

static void on_disco(gs_xmpp *x, xmpp_stanza_t *st) {
  xmpp_stanza_t *q = xmpp_stanza_get_child_by_ns(st, NS_DISCO_INFO);
  for (xmpp_stanza_t *c = q ? xmpp_stanza_get_children(q) : NULL; c; c = xmpp_stanza_get_next(c)) {
    const char *var = xmpp_stanza_is_tag(c) ? xmpp_stanza_get_attribute(c, "var") : NULL;
    if (var && strcmp(var, NS_PING) == 0)
      x->features |= GS_XMPP_FEAT_PING;
  }
  /* the login is over: stop looking at the raw stream */
  x->log.handler = x->trace ? gs_xmpp_log_ : NULL;
  if (x->features & GS_XMPP_FEAT_PING)
    xmpp_timed_handler_add(x->conn, gs_xmpp_ping_timer_, x->ping_interval, x);
}

static int on_iq(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud) {
  gs_xmpp *x = ud;
  (void)conn;
  const char *type = xmpp_stanza_get_type(st), *id = xmpp_stanza_get_id(st);
  if (!type)
    return 1;
  xmpp_stanza_t *e = e2e_child(st);
  if (strcmp(type, "error") == 0) {
    if (id && strcmp(id, x->ping_id) == 0)
      x->ping_outstanding = false;
    else if (!(id && strcmp(id, DISCO_ID) == 0))
      emit_error(x, st, "iq");
    if (id && strcmp(id, DISCO_ID) == 0)
      x->log.handler = x->trace ? gs_xmpp_log_ : NULL;
  } else if (strcmp(type, "result") == 0) {
    if (e)
      deliver(x, st, e, GS_XMPP_IQ_RESULT);
    else if (id && strcmp(id, DISCO_ID) == 0)
      on_disco(x, st);
    else if (id && strcmp(id, x->ping_id) == 0)
      x->ping_outstanding = false;
  } else if (e) {
    deliver(x, st, e, strcmp(type, "get") == 0 ? GS_XMPP_IQ_GET : GS_XMPP_IQ_SET);
  } else if (xmpp_stanza_get_child_by_ns(st, NS_PING) ||
             xmpp_stanza_get_child_by_ns(st, XMPP_NS_ROSTER)) {
    reply_iq(x, st, true); /* XEP-0199 ping from the server; roster push */
  } else {
    reply_iq(x, st, false); /* RFC 6120 8.2.3: never leave a get/set unanswered */
  }
  return 1;
}

static void peer_presence(gs_xmpp *x, gs_xmpp_peer *p, const char *from, bool avail) {
  if (avail) {
    bool changed = !p->available || strcmp(p->full, from) != 0;
    p->available = true;
    snprintf(p->full, sizeof p->full, "%s", from);
    if (!changed)
      return;
  } else {
    if (!p->available || (strchr(from, '/') && strcmp(p->full, from) != 0))
      return;
    p->available = false;
  }
  gs_xmpp_event ev = {.type = avail ? GS_XMPP_EV_PEER_AVAILABLE : GS_XMPP_EV_PEER_UNAVAILABLE,
                      .from = from};
  gs_xmpp_emit_(x, &ev);
}

static int on_presence(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud) {
  gs_xmpp *x = ud;
  (void)conn;
  const char *type = xmpp_stanza_get_type(st), *from = xmpp_stanza_get_from(st);
  gs_xmpp_peer *p = find_peer(x, from);
  if (!from)
    return 1;
  if (type && strcmp(type, "subscribe") == 0) {
    char bare[GS_XMPP_MAX_JID];
    snprintf(bare, sizeof bare, "%.*s", (int)strcspn(from, "/"), from);
    send_presence(x, p ? "subscribed" : "unsubscribed", bare);
    return 1;
  }
  if (!p)
    return 1;
  if (!type || strcmp(type, "available") == 0)
    peer_presence(x, p, from, true);
  else if (strcmp(type, "unavailable") == 0)
    peer_presence(x, p, from, false);
  return 1;
}

void gs_xmpp_recv_install_(gs_xmpp *x) {
  xmpp_handler_add(x->conn, on_message, NULL, "message", NULL, x);
  xmpp_handler_add(x->conn, on_iq, NULL, "iq", NULL, x);
  xmpp_handler_add(x->conn, on_presence, NULL, "presence", NULL, x);
}

void gs_xmpp_recv_login_(gs_xmpp *x) {
  send_presence(x, NULL, NULL);
  for (size_t i = 0; i < x->n_peers; i++) {
    send_presence(x, "subscribe", x->peers[i].bare);
    send_presence(x, "subscribed", x->peers[i].bare); /* pre-approval */
  }
  xmpp_stanza_t *iq = xmpp_iq_new(x->ctx, "get", DISCO_ID);
  xmpp_stanza_t *q = xmpp_stanza_new(x->ctx);
  if (iq && q && xmpp_stanza_set_name(q, "query") == XMPP_EOK &&
      xmpp_stanza_set_ns(q, NS_DISCO_INFO) == XMPP_EOK &&
      xmpp_stanza_set_to(iq, x->domain) == XMPP_EOK && xmpp_stanza_add_child(iq, q) == XMPP_EOK)
    xmpp_send(x->conn, iq);
  if (q)
    xmpp_stanza_release(q);
  if (iq)
    xmpp_stanza_release(iq);
}

void gs_xmpp_peers_lost_(gs_xmpp *x) {
  for (size_t i = 0; i < x->n_peers; i++)
    if (x->peers[i].available)
      peer_presence(x, &x->peers[i], x->peers[i].full, false);
}

int gs_xmpp_ping_timer_(xmpp_conn_t *conn, void *userdata) {
  gs_xmpp *x = userdata;
  if (!x->online)
    return 0;
  if (x->ping_outstanding) {
    snprintf(x->fail_text, sizeof x->fail_text, "XEP-0199 ping unanswered");
    x->fail_reason = GS_XMPP_R_PING;
    xmpp_disconnect(conn);
    return 0;
  }
  snprintf(x->ping_id, sizeof x->ping_id, "gs-ping%llu", (unsigned long long)++x->next_id);
  xmpp_stanza_t *iq = xmpp_iq_new(x->ctx, "get", x->ping_id), *p = xmpp_stanza_new(x->ctx);
  if (iq && p && xmpp_stanza_set_name(p, "ping") == XMPP_EOK &&
      xmpp_stanza_set_ns(p, NS_PING) == XMPP_EOK && xmpp_stanza_set_to(iq, x->domain) == XMPP_EOK &&
      xmpp_stanza_add_child(iq, p) == XMPP_EOK) {
    xmpp_send(conn, iq);
    x->ping_outstanding = true;
  }
  if (p)
    xmpp_stanza_release(p);
  if (iq)
    xmpp_stanza_release(iq);
  return 1;
}

size_t gs_xmpp_sasl_condition_(const char *xml, char *out, size_t cap) {
  if (cap == 0)
    return 0;
  out[0] = '\0';
  const char *c = xml ? strchr(xml, '>') : NULL;
  if (!c || c == xml || c[-1] == '/' || c[1] != '<' || c[2] == '/')
    return 0; /* <failure .../> or <failure></failure>: no condition */
  size_t n = strcspn(c + 2, " \t\r\n/>");
  if (n == 0 || n >= cap)
    return 0;
  for (size_t i = 0; i < n; i++) {
    char ch = c[2 + i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '-' || ch == '_' || ch == ':' || ch == '.'))
      return 0; /* not an element name */
  }
  memcpy(out, c + 2, n);
  out[n] = '\0';
  return n;
}

/* A SASL <failure/> (RFC 6120 6.5): its condition, the first child element,
 * names the refusal; libstrophe only logs it. */
static void sasl_failure(gs_xmpp *x, const char *xml) {
  char cond[48];
  (void)gs_xmpp_sasl_condition_(xml, cond, sizeof cond);
  bool external = x->cert_file && (x->features & GS_XMPP_FEAT_SASL_EXTERNAL);
  if (external)
    snprintf(x->fail_text, sizeof x->fail_text,
             "login refused: SASL EXTERNAL failure %s (the server did not accept the client "
             "certificate %s for %s)",
             cond[0] ? cond : "(no condition)", x->cert_file, x->jid);
  else
    snprintf(x->fail_text, sizeof x->fail_text, "login refused: SASL failure %s",
             cond[0] ? cond : "(no condition)");
  x->fail_reason = GS_XMPP_R_AUTH;
}

/* Features of the login, read from the raw stream libstrophe logs while the
 * login runs (libstrophe has no API for them); optional trace to stderr. */
void gs_xmpp_log_(void *userdata, xmpp_log_level_t level, const char *area, const char *msg) {
  gs_xmpp *x = userdata;
  if (x->trace)
    fprintf(stderr, "xmpp %s: %s\n", area, msg);
  if (level >= XMPP_LEVEL_WARN && x->log_text[0] == '\0') /* the first error of the attempt */
    snprintf(x->log_text, sizeof x->log_text, "%s: %s", area, msg);
  /* libstrophe passes no socket error to the connection handler; it logs it */
  static const char failed[] = "connection failed, error ";
  if (strncmp(msg, failed, sizeof failed - 1) == 0)
    x->sock_err = atoi(msg + sizeof failed - 1);
  else if (x->sock_err == 0 && strstr(msg, "timed out"))
    x->sock_err = ETIMEDOUT;
  if (level != XMPP_LEVEL_DEBUG || strncmp(msg, "RECV: ", 6) != 0)
    return;
  if (strncmp(msg + 6, "<failure", 8) == 0 && strstr(msg, "urn:ietf:params:xml:ns:xmpp-sasl"))
    sasl_failure(x, msg + 6);
  if (strstr(msg, "<stream:features") || strstr(msg, "<features")) {
    if (strstr(msg, ">EXTERNAL<"))
      x->features |= GS_XMPP_FEAT_SASL_EXTERNAL;
    if (strstr(msg, ">SCRAM-"))
      x->features |= GS_XMPP_FEAT_SASL_SCRAM;
    if (strstr(msg, "urn:xmpp:sm:3"))
      x->features |= GS_XMPP_FEAT_SM;
  }
  if (strncmp(msg + 6, "<success", 8) == 0 && x->cert_file &&
      (x->features & GS_XMPP_FEAT_SASL_EXTERNAL))
    x->features |= GS_XMPP_FEAT_AUTH_EXTERNAL;
  if ((strncmp(msg + 6, "<enabled", 8) == 0 || strncmp(msg + 6, "<resumed", 8) == 0) &&
      strstr(msg, "urn:xmpp:sm:3"))
    x->features |= GS_XMPP_FEAT_SM_ENABLED;
}
