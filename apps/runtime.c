/* The runtime of `der` and `cc` (runtime.h): loading, endpoint
 * configuration, events, the poll loop and signals. */
#include "runtime.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "gridseal/crypto_openssl.h"
#include "gridseal/error.h"
#include "util.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig) {
  (void)sig;
  stop_flag = 1;
}

void gs_rt_stop(void) {
  stop_flag = 1;
}

bool gs_rt_stopping(void) {
  return stop_flag != 0;
}

int gs_rt_common_opt(gs_rt_opts *o, int argc, char **argv, int *i) {
  const char *a = argv[*i];
  const char **dst = NULL;
  if (strcmp(a, "--config") == 0) {
    dst = &o->config;
  } else if (strcmp(a, "--events") == 0) {
    dst = &o->events;
  } else if (strcmp(a, "--transport") == 0) {
    dst = &o->transport;
  } else {
    return 0;
  }
  if (*i + 1 >= argc) {
    gs_app_err("%s needs a value", a);
    return -1;
  }
  *dst = argv[++*i];
  return 1;
}

void gs_rt_identity_parse(const char *s, gs_identity *out) {
  memset(out, 0, sizeof(*out));
  if (strncmp(s, "urn:", 4) == 0 || strstr(s, "://") != NULL) {
    out->kind = GS_ID_URI;
  } else if (strchr(s, '@') != NULL) {
    out->kind = GS_ID_XMPP;
  } else {
    out->kind = GS_ID_DNS;
  }
  snprintf(out->value, sizeof(out->value), "%s", s);
  if (out->kind == GS_ID_XMPP) {
    char *slash = strchr(out->value, '/'); /* a bare JID names the entity */
    if (slash != NULL) {
      *slash = '\0';
    }
  }
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

static const char *event_type(gs_event_kind k) {
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
  };
  return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}

static void on_engine_event(void *user, gs_session *s, const gs_event *ev) {
  gs_rt *rt = user;
  const char *diag = NULL;
  char detail[160] = "";
  if (ev->diag >= 0) {
    diag =
        ev->pdu_kind == GS_PDU_DT_SEC_ABORT ? gs_dt_diag_name(ev->diag) : gs_hs_diag_name(ev->diag);
    if (ev->err != GS_OK) {
      snprintf(detail, sizeof(detail), "%s", gs_errname(ev->err));
    }
  } else if (ev->err != GS_OK) {
    diag = gs_errname(ev->err);
  }
  size_t n = strlen(detail);
  if (ev->kind == GS_EV_KEY_UPDATE || ev->kind == GS_EV_GAP) {
    snprintf(detail + n, sizeof(detail) - n, "%scount=%llu", n ? " " : "",
             (unsigned long long)ev->count);
  } else if (ev->kind == GS_EV_ABORT_SENT || ev->kind == GS_EV_ABORT_RECEIVED ||
             ev->kind == GS_EV_REJECTED) {
    snprintf(detail + n, sizeof(detail) - n, "%s%s", n ? " " : "", gs_pdu_kind_name(ev->pdu_kind));
  }
  n = strlen(detail);
  if (rt->cur_peer != NULL) {
    snprintf(detail + n, sizeof(detail) - n, "%svia %s", n ? " " : "", rt->cur_peer);
  }
  const char *peer = ev->peer != NULL ? gs_rt_peer_name(ev->peer) : NULL;
  gs_emit(gs_app_now(), event_type(ev->kind), ev->asso_id && ev->asso_id[0] ? ev->asso_id : NULL,
          peer, diag, detail[0] ? detail : NULL);
  if (rt->app.on_event != NULL) {
    rt->app.on_event(rt->app.ctx, s, ev);
  }
}

void gs_rt_app_event(gs_rt *rt, const char *type, const gs_session *s, const char *diag,
                     const char *detail) {
  const char *assoc = s != NULL ? gs_session_asso_id(s) : NULL;
  const char *peer = s != NULL ? gs_rt_peer_name(gs_session_peer(s)) : NULL;
  gs_emit(gs_app_now(), type, assoc && assoc[0] ? assoc : NULL, peer && peer[0] ? peer : NULL, diag,
          detail);
  (void)rt;
}

/* ------------------------------------------------------------ sending */

/* SecPDU is a CHOICE of context tags [0]..[10] in gs_pdu_kind order. */
static int secpdu_kind(const uint8_t *p, size_t len) {
  if (len < 2 || (p[0] & 0xc0) != 0x80 || (p[0] & 0x1f) > GS_PDU_ENCR_TRANSFER) {
    return -1;
  }
  return p[0] & 0x1f;
}

size_t gs_rt_flush(gs_rt *rt, gs_session *s, gs_endpoint *ep, const char *peer, int mms_type,
                   int mms_service) {
  static uint8_t buf[GS_MAX_PDU_SIZE];
  size_t len = 0, sent = 0;
  for (;;) {
    int rc = s != NULL ? gs_session_pop_output(s, buf, sizeof(buf), &len)
                       : gs_endpoint_pop_output(ep, buf, sizeof(buf), &len);
    if (rc != GS_OK) {
      break;
    }
    int k = secpdu_kind(buf, len);
    gs_xport_kind xk =
        gs_xport_kind_of(k < 0 ? GS_PDU_CLEAR_TRANSFER : (gs_pdu_kind)k, mms_type, mms_service);
    rc = gs_xport_send(rt->xp, peer, xk, buf, len);
    if (rc != GS_OK) {
      char d[128];
      snprintf(d, sizeof(d), "to %s: %s", peer, gs_errname(rc));
      gs_rt_app_event(rt, "send-failed", s, gs_errname(rc), d);
    } else {
      sent++;
    }
  }
  return sent;
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
  e->pp = sec->pp;
}

void gs_rt_endpoint_config(gs_rt *rt, const gs_identity *expected, gs_endpoint_config *out) {
  *out = rt->ecfg;
  out->expected_peer = expected;
}

static int load_pki(gs_rt *rt) {
  const gs_cfg_identity *id = &rt->cfg.id;
  int rc = gs_pki_new(rt->crypto, &rt->pki);
  if (rc != GS_OK) {
    gs_app_err("pki: %s", gs_strerror(rc));
    return rc;
  }
  for (size_t i = 0; i < id->n_anchors; i++) {
    if ((rc = gs_pki_add_anchor_file(rt->pki, id->anchors[i])) != GS_OK) {
      gs_app_err("%s: cannot load trust anchor: %s", id->anchors[i], gs_strerror(rc));
      return rc;
    }
  }
  for (size_t i = 0; i < id->n_crls; i++) {
    if ((rc = gs_pki_add_crl_file(rt->pki, id->crls[i])) != GS_OK) {
      gs_app_err("%s: cannot load CRL: %s", id->crls[i], gs_strerror(rc));
      return rc;
    }
  }
  return GS_OK;
}

static bool cert_names(const gs_cert_info *ci, const gs_identity *id) {
  for (size_t i = 0; i < ci->n_identities; i++) {
    if (ci->identities[i].kind == id->kind && strcmp(ci->identities[i].value, id->value) == 0) {
      return true;
    }
  }
  return false;
}

static int load_identity(gs_rt *rt) {
  const gs_cfg_identity *id = &rt->cfg.id;
  int rc = gs_pki_load_cert_file(id->cert, &rt->cert_der, &rt->cert_len);
  if (rc != GS_OK) {
    gs_app_err("%s: cannot load certificate: %s", id->cert, gs_strerror(rc));
    return rc;
  }
  rc = gs_pki_validate(rt->pki, (gs_slice){rt->cert_der, rt->cert_len}, NULL, 0, NULL, gs_app_now(),
                       &rt->own);
  if (rc != GS_OK) {
    gs_app_err("%s: own certificate not valid now against the trust anchors: %s (%s)", id->cert,
               gs_strerror(rc), gs_errname(rc));
    return rc;
  }
  gs_rt_identity_parse(rt->cfg.identity, &rt->own_id);
  if (!cert_names(rt->own, &rt->own_id)) {
    gs_app_err("%s: certificate does not name the configured identity '%s'", id->cert,
               rt->cfg.identity);
    return GS_ERR_CONFIG;
  }
  rc = gs_ossl_privkey_load_file(rt->crypto, id->key, &rt->key);
  if (rc != GS_OK) {
    gs_app_err("%s: cannot load private key: %s", id->key, gs_strerror(rc));
    return rc;
  }
  return GS_OK;
}

static int apply_opts(gs_rt *rt, const gs_rt_opts *o, gs_cfg_role role) {
  static const char *const rn[] = {"", "cc", "der"};
  if (rt->cfg.role != role) {
    gs_app_err("%s: [node] role is '%s', this command needs '%s'", rt->cfg.file, rn[rt->cfg.role],
               rn[role]);
    return GS_ERR_CONFIG;
  }
  if (o->transport != NULL && gs_xport_parse_type(o->transport, &rt->cfg.transport.type) != 0) {
    gs_app_err("--transport: unknown transport '%s' (tcp | xmpp | mqtt | amqp)", o->transport);
    return GS_ERR_CONFIG;
  }
  const char *ev = o->events != NULL ? o->events : rt->cfg.log.events;
  if (gs_emit_open(ev) != 0) {
    gs_app_err("%s: cannot open the event log: %s", ev, strerror(errno));
    return GS_ERR_IO;
  }
  return GS_OK;
}

int gs_rt_init(gs_rt *rt, const gs_rt_opts *o, gs_cfg_role role, const gs_rt_app *app) {
  memset(rt, 0, sizeof(*rt));
  rt->app = *app;
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
  if (rc == GS_OK && (rc = load_pki(rt)) == GS_OK) {
    rc = load_identity(rt);
  }
  if (rc == GS_OK) {
    gs_endpoint_config_init(&rt->ecfg);
    rt->ecfg.crypto = rt->crypto;
    rt->ecfg.validator = gs_pki_validator(rt->pki);
    rt->ecfg.cert_der = rt->cert_der;
    rt->ecfg.cert_len = rt->cert_len;
    rt->ecfg.key = rt->key;
    security_to_endpoint(&rt->cfg.security, &rt->ecfg);
    rt->ecfg.on_event = on_engine_event;
    rt->ecfg.event_user = rt;
    char err[512];
    rc = gs_xport_open(&rt->cfg, &app->xcbs, &rt->xp, err, sizeof(err));
    if (rc != GS_OK) {
      gs_app_err("%s: %s", rt->cfg.file, err);
    }
  }
  if (rc != GS_OK) {
    gs_rt_free(rt);
    return GS_EXIT_FAIL;
  }
  return GS_EXIT_OK;
}

void gs_rt_free(gs_rt *rt) {
  gs_xport_free(rt->xp);
  rt->xp = NULL;
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
  gs_pki_free(rt->pki);
  rt->pki = NULL;
  gs_ossl_crypto_free(rt->crypto);
  rt->crypto = NULL;
  gs_emit_close();
}

/* ------------------------------------------------------------ the loop */

static int poll_once(gs_rt *rt, gs_time_ms deadline) {
  struct pollfd fds[GS_RT_MAX_FDS];
  size_t nx = gs_xport_pollfds(rt->xp, fds, GS_RT_MAX_FDS);
  size_t na = rt->app.pollfds ? rt->app.pollfds(rt->app.ctx, fds + nx, GS_RT_MAX_FDS - nx) : 0;
  gs_time_ms now = gs_app_now();
  gs_time_ms t = gs_xport_next_timer(rt->xp);
  if (rt->app.next_deadline != NULL) {
    gs_time_ms a = rt->app.next_deadline(rt->app.ctx);
    t = a < t ? a : t;
  }
  t = deadline < t ? deadline : t;
  gs_time_ms wait = t == INT64_MAX ? 1000 : t - now;
  wait = wait < 0 ? 0 : wait > 1000 ? 1000 : wait;
  int r = poll(fds, nx + na, (int)wait);
  if (r < 0 && errno != EINTR) {
    gs_app_err("poll: %s", strerror(errno));
    return -1;
  }
  if (r < 0) {
    for (size_t i = 0; i < nx + na; i++) {
      fds[i].revents = 0;
    }
  }
  now = gs_app_now();
  if (gs_xport_step(rt->xp, fds, nx, now) != GS_OK) {
    gs_app_err("transport: %s", rt->xp->err);
    return -1;
  }
  if (rt->app.on_fds != NULL && na > 0) {
    rt->app.on_fds(rt->app.ctx, fds + nx, na, now);
  }
  if (rt->app.tick != NULL) {
    rt->app.tick(rt->app.ctx, now);
  }
  return 0;
}

int gs_rt_run(gs_rt *rt) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  while (!stop_flag) {
    if (poll_once(rt, INT64_MAX) != 0) {
      return GS_EXIT_FAIL;
    }
  }
  gs_time_ms end = gs_app_now() + GS_RT_SHUTDOWN_MS;
  if (rt->app.shutdown != NULL) {
    rt->app.shutdown(rt->app.ctx, gs_app_now());
  }
  while (gs_app_now() < end) {
    bool done = rt->app.shutdown_done == NULL || rt->app.shutdown_done(rt->app.ctx);
    if (done && gs_xport_pending(rt->xp) == 0) {
      break;
    }
    if (poll_once(rt, end) != 0) {
      break;
    }
  }
  return GS_EXIT_OK;
}
