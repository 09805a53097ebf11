/* gridseal CLI: the configuration file (docs/CONFIG.md) parsed into one
 * structure that the `der` and `cc` commands use.
 *
 * Format: `[section]` and `[der NAME]` headers, `key = value` lines, `#`
 * comments (at the start of a line or after white space). The parser is
 * strict: an unknown section or key, a repeated key, a value out of range,
 * or a missing required key is an error with the file name and line number,
 * e.g. "cc.conf:12: unknown key 'modee' in [security]". Relative file paths
 * are resolved against the directory of the configuration file. */
#ifndef GS_APPS_CONFIG_H
#define GS_APPS_CONFIG_H

#include "gridseal/authz.h"
#include "gridseal/common.h"
#include "gridseal/profile.h"
#include "gridseal/session.h"

#define GS_CFG_PATH_MAX 512
#define GS_CFG_STR_MAX 256
#define GS_CFG_NAME_MAX 64
#define GS_CFG_MAX_FILES 4      /* trust anchors, CRLs */
#define GS_CFG_MAX_ALLOWED 32   /* allowed_peers entries */
#define GS_CFG_MAX_REQUIRED 8   /* required_roles entries */
#define GS_CFG_MAX_ROLE_OPS 24  /* [roles] entries */
#define GS_CFG_ROLE_MAX 64      /* role name, with the NUL */
#define GS_CFG_ASSOC_PER_PEER 2 /* max_assoc_per_peer default */
#define GS_CFG_MAX_PEERS 256    /* [der NAME] sections */
#define GS_CFG_LINE_MAX 1024
#define GS_CFG_MAX_XMPP_PEERS 8        /* [transport] peers entries */
#define GS_CFG_SIM_HOUR_OFF UINT32_MAX /* [application] sim_hour unset */

typedef enum gs_cfg_role { GS_CFG_ROLE_CC = 1, GS_CFG_ROLE_DER = 2 } gs_cfg_role;

typedef enum gs_cfg_transport {
  GS_CFG_TRANSPORT_TCP = 0,
  GS_CFG_TRANSPORT_XMPP = 1,
  GS_CFG_TRANSPORT_MQTT = 2,
  GS_CFG_TRANSPORT_AMQP = 3
} gs_cfg_transport;

/* [security] on_reload: what a reload (SIGHUP) does to the associations
 * that continue (docs/PKI-OPERATIONS.md). Whatever the policy, an
 * association whose peer the reloaded trust anchors or CRLs no longer
 * accept is ended. */
typedef enum gs_cfg_on_reload {
  GS_CFG_RELOAD_KEEP = 0,       /* they go on as they are (default) */
  GS_CFG_RELOAD_REKEY = 1,      /* each updates its keys */
  GS_CFG_RELOAD_REASSOCIATE = 2 /* a renewed own certificate: the initiator
                                   releases and associates again */
} gs_cfg_on_reload;

#define GS_CFG_CERT_WARN_DEFAULT_MS (30LL * 86400000) /* [identity] cert_warn_before */
#define GS_CFG_CRL_WARN_DEFAULT_MS (2LL * 86400000)   /* [identity] crl_warn_before */

/* [security], in the engine's types (gs_endpoint_config takes them as
 * they are). */
typedef struct gs_cfg_security {
  gs_offer_mode mode;
  size_t n_aead;
  gs_aead_alg aead[GS_MAX_ALG_LIST]; /* AEAD algorithms, preference order */
  size_t n_encr;
  gs_cipher_alg encr[GS_MAX_ALG_LIST]; /* CBC ciphers (encrypt-then-mac) */
  size_t n_icv;
  gs_hash_alg icv[GS_MAX_ALG_LIST]; /* ICV HMACs (encrypt-then-mac, integrity-only) */
  gs_hash_alg hmac;                 /* HKDF / handshake HMAC */
  size_t n_dh;
  gs_dh_group dh_groups[GS_MAX_DH_OFFERS]; /* IANA group numbers */
  gs_time_ms time_tolerance_ms;
  gs_time_ms key_lifetime_ms;
  uint64_t message_budget;
  gs_replay_mode replay;
  gs_malformed_policy on_malformed; /* docs/PROTOCOL.md §5.2 */
  gs_encr_policy encryption;
  char pp[GS_MAX_PP_LEN + 1];
  /* authorization (docs/CONFIG.md, "Authorization") */
  size_t n_allowed; /* allowed_peers: typed identities */
  gs_identity allowed[GS_CFG_MAX_ALLOWED];
  size_t n_required; /* required_roles (any-of) */
  char required[GS_CFG_MAX_REQUIRED][GS_CFG_ROLE_MAX];
  int allow_any_peer;          /* allow_any_peer = yes */
  uint32_t max_assoc_per_peer; /* associations one identity may hold at once */
  gs_cfg_on_reload on_reload;  /* SIGHUP: continuing associations */
} gs_cfg_security;

/* [session]: the engine's timers (gs_endpoint_config). */
#define GS_CFG_TIMER_MIN_MS 100LL /* each timer: 100 ms .. 10 min */
#define GS_CFG_TIMER_MAX_MS (10LL * 60 * 1000)
#define GS_CFG_REKEY_TIMEOUT_DEFAULT_MS 10000LL     /* key update unconfirmed after */
#define GS_CFG_HALF_OPEN_TIMEOUT_DEFAULT_MS 10000LL /* answered, no valid traffic after */
#define GS_CFG_IDLE_TIMEOUT_DEFAULT_MS 10000LL      /* no valid PDU from the peer after */
typedef struct gs_cfg_session {
  gs_time_ms handshake_timeout_ms; /* initiator: no HandshakeAcc after this */
  gs_time_ms rekey_timeout_ms;     /* a key update not confirmed after this */
  gs_time_ms half_open_timeout_ms; /* responder: answered, no valid PDU after this */
  gs_time_ms idle_timeout_ms;      /* either role: no valid PDU from the peer after this
                                      (a keepalive goes out after a third of it) */
} gs_cfg_session;

/* One line of [roles]: the operations a role permits (replaces the default
 * of gs_authz_default_role_ops for that role). */
typedef struct gs_cfg_role_ops {
  char role[GS_CFG_ROLE_MAX];
  gs_authz_ops ops;
  unsigned line;
} gs_cfg_role_ops;

/* [identity]: the E2E certificate, key and trust (paths resolved). */
typedef struct gs_cfg_identity {
  char cert[GS_CFG_PATH_MAX];
  char key[GS_CFG_PATH_MAX];
  size_t n_anchors;
  char anchors[GS_CFG_MAX_FILES][GS_CFG_PATH_MAX];
  size_t n_crls;
  char crls[GS_CFG_MAX_FILES][GS_CFG_PATH_MAX];
  char attr_cert[GS_CFG_PATH_MAX]; /* "" = none */
  /* key sources (docs/KEYS.md): `key` may also be a pkcs11: URI or a TPM
   * handle:0x81...; "" = not set */
  char key_passphrase_file[GS_CFG_PATH_MAX]; /* pass phrase, PIN or TPM auth */
  char pkcs11_module[GS_CFG_PATH_MAX];
  char tpm_tcti[GS_CFG_STR_MAX];
  /* expiry warnings (0: none): the own certificate, its trust anchor and
   * attribute certificate, and each CRL */
  gs_time_ms cert_warn_before_ms;
  gs_time_ms crl_warn_before_ms;
} gs_cfg_identity;

/* [transport] */
typedef struct gs_cfg_transport_settings {
  gs_cfg_transport type;
  char listen[GS_CFG_STR_MAX]; /* HOST:PORT (der over tcp) */
  char server[GS_CFG_STR_MAX]; /* HOST:PORT of the XMPP server / broker */
  char domain[GS_CFG_STR_MAX]; /* XMPP domain */
  char jid[GS_CFG_STR_MAX];    /* own XMPP address */
  char tls_cert[GS_CFG_PATH_MAX];
  char tls_key[GS_CFG_PATH_MAX];
  char tls_ca[GS_CFG_PATH_MAX];
  gs_time_ms reconnect_min_ms;
  gs_time_ms reconnect_max_ms;
  /* amqp: the send queue while the broker is unreachable (0: none) */
  uint32_t queue_max;
  gs_time_ms queue_max_age_ms;
  /* der over xmpp: bare XMPP addresses of the control centers it serves
   * (presence, PDUs); none given = cc@domain. */
  size_t n_xmpp_peers;
  char xmpp_peers[GS_CFG_MAX_XMPP_PEERS][GS_CFG_STR_MAX];
} gs_cfg_transport_settings;

/* [application] */
typedef struct gs_cfg_application {
  gs_time_ms report_interval_ms;
  uint32_t rating_kw;            /* DER rating */
  uint64_t seed;                 /* DER simulation seed */
  uint32_t sim_hour;             /* DER: plant clock starts at this UTC hour (0..23);
                                    GS_CFG_SIM_HOUR_OFF = the wall clock (demo key) */
  gs_time_ms request_timeout_ms; /* cc: a set-point or release unanswered after this */
} gs_cfg_application;
#define GS_CFG_REQUEST_TIMEOUT_DEFAULT_MS 5000LL

/* [log] */
typedef struct gs_cfg_log {
  char events[GS_CFG_PATH_MAX]; /* JSON lines; "-" = stdout; "" = none */
  char csv[GS_CFG_PATH_MAX];    /* CSV measurement log; "" = none */
  /* syslog (docs/SYSLOG.md) */
  int syslog;                         /* syslog = yes: events to the local syslog(3) */
  int syslog_facility;                /* the syslog facility code: 3 (daemon) or 16..23
                                         (local0..local7); 0 = not set, daemon */
  char syslog_remote[GS_CFG_STR_MAX]; /* HOST:PORT of an RFC 5425 collector; "" = none */
  char syslog_ca[GS_CFG_PATH_MAX];    /* the CA that signs the collector's certificate */
  char syslog_cert[GS_CFG_PATH_MAX];  /* client certificate for the collector; "" = none */
  char syslog_key[GS_CFG_PATH_MAX];   /* its key */
} gs_cfg_log;

/* [http]: the control center's HTTP server (docs/METRICS.md); `--http`
 * overrides listen. "" = off. */
typedef struct gs_cfg_http {
  char listen[GS_CFG_STR_MAX]; /* PORT, ADDR:PORT or [ADDR6]:PORT */
  int tls;                     /* tls = yes: TLS on loopback too */
  char tls_cert[GS_CFG_PATH_MAX];
  char tls_key[GS_CFG_PATH_MAX];
  char client_ca[GS_CFG_PATH_MAX];
} gs_cfg_http;

/* PORT, ADDR:PORT or [ADDR6]:PORT with a numeric address (or localhost). */
bool gs_cfg_http_listen_ok(const char *v);

/* [standby]: a control center in hot standby of another, or the primary
 * of one (docs/STANDBY.md). "" = not set. */
#define GS_CFG_TAKEOVER_DEFAULT_MS 5000LL
#define GS_CFG_TAKEOVER_MIN_MS 100LL
#define GS_CFG_TAKEOVER_MAX_MS 3600000LL
typedef struct gs_cfg_standby {
  char primary[GS_CFG_STR_MAX]; /* this cc is the standby of the cc at this bare XMPP address */
  char standby[GS_CFG_STR_MAX]; /* this cc is the primary; its standby follows its presence */
  gs_time_ms takeover_after_ms; /* the primary gone this long: take over the fleet */
  unsigned primary_line, standby_line;
} gs_cfg_standby;

/* [der NAME] in a control center's file: one DER it talks to. */
typedef struct gs_cfg_peer {
  char name[GS_CFG_NAME_MAX];
  char identity[GS_CFG_STR_MAX]; /* expected E2E identity (SAN) */
  char connect[GS_CFG_STR_MAX];  /* HOST:PORT (tcp) */
  char jid[GS_CFG_STR_MAX];      /* XMPP address (xmpp) */
  unsigned line;                 /* line of the section header */
} gs_cfg_peer;

typedef struct gs_config {
  char file[GS_CFG_PATH_MAX]; /* as given, for messages */
  /* [node] */
  gs_cfg_role role;
  char name[GS_CFG_NAME_MAX];
  char identity[GS_CFG_STR_MAX]; /* own E2E identity */
  gs_cfg_security security;
  gs_cfg_session session;
  gs_cfg_identity id;
  gs_cfg_transport_settings transport;
  gs_cfg_application app;
  gs_cfg_log log;
  gs_cfg_http http;
  gs_cfg_standby standby;
  size_t n_role_ops; /* [roles] */
  gs_cfg_role_ops role_ops[GS_CFG_MAX_ROLE_OPS];
  size_t n_peers;
  gs_cfg_peer peers[GS_CFG_MAX_PEERS];
  unsigned replay_line; /* line of [security] replay; 0 = not set, the
                           transport's default applies (gs_cfg_override) */
} gs_config;

/* One error message: "FILE:LINE: text" (or "FILE: text" for file-level
 * problems such as a missing section). */
typedef struct gs_cfg_error {
  unsigned line; /* 0 when the error is not tied to a line */
  char msg[GS_CFG_PATH_MAX + 256];
} gs_cfg_error;

/* The defaults (docs/CONFIG.md) in *cfg. */
void gs_cfg_defaults(gs_config *cfg);

/* Parse text[0..len) named `file` (for messages); relative paths are
 * resolved against `base_dir` ("" or NULL: as written). GS_OK, or
 * GS_ERR_CONFIG with *err filled; *cfg is then incomplete. */
int gs_cfg_parse(gs_config *cfg, const char *file, const char *base_dir, const char *text,
                 size_t len, gs_cfg_error *err);

/* Read and parse the file at `path` (at most 1 MiB). GS_ERR_IO (cannot read,
 * message names the file and errno text) or the errors of gs_cfg_parse. */
int gs_cfg_load(gs_config *cfg, const char *path, gs_cfg_error *err);

/* Command-line overrides after gs_cfg_load / gs_cfg_parse: `type`
 * (--transport; NULL = keep) and `server` (--server HOST:PORT; NULL = keep)
 * replace [transport] type and server. The defaults that depend on the
 * transport are chosen again for the final type (replay: window for mqtt
 * and amqp, strict for tcp and xmpp, when the file sets no replay line),
 * and the parser's transport checks run again ("missing key
 * 'transport.jid' (with --transport xmpp)"). GS_OK, or GS_ERR_CONFIG with
 * *err filled (--server with transport tcp is one). */
int gs_cfg_override(gs_config *cfg, const gs_cfg_transport *type, const char *server,
                    gs_cfg_error *err);

/* The replay warning (docs/CONFIG.md): a broker transport (mqtt, amqp)
 * with replay = strict set in the file. Writes "FILE:LINE: ..." saying why
 * and what to set into out[0..cap) and returns true; false (out = "")
 * when there is nothing to say. */
bool gs_cfg_replay_warning(const gs_config *cfg, char *out, size_t cap);

/* Names for printing, as the configuration writes them. */
const char *gs_cfg_mode_name(gs_offer_mode m);
const char *gs_cfg_replay_name(gs_replay_mode r);
const char *gs_cfg_encryption_name(gs_encr_policy e);
/* "aes256-GCM", "aes128-CBC", "hmacWithSHA256", ... ("unknown" if none). */
const char *gs_cfg_aead_name(gs_aead_alg a);
const char *gs_cfg_cipher_name(gs_cipher_alg a);
const char *gs_cfg_hash_name(gs_hash_alg a);
const char *gs_cfg_transport_name(gs_cfg_transport t);
const char *gs_cfg_on_reload_name(gs_cfg_on_reload r);
/* [log] syslog_facility as written: "daemon" (also for 0, not set), "local0".. */
const char *gs_cfg_syslog_facility_name(int facility);

/* The [der NAME] section called `name`, or NULL. */
const gs_cfg_peer *gs_cfg_find_peer(const gs_config *cfg, const char *name);

/* An identity as [node] identity and [der NAME] identity write it:
 * "urn:..." or "SCHEME://..." (URI), "name@domain[/res]" (XMPP, the bare
 * address), else a DNS name. */
void gs_cfg_identity_parse(const char *s, gs_identity *out);

/* The authorization policy of `cfg` (config_authz.c): allow_any_peer,
 * allowed_peers, required_roles and [roles]. A control center without
 * allowed_peers, required_roles or allow_any_peer admits the identities of
 * its [der NAME] sections. GS_OK and *out (free with gs_authz_free), or an
 * error with a message in err[0..cap). */
int gs_cfg_authz(const gs_config *cfg, gs_authz **out, char *err, size_t cap);
/* "read, setpoint" ... or "none": the operations as [roles] writes them. */
void gs_cfg_ops_text(gs_authz_ops ops, char *out, size_t cap);

#endif
