/* Attack catalogue §3.2 (B1-B5): EVERY single-bit flip, EVERY truncation
 * and 1..8-octet extensions (plus a second copy appended) of reference
 * PDUs of each kind, fed by the relay to the endpoint that would accept
 * the original. Every variant must be rejected (0 accepted); when the
 * receiver survives, its state is unchanged (INV-1); when it does not, it
 * failed by local detection (integrity failure -> dtSecAbort on an
 * established association, handshakeSecAbort in a handshake), never by
 * acting on the PDU. No plaintext is delivered (INV-2). The original is
 * accepted afterwards. Worlds are deterministic (Ed25519 identities, fixed
 * DH keys, PRNG IVs), so a receiver that had to end is rebuilt and the
 * reference checked byte for byte. */
#include "sec_common.h"

typedef enum tgt_state { T_ENDPOINT, T_HS_SENT, T_ESTABLISHED, T_RELEASE_SENT } tgt_state;

typedef struct target {
  const char *name;
  int kind;                  /* expected gs_pdu_kind of the reference */
  int dir;                   /* direction of the reference */
  tgt_state st;              /* where the receiver waits */
  int (*build)(rl_world *w); /* from a restarted world: queue the reference last in q[dir] */
  gs_offer_mode offer;
} target;

typedef struct totals {
  unsigned long flips, truncs, exts, accepted, dropped, ended, rebuilds, kind_swaps;
} totals;

static totals g_all;

/* ------------------------------------------------ reference builders */
static int b_hs_req(rl_world *w) {
  return rl_connect(w);
}

static int b_hs_acc(rl_world *w) {
  int rc = rl_connect(w);
  rc = rc == GS_OK
           ? gs_endpoint_receive_hs(w->b.ep, w->q[0][0].data, w->q[0][0].len, w->now, &w->sb)
           : rc;
  rc = rc == GS_OK ? gs_session_accept(w->sb, w->now, (const uint8_t *)"rsp", 3) : rc;
  rl_drop(w, 0, 0);
  rl_collect(w, 1);
  return rc;
}

static int b_data(rl_world *w) {
  int rc = rl_handshake(w);
  rc = rc == GS_OK ? rl_send(w, 0, 40) : rc;
  rc = rc == GS_OK ? rl_deliver(w, 0, 0) : rc;
  rl_tick(w);
  return rc == GS_OK ? rl_send(w, 0, 40) : rc; /* reference: seq 1 */
}

static int b_rekey(rl_world *w) {
  int rc = rl_handshake(w);
  rc = rc == GS_OK ? rl_send(w, 0, 40) : rc;
  rc = rc == GS_OK ? rl_deliver(w, 0, 0) : rc;
  rc = rc == GS_OK ? gs_session_update_keys(w->sa, w->now) : rc;
  rl_collect(w, 0);
  return rc;
}

static int b_release_req(rl_world *w) {
  int rc = rl_handshake(w);
  rc = rc == GS_OK ? gs_session_release(w->sa, w->now, NULL, 0) : rc;
  rl_collect(w, 0);
  return rc;
}

static int b_release_rsp(rl_world *w) {
  int rc = b_release_req(w);
  rc = rc == GS_OK ? rl_deliver(w, 0, 0) : rc;
  rc = rc == GS_OK ? gs_session_release(w->sb, w->now, NULL, 0) : rc;
  rl_collect(w, 1);
  return rc;
}

static int b_appl_abort(rl_world *w) {
  int rc = rl_handshake(w);
  rc = rc == GS_OK ? gs_session_abort(w->sa, w->now, NULL, 0) : rc;
  rl_collect(w, 0);
  return rc;
}

static int b_dt_abort(rl_world *w) {
  int rc = rl_handshake(w);
  rc = rc == GS_OK ? rl_send(w, 0, 40) : rc;
  if (rc == GS_OK) {
    w->q[0][0].data[w->q[0][0].len - 1] ^= 1; /* the tag */
    rc = rl_deliver(w, 0, 0) == GS_ERR_AUTH_TAG ? GS_OK : GS_ERR_INTERNAL;
  }
  return rc; /* B's dtSecAbort is queued in q[1] */
}

static int b_sec_reject(rl_world *w) {
  int rc = rl_connect(w);
  gs_session *s = NULL;
  if (rc == GS_OK) {
    rc = gs_endpoint_receive_hs(w->b.ep, w->q[0][0].data, w->q[0][0].len, w->now, &s) ==
                 GS_ERR_POLICY
             ? GS_OK
             : GS_ERR_INTERNAL;
  }
  gs_session_free(s);
  rl_drop(w, 0, 0);
  rl_collect(w, 1);
  return rc;
}

static int b_sec_abort(rl_world *w) {
  int rc = b_hs_acc(w);
  return rc == GS_OK ? rl_deliver(w, 1, 0) == GS_ERR_PEER_IDENTITY ? GS_OK : GS_ERR_INTERNAL : rc;
}

static int b_appl_reject(rl_world *w) {
  int rc = rl_connect(w);
  rc = rc == GS_OK
           ? gs_endpoint_receive_hs(w->b.ep, w->q[0][0].data, w->q[0][0].len, w->now, &w->sb)
           : rc;
  rc = rc == GS_OK ? gs_session_refuse(w->sb, w->now, NULL, 0) : rc;
  rl_drop(w, 0, 0);
  rl_collect(w, 1);
  return rc;
}

static const gs_identity g_other = {GS_ID_URI, "urn:gridseal:somebody-else"};

static void configure(rl_world *w, const target *t) {
  w->a.cfg.offer = t->offer;
  if (t->build == b_sec_reject) {
    w->b.cfg.encryption = GS_ENCR_FORBIDDEN;
  }
  if (t->build == b_sec_abort) {
    w->a.cfg.expected_peer = &g_other;
    w->b.ignore_responder_name = true; /* B answers it anyway (insider, D16 off) */
  }
}

/* ------------------------------------------------ the sweep */
static gs_session *receiver(rl_world *w, const target *t) {
  return rl_sess(w, 1 - t->dir);
}

static bool alive(rl_world *w, const target *t) {
  if (t->st == T_ENDPOINT) {
    return true;
  }
  gs_session *s = receiver(w, t);
  gs_session_state want = t->st == T_HS_SENT        ? GS_STATE_HS_SENT
                          : t->st == T_RELEASE_SENT ? GS_STATE_RELEASE_SENT
                                                    : GS_STATE_ESTABLISHED;
  return s != NULL && gs_session_state_get(s) == want && gs_session_error(s) == GS_OK;
}

/* Restart the world and rebuild the reference; it must be the same bytes. */
static void rebuild(rl_world *w, const target *t, uint8_t **ref, size_t *len) {
  RL_EQ(w, rl_restart(w), GS_OK);
  RL_EQ(w, t->build(w), GS_OK);
  RL_REQUIRE(w, w->nq[t->dir] > 0);
  const rl_pdu *p = &w->q[t->dir][w->nq[t->dir] - 1];
  RL_EQ(w, p->kind, t->kind);
  if (*ref == NULL) {
    *ref = malloc(p->len);
    RL_REQUIRE(w, *ref != NULL);
    memcpy(*ref, p->data, p->len);
    *len = p->len;
  } else {
    RL_EQ(w, p->len, *len);
    RL_REQUIRE(w, memcmp(p->data, *ref, *len) == 0);
  }
  rl_drop(w, t->dir, w->nq[t->dir] - 1);
}

static const gs_event_kind g_acted[] = {GS_EV_HANDSHAKE_DONE, GS_EV_RELEASE_REQUESTED,
                                        GS_EV_RELEASED,       GS_EV_ABORT_RECEIVED,
                                        GS_EV_REJECTED,       GS_EV_KEY_UPDATE};

static unsigned acted(const rl_party *p) {
  unsigned n = 0;
  for (size_t i = 0; i < sizeof(g_acted) / sizeof(g_acted[0]); i++) {
    n += rl_events(p, g_acted[i]);
  }
  return n;
}

/* Feed one variant; returns true when it was accepted (acted upon). */
static bool feed_variant(rl_world *w, const target *t, const uint8_t *v, size_t len, totals *tot) {
  rl_party *rp = t->dir == 0 ? &w->b : &w->a;
  unsigned act = acted(rp);
  uint32_t delivered = w->delivered;
  bool accepted = false;
  if (t->st == T_ENDPOINT) {
    gs_session *s = NULL;
    int rc = gs_endpoint_receive_hs(w->b.ep, v, len, w->now, &s);
    accepted = rc == GS_OK || s != NULL;
    gs_session_free(s);
    rl_collect(w, 1);
    while (w->nq[1] > 0) {
      rl_drop(w, 1, 0);
    }
    tot->dropped += !accepted;
    return accepted;
  }
  gs_session *to = receiver(w, t);
  rl_snap before = rl_snapshot(to);
  unsigned ab = rl_events(rp, GS_EV_ABORT_SENT);
  gs_rx rx;
  int rc = rl_feed(w, t->dir, v, len, &rx);
  accepted = rc == GS_OK || rx.has_data || acted(rp) != act || w->delivered != delivered;
  RL_EQ(w, w->bad_deliveries, 0);
  if (!accepted && alive(w, t)) {
    rl_snap after = rl_snapshot(to);
    RL_REQUIRE(w, rl_same(&before, &after)); /* INV-1 */
    tot->dropped++;
  } else if (!accepted) {
    /* ended by local detection: it says so and tells the peer */
    int err = gs_session_error(to);
    RL_REQUIRE(w, err != GS_ERR_ABORTED && err != GS_ERR_APPL_REJECTED &&
                      err != GS_ERR_HANDSHAKE_REJECTED && err != GS_OK);
    RL_EQ(w, rl_events(rp, GS_EV_ABORT_SENT), ab + 1);
    gs_pdu_kind k = rl_last_event(rp, GS_EV_ABORT_SENT)->pdu_kind;
    RL_EQ(w, k, t->st == T_HS_SENT ? GS_PDU_HANDSHAKE_SEC_ABORT : GS_PDU_DT_SEC_ABORT);
    tot->ended++;
  }
  while (w->nq[1 - t->dir] > 0) { /* answers are not carried */
    rl_drop(w, 1 - t->dir, 0);
  }
  return accepted;
}

static void try_variant(rl_world *w, const target *t, uint8_t **ref, size_t *ref_len,
                        const uint8_t *v, size_t len, const char *what, size_t off, totals *tot) {
  if (!alive(w, t)) {
    rebuild(w, t, ref, ref_len);
    tot->rebuilds++;
  }
  rl_log(w, "mutate %s kind=%s %s offset=%zu len=%zu", t->name, rl_kind_name(t->kind), what, off,
         len);
  bool acc = feed_variant(w, t, v, len, tot);
  int vk = rl_kind(v, len);
  if (acc && off / 8 == 0 && len == *ref_len && vk >= 0 && vk != t->kind &&
      gs_pdu_is_notice((gs_pdu_kind)vk) && gs_pdu_is_notice((gs_pdu_kind)t->kind)) {
    /* finding SEC-1 (fixed, test_sec_finding_sec1_notice_kind): the notice
     * signature covers the SecPDU CHOICE tag (GS_NOTICE_SIG_BINDS_KIND), so
     * a rewritten tag must not verify. Named in the log and counted as
     * accepted too: the sweep requires 0 of both. */
    tot->kind_swaps++;
    rl_log(w, "KIND-SWAP %s -> %s offset=%zu", t->name, rl_kind_name(vk), off);
  }
  if (acc) {
    tot->accepted++;
    rl_log(w, "ACCEPTED %s %s offset=%zu", t->name, what, off);
    fprintf(stderr, "ACCEPTED variant: %s %s offset %zu (byte 0x%02x of %zu)\n", t->name, what,
            off / 8, off / 8 < *ref_len ? (*ref)[off / 8] : 0, *ref_len);
  }
}

static void sweep(const target *t, uint64_t seed) {
  rl_world w;
  sec_opts o = sec_defaults();
  o.ta = GS_TKEY_ED25519;
  o.tb = GS_TKEY_ED25519;
  o.det = true;
  o.offer = t->offer;
  sec_prepare(&w, seed, &o);
  configure(&w, t);
  RL_EQ(&w, rl_start(&w), GS_OK);
  uint8_t *ref = NULL;
  size_t n = 0;
  totals tot;
  memset(&tot, 0, sizeof(tot));
  rebuild(&w, t, &ref, &n);
  uint8_t *v = malloc(n * 2 + 16);
  RL_REQUIRE(&w, v != NULL);
  for (size_t bit = 0; bit < 8 * n; bit++) { /* B1-B3: every single-bit flip */
    memcpy(v, ref, n);
    v[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    try_variant(&w, t, &ref, &n, v, n, "flip", bit, &tot);
    tot.flips++;
  }
  for (size_t k = 0; k < n; k++) { /* B4: every truncation (all prefixes) */
    try_variant(&w, t, &ref, &n, ref, k, "truncate", k * 8, &tot);
    tot.truncs++;
  }
  for (size_t k = 1; k <= 9; k++) { /* B5: 1..8 octets appended, then a second copy */
    memcpy(v, ref, n);
    size_t add = k <= 8 ? k : n;
    for (size_t i = 0; i < add; i++) {
      v[n + i] = k <= 8 ? (uint8_t)rl_rand(&w.prng) : ref[i];
    }
    try_variant(&w, t, &ref, &n, v, n + add, "extend", add * 8, &tot);
    tot.exts++;
  }
  /* the original is accepted afterwards */
  if (!alive(&w, t)) {
    rebuild(&w, t, &ref, &n);
  }
  rl_party *rp = t->dir == 0 ? &w.b : &w.a;
  unsigned act = acted(rp);
  if (t->st == T_ENDPOINT) {
    gs_session *s = NULL;
    RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, ref, n, w.now, &s), GS_OK);
    gs_session_free(s);
  } else {
    int rc = rl_feed(&w, t->dir, ref, n, NULL);
    RL_REQUIRE(&w, rc == GS_OK || acted(rp) > act);
  }
  printf("%-20s %5zu octets: %6lu flips, %4lu truncations, %lu extensions: %lu accepted, %lu "
         "dropped, %lu ended by detection, %lu notice-kind swaps (SEC-1) (%lu rebuilds)\n",
         t->name, n, tot.flips, tot.truncs, tot.exts, tot.accepted, tot.dropped, tot.ended,
         tot.kind_swaps, tot.rebuilds);
  g_all.kind_swaps += tot.kind_swaps;
  g_all.flips += tot.flips;
  g_all.truncs += tot.truncs;
  g_all.exts += tot.exts;
  g_all.accepted += tot.accepted;
  RL_EQ(&w, w.bad_deliveries, 0);
  RL_EQ(&w, tot.accepted, 0);
  RL_EQ(&w, tot.kind_swaps, 0);
  free(v);
  free(ref);
  rl_free(&w);
}

#define TARGET(fn, nm, k, d, s, bld, off)                                                          \
  static void fn(void **st) {                                                                      \
    (void)st;                                                                                      \
    static const target t = {nm, k, d, s, bld, off};                                               \
    sweep(&t, 200 + (uint64_t)(k));                                                                \
  }

TARGET(test_B1_mutate_handshake_req, "handshakeReq", GS_PDU_HANDSHAKE_REQ, 0, T_ENDPOINT, b_hs_req,
       GS_OFFER_AEAD)
TARGET(test_B1_mutate_handshake_acc, "handshakeAcc", GS_PDU_HANDSHAKE_ACC, 1, T_HS_SENT, b_hs_acc,
       GS_OFFER_AEAD)
TARGET(test_B1_mutate_clear_transfer, "clearTransfer", GS_PDU_CLEAR_TRANSFER, 0, T_ESTABLISHED,
       b_data, GS_OFFER_INTEGRITY)
TARGET(test_B1_mutate_encr_transfer_aead, "encrTransfer-AEAD", GS_PDU_ENCR_TRANSFER, 0,
       T_ESTABLISHED, b_data, GS_OFFER_AEAD)
TARGET(test_B1_mutate_encr_transfer_etm, "encrTransfer-EtM", GS_PDU_ENCR_TRANSFER, 0, T_ESTABLISHED,
       b_data, GS_OFFER_ETM)
TARGET(test_B1_mutate_rekey, "encrTransfer-rekey", GS_PDU_ENCR_TRANSFER, 0, T_ESTABLISHED, b_rekey,
       GS_OFFER_AEAD)
TARGET(test_B1_mutate_release_req, "releaseReq", GS_PDU_RELEASE_REQ, 0, T_ESTABLISHED,
       b_release_req, GS_OFFER_AEAD)
TARGET(test_B1_mutate_release_rsp, "releaseRsp", GS_PDU_RELEASE_RSP, 1, T_RELEASE_SENT,
       b_release_rsp, GS_OFFER_AEAD)
TARGET(test_B1_mutate_appl_abort, "applAbort", GS_PDU_APPL_ABORT, 0, T_ESTABLISHED, b_appl_abort,
       GS_OFFER_AEAD)
TARGET(test_B1_mutate_dt_sec_abort, "dtSecAbort", GS_PDU_DT_SEC_ABORT, 1, T_ESTABLISHED, b_dt_abort,
       GS_OFFER_AEAD)
TARGET(test_B1_mutate_handshake_sec_reject, "handshakeSecReject", GS_PDU_HANDSHAKE_SEC_REJECT, 1,
       T_HS_SENT, b_sec_reject, GS_OFFER_AEAD)
TARGET(test_B1_mutate_handshake_sec_abort, "handshakeSecAbort", GS_PDU_HANDSHAKE_SEC_ABORT, 0,
       T_ESTABLISHED, b_sec_abort, GS_OFFER_AEAD)
TARGET(test_B1_mutate_application_reject, "applicationReject", GS_PDU_APPLICATION_REJECT, 1,
       T_HS_SENT, b_appl_reject, GS_OFFER_AEAD)

static int print_totals(void **st) {
  (void)st;
  printf("TOTAL: %lu flips tried, %lu truncations tried, %lu extensions tried, %lu accepted, %lu "
         "notice-kind swaps (finding SEC-1)\n",
         g_all.flips, g_all.truncs, g_all.exts, g_all.accepted, g_all.kind_swaps);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_B1_mutate_handshake_req),
      cmocka_unit_test(test_B1_mutate_handshake_acc),
      cmocka_unit_test(test_B1_mutate_clear_transfer),
      cmocka_unit_test(test_B1_mutate_encr_transfer_aead),
      cmocka_unit_test(test_B1_mutate_encr_transfer_etm),
      cmocka_unit_test(test_B1_mutate_rekey),
      cmocka_unit_test(test_B1_mutate_release_req),
      cmocka_unit_test(test_B1_mutate_release_rsp),
      cmocka_unit_test(test_B1_mutate_appl_abort),
      cmocka_unit_test(test_B1_mutate_dt_sec_abort),
      cmocka_unit_test(test_B1_mutate_handshake_sec_reject),
      cmocka_unit_test(test_B1_mutate_handshake_sec_abort),
      cmocka_unit_test(test_B1_mutate_application_reject),
  };
  return cmocka_run_group_tests(tests, NULL, print_totals);
}
