/* The DER's rules for which associations a newer one ends (der.h,
 * docs/STANDBY.md): a restarted control center supersedes its own older
 * association; a DER holds one write-capable association at most. */
#include <stdio.h>
#include <string.h>

#include "der.h"
#include "util.h"

/* Association j is confirmed, established and not being released. */
static bool live(const der_app *a, size_t j) {
  return a->as[j] != NULL && a->acc_at[j] == 0 && a->release_by[j] == 0 &&
         gs_session_state_get(a->as[j]) == GS_STATE_ESTABLISHED;
}

/* End association j, superseded by `s` (association-superseded, then
 * applAbort; `reason` another-control-center carries
 * GS_APP_ABORT_TAKEN_OVER). */
static void end_older(der_app *a, size_t j, const gs_session *s, const char *reason,
                      gs_time_ms now) {
  static const char tok[] = GS_APP_ABORT_TAKEN_OVER;
  gs_session *o = a->as[j];
  bool other = strcmp(reason, "restarted") != 0;
  gs_evrec r = {0};
  r.type = "association-superseded";
  (void)gs_evrec_str(&r, "old_assoc", gs_session_asso_id(o));
  (void)gs_evrec_str(&r, "new_assoc", gs_session_asso_id(s));
  (void)gs_evrec_str(&r, "reason", reason);
  (void)gs_evrec_str(&r, "by", other ? gs_rt_peer_name(gs_session_peer(s)) : NULL);
  gs_rt_app_rec(&a->rt, o, &r);
  gs_app_line("%s: association %s superseded by %s%s%s", a->rt.cfg.name, gs_session_asso_id(o),
              gs_session_asso_id(s), other ? " of " : "",
              other ? gs_rt_peer_name(gs_session_peer(s)) : "");
  if (other) { /* refused while the newer writer holds this DER (der_replaced_now) */
    const char *id = gs_rt_peer_name(gs_session_peer(o));
    size_t k = 0;
    while (k < DER_MAX_REPLACED && strcmp(a->replaced[k], id) != 0) {
      k++;
    }
    if (k == DER_MAX_REPLACED) {
      snprintf(a->replaced[a->next_replaced++ % DER_MAX_REPLACED], sizeof(a->replaced[0]), "%s",
               id);
    }
  }
  const uint8_t *appl = other ? (const uint8_t *)tok : NULL;
  if (gs_node_abort(a->rt.node, o, appl, other ? sizeof(tok) - 1 : 0, now) != GS_OK &&
      a->as[j] == o) {
    (void)gs_node_close(a->rt.node, o, now);
  }
}

/* A control center this DER ended for another's asks again (docs/STANDBY.md):
 * true while a write-capable association of another identity is live (it
 * is refused: a primary back from a cut-off does not take the DER back);
 * once none is, it is forgotten and admitted. */
bool der_replaced_now(der_app *a, const gs_cert_info *peer) {
  const char *id = gs_rt_peer_name(peer);
  for (size_t k = 0; k < DER_MAX_REPLACED; k++) {
    if (a->replaced[k][0] == '\0' || strcmp(a->replaced[k], id) != 0) {
      continue;
    }
    for (size_t j = 0; j < DER_MAX_ASSOC; j++) {
      if (live(a, j) && !gs_rt_same_peer(gs_session_peer(a->as[j]), peer) &&
          gs_rt_permits(&a->rt, gs_session_peer(a->as[j]), GS_AUTHZ_WRITE_SETPOINT)) {
        return true;
      }
    }
    a->replaced[k][0] = '\0';
  }
  return false;
}

/* Association i, just confirmed, supersedes the older confirmed ones with
 * the same E2E peer identity (gs_rt_same_peer: certificate fingerprint or a
 * subject identity) over the same transport peer: that peer restarted and
 * associated again, so the older ones lead to a process that is gone. Each
 * is ended with applAbort (docs/PROTOCOL.md §3.3, §7.1) after an
 * association-superseded event, and reports go to the new one only. Only a
 * holder of the identity's private key completes the signed handshake, so
 * nobody else can end an association this way. */
void der_supersede(der_app *a, size_t i, gs_time_ms now) {
  gs_session *s = a->as[i];
  const char *xpeer = gs_node_session_peer(a->rt.node, s);
  for (size_t j = 0; j < DER_MAX_ASSOC; j++) {
    gs_session *o = a->as[j];
    if (j == i || !live(a, j) || !gs_rt_same_peer(gs_session_peer(o), gs_session_peer(s))) {
      continue;
    }
    const char *ox = gs_node_session_peer(a->rt.node, o);
    if (xpeer == NULL || ox == NULL || strcmp(xpeer, ox) != 0) {
      continue;
    }
    end_older(a, j, s, "restarted", now);
  }
}

/* The single-writer rule (docs/STANDBY.md): a DER holds at most one
 * association whose peer may write set-points. When association i, just
 * confirmed, may, every older confirmed one of another identity that may
 * too is ended: another control center has taken over (a hot standby, or a
 * second live one after a split). Its applAbort carries
 * GS_APP_ABORT_TAKEN_OVER, and that control center stays away, so two live
 * ones do not take the DER from each other in turn. The newest wins: only
 * a holder of an admitted control identity's key completes the handshake,
 * whatever the server says about presence. */
void der_single_writer(der_app *a, size_t i, gs_time_ms now) {
  gs_session *s = a->as[i];
  if (!gs_rt_permits(&a->rt, gs_session_peer(s), GS_AUTHZ_WRITE_SETPOINT)) {
    return;
  }
  for (size_t j = 0; j < DER_MAX_ASSOC; j++) {
    gs_session *o = a->as[j];
    if (j != i && live(a, j) && !gs_rt_same_peer(gs_session_peer(o), gs_session_peer(s)) &&
        gs_rt_permits(&a->rt, gs_session_peer(o), GS_AUTHZ_WRITE_SETPOINT)) {
      end_older(a, j, s, "another-control-center", now);
    }
  }
}
