/* gridseal: the profile in one place — limits (docs/PROTOCOL.md §8), algorithm
 * identifiers (§2), diagnostics (docs/gridseal-e2e.asn1) and every choice the
 * profile marks PROPOSED. Change a PROPOSED value here when the normative
 * IEC 62351-4 text says otherwise. */
#ifndef GRIDSEAL_PROFILE_H
#define GRIDSEAL_PROFILE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------- §8 limits */
#define GS_MAX_PDU_SIZE (64u * 1024u)       /* max SecPDU, octets */
#define GS_MAX_CERT_PATH 8u                 /* certPath SIZE (1..8); path length */
#define GS_MAX_DER_DEPTH 16u                /* max DER nesting depth */
#define GS_MAX_DH_OFFERS 4u                 /* DiffieHellmanSet SIZE (1..4) */
#define GS_MAX_ALG_LIST 8u                  /* EncrMode lists SIZE (1..8) */
#define GS_MAX_PP_LEN 32u                   /* pp PrintableString SIZE (1..32) */
#define GS_MAX_ASSOID_LEN 7u                /* AssoID SIZE (1..7) "ccc:sss" */
#define GS_MAX_SEQ 2147483647u              /* seq INTEGER (0..2^31-1) */
#define GS_HS_TOLERANCE_MS (10 * 60 * 1000) /* handshake time tolerance ±10 min */
#define GS_REPLAY_CACHE_ENTRIES 4096u       /* (cert fp, time, assoID), aged by time */
#define GS_MAX_HALF_OPEN_PER_PEER 4u        /* half-open associations per peer */
#define GS_MAX_HALF_OPEN 1024u              /* half-open associations in all */
#define GS_REJECT_RATE_PER_SEC 10u          /* signed handshakeSecReject per s */
#define GS_REPLAY_WINDOW 64u                /* window mode, entries */

/* §5.1: once a sender has used seq GS_MAX_SEQ - GS_SEQ_RELEASE_MARGIN, its
 * timer (gs_session_next_deadline: at once) releases the association in
 * order; the PDUs sent until then all go out. The margin leaves room for
 * every PDU an application may send before its next timer call. */
#define GS_SEQ_RELEASE_MARGIN (1u << 20)

/* §6 key lifetime and budget */
#define GS_KEY_LIFETIME_DEFAULT_MS (60LL * 60 * 1000)  /* 1 h */
#define GS_KEY_LIFETIME_MIN_MS (15LL * 60 * 1000)      /* 15 min */
#define GS_KEY_LIFETIME_MAX_MS (24LL * 60 * 60 * 1000) /* 24 h */
#define GS_KEY_BUDGET_DEFAULT (1u << 24)               /* PDUs/direction */
/* §5 drop-and-count policy: integrity failures tolerated before dtSecAbort */
#define GS_INTEGRITY_THRESHOLD_DEFAULT 16u
/* GS_MALFORMED_DROP: undecodable PDUs per association before dtSecAbort. */
#define GS_MALFORMED_THRESHOLD_DEFAULT 16u
/* Engine output queue: PDUs held per session / endpoint until drained */
#define GS_OUTPUT_QUEUE_MAX 32u
/* Handshake timeout: an initiator in HS_SENT and a responder in HS_RECEIVED
 * (half-open) fail after this long (configurable per endpoint). A few
 * seconds: one lost or tampered handshake PDU costs this much before the
 * next attempt. Also the default of the unconfirmed-key-update and
 * half-open-responder deadlines (docs/PROTOCOL.md §5.4, §6.5, §8.3) */
#define GS_HS_TIMEOUT_DEFAULT_MS (5LL * 1000)
/* Window mode, responder: PDUs that fail under the current key while they
 * may belong to a key update still in flight (they overtook the rekey PDU)
 * are dropped without ending the association, at most this many per key
 * epoch; one more ends it (dtSecAbort) */
#define GS_KEY_WAIT_DROP_MAX 8u
/* Rekey flood (K7): the responder accepts a burst of GS_REKEY_BURST key
 * updates, refilled by one every GS_REKEY_REFILL_MS; past that dtSecAbort */
#define GS_REKEY_BURST 32u
#define GS_REKEY_REFILL_MS (60LL * 1000)
/* Established + half-open associations per endpoint (both roles); the
 * assoID part has 3 digits, so 1000 is also the hard ceiling */
#define GS_MAX_SESSIONS_DEFAULT 1000u

/* §2 sizes */
#define GS_AEAD_TAG_LEN 16u /* PROPOSED: GCM and ChaCha20-Poly1305 tags */
#define GS_AEAD_NONCE_LEN 12u
#define GS_CBC_IV_LEN 16u
#define GS_HASH_LEN 32u        /* H = SHA-256: h chain values */
#define GS_MAX_MAC_LEN 48u     /* HMAC-SHA384 */
#define GS_MAX_DH_PUB_LEN 256u /* MODP-2048 */
#define GS_MAX_DH_SECRET_LEN 256u
#define GS_MAX_SIG_LEN 512u    /* RSA up to 4096 */
#define GS_FINGERPRINT_LEN 32u /* SHA-256 of the certificate DER */

/* --------------------------------------------------- PROPOSED choices */
#define GS_PROTOCOL_VERSION 1
/* h_0: "the initial message uses 0" read as 32 zero octets (§3.2). */
#define GS_H0_BYTE 0x00
/* The responder signs tbs_B || h_A (§3.4). */
#define GS_RESPONDER_SIGNS_H_A 1
/* PROPOSED hardening (finding SEC-1, docs/DEVIATIONS.md): a SignedNotice
 * signs its kind. §7 signs only the content octets of tbs, so the SecPDU
 * CHOICE tag (releaseReq, applAbort, ...) could be rewritten by a relay.
 * With 1 the signature input is the alternative's identifier octet (e.g.
 * 0xA7 for releaseReq) followed by the content octets of tbs:
 * Sig(priv, tagOctet || tbs). No ASN.1 change; not interoperable with a
 * peer that signs tbs alone (set 0 for the §7 text as written). */
#define GS_NOTICE_SIG_BINDS_KIND 1
/* HKDF info is empty (§4). */
#define GS_HKDF_INFO ""
/* Default protected protocol string. */
#define GS_PP_DEFAULT "IEC61850-8-2"
/* XMPP element (§9). */
#define GS_XMPP_NS "urn:gridseal:xmpp:e2e:1"
#define GS_XMPP_ELEMENT "e2e"

/* ---------------------------------------------------- §2 algorithms */
typedef enum gs_dh_group {
  GS_DH_MODP2048 = 14,
  GS_DH_P256 = 19,
  GS_DH_P384 = 20,
  GS_DH_BP256 = 28,
  GS_DH_X25519 = 31
} gs_dh_group;

typedef enum gs_hash_alg { GS_HASH_SHA256 = 1, GS_HASH_SHA384 = 2 } gs_hash_alg;

typedef enum gs_aead_alg {
  GS_AEAD_AES128_GCM = 1,
  GS_AEAD_AES256_GCM = 2,
  GS_AEAD_CHACHA20_POLY1305 = 3
} gs_aead_alg;

typedef enum gs_cipher_alg { GS_CIPHER_AES128_CBC = 1, GS_CIPHER_AES256_CBC = 2 } gs_cipher_alg;

typedef enum gs_sig_alg {
  GS_SIG_ECDSA_SHA256 = 1,
  GS_SIG_RSA_SHA256 = 2,
  GS_SIG_ED25519 = 3
} gs_sig_alg;

/* Every algorithm identifier the profile knows, as one id space, so that an
 * AlgorithmIdentifier decodes to one value. GS_ALG_UNKNOWN for anything else
 * (kept as raw OID bytes in gs_algid so it re-encodes identically). */
typedef enum gs_alg {
  GS_ALG_UNKNOWN = 0,
  GS_ALG_ECDSA_SHA256,      /* 1.2.840.10045.4.3.2 */
  GS_ALG_RSA_SHA256,        /* 1.2.840.113549.1.1.11 */
  GS_ALG_ED25519,           /* 1.3.101.112 */
  GS_ALG_HMAC_SHA256,       /* 1.2.840.113549.2.9 */
  GS_ALG_HMAC_SHA384,       /* 1.2.840.113549.2.10 */
  GS_ALG_AES128_GCM,        /* 2.16.840.1.101.3.4.1.6 */
  GS_ALG_AES256_GCM,        /* 2.16.840.1.101.3.4.1.46 */
  GS_ALG_CHACHA20_POLY1305, /* 1.2.840.113549.1.9.16.3.18 */
  GS_ALG_AES128_CBC,        /* 2.16.840.1.101.3.4.1.2 */
  GS_ALG_AES256_CBC,        /* 2.16.840.1.101.3.4.1.42 */
  GS_ALG_COUNT_
} gs_alg;

/* The DER content octets of the OID of `alg` (no tag, no length), or NULL
 * for GS_ALG_UNKNOWN; *len receives their length. */
GS_EXPORT const uint8_t *gs_alg_oid(gs_alg alg, size_t *len);
/* The algorithm named by OID content octets, or GS_ALG_UNKNOWN. */
GS_EXPORT gs_alg gs_alg_from_oid(const uint8_t *oid, size_t len);
/* A short name ("aes256-GCM", ...) for logs; never NULL. */
GS_EXPORT const char *gs_alg_name(gs_alg alg);

/* --------------------------------------------------- diagnostics */
typedef enum gs_hs_diag {
  GS_HS_NO_REASON = 0,
  GS_HS_PROTOCOL_ERROR = 1,
  GS_HS_PP_NOT_SUPPORTED = 2,
  GS_HS_INVALID_SIG_ALG = 3,
  GS_HS_UNEXPECTED_VERSION = 4,
  GS_HS_HMAC_NOT_SUPPORTED = 5,
  GS_HS_ENCRYPTION_NOT_REQUIRED = 6,
  GS_HS_ENCRYPTION_REQUIRED = 7,
  GS_HS_INVALID_PK_CERT = 8,
  GS_HS_INVALID_CERT_PATH = 9,
  GS_HS_INVALID_TIME = 10,
  GS_HS_DH_GROUP_NOT_SUPPORTED = 11,
  GS_HS_ILLEGAL_DH_GROUP_SELECTED = 12,
  GS_HS_ICV_NOT_SUPPORTED = 13,
  GS_HS_ENCRYPT_NOT_SUPPORTED = 14,
  GS_HS_AEA_NOT_SUPPORTED = 15,
  GS_HS_INVALID_ATTR_CERT = 16,
  GS_HS_ENCR_MODE_AEA_NOT_SUPPORTED = 17,
  GS_HS_AE_IS_REQUIRED = 18,
  GS_HS_AEA_SELECT_BUT_ENCRYP_NOT_SUPP = 19,
  GS_HS_INVALID_AE_ALGORITHM = 20,
  GS_HS_SINGLE_AE_ALGORITHM_REQUIRED = 21,
  GS_HS_AE_NOT_USED = 22,
  GS_HS_INVALID_ENCRYPTION_ALGORITHM = 23,
  GS_HS_SINGLE_ENCRYPT_ALGO_REQUIRED = 24,
  GS_HS_SINGLE_ICV_ALGO_REQUIRED = 25,
  /* PROPOSED values (docs/PROTOCOL.md §10): not in the standard's list */
  GS_HS_PEER_NOT_AUTHORIZED = 26,  /* identity not allowed, or a required role missing */
  GS_HS_TOO_MANY_ASSOCIATIONS = 27 /* per-identity association cap reached */
} gs_hs_diag;

typedef enum gs_dt_diag {
  GS_DT_NO_REASON = 0,
  GS_DT_PROTOCOL_ERROR = 1,
  GS_DT_UNEXPECTED_VERSION = 2,
  GS_DT_ENCRYPTION_NOT_SELECTED = 3,
  GS_DT_ENCRYPTION_REQUIRED = 4,
  GS_DT_GMAC_NONCE_REQUIRED = 5,
  GS_DT_INVALID_SEQUENCE_NUMBER = 6,
  GS_DT_AES_INIT_VECTOR_REQUIRED = 7,
  GS_DT_UNEXPECTED_DH_PUBLIC_KEY = 8,
  GS_DT_UNEXPECTED_CHANGED_KEYS = 9,
  GS_DT_INVALID_TIME_VALUE = 10
} gs_dt_diag;

GS_EXPORT const char *gs_hs_diag_name(int diag);
GS_EXPORT const char *gs_dt_diag_name(int diag);

#ifdef __cplusplus
}
#endif
#endif
