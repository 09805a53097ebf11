/* Reference SecPDUs of every kind with fixed, realistic field values, for
 * codec tests, engine tests and fuzz seed generation.
 *
 * Every function fills `pdu` completely (memset first). Slices point at
 * static, read-only sample data inside pdu_samples.c, valid for the whole
 * program. Certificates, keys, signatures and ICVs are fake byte strings of
 * realistic sizes (a certificate-shaped DER SEQUENCE, an uncompressed P-256
 * point, a 72-octet ECDSA signature, ...): the codec does not interpret
 * them. The values encode without error; gs_secpdu_decode() of the encoding
 * gives them back field by field. */
#ifndef GRIDSEAL_TESTS_PDU_SAMPLES_H
#define GRIDSEAL_TESTS_PDU_SAMPLES_H

#include "gridseal/unstable/pdu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 2026-11-24T19:30:00.250Z, the time of every sample. */
#define GS_SAMPLE_TIME 1795548600250LL

/* handshakeReq from initiator "12": pp "IEC61850-8-2", ECDSA, certPath of 1,
 * two DH offers (P-256, X25519), HMAC-SHA256, AEAD list {aes256-GCM,
 * aes128-GCM}, confParams tlsProtected|applProtected, responder xmppAddr
 * "der1@grid.example", applData present. */
void gs_sample_handshake_req(gs_secpdu *pdu);

/* handshakeAcc from the responder: assoID "12:345", one DH key (P-256), one
 * AEAD algorithm, no certPath, attCert present, applData present. */
void gs_sample_handshake_acc(gs_secpdu *pdu);

/* A SignedNotice of `kind` (APPLICATION_REJECT .. RELEASE_RSP): assoID
 * "12:345", diag 10 for the reject/abort kinds, binding of 32 octets;
 * HANDSHAKE_SEC_REJECT and APPLICATION_REJECT carry pkCert and a certPath
 * of 2 as well (no association yet; the binding names the request, D17). */
void gs_sample_notice(gs_secpdu *pdu, gs_pdu_kind kind);

/* clearTransfer: seq 7, applData clear, HMAC-SHA256 authenticator. */
void gs_sample_clear_transfer(gs_secpdu *pdu);

/* encrTransfer, AEAD: seq 42, 12-octet iv, ciphertext || tag, no auth. */
void gs_sample_encr_transfer_aead(gs_secpdu *pdu);

/* encrTransfer, encrypt-then-MAC: 16-octet iv, rekey value, changedKey and
 * reqRekey TRUE, authenticator present. */
void gs_sample_encr_transfer_etm(gs_secpdu *pdu);

/* The default sample of `kind` (any of the eleven). */
void gs_sample_secpdu(gs_secpdu *pdu, gs_pdu_kind kind);

/* A fake certificate of `n` octets (a DER SEQUENCE, n in 4..1024), the same
 * bytes for the same n; `which` varies the content (distinct certs). */
gs_slice gs_sample_cert(size_t n, unsigned which);

#ifdef __cplusplus
}
#endif
#endif
