/* gridseal transports, internal: what every transport says about its own
 * connection (transport/common, linked statically into each transport
 * library; not installed, symbols hidden).
 *
 * gs_tc_diag_errno() classifies the errno of a failed connect or a lost
 * connection into the stable reason codes of include/gridseal/transport.h
 * (gs_transport_diag). A gs_tc_conn counts the failed attempts since the
 * last successful connect, so that the connect report can say
 * "reconnected to ADDR as WHO after N failed attempts (T s)". Time is an
 * argument; no clock is read. */
#ifndef GS_TRANSPORT_COMMON_CONN_H
#define GS_TRANSPORT_COMMON_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gridseal/common.h"
#include "gridseal/transport.h"

/* ECONNREFUSED -> GS_TD_REFUSED, ETIMEDOUT -> GS_TD_TIMEOUT, EHOSTUNREACH,
 * ENETUNREACH, EHOSTDOWN, ENETDOWN -> GS_TD_UNREACHABLE, ECONNRESET, EPIPE
 * -> GS_TD_LOST, anything else -> GS_TD_IO. */
gs_transport_diag gs_tc_diag_errno(int e);

/* For a library that reports a failed TCP connect without its errno
 * (librabbitmq): connect once more to host:port, non-blocking, waiting at
 * most timeout_ms, and return the errno of that connect (ECONNREFUSED,
 * ETIMEDOUT, EHOSTUNREACH, ...), 0 if it connected (then closed at once),
 * or EAI_* errors as -1. Only used to classify a failure. */
int gs_tc_probe_tcp(const char *host, uint16_t port, int timeout_ms);

typedef struct gs_tc_conn {
  uint32_t fails;        /* failed attempts since the last connect */
  gs_time_ms down_since; /* first failure or loss since then (0: none) */
  bool up_once;          /* connected at least once */
  bool up;               /* connected now */
} gs_tc_conn;

/* An attempt failed at `now`; returns the count of failures since the
 * last connect (this one included). */
uint32_t gs_tc_conn_failed(gs_tc_conn *c, gs_time_ms now);
/* The established connection was lost at `now`. */
void gs_tc_conn_lost(gs_tc_conn *c, gs_time_ms now);
/* Connected at `now`: writes "connected to ADDR as WHO" (the first time),
 * "reconnected to ADDR as WHO after N failed attempts (T.T s)" or, after a
 * loss without a failed attempt, "reconnected to ADDR as WHO (T.T s after
 * the loss)" into out[0..cap) (" as WHO" left out when who is NULL) and
 * starts counting again. */
void gs_tc_conn_up(gs_tc_conn *c, gs_time_ms now, const char *addr, const char *who, char *out,
                   size_t cap);

#endif
