/* The runtime of `der` and `cc` (runtime.h): loading, the node, event
 * logging, signals. */
#include "runtime.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "connlog.h"
#include "credentials.h"
#include "droplimit.h"
#include "emit.h"
#include "expiry.h"
#include "gridseal/crypto_openssl.h"
#include "gridseal/error.h"
#include "gridseal/transport_tcp.h"
#include "syslog_out.h"
#include "util.h"
#include "xport.h"

static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t hup_flag;

static void on_signal(int sig) {
  (void)sig;
  stop_flag = 1;
}

static void on_hup(int sig) {
  (void)sig;
  hup_flag = 1;
}

void gs_rt_stop(void) {
  stop_flag = 1;
}

bool gs_rt_stopping(void) {
  return stop_flag != 0;
}

int gs_rt_parse_opt(gs_rt_opts *o, const char *cmd, int c, const char *arg) {
  gs_cfg_transport type;
  char host[GS_TCP_MAX_HOST];
  uint16_t port;
  switch (c) {
  case 'c':
    o->config = arg;
    return 1;
  case 'e':
    o->events = arg;
    return 1;
  case 't':
    if (gs_app_transport_parse_type(arg, &type) != 0) {
      gs_app_err("%s: --transport: unknown transport '%s' (tcp | xmpp | mqtt | amqp)", cmd, arg);
      return -1;
    }
    o->transport = arg;
    return 1;
  case 's':
    if (gs_app_server_list(arg, NULL, 0) == 0) {
      gs_app_err("%s: --server '%s': expected HOST:PORT (e.g. 127.0.0.1:15222, [::1]:8883) or up "
                 "to %d of them separated by commas",
                 cmd, arg, GS_APP_SERVERS_MAX);
      return -1;
    }
    o->server = arg;
    return 1;
  case GS_RT_OPT_SYSLOG:
    o->syslog = true;
    return 1;
  case GS_RT_OPT_SYSLOG_REMOTE:
    if (gs_tcp_parse_hostport(arg, host, &port, false) != GS_OK) {
      gs_app_err("%s: --syslog-remote '%s': expected HOST:PORT (e.g. 127.0.0.1:6514)", cmd, arg);
      return -1;
    }
    o->syslog_remote = arg;
    return 1;
  default:
    return 0;
  }
}

void gs_rt_identity_parse(const char *s, gs_identity *out) {
  gs_cfg_identity_parse(s, out);
}

const char *gs_rt_peer_name(const gs_cert_info *peer) {
  if (peer == NULL) {
    return "";
  }
  for (size_t i = 0; i < peer->n_identities; i++) {
    if (peer->identities[i].kind == GS_ID_URI) {
      return peer->identities[i].value;
    }
  }
  return peer->n_identities > 0 ? peer->identities[0].value : peer->subject;
}

/* ------------------------------------------------------------ events */

static const char *event_type(int k) {
  static const char *const names[] = {
      "",
      "handshake-ok",
      "handshake-failed",
      "handshake-request",
      "malformed-dropped",
      "bad-signature",
      "replay-dropped",
      "stale-dropped",
      "gap",
      "integrity-failure",
      "key-update",
      "rekey-requested",
      "abort-sent",
      "abort-received",
      "notice-ignored",
      "limit",
      "rate-limited",
      "release-requested",
      "released",
      "rejected",
      "foreign-peer-dropped",
  };
  const char *node = gs_node_event_name(k);
  if (node != NULL) {
    return node;
  }
  return k >= 0 && (size_t)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}

static void rt_on_event(void *user, gs_node *n, gs_session *s, const gs_event *ev,
                        const char *xpeer) {
  gs_rt *rt = user;
  gs_evrec r = {0};
  r.time = gs_app_now();
  r.type = event_type((int)ev->kind);
  r.severity = -1;
  r.assoc = ev->asso_id && ev->asso_id[0] ? ev->asso_id : NULL;
  const char *peer = ev->peer != NULL ? gs_rt_peer_name(ev->peer) : NULL;
  r.peer = peer && peer[0] ? peer : NULL;
  r.xpeer = xpeer != NULL && xpeer[0] != '\0' ? xpeer : NULL;
  if (ev->diag >= 0) {
    r.diag =
        ev->pdu_kind == GS_PDU_DT_SEC_ABORT ? gs_dt_diag_name(ev->diag) : gs_hs_diag_name(ev->diag);
    r.diag_code = ev->diag;
    r.has_diag_code = true;
    if (ev->err != GS_OK) {
      (void)gs_evrec_str(&r, "error", gs_errname(ev->err));
    }
  } else if (ev->err != GS_OK) {
    r.diag = gs_errname(ev->err);
    r.diag_code = ev->err;
    r.has_diag_code = true;
  }
  if (ev->kind == GS_EV_KEY_UPDATE) {
    (void)gs_evrec_num(&r, "epoch", ev->count);
  } else if (ev->kind == GS_EV_GAP) {
    (void)gs_evrec_num(&r, "count", ev->count);
  } else if (ev->kind == GS_EV_ABORT_SENT || ev->kind == GS_EV_ABORT_RECEIVED ||
             ev->kind == GS_EV_REJECTED) {
    (void)gs_evrec_str(&r, "pdu", gs_pdu_kind_name(ev->pdu_kind));
  } else if (ev->kind == GS_EV_HANDSHAKE_DONE && ev->peer != NULL) {
    /* which certificate the peer used (a renewal shows here) */
    (void)gs_evrec_str(&r, "peer_serial", ev->peer->serial);
  }
  gs_pki_cert_summary cs;
  char fp[2 * GS_HASH_LEN + 1] = "";
  if (ev->cert.len > 0 && ev->cert.ptr != NULL) {
    /* the certificate that did not validate: name it (subject, serial, SHA-256) */
    if (gs_pki_cert_summary_get(ev->cert.ptr, ev->cert.len, &cs) == GS_OK) {
      r.cert_subject = cs.subject;
      r.cert_serial = cs.serial;
    }
    uint8_t h[GS_HASH_LEN];
    gs_iov part = {ev->cert.ptr, ev->cert.len};
    if (rt->crypto != NULL &&
        rt->crypto->hash(rt->crypto->ctx, GS_HASH_SHA256, &part, 1, h) == GS_OK) {
      for (size_t i = 0; i < sizeof(h); i++) {
        snprintf(fp + 2 * i, sizeof(fp) - 2 * i, "%02x", h[i]);
      }
      r.cert_sha256 = fp;
    }
  } else if (ev->peer != NULL && ev->kind != GS_EV_HANDSHAKE_DONE && ev->err <= -300 &&
             ev->err > -400) {
    /* a certificate refusal of an authenticated peer names the certificate */
    gs_rt_rec_cert(&r, ev->peer, fp);
  }
  gs_emit_rec(&r);
  if (rt->app.cb.on_event != NULL) {
    rt->app.cb.on_event(rt->app.ctx, n, s, ev, xpeer);
  }
}

static void rt_on_peer(void *user, gs_node *n, const char *xpeer, bool up, gs_time_ms now) {
  gs_rt *rt = user;
  gs_evrec r = {0};
  r.time = gs_app_now();
  r.type = up ? "transport-up" : "transport-down";
  r.severity = -1;
  r.xpeer = xpeer != NULL && xpeer[0] != '\0' ? xpeer : NULL;
  gs_emit_rec(&r);
  if (rt->app.cb.on_peer != NULL) {
    rt->app.cb.on_peer(rt->app.ctx, n, xpeer, up, now);
  }
}

/* Transport status: one event line each ("xmpp-connected",
 * "mqtt-disconnected", "amqp-error", "xmpp-conflict", ...) with the
 * transport's reason code as diag; the plain lines on stderr without the
 * flood (connlog.h). A conflict (another instance holds the identity) stops
 * the program with GS_EXIT_CONFLICT. */
static gs_connlog conn_log;
static bool conflict_seen;

static void rt_on_transport(void *user, gs_node *n, gs_transport_status st, const char *peer,
                            int err, const char *msg) {
  gs_rt *rt = user;
  const char *tn = gs_cfg_transport_name(rt->cfg.transport.type);
  const char *code = gs_transport_diag_name(gs_transport_status_diag(rt->t));
  const char *diag = code[0] != '\0' ? code : err != GS_OK ? gs_errname(err) : NULL;
  char type[48];
  switch (st) {
  case GS_TS_CONNECTED:
    snprintf(type, sizeof(type), "%s-connected", tn);
    break;
  case GS_TS_DISCONNECTED:
    snprintf(type, sizeof(type), "%s-disconnected", tn);
    break;
  case GS_TS_DROPPED:
    snprintf(type, sizeof(type), "%s",
             err == GS_ERR_NOT_FOUND ? "transport-dropped" : "malformed-dropped");
    break;
  case GS_TS_CONFLICT:
    snprintf(type, sizeof(type), "%s-conflict", tn);
    break;
  default:
    snprintf(type, sizeof(type), "%s-error", tn);
    break;
  }
  gs_evrec r = {0};
  r.time = gs_app_now();
  r.type = type;
  r.severity = -1;
  r.xpeer = peer != NULL && peer[0] != '\0' ? peer : NULL;
  r.diag = diag;
  if (code[0] != '\0') {
    r.diag_code = (int)gs_transport_status_diag(rt->t);
    r.has_diag_code = true;
  } else if (diag != NULL) {
    r.diag_code = err;
    r.has_diag_code = true;
  }
  (void)gs_evrec_str(&r, "transport", tn);
  (void)gs_evrec_str(&r, "reason", msg);
  if (gs_transport_status_count(rt->t) != 0) { /* queue-full / queue-expired */
    (void)gs_evrec_num(&r, "count", (unsigned long long)gs_transport_status_count(rt->t));
  }
  gs_emit_rec(&r);
  char line[GS_CONNLOG_REASON + GS_CONNLOG_KEY + 160];
  if (gs_connlog_note(&conn_log, rt->cfg.name, tn, st, code, peer,
                      msg != NULL    ? msg
                      : err != GS_OK ? gs_errname(err)
                                     : NULL,
                      gs_app_now(), line, sizeof(line))) {
    gs_app_status(line);
  }
  if (st == GS_TS_CONFLICT && !conflict_seen) {
    conflict_seen = true;
    gs_rt_stop(); /* release what is held, then exit GS_EXIT_CONFLICT */
  }
  if (rt->app.cb.on_transport != NULL) {
    rt->app.cb.on_transport(rt->app.ctx, n, st, peer, err, msg);
  }
}

/* The application's callbacks, with its own context. */
static void fw_request(void *user, gs_node *n, gs_session *s, const uint8_t *d, size_t len,
                       gs_time_ms now) {
  gs_rt *rt = user;
  if (rt->app.cb.on_request != NULL) {
    rt->app.cb.on_request(rt->app.ctx, n, s, d, len, now);
  } else {
    (void)gs_node_refuse(n, s, NULL, 0, now);
  }
}

static void fw_established(void *user, gs_node *n, gs_session *s, const uint8_t *d, size_t len,
                           gs_time_ms now) {
  gs_rt *rt = user;
  if (rt->app.cb.on_established != NULL) {
    rt->app.cb.on_established(rt->app.ctx, n, s, d, len, now);
  }
}

static void fw_data(void *user, gs_node *n, gs_session *s, const uint8_t *d, size_t len,
                    gs_time_ms now) {
  gs_rt *rt = user;
  if (rt->app.cb.on_data != NULL) {
    rt->app.cb.on_data(rt->app.ctx, n, s, d, len, now);
  }
}

static void fw_release(void *user, gs_node *n, gs_session *s, const uint8_t *d, size_t len,
                       gs_time_ms now) {
  gs_rt *rt = user;
  if (rt->app.cb.on_release != NULL) {
    rt->app.cb.on_release(rt->app.ctx, n, s, d, len, now);
  } else {
    (void)gs_node_release(n, s, NULL, 0, now);
  }
}

static void fw_closed(void *user, gs_node *n, gs_session *s, int err, gs_time_ms now) {
  gs_rt *rt = user;
  if (rt->app.cb.on_closed != NULL) {
    rt->app.cb.on_closed(rt->app.ctx, n, s, err, now);
  }
}

static void fw_abort(void *user, gs_node *n, gs_session *s, const uint8_t *d, size_t len,
                     gs_time_ms now) {
  gs_rt *rt = user;
  if (rt->app.cb.on_abort != NULL) {
    rt->app.cb.on_abort(rt->app.ctx, n, s, d, len, now);
  }
}

void gs_rt_app_rec(gs_rt *rt, const gs_session *s, gs_evrec *r) {
  const char *assoc = s != NULL ? gs_session_asso_id(s) : NULL;
  const char *peer = s != NULL ? gs_rt_peer_name(gs_session_peer(s)) : NULL;
  if (r->time == 0) {
    r->time = gs_app_now();
  }
  r->severity = -1;
  r->assoc = assoc && assoc[0] ? assoc : NULL;
  if (r->peer == NULL) {
    r->peer = peer && peer[0] ? peer : NULL;
  }
  r->has_diag_code = gs_app_diag_code(r->diag, &r->diag_code);
  gs_emit_rec(r);
  (void)rt;
}

void gs_rt_app_event(gs_rt *rt, const char *type, const gs_session *s, const char *diag) {
  gs_evrec r = {0};
  r.type = type;
  r.diag = diag;
  gs_rt_app_rec(rt, s, &r);
}

void gs_rt_rec_cert(gs_evrec *r, const gs_cert_info *peer, char fp[2 * GS_FINGERPRINT_LEN + 1]) {
  fp[0] = '\0';
  if (peer == NULL) {
    return;
  }
  r->cert_subject = peer->subject;
  r->cert_serial = peer->serial;
  for (size_t i = 0; i < GS_FINGERPRINT_LEN; i++) {
    snprintf(fp + 2 * i, 3, "%02x", peer->fingerprint[i]);
  }
  r->cert_sha256 = fp;
}

/* ------------------------------------------------------------ the transport */

/* Until the node installs its own handlers: status is logged, nothing else
 * can happen before the first gs_node_step(). */
static void pre_up(void *user, const char *peer) {
  (void)user;
  (void)peer;
}

static void pre_recv(void *user, const char *peer, const uint8_t *pdu, size_t len) {
  (void)user;
  (void)peer;
  (void)pdu;
  (void)len;
}

static void pre_status(void *user, gs_transport_status st, const char *peer, int err,
                       const char *msg) {
  rt_on_transport(user, NULL, st, peer, err, msg);
}

static int open_transport(gs_rt *rt, char *err, size_t cap) {
  gs_transport_events ev = {pre_up, pre_up, pre_recv, pre_status, rt};
  gs_connlog_init(&conn_log);
  conflict_seen = false;
  return gs_app_transport_open(&rt->cfg, &ev, gs_app_now(), &rt->t, err, cap);
}

/* ------------------------------------------------------------ loading */

/* [security] is parsed into the engine's own types. */
static void security_to_endpoint(const gs_cfg_security *sec, gs_endpoint_config *e) {
  e->offer = sec->mode;
  e->encryption = sec->encryption;
  e->n_aead = sec->n_aead;
  memcpy(e->aead, sec->aead, sec->n_aead * sizeof(e->aead[0]));
  e->n_encr = sec->n_encr;
  memcpy(e->encr, sec->encr, sec->n_encr * sizeof(e->encr[0]));
  e->n_icv = sec->n_icv;
  memcpy(e->icv, sec->icv, sec->n_icv * sizeof(e->icv[0]));
  e->hmac = sec->hmac;
  e->hmac_accept[0] = sec->hmac;
  e->n_hmac_accept = 1;
  e->n_groups = sec->n_dh;
  memcpy(e->groups, sec->dh_groups, sec->n_dh * sizeof(e->groups[0]));
  e->time_tolerance_ms = sec->time_tolerance_ms;
  e->key_lifetime_ms = sec->key_lifetime_ms;
  e->key_budget = sec->message_budget;
  e->replay = sec->replay;
  e->on_malformed = sec->on_malformed;
  e->pp = sec->pp;
}

/* [session]: the engine's timers. */
static void session_to_endpoint(const gs_cfg_session *ses, gs_endpoint_config *e) {
  e->handshake_timeout_ms = ses->handshake_timeout_ms;
  e->rekey_timeout_ms = ses->rekey_timeout_ms;         /* 0: handshake_timeout */
  e->half_open_timeout_ms = ses->half_open_timeout_ms; /* 0: handshake_timeout */
  e->idle_timeout_ms = ses->idle_timeout_ms;
}

/* What the [identity] files give, loaded and validated together
 * (credentials.h): at start and again at each reload (SIGHUP). */
typedef gs_creds rt_set;

#define RT_WHY 1024

static void set_free(const gs_crypto *c, rt_set *s) {
  gs_creds_free(s, c);
}

/* gs_creds_load's report: the first error becomes `why`, warnings are
 * printed at once ("warning: der1/e2e.key is readable by ..."). */
static void set_line(void *user, gs_creds_level lvl, const char *msg) {
  char *why = user;
  if (lvl == GS_CREDS_ERROR && why[0] == '\0') {
    snprintf(why, RT_WHY, "%s", msg);
  } else if (lvl == GS_CREDS_WARNING) {
    gs_app_err("warning: %s", msg);
  }
}

/* The anchors and CRLs, the own certificate against them at `now`, the
 * configured identity, the key and the attribute certificate: the startup
 * checks, and the same at each reload. */
static int load_set(const gs_rt *rt, rt_set *s, gs_time_ms now, char *why) {
  why[0] = '\0';
  gs_creds_report rep = {set_line, why, false};
  int rc = gs_creds_load(s, rt->crypto, &rt->cfg, now, &rep);
  if (rc != GS_OK && why[0] == '\0') {
    snprintf(why, RT_WHY, "%s: %s", rt->cfg.file, gs_strerror(rc));
  }
  return rc;
}

static void key_mismatch(const gs_rt *rt, char *why) {
  gs_creds_mismatch_text(rt->cfg.id.key, rt->cfg.id.cert, why, RT_WHY);
}

bool gs_rt_same_peer(const gs_cert_info *a, const gs_cert_info *b) {
  if (a == NULL || b == NULL) {
    return false;
  }
  if (memcmp(a->fingerprint, b->fingerprint, sizeof(a->fingerprint)) == 0) {
    return true;
  }
  for (size_t i = 0; i < a->n_identities; i++) {
    for (size_t j = 0; j < b->n_identities; j++) {
      if (a->identities[i].kind == b->identities[j].kind &&
          strcmp(a->identities[i].value, b->identities[j].value) == 0) {
        return true;
      }
    }
  }
  return false;
}

bool gs_rt_permits(const gs_rt *rt, const gs_cert_info *peer, gs_authz_op op) {
  return gs_authz_permits(rt->authz, peer, op);
}

/* Why the policy refuses `peer` (for the log). */
static const char *refusal_reason(const gs_authz *a, const gs_cert_info *peer) {
  if (peer == NULL) {
    return "no authenticated peer";
  }
  size_t n = gs_authz_n_identities(a);
  if (n == 0 && gs_authz_n_required(a) == 0) {
    return "the policy admits nobody";
  }
  bool listed = n == 0;
  for (size_t i = 0; i < n && !listed; i++) {
    const gs_identity *id = gs_authz_identity_at(a, i);
    for (size_t j = 0; j < peer->n_identities && !listed; j++) {
      listed =
          peer->identities[j].kind == id->kind && strcmp(peer->identities[j].value, id->value) == 0;
    }
  }
  return listed ? "holds none of required_roles" : "identity not in allowed_peers";
}

/* The engine's peer check: the policy, then the per-identity cap. Each
 * refusal is logged with the peer and the reason ("peer-refused"); the
 * engine then signs the reject with the diagnostic. */
static int rt_peer_check(void *user, const gs_cert_info *peer, gs_role own_role) {
  gs_rt *rt = user;
  const char *name = peer != NULL ? gs_rt_peer_name(peer) : NULL;
  int d = gs_authz_check(rt->authz, peer, own_role);
  if (d != 0) {
    gs_evrec r = {0};
    char fp[2 * GS_FINGERPRINT_LEN + 1];
    r.type = "peer-refused";
    r.peer = name && name[0] ? name : NULL;
    r.diag = gs_hs_diag_name(d);
    (void)gs_evrec_str(&r, "reason", refusal_reason(rt->authz, peer));
    gs_rt_rec_cert(&r, peer, fp);
    gs_rt_app_rec(rt, NULL, &r);
    return d;
  }
  size_t held = 0;
  if (own_role == GS_ROLE_RESPONDER && rt->app.peer_assocs != NULL &&
      (held = rt->app.peer_assocs(rt->app.ctx, peer)) >= rt->cfg.security.max_assoc_per_peer) {
    gs_evrec r = {0};
    char fp[2 * GS_FINGERPRINT_LEN + 1];
    r.type = "peer-refused";
    r.peer = name && name[0] ? name : NULL;
    r.diag = gs_hs_diag_name(GS_HS_TOO_MANY_ASSOCIATIONS);
    (void)gs_evrec_str(&r, "reason", "max_assoc_per_peer");
    (void)gs_evrec_num(&r, "count", held);
    (void)gs_evrec_num(&r, "limit", rt->cfg.security.max_assoc_per_peer);
    gs_rt_rec_cert(&r, peer, fp);
    gs_rt_app_rec(rt, NULL, &r);
    return GS_HS_TOO_MANY_ASSOCIATIONS;
  }
  return 0;
}

/* The syslog sinks ([log] syslog*, --syslog, --syslog-remote;
 * docs/SYSLOG.md). A bad file is an error naming it. */
static int open_syslog(gs_rt *rt, const gs_rt_opts *o) {
  const gs_cfg_log *l = &rt->cfg.log;
  gs_syslog_opts so = {
      .local = o->syslog || l->syslog,
      .facility = l->syslog_facility != 0 ? l->syslog_facility : 3,
      .remote = o->syslog_remote != NULL ? o->syslog_remote : l->syslog_remote,
      .ca = l->syslog_ca,
      .cert = l->syslog_cert,
      .key = l->syslog_key,
      .node = rt->cfg.name,
  };
  char err[GS_CFG_PATH_MAX + 300];
  if (gs_syslog_open(&so, err, sizeof(err)) != 0) {
    gs_app_err("%s: %s", rt->cfg.file, err);
    return -1;
  }
  return 0;
}

static int apply_opts(gs_rt *rt, const gs_rt_opts *o, gs_cfg_role role) {
  static const char *const rn[] = {"", "cc", "der"};
  if (rt->cfg.role != role) {
    gs_app_err("%s: [node] role is '%s', this command needs '%s'", rt->cfg.file, rn[rt->cfg.role],
               rn[role]);
    return GS_ERR_CONFIG;
  }
  gs_cfg_transport type;
  if (o->transport != NULL && gs_app_transport_parse_type(o->transport, &type) != 0) {
    gs_app_err("--transport: unknown transport '%s' (tcp | xmpp | mqtt | amqp)", o->transport);
    return GS_ERR_CONFIG;
  }
  gs_cfg_error cerr;
  if (gs_cfg_override(&rt->cfg, o->transport != NULL ? &type : NULL, o->server, &cerr) != GS_OK) {
    gs_app_err("%s", cerr.msg);
    return GS_ERR_CONFIG;
  }
  const char *ev = o->events != NULL ? o->events : rt->cfg.log.events;
  gs_emit_set_node(rt->cfg.name);
  gs_emit_set_drop_interval(GS_DROPLIMIT_INTERVAL_DEFAULT_MS);
  if (gs_emit_open(ev) != 0) {
    gs_app_err("%s: cannot open the event log: %s", ev, strerror(errno));
    return GS_ERR_IO;
  }
  if (open_syslog(rt, o) != 0) {
    gs_emit_close();
    return GS_ERR_CONFIG;
  }
  char w[GS_CFG_PATH_MAX + 512];
  if (gs_cfg_replay_warning(&rt->cfg, w, sizeof(w))) {
    fprintf(stderr, "%s: warning: %s\n", rt->cfg.name, w);
    gs_evrec r = {0};
    r.type = "config-warning";
    r.diag = "replay-strict-on-broker";
    (void)gs_evrec_str(&r, "file", rt->cfg.file);
    (void)gs_evrec_num(&r, "line", rt->cfg.replay_line);
    (void)gs_evrec_str(&r, "key", "security.replay");
    (void)gs_evrec_str(&r, "transport", gs_cfg_transport_name(rt->cfg.transport.type));
    (void)gs_evrec_str(&r, "message", w);
    gs_rt_app_rec(rt, NULL, &r);
  }
  return GS_OK;
}

/* The loaded set becomes the runtime's. */
static void set_take(gs_rt *rt, rt_set *s) {
  rt->pki = s->pki;
  rt->own = s->own;
  rt->key = s->key;
  rt->cert_der = s->cert_der;
  rt->cert_len = s->cert_len;
  rt->att_der = s->att_der;
  rt->att_len = s->att_len;
  memcpy(rt->anchors_of, s->anchors_of, sizeof(rt->anchors_of));
  memcpy(rt->crls_of, s->crls_of, sizeof(rt->crls_of));
  memset(s, 0, sizeof(*s));
}

int gs_rt_init(gs_rt *rt, const gs_rt_opts *o, gs_cfg_role role, size_t max_sessions,
               const gs_rt_app *app) {
  memset(rt, 0, sizeof(*rt));
  rt->app = *app;
  /* SIGHUP asks for a reload from now on: never the default action (an
   * exit without a release), whatever state the program is in */
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_hup;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGHUP, &sa, NULL);
  if (o->config == NULL) {
    gs_app_err("--config FILE is required");
    return GS_EXIT_USAGE;
  }
  gs_cfg_error cerr;
  int rc = gs_cfg_load(&rt->cfg, o->config, &cerr);
  if (rc != GS_OK) {
    gs_app_err("%s", cerr.msg);
    return GS_EXIT_FAIL;
  }
  if ((rc = apply_opts(rt, o, role)) == GS_OK && (rc = gs_ossl_crypto_new(&rt->crypto)) != GS_OK) {
    gs_app_err("crypto provider: %s", gs_strerror(rc));
  }
  gs_rt_identity_parse(rt->cfg.identity, &rt->own_id);
  rt_set set;
  memset(&set, 0, sizeof(set));
  char why[RT_WHY];
  if (rc == GS_OK) {
    rc = load_set(rt, &set, gs_app_now(), why);
  }
  if (rc != GS_OK && rt->crypto != NULL) {
    gs_app_err("%s", why);
    set_free(rt->crypto, &set);
  } else if (rc == GS_OK) {
    set_take(rt, &set);
  }
  char err[512];
  if (rc == GS_OK && (rc = gs_cfg_authz(&rt->cfg, &rt->authz, err, sizeof(err))) != GS_OK) {
    gs_app_err("%s", err);
  }
  if (rc == GS_OK && (rc = open_transport(rt, err, sizeof(err))) != GS_OK) {
    gs_app_err("%s: %s", rt->cfg.file, err);
  }
  if (rc == GS_OK) {
    gs_node_config nc;
    gs_node_config_init(&nc);
    nc.endpoint.crypto = rt->crypto;
    nc.endpoint.validator = gs_pki_validator(rt->pki);
    nc.endpoint.cert_der = rt->cert_der;
    nc.endpoint.cert_len = rt->cert_len;
    nc.endpoint.key = rt->key;
    security_to_endpoint(&rt->cfg.security, &nc.endpoint);
    session_to_endpoint(&rt->cfg.session, &nc.endpoint);
    nc.endpoint.peer_check = rt_peer_check;
    nc.endpoint.peer_check_user = rt;
    /* the engine's own per-identity cap (handshaking associations too) */
    nc.endpoint.max_sessions_per_peer = rt->cfg.security.max_assoc_per_peer;
    /* a request recorded before this start is not accepted again */
    nc.endpoint.replay_floor_ms = gs_app_now();
    if (rt->cfg.role == GS_CFG_ROLE_DER) { /* a DER accepts only its own mode */
      static const uint32_t accept[] = {[GS_OFFER_AEAD] = GS_ACCEPT_AEAD,
                                        [GS_OFFER_ETM] = GS_ACCEPT_ETM,
                                        [GS_OFFER_INTEGRITY] = GS_ACCEPT_INTEGRITY};
      nc.endpoint.accept_modes = accept[rt->cfg.security.mode];
    }
    /* the own attribute certificate ([identity] attribute_cert) goes into
     * the handshake, so the peer learns the roles it grants */
    nc.endpoint.att_cert_der = rt->att_der;
    nc.endpoint.att_cert_len = rt->att_len;
    nc.transport = rt->t;
    nc.cb = (gs_node_callbacks){fw_request, fw_established, fw_data,         fw_release, fw_closed,
                                rt_on_peer, rt_on_event,    rt_on_transport, rt,         fw_abort};
    nc.max_sessions = max_sessions;
    /* the connect back-off of an initiator (docs/NODE.md): [transport]
     * reconnect_min / reconnect_max, jitter seeded per process */
    nc.connect_min_ms = rt->cfg.transport.reconnect_min_ms;
    nc.connect_max_ms = rt->cfg.transport.reconnect_max_ms;
    nc.connect_seed = (uint64_t)gs_app_now() ^ ((uint64_t)getpid() << 20);
    if ((rc = gs_node_new(&nc, &rt->node)) == GS_ERR_KEY_MISMATCH) {
      key_mismatch(rt, why);
      gs_app_err("%s", why);
    } else if (rc != GS_OK) {
      gs_app_err("%s: endpoint: %s", rt->cfg.file, gs_strerror(rc));
    }
  }
  if (rc != GS_OK) {
    gs_rt_free(rt);
    return GS_EXIT_FAIL;
  }
  return GS_EXIT_OK;
}

void gs_rt_free(gs_rt *rt) {
  gs_node_free(rt->node); /* before the transport: frees the sessions */
  rt->node = NULL;
  if (rt->t != NULL) {
    gs_transport_free(rt->t);
    rt->t = NULL;
  }
  if (rt->own != NULL) {
    gs_pki_release(rt->pki, rt->own);
    rt->own = NULL;
  }
  if (rt->key != NULL) {
    rt->crypto->privkey_free(rt->key);
    rt->key = NULL;
  }
  free(rt->cert_der);
  rt->cert_der = NULL;
  free(rt->att_der);
  rt->att_der = NULL;
  gs_pki_free(rt->pki);
  rt->pki = NULL;
  gs_authz_free(rt->authz);
  rt->authz = NULL;
  gs_ossl_crypto_free(rt->crypto);
  rt->crypto = NULL;
  gs_emit_drop_flush(gs_app_now(), true); /* the counts of the last interval */
  gs_syslog_close();
  gs_emit_close();
}

/* ------------------------------------------------------------ expiry */

/* "2026-12-13T10:00:00Z" */
static void iso_s(gs_time_ms t, char *out, size_t cap) {
  char full[40];
  gs_app_iso_time(t, full, sizeof(full));
  snprintf(out, cap, "%.19sZ", full);
}

/* One object: a report when due (the memo), as an event and a plain line
 * on stderr. `what` names it for the line ("own certificate der1/e2e.crt"),
 * `kind` is "cert" or "crl". */
static void expiry_report(gs_rt *rt, const char *kind, const char *key, const char *what,
                          const char *object, const char *file, const char *subj, const char *ser,
                          gs_time_ms end, gs_time_ms before, gs_time_ms now) {
  gs_exp_state st = gs_exp_state_at(end, before, now);
  if (!gs_exp_due(&rt->warned, key, st, now)) {
    return;
  }
  bool crl = strcmp(kind, "crl") == 0;
  char at[32], type[24];
  iso_s(end, at, sizeof(at));
  long days = gs_exp_days_left(end, now);
  snprintf(type, sizeof(type), "%s-%s", kind, st == GS_EXP_EXPIRED ? "expired" : "expiring");
  gs_evrec r = {0};
  r.time = now;
  r.type = type;
  r.severity = st == GS_EXP_EXPIRING ? GS_SEV_WARNING : GS_SEV_ERROR;
  (void)gs_evrec_str(&r, "object", object);
  (void)gs_evrec_str(&r, "file", file);
  if (!crl) {
    r.cert_subject = subj;
    r.cert_serial = ser;
  } else {
    (void)gs_evrec_str(&r, "issuer", subj);
  }
  (void)gs_evrec_str(&r, crl ? "next_update" : "not_after", at);
  if (st == GS_EXP_EXPIRING) {
    (void)gs_evrec_num(&r, "days_left", days > 0 ? (unsigned long long)days : 0);
    gs_emit_rec(&r);
    fprintf(stderr, "%s: %s %s in %ld day%s (%s); %s\n", rt->cfg.name, what,
            crl ? "is due for renewal" : "expires", days, days == 1 ? "" : "s", at,
            crl ? "install a fresh CRL and reload (SIGHUP)" : "renew it");
  } else {
    r.diag = gs_errname(crl ? GS_ERR_CRL_EXPIRED : GS_ERR_CERT_EXPIRED);
    r.diag_code = crl ? GS_ERR_CRL_EXPIRED : GS_ERR_CERT_EXPIRED;
    r.has_diag_code = true;
    gs_emit_rec(&r);
    fprintf(stderr, "%s: %s expired at %s; %s\n", rt->cfg.name, what, at,
            crl ? "new handshakes fail (GS_ERR_CRL_EXPIRED) until a fresh CRL is installed "
                  "and reloaded (SIGHUP); existing associations continue"
                : "new handshakes fail until it is renewed and reloaded (SIGHUP); existing "
                  "associations continue");
  }
  fflush(stderr);
}

/* The own certificate, the trust anchors and the CRLs against the
 * [identity] thresholds. */
static void check_expiry(gs_rt *rt, gs_time_ms now) {
  const gs_cfg_identity *id = &rt->cfg.id;
  char key[GS_EXP_KEY_MAX], what[GS_CFG_PATH_MAX + 64];
  if (rt->own != NULL) {
    snprintf(key, sizeof(key), "cert:%s", rt->own->serial);
    snprintf(what, sizeof(what), "own certificate %s", id->cert);
    expiry_report(rt, "cert", key, what, "own-certificate", id->cert, rt->own->subject,
                  rt->own->serial, rt->own->not_after, id->cert_warn_before_ms, now);
  }
  size_t at = 0;
  for (size_t f = 0; f < id->n_anchors; f++) {
    for (size_t j = 0; j < rt->anchors_of[f]; j++, at++) {
      gs_pki_cert_summary a;
      if (gs_pki_anchor_get(rt->pki, at, &a) != GS_OK) {
        continue;
      }
      snprintf(key, sizeof(key), "anchor:%s:%.300s", a.serial, a.subject);
      snprintf(what, sizeof(what), "trust anchor %s", id->anchors[f]);
      expiry_report(rt, "cert", key, what, "trust-anchor", id->anchors[f], a.subject, a.serial,
                    a.not_after, id->cert_warn_before_ms, now);
    }
  }
  at = 0;
  for (size_t f = 0; f < id->n_crls; f++) {
    for (size_t j = 0; j < rt->crls_of[f]; j++, at++) {
      gs_pki_crl_info c;
      if (gs_pki_crl_get(rt->pki, at, &c) != GS_OK) {
        continue;
      }
      snprintf(key, sizeof(key), "crl:%.300s:%lld", c.issuer, (long long)c.next_update);
      snprintf(what, sizeof(what), "CRL %s", id->crls[f]);
      expiry_report(rt, "crl", key, what, "crl", id->crls[f], c.issuer, NULL, c.next_update,
                    id->crl_warn_before_ms, now);
    }
  }
  rt->next_expiry_check = now + GS_RT_EXPIRY_CHECK_MS;
}

/* ------------------------------------------------------------ reload (SIGHUP) */

#define RT_MAX_RELOAD_SESSIONS 1024

/* Revoked entries of the CRLs file `f` added. */
static size_t crl_file_revoked(const gs_pki *pki, const size_t *crls_of, size_t f) {
  size_t at = 0, n = 0;
  for (size_t i = 0; i < f; i++) {
    at += crls_of[i];
  }
  for (size_t j = 0; j < crls_of[f]; j++) {
    gs_pki_crl_info c;
    if (gs_pki_crl_get(pki, at + j, &c) == GS_OK) {
      n += c.n_revoked;
    }
  }
  return n;
}

static void reload_failed(gs_rt *rt, int rc, const char *why, gs_time_ms now) {
  gs_evrec r = {0};
  r.type = "reload-failed";
  r.diag = gs_errname(rc);
  (void)gs_evrec_str(&r, "error", gs_errname(rc));
  (void)gs_evrec_str(&r, "file", rt->cfg.file);
  (void)gs_evrec_str(&r, "message", why);
  r.time = now;
  gs_rt_app_rec(rt, NULL, &r);
  fprintf(stderr,
          "%s: reload failed: %s; still using the certificate, key, trust anchors and CRLs "
          "loaded before\n",
          rt->cfg.name, why);
  fflush(stderr);
}

/* The live associations after a successful reload: a peer the reloaded
 * trust anchors and CRLs no longer accept ends its association (abort);
 * the others follow [security] on_reload. */
static void reload_sessions(gs_rt *rt, bool new_cert, gs_time_ms now) {
  if (rt->app.sessions == NULL) {
    return;
  }
  static gs_session *list[RT_MAX_RELOAD_SESSIONS];
  size_t n = rt->app.sessions(rt->app.ctx, list, RT_MAX_RELOAD_SESSIONS);
  for (size_t i = 0; i < n; i++) {
    gs_session *s = list[i];
    gs_session_state st = gs_session_state_get(s);
    const gs_cert_info *peer = gs_session_peer(s);
    if (st == GS_STATE_CLOSED || st == GS_STATE_FAILED) {
      continue;
    }
    int v = peer != NULL ? gs_pki_recheck(rt->pki, peer, now) : GS_OK;
    if (v != GS_OK) {
      gs_evrec r = {0};
      char fp[2 * GS_FINGERPRINT_LEN + 1];
      r.type = "peer-invalid";
      r.diag = gs_errname(v);
      (void)gs_evrec_str(&r, "error", gs_errname(v));
      gs_rt_rec_cert(&r, peer, fp);
      gs_rt_app_rec(rt, s, &r);
      fprintf(stderr,
              "%s: association %s with %s ended: the peer's certificate (serial %s) no longer "
              "validates: %s (%s)\n",
              rt->cfg.name, gs_session_asso_id(s), gs_rt_peer_name(peer), peer->serial,
              gs_strerror(v), gs_errname(v));
      fflush(stderr);
      if (st == GS_STATE_ESTABLISHED || st == GS_STATE_RELEASE_SENT ||
          st == GS_STATE_RELEASE_RECEIVED) {
        (void)gs_node_abort(rt->node, s, NULL, 0, now);
      } else {
        (void)gs_node_close(rt->node, s, now);
      }
      continue;
    }
    if (st != GS_STATE_ESTABLISHED) {
      continue;
    }
    if (rt->cfg.security.on_reload == GS_CFG_RELOAD_REKEY) {
      (void)gs_node_update_keys(rt->node, s, now);
    } else if (rt->cfg.security.on_reload == GS_CFG_RELOAD_REASSOCIATE && new_cert &&
               gs_session_role(s) == GS_ROLE_INITIATOR && rt->app.reassociate != NULL) {
      gs_evrec r = {0};
      r.type = "reassociating";
      (void)gs_evrec_str(&r, "reason", "own-certificate-renewed");
      gs_rt_app_rec(rt, s, &r);
      rt->app.reassociate(rt->app.ctx, s, now);
    }
  }
}

/* SIGHUP: the event log is opened again (logrotate); the [identity] files
 * are loaded and validated as at start into a new set; on success it
 * replaces the old one (the PKI in place, the credentials in the endpoint
 * for new handshakes), else nothing changes. */
static void rt_reload(gs_rt *rt, gs_time_ms now) {
  if (gs_emit_reopen() != 0) {
    fprintf(stderr, "%s: cannot open the event log %s again: %s; still writing to the old file\n",
            rt->cfg.name, gs_emit_path(), strerror(errno));
  }
  const gs_cfg_identity *id = &rt->cfg.id;
  rt_set s;
  memset(&s, 0, sizeof(s));
  char why[RT_WHY];
  int rc = load_set(rt, &s, now, why);
  bool new_cert = rc == GS_OK &&
                  (s.cert_len != rt->cert_len ||
                   memcmp(s.cert_der, rt->cert_der, s.cert_len) != 0 || s.att_len != rt->att_len ||
                   (s.att_len > 0 && memcmp(s.att_der, rt->att_der, s.att_len) != 0));
  if (new_cert) {
    rc = gs_endpoint_set_credentials(gs_node_endpoint(rt->node), s.cert_der, s.cert_len, NULL, 0,
                                     s.key, s.att_der, s.att_len);
    if (rc != GS_OK) {
      snprintf(why, sizeof(why), "%s: the endpoint refused the new certificate: %s", id->cert,
               gs_strerror(rc));
    } else {
      s.key = NULL; /* the endpoint's now */
    }
  }
  if (rc != GS_OK) {
    reload_failed(rt, rc, why, now);
    set_free(rt->crypto, &s);
    return;
  }
  /* what changed, for the log */
  char what[1024];
  size_t len = 0;
  size_t revoked = 0;
  for (size_t f = 0; f < id->n_crls; f++) {
    size_t nr = crl_file_revoked(s.pki, s.crls_of, f);
    revoked += nr;
    len += (size_t)snprintf(what + len, sizeof(what) - len, "%scrl %s (%zu revoked)",
                            len ? ", " : "", id->crls[f], nr);
    len = len < sizeof(what) ? len : sizeof(what) - 1;
  }
  size_t n_anchors = gs_pki_anchor_count(s.pki);
  len += (size_t)snprintf(what + len, sizeof(what) - len, "%s%zu trust anchor%s, ", len ? ", " : "",
                          n_anchors, n_anchors == 1 ? "" : "s");
  len = len < sizeof(what) ? len : sizeof(what) - 1;
  gs_evrec r = {0};
  char old_serial[GS_MAX_SERIAL_HEX];
  snprintf(old_serial, sizeof(old_serial), "%s", rt->own->serial);
  r.type = "reloaded";
  r.time = now;
  (void)gs_evrec_num(&r, "anchors", n_anchors);
  (void)gs_evrec_num(&r, "crls", id->n_crls);
  (void)gs_evrec_num(&r, "revoked", revoked);
  if (new_cert) {
    (void)gs_evrec_str(&r, "old_serial", old_serial);
    (void)gs_evrec_str(&r, "serial", s.own->serial);
    (void)gs_evrec_str(&r, "attribute_cert", s.att_len > 0 ? "renewed" : NULL);
  } else {
    (void)gs_evrec_str(&r, "serial", old_serial);
  }
  if (new_cert) {
    snprintf(what + len, sizeof(what) - len, "own certificate serial %s -> %s%s", rt->own->serial,
             s.own->serial, s.att_len > 0 ? " (with its attribute certificate)" : "");
  } else {
    snprintf(what + len, sizeof(what) - len, "own certificate unchanged (serial %s)",
             rt->own->serial);
  }
  /* the new set: trust in place (sessions keep their peers), credentials */
  (void)gs_pki_swap_trust(rt->pki, s.pki); /* s.pki now holds the old set */
  gs_pki_release(rt->pki, rt->own);
  rt->own = s.own;
  s.own = NULL;
  if (new_cert) {
    free(rt->cert_der);
    rt->cert_der = s.cert_der;
    rt->cert_len = s.cert_len;
    s.cert_der = NULL;
    free(rt->att_der);
    rt->att_der = s.att_der;
    rt->att_len = s.att_len;
    s.att_der = NULL;
  }
  memcpy(rt->anchors_of, s.anchors_of, sizeof(rt->anchors_of));
  memcpy(rt->crls_of, s.crls_of, sizeof(rt->crls_of));
  set_free(rt->crypto, &s); /* the old anchors and CRLs, an unchanged key */
  rt->reloads++;
  gs_rt_app_rec(rt, NULL, &r);
  fprintf(stderr, "%s: reloaded: %s\n", rt->cfg.name, what);
  fflush(stderr);
  reload_sessions(rt, new_cert, now);
  check_expiry(rt, now);
}

/* ------------------------------------------------------------ the loop */

typedef struct rt_loop {
  gs_rt *rt;
  gs_time_ms end; /* shutting down: give up at this time (INT64_MAX: running) */
} rt_loop;

static size_t loop_pollfds(void *user, struct pollfd *fds, size_t cap) {
  gs_rt *rt = ((rt_loop *)user)->rt;
  return rt->app.pollfds != NULL ? rt->app.pollfds(rt->app.ctx, fds, cap) : 0;
}

static void loop_on_fds(void *user, const struct pollfd *fds, size_t n, gs_time_ms now) {
  gs_rt *rt = ((rt_loop *)user)->rt;
  if (rt->app.on_fds != NULL) {
    rt->app.on_fds(rt->app.ctx, fds, n, now);
  }
}

static void loop_tick(void *user, gs_time_ms now) {
  gs_rt *rt = ((rt_loop *)user)->rt;
  if (hup_flag) {
    hup_flag = 0;
    rt_reload(rt, now);
  } else if (now >= rt->next_expiry_check) {
    check_expiry(rt, now);
  }
  if (rt->app.tick != NULL) {
    rt->app.tick(rt->app.ctx, now);
  }
  gs_emit_drop_flush(now, false); /* counts of rate-limited drop events */
}

static gs_time_ms loop_deadline(void *user) {
  rt_loop *l = user;
  gs_time_ms t =
      l->rt->app.next_deadline != NULL ? l->rt->app.next_deadline(l->rt->app.ctx) : INT64_MAX;
  t = l->rt->next_expiry_check < t ? l->rt->next_expiry_check : t;
  gs_time_ms d = gs_emit_drop_next();
  t = d < t ? d : t;
  return l->end < t ? l->end : t;
}

static bool loop_stop(void *user) {
  rt_loop *l = user;
  gs_rt *rt = l->rt;
  if (l->end == INT64_MAX) {
    return stop_flag != 0;
  }
  bool done = rt->app.shutdown_done == NULL || rt->app.shutdown_done(rt->app.ctx);
  return (done && gs_transport_pending(rt->t) == 0) || gs_app_now() >= l->end;
}

int gs_rt_run(gs_rt *rt) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  check_expiry(rt, gs_app_now()); /* at start, then hourly */
  rt_loop l = {rt, INT64_MAX};
  gs_node_loop loop = {loop_pollfds, loop_on_fds, loop_tick, loop_deadline, loop_stop, &l, 1000};
  int rc = gs_node_run(rt->node, &loop);
  if (rc != GS_OK) {
    gs_app_err("transport: %s", rc == GS_ERR_IO ? strerror(errno) : gs_transport_error(rt->t));
    return GS_EXIT_FAIL;
  }
  l.end = gs_app_now() + GS_RT_SHUTDOWN_MS;
  if (rt->app.shutdown != NULL) {
    rt->app.shutdown(rt->app.ctx, gs_app_now());
  }
  (void)gs_node_run(rt->node, &loop);
  return conflict_seen ? GS_EXIT_CONFLICT : GS_EXIT_OK;
}
