/* The test hooks of include/gridseal/testing.h. Built only into the static
 * library gridseal_testing (lib/CMakeLists.txt), never into gridseal_core
 * or an installed library: without this file the engine's hook fields stay
 * unset and no setter exists. */
#include <string.h>

#include "gridseal/testing.h"
#include "session_internal.h"

int gs_endpoint_test_set_hooks(gs_endpoint *ep, const gs_test_hooks *hooks) {
  if (ep == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  if (hooks == NULL) {
    memset(&ep->hooks, 0, sizeof(ep->hooks));
    ep->has_hooks = false;
  } else {
    ep->hooks = *hooks;
    ep->has_hooks = true;
  }
  return GS_OK;
}

int gs_session_test_secrets(const gs_session *s, gs_test_secrets *out) {
  if (s == NULL || out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  if (s->secrets == NULL || s->secrets->okm_len == 0) {
    return GS_ERR_NOT_FOUND;
  }
  *out = *s->secrets;
  return GS_OK;
}

int gs_session_test_set_tx_seq(gs_session *s, uint32_t next_seq) {
  if (s == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  if (s->state != GS_STATE_ESTABLISHED) {
    return GS_ERR_STATE;
  }
  s->tx_seq = next_seq;
  if (next_seq <= GS_MAX_SEQ - GS_SEQ_RELEASE_MARGIN) {
    s->seq_release_due = false; /* a sender made to wrap (tests) */
  }
  return GS_OK;
}

int gs_session_test_set_key_count(gs_session *s, uint64_t tx, uint64_t rx) {
  if (s == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  if (s->state != GS_STATE_ESTABLISHED) {
    return GS_ERR_STATE;
  }
  s->tx.count = tx;
  s->rx.count = rx;
  return GS_OK;
}
