/* Internal structures and helpers of the session engine (lib/session*.c,
 * replay.c, replay_cache.c, ratelimit.c). Not installed. */
#ifndef GRIDSEAL_SESSION_INTERNAL_H
#define GRIDSEAL_SESSION_INTERNAL_H

#include "alg_table.h"    /* wire id <-> provider enum */
#include "der_internal.h" /* gs_gtime_cache, gs_token2_encode_cached */
#include "gridseal/session.h"
#include "gridseal/testing.h" /* the hook and secrets types (fields unset in production) */
#include "gridseal/unstable/pdu.h"

/* ------------------------------------------------ replay.c (§5 ordering) */
typedef struct gs_replay {
  gs_replay_mode mode;
  bool any;        /* a seq has been accepted */
  uint32_t last;   /* highest accepted seq */
  uint64_t bitmap; /* window mode: bit i set = seq (last - i) accepted */
} gs_replay;

void gs_replay_init(gs_replay *r, gs_replay_mode mode);
/* GS_OK if `seq` may be accepted; GS_ERR_REPLAY (seen / strict seq <= last)
 * or GS_ERR_TOO_OLD (left of the window). Changes nothing. */
int gs_replay_check(const gs_replay *r, uint32_t seq);
/* Record an authenticated `seq` (call only after gs_replay_check() passed
 * and the PDU verified). Returns the number of seqs skipped (gap) when seq
 * moves the right edge, else 0. */
uint32_t gs_replay_update(gs_replay *r, uint32_t seq);

/* ---------------------------------- replay_cache.c (§3.3 e, handshakes) */
typedef struct gs_rc_entry {
  uint8_t fp[GS_FINGERPRINT_LEN];
  gs_time_ms time;
  uint8_t asso[GS_MAX_ASSOID_LEN];
  uint8_t asso_len;
  bool used;
  uint32_t hnext; /* hash chain, or the free list (index + 1, 0 = end) */
} gs_rc_entry;

typedef struct gs_replay_cache {
  gs_rc_entry *e;
  uint32_t *heads; /* hash buckets (index + 1) */
  size_t cap, nbuckets, n;
  uint32_t free_head;     /* free entries (index + 1, 0 = none) */
  gs_time_ms oldest;      /* the lowest time of the entries (n > 0) */
  gs_time_ms swept_below; /* entries older than this were dropped */
  uint64_t full_refused;  /* triples refused: every entry was live */
} gs_replay_cache;

/* 1..GS_REPLAY_CACHE_MAX entries. */
int gs_replay_cache_init(gs_replay_cache *c, size_t cap);
void gs_replay_cache_clear(gs_replay_cache *c);
/* GS_ERR_REPLAY if (fp, time, asso) is cached, or older than an entry
 * already aged out; else GS_OK. */
int gs_replay_cache_lookup(const gs_replay_cache *c, const uint8_t *fp, gs_time_ms time,
                           const uint8_t *asso, size_t asso_len);
/* Enter the triple. When the cache is full, the entries whose time is more
 * than `tol` before `now` are dropped first; if none is, nothing is evicted:
 * GS_ERR_LIMIT (counted in full_refused). GS_ERR_INVALID_ARG for an assoID
 * too long. */
int gs_replay_cache_insert(gs_replay_cache *c, const uint8_t *fp, gs_time_ms time,
                           const uint8_t *asso, size_t asso_len, gs_time_ms now, gs_time_ms tol);

/* --------------------------------------- ratelimit.c (token bucket) */
typedef struct gs_ratelimit {
  uint32_t rate;  /* tokens per second (bucket size too) */
  uint64_t milli; /* tokens x 1000 */
  gs_time_ms last;
  bool started;
} gs_ratelimit;

void gs_ratelimit_init(gs_ratelimit *rl, uint32_t rate_per_sec);
/* True (and one token taken) if an action is allowed at `now`. */
bool gs_ratelimit_take(gs_ratelimit *rl, gs_time_ms now);

/* ------------------------------------------------------ output queue */
typedef struct gs_outpdu {
  struct gs_outpdu *next;
  size_t len, cap;
  gs_pdu_kind kind;
  uint32_t tag;                     /* gs_session_send_tagged(), else 0 */
  char xpeer[GS_MAX_XPEER_LEN + 1]; /* endpoint queue: the request's peer */
  uint8_t data[];
} gs_outpdu;

typedef struct gs_outq {
  gs_outpdu *head, *tail;
  size_t n;
  gs_outpdu *spare; /* the last popped entry (cap <= GS_OUTQ_SPARE_MAX), reused */
} gs_outq;

#define GS_OUTQ_SPARE_MAX 8192u

gs_outpdu *gs_outq_alloc(size_t cap);
/* An entry of at least `cap` octets: the spare one when it is big enough
 * (no allocation on the data path), else a new one. */
gs_outpdu *gs_outq_take(gs_outq *q, size_t cap);
/* Return an uncommitted entry from gs_outq_take (wiped; kept as spare). */
void gs_outq_give_back(gs_outq *q, gs_outpdu *p);
/* Append p (its len, kind and tag set). GS_ERR_LIMIT when full (p wiped
 * and freed). */
int gs_outq_commit(gs_outq *q, gs_outpdu *p);
/* Copy the head out and drop it (wiped). */
int gs_outq_pop(gs_outq *q, uint8_t *buf, size_t cap, size_t *len);
/* Describe the head in place; xpeer NULL: the entry's own xpeer. */
int gs_outq_peek(const gs_outq *q, const char *xpeer, gs_output *o);
/* Drop (wipe, recycle) the head. GS_ERR_NOT_FOUND when empty. */
int gs_outq_ack(gs_outq *q);
/* Wipe and free every entry. */
void gs_outq_clear(gs_outq *q);

/* ------------------------------------------------------ own credentials */
/* The own certificate, its chain, the signing key and the attribute
 * certificate a handshake is signed with. The endpoint holds the current
 * set; every session takes a reference to the set current when it was
 * created and signs its handshake and notices with it, so a session begun
 * before gs_endpoint_set_credentials() keeps the key its peer knows.
 * The octets are copies held in `buf`; `key` is freed at the last
 * reference when `owns_key` (sets from gs_endpoint_set_credentials; the
 * key of gs_endpoint_config stays the caller's). */
typedef struct gs_creds {
  unsigned refs;
  bool owns_key;
  gs_privkey *key;
  gs_sig_alg sig_alg;
  const uint8_t *cert_der;
  size_t cert_len;
  gs_slice chain[GS_MAX_CERT_PATH];
  size_t n_chain;
  const uint8_t *att_der; /* NULL: none */
  size_t att_len;
  uint8_t *buf; /* cert, chain and attribute certificate octets */
} gs_creds;

/* A new set (refs = 1) with copies of the octets; NULL on no memory. */
gs_creds *gs_creds_new(const uint8_t *cert, size_t cert_len, const gs_slice *chain, size_t n_chain,
                       gs_privkey *key, gs_sig_alg alg, const uint8_t *att, size_t att_len);
void gs_creds_unref(const gs_crypto *c, gs_creds *cr);

/* ------------------------------------------------------ keys */
typedef struct gs_dir_keys {
  bool set;
  gs_aead_key *aead;
  gs_hmac_key *mac;
  gs_cbc_key *cbc;
  uint64_t count; /* PDUs sent / accepted under this key (AEAD nonce) */
  gs_time_ms born;
  uint32_t first_seq; /* receive: the first seq this key applies to */
} gs_dir_keys;

struct gs_session {
  gs_endpoint *ep;
  gs_session *next;
  gs_role role;
  char xpeer[GS_MAX_XPEER_LEN + 1]; /* bound transport peer, "" = unbound */
  gs_identity *expected;            /* A: overrides the endpoint's (heap), or NULL */
  gs_session_state state;
  int err;
  unsigned own_num;                 /* own assoID part */
  char asso[GS_MAX_ASSOID_LEN + 1]; /* "c" (initiator before Acc) or "c:s" */
  size_t asso_len;
  char acc_asso[GS_MAX_ASSOID_LEN + 1]; /* A: assoID of the answer being checked */
  size_t acc_asso_len;
  const gs_cert_info *peer;
  gs_creds *creds; /* own credentials this association signs with */
  /* negotiated */
  gs_dh_group group;
  gs_hash_alg hmac;
  gs_data_mode mode;
  gs_aead_alg aead;
  gs_cipher_alg encr;
  gs_hash_alg icv;
  /* The sender's Authenticator up to its ICV (SEQUENCE and AlgorithmIdentifier
   * headers, the OCTET STRING header), encoded once for `auth_hdr_icv`. */
  uint8_t auth_hdr[24];
  uint8_t auth_hdr_len; /* 0 = not encoded yet */
  gs_hash_alg auth_hdr_icv;
  gs_gtime_cache tx_time; /* the sender's last formatted second (ClearToken2) */
  /* handshake */
  gs_time_ms hs_started;
  size_t n_dh;
  gs_dh_priv *dh[GS_MAX_GROUPS];      /* A: one per offered group; B: its key
                                         (kept for the association, semi-static) */
  uint8_t peer_dh[GS_MAX_DH_PUB_LEN]; /* A: B's handshake public; B: A's */
  size_t peer_dh_len;
  uint8_t h_cur[GS_HASH_LEN], h_prev[GS_HASH_LEN];
  bool has_h_prev;
  uint8_t *setup; /* B: A's setup PDU copy (HS_RECEIVED) */
  size_t setup_len;
  uint8_t peer_fp[GS_FINGERPRINT_LEN];
  /* data transfer */
  uint32_t epoch;
  uint32_t tx_seq;
  bool tx_exhausted;
  bool seq_release_due;  /* §5.1: seq GS_MAX_SEQ - GS_SEQ_RELEASE_MARGIN used */
  gs_time_ms seq_due_at; /* when it was (the release deadline) */
  gs_dir_keys tx, rx, rx_prev, rx_next;
  uint32_t rx_switch_seq;  /* rx_prev applies to seq < this */
  uint32_t rx_amb_hi;      /* A, window mode, switch seen before changedKey:
                              seq in [rx_switch_seq, rx_amb_hi) may use either key */
  bool ck_implicit;        /* A: switched on a PDU under the new key; B's
                              changedKey PDU has not arrived yet */
  uint32_t key_wait_drops; /* B, window mode: PDUs dropped as "key not yet
                              available" in this epoch */
  uint64_t key_wait_total;
  uint32_t rekey_tokens; /* B: K7 token bucket */
  gs_time_ms rekey_refill_at;
  bool rekey_bucket_started;
  gs_replay rp;
  bool rx_time_any;
  gs_time_ms rx_last_time;
  uint64_t gaps, integrity_failures, replays;
  uint64_t malformed; /* undecodable PDUs attributed to this association */
  /* key update (§6) */
  bool rekey_pending;    /* A: rekey sent, awaiting changedKey */
  bool want_rekey;       /* A: rekey with the next PDU */
  bool send_changed_key; /* B: next PDU carries changedKey */
  bool req_rekey_sent;   /* B: reqRekey sent in this epoch */
  gs_time_ms rekey_at;   /* A: when the pending rekey PDU M was queued */
  /* half-open responder (§5.4) */
  gs_time_ms est_at; /* B: when it accepted (ESTABLISHED) */
  bool peer_seen;    /* a verified data PDU or notice of the peer arrived */
  /* liveness (§5.4, idle_timeout_ms) */
  gs_time_ms rx_at; /* the last verified PDU of the peer, or ESTABLISHED */
  gs_time_ms tx_at; /* the last data PDU queued, or ESTABLISHED */
  gs_outq out;
  gs_test_secrets *secrets; /* testing only */
};

struct gs_endpoint {
  gs_endpoint_config cfg;
  gs_identity expected;
  bool has_expected;
  char pp[GS_MAX_PP_LEN + 1];
  size_t pp_len;
  gs_creds *creds; /* current own credentials (new sessions take these) */
  gs_replay_cache rc;
  gs_ratelimit rl;
  gs_session *sessions;
  unsigned next_num;
  gs_outq out;
  uint64_t foreign_dropped, unknown_dropped; /* gs_endpoint_receive drops */
  uint64_t misdirected_dropped;              /* D16: requests for another responder */
  uint64_t malformed;                        /* gs_endpoint_receive: PDUs that did not decode */
  bool has_hooks;
  gs_test_hooks hooks;
};

/* ------------------------------------------------------ session.c */
void gs_sess_event(gs_endpoint *ep, gs_session *s, gs_event_kind kind, int err, int diag,
                   gs_pdu_kind pk, uint64_t count);
/* The same, naming the certificate that did not validate (gs_event.cert). */
void gs_sess_event_cert(gs_endpoint *ep, gs_session *s, gs_event_kind kind, int err, gs_pdu_kind pk,
                        gs_slice cert);
/* Wipe every key, set FAILED with `err` (sticky); returns err. */
int gs_sess_fail(gs_session *s, int err);
/* Wipe every key and set CLOSED. */
void gs_sess_close(gs_session *s);
void gs_sess_wipe_keys(gs_session *s);
gs_session *gs_sess_alloc(gs_endpoint *ep, gs_role role);
int gs_sess_alloc_num(gs_endpoint *ep, unsigned *num);
/* session_stats.c: sessions not CLOSED or FAILED (against max_sessions). */
size_t gs_sess_live_count(const gs_endpoint *ep);
/* Verify a signature (skipped in the fuzzing-only build). */
int gs_sess_verify(const gs_crypto *c, const gs_pubkey *k, gs_sig_alg alg, const gs_iov *parts,
                   size_t n, gs_slice sig);
bool gs_sess_time_ok(const gs_endpoint *ep, gs_time_ms t, gs_time_ms now);
/* New DH key (test hook or fresh). */
int gs_sess_dh_new(gs_session *s, gs_dh_group g, uint32_t epoch, gs_dh_priv **priv, uint8_t *pub,
                   size_t *pub_len);
int gs_sess_random(gs_session *s, uint8_t *out, size_t len);
/* The peer holds the identity the session expects (its own, else the
 * endpoint's expected_peer; true when neither is set). */
bool gs_sess_identity_ok(const gs_session *s, const gs_cert_info *peer);
/* True if `cert` is byte for byte the endpoint's own certificate (same
 * octets, same fingerprint): a handshake PDU carrying it is the endpoint's
 * own PDU reflected back (catalogue M2), refused with GS_ERR_REFLECTION. */
bool gs_sess_own_cert(const gs_endpoint *ep, gs_slice cert);
int gs_sess_peer_check(const gs_endpoint *ep, const gs_cert_info *peer, gs_role role);
/* `key` (of signature algorithm `alg`) signs what the certificate's public
 * key verifies: GS_OK, GS_ERR_KEY_MISMATCH, or GS_ERR_CONFIG (the
 * certificate's key cannot be read). */
int gs_sess_key_matches_cert(const gs_crypto *c, const uint8_t *cert, size_t cert_len,
                             gs_privkey *key, gs_sig_alg alg);

/* ------------------------------------------------------ session_keys.c */
/* out = H(content || prev) */
int gs_sess_chain(const gs_crypto *c, const uint8_t *content, size_t len, const uint8_t *prev,
                  uint8_t out[GS_HASH_LEN]);
/* §4: derive the epoch's keys from Z and salt h into *tx / *rx (own send
 * and receive direction); records the secrets in test mode. */
int gs_sess_derive(gs_session *s, const uint8_t *z, size_t z_len, const uint8_t *h,
                   const uint8_t *h_prev, gs_dir_keys *tx, gs_dir_keys *rx, gs_time_ms now);
void gs_sess_keys_free(const gs_crypto *c, gs_dir_keys *k);

/* ------------------------------------------------------ session_hs_init.c */
int gs_sess_init_handle_acc(gs_session *s, const gs_secpdu *p, gs_time_ms now, uint8_t *out,
                            size_t cap, gs_rx *rx);
/* D16, responder, after the request's signature verified: GS_OK when
 * token1.responder names one of the own certificate's identities (kind and
 * value), or is absent and accept_unnamed_requests is set; otherwise
 * GS_ERR_WRONG_RESPONDER (GS_EV_MALFORMED raised, counted). */
int gs_sess_check_responder_name(gs_endpoint *ep, const gs_token1 *t1);
/* True if the DER certificate `cert` has a subjectAltName of `kind` with
 * exactly `value` (xmppAddr otherName, uniformResourceIdentifier, dNSName). */
bool gs_sess_cert_names(gs_slice cert, gs_identity_kind kind, const uint8_t *value, size_t len);
/* Send handshakeSecAbort with `diag` (binding h_b: the chain value of the
 * verified HandshakeAcc it answers) and fail with `err`. */
int gs_sess_init_abort(gs_session *s, gs_time_ms now, int diag, int err, const uint8_t *h_b);

/* ------------------------------------------------------ session_notice.c */
/* Build, sign and queue a SignedNotice. binding NULL: pkCert form. */
int gs_sess_notice_send(gs_endpoint *ep, const gs_creds *cr, gs_outq *q, gs_pdu_kind kind,
                        const char *asso, size_t asso_len, int diag, const uint8_t *binding,
                        const uint8_t *appl, size_t appl_len, gs_time_ms now);
/* handshakeSecReject / applicationReject (D17): pkCert form plus binding =
 * h_req, the chain value h_A of the request it answers (H(tbs_A || h_0)). */
int gs_sess_reject_send(gs_endpoint *ep, const gs_creds *cr, gs_outq *q, gs_pdu_kind kind,
                        const char *asso, size_t asso_len, int diag,
                        const uint8_t h_req[GS_HASH_LEN], const uint8_t *appl, size_t appl_len,
                        gs_time_ms now);
int gs_sess_notice_receive(gs_session *s, const gs_secpdu *p, gs_time_ms now, uint8_t *out,
                           size_t cap, gs_rx *rx);
/* dtSecAbort with diag, event, fail with err. */
int gs_sess_dt_abort(gs_session *s, gs_time_ms now, int diag, int err);

/* ------------------------------------------------------ session_data.c */
/* Protect and queue a data PDU (flags from the rekey state) with the
 * application's tag (0: none). */
int gs_sess_data_send(gs_session *s, gs_time_ms now, const uint8_t *data, size_t len, uint32_t tag);
/* §5.1: the orderly release of a sender near the end of its seq space
 * (seq_release_due): GS_EV_LIMIT (GS_ERR_SEQ_EXHAUSTED) and releaseReq in
 * ESTABLISHED. GS_OK, or the error of queueing the releaseReq (it stays
 * due). */
int gs_sess_seq_release(gs_session *s, gs_time_ms now);
int gs_sess_data_receive(gs_session *s, const gs_secpdu *p, gs_time_ms now, uint8_t *out,
                         size_t cap, gs_rx *rx);
/* session_rx.c, the malformed-PDU policy (§5.2): a PDU that did not decode
 * (err) handed to s: GS_EV_MALFORMED; in a data state counted and, under
 * GS_MALFORMED_ABORT or past malformed_threshold, dtSecAbort protocol-error.
 * Returns err (or the abort's error). */
int gs_sess_malformed(gs_session *s, int err, gs_time_ms now);
/* gs_endpoint_receive: the one association in a data state bound to xpeer
 * (and of role, unless -1), or NULL when there is none or more than one. */
gs_session *gs_sess_malformed_target(gs_endpoint *ep, const char *xpeer, int role);

/* ------------------------------------------------------ session_rekey.c */
/* A: prepare a' and its public value for the next PDU. */
int gs_sess_rekey_prepare(gs_session *s, gs_dh_priv **priv, uint8_t *pub, size_t *pub_len);
/* A: after M was protected: derive the new epoch from M's tbp content. */
int gs_sess_rekey_commit_sender(gs_session *s, gs_dh_priv *priv, gs_slice tbp_content,
                                uint32_t m_seq, gs_time_ms now);
/* Which receive key verified a PDU. */
#define GS_RXKEY_CUR 0
#define GS_RXKEY_PREV 1
#define GS_RXKEY_NEXT 2
/* Rekey fields of an authenticated data PDU (§6); may queue answers.
 * `which`: the key that verified it; `lo`: the lowest seq above every seq
 * accepted before this PDU (A: where B's new epoch may start). */
int gs_sess_rekey_on_receive(gs_session *s, const gs_transfer *x, int which, uint32_t lo,
                             gs_time_ms now);
/* Key limits: sets want_rekey / reqRekey, aborts past 2x (B). */
int gs_sess_limits_check(gs_session *s, gs_time_ms now);
/* A: send the due key update (want_rekey) at once as an empty M, unless
 * the previous one is incomplete; a full output queue is not an error. */
int gs_sess_rekey_now(gs_session *s, gs_time_ms now);
/* Window mode: wipe rx_prev once the window has passed the switch. */
void gs_sess_rx_prev_expire(gs_session *s);

/* ------------------------------------------------ decode once (session_api.c,
 * session_hs_resp.c): the steps behind the public calls, on a SecPDU the
 * caller has already decoded (every slice of p points into the received
 * octets, which must stay valid during the call). */
/* gs_session_receive() after the decode: dispatch by (state, PDU kind). */
int gs_sess_receive_decoded(gs_session *s, const gs_secpdu *p, gs_time_ms now, uint8_t *out,
                            size_t cap, gs_rx *rx);
/* gs_endpoint_lookup_role() after the decode; with `xpeer` not NULL only
 * sessions bound to it or unbound are candidates. */
int gs_sess_lookup_decoded(gs_endpoint *ep, const gs_secpdu *p, int role, const char *xpeer,
                           gs_session **out);
/* gs_endpoint_receive_hs() after the decode; the new session is bound to
 * xpeer ("" = unbound) and rejects are queued for it. */
int gs_sess_receive_hs_decoded(gs_endpoint *ep, const gs_secpdu *p, const char *xpeer,
                               gs_time_ms now, gs_session **out);

/* session_api.c: handshake timeout. In HS_SENT / HS_RECEIVED past
 * hs_started + handshake_timeout_ms: event, FAILED (GS_ERR_HS_TIMEOUT),
 * everything wiped; true if it expired. */
bool gs_sess_hs_expire(gs_session *s, gs_time_ms now);

/* The effective rekey_timeout_ms / half_open_timeout_ms (0: the handshake
 * timeout). */
gs_time_ms gs_sess_rekey_timeout(const gs_endpoint *ep);
gs_time_ms gs_sess_half_open_timeout(const gs_endpoint *ep);
/* The chain value a notice of s binds (§7.1): h_cur, except while A's key
 * update is unconfirmed (rekey_pending): then h_prev, the value B holds
 * whether or not M reached it. */
const uint8_t *gs_sess_notice_binding(const gs_session *s);

/* more helpers (session.c) */
int gs_sess_cert_diag(int err);
void gs_sess_token1_fill(gs_session *s, gs_token1 *t1, gs_time_ms now);
/* session_hs_init.c: encode tbs, sign (over tbs content, plus h_in for the
 * responder), queue the handshake PDU; h_out = H(tbs content || h_in). */
int gs_sess_hs_emit(gs_session *s, gs_pdu_kind kind, const gs_tbs_handshake *tbs,
                    const uint8_t *h_in, uint8_t *h_out);
#endif
