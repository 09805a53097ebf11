/* Independent cross-check of one vector file: everything recomputed from
 * the recorded bytes with the crypto provider and the DER decoder only,
 * without the session engine. */
#ifndef GS_TEST_VECTORS_CHECK_H
#define GS_TEST_VECTORS_CHECK_H

#include "vec.h"

/* 0 if the file is consistent, else -1 with a message in err:
 *  - every PDU decodes; kinds, seq, IVs and key epochs match the file;
 *  - h_A = SHA-256(tbs_A || 0^32), h_B = SHA-256(tbs_B || h_A);
 *    h_{n+1} = SHA-256(tbp_M || h_n) for each rekey PDU M;
 *  - the recorded ephemeral private keys give the recorded and the sent
 *    public values, and Z (DH) of every epoch;
 *  - PRK = HKDF-Extract(h, Z), OKM = HKDF-Expand(PRK, "", L) per epoch;
 *  - the handshake signatures verify (B's over tbs_B || h_A) with the
 *    recorded certificates' keys; notices carry the current chain value;
 *  - every data PDU verifies / decrypts under the recorded keys of its
 *    epoch and direction to the recorded applData (AEAD nonces are the
 *    per-key counters). */
int gs_vec_cross_check(gs_crypto *c, const gs_vec *v, char *err, size_t cap);

#endif
