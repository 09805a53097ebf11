/* TCP framing (docs/PROTOCOL.md §9): 4-octet big-endian length, then the SecPDU.
 * Bounded receive buffer and send queue; partial reads and writes. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "gridseal/profile.h"
#include "tcp_internal.h"

/* Reads per gs_tcp_on_readable call before yielding to the poll loop, so a
 * fast sender cannot starve the other connections. */
#define TCP_READS_PER_CALL 16

int gs_tcp_conn_wrap(int fd, tcp_state state, const gs_tcp_opts *opts, gs_tcp_conn **out) {
  gs_tcp_conn *c = calloc(1, sizeof(*c));
  if (c == NULL) {
    close(fd);
    return GS_ERR_NOMEM;
  }
  c->fd = fd;
  c->state = state;
  c->max_frame = GS_MAX_PDU_SIZE;
  c->qcap = GS_TCP_DEFAULT_QUEUE;
  if (opts != NULL && opts->max_frame != 0 && opts->max_frame < GS_MAX_PDU_SIZE) {
    c->max_frame = opts->max_frame;
  }
  if (opts != NULL && opts->max_queue != 0) {
    c->qcap = opts->max_queue;
  }
  if (c->qcap < GS_TCP_FRAME_HDR + c->max_frame) {
    c->qcap = GS_TCP_FRAME_HDR + c->max_frame;
  }
  c->rcap = GS_TCP_FRAME_HDR + c->max_frame;
  c->rbuf = malloc(c->rcap);
  c->qbuf = malloc(c->qcap);
  if (c->rbuf == NULL || c->qbuf == NULL) {
    gs_tcp_conn_free(c);
    return GS_ERR_NOMEM;
  }
  *out = c;
  return GS_OK;
}

int gs_tcp_conn_fd(const gs_tcp_conn *c) {
  return c->fd;
}

bool gs_tcp_conn_is_open(const gs_tcp_conn *c) {
  return c->state == TCP_OPEN;
}

bool gs_tcp_conn_want_read(const gs_tcp_conn *c) {
  return c->state == TCP_OPEN;
}

bool gs_tcp_conn_want_write(const gs_tcp_conn *c) {
  return c->state == TCP_CONNECTING || (c->state == TCP_OPEN && c->qlen > c->qoff);
}

short gs_tcp_conn_events(const gs_tcp_conn *c) {
  short ev = 0;
  if (gs_tcp_conn_want_read(c)) {
    ev |= POLLIN;
  }
  if (gs_tcp_conn_want_write(c)) {
    ev |= POLLOUT;
  }
  return ev;
}

size_t gs_tcp_conn_queued(const gs_tcp_conn *c) {
  return c->qlen - c->qoff;
}

void gs_tcp_conn_close(gs_tcp_conn *c) {
  if (c->fd >= 0) {
    close(c->fd);
    c->fd = -1;
  }
  c->state = TCP_CLOSED;
}

void gs_tcp_conn_free(gs_tcp_conn *c) {
  if (c == NULL) {
    return;
  }
  gs_tcp_conn_close(c);
  free(c->rbuf);
  free(c->qbuf);
  free(c);
}

static int fail(gs_tcp_conn *c, int err) {
  gs_tcp_conn_close(c);
  return err;
}

static uint32_t get_be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Deliver every complete frame in rbuf; keep the partial rest at the front.
 * A bad length prefix closes the connection before its body is read. */
static int deliver_frames(gs_tcp_conn *c, gs_tcp_frame_cb cb, void *arg) {
  size_t pos = 0;
  int rc = GS_OK;
  while (c->rlen - pos >= GS_TCP_FRAME_HDR) {
    uint32_t n = get_be32(c->rbuf + pos);
    if (n > c->max_frame) {
      return fail(c, GS_ERR_DER_TOO_LARGE);
    }
    if (n == 0) {
      return fail(c, GS_ERR_PROTOCOL);
    }
    if (c->rlen - pos - GS_TCP_FRAME_HDR < n) {
      break;
    }
    rc = cb(arg, c->rbuf + pos + GS_TCP_FRAME_HDR, n);
    pos += GS_TCP_FRAME_HDR + n;
    if (rc != GS_OK || c->state != TCP_OPEN) {
      break;
    }
  }
  if (pos > 0) {
    memmove(c->rbuf, c->rbuf + pos, c->rlen - pos);
    c->rlen -= pos;
  }
  return rc;
}

int gs_tcp_on_readable(gs_tcp_conn *c, gs_tcp_frame_cb cb, void *arg) {
  if (c == NULL || cb == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  if (c->state != TCP_OPEN) {
    return GS_ERR_STATE;
  }
  /* Frames left over when a callback stopped the previous call. */
  int rc = deliver_frames(c, cb, arg);
  if (rc != GS_OK || c->state != TCP_OPEN) {
    return rc;
  }
  for (int i = 0; i < TCP_READS_PER_CALL; i++) {
    ssize_t n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
    if (n == 0) {
      return fail(c, GS_ERR_CLOSED);
    }
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return GS_OK;
      }
      return fail(c, errno == ECONNRESET ? GS_ERR_CLOSED : GS_ERR_IO);
    }
    c->rlen += (size_t)n;
    rc = deliver_frames(c, cb, arg);
    if (rc != GS_OK || c->state != TCP_OPEN) {
      return rc;
    }
  }
  return GS_OK;
}

static int finish_connect(gs_tcp_conn *c) {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
    return fail(c, GS_ERR_IO);
  }
  if (err == EINPROGRESS || err == EALREADY) {
    return GS_OK;
  }
  if (err != 0) {
    errno = err;
    return fail(c, GS_ERR_IO);
  }
  c->state = TCP_OPEN;
  return GS_OK;
}

int gs_tcp_on_writable(gs_tcp_conn *c) {
  if (c == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  if (c->state == TCP_CLOSED) {
    return GS_ERR_STATE;
  }
  if (c->state == TCP_CONNECTING) {
    int rc = finish_connect(c);
    if (rc != GS_OK || c->state != TCP_OPEN) {
      return rc;
    }
  }
  while (c->qoff < c->qlen) {
    ssize_t n = send(c->fd, c->qbuf + c->qoff, c->qlen - c->qoff, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return GS_OK;
      }
      return fail(c, (errno == EPIPE || errno == ECONNRESET) ? GS_ERR_CLOSED : GS_ERR_IO);
    }
    c->qoff += (size_t)n;
  }
  c->qoff = 0;
  c->qlen = 0;
  return GS_OK;
}

int gs_tcp_flush(gs_tcp_conn *c) {
  if (c == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  return c->state == TCP_OPEN ? gs_tcp_on_writable(c) : GS_OK;
}

int gs_tcp_send(gs_tcp_conn *c, const uint8_t *frame, size_t len) {
  if (c == NULL || (frame == NULL && len != 0) || len == 0) {
    return GS_ERR_INVALID_ARG;
  }
  if (c->state == TCP_CLOSED) {
    return GS_ERR_STATE;
  }
  if (len > c->max_frame) {
    return GS_ERR_DER_TOO_LARGE;
  }
  size_t need = GS_TCP_FRAME_HDR + len;
  if (c->qlen - c->qoff + need > c->qcap) {
    return GS_ERR_LIMIT;
  }
  if (c->qcap - c->qlen < need) { /* compact: move the unsent rest to the front */
    memmove(c->qbuf, c->qbuf + c->qoff, c->qlen - c->qoff);
    c->qlen -= c->qoff;
    c->qoff = 0;
  }
  uint8_t *p = c->qbuf + c->qlen;
  p[0] = (uint8_t)(len >> 24);
  p[1] = (uint8_t)(len >> 16);
  p[2] = (uint8_t)(len >> 8);
  p[3] = (uint8_t)len;
  memcpy(p + GS_TCP_FRAME_HDR, frame, len);
  c->qlen += need;
  return GS_OK;
}
