/* Internal to transport/tcp: the connection structure shared by the framing
 * code (tcp_conn.c) and the socket set-up code (tcp_net.c), and the dialer
 * of the gs_transport (tcp_transport.c). */
#ifndef GS_TCP_INTERNAL_H
#define GS_TCP_INTERNAL_H

#include "backoff.h"
#include "gridseal/transport_tcp.h"

typedef enum tcp_state { TCP_CONNECTING = 0, TCP_OPEN = 1, TCP_CLOSED = 2 } tcp_state;

struct gs_tcp_conn {
  int fd;
  tcp_state state;
  size_t max_frame;
  /* receive buffer: rbuf[0..rlen) holds at most one partial frame plus what
   * one read returned; its capacity is GS_TCP_FRAME_HDR + max_frame. */
  uint8_t *rbuf;
  size_t rcap, rlen;
  /* send queue: qbuf[qoff..qlen) is still to be written. */
  uint8_t *qbuf;
  size_t qcap, qoff, qlen;
};

/* Wrap a connected or connecting socket `fd` (already non-blocking) in a
 * new connection. On error the fd is closed. */
int gs_tcp_conn_wrap(int fd, tcp_state state, const gs_tcp_opts *opts, gs_tcp_conn **out);

/* Make `fd` non-blocking and close-on-exec: 0 or -1 (errno). */
int gs_tcp_fd_setup(int fd);

/* A dialer keeps one outgoing connection alive: step() starts a connect
 * when none is up and the back-off (transport/common) allows it. */
typedef struct gs_tcp_dialer {
  char target[GS_TCP_MAX_HOST + 8];
  gs_tcp_opts opts;
  gs_tc_backoff backoff;
  gs_time_ms next_at;   /* earliest time of the next attempt */
  gs_time_ms opened_at; /* when the current connection opened (0: none) */
} gs_tcp_dialer;

/* Errors: GS_ERR_INVALID_ARG (bad "HOST:PORT" or back-off values). */
int gs_tcp_dialer_init(gs_tcp_dialer *d, const char *hostport, const gs_tcp_opts *opts,
                       gs_time_ms min_ms, gs_time_ms max_ms, uint64_t seed);
/* If now >= next_at, start a connect: GS_OK and *out (connecting). If not
 * due yet: GS_ERR_STATE and *out = NULL. An immediate connect failure is
 * recorded as a failure (next_at moves) and returned (GS_ERR_IO). */
int gs_tcp_dialer_step(gs_tcp_dialer *d, gs_time_ms now, gs_tcp_conn **out);
/* The connection from step() failed or was lost (or closed) at `now`:
 * schedule the next attempt by the back-off. A connection that had stayed
 * open for at least max_ms resets the back-off first (it was stable), so a
 * peer that accepts and then drops or refuses at once is redialled ever
 * more slowly. Returns next_at. */
gs_time_ms gs_tcp_dialer_failed(gs_tcp_dialer *d, gs_time_ms now);
/* The connection from step() opened at `now`. The back-off is not reset
 * here: only a connection that lasts does it (gs_tcp_dialer_failed). */
void gs_tcp_dialer_connected(gs_tcp_dialer *d, gs_time_ms now);

#endif
