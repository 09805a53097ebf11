/* The outcome of every request the control center makes (cc.h, cc_req_*):
 * set-point writes awaiting their answer, releases awaiting theirs. */
#include <stdio.h>
#include <string.h>

#include "cc.h"
#include "gridseal/error.h"
#include "util.h"

void cc_req_event(cc_app *a, cc_der *d, const gs_session *s, const char *type, uint32_t invoke_id,
                  float w, const char *diag, gs_time_ms timeout_ms) {
  bool lost = strcmp(type, "setpoint-lost") == 0;
  char val[32]; /* referenced by the record until it is emitted */
  gs_evrec r = {0};
  r.type = type;
  r.diag = lost ? NULL : diag;
  (void)gs_evrec_str(&r, "der", d->cfg->name);
  if (strcmp(type, "release-timeout") != 0) {
    snprintf(val, sizeof(val), "%.0f", (double)w);
    (void)gs_evrec_str(&r, "object", "WMaxSpt");
    (void)gs_evrec_str(&r, "value", val);
    (void)gs_evrec_num(&r, "invoke_id", invoke_id);
  }
  if (timeout_ms > 0) {
    (void)gs_evrec_num(&r, "timeout_ms", (unsigned long long)timeout_ms);
  }
  if (lost) {
    (void)gs_evrec_str(&r, "error", diag); /* what ended the association */
  }
  gs_rt_app_rec(&a->rt, s, &r);
}

void cc_req_sent(cc_app *a, cc_der *d, uint32_t invoke_id, float w, gs_time_ms now) {
  if (d->n_req == CC_MAX_OUTSTANDING) {
    /* too many unanswered: the oldest is given up as timed out */
    cc_req_event(a, d, d->s, "setpoint-timeout", d->req[0].invoke_id, d->req[0].w, NULL,
                 a->rt.cfg.app.request_timeout_ms);
    memmove(&d->req[0], &d->req[1], (d->n_req - 1) * sizeof(d->req[0]));
    d->n_req--;
  }
  cc_request *q = &d->req[d->n_req++];
  q->invoke_id = invoke_id;
  q->w = w;
  q->deadline = now + a->rt.cfg.app.request_timeout_ms;
}

bool cc_req_answered(cc_der *d, uint32_t invoke_id, float *w) {
  for (size_t i = 0; i < d->n_req; i++) {
    if (d->req[i].invoke_id == invoke_id) {
      *w = d->req[i].w;
      memmove(&d->req[i], &d->req[i + 1], (d->n_req - i - 1) * sizeof(d->req[0]));
      d->n_req--;
      return true;
    }
  }
  return false;
}

void cc_req_lost(cc_app *a, cc_der *d, const gs_session *s, int err) {
  for (size_t i = 0; i < d->n_req; i++) {
    cc_req_event(a, d, s, "setpoint-lost", d->req[i].invoke_id, d->req[i].w, gs_errname(err), 0);
    cc_error(a, d, "set-point %.0f W lost: the association ended (%s) before the answer",
             (double)d->req[i].w, gs_errname(err));
  }
  d->n_req = 0;
  d->release_by = 0;
}

void cc_req_release_sent(cc_der *d, gs_time_ms bound, gs_time_ms now) {
  d->release_by = now + bound;
  d->release_bound = bound;
}

void cc_req_tick(cc_app *a, cc_der *d, gs_time_ms now) {
  while (d->n_req > 0 && now >= d->req[0].deadline) {
    cc_req_event(a, d, d->s, "setpoint-timeout", d->req[0].invoke_id, d->req[0].w, NULL,
                 a->rt.cfg.app.request_timeout_ms);
    cc_error(a, d, "set-point %.0f W: no answer within %lld ms", (double)d->req[0].w,
             (long long)a->rt.cfg.app.request_timeout_ms);
    memmove(&d->req[0], &d->req[1], (d->n_req - 1) * sizeof(d->req[0]));
    d->n_req--;
  }
  if (d->release_by > 0 && now >= d->release_by) {
    d->release_by = 0;
    if (d->s != NULL && gs_session_state_get(d->s) == GS_STATE_RELEASE_SENT) {
      cc_req_event(a, d, d->s, "release-timeout", 0, 0, NULL, d->release_bound);
      cc_error(a, d, "release unanswered after %lld ms; association ended locally",
               (long long)d->release_bound);
      gs_session *s = d->s;
      cc_req_lost(a, d, s, GS_ERR_CLOSED);
      (void)gs_node_close(a->rt.node, s, now);
    }
  }
}

gs_time_ms cc_req_deadline(const cc_der *d) {
  gs_time_ms t = d->n_req > 0 ? d->req[0].deadline : INT64_MAX;
  if (d->release_by > 0 && d->release_by < t) {
    t = d->release_by;
  }
  return t;
}
