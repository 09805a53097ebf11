#include "gridseal/unstable/pdu.h"
/* Helpers shared by the security tests (header-only, static inline). */
#include "gridseal/unstable/pdu.h"
#ifndef GS_SEC_COMMON_H
#include "gridseal/unstable/pdu.h"
#define GS_SEC_COMMON_H
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gridseal/unstable/pdu.h"
#include <cmocka.h>

#include "gridseal/unstable/pdu.h"
#include "relay.h"

#include "gridseal/unstable/pdu.h"
#define SEC_TOL (10 * 60 * 1000LL) /* the default time tolerance */
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
/* Options of a world for one test. */
#include "gridseal/unstable/pdu.h"
typedef struct sec_opts {
#include "gridseal/unstable/pdu.h"
  gs_tkey_type ta, tb;
#include "gridseal/unstable/pdu.h"
  gs_replay_mode replay;
#include "gridseal/unstable/pdu.h"
  gs_offer_mode offer;
#include "gridseal/unstable/pdu.h"
  bool det;
#include "gridseal/unstable/pdu.h"
} sec_opts;
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
static inline sec_opts sec_defaults(void) {
#include "gridseal/unstable/pdu.h"
  sec_opts o;
#include "gridseal/unstable/pdu.h"
  memset(&o, 0, sizeof(o));
#include "gridseal/unstable/pdu.h"
  o.ta = GS_TKEY_P256;
#include "gridseal/unstable/pdu.h"
  o.tb = GS_TKEY_P256;
#include "gridseal/unstable/pdu.h"
  o.replay = GS_REPLAY_MODE_STRICT;
#include "gridseal/unstable/pdu.h"
  o.offer = GS_OFFER_AEAD;
#include "gridseal/unstable/pdu.h"
  return o;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
static inline void sec_prepare(rl_world *w, uint64_t seed, const sec_opts *o) {
#include "gridseal/unstable/pdu.h"
  rl_prepare(w, seed, o->ta, o->tb, o->det);
#include "gridseal/unstable/pdu.h"
  w->a.cfg.replay = o->replay;
#include "gridseal/unstable/pdu.h"
  w->b.cfg.replay = o->replay;
#include "gridseal/unstable/pdu.h"
  w->a.cfg.offer = o->offer;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
/* A started world with an established association. */
#include "gridseal/unstable/pdu.h"
static inline void sec_up(rl_world *w, uint64_t seed, const sec_opts *o) {
#include "gridseal/unstable/pdu.h"
  sec_prepare(w, seed, o);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, rl_start(w), GS_OK);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, rl_handshake(w), GS_OK);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, gs_session_state_get(w->sa), GS_STATE_ESTABLISHED);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, gs_session_state_get(w->sb), GS_STATE_ESTABLISHED);
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
static inline void sec_up_mode(rl_world *w, uint64_t seed, gs_replay_mode m) {
#include "gridseal/unstable/pdu.h"
  sec_opts o = sec_defaults();
#include "gridseal/unstable/pdu.h"
  o.replay = m;
#include "gridseal/unstable/pdu.h"
  sec_up(w, seed, &o);
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
/* A malloc'd copy of q[dir][idx]. */
#include "gridseal/unstable/pdu.h"
static inline uint8_t *sec_copy(rl_world *w, int dir, size_t idx, size_t *len) {
#include "gridseal/unstable/pdu.h"
  RL_REQUIRE(w, idx < w->nq[dir]);
#include "gridseal/unstable/pdu.h"
  *len = w->q[dir][idx].len;
#include "gridseal/unstable/pdu.h"
  uint8_t *b = malloc(*len ? *len : 1);
#include "gridseal/unstable/pdu.h"
  RL_REQUIRE(w, b != NULL);
#include "gridseal/unstable/pdu.h"
  memcpy(b, w->q[dir][idx].data, *len);
#include "gridseal/unstable/pdu.h"
  return b;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
/* Send one message from side dir and deliver it: must be accepted and
#include "gridseal/unstable/pdu.h"
 * delivered (the "next legitimate message" of INV-1). */
#include "gridseal/unstable/pdu.h"
static inline void sec_next_ok(rl_world *w, int dir) {
#include "gridseal/unstable/pdu.h"
  uint32_t before = w->delivered;
#include "gridseal/unstable/pdu.h"
  rl_tick(w);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, rl_send(w, dir, 40), GS_OK);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, rl_deliver(w, dir, w->nq[dir] - 1), GS_OK);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, w->delivered, before + 1);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, w->bad_deliveries, 0);
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
/* Feed a hostile PDU in direction dir and require a drop that keeps the
#include "gridseal/unstable/pdu.h"
 * association (INV-1: nothing but diagnostic counters moves; INV-5), the
#include "gridseal/unstable/pdu.h"
 * given error and one more event of kind `ev`; then the next legitimate
#include "gridseal/unstable/pdu.h"
 * message in that direction is accepted. */
#include "gridseal/unstable/pdu.h"
static inline void sec_drop(rl_world *w, int dir, const uint8_t *pdu, size_t len, int want,
#include "gridseal/unstable/pdu.h"
                            gs_event_kind ev) {
#include "gridseal/unstable/pdu.h"
  gs_session *to = rl_sess(w, 1 - dir);
#include "gridseal/unstable/pdu.h"
  rl_party *p = dir == 0 ? &w->b : &w->a;
#include "gridseal/unstable/pdu.h"
  rl_snap before = rl_snapshot(to);
#include "gridseal/unstable/pdu.h"
  unsigned n = rl_events(p, ev);
#include "gridseal/unstable/pdu.h"
  uint32_t delivered = w->delivered;
#include "gridseal/unstable/pdu.h"
  int rc = rl_feed(w, dir, pdu, len, NULL);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, rc, want);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, rl_events(p, ev), n + 1);
#include "gridseal/unstable/pdu.h"
  rl_snap after = rl_snapshot(to);
#include "gridseal/unstable/pdu.h"
  RL_REQUIRE(w, rl_same(&before, &after));
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, w->delivered, delivered);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, w->bad_deliveries, 0);
#include "gridseal/unstable/pdu.h"
  sec_next_ok(w, dir);
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
/* Feed a hostile PDU and require the §5 integrity outcome: the error, a
#include "gridseal/unstable/pdu.h"
 * GS_EV_INTEGRITY event, a dtSecAbort queued by the receiver, the
#include "gridseal/unstable/pdu.h"
 * association failed with that sticky error, nothing delivered. */
#include "gridseal/unstable/pdu.h"
static inline void sec_integrity_abort(rl_world *w, int dir, const uint8_t *pdu, size_t len,
#include "gridseal/unstable/pdu.h"
                                       int want) {
#include "gridseal/unstable/pdu.h"
  gs_session *to = rl_sess(w, 1 - dir);
#include "gridseal/unstable/pdu.h"
  rl_party *p = dir == 0 ? &w->b : &w->a;
#include "gridseal/unstable/pdu.h"
  unsigned n = rl_events(p, GS_EV_INTEGRITY);
#include "gridseal/unstable/pdu.h"
  unsigned ab = rl_events(p, GS_EV_ABORT_SENT);
#include "gridseal/unstable/pdu.h"
  uint32_t delivered = w->delivered;
#include "gridseal/unstable/pdu.h"
  size_t q = w->nq[1 - dir];
#include "gridseal/unstable/pdu.h"
  int rc = rl_feed(w, dir, pdu, len, NULL);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, rc, want);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, rl_events(p, GS_EV_INTEGRITY), n + 1);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, rl_events(p, GS_EV_ABORT_SENT), ab + 1);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, rl_last_event(p, GS_EV_ABORT_SENT)->pdu_kind, GS_PDU_DT_SEC_ABORT);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, w->nq[1 - dir], q + 1);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, w->q[1 - dir][q].kind, GS_PDU_DT_SEC_ABORT);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, gs_session_state_get(to), GS_STATE_FAILED);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, gs_session_error(to), want);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, w->delivered, delivered);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, w->bad_deliveries, 0);
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
/* Decode q-copied bytes, let `edit` change the structure, re-encode. */
#include "gridseal/unstable/pdu.h"
static inline uint8_t *sec_reencode(rl_world *w, const uint8_t *pdu, size_t len,
#include "gridseal/unstable/pdu.h"
                                    void (*edit)(gs_secpdu *p, void *u), void *u, size_t *out_len) {
#include "gridseal/unstable/pdu.h"
  gs_secpdu p;
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, gs_secpdu_decode(&p, pdu, len), GS_OK);
#include "gridseal/unstable/pdu.h"
  edit(&p, u);
#include "gridseal/unstable/pdu.h"
  uint8_t *b = malloc(RL_BUF);
#include "gridseal/unstable/pdu.h"
  RL_REQUIRE(w, b != NULL);
#include "gridseal/unstable/pdu.h"
  RL_EQ(w, gs_secpdu_encode(&p, b, RL_BUF, out_len), GS_OK);
#include "gridseal/unstable/pdu.h"
  return b;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
/* Feed an undecodable PDU in direction dir under the default malformed-PDU
 * policy (GS_MALFORMED_DROP, docs/PROTOCOL.md §5.2): the DER error, one more
 * GS_EV_MALFORMED and one more counted malformed PDU, no integrity failure,
 * nothing sent, the association otherwise untouched (INV-1); then the next
 * legitimate message in that direction is accepted. */
static inline void sec_malformed(rl_world *w, int dir, const uint8_t *pdu, size_t len, int want) {
  gs_session *to = rl_sess(w, 1 - dir);
  rl_party *p = dir == 0 ? &w->b : &w->a;
  gs_session_info i0, i1;
  RL_EQ(w, gs_session_get_info(to, &i0), GS_OK);
  unsigned integ = rl_events(p, GS_EV_INTEGRITY);
  unsigned ab = rl_events(p, GS_EV_ABORT_SENT);
  size_t q = w->nq[1 - dir];
  sec_drop(w, dir, pdu, len, want, GS_EV_MALFORMED);
  RL_EQ(w, gs_session_get_info(to, &i1), GS_OK);
  RL_EQ(w, i1.malformed, i0.malformed + 1);
  RL_EQ(w, i1.integrity_failures, i0.integrity_failures);
  RL_EQ(w, rl_events(p, GS_EV_INTEGRITY), integ);
  RL_EQ(w, rl_events(p, GS_EV_ABORT_SENT), ab);
  RL_EQ(w, rl_last_event(p, GS_EV_MALFORMED)->err, want);
  RL_EQ(w, w->nq[1 - dir], q); /* the next message's answer aside, nothing */
}

/* The same under GS_MALFORMED_ABORT: the DER error, GS_EV_MALFORMED, a
 * dtSecAbort protocol-error queued, the association failed with that
 * sticky error, nothing delivered. */
static inline void sec_malformed_abort(rl_world *w, int dir, const uint8_t *pdu, size_t len,
                                       int want) {
  gs_session *to = rl_sess(w, 1 - dir);
  rl_party *p = dir == 0 ? &w->b : &w->a;
  unsigned mal = rl_events(p, GS_EV_MALFORMED);
  unsigned ab = rl_events(p, GS_EV_ABORT_SENT);
  uint32_t delivered = w->delivered;
  size_t q = w->nq[1 - dir];
  int rc = rl_feed(w, dir, pdu, len, NULL);
  RL_EQ(w, rc, want);
  RL_EQ(w, rl_events(p, GS_EV_MALFORMED), mal + 1);
  RL_EQ(w, rl_events(p, GS_EV_ABORT_SENT), ab + 1);
  RL_EQ(w, rl_last_event(p, GS_EV_ABORT_SENT)->pdu_kind, GS_PDU_DT_SEC_ABORT);
  RL_EQ(w, rl_last_event(p, GS_EV_ABORT_SENT)->diag, GS_DT_PROTOCOL_ERROR);
  RL_EQ(w, w->nq[1 - dir], q + 1);
  RL_EQ(w, w->q[1 - dir][q].kind, GS_PDU_DT_SEC_ABORT);
  RL_EQ(w, gs_session_state_get(to), GS_STATE_FAILED);
  RL_EQ(w, gs_session_error(to), want);
  RL_EQ(w, w->delivered, delivered);
  RL_EQ(w, w->bad_deliveries, 0);
}

#endif
