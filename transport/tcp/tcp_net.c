/* TCP socket set-up: address parsing, listen/accept, non-blocking connect,
 * and the dialer (its back-off is transport/common's). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hostport.h"
#include "tcp_internal.h"

struct gs_tcp_listener {
  int fd;
  uint16_t port;
};

int gs_tcp_fd_setup(int fd) {
  int fl = fcntl(fd, F_GETFL, 0);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
    return -1;
  }
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
    return -1;
  }
  return 0;
}

int gs_tcp_parse_hostport(const char *s, char host[GS_TCP_MAX_HOST], uint16_t *port,
                          bool allow_zero) {
  return gs_tc_parse_hostport(s, host, port, allow_zero);
}

static int resolve(const char *hostport, bool passive, struct addrinfo **res) {
  char host[GS_TCP_MAX_HOST];
  uint16_t port;
  int rc = gs_tcp_parse_hostport(hostport, host, &port, passive);
  if (rc != GS_OK) {
    return rc;
  }
  char portstr[8];
  snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
  struct addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  if (getaddrinfo(host, portstr, &hints, res) != 0 || *res == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  return GS_OK;
}

static uint16_t bound_port(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
    return 0;
  }
  if (ss.ss_family == AF_INET) {
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
  }
  if (ss.ss_family == AF_INET6) {
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  }
  return 0;
}

static int listen_one(const struct addrinfo *ai) {
  int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
  if (fd < 0) {
    return -1;
  }
  int one = 1;
  (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (ai->ai_family == AF_INET6) {
    (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  }
  if (gs_tcp_fd_setup(fd) != 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
      listen(fd, 64) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

int gs_tcp_listen(const char *hostport, gs_tcp_listener **out) {
  if (out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  struct addrinfo *res = NULL;
  int rc = resolve(hostport, true, &res);
  if (rc != GS_OK) {
    return rc;
  }
  int fd = -1;
  for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
    fd = listen_one(ai);
  }
  freeaddrinfo(res);
  if (fd < 0) {
    return GS_ERR_IO;
  }
  gs_tcp_listener *l = calloc(1, sizeof(*l));
  if (l == NULL) {
    close(fd);
    return GS_ERR_NOMEM;
  }
  l->fd = fd;
  l->port = bound_port(fd);
  *out = l;
  return GS_OK;
}

int gs_tcp_listener_fd(const gs_tcp_listener *l) {
  return l->fd;
}

uint16_t gs_tcp_listener_port(const gs_tcp_listener *l) {
  return l->port;
}

static void set_nodelay(int fd) {
  int one = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int gs_tcp_accept(gs_tcp_listener *l, const gs_tcp_opts *opts, gs_tcp_conn **out) {
  if (l == NULL || out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  int fd;
  do {
    fd = accept(l->fd, NULL, NULL);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED) {
      return GS_ERR_NOT_FOUND;
    }
    return GS_ERR_IO;
  }
  if (gs_tcp_fd_setup(fd) != 0) {
    close(fd);
    return GS_ERR_IO;
  }
  set_nodelay(fd);
  return gs_tcp_conn_wrap(fd, TCP_OPEN, opts, out);
}

void gs_tcp_listener_free(gs_tcp_listener *l) {
  if (l == NULL) {
    return;
  }
  if (l->fd >= 0) {
    close(l->fd);
  }
  free(l);
}

int gs_tcp_connect(const char *hostport, const gs_tcp_opts *opts, gs_tcp_conn **out) {
  if (out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  struct addrinfo *res = NULL;
  int rc = resolve(hostport, false, &res);
  if (rc != GS_OK) {
    return rc;
  }
  int fd = -1, err = 0;
  tcp_state st = TCP_CONNECTING;
  for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    if (gs_tcp_fd_setup(fd) == 0) {
      if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
        st = TCP_OPEN;
        break;
      }
      if (errno == EINPROGRESS || errno == EINTR) {
        break;
      }
    }
    err = errno;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) {
    errno = err;
    return GS_ERR_IO;
  }
  set_nodelay(fd);
  return gs_tcp_conn_wrap(fd, st, opts, out);
}

/* ------------------------------------------------------------ back-off */

int gs_tcp_dialer_init(gs_tcp_dialer *d, const char *hostport, const gs_tcp_opts *opts,
                       gs_time_ms min_ms, gs_time_ms max_ms, uint64_t seed) {
  char host[GS_TCP_MAX_HOST];
  uint16_t port;
  if (d == NULL || gs_tcp_parse_hostport(hostport, host, &port, false) != GS_OK ||
      strlen(hostport) >= sizeof(d->target)) {
    return GS_ERR_INVALID_ARG;
  }
  memset(d, 0, sizeof(*d));
  int rc = gs_tc_backoff_init(&d->backoff, min_ms, max_ms, seed);
  if (rc != GS_OK) {
    return rc;
  }
  memcpy(d->target, hostport, strlen(hostport) + 1);
  if (opts != NULL) {
    d->opts = *opts;
  }
  d->next_at = 0;
  return GS_OK;
}

int gs_tcp_dialer_step(gs_tcp_dialer *d, gs_time_ms now, gs_tcp_conn **out) {
  if (d == NULL || out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  if (now < d->next_at) {
    return GS_ERR_STATE;
  }
  int rc = gs_tcp_connect(d->target, &d->opts, out);
  if (rc != GS_OK) {
    d->next_at = gs_tc_backoff_fail(&d->backoff, now);
  }
  return rc;
}

gs_time_ms gs_tcp_dialer_failed(gs_tcp_dialer *d, gs_time_ms now) {
  if (d->opened_at != 0 && now - d->opened_at >= d->backoff.max_ms) {
    gs_tc_backoff_reset(&d->backoff);
  }
  d->opened_at = 0;
  d->next_at = gs_tc_backoff_fail(&d->backoff, now);
  return d->next_at;
}

void gs_tcp_dialer_connected(gs_tcp_dialer *d, gs_time_ms now) {
  d->opened_at = now > 0 ? now : 1;
  d->next_at = 0;
}
