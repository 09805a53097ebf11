/* gridseal: the one error space.
 *
 * 0 is success; every error is a negative gs_err value. gs_strerror() names
 * each one. Three things are kept apart (ENGINEERING.md rule 5):
 *   - local errors (this enum), returned by every API call;
 *   - diagnostics we send to the peer (gs_hs_diag / gs_dt_diag in profile.h);
 *   - reasons the peer sent us (reported in events, never as a return value).
 *
 * The list is an X-macro so that the enum and gs_strerror() cannot drift.
 * Values are stable within a section; new codes are appended to a section. */
#ifndef GRIDSEAL_ERROR_H
#define GRIDSEAL_ERROR_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GS_ERRORS(X)                                                                               \
  /* local / API (-1 .. -99) */                                                                    \
  X(GS_ERR_INVALID_ARG, -1, "invalid argument")                                                    \
  X(GS_ERR_NOMEM, -2, "out of memory")                                                             \
  X(GS_ERR_BUFFER_TOO_SMALL, -3, "output buffer too small")                                        \
  X(GS_ERR_STATE, -4, "call not allowed in the current state")                                     \
  X(GS_ERR_IO, -5, "I/O error")                                                                    \
  X(GS_ERR_CONFIG, -6, "invalid configuration")                                                    \
  X(GS_ERR_NOT_FOUND, -7, "not found")                                                             \
  X(GS_ERR_LIMIT, -8, "configured limit reached")                                                  \
  X(GS_ERR_INTERNAL, -9, "internal error")                                                         \
  X(GS_ERR_UNSUPPORTED, -10, "not supported")                                                      \
  /* strict DER (-100 .. -199) */                                                                  \
  X(GS_ERR_DER_TRUNCATED, -100, "DER: element extends past the input")                             \
  X(GS_ERR_DER_INDEFINITE_LENGTH, -101, "DER: indefinite length")                                  \
  X(GS_ERR_DER_NON_MINIMAL_LENGTH, -102, "DER: non-minimal length encoding")                       \
  X(GS_ERR_DER_LENGTH_TOO_LARGE, -103, "DER: length too large")                                    \
  X(GS_ERR_DER_TRAILING_BYTES, -104, "DER: trailing bytes")                                        \
  X(GS_ERR_DER_TOO_DEEP, -105, "DER: nesting deeper than allowed")                                 \
  X(GS_ERR_DER_TOO_LARGE, -106, "DER: size over the profile limit")                                \
  X(GS_ERR_DER_WRONG_TAG, -107, "DER: unexpected tag")                                             \
  X(GS_ERR_DER_BAD_TAG, -108, "DER: malformed tag")                                                \
  X(GS_ERR_DER_INTEGER_NON_MINIMAL, -109, "DER: non-minimal INTEGER")                              \
  X(GS_ERR_DER_INTEGER_RANGE, -110, "DER: INTEGER out of range")                                   \
  X(GS_ERR_DER_BAD_BOOLEAN, -111, "DER: BOOLEAN not 0x00 or 0xFF")                                 \
  X(GS_ERR_DER_BAD_OID, -112, "DER: malformed OBJECT IDENTIFIER")                                  \
  X(GS_ERR_DER_BAD_BIT_STRING, -113, "DER: malformed BIT STRING")                                  \
  X(GS_ERR_DER_BAD_STRING, -114, "DER: invalid character string")                                  \
  X(GS_ERR_DER_BAD_TIME, -115, "DER: non-canonical GeneralizedTime")                               \
  X(GS_ERR_DER_BAD_ASSOID, -116, "DER: AssoID does not match its pattern")                         \
  X(GS_ERR_DER_DEFAULT_ENCODED, -117, "DER: DEFAULT value encoded explicitly")                     \
  X(GS_ERR_DER_UNKNOWN_EXTENSION, -118, "DER: unknown extension field")                            \
  X(GS_ERR_DER_UNKNOWN_CHOICE, -119, "DER: unknown CHOICE alternative")                            \
  X(GS_ERR_DER_BAD_SIZE, -120, "DER: SIZE constraint violated")                                    \
  X(GS_ERR_DER_BAD_NULL, -121, "DER: malformed NULL")                                              \
  X(GS_ERR_DER_BAD_PARAMS, -122, "DER: algorithm parameters not absent/NULL")                      \
  X(GS_ERR_DER_CONSTRUCTED, -123, "DER: wrong primitive/constructed form")                         \
  /* cryptography (-200 .. -299) */                                                                \
  X(GS_ERR_CRYPTO, -200, "cryptographic provider failure")                                         \
  X(GS_ERR_UNSUPPORTED_ALG, -201, "unsupported algorithm")                                         \
  X(GS_ERR_DH_PEER_INVALID, -202, "invalid peer Diffie-Hellman value")                             \
  X(GS_ERR_AUTH_TAG, -203, "integrity check (ICV or AEAD tag) failed")                             \
  X(GS_ERR_BAD_SIGNATURE, -204, "signature verification failed")                                   \
  X(GS_ERR_BAD_KEY, -205, "invalid key")                                                           \
  X(GS_ERR_DECRYPT, -206, "decryption failed (padding)")                                           \
  X(GS_ERR_RNG, -207, "random number generator failure")                                           \
  X(GS_ERR_BAD_LENGTH, -208, "invalid key, nonce, IV or tag length")                               \
  X(GS_ERR_KEY_ENCRYPTED, -209, "private key is encrypted and no pass phrase was given")           \
  X(GS_ERR_KEY_PASSPHRASE, -210, "wrong pass phrase or PIN for the private key")                   \
  X(GS_ERR_KEY_UNREACHABLE, -211, "key store unreachable (PKCS#11 module or token, TPM)")          \
  /* certificates (-300 .. -399) */                                                                \
  X(GS_ERR_CERT_PARSE, -300, "certificate: not strict DER")                                        \
  X(GS_ERR_CERT_EXPIRED, -301, "certificate: expired")                                             \
  X(GS_ERR_CERT_NOT_YET_VALID, -302, "certificate: not yet valid")                                 \
  X(GS_ERR_CERT_UNTRUSTED, -303, "certificate: no path to a trust anchor")                         \
  X(GS_ERR_CERT_SELF_SIGNED, -304, "certificate: self-signed end entity")                          \
  X(GS_ERR_CERT_KEY_USAGE, -305, "certificate: keyUsage lacks digitalSignature")                   \
  X(GS_ERR_CERT_NOT_CA, -306, "certificate: issuer is not a CA")                                   \
  X(GS_ERR_CERT_PATH_TOO_LONG, -307, "certificate: path too long")                                 \
  X(GS_ERR_CERT_REVOKED, -308, "certificate: revoked")                                             \
  X(GS_ERR_CRL_EXPIRED, -309, "certificate: CRL expired")                                          \
  X(GS_ERR_CRL_INVALID, -310, "certificate: CRL missing or invalid")                               \
  X(GS_ERR_CERT_CRITICAL_EXT, -311, "certificate: unknown critical extension")                     \
  X(GS_ERR_CERT_WEAK_KEY, -312, "certificate: key too weak")                                       \
  X(GS_ERR_CERT_KEY_TYPE, -313, "certificate: key type or curve not allowed")                      \
  X(GS_ERR_CERT_SIGNATURE, -314, "certificate: bad signature in path")                             \
  X(GS_ERR_CERT_INVALID, -315, "certificate: invalid")                                             \
  X(GS_ERR_ATTR_CERT_INVALID, -316, "attribute certificate: invalid")                              \
  X(GS_ERR_CERT_CA_AS_LEAF, -317, "certificate: CA certificate as end entity")                     \
  X(GS_ERR_KEY_MISMATCH, -318, "private key does not match the certificate")                       \
  X(GS_ERR_CERT_PURPOSE, -319, "certificate: extendedKeyUsage does not allow E2E use")             \
  /* protocol / session (-400 .. -499) */                                                          \
  X(GS_ERR_PROTOCOL, -400, "protocol error")                                                       \
  X(GS_ERR_VERSION, -401, "unexpected version")                                                    \
  X(GS_ERR_PP_UNSUPPORTED, -402, "protected protocol not supported")                               \
  X(GS_ERR_TIME, -403, "time value out of tolerance or not monotonic")                             \
  X(GS_ERR_REPLAY, -404, "replay")                                                                 \
  X(GS_ERR_TOO_OLD, -405, "sequence number older than the replay window")                          \
  X(GS_ERR_UNKNOWN_ASSOC, -406, "unknown association")                                             \
  X(GS_ERR_POLICY, -407, "refused by policy")                                                      \
  X(GS_ERR_NEGOTIATION, -408, "no acceptable algorithm")                                           \
  X(GS_ERR_WRONG_MODE, -409, "PDU kind does not match the negotiated mode")                        \
  X(GS_ERR_IV_REQUIRED, -410, "IV or nonce missing or of the wrong size")                          \
  X(GS_ERR_ALG_MISMATCH, -411, "authenticator algorithm not the negotiated one")                   \
  X(GS_ERR_SEQ_EXHAUSTED, -412, "sequence number space exhausted")                                 \
  X(GS_ERR_KEY_LIMIT, -413, "key lifetime or message budget exceeded")                             \
  X(GS_ERR_RATE_LIMITED, -414, "rate limited")                                                     \
  X(GS_ERR_CLOSED, -415, "association closed")                                                     \
  X(GS_ERR_REKEY, -416, "unexpected rekey DH public value")                                        \
  X(GS_ERR_CHANGED_KEY, -417, "unexpected changedKey")                                             \
  X(GS_ERR_NOTICE_IGNORED, -418, "notice ignored (signature, time or binding)")                    \
  X(GS_ERR_PEER_IDENTITY, -419, "peer identity not the expected one")                              \
  X(GS_ERR_HANDSHAKE_REJECTED, -420, "handshake rejected by the peer")                             \
  X(GS_ERR_ABORTED, -421, "association aborted")                                                   \
  X(GS_ERR_APPL_REJECTED, -422, "application refused the association")                             \
  X(GS_ERR_SELECTION, -423, "responder selection invalid")                                         \
  X(GS_ERR_KEY_NOT_YET, -424, "key not yet available (PDU overtook its key update)")               \
  X(GS_ERR_HS_TIMEOUT, -425, "handshake timed out")                                                \
  X(GS_ERR_ASSOC_AMBIGUOUS, -426, "assoID matches more than one association")                      \
  X(GS_ERR_REFLECTION, -427, "handshake carries the receiver's own certificate (reflected)")       \
  X(GS_ERR_WRONG_PEER, -428, "PDU from a transport peer its association is not bound to")          \
  X(GS_ERR_WRONG_RESPONDER, -429, "handshake request names another responder")                     \
  X(GS_ERR_NOT_AUTHORIZED, -430, "peer not authorized (identity or role)")                         \
  X(GS_ERR_REKEY_TIMEOUT, -431, "key update not confirmed in time")                                \
  X(GS_ERR_HALF_OPEN, -432, "no valid PDU from the initiator after the handshake (half-open)")     \
  X(GS_ERR_PEER_SILENT, -433, "no valid PDU from the peer within the idle timeout")

typedef enum gs_err {
  GS_OK = 0,
#define GS_ERR_ENUM_(name, value, text) name = value,
  GS_ERRORS(GS_ERR_ENUM_)
#undef GS_ERR_ENUM_
} gs_err;

/* A static, human-readable description of `err` (never NULL; unknown codes
 * give "unknown error"). */
GS_EXPORT const char *gs_strerror(int err);

/* The symbolic name of `err`, e.g. "GS_ERR_REPLAY" (never NULL). */
GS_EXPORT const char *gs_errname(int err);

#ifdef __cplusplus
}
#endif
#endif
