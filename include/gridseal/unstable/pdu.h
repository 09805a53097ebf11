/* gridseal (unstable API: no compatibility promise between minor versions):
 * the SecPDU family of docs/gridseal-e2e.asn1 as C structures, with a
 * strict DER encoder and decoder for each type (lib/pdu_*.c).
 *
 * Decoding never copies: every gs_slice in a decoded structure points into
 * the buffer that was decoded and is valid only as long as that buffer.
 * Decoders also record the raw encodings that the protocol signs, MACs or
 * uses as AAD (`*_content` slices: content octets, i.e. without the element's
 * own tag and length), taken straight from the received bytes.
 *
 * Encoding: fill a structure (slices point at the caller's data) and call the
 * encoder with a caller buffer. Encoders validate what they write (SIZE
 * constraints, AssoID pattern, ...) and return the same errors a decoder
 * would, so the engine cannot emit what a peer must reject.
 *
 * Extension markers (`...`): this version rejects unknown trailing elements
 * in ClearToken1 (GS_ERR_DER_UNKNOWN_EXTENSION) and unknown SecPDU
 * alternatives (GS_ERR_DER_UNKNOWN_CHOICE). See docs/ARCHITECTURE.md. */
#ifndef GRIDSEAL_PDU_H
#define GRIDSEAL_PDU_H

#include "../cert.h"
#include "../common.h"
#include "../error.h"
#include "../pdu_kind.h"
#include "../profile.h"

#ifdef __cplusplus
extern "C" {
#endif

/* AlgorithmIdentifier. `oid` holds the OID content octets; `alg` is the
 * decoded id (GS_ALG_UNKNOWN for OIDs the profile does not know). On encode,
 * if `oid.ptr` is NULL the OID of `alg` is used. `params_null` records a
 * received explicit NULL (absent is what we send). */
typedef struct gs_algid {
  gs_alg alg;
  gs_slice oid;
  bool params_null;
} gs_algid;

typedef struct gs_dhkey {
  uint32_t group;      /* IANA IKEv2 group number */
  gs_slice public_key; /* encoded public value */
} gs_dhkey;

typedef enum gs_encr_mode_kind {
  GS_ENCR_MODE_AEAD = 0,
  GS_ENCR_MODE_NON_AEAD = 1
} gs_encr_mode_kind;

typedef struct gs_encr_mode {
  gs_encr_mode_kind kind;
  /* aead [0]: 1..8 entries */
  size_t n_aead;
  gs_algid aead[GS_MAX_ALG_LIST];
  /* nonAead [1]: encr [0] OPTIONAL (absent = integrity only), icv [1] */
  bool has_encr;
  size_t n_encr;
  gs_algid encr[GS_MAX_ALG_LIST];
  size_t n_icv;
  gs_algid icv[GS_MAX_ALG_LIST];
} gs_encr_mode;

/* ConfidentialityParms named bits. */
#define GS_CONF_TLS_PROTECTED 0x01u
#define GS_CONF_APPL_PROTECTED 0x02u
#define GS_CONF_VPN 0x04u

typedef struct gs_token1 {
  gs_algid sig_alg;
  gs_slice pk_cert;
  size_t n_cert_path; /* 0 = certPath absent */
  gs_slice cert_path[GS_MAX_CERT_PATH];
  uint32_t version;
  gs_slice asso_id; /* "c" or "c:s" */
  size_t n_dh;
  gs_dhkey dh[GS_MAX_DH_OFFERS];
  gs_algid hmac;
  gs_time_ms time;
  gs_encr_mode encr_mode;
  uint8_t conf_params; /* GS_CONF_* bits */
  bool has_att_cert;
  gs_slice att_cert;
  /* responder [2] PeerName OPTIONAL (departure D16): the responder the
   * request is meant for. PeerName ::= CHOICE { xmppAddr [0] UTF8String,
   * uri [1] IA5String, dns [2] IA5String }, each 1..GS_MAX_NAME_LEN-1
   * octets, no NUL; UTF8String well-formed UTF-8, IA5String 7-bit. */
  bool has_responder;
  gs_identity_kind responder_kind; /* GS_ID_XMPP, GS_ID_URI or GS_ID_DNS */
  gs_slice responder;
} gs_token1;

typedef struct gs_tbs_handshake {
  gs_slice pp;
  gs_token1 token1;
  bool has_appl_data;
  gs_slice appl_data;
} gs_tbs_handshake;

/* HandshakeReq and HandshakeAcc. */
typedef struct gs_handshake {
  gs_tbs_handshake tbs;
  gs_slice sign;
  gs_slice tbs_content; /* decode only: content octets of tbs (signed) */
} gs_handshake;

typedef struct gs_token2 {
  gs_slice asso_id;
  gs_time_ms time;
  uint32_t seq;
  bool has_iv;
  gs_slice iv;
  bool has_rekey;
  gs_slice rekey;
  bool req_rekey;   /* DEFAULT FALSE: encoded only when true */
  bool changed_key; /* DEFAULT FALSE: encoded only when true */
} gs_token2;

typedef struct gs_tbp {
  gs_token2 token2;
  gs_slice appl_data;
  gs_slice token2_content; /* decode only: content octets of token2 (AAD) */
} gs_tbp;

typedef struct gs_authenticator {
  gs_algid algorithm;
  gs_slice icv;
} gs_authenticator;

/* ClearTransfer (auth always present) and EncrTransfer (auth optional). */
typedef struct gs_transfer {
  gs_tbp tbp;
  bool has_auth;
  gs_authenticator auth;
  gs_slice tbp_content; /* decode only: content octets of tbp (MACed) */
} gs_transfer;

typedef struct gs_token3 {
  gs_algid sig_alg;
  uint32_t version;
  gs_slice asso_id;
  gs_time_ms time;
  bool has_pk_cert;
  gs_slice pk_cert;
  size_t n_cert_path; /* 0 = absent */
  gs_slice cert_path[GS_MAX_CERT_PATH];
  bool has_binding;
  gs_slice binding;
} gs_token3;

typedef struct gs_tbs_notice {
  gs_token3 token3;
  bool has_diag;
  int32_t diag;
  bool has_appl_data;
  gs_slice appl_data;
} gs_tbs_notice;

typedef struct gs_notice {
  gs_tbs_notice tbs;
  gs_slice sign;
  gs_slice tbs_content; /* decode only: content octets of tbs (signed) */
} gs_notice;

typedef struct gs_secpdu {
  gs_pdu_kind kind;
  union {
    gs_handshake hs;  /* HANDSHAKE_REQ, HANDSHAKE_ACC */
    gs_notice notice; /* APPLICATION_REJECT .. RELEASE_RSP */
    gs_transfer xfer; /* CLEAR_TRANSFER, ENCR_TRANSFER */
  } u;
} gs_secpdu;

/* Decode one whole SecPDU from `buf` (len <= GS_MAX_PDU_SIZE, else
 * GS_ERR_DER_TOO_LARGE). Every DER and semantic rule is checked; trailing
 * bytes at any level are rejected. `pdu` borrows from `buf`. */
GS_EXPORT int gs_secpdu_decode(gs_secpdu *pdu, const uint8_t *buf, size_t len);
/* Encode `pdu` into buf[0..cap); *len receives the encoded length. */
GS_EXPORT int gs_secpdu_encode(const gs_secpdu *pdu, uint8_t *buf, size_t cap, size_t *len);

/* The encodings that get signed or MACed, produced by the encoder exactly
 * as gs_secpdu_encode() would embed them. Each writes the whole element
 * (tag, length, content); use gs_der_content() for the content octets. */
GS_EXPORT int gs_tbs_handshake_encode(const gs_tbs_handshake *tbs, uint8_t *buf, size_t cap,
                                      size_t *len);
GS_EXPORT int gs_tbs_notice_encode(const gs_tbs_notice *tbs, uint8_t *buf, size_t cap, size_t *len);
GS_EXPORT int gs_tbp_encode(const gs_tbp *tbp, uint8_t *buf, size_t cap, size_t *len);
GS_EXPORT int gs_token2_encode(const gs_token2 *t2, uint8_t *buf, size_t cap, size_t *len);

/* The sender's one-pass data PDU (no intermediate buffers, no second
 * encoding of ClearToken2). gs_transfer_layout_encode() writes a
 * ClearTransfer or EncrTransfer (`kind`) whose ClearToken2 is `token2`, the
 * complete element from gs_token2_encode(), whose applData has `appl_len`
 * content octets and whose Authenticator, when `auth_len` > 0, is an
 * element of `auth_len` octets (from gs_authenticator_encode()). Everything
 * except the applData content and the Authenticator is written; the caller
 * then fills buf[appl_off, appl_off + appl_len) and, after computing the
 * ICV over buf[tbp_off, tbp_off + tbp_len) (the tbp content octets),
 * buf[auth_off, auth_off + auth_len). Once filled, the PDU is
 * byte-identical to gs_secpdu_encode() of the same values.
 * Errors: GS_ERR_INVALID_ARG (NULL argument, kind not a transfer, a
 * ClearTransfer without Authenticator), GS_ERR_BUFFER_TOO_SMALL,
 * GS_ERR_DER_TOO_LARGE (more than GS_MAX_PDU_SIZE octets). */
typedef struct gs_transfer_layout {
  size_t appl_off; /* applData content octets */
  size_t tbp_off;  /* tbp content octets (MAC input) */
  size_t tbp_len;
  size_t auth_off; /* Authenticator element (when auth_len > 0) */
  size_t len;      /* the whole SecPDU */
} gs_transfer_layout;

GS_EXPORT int gs_transfer_layout_encode(gs_pdu_kind kind, const uint8_t *token2, size_t token2_len,
                                        size_t appl_len, size_t auth_len, uint8_t *buf, size_t cap,
                                        gs_transfer_layout *lay);
/* The Authenticator element of `a` (AlgorithmIdentifier + ICV). */
GS_EXPORT int gs_authenticator_encode(const gs_authenticator *a, uint8_t *buf, size_t cap,
                                      size_t *len);

/* Standalone decoders of the inner types (for tests, fuzzing and tools);
 * each requires its input to be exactly one element. */
GS_EXPORT int gs_tbs_handshake_decode(gs_tbs_handshake *tbs, const uint8_t *buf, size_t len);
GS_EXPORT int gs_tbs_notice_decode(gs_tbs_notice *tbs, const uint8_t *buf, size_t len);
GS_EXPORT int gs_tbp_decode(gs_tbp *tbp, const uint8_t *buf, size_t len);
GS_EXPORT int gs_token2_decode(gs_token2 *t2, const uint8_t *buf, size_t len);
GS_EXPORT int gs_algid_decode(gs_algid *a, const uint8_t *buf, size_t len);
GS_EXPORT int gs_encr_mode_decode(gs_encr_mode *m, const uint8_t *buf, size_t len);

/* The content octets of one DER element `tlv` (which must be exactly one
 * well-formed element): GS_OK and *content, or a DER error. */
GS_EXPORT int gs_der_content(const uint8_t *tlv, size_t len, gs_slice *content);

/* AssoID pattern \d{1,3}(:\d{1,3})? — GS_OK or GS_ERR_DER_BAD_ASSOID.
 * `want_full` requires the "c:s" form, `want_initiator` the "c" form; with
 * both false either form is accepted. */
GS_EXPORT int gs_assoid_check(const uint8_t *s, size_t len, bool want_full, bool want_initiator);

#ifdef __cplusplus
}
#endif
#endif
