/* `gridseal cc --config FILE`: a control center, the E2E initiator and
 * IEC 61850 (MMS) client of every configured [der NAME].
 *
 * For each DER the transport keeps a connection (with back-off); on each
 * connection the control center runs one association: a HandshakeReq
 * carrying the MMS Initiate-Request, then reports in, set-points out, key
 * updates (--rekey-after, `rekey NAME`, or the engine's lifetime), and a
 * releaseReq carrying Conclude at exit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appmms.h"
#include "cc.h"
#include "cc_dash.h"
#include "commands.h"
#include "gridseal/error.h"
#include "util.h"

void gs_cmd_cc_usage(FILE *f) {
  fputs("usage: gridseal cc -c FILE [-e FILE|-] [-t T] [-s HOST:PORT] [-w DER=WATTS]...\n"
        "                   [-r DER]... [-R SECONDS] [-d SECONDS] [-H [ADDR:]PORT]\n\n"
        "Run a control center: the initiator side of IEC 62351-4 E2E security and the\n"
        "IEC 61850 (MMS) client of every [der NAME] in the configuration. Shows a live\n"
        "fleet table on a terminal (plain lines otherwise), logs measurements to the\n"
        "[log] csv file, and reads commands from standard input when it is a terminal\n"
        "or a pipe: `set DER WATTS`, `rekey DER`, `quit`. SIGINT/SIGTERM (or quit)\n"
        "release every association, then exit 0.\n\n"
        "  -c, --config FILE          configuration (docs/CONFIG.md), role = cc\n"
        "  -e, --events FILE|-        security events as JSON lines (overrides [log] events)\n"
        "  -t, --transport T          override [transport] type (tcp | xmpp | mqtt | amqp)\n"
        "  -s, --server HOST:PORT     override [transport] server (xmpp, mqtt, amqp)\n"
        "      --syslog               events to the local syslog too ([log] syslog)\n"
        "      --syslog-remote HOST:PORT\n"
        "                             events to an RFC 5425 collector over TLS\n"
        "                             ([log] syslog_remote; needs syslog_ca)\n"
        "  -w, --set DER=WATTS        send this set-point once DER is associated (repeatable)\n"
        "  -r, --read DER             read DER's rating (DGEN1 WMaxRtg) once associated\n"
        "  -R, --rekey-after SECONDS  key update on every association every SECONDS\n"
        "  -d, --run-for SECONDS      release everything and exit after SECONDS\n"
        "  -H, --http [ADDR:]PORT     serve /metrics (and the dashboard) over HTTP; PORT alone\n"
        "                             is 127.0.0.1:PORT; another address needs [http] TLS\n"
        "  -h, --help                 this text\n\n"
        "Options take their value as --opt VALUE or --opt=VALUE; -- ends the options.\n"
        "Exit status: 0 after a clean stop, 1 on a runtime failure (configuration,\n"
        "credentials, transport), 2 on a usage error.\n",
        f);
}

cc_der *cc_find(cc_app *a, const char *name) {
  for (size_t i = 0; i < a->n; i++) {
    if (strcmp(a->ders[i].cfg->name, name) == 0) {
      return &a->ders[i];
    }
  }
  return NULL;
}

static cc_der *der_of_session(cc_app *a, const gs_session *s) {
  for (size_t i = 0; i < a->n; i++) {
    if (s != NULL && a->ders[i].s == s) {
      return &a->ders[i];
    }
  }
  return NULL;
}

static void set_status(cc_app *a, cc_der *d, const char *st) {
  snprintf(d->status, sizeof(d->status), "%s", st);
  a->dirty = true;
}

static bool established(const cc_der *d) {
  return d->s != NULL && gs_session_state_get(d->s) == GS_STATE_ESTABLISHED;
}

static int send_mms(cc_app *a, cc_der *d, const gs_mms_pdu *pdu, gs_time_ms now) {
  uint8_t buf[GS_MMS_MAX_PDU_SIZE];
  size_t len = 0;
  int rc = gs_mms_encode(pdu, buf, sizeof(buf), &len);
  if (rc == GS_OK) {
    rc = gs_node_send(a->rt.node, d->s, buf, len,
                      gs_app_mms_kind((int)pdu->type, (int)pdu->service), now);
  }
  if (rc == GS_OK) {
    cc_metrics_pdu(a, d->mode, true, len);
  }
  return rc;
}

static void send_setpoint(cc_app *a, cc_der *d, float w, gs_time_ms now) {
  gs_mms_data nodes[GS_DERMODEL_OPER_NODES + 2];
  gs_mms_object_name names[2];
  gs_mms_arena ar;
  gs_mms_arena_init(&ar, nodes, sizeof(nodes) / sizeof(nodes[0]), names, 2);
  gs_dermodel_ctl ctl = {++d->ctl_num, now, 2, a->rt.cfg.identity, false};
  gs_mms_pdu pdu;
  int rc = gs_dermodel_build_setpoint(&pdu, ++d->invoke_id, d->ld, w, &ctl, &ar);
  /* the event is stamped with the moment the write went to the transport: a
   * transport that waits for its broker's confirmation (AMQP) may return
   * only after the DER has applied it */
  const gs_time_ms handed = gs_app_now();
  if (rc == GS_OK) {
    rc = send_mms(a, d, &pdu, now);
  }
  char val[32];
  snprintf(val, sizeof(val), "%.0f", (double)w);
  gs_evrec r = {0};
  r.time = handed;
  r.type = rc == GS_OK ? "setpoint-sent" : "send-failed";
  r.diag = rc == GS_OK ? NULL : gs_errname(rc);
  (void)gs_evrec_str(&r, "der", d->cfg->name);
  (void)gs_evrec_str(&r, "object", "WMaxSpt");
  (void)gs_evrec_str(&r, "value", val);
  (void)gs_evrec_num(&r, "invoke_id", d->invoke_id);
  (void)gs_evrec_str(&r, "error", rc == GS_OK ? NULL : gs_errname(rc));
  gs_rt_app_rec(&a->rt, d->s, &r);
  if (rc == GS_OK) {
    cc_req_sent(a, d, d->invoke_id, w, now); /* its outcome follows (cc_req.c) */
  }
  d->sent_w = w;
  cc_result(a, d, "set-point %.0f W sent", (double)w);
}

#define CC_READ_ITEM "DGEN1$CF$WMaxRtg$setMag$f"

static void send_read(cc_app *a, cc_der *d, gs_time_ms now) {
  static const char *const items[] = {CC_READ_ITEM};
  gs_mms_object_name names[1];
  gs_mms_arena ar;
  gs_mms_arena_init(&ar, NULL, 0, names, 1);
  gs_mms_pdu pdu;
  int rc = gs_dermodel_build_read(&pdu, ++d->invoke_id, d->ld, items, 1, &ar);
  if (rc == GS_OK) {
    rc = send_mms(a, d, &pdu, now);
  }
  gs_evrec r = {0};
  r.type = rc == GS_OK ? "read-sent" : "send-failed";
  r.diag = rc == GS_OK ? NULL : gs_errname(rc);
  (void)gs_evrec_str(&r, "der", d->cfg->name);
  (void)gs_evrec_str(&r, "object", "WMaxRtg");
  (void)gs_evrec_num(&r, "invoke_id", d->invoke_id);
  (void)gs_evrec_str(&r, "error", rc == GS_OK ? NULL : gs_errname(rc));
  gs_rt_app_rec(&a->rt, d->s, &r);
}

static void on_read_result(cc_app *a, cc_der *d, const gs_mms_pdu *pdu) {
  const gs_mms_results *r = &pdu->u.results;
  if (r->count == 1 && r->items[0].type == GS_MMS_DATA_FLOAT) {
    char val[32];
    snprintf(val, sizeof(val), "%.0f", (double)r->items[0].v.fp);
    gs_evrec e = {0};
    e.type = "read-result";
    (void)gs_evrec_str(&e, "der", d->cfg->name);
    (void)gs_evrec_str(&e, "object", "WMaxRtg");
    (void)gs_evrec_str(&e, "value", val);
    (void)gs_evrec_num(&e, "invoke_id", pdu->invoke_id);
    gs_rt_app_rec(&a->rt, d->s, &e);
    cc_result(a, d, "read WMaxRtg=%.0f W", (double)r->items[0].v.fp);
    return;
  }
  const char *why = r->count > 0 && r->items[0].type == GS_MMS_DATA_FAILURE
                        ? gs_mms_access_error_name(r->items[0].v.failure)
                        : "unexpected-result";
  gs_evrec e = {0};
  e.type = "read-refused";
  e.diag = why;
  (void)gs_evrec_str(&e, "der", d->cfg->name);
  (void)gs_evrec_str(&e, "object", "WMaxRtg");
  (void)gs_evrec_num(&e, "invoke_id", pdu->invoke_id);
  gs_rt_app_rec(&a->rt, d->s, &e);
  cc_error(a, d, "read refused: %s", why);
}

void cc_set(cc_app *a, cc_der *d, float w, gs_time_ms now) {
  if (established(d)) {
    send_setpoint(a, d, w, now);
  } else {
    d->set_pending = true;
    d->set_w = w;
    cc_result(a, d, "set-point %.0f W queued until associated", (double)w);
  }
}

void cc_rekey(cc_app *a, cc_der *d, gs_time_ms now) {
  if (!established(d)) {
    cc_error(a, d, "rekey: not associated");
    return;
  }
  int rc = gs_node_update_keys(a->rt.node, d->s, now);
  if (rc != GS_OK) {
    gs_evrec r = {0};
    r.type = "rekey-failed";
    r.diag = gs_errname(rc);
    (void)gs_evrec_str(&r, "der", d->cfg->name);
    gs_rt_app_rec(&a->rt, d->s, &r);
    cc_error(a, d, "rekey: %s", gs_errname(rc));
  } else {
    d->rekey_by = CC_REKEY_CC;
  }
}

static void start_association(cc_app *a, cc_der *d, gs_time_ms now) {
  gs_mms_pdu req;
  uint8_t buf[256];
  size_t len = 0;
  gs_dermodel_build_initiate_request(&req);
  int rc = gs_mms_encode(&req, buf, sizeof(buf), &len);
  if (rc == GS_OK) {
    rc = gs_node_connect(a->rt.node, d->cfg->name, &d->expected, buf, len, now, &d->s);
  }
  if (rc != GS_OK && d->s == NULL) {
    gs_app_err("%s: handshake not started: %s", d->cfg->name, gs_strerror(rc));
    return;
  }
  d->est = false;
  d->why[0] = '\0';
  d->hs_start = now;
  set_status(a, d, "handshake");
}

/* Start the next association with d once its connection is up and the
 * node's connect back-off allows it (docs/NODE.md, "Connect back-off"). */
static void try_connect(cc_app *a, cc_der *d, gs_time_ms now) {
  if (a->stopping || !d->up || d->s != NULL || d->taken_over || !a->sb.active) {
    d->waiting = false;
    if (!a->sb.active && d->up && !a->stopping) {
      set_status(a, d, "standby"); /* the primary holds the fleet */
    }
    return;
  }
  if (now < gs_node_connect_after(a->rt.node, d->cfg->name)) {
    d->waiting = true;
    return;
  }
  d->waiting = false;
  start_association(a, d, now);
}

/* An attempt ended before it was established: one line for the first
 * failure of a kind, then a summary line ever more rarely (failsum.h), and
 * one event per attempt (bounded by the back-off). */
static void attempt_failed(cc_app *a, cc_der *d, int err, gs_time_ms now) {
  char reason[GS_FAILSUM_REASON_MAX];
  if (d->why[0] != '\0') {
    snprintf(reason, sizeof(reason), "%s (%s)", d->why, gs_errname(err));
  } else {
    snprintf(reason, sizeof(reason), "%s (%s)",
             err == GS_ERR_IO ? "connection lost during the handshake" : gs_strerror(err),
             gs_errname(err));
  }
  uint32_t n = gs_node_connect_failures(a->rt.node, d->cfg->name);
  gs_time_ms next = gs_node_connect_after(a->rt.node, d->cfg->name) - now;
  next = next < 0 ? 0 : next;
  gs_evrec r = {0};
  r.type = "handshake-retry";
  r.diag = gs_errname(err);
  (void)gs_evrec_str(&r, "der", d->cfg->name);
  (void)gs_evrec_str(&r, "error", gs_errname(err));
  (void)gs_evrec_num(&r, "attempts", n);
  (void)gs_evrec_num(&r, "next_in_ms", (unsigned long long)next);
  gs_rt_app_rec(&a->rt, NULL, &r);
  if (!gs_failsum_note(&d->fails, reason)) {
    return;
  }
  if (d->fails.same == 1) {
    cc_note(a, d, "handshake failed: %s; next attempt in %.1f s", reason, (double)next / 1000);
  } else {
    cc_note(a, d, "handshake failing: %s (last %u attempts, next in %.1f s)", reason,
            (unsigned)d->fails.same, (double)next / 1000);
  }
}

/* The HandshakeAcc arrived: check the MMS Initiate-Response. */
static void on_established(void *ctx, gs_node *n, gs_session *s, const uint8_t *p, size_t len,
                           gs_time_ms now) {
  cc_app *a = ctx;
  cc_der *d = der_of_session(a, s);
  if (d == NULL) {
    return;
  }
  gs_mms_arena ar;
  gs_mms_arena_init(&ar, NULL, 0, NULL, 0);
  gs_mms_pdu rsp;
  if (gs_mms_decode(p, len, &ar, &rsp) != GS_OK || rsp.type != GS_MMS_INITIATE_RESPONSE) {
    gs_evrec r = {0};
    r.type = "association-aborted";
    r.diag = "initiate-response-missing";
    (void)gs_evrec_str(&r, "der", d->cfg->name);
    (void)gs_evrec_str(&r, "pdu", "handshakeAcc");
    gs_rt_app_rec(&a->rt, s, &r);
    (void)gs_node_abort(n, s, NULL, 0, now);
    return;
  }
  d->est = true;
  d->mode = gs_session_mode(s);
  d->associations++;
  cc_metrics_handshake_time(a, now - d->hs_start);
  d->next_rekey = now + a->rekey_after_ms;
  set_status(a, d, "associated");
  cc_note(a, d, "associated %s with %s (mode %s, association #%u)", gs_session_asso_id(s),
          gs_rt_peer_name(gs_session_peer(s)),
          d->mode == GS_MODE_AEAD  ? "aead"
          : d->mode == GS_MODE_ETM ? "encrypt-then-mac"
                                   : "integrity-only",
          (unsigned)d->associations);
  uint32_t failed = gs_failsum_reset(&d->fails);
  if (failed > 0) {
    cc_note(a, d, "handshake succeeded after %u failed attempts", (unsigned)failed);
  }
  if (d->read_pending) {
    d->read_pending = false;
    send_read(a, d, now);
  }
  if (d->set_pending) {
    d->set_pending = false;
    send_setpoint(a, d, d->set_w, now);
  }
}

static void on_write_result(cc_app *a, cc_der *d, const gs_mms_pdu *pdu) {
  float w;
  if (!cc_req_answered(d, pdu->invoke_id, &w)) {
    /* not awaited: answered after its setpoint-timeout, or never sent */
    cc_note(a, d, "write answer for invokeID %lu ignored: not awaited (late or unknown)",
            (unsigned long)pdu->invoke_id);
    return;
  }
  d->sent_w = w;
  const gs_mms_results *r = &pdu->u.results;
  bool ok = r->count > 0 && r->items[0].type == GS_MMS_DATA_SUCCESS;
  const char *why = ok             ? NULL
                    : r->count > 0 ? gs_mms_access_error_name(r->items[0].v.failure)
                                   : "empty-result";
  cc_req_event(a, d, d->s, ok ? "setpoint-accepted" : "setpoint-refused", pdu->invoke_id, w, why,
               0);
  if (ok) {
    cc_result(a, d, "set-point %.0f W accepted", (double)d->sent_w);
  } else {
    cc_error(a, d, "set-point %.0f W refused: %s", (double)d->sent_w, why);
  }
}

/* An MMS PDU from DER d that is not what the cc expects. */
static void cc_mms_event(cc_app *a, cc_der *d, const char *type, const char *diag) {
  gs_evrec r = {0};
  r.type = type;
  r.diag = diag;
  (void)gs_evrec_str(&r, "der", d->cfg->name);
  gs_rt_app_rec(&a->rt, d->s, &r);
}

static void on_data(void *ctx, gs_node *n, gs_session *s, const uint8_t *p, size_t len,
                    gs_time_ms now) {
  cc_app *a = ctx;
  cc_der *d = der_of_session(a, s);
  (void)n;
  if (d == NULL || !established(d)) {
    return;
  }
  cc_metrics_pdu(a, d->mode, false, len);
  gs_mms_data nodes[96];
  gs_mms_object_name names[16];
  gs_mms_arena ar;
  gs_mms_arena_init(&ar, nodes, 96, names, 16);
  gs_mms_pdu pdu;
  int rc = gs_mms_decode(p, len, &ar, &pdu);
  if (rc != GS_OK) {
    cc_mms_event(a, d, "mms-malformed", gs_errname(rc));
    return;
  }
  if (pdu.type == GS_MMS_UNCONFIRMED) {
    if (gs_dermodel_parse_report(&pdu, d->ld, &d->meas) == GS_OK) {
      d->have_meas = true;
      d->reports++;
      cc_csv_row(a, d, now);
      cc_note_report(a, d);
    } else {
      cc_mms_event(a, d, "mms-unexpected", "not-a-measurement-report");
    }
  } else if (pdu.type == GS_MMS_CONFIRMED_RESPONSE && pdu.service == GS_MMS_SVC_WRITE) {
    on_write_result(a, d, &pdu);
  } else if (pdu.type == GS_MMS_CONFIRMED_RESPONSE && pdu.service == GS_MMS_SVC_READ) {
    on_read_result(a, d, &pdu);
  } else if (pdu.type == GS_MMS_CONFIRMED_ERROR || pdu.type == GS_MMS_REJECT) {
    cc_mms_event(a, d, "mms-error", gs_mms_pdu_type_name(pdu.type));
    cc_error(a, d, "MMS %s", gs_mms_pdu_type_name(pdu.type));
  }
}

/* The DER asked to release: answer with Conclude-Response. */
static void on_release(void *ctx, gs_node *n, gs_session *s, const uint8_t *appl, size_t len,
                       gs_time_ms now) {
  (void)ctx;
  (void)appl;
  (void)len;
  gs_mms_pdu c;
  uint8_t buf[64];
  size_t blen = 0;
  gs_app_mms_conclude(&c, false);
  (void)gs_mms_encode(&c, buf, sizeof(buf), &blen);
  (void)gs_node_release(n, s, buf, blen, now);
}

/* The association is over: released, refused, failed, or its DER's
 * connection went down. */
static void on_closed(void *ctx, gs_node *n, gs_session *s, int err, gs_time_ms now) {
  cc_app *a = ctx;
  cc_der *d = der_of_session(a, s);
  if (d == NULL) {
    return;
  }
  cc_req_lost(a, d, s, err); /* writes still unanswered */
  d->s = NULL;
  bool was_est = d->est;
  d->est = false;
  if (err == GS_ERR_CLOSED) {
    return; /* dropped at shutdown: the status stays */
  }
  if (d->taken_over) { /* another control center has it: stay away (docs/STANDBY.md) */
    gs_evrec r = {0};
    r.type = "der-taken-over";
    (void)gs_evrec_str(&r, "der", d->cfg->name);
    (void)gs_evrec_str(&r, "error", gs_errname(err));
    gs_rt_app_rec(&a->rt, s, &r);
    set_status(a, d, "taken over");
    cc_error(a, d, "taken over by another control center; not associating again until restart");
    return;
  }
  if (!was_est) { /* a failed attempt: the node's back-off has grown */
    char st[64];
    snprintf(st, sizeof(st), "%s (%s)",
             err == GS_ERR_HANDSHAKE_REJECTED || err == GS_ERR_APPL_REJECTED ? "refused" : "failed",
             gs_errname(err));
    set_status(a, d, err == GS_ERR_IO ? "disconnected" : st);
    attempt_failed(a, d, err, now);
    if (err != GS_ERR_IO && !a->stopping) { /* drop the connection too */
      gs_transport_close_peer(gs_node_transport(n), d->cfg->name);
    }
    return;
  }
  if (err == GS_ERR_IO) {
    set_status(a, d, "disconnected");
    cc_note(a, d, "disconnected; retrying");
  } else if (err == GS_OK && d->reassociate) {
    set_status(a, d, "re-associating");
    cc_note(a, d, "released; associating again with the renewed certificate");
  } else if (err == GS_OK) {
    set_status(a, d, "released");
    cc_note(a, d, "released");
  } else {
    char st[64];
    snprintf(st, sizeof(st), "%s (%s)",
             err == GS_ERR_HANDSHAKE_REJECTED || err == GS_ERR_APPL_REJECTED ? "refused" : "failed",
             gs_errname(err));
    set_status(a, d, st);
    cc_error(a, d, "association ended: %s", st);
    if (!a->stopping) { /* drop the connection: retried later, with back-off */
      gs_transport_close_peer(gs_node_transport(n), d->cfg->name);
    }
  }
}

static void on_peer(void *ctx, gs_node *n, const char *peer, bool up, gs_time_ms now) {
  cc_app *a = ctx;
  if (cc_standby_peer(a, peer, up, now)) {
    return; /* the partner control center: presence only */
  }
  cc_der *d = cc_find(a, peer);
  if (d == NULL) {
    return;
  }
  d->up = up;
  if (!up) {
    d->waiting = false;
    if (strncmp(d->status, "refused", 7) != 0 && strncmp(d->status, "failed", 6) != 0) {
      set_status(a, d, "disconnected");
    }
    return;
  }
  if (a->stopping) {
    gs_transport_close_peer(gs_node_transport(n), peer);
    return;
  }
  try_connect(a, d, now);
}

static void on_event(void *ctx, gs_node *n, gs_session *s, const gs_event *ev, const char *xpeer) {
  cc_app *a = ctx;
  cc_der *d = der_of_session(a, s);
  (void)n;
  (void)xpeer;
  if (d != NULL && ev->kind == GS_EV_KEY_UPDATE) {
    d->last_key_update = gs_app_now();
    a->dirty = true;
  }
  if (d != NULL) {
    cc_key_event(a, d, ev);
  }
  /* why the handshake in progress fails when the DER refused it (a local
   * failure is named by its error in on_closed) */
  if (d != NULL && !d->est && ev->diag >= 0 &&
      (ev->kind == GS_EV_REJECTED || ev->kind == GS_EV_ABORT_RECEIVED)) {
    const char *dn = gs_hs_diag_name(ev->diag);
    snprintf(d->why, sizeof(d->why), "refused by the DER: %s", dn != NULL ? dn : "?");
  }
}

/* The DER's applAbort: the one that ends it for another control center's
 * association (GS_APP_ABORT_TAKEN_OVER) keeps this one away from it. */
static void on_abort(void *ctx, gs_node *n, gs_session *s, const uint8_t *appl, size_t len,
                     gs_time_ms now) {
  cc_app *a = ctx;
  cc_der *d = der_of_session(a, s);
  (void)n;
  (void)now;
  static const char tok[] = GS_APP_ABORT_TAKEN_OVER;
  if (d != NULL && len == sizeof(tok) - 1 && memcmp(appl, tok, len) == 0) {
    d->taken_over = true;
  }
}

static void on_transport(void *ctx, gs_node *n, gs_transport_status st, const char *peer, int err,
                         const char *msg) {
  (void)n;
  (void)err;
  (void)msg;
  if (peer == NULL) { /* the own server connection */
    cc_standby_transport(ctx, st, gs_app_now());
  }
}

static void tick(void *ctx, gs_time_ms now) {
  cc_app *a = ctx;
  if (!a->stopping && a->run_for_ms > 0 && now - a->start >= a->run_for_ms) {
    a->run_for_done = true;
    gs_rt_stop();
  }
  if (cc_standby_tick(a, now)) {
    for (size_t i = 0; i < a->n; i++) {
      try_connect(a, &a->ders[i], now);
    }
  }
  for (size_t i = 0; i < a->n; i++) {
    cc_der *d = &a->ders[i];
    if (!a->stopping && d->reassociate && d->s == NULL && d->up) {
      /* released on purpose after a reload: at once, not after a back-off */
      d->reassociate = false;
      d->waiting = false;
      start_association(a, d, now);
    } else if (d->waiting) {
      try_connect(a, d, now);
    }
    cc_req_tick(a, d, now);
    if (!a->stopping && a->rekey_after_ms > 0 && established(d) && now >= d->next_rekey) {
      d->next_rekey = now + a->rekey_after_ms;
      cc_rekey(a, d, now);
    }
  }
  cc_http_tick(a, now);
  cc_dash_tick(a, now);
  cc_draw(a, now, false);
}

static gs_time_ms next_deadline(void *ctx) {
  cc_app *a = ctx;
  gs_time_ms t = a->tty ? a->next_draw : INT64_MAX;
  gs_time_ms h = cc_http_deadline(a);
  t = h < t ? h : t;
  h = cc_standby_deadline(a);
  t = h < t ? h : t;
  h = cc_dash_deadline(a);
  t = h < t ? h : t;
  if (a->run_for_ms > 0 && !a->stopping) {
    gs_time_ms e = a->start + a->run_for_ms;
    t = e < t ? e : t;
  }
  for (size_t i = 0; i < a->n; i++) {
    const cc_der *d = &a->ders[i];
    if (a->rekey_after_ms > 0 && established(d)) {
      t = d->next_rekey < t ? d->next_rekey : t;
    }
    gs_time_ms q = cc_req_deadline(d);
    t = q < t ? q : t;
    if (d->waiting && !a->stopping) {
      gs_time_ms c = gs_node_connect_after(a->rt.node, d->cfg->name);
      t = c < t ? c : t;
    }
  }
  return t;
}

static void shutdown_all(void *ctx, gs_time_ms now) {
  cc_app *a = ctx;
  a->stopping = true;
  gs_mms_pdu c;
  uint8_t buf[64];
  size_t len = 0;
  gs_app_mms_conclude(&c, true);
  (void)gs_mms_encode(&c, buf, sizeof(buf), &len);
  for (size_t i = 0; i < a->n; i++) {
    cc_der *d = &a->ders[i];
    if (established(d)) {
      set_status(a, d, "releasing");
      if (gs_node_release(a->rt.node, d->s, buf, len, now) == GS_OK && d->s != NULL) {
        /* answered before the loop gives up (GS_RT_SHUTDOWN_MS), or release-timeout */
        gs_time_ms bound = a->rt.cfg.app.request_timeout_ms;
        cc_req_release_sent(d, bound < CC_RELEASE_AT_EXIT_MS ? bound : CC_RELEASE_AT_EXIT_MS, now);
      }
    } else if (d->s != NULL && gs_session_state_get(d->s) != GS_STATE_RELEASE_SENT) {
      (void)gs_node_close(a->rt.node, d->s, now); /* a handshake still waiting */
    }
  }
}

static bool shutdown_done(void *ctx) {
  cc_app *a = ctx;
  for (size_t i = 0; i < a->n; i++) {
    if (a->ders[i].s != NULL) {
      return false;
    }
  }
  return true;
}

/* The associations, for a reload (runtime.h). */
static size_t list_sessions(void *ctx, gs_session **out, size_t cap) {
  cc_app *a = ctx;
  size_t n = 0;
  for (size_t i = 0; i < a->n && n < cap; i++) {
    if (a->ders[i].s != NULL) {
      out[n++] = a->ders[i].s;
    }
  }
  return n;
}

/* on_reload = reassociate: release (Conclude), then associate again from
 * tick() once on_closed has seen the release. */
static void reassociate(void *ctx, gs_session *s, gs_time_ms now) {
  cc_app *a = ctx;
  cc_der *d = der_of_session(a, s);
  if (d == NULL || a->stopping) {
    return;
  }
  gs_mms_pdu c;
  uint8_t buf[64];
  size_t len = 0;
  gs_app_mms_conclude(&c, true);
  (void)gs_mms_encode(&c, buf, sizeof(buf), &len);
  d->reassociate = true;
  set_status(a, d, "releasing");
  if (gs_node_release(a->rt.node, s, buf, len, now) != GS_OK) {
    d->reassociate = false;
  } else if (d->s != NULL) {
    cc_req_release_sent(d, a->rt.cfg.app.request_timeout_ms, now);
  }
}

void cc_app_hooks(cc_app *a, gs_rt_app *out) {
  memset(out, 0, sizeof(*out));
  out->ctx = a;
  out->cb.on_established = on_established;
  out->cb.on_data = on_data;
  out->cb.on_release = on_release;
  out->cb.on_closed = on_closed;
  out->cb.on_peer = on_peer;
  out->cb.on_event = on_event;
  out->cb.on_transport = on_transport;
  out->cb.on_abort = on_abort;
  out->pollfds = cc_stdin_pollfds;
  out->on_fds = cc_stdin_io;
  out->tick = tick;
  out->next_deadline = next_deadline;
  out->shutdown = shutdown_all;
  out->shutdown_done = shutdown_done;
  out->sessions = list_sessions;
  out->reassociate = reassociate;
}
