/* `gridseal der --config FILE`: a DER controller, the E2E responder and
 * IEC 61850 (MMS) server of a simulated PV plant (gs_dermodel).
 *
 * Accepts an association when the HandshakeReq carries an MMS
 * Initiate-Request (answered with the Initiate-Response), refuses it with
 * an Initiate-Error otherwise. Admits only the peers of its authorization
 * policy (allowed_peers / required_roles); serves reads, applies set-point
 * writes and sends a measurement report each report_interval only to peers
 * whose roles permit it ([roles]; others get object-access-denied and no
 * reports). A lost control center leaves the plant
 * running; a new association is accepted when it comes back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appmms.h"
#include "commands.h"
#include "der.h"
#include "gridseal/error.h"
#include "options.h"
#include "util.h"

/* An accepted association counts as established, and gets its line, once
 * its peer sends a verified PDU on it or it has lasted this long without
 * being aborted (an initiator that refuses the HandshakeAcc aborts within
 * one round trip). */
#define DER_CONFIRM_MS 2000
#define DER_RELEASE_AT_EXIT_MS (GS_RT_SHUTDOWN_MS - 1000) /* release-timeout at exit */

void gs_cmd_der_usage(FILE *f) {
  fputs("usage: gridseal der -c FILE [-e FILE|-] [-t tcp|xmpp|mqtt|amqp] [-s HOST:PORT]\n\n"
        "Run a DER controller: the responder side of IEC 62351-4 E2E security and the\n"
        "IEC 61850 (MMS) server of a simulated PV plant. It accepts associations whose\n"
        "handshake carries an MMS Initiate-Request from a peer [security] admits\n"
        "(allowed_peers, required_roles), answers reads and applies writes as the\n"
        "peer's roles permit ([roles]), and sends a measurement report to every\n"
        "association whose peer may read, each report_interval. SIGINT/SIGTERM\n"
        "release every association, then exit 0.\n\n"
        "  -c, --config FILE      configuration (docs/CONFIG.md), role = der\n"
        "  -e, --events FILE|-    security events as JSON lines (overrides [log] events)\n"
        "  -t, --transport T      override [transport] type (tcp, xmpp, mqtt, amqp)\n"
        "  -s, --server HOST:PORT override [transport] server (xmpp, mqtt, amqp)\n"
        "      --syslog           events to the local syslog too ([log] syslog)\n"
        "      --syslog-remote HOST:PORT\n"
        "                         events to an RFC 5425 collector over TLS\n"
        "                         ([log] syslog_remote; needs syslog_ca)\n"
        "  -h, --help             this text\n\n"
        "Options take their value as --opt VALUE or --opt=VALUE; -- ends the options.\n"
        "Exit status: 0 after a clean stop, 1 on a runtime failure (configuration,\n"
        "credentials, transport), 2 on a usage error.\n",
        f);
}

static gs_session **slot_of(der_app *a, const gs_session *s) {
  for (size_t i = 0; i < DER_MAX_ASSOC; i++) {
    if (a->as[i] == s) {
      return &a->as[i];
    }
  }
  return NULL;
}

/* The operations `need` (gs_dermodel_access) asks for, those of the
 * authorization model. */
static gs_authz_ops ops_of(unsigned need) {
  gs_authz_ops ops = 0;
  ops |= (need & GS_DERMODEL_ACCESS_READ) ? (gs_authz_ops)GS_AUTHZ_READ : 0;
  ops |= (need & GS_DERMODEL_ACCESS_CONTROL) ? (gs_authz_ops)GS_AUTHZ_WRITE_SETPOINT : 0;
  ops |= (need & GS_DERMODEL_ACCESS_SETTING) ? (gs_authz_ops)GS_AUTHZ_WRITE_SETTINGS : 0;
  return ops;
}

/* The first operation of `ops` the peer's roles do not permit (0: all are). */
static gs_authz_op missing_op(const der_app *a, const gs_cert_info *peer, gs_authz_ops ops) {
  static const gs_authz_op all[] = {GS_AUTHZ_READ, GS_AUTHZ_WRITE_SETPOINT,
                                    GS_AUTHZ_WRITE_SETTINGS};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
    if ((ops & (gs_authz_ops)all[i]) != 0 && !gs_rt_permits(&a->rt, peer, all[i])) {
      return all[i];
    }
  }
  return (gs_authz_op)0;
}

static size_t peer_assocs(void *ctx, const gs_cert_info *peer) {
  der_app *a = ctx;
  size_t n = 0;
  for (size_t i = 0; i < DER_MAX_ASSOC; i++) {
    if (a->as[i] != NULL && gs_rt_same_peer(gs_session_peer(a->as[i]), peer)) {
      n++;
    }
  }
  return n;
}

/* The plant's clock: the wall clock, or shifted so that it started at
 * [application] sim_hour (a demonstration with daylight at any hour). */
static gs_time_ms plant_now(const der_app *a, gs_time_ms now) {
  return now + a->sim_offset;
}

static gs_time_ms sim_offset(uint32_t hour, gs_time_ms now) {
  const gs_time_ms day = 86400000;
  return hour == GS_CFG_SIM_HOUR_OFF ? 0 : (gs_time_ms)hour * 3600000 - now % day;
}

/* Encode and send one MMS PDU on an association, as the transport kind of
 * its MMS type. */
static void send_mms(der_app *a, gs_session *s, const gs_mms_pdu *pdu, gs_time_ms now) {
  uint8_t buf[GS_MMS_MAX_PDU_SIZE];
  size_t len = 0;
  int rc = gs_mms_encode(pdu, buf, sizeof(buf), &len);
  if (rc == GS_OK) {
    rc = gs_node_send(a->rt.node, s, buf, len, gs_app_mms_kind((int)pdu->type, (int)pdu->service),
                      now);
  }
  if (rc != GS_OK) {
    gs_evrec r = {0};
    r.type = "send-failed";
    r.diag = gs_errname(rc);
    (void)gs_evrec_str(&r, "error", gs_errname(rc));
    (void)gs_evrec_str(&r, "pdu", gs_mms_pdu_type_name(pdu->type));
    if (pdu->type == GS_MMS_CONFIRMED_RESPONSE || pdu->type == GS_MMS_CONFIRMED_ERROR) {
      (void)gs_evrec_num(&r, "invoke_id", pdu->invoke_id);
    }
    gs_rt_app_rec(&a->rt, s, &r);
  }
}

static void log_write(der_app *a, gs_session *s, const gs_mms_pdu *resp) {
  for (size_t i = 0; i < resp->u.results.count; i++) {
    const gs_mms_data *r = &resp->u.results.items[i];
    char val[32];
    snprintf(val, sizeof(val), "%.0f", (double)a->model.wmax_spt_w);
    gs_evrec e = {0};
    (void)gs_evrec_str(&e, "object", "WMaxSpt");
    (void)gs_evrec_str(&e, "value", val);
    (void)gs_evrec_num(&e, "invoke_id", resp->invoke_id);
    if (r->type == GS_MMS_DATA_SUCCESS) {
      e.type = "setpoint-applied";
      gs_rt_app_rec(&a->rt, s, &e);
      gs_app_line("%s: set-point %.0f W from %s", a->rt.cfg.name, (double)a->model.wmax_spt_w,
                  gs_rt_peer_name(gs_session_peer(s)));
    } else {
      const char *why = gs_mms_access_error_name(r->v.failure);
      e.type = "write-refused";
      e.diag = why;
      (void)gs_evrec_str(&e, "reason", "model");
      gs_rt_app_rec(&a->rt, s, &e);
      gs_app_line("%s: write refused (%s)", a->rt.cfg.name, why);
    }
  }
}

static size_t slot_index(const der_app *a, const gs_session *s) {
  for (size_t i = 0; i < DER_MAX_ASSOC; i++) {
    if (s != NULL && a->as[i] == s) {
      return i;
    }
  }
  return DER_MAX_ASSOC;
}

/* The failure count of `peer`, made (or the oldest taken over) if asked. */
static gs_failsum *failing_of(der_app *a, const char *peer, bool make) {
  for (size_t i = 0; i < DER_MAX_FAILING; i++) {
    if (a->failing[i].f.same > 0 && strcmp(a->failing[i].peer, peer) == 0) {
      return &a->failing[i].f;
    }
  }
  if (!make) {
    return NULL;
  }
  der_failing *e = NULL;
  for (size_t i = 0; i < DER_MAX_FAILING && e == NULL; i++) {
    e = a->failing[i].f.same == 0 ? &a->failing[i] : NULL;
  }
  if (e == NULL) {
    e = &a->failing[a->next_failing++ % DER_MAX_FAILING];
  }
  memset(e, 0, sizeof(*e));
  snprintf(e->peer, sizeof(e->peer), "%s", peer);
  return &e->f;
}

/* Association i is established from both sides: its one line, and it
 * supersedes the older ones of its peer (der_writer.c). */
static void confirm(der_app *a, size_t i, gs_time_ms now) {
  if (i >= DER_MAX_ASSOC || a->acc_at[i] == 0) {
    return;
  }
  a->acc_at[i] = 0;
  gs_session *s = a->as[i];
  const char *peer = gs_rt_peer_name(gs_session_peer(s));
  gs_failsum *f = failing_of(a, peer, false);
  uint32_t failed = f != NULL ? gs_failsum_reset(f) : 0;
  if (failed > 0) {
    gs_app_line("%s: association %s with %s (after %u failed attempts)", a->rt.cfg.name,
                gs_session_asso_id(s), peer, (unsigned)failed);
  } else {
    gs_app_line("%s: association %s with %s", a->rt.cfg.name, gs_session_asso_id(s), peer);
  }
  der_supersede(a, i, now);
  der_single_writer(a, i, now);
}

/* Association i ended before it was confirmed: a failed attempt of its
 * peer, one line for the first, then ever more rarely (failsum.h). */
static void attempt_failed(der_app *a, size_t i, int err) {
  gs_session *s = a->as[i];
  const char *peer = gs_rt_peer_name(gs_session_peer(s));
  char reason[GS_FAILSUM_REASON_MAX];
  snprintf(reason, sizeof(reason), "%s (%s)",
           a->why[i][0] != '\0' ? a->why[i]
           : err == GS_ERR_IO   ? "connection lost"
                                : gs_strerror(err),
           gs_errname(err));
  gs_failsum *f = failing_of(a, peer, true);
  if (!gs_failsum_note(f, reason)) {
    return;
  }
  if (f->same == 1) {
    gs_app_line("%s: association with %s not completed: %s", a->rt.cfg.name, peer, reason);
  } else {
    gs_app_line("%s: associations with %s failing: %s (last %u attempts)", a->rt.cfg.name, peer,
                reason, (unsigned)f->same);
  }
}

static void on_event(void *ctx, gs_node *n, gs_session *s, const gs_event *ev, const char *xpeer) {
  der_app *a = ctx;
  (void)n;
  (void)xpeer;
  size_t i = slot_index(a, s);
  if (i == DER_MAX_ASSOC || a->acc_at[i] == 0) {
    return;
  }
  if (ev->kind == GS_EV_ABORT_RECEIVED && ev->diag >= 0) {
    const char *dn = gs_hs_diag_name(ev->diag);
    snprintf(a->why[i], sizeof(a->why[i]), "aborted by the peer: %s", dn != NULL ? dn : "?");
  } else if (ev->kind == GS_EV_KEY_UPDATE) {
    confirm(a, i, gs_app_now()); /* the peer took part in a key update */
  }
}

/* Answer one MMS request received on an established association. */
static void on_data(void *ctx, gs_node *n, gs_session *s, const uint8_t *p, size_t len,
                    gs_time_ms now) {
  der_app *a = ctx;
  (void)n;
  if (gs_session_state_get(s) != GS_STATE_ESTABLISHED) {
    return;
  }
  confirm(a, slot_index(a, s), now);
  gs_mms_data nodes[96];
  gs_mms_object_name names[16];
  gs_mms_arena ar;
  gs_mms_arena_init(&ar, nodes, 96, names, 16);
  gs_mms_pdu req, resp;
  memset(&resp, 0, sizeof(resp));
  if (gs_mms_decode(p, len, &ar, &req) != GS_OK) {
    gs_app_mms_reject(&resp);
    send_mms(a, s, &resp, now);
    return;
  }
  (void)gs_dermodel_step(&a->model, plant_now(a, now));
  bool is_write = req.type == GS_MMS_CONFIRMED_REQUEST && req.service == GS_MMS_SVC_WRITE;
  gs_authz_op lack = missing_op(a, gs_session_peer(s), ops_of(gs_dermodel_access_needed(&req)));
  if (lack != 0) {
    /* Refused as a whole: nothing of a partly permitted write is applied. */
    if (gs_app_mms_access_denied(&req, &ar, &resp) == GS_OK) {
      gs_evrec e = {0};
      e.type = is_write ? "write-refused" : "read-refused";
      e.diag = "object-access-denied";
      (void)gs_evrec_str(&e, "reason", "roles");
      (void)gs_evrec_str(&e, "op", gs_authz_op_name(lack));
      (void)gs_evrec_num(&e, "invoke_id", req.invoke_id);
      gs_rt_app_rec(&a->rt, s, &e);
      gs_app_line("%s: %s from %s refused (roles do not permit %s)", a->rt.cfg.name,
                  is_write ? "write" : "read", gs_rt_peer_name(gs_session_peer(s)),
                  gs_authz_op_name(lack));
      send_mms(a, s, &resp, now);
    }
    return;
  }
  if (gs_dermodel_handle(&a->model, &req, &ar, &resp) != GS_OK) {
    memset(&resp, 0, sizeof(resp));
    gs_app_mms_reject(&resp);
  } else if (is_write) {
    log_write(a, s, &resp);
  }
  send_mms(a, s, &resp, now);
}

/* A verified HandshakeReq: check the MMS Initiate-Request, answer. */
static void on_request(void *ctx, gs_node *n, gs_session *s, const uint8_t *setup, size_t len,
                       gs_time_ms now) {
  der_app *a = ctx;
  gs_session **slot = slot_of(a, NULL);
  uint8_t buf[512];
  size_t blen = 0;
  gs_mms_pdu req, rsp;
  if (slot == NULL || a->stopping) {
    gs_evrec e = {0};
    e.type = "handshake-ignored";
    (void)gs_evrec_str(&e, "reason", a->stopping ? "shutting-down" : "no-free-association");
    if (!a->stopping) {
      (void)gs_evrec_num(&e, "limit", DER_MAX_ASSOC);
    }
    gs_rt_app_rec(&a->rt, s, &e);
    gs_app_mms_initiate_error(&rsp);
    (void)gs_mms_encode(&rsp, buf, sizeof(buf), &blen);
    (void)gs_node_refuse(n, s, buf, blen, now);
    return;
  }
  gs_mms_arena ar;
  gs_mms_arena_init(&ar, NULL, 0, NULL, 0);
  bool ok = gs_mms_decode(setup, len, &ar, &req) == GS_OK && req.type == GS_MMS_INITIATE_REQUEST;
  if (ok) {
    gs_dermodel_build_initiate_response(&req, &rsp);
    ok = gs_mms_encode(&rsp, buf, sizeof(buf), &blen) == GS_OK;
  }
  bool replaced = ok && der_replaced_now(a, gs_session_peer(s));
  if (!ok || replaced) {
    gs_app_mms_initiate_error(&rsp);
    (void)gs_mms_encode(&rsp, buf, sizeof(buf), &blen);
    gs_evrec e = {0};
    e.type = "association-refused";
    e.diag = replaced ? "taken-over" : "initiate-error";
    (void)gs_evrec_str(&e, "pdu", "handshakeReq");
    gs_rt_app_rec(&a->rt, s, &e);
    (void)gs_node_refuse(n, s, buf, blen, now);
    return;
  }
  *slot = s;
  size_t i = (size_t)(slot - a->as);
  a->why[i][0] = '\0';
  a->acc_at[i] = now > 0 ? now : 1; /* its line once confirmed (confirm()) */
  (void)gs_node_accept(n, s, buf, blen, now);
}

/* The control center asked to release: answer with Conclude-Response. */
static void on_release(void *ctx, gs_node *n, gs_session *s, const uint8_t *appl, size_t len,
                       gs_time_ms now) {
  confirm(ctx, slot_index(ctx, s), now);
  (void)appl;
  (void)len;
  uint8_t buf[64];
  size_t blen = 0;
  gs_mms_pdu c;
  gs_app_mms_conclude(&c, false);
  (void)gs_mms_encode(&c, buf, sizeof(buf), &blen);
  (void)gs_node_release(n, s, buf, blen, now);
}

static void on_closed(void *ctx, gs_node *n, gs_session *s, int err, gs_time_ms now) {
  der_app *a = ctx;
  (void)now;
  gs_session **slot = slot_of(a, s);
  if (slot == NULL) {
    return; /* refused */
  }
  size_t i = (size_t)(slot - a->as);
  bool pending = a->acc_at[i] != 0;
  a->acc_at[i] = 0;
  a->release_by[i] = 0;
  if (pending && err != GS_ERR_CLOSED && err != GS_OK) {
    attempt_failed(a, i, err);
    *slot = NULL;
    return;
  }
  *slot = NULL;
  if (err == GS_ERR_IO) {
    gs_app_line("%s: association %s lost (%s gone)", a->rt.cfg.name, gs_session_asso_id(s),
                gs_node_session_peer(n, s));
  }
}

/* One report per interval, the same one (one sequence number) on every
 * association that may read: a peer that associated again while its old
 * association is still up (superseded only once the new one is confirmed)
 * misses none of them. */
static void send_reports(der_app *a, gs_time_ms now) {
  gs_mms_data nodes[GS_DERMODEL_REPORT_NODES + 4];
  gs_mms_arena ar;
  gs_mms_pdu rpt;
  bool built = false;
  for (size_t i = 0; i < DER_MAX_ASSOC; i++) {
    gs_session *s = a->as[i];
    if (s == NULL || gs_session_state_get(s) != GS_STATE_ESTABLISHED ||
        !gs_rt_permits(&a->rt, gs_session_peer(s), GS_AUTHZ_READ)) {
      continue; /* reports are reads: only to peers whose roles permit read */
    }
    if (!built) {
      gs_mms_arena_init(&ar, nodes, sizeof(nodes) / sizeof(nodes[0]), NULL, 0);
      if (gs_dermodel_build_report(&a->model, &ar, &rpt) != GS_OK) {
        return;
      }
      built = true;
    }
    send_mms(a, s, &rpt, now);
  }
}

/* A release this DER sent at exit and nobody answered: release-timeout,
 * and the association is ended here. */
static void release_timeout(der_app *a, size_t i, gs_time_ms now) {
  gs_session *s = a->as[i];
  a->release_by[i] = 0;
  if (s == NULL || gs_session_state_get(s) != GS_STATE_RELEASE_SENT) {
    return;
  }
  const char *assoc = gs_session_asso_id(s);
  gs_evrec r = {0};
  r.type = "release-timeout";
  (void)gs_evrec_num(&r, "timeout_ms", DER_RELEASE_AT_EXIT_MS);
  gs_rt_app_rec(&a->rt, s, &r);
  gs_app_line("%s: association %s: release unanswered after %d ms; ended locally", a->rt.cfg.name,
              assoc, (int)DER_RELEASE_AT_EXIT_MS);
  (void)gs_node_close(a->rt.node, s, now);
}

static void tick(void *ctx, gs_time_ms now) {
  der_app *a = ctx;
  (void)gs_dermodel_step(&a->model, plant_now(a, now));
  for (size_t i = 0; i < DER_MAX_ASSOC; i++) {
    if (a->as[i] != NULL && a->release_by[i] != 0 && now >= a->release_by[i]) {
      release_timeout(a, i, now);
    }
    if (a->as[i] != NULL && a->acc_at[i] != 0 && now - a->acc_at[i] >= DER_CONFIRM_MS) {
      confirm(a, i, now);
    }
  }
  if (!a->stopping && now >= a->next_report) {
    send_reports(a, now);
    a->next_report =
        now - a->next_report > a->interval ? now + a->interval : a->next_report + a->interval;
  }
}

static gs_time_ms next_deadline(void *ctx) {
  der_app *a = ctx;
  gs_time_ms t = a->stopping ? INT64_MAX : a->next_report;
  for (size_t i = 0; i < DER_MAX_ASSOC; i++) {
    if (a->as[i] != NULL && a->acc_at[i] != 0 && a->acc_at[i] + DER_CONFIRM_MS < t) {
      t = a->acc_at[i] + DER_CONFIRM_MS;
    }
    if (a->as[i] != NULL && a->release_by[i] != 0 && a->release_by[i] < t) {
      t = a->release_by[i];
    }
  }
  return t;
}

static void shutdown_all(void *ctx, gs_time_ms now) {
  der_app *a = ctx;
  a->stopping = true;
  uint8_t buf[64];
  size_t blen = 0;
  gs_mms_pdu c;
  gs_app_mms_conclude(&c, true);
  (void)gs_mms_encode(&c, buf, sizeof(buf), &blen);
  for (size_t i = 0; i < DER_MAX_ASSOC; i++) {
    gs_session *s = a->as[i];
    if (s == NULL) {
      continue;
    }
    if (gs_session_state_get(s) == GS_STATE_ESTABLISHED) {
      if (gs_node_release(a->rt.node, s, buf, blen, now) == GS_OK && a->as[i] != NULL) {
        a->release_by[i] = now + DER_RELEASE_AT_EXIT_MS; /* or release-timeout */
      }
    } else if (gs_session_state_get(s) != GS_STATE_RELEASE_SENT) {
      (void)gs_node_close(a->rt.node, s, now);
    }
  }
}

static bool shutdown_done(void *ctx) {
  der_app *a = ctx;
  for (size_t i = 0; i < DER_MAX_ASSOC; i++) {
    if (a->as[i] != NULL) {
      return false;
    }
  }
  return true;
}

/* The associations, for a reload (runtime.h). */
static size_t list_sessions(void *ctx, gs_session **out, size_t cap) {
  der_app *a = ctx;
  size_t n = 0;
  for (size_t i = 0; i < DER_MAX_ASSOC && n < cap; i++) {
    if (a->as[i] != NULL) {
      out[n++] = a->as[i];
    }
  }
  return n;
}

static int parse_args(int argc, char **argv, gs_rt_opts *o) {
  static const struct option lo[] = {GS_RT_LONGOPTS, {NULL, 0, NULL, 0}};
  opterr = 0;
  optind = 0; /* a fresh scan (glibc) */
  int c;
  while ((c = getopt_long(argc, argv, "+:" GS_RT_SHORTOPTS, lo, NULL)) != -1) {
    int r = gs_rt_parse_opt(o, "der", c, optarg);
    if (r < 0) {
      return GS_EXIT_USAGE;
    }
    if (r > 0) {
      continue;
    }
    if (c == 'h') {
      gs_cmd_der_usage(stdout);
      return GS_EXIT_HELP;
    }
    return gs_app_opt_error("der", c, lo, argv);
  }
  if (optind < argc) {
    return gs_app_opt_extra("der", argv[optind]);
  }
  if (o->config == NULL) {
    gs_app_err("der: --config FILE is required (see gridseal der --help)");
    return GS_EXIT_USAGE;
  }
  return GS_EXIT_OK;
}

int gs_cmd_der(int argc, char **argv) {
  gs_rt_opts o = {0};
  int rc = parse_args(argc, argv, &o);
  if (rc != GS_EXIT_OK) {
    return rc == GS_EXIT_HELP ? GS_EXIT_OK : rc;
  }
  der_app *a = calloc(1, sizeof(*a));
  if (a == NULL) {
    gs_app_err("out of memory");
    return GS_EXIT_FAIL;
  }
  gs_rt_app app;
  memset(&app, 0, sizeof(app));
  app.ctx = a;
  app.cb.on_request = on_request;
  app.cb.on_data = on_data;
  app.cb.on_release = on_release;
  app.cb.on_closed = on_closed;
  app.cb.on_event = on_event;
  app.tick = tick;
  app.next_deadline = next_deadline;
  app.shutdown = shutdown_all;
  app.shutdown_done = shutdown_done;
  app.peer_assocs = peer_assocs;
  app.sessions = list_sessions;
  rc = gs_rt_init(&a->rt, &o, GS_CFG_ROLE_DER, DER_MAX_ASSOC, &app);
  if (rc == GS_EXIT_OK) {
    char ld[GS_DERMODEL_MAX_LD + 1];
    gs_app_ld_name(a->rt.cfg.name, ld, sizeof(ld));
    int e = gs_dermodel_init(&a->model, ld, (float)a->rt.cfg.app.rating_kw * 1000.0f,
                             a->rt.cfg.app.seed);
    if (e == GS_OK) {
      a->interval = a->rt.cfg.app.report_interval_ms;
      a->next_report = gs_app_now() + a->interval;
      a->sim_offset = sim_offset(a->rt.cfg.app.sim_hour, gs_app_now());
      (void)gs_dermodel_step(&a->model, plant_now(a, gs_app_now()));
      gs_app_line("%s: DER %s (%s), rating %u kW, listening (%s)", a->rt.cfg.name, ld,
                  a->rt.cfg.identity, (unsigned)a->rt.cfg.app.rating_kw,
                  gs_cfg_transport_name(a->rt.cfg.transport.type));
      rc = gs_rt_run(&a->rt);
    } else {
      gs_app_err("%s: DER model: %s", a->rt.cfg.file, gs_strerror(e));
      rc = GS_EXIT_FAIL;
    }
    gs_rt_free(&a->rt);
  }
  free(a);
  return rc;
}
