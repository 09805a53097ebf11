/* gridseal transports, internal: connection reports (conn.h). */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

gs_transport_diag gs_tc_diag_errno(int e) {
  switch (e) {
  case ECONNREFUSED:
    return GS_TD_REFUSED;
  case ETIMEDOUT:
    return GS_TD_TIMEOUT;
  case EHOSTUNREACH:
  case ENETUNREACH:
  case EHOSTDOWN:
  case ENETDOWN:
    return GS_TD_UNREACHABLE;
  case ECONNRESET:
  case EPIPE:
    return GS_TD_LOST;
  default:
    return GS_TD_IO;
  }
}

int gs_tc_probe_tcp(const char *host, uint16_t port, int timeout_ms) {
  char ps[8];
  snprintf(ps, sizeof(ps), "%u", (unsigned)port);
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
  if (getaddrinfo(host, ps, &hints, &res) != 0 || res == NULL) {
    return -1;
  }
  int err = ECONNREFUSED;
  int fd =
      socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, res->ai_protocol);
  if (fd < 0) {
    err = errno;
  } else if (connect(fd, res->ai_addr, res->ai_addrlen) == 0) {
    err = 0;
  } else if (errno != EINPROGRESS) {
    err = errno;
  } else {
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int n = poll(&p, 1, timeout_ms);
    socklen_t len = sizeof(err);
    if (n == 0) {
      err = ETIMEDOUT;
    } else if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
      err = errno;
    }
  }
  if (fd >= 0) {
    close(fd);
  }
  freeaddrinfo(res);
  return err;
}

uint32_t gs_tc_conn_failed(gs_tc_conn *c, gs_time_ms now) {
  if (c->fails == 0 && c->down_since == 0) {
    c->down_since = now;
  }
  c->up = false;
  if (c->fails < UINT32_MAX) {
    c->fails++;
  }
  return c->fails;
}

void gs_tc_conn_lost(gs_tc_conn *c, gs_time_ms now) {
  if (c->up) {
    c->up = false;
    c->down_since = now;
    c->fails = 0;
  }
}

void gs_tc_conn_up(gs_tc_conn *c, gs_time_ms now, const char *addr, const char *who, char *out,
                   size_t cap) {
  const char *as = who != NULL ? " as " : "";
  who = who != NULL ? who : "";
  if (!c->up_once && c->fails == 0) {
    snprintf(out, cap, "connected to %s%s%s", addr, as, who);
  } else if (c->fails == 0) {
    gs_time_ms d = c->down_since != 0 && now > c->down_since ? now - c->down_since : 0;
    snprintf(out, cap, "reconnected to %s%s%s (%lld.%lld s after the loss)", addr, as, who,
             (long long)(d / 1000), (long long)(d % 1000 / 100));
  } else {
    gs_time_ms d = c->down_since != 0 && now > c->down_since ? now - c->down_since : 0;
    snprintf(out, cap, "%s to %s%s%s after %lu failed attempt%s (%lld.%lld s)",
             c->up_once ? "reconnected" : "connected", addr, as, who, (unsigned long)c->fails,
             c->fails == 1 ? "" : "s", (long long)(d / 1000), (long long)(d % 1000 / 100));
  }
  c->up_once = true;
  c->up = true;
  c->fails = 0;
  c->down_since = 0;
}
