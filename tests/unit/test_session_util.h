/* Shared harness of the session tests: one test CA, identities per key
 * type (generated once per process), two endpoints A and B wired in
 * memory through the real API. */
#ifndef GS_TEST_SESSION_UTIL_H
#define GS_TEST_SESSION_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "gridseal/crypto_openssl.h"
#include "gridseal/pki.h"
#include "gridseal/session.h"
#include "gridseal/testing.h"
#include "test_pki_fixture.h"

#define TS_MAX_EVENTS 64

typedef struct ts_party {
  gs_endpoint_config cfg;
  gs_endpoint *ep;
  gs_pki *pki;
  gs_privkey *key;
  const gs_test_ident *id;
  int n_events;
  gs_event events[TS_MAX_EVENTS];
} ts_party;

typedef struct ts_world {
  gs_crypto *crypto;
  ts_party a, b;
  gs_session *sa, *sb;
} ts_world;

/* Process-wide fixtures. */
gs_crypto *ts_crypto(void);
const gs_test_ca *ts_ca(void);
const gs_test_ident *ts_ident(int party, gs_tkey_type t); /* party 0 = A, 1 = B */

/* Configure (defaults + the identity) without creating the endpoints. */
void ts_world_prepare(ts_world *w, gs_tkey_type ta, gs_tkey_type tb);
/* Create both endpoints from w->a.cfg / w->b.cfg. 0 on success. */
int ts_world_start(ts_world *w);
/* Make `ep` answer requests whatever responder they name (D16 off through
 * the test hook), as an insider would: tests of the initiator's own
 * identity check. */
static inline void ts_ignore_responder_name(gs_endpoint *ep) {
  gs_test_hooks h;
  memset(&h, 0, sizeof(h));
  h.ignore_responder_name = true;
  if (gs_endpoint_test_set_hooks(ep, &h) != GS_OK) {
    abort();
  }
}
void ts_world_free(ts_world *w);

/* Run the handshake at `now`: A connects with "setup", B accepts with
 * "rsp". Returns the first error or GS_OK; w->sa / w->sb are set. */
int ts_handshake(ts_world *w, gs_time_ms now);

/* Pop the next PDU of `from` into buf (cap 70000). */
int ts_pop(gs_session *from, uint8_t *buf, size_t *len);
/* Pop one PDU from `from` and feed it to `to`; *rx receives the result. */
int ts_pass(gs_session *from, gs_session *to, gs_time_ms now, uint8_t *out, size_t cap, gs_rx *rx);
/* Pass every queued PDU both ways until both queues are empty. */
int ts_flush(ts_world *w, gs_time_ms now);

/* Count events of a kind seen by a party. */
int ts_count(const ts_party *p, gs_event_kind k);
/* The last event of a kind (NULL if none). */
const gs_event *ts_last(const ts_party *p, gs_event_kind k);

#endif
