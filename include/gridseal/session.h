/* gridseal: the E2E session engine (docs/PROTOCOL.md §3-§8), sans-I/O.
 *
 * The engine takes SecPDU bytes in and hands SecPDU bytes, application data
 * and security events out. It never reads a clock (every call that needs the
 * time takes `now`), never opens a socket and never starts a thread. It
 * calls the crypto provider (crypto.h) and the certificate validator
 * (cert.h) given in the endpoint configuration.
 *
 * Objects
 *   gs_endpoint  one per local identity: configuration, own certificate and
 *                key, and the responder's shared state (handshake replay
 *                cache, handshakeSecReject rate limiter, half-open caps,
 *                association-id allocation). Created with gs_endpoint_new().
 *   gs_session   one association. Initiator: gs_session_new_initiator() +
 *                gs_session_connect(). Responder: gs_endpoint_receive_hs()
 *                with a received HandshakeReq, then gs_session_accept() or
 *                gs_session_refuse().
 *
 * Input: gs_endpoint_receive() decodes a received PDU once, finds (or,
 * for a HandshakeReq, creates) its association and dispatches it. An
 * association made with a transport peer (gs_session_new_initiator_to(),
 * or a HandshakeReq received through gs_endpoint_receive()) is handed only
 * PDUs that came from that peer. The older gs_endpoint_lookup() +
 * gs_session_receive() / gs_endpoint_receive_hs() keep working.
 *
 * Output: every PDU the engine produces is appended to an output queue the
 * caller drains with gs_session_peek_output() + gs_session_ack_output() or
 * gs_session_pop_output() (per association), gs_endpoint_peek_output() +
 * gs_endpoint_ack_output() or gs_endpoint_pop_output() (answers that belong
 * to no association, i.e. handshakeSecReject). Peek hands out the PDU in
 * place with its kind, the application's tag and its transport peer. The
 * queue holds at most GS_OUTPUT_QUEUE_MAX PDUs.
 *
 * Errors: every call returns GS_OK or a negative gs_err (error.h). Once an
 * association has failed (integrity abort, peer abort, handshake failure)
 * every later call on it returns the same error; after a clean release they
 * return GS_ERR_CLOSED. Diagnostics sent to or received from the peer are
 * reported in events (gs_event.diag), never as return values.
 *
 * Threads: an endpoint and its sessions are one unit; serialise calls on
 * them (one thread, or an external lock). Distinct endpoints are
 * independent. */
#ifndef GRIDSEAL_SESSION_H
#define GRIDSEAL_SESSION_H

#include "cert.h"
#include "common.h"
#include "crypto.h"
#include "error.h"
#include "pdu_kind.h"
#include "profile.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gs_endpoint gs_endpoint;
typedef struct gs_session gs_session;

typedef enum gs_role { GS_ROLE_INITIATOR = 0, GS_ROLE_RESPONDER = 1 } gs_role;

/* Which kind of protection the initiator offers (EncrMode is a CHOICE). */
typedef enum gs_offer_mode {
  GS_OFFER_AEAD = 0,     /* encrMode aead: the `aead` list */
  GS_OFFER_ETM = 1,      /* nonAead with encr: `encr` + `icv` lists */
  GS_OFFER_INTEGRITY = 2 /* nonAead without encr: `icv` list (integrity only) */
} gs_offer_mode;

/* Local encryption policy (§3.3 f). */
typedef enum gs_encr_policy {
  GS_ENCR_OPTIONAL = 0, /* accept encrypted and integrity-only associations */
  GS_ENCR_REQUIRED = 1, /* refuse integrity-only (encryption-required) */
  GS_ENCR_FORBIDDEN = 2 /* refuse encryption (encryption-not-required) */
} gs_encr_policy;

typedef enum gs_replay_mode {
  GS_REPLAY_MODE_STRICT = 0, /* seq > last accepted (TCP, XMPP) */
  GS_REPLAY_MODE_WINDOW = 1  /* 64-entry sliding window (MQTT QoS 1, AMQP) */
} gs_replay_mode;

/* What an integrity failure on an established association does (§5). */
typedef enum gs_integrity_policy {
  GS_INTEGRITY_ABORT = 0, /* default: event + signed dtSecAbort */
  GS_INTEGRITY_DROP = 1   /* event, drop and count; abort past the threshold */
} gs_integrity_policy;

/* What a PDU that does not decode does, when it can be attributed to an
 * association in a data state: handed to it (gs_session_receive), or
 * received through gs_endpoint_receive from the one transport peer that
 * association is bound to (docs/PROTOCOL.md §5.2, §9.5). The same for both
 * roles. */
typedef enum gs_malformed_policy {
  GS_MALFORMED_DROP = 0, /* default: GS_EV_MALFORMED, drop and count; abort past
                            malformed_threshold */
  GS_MALFORMED_ABORT = 1 /* GS_EV_MALFORMED + signed dtSecAbort protocol-error */
} gs_malformed_policy;

/* The association's negotiated protection. */
typedef enum gs_data_mode {
  GS_MODE_NONE = 0,
  GS_MODE_AEAD = 1,     /* encrTransfer, auth absent */
  GS_MODE_ETM = 2,      /* encrTransfer with auth: AES-CBC then HMAC */
  GS_MODE_INTEGRITY = 3 /* clearTransfer */
} gs_data_mode;

typedef enum gs_session_state {
  GS_STATE_IDLE = 0,        /* initiator created, not yet connected */
  GS_STATE_HS_SENT = 1,     /* initiator: HandshakeReq sent, awaiting answer */
  GS_STATE_HS_RECEIVED = 2, /* responder: request verified, awaiting the
                               application's accept or refuse (half-open) */
  GS_STATE_ESTABLISHED = 3,
  GS_STATE_RELEASE_SENT = 4,     /* releaseReq sent, awaiting releaseRsp */
  GS_STATE_RELEASE_RECEIVED = 5, /* releaseReq received; answer with
                                    gs_session_release() */
  GS_STATE_CLOSED = 6,           /* released (or refused); keys wiped */
  GS_STATE_FAILED = 7            /* aborted or failed; keys wiped; sticky error */
} gs_session_state;

/* Security and life-cycle events. */
typedef enum gs_event_kind {
  GS_EV_HANDSHAKE_DONE = 1,     /* association established */
  GS_EV_HANDSHAKE_FAILED = 2,   /* diag: HandshakeDiagnostics sent or received */
  GS_EV_HANDSHAKE_REQUEST = 3,  /* responder: verified request awaits accept/refuse */
  GS_EV_MALFORMED = 4,          /* PDU dropped: not well-formed / wrong version, pp, assoID */
  GS_EV_BAD_SIGNATURE = 5,      /* PDU dropped: signature did not verify */
  GS_EV_REPLAY = 6,             /* handshake replay or data replay / too old: dropped */
  GS_EV_STALE = 7,              /* data PDU with a time out of tolerance or going back */
  GS_EV_GAP = 8,                /* seq gap seen (loss); count = missing PDUs */
  GS_EV_INTEGRITY = 9,          /* ICV/tag, algorithm, mode or format failure */
  GS_EV_KEY_UPDATE = 10,        /* new keys in use; count = new epoch */
  GS_EV_REKEY_REQUESTED = 11,   /* reqRekey sent (responder) or received (initiator) */
  GS_EV_ABORT_SENT = 12,        /* diag + pdu_kind of the notice sent */
  GS_EV_ABORT_RECEIVED = 13,    /* diag + pdu_kind of the notice received */
  GS_EV_NOTICE_IGNORED = 14,    /* notice with bad signature, time or binding */
  GS_EV_LIMIT = 15,             /* a limit was reached (err says which) */
  GS_EV_RATE_LIMITED = 16,      /* handshakeSecReject not sent: rate limit */
  GS_EV_RELEASE_REQUESTED = 17, /* peer sent releaseReq */
  GS_EV_RELEASED = 18,          /* association released */
  GS_EV_REJECTED = 19,          /* peer refused the handshake (pdu_kind, diag) */
  GS_EV_FOREIGN_PEER = 20       /* PDU for an association bound to another
                                   transport peer: dropped unread (err
                                   GS_ERR_WRONG_PEER; the session is the
                                   association it named, left untouched, or
                                   NULL when several did) */
} gs_event_kind;

typedef struct gs_event {
  gs_event_kind kind;
  const char *asso_id;      /* "c" or "c:s"; "" when unknown; valid during the call */
  const gs_cert_info *peer; /* authenticated peer, or NULL when none yet */
  int err;                  /* the local gs_err behind the event, GS_OK if none */
  int diag;                 /* diagnostic sent or received, -1 if none */
  gs_pdu_kind pdu_kind;     /* the PDU concerned (where it applies) */
  uint64_t count;           /* GS_EV_GAP: missing PDUs; KEY_UPDATE: epoch */
  /* The peer's leaf certificate (DER) as it arrived, on the handshake
   * events whose certificate did not validate (peer is NULL there), so that
   * the event can name it; {NULL, 0} otherwise. Valid during the call. */
  gs_slice cert;
} gs_event;

/* Event callback. `s` is NULL for endpoint-level events (a dropped or
 * rejected handshake request). Must not call back into the engine. */
typedef void (*gs_event_cb)(void *user, gs_session *s, const gs_event *ev);

/* Policy decision on an authenticated peer. Return 0 to accept, a positive
 * gs_hs_diag value to refuse with that diagnostic, or a negative value to
 * refuse with no-reason-given. */
typedef int (*gs_peer_check_cb)(void *user, const gs_cert_info *peer, gs_role own_role);

#define GS_MAX_GROUPS GS_MAX_DH_OFFERS

/* The responder's checks (gs_endpoint_config, docs/PROTOCOL.md §3.3). */
#define GS_ACCEPT_AEAD 1u      /* encrMode aead */
#define GS_ACCEPT_ETM 2u       /* nonAead with encr: encrypt-then-MAC */
#define GS_ACCEPT_INTEGRITY 4u /* nonAead without encr: integrity only */
#define GS_ACCEPT_ALL (GS_ACCEPT_AEAD | GS_ACCEPT_ETM | GS_ACCEPT_INTEGRITY)
#define GS_REPLAY_CACHE_MIN 16u
#define GS_REPLAY_CACHE_MAX (1u << 20)
#define GS_MAX_SESSIONS_PER_PEER_DEFAULT 2u

typedef struct gs_endpoint_config {
  /* ---- required; crypto, validator and key borrowed (must outlive the
   * endpoint); the certificate and chain octets are copied */
  const gs_crypto *crypto;
  gs_validator validator;
  const uint8_t *cert_der; /* own end-entity certificate (DER) */
  size_t cert_len;
  const gs_slice *chain; /* intermediates, issuer of cert first (may be NULL) */
  size_t n_chain;        /* 0..GS_MAX_CERT_PATH */
  gs_privkey *key;       /* own signing key (matches cert) */
  /* ---- protocol (defaults from gs_endpoint_config_init) */
  const char *pp;                    /* protected protocol, default GS_PP_DEFAULT */
  gs_dh_group groups[GS_MAX_GROUPS]; /* offered / accepted, preference order */
  size_t n_groups;
  gs_hash_alg hmac;           /* initiator: HKDF/HMAC choice (default SHA-256) */
  gs_hash_alg hmac_accept[2]; /* responder: accepted HKDF/HMAC algorithms */
  size_t n_hmac_accept;
  gs_offer_mode offer;               /* initiator: which EncrMode it offers */
  gs_aead_alg aead[GS_MAX_ALG_LIST]; /* preference order */
  size_t n_aead;
  gs_cipher_alg encr[GS_MAX_ALG_LIST]; /* preference order */
  size_t n_encr;
  gs_hash_alg icv[GS_MAX_ALG_LIST]; /* preference order */
  size_t n_icv;
  uint8_t conf_params; /* GS_CONF_TLS_PROTECTED / GS_CONF_VPN (applProtected
                          is set by the engine when encryption is offered) */
  /* ---- policy */
  gs_encr_policy encryption;
  gs_time_ms time_tolerance_ms;    /* handshake and data, default ±10 min */
  gs_time_ms handshake_timeout_ms; /* HS_SENT / HS_RECEIVED (half-open) expire
                                      after this, default GS_HS_TIMEOUT_DEFAULT_MS */
  gs_time_ms rekey_timeout_ms;     /* initiator: a key update not confirmed by
                                      the responder within this ends the
                                      association (dtSecAbort,
                                      GS_ERR_REKEY_TIMEOUT; docs/PROTOCOL.md
                                      §6.5); 0 (default): handshake_timeout_ms */
  gs_time_ms half_open_timeout_ms; /* responder: ESTABLISHED without one valid
                                      PDU from the initiator within this after
                                      the accept ends the association
                                      (dtSecAbort, GS_ERR_HALF_OPEN;
                                      docs/PROTOCOL.md §5.4); 0 (default):
                                      handshake_timeout_ms */
  gs_time_ms idle_timeout_ms;      /* either role: ESTABLISHED without a valid
                                      PDU from the peer for this ends the
                                      association (dtSecAbort,
                                      GS_ERR_PEER_SILENT), and an empty data
                                      PDU (keepalive) is sent when nothing was
                                      sent for idle_timeout_ms / 3
                                      (docs/PROTOCOL.md §5.4); 0 (default): off */
  gs_time_ms key_lifetime_ms;      /* GS_KEY_LIFETIME_MIN_MS..MAX_MS, default 1 h */
  uint64_t key_budget;             /* PDUs per direction per key, default 2^24 */
  gs_replay_mode replay;
  gs_integrity_policy on_integrity;
  uint32_t integrity_threshold; /* GS_INTEGRITY_DROP: abort after this many */
  gs_peer_check_cb peer_check;  /* NULL: any validated peer */
  void *peer_check_user;
  const gs_identity *expected_peer; /* initiator: peer must hold this identity
                                       (kind and exact value); NULL: no check */
  size_t max_half_open_per_peer;    /* default GS_MAX_HALF_OPEN_PER_PEER */
  size_t max_half_open;             /* default GS_MAX_HALF_OPEN */
  uint32_t reject_rate_per_sec;     /* default GS_REJECT_RATE_PER_SEC */
  size_t max_sessions;              /* live associations (established + handshaking, both
                                       roles), default GS_MAX_SESSIONS_DEFAULT, 1..1000 */
  /* ---- the responder's checks (docs/PROTOCOL.md §3.3, §8.2) */
  size_t replay_cache_size;     /* handshake replay cache, triples: default
                                   GS_REPLAY_CACHE_ENTRIES (4096),
                                   GS_REPLAY_CACHE_MIN..GS_REPLAY_CACHE_MAX */
  gs_time_ms replay_floor_ms;   /* a HandshakeReq whose token1.time is before
                                   this is dropped before any certificate or
                                   signature work (GS_EV_REPLAY, GS_ERR_REPLAY):
                                   pass the endpoint's start time so that a
                                   request recorded before a restart is not
                                   accepted again (§3.3 a, D18); 0: no floor */
  size_t max_sessions_per_peer; /* live associations (established + handshaking,
                                   both roles) whose verified peer has the same
                                   identity (§3.3 f): default
                                   GS_MAX_SESSIONS_PER_PEER_DEFAULT (2), 1..1000 */
  uint32_t accept_modes;        /* responder: the protection modes it accepts
                                   (§3.3 f 4), GS_ACCEPT_* bits; default
                                   GS_ACCEPT_ALL; 0 is a configuration error */
  /* ---- malformed-PDU policy (docs/PROTOCOL.md §5.2) */
  gs_malformed_policy on_malformed; /* default GS_MALFORMED_DROP */
  uint32_t malformed_threshold;     /* GS_MALFORMED_DROP: abort after this many
                                       (default GS_MALFORMED_THRESHOLD_DEFAULT) */
  /* ---- events */
  gs_event_cb on_event;
  void *event_user;
  /* ---- the request names its responder; own attribute certificate
   * (docs/PROTOCOL.md §3.1, §3.3, D16) */
  bool accept_unnamed_requests; /* responder: accept a HandshakeReq that names no
                                   responder (default false: dropped,
                                   GS_ERR_WRONG_RESPONDER). A request that names
                                   one is accepted only when the name (kind and
                                   value) is in the own certificate's
                                   subjectAltName */
  const uint8_t *att_cert_der;  /* own RFC 5755 attribute certificate (DER,
                                   borrowed) sent as token1.attCert in the
                                   HandshakeReq and HandshakeAcc; NULL: none */
  size_t att_cert_len;
} gs_endpoint_config;

/* Fill `cfg` with the defaults (docs/PROTOCOL.md): P-256, HMAC-SHA256, offer AEAD
 * {aes256-GCM, aes128-GCM, ChaCha20-Poly1305}, CBC {aes256, aes128}, ICV
 * {SHA-256, SHA-384}, encryption optional, ±10 min, 1 h, 2^24, strict replay,
 * abort on integrity failure, malformed PDUs dropped (abort after 16). The
 * required fields are left NULL/0. */
GS_EXPORT void gs_endpoint_config_init(gs_endpoint_config *cfg);

/* Create an endpoint. The configuration is copied, and so are the own
 * certificate, chain and attribute certificate octets; the other buffers
 * and objects it points to (crypto, validator, key) are borrowed and must
 * outlive the endpoint.
 * Errors: GS_ERR_INVALID_ARG (NULL), GS_ERR_CONFIG (missing crypto,
 * validator, certificate or key, empty or invalid algorithm lists, a
 * lifetime outside 15 min..24 h, a chain longer than GS_MAX_CERT_PATH, a
 * key without a profile signature algorithm, a certificate whose public key
 * cannot be read, replay_cache_size / max_sessions_per_peer out of range,
 * a negative replay_floor_ms, accept_modes 0, with unknown bits or
 * accepting nothing the encryption policy allows), GS_ERR_KEY_MISMATCH (the
 * private key does not match the certificate: a fixed message signed with
 * `key` does not verify under the certificate's key), GS_ERR_NOMEM. */
GS_EXPORT int gs_endpoint_new(const gs_endpoint_config *cfg, gs_endpoint **out);

/* Free an endpoint. All its sessions must have been freed first (sessions
 * still alive are freed too). NULL is allowed. */
GS_EXPORT void gs_endpoint_free(gs_endpoint *ep);

/* ---- Own credentials while running (a renewed certificate, a new key).
 * gs_endpoint_set_credentials(): every handshake begun from now on (as
 * initiator, and every HandshakeReq answered from now on) carries `cert_der`
 * with `chain` (issuer of the certificate first, 0..GS_MAX_CERT_PATH) and
 * `att_cert_der` (NULL: none) and is signed with `key`; the D16 responder
 * name check uses the new certificate's subjectAltName. Sessions created
 * before keep the credentials they began with: their notices (release,
 * abort) stay signed with the key their peer verified, and a session in
 * HS_SENT finishes its handshake with the old certificate. The octets are
 * copied. On GS_OK the endpoint owns `key` and frees it with the crypto
 * provider's privkey_free() once no session uses it (and at
 * gs_endpoint_free()); on an error nothing changes and `key` stays the
 * caller's. (gs_endpoint_new() copies the configuration's octets too; the
 * configuration's key stays the caller's and must outlive every session
 * begun with it, i.e. the endpoint.) The caller validates the certificate
 * (gs_pki_validate) first: the engine checks only that the key matches it.
 * Errors: GS_ERR_INVALID_ARG (NULL endpoint, certificate or key, an empty
 * chain element), GS_ERR_CONFIG (a chain longer than GS_MAX_CERT_PATH, a
 * key without a profile signature algorithm, a certificate whose public key
 * cannot be read), GS_ERR_KEY_MISMATCH, GS_ERR_NOMEM. */
GS_EXPORT int gs_endpoint_set_credentials(gs_endpoint *ep, const uint8_t *cert_der, size_t cert_len,
                                          const gs_slice *chain, size_t n_chain, gs_privkey *key,
                                          const uint8_t *att_cert_der, size_t att_cert_len);

/* Memory and association counts of an endpoint (gs_endpoint_get_stats). */
typedef struct gs_endpoint_stats {
  size_t session_size;      /* sizeof the session object */
  size_t endpoint_size;     /* sizeof the endpoint object + its replay cache */
  size_t sessions;          /* session objects alive (any state) */
  size_t live;              /* counted against max_sessions (not CLOSED/FAILED) */
  size_t established;       /* ESTABLISHED, RELEASE_SENT, RELEASE_RECEIVED */
  size_t half_open;         /* responder sessions in HS_RECEIVED */
  size_t initiating;        /* initiator sessions in IDLE or HS_SENT */
  size_t bytes_held;        /* heap the engine itself holds for its sessions:
                               session objects, setup copies, queued output,
                               per-session expected identities, test secrets.
                               Not counted: the crypto provider's
                               key objects and the validator's peer info (see
                               docs/ENGINE.md for measured totals) */
  uint64_t foreign_dropped; /* gs_endpoint_receive: PDUs naming an association
                               bound to another transport peer (dropped) */
  uint64_t unknown_dropped; /* gs_endpoint_receive: PDUs naming no association */
  /* the responder's checks */
  size_t replay_cache_used;   /* triples in the handshake replay cache */
  uint64_t replay_cache_full; /* verified requests dropped: every triple of
                                 the cache was still live (GS_EV_LIMIT) */

  /* D16 (docs/PROTOCOL.md §3.3): verified HandshakeReqs that name another
   * responder, or none while accept_unnamed_requests is false: dropped */
  uint64_t misdirected_dropped;
  uint64_t malformed; /* gs_endpoint_receive: PDUs that do not decode
                         (attributed to an association or not) */
} gs_endpoint_stats;

/* Fill *st. Errors: GS_ERR_INVALID_ARG. */
GS_EXPORT int gs_endpoint_get_stats(const gs_endpoint *ep, gs_endpoint_stats *st);

/* Take the next queued endpoint-level PDU (handshakeSecReject) into
 * buf[0..cap). GS_OK and *len; GS_ERR_NOT_FOUND if the queue is empty;
 * GS_ERR_BUFFER_TOO_SMALL (the PDU stays queued, *len = its size). */
GS_EXPORT int gs_endpoint_pop_output(gs_endpoint *ep, uint8_t *buf, size_t cap, size_t *len);

/* Responder: process a received first PDU (a HandshakeReq) with every check
 * of docs/PROTOCOL.md §3.3, in the order a, c, d, b, e, f. On GS_OK, *out is
 * a new session in GS_STATE_HS_RECEIVED (owned by the caller; free with
 * gs_session_free()); read the initiator's setup PDU with
 * gs_session_peer_setup() and answer with gs_session_accept() or
 * gs_session_refuse(). A reject is signed only for a request whose
 * certificate validated and whose signature verified.
 * Errors (no session is created):
 *   a. GS_ERR_DER_* / GS_ERR_PROTOCOL (not a HandshakeReq) / GS_ERR_VERSION /
 *      GS_ERR_PP_UNSUPPORTED: dropped silently, GS_EV_MALFORMED;
 *      GS_ERR_LIMIT: max_sessions reached: dropped, GS_EV_LIMIT;
 *      GS_ERR_REFLECTION: pkCert is the endpoint's own certificate (its own
 *      request reflected back, catalogue M2): dropped, GS_EV_REPLAY;
 *      GS_ERR_REPLAY: token1.time before replay_floor_ms: dropped,
 *      GS_EV_REPLAY; all of a before any certificate or signature work;
 *   c. GS_ERR_CERT_* etc. (the validator's error): dropped,
 *      GS_EV_HANDSHAKE_FAILED with that error and diag -1, nothing signed;
 *   d. GS_ERR_BAD_SIGNATURE: dropped silently, GS_EV_BAD_SIGNATURE;
 *      GS_ERR_UNSUPPORTED_ALG: verified, but sigAlg does not name the
 *      certificate key's algorithm: handshakeSecReject
 *      invalid-signatureAlgorithm;
 *      then GS_ERR_WRONG_RESPONDER: token1.responder names none of the own
 *      certificate's identities, or is absent without accept_unnamed_requests
 *      (D16): dropped, GS_EV_MALFORMED, nothing signed, misdirected_dropped;
 *   b. GS_ERR_TIME: signed handshakeSecReject invalid-time-value;
 *   e. GS_ERR_REPLAY: dropped, GS_EV_REPLAY; GS_ERR_LIMIT: the replay cache
 *      is full of live triples: dropped, GS_EV_LIMIT (counted in
 *      gs_endpoint_stats.replay_cache_full);
 *   f. GS_ERR_POLICY / GS_ERR_NEGOTIATION: handshakeSecReject with the
 *      diagnostic (GS_EV_HANDSHAKE_FAILED carries it); GS_ERR_LIMIT with
 *      too-many-associations: max_sessions_per_peer reached (GS_EV_LIMIT
 *      too);
 *   GS_ERR_LIMIT: a half-open cap reached (dropped, GS_EV_LIMIT);
 *   GS_ERR_NOMEM, GS_ERR_CRYPTO.
 * Every handshakeSecReject is queued on the endpoint (gs_endpoint_pop_output)
 * unless the rate limit is reached (GS_EV_RATE_LIMITED). */
GS_EXPORT int gs_endpoint_receive_hs(gs_endpoint *ep, const uint8_t *pdu, size_t len,
                                     gs_time_ms now, gs_session **out);

/* Find the session a received PDU belongs to, by its full assoID: an
 * initiator session that has no answer yet by its own part "c" (any "c" or
 * "c:s" with that c), every other session by its full "c:s".
 * One endpoint may act in both roles, and then an initiator session "5:7"
 * (own part 5, the peer's 7) and a responder session "5:7" (the peer's 5,
 * own part 7) can exist at once. The PDU itself tells the receiver's role
 * for HandshakeAcc, handshakeSecReject, applicationReject (initiator),
 * handshakeSecAbort (responder), and data PDUs with changedKey or reqRekey
 * (initiator) or rekey (responder); for the others (plain data, release,
 * aborts) only the transport knows the direction: use
 * gs_endpoint_lookup_role().
 * GS_OK and *out; GS_ERR_NOT_FOUND (also for a HandshakeReq, which belongs
 * to no session); GS_ERR_ASSOC_AMBIGUOUS (more than one session matches:
 * nothing is returned; the caller must know the direction); a DER error if
 * the PDU cannot be decoded; GS_ERR_INVALID_ARG. */
GS_EXPORT int gs_endpoint_lookup(gs_endpoint *ep, const uint8_t *pdu, size_t len, gs_session **out);
/* As gs_endpoint_lookup(), restricted to sessions of `role` (GS_ROLE_* of
 * the receiving session, e.g. from the MQTT topic's up/down or the XMPP
 * stanza direction; -1: any). A PDU that implies the other role gives
 * GS_ERR_NOT_FOUND. */
GS_EXPORT int gs_endpoint_lookup_role(gs_endpoint *ep, const uint8_t *pdu, size_t len, int role,
                                      gs_session **out);

/* Initiator: create a session (GS_STATE_IDLE) with a fresh own assoID part.
 * Errors: GS_ERR_INVALID_ARG, GS_ERR_LIMIT (no free assoID, or max_sessions
 * live associations), GS_ERR_NOMEM. The session is not bound to a
 * transport peer (see gs_session_new_initiator_to). */
GS_EXPORT int gs_session_new_initiator(gs_endpoint *ep, gs_session **out);

/* Longest transport peer label, octets (without the NUL). */
#define GS_MAX_XPEER_LEN 255

/* Initiator: a new session (GS_STATE_IDLE) bound to transport peer `xpeer`
 * (the routing label of the transport it runs over, NUL-terminated,
 * 1..GS_MAX_XPEER_LEN octets: a TCP connection's label, the peer's XMPP
 * JID, the broker topic) and, when `expected` is not NULL, requiring that
 * peer identity (kind and exact value; it overrides the endpoint's
 * expected_peer for this session; copied). gs_endpoint_receive() hands this
 * session only PDUs that came from `xpeer`. One endpoint can so serve many
 * peers, each association with its own expected identity.
 * Errors: GS_ERR_INVALID_ARG (NULL ep/xpeer/out, an empty or too long
 * xpeer, an empty expected value), and those of gs_session_new_initiator(). */
GS_EXPORT int gs_session_new_initiator_to(gs_endpoint *ep, const char *xpeer,
                                          const gs_identity *expected, gs_session **out);

/* The transport peer the session is bound to ("" when unbound). Owned by
 * the session. */
GS_EXPORT const char *gs_session_transport_peer(const gs_session *s);

/* Initiator: build, sign and queue the HandshakeReq carrying the
 * application's setup PDU `setup` (e.g. MMS Initiate-Request; may be empty).
 * State IDLE -> HS_SENT. Errors: GS_ERR_STATE, GS_ERR_INVALID_ARG (setup too
 * large), GS_ERR_CRYPTO / GS_ERR_UNSUPPORTED_ALG (key generation, signing),
 * GS_ERR_NOMEM, GS_ERR_LIMIT (queue full). */
GS_EXPORT int gs_session_connect(gs_session *s, gs_time_ms now, const uint8_t *setup,
                                 size_t setup_len);

/* Responder: the initiator's setup PDU (applData of its HandshakeReq) in
 * state HS_RECEIVED; owned by the session, valid until accept/refuse.
 * GS_ERR_STATE otherwise. */
GS_EXPORT int gs_session_peer_setup(const gs_session *s, gs_slice *setup);

/* Responder: accept with the application's setup response (may be empty):
 * builds, signs (over tbs_B || h_A) and queues the HandshakeAcc, derives the
 * keys. HS_RECEIVED -> ESTABLISHED. Errors: GS_ERR_HS_TIMEOUT (the
 * handshake timeout has passed: FAILED), GS_ERR_STATE, GS_ERR_CRYPTO,
 * GS_ERR_NOMEM, GS_ERR_LIMIT, GS_ERR_INVALID_ARG (too large). */
GS_EXPORT int gs_session_accept(gs_session *s, gs_time_ms now, const uint8_t *setup_rsp,
                                size_t len);

/* Responder: refuse with a signed applicationReject carrying `appl` (e.g. an
 * MMS Initiate-ErrorPDU; may be empty). HS_RECEIVED -> CLOSED. */
GS_EXPORT int gs_session_refuse(gs_session *s, gs_time_ms now, const uint8_t *appl, size_t len);

/* Result of gs_session_receive(). */
typedef struct gs_rx {
  gs_pdu_kind kind; /* kind of the PDU processed */
  bool has_data;    /* out[0..data_len) holds verified application data */
  size_t data_len;
  const gs_cert_info *peer; /* the authenticated sender (NULL if none) */
} gs_rx;

/* Feed one received SecPDU. Application data (from a data PDU, a
 * HandshakeAcc, or a verified notice's applData) is written to out[0..cap)
 * and reported in *rx; nothing unverified is ever written there (the buffer
 * is wiped when a check fails after decryption). Answers the engine must
 * send (changedKey, releaseRsp is the application's, dtSecAbort,
 * handshakeSecAbort, rekey after reqRekey) are queued.
 * Errors that leave the association usable: GS_ERR_DER_* (dropped and,
 * in a data state, counted: gs_malformed_policy, the default drops up to
 * malformed_threshold), GS_ERR_UNKNOWN_ASSOC, GS_ERR_REPLAY,
 * GS_ERR_TOO_OLD, GS_ERR_TIME (stale data), GS_ERR_NOTICE_IGNORED,
 * GS_ERR_BAD_SIGNATURE, GS_ERR_UNSUPPORTED_ALG, GS_ERR_CERT_* and the
 * validator's other errors (a HandshakeAcc that does not verify: dropped,
 * GS_EV_BAD_SIGNATURE, nothing sent, still HS_SENT), GS_ERR_REFLECTION (a
 * HandshakeAcc carrying the initiator's own certificate: dropped before any
 * certificate or signature work, GS_EV_REPLAY), GS_ERR_BUFFER_TOO_SMALL
 * (out too small: nothing consumed), GS_ERR_AUTH_TAG etc. under
 * GS_INTEGRITY_DROP below the threshold.
 * Errors that end it (sticky): GS_ERR_AUTH_TAG, GS_ERR_DECRYPT,
 * GS_ERR_WRONG_MODE, GS_ERR_IV_REQUIRED, GS_ERR_ALG_MISMATCH, GS_ERR_DER_*
 * on an established association under GS_MALFORMED_ABORT or past the
 * threshold, GS_ERR_PROTOCOL, GS_ERR_REKEY,
 * GS_ERR_CHANGED_KEY, GS_ERR_KEY_LIMIT (dtSecAbort sent); GS_ERR_ABORTED
 * (peer aborted); GS_ERR_HANDSHAKE_REJECTED, GS_ERR_APPL_REJECTED (peer
 * refused); GS_ERR_SELECTION, GS_ERR_NEGOTIATION, GS_ERR_TIME,
 * GS_ERR_PEER_IDENTITY, GS_ERR_POLICY, GS_ERR_DH_PEER_INVALID (initiator,
 * on a verified HandshakeAcc only: handshakeSecAbort sent, bound to it);
 * GS_ERR_HS_TIMEOUT (initiator: a
 * HandshakeAcc at or after the handshake deadline; nothing sent). */
GS_EXPORT int gs_session_receive(gs_session *s, const uint8_t *pdu, size_t len, gs_time_ms now,
                                 uint8_t *out, size_t cap, gs_rx *rx);

/* Result of gs_endpoint_receive(). */
typedef struct gs_recv {
  gs_session *session; /* the association the PDU was dispatched to, or NULL */
  bool created;        /* a verified HandshakeReq created `session` (HS_RECEIVED),
                          owned by the caller: accept or refuse it */
  gs_pdu_kind kind;    /* kind of the PDU (when it decoded) */
  bool has_data;       /* out[0..data_len) holds verified application data */
  size_t data_len;
  const gs_cert_info *peer; /* the authenticated sender, or NULL */
} gs_recv;

/* Decode a received SecPDU once, find its association (or, for a
 * HandshakeReq, run the responder checks and create one bound to `xpeer`)
 * and dispatch it. `xpeer` is the transport peer the PDU came from
 * (NUL-terminated, 0..GS_MAX_XPEER_LEN octets; NULL is the same as "").
 * `role` is the receiving session's role when the transport knows the
 * direction (GS_ROLE_*), or -1 (see gs_endpoint_lookup_role).
 *   - HandshakeReq: the checks and results of gs_endpoint_receive_hs(); a
 *     new session is bound to `xpeer` (rv->created, rv->session; "" gives
 *     an unbound one, as gs_endpoint_receive_hs() does) and every
 *     handshakeSecReject answering it is queued on the endpoint for `xpeer`
 *     (gs_endpoint_peek_output: gs_output.xpeer). The setup PDU is read
 *     with gs_session_peer_setup(); nothing is written to `out`.
 *   - Any other PDU whose association is bound to another transport peer
 *     is dropped: GS_ERR_WRONG_PEER, GS_EV_FOREIGN_PEER, counted in
 *     gs_endpoint_stats.foreign_dropped. The association's state, replay
 *     window, integrity counters and abort policy are untouched: nothing
 *     is decrypted or verified for it, rv->session stays NULL. An unbound
 *     association accepts PDUs from any transport peer.
 *   - No association for the assoID: GS_ERR_UNKNOWN_ASSOC, GS_EV_MALFORMED
 *     (endpoint-level), counted in gs_endpoint_stats.unknown_dropped.
 *     Several (one endpoint in both roles, see gs_endpoint_lookup): the one
 *     bound to `xpeer` or unbound is meant; none: GS_ERR_WRONG_PEER as
 *     below (GS_EV_FOREIGN_PEER with no session); more than one:
 *     GS_ERR_ASSOC_AMBIGUOUS (pass `role`).
 *   - Not a well-formed SecPDU: the DER error, GS_EV_MALFORMED, counted in
 *     gs_endpoint_stats.malformed. When exactly one association in
 *     a data state is bound to `xpeer` (and of `role`, if given), the PDU
 *     is attributed to it (rv->session set) and its on_malformed policy
 *     applies (gs_session_receive); otherwise no association is touched.
 *   - Otherwise the results of gs_session_receive() (rv->session set;
 *     `out` as there: only verified data, wiped when a check fails after
 *     decryption).
 * Errors also: GS_ERR_INVALID_ARG (NULL ep/pdu/rv, out NULL with cap > 0,
 * xpeer too long, role out of range). */
GS_EXPORT int gs_endpoint_receive(gs_endpoint *ep, const char *xpeer, int role, const uint8_t *pdu,
                                  size_t len, gs_time_ms now, uint8_t *out, size_t cap,
                                  gs_recv *rv);

/* Protect and queue application data in the negotiated mode (ESTABLISHED
 * only). The initiator rekeys on this PDU when its key lifetime or budget is
 * reached or the responder asked (reqRekey); the responder sets reqRekey /
 * changedKey as §6 requires. Errors: GS_ERR_STATE, GS_ERR_INVALID_ARG (data
 * too large for GS_MAX_PDU_SIZE), GS_ERR_SEQ_EXHAUSTED (seq would pass
 * 2^31-1: a releaseReq is queued instead), GS_ERR_LIMIT (queue full),
 * GS_ERR_CRYPTO, GS_ERR_NOMEM, or the sticky error. */
GS_EXPORT int gs_session_send(gs_session *s, gs_time_ms now, const uint8_t *data, size_t len);
/* As gs_session_send(), and the queued data PDU carries the application's
 * opaque `tag` (gs_output.tag), e.g. the MMS PDU type or a request id, so
 * that no layer below has to look into the PDU again. */
GS_EXPORT int gs_session_send_tagged(gs_session *s, gs_time_ms now, const uint8_t *data, size_t len,
                                     uint32_t tag);

/* Ask for a key update: the initiator sends a rekey PDU now (empty
 * applData); the responder sends reqRekey = TRUE. Errors: GS_ERR_STATE,
 * GS_ERR_REKEY (initiator: a rekey is already awaiting changedKey; it is
 * confirmed, or the association ends at its rekey_timeout_ms deadline:
 * gs_session_handle_timeout), and those of gs_session_send(). */
GS_EXPORT int gs_session_update_keys(gs_session *s, gs_time_ms now);

/* Release: in ESTABLISHED sends releaseReq (-> RELEASE_SENT); in
 * RELEASE_RECEIVED sends releaseRsp (-> CLOSED, keys wiped). `appl` (e.g. an
 * MMS Conclude PDU) may be empty. GS_ERR_STATE otherwise. */
GS_EXPORT int gs_session_release(gs_session *s, gs_time_ms now, const uint8_t *appl, size_t len);

/* Abort: sends applAbort (in any state with a peer) and fails the session
 * with GS_ERR_ABORTED; keys wiped. */
GS_EXPORT int gs_session_abort(gs_session *s, gs_time_ms now, const uint8_t *appl, size_t len);

/* The next time handle_timeout must be called (key lifetime, reqRekey
 * grace, handshake timeout: hs start + handshake_timeout_ms in HS_SENT and
 * HS_RECEIVED; the initiator's unconfirmed key update: its time +
 * rekey_timeout_ms; the half-open responder: accept + half_open_timeout_ms
 * until a valid PDU of the initiator arrives), or INT64_MAX when nothing is
 * pending. */
GS_EXPORT gs_time_ms gs_session_next_deadline(const gs_session *s);

/* Act on deadlines passed at `now`: the initiator rekeys when its key
 * lifetime is over; the responder asks with reqRekey and, past twice the
 * limit, aborts with dtSecAbort (GS_ERR_KEY_LIMIT). Handshake timeout: an
 * initiator in HS_SENT without an answer, or a responder in HS_RECEIVED
 * whose application neither accepted nor refused, within
 * handshake_timeout_ms fails with GS_ERR_HS_TIMEOUT (returned and sticky):
 * keys, DH private keys and the setup copy are wiped, a responder's
 * half-open slot is released, GS_EV_LIMIT (err GS_ERR_HS_TIMEOUT) is
 * raised; nothing is sent. gs_session_accept(), gs_endpoint_receive_hs()
 * and gs_session_receive() of a HandshakeAcc apply the same deadline
 * themselves (measured on the local `now`, never on a PDU's time field).
 * Stuck states (docs/PROTOCOL.md §5.4, §6.5), each ending with dtSecAbort
 * no-reason-given, GS_EV_LIMIT naming the error, and the sticky error
 * returned, keys wiped:
 *   - GS_ERR_REKEY_TIMEOUT: the initiator's key update was not confirmed by
 *     the responder within rekey_timeout_ms (any data state); build a new
 *     association (a retry of the same update is not safe);
 *   - GS_ERR_HALF_OPEN: the responder accepted but received no valid PDU of
 *     the initiator within half_open_timeout_ms. An initiator must send a
 *     data PDU (an empty one is enough) soon after it is established;
 *     gs_node does it when the application sends nothing. */
GS_EXPORT int gs_session_handle_timeout(gs_session *s, gs_time_ms now);

/* The hop to the peer (the own connection to the server or broker) is down,
 * or just came back: the peer could not be heard, so its silence counts
 * again from `now` (the GS_ERR_PEER_SILENT deadline moves to
 * now + idle_timeout_ms; never earlier). Only ESTABLISHED sessions; it is
 * not a valid PDU of the peer (the half-open rule is unchanged). gs_node
 * calls it while its transport reports the connection down and once when
 * it is up again (docs/PROTOCOL.md §5.4). */
GS_EXPORT void gs_session_idle_restart(gs_session *s, gs_time_ms now);

/* Take the next queued PDU to send (see gs_endpoint_pop_output). */
GS_EXPORT int gs_session_pop_output(gs_session *s, uint8_t *buf, size_t cap, size_t *len);

/* The head of an output queue, read in place (gs_session_peek_output,
 * gs_endpoint_peek_output): the transport writes `pdu` to the wire from
 * here (no copy out of the engine) and then calls the matching ack. */
typedef struct gs_output {
  const uint8_t *pdu; /* the encoded SecPDU; valid until the ack or the next
                         engine call on that session / endpoint */
  size_t len;
  gs_pdu_kind kind;  /* so no layer re-reads the tag octet */
  uint32_t tag;      /* the application's tag given to gs_session_send_tagged(),
                        0 for PDUs the engine made or that were sent without one */
  const char *xpeer; /* where it goes: the session's transport peer, or for an
                        endpoint-level PDU the peer its request came from
                        ("" unbound) */
} gs_output;

/* Describe the head of the session's output queue in *o without taking it.
 * GS_OK; GS_ERR_NOT_FOUND when the queue is empty (*o zeroed);
 * GS_ERR_INVALID_ARG. */
GS_EXPORT int gs_session_peek_output(gs_session *s, gs_output *o);
/* Drop (and wipe) the head of the session's output queue, once it has been
 * sent. GS_OK; GS_ERR_NOT_FOUND (empty); GS_ERR_INVALID_ARG. */
GS_EXPORT int gs_session_ack_output(gs_session *s);
/* The same for the endpoint's queue (handshakeSecReject). */
GS_EXPORT int gs_endpoint_peek_output(gs_endpoint *ep, gs_output *o);
GS_EXPORT int gs_endpoint_ack_output(gs_endpoint *ep);
/* Number of queued output PDUs. */
GS_EXPORT size_t gs_session_output_count(const gs_session *s);

/* Accessors. */
GS_EXPORT gs_session_state gs_session_state_get(const gs_session *s);
GS_EXPORT gs_role gs_session_role(const gs_session *s);
/* The sticky error (GS_OK while the association is usable). */
GS_EXPORT int gs_session_error(const gs_session *s);
/* Why the association ended: GS_OK while it is not over and for an
 * ordinary release; the sticky error when FAILED; GS_ERR_SEQ_EXHAUSTED
 * when it was released in order because either side's seq space was
 * (nearly) used up (docs/PROTOCOL.md §5.1): associate again.
 * GS_ERR_INVALID_ARG for NULL. */
GS_EXPORT int gs_session_end_reason(const gs_session *s);
/* "c" or "c:s" (NUL-terminated, owned by the session). */
GS_EXPORT const char *gs_session_asso_id(const gs_session *s);
/* The authenticated peer, or NULL before authentication: its identities
 * (subjectAltName, by kind) and its roles (n_roles, roles[]: from its
 * certificate's IEC 62351-8 extension and from the attribute certificate it
 * sent in token1.attCert, both checked by the validator). The same info is
 * gs_event.peer of GS_EV_HANDSHAKE_DONE and gs_rx.peer. Valid while the
 * session is. */
GS_EXPORT const gs_cert_info *gs_session_peer(const gs_session *s);
GS_EXPORT gs_data_mode gs_session_mode(const gs_session *s);

typedef struct gs_session_info {
  gs_dh_group group;
  gs_hash_alg hmac; /* HKDF / HMAC of token1 */
  gs_data_mode mode;
  gs_aead_alg aead;   /* GS_MODE_AEAD */
  gs_cipher_alg encr; /* GS_MODE_ETM */
  gs_hash_alg icv;    /* GS_MODE_ETM, GS_MODE_INTEGRITY */
  uint32_t epoch;     /* 0 after the handshake, +1 per key update */
  uint32_t tx_seq;    /* next seq to send */
  bool rx_any;        /* a data PDU has been accepted */
  uint32_t rx_last;   /* highest accepted seq */
  uint64_t gaps;      /* missing PDUs seen (strict mode) */
  uint64_t integrity_failures;
  uint64_t replays;
  bool rekey_pending;      /* initiator: awaiting changedKey */
  uint64_t key_wait_drops; /* responder, window mode: PDUs dropped as
                              GS_ERR_KEY_NOT_YET (they overtook a rekey PDU) */
  uint64_t malformed;      /* PDUs that did not decode, counted against
                              malformed_threshold (gs_malformed_policy) */
} gs_session_info;
GS_EXPORT int gs_session_get_info(const gs_session *s, gs_session_info *info);

/* Free a session: wipes every key and releases the peer certificate info.
 * NULL is allowed. */
GS_EXPORT void gs_session_free(gs_session *s);

GS_EXPORT const char *gs_session_state_name(gs_session_state st);

#ifdef __cplusplus
}
#endif
#endif
