/* Internal to transport/tcp: the connection structure shared by the framing
 * code (tcp_conn.c) and the socket set-up code (tcp_net.c). */
#ifndef GS_TCP_INTERNAL_H
#define GS_TCP_INTERNAL_H

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

#endif
