/* A fault relay between `gridseal cc` and `gridseal der` over TCP, for the
 * stuck-state tests (tests/integration/stuck.sh):
 *
 *   fault_relay LISTEN_PORT TARGET_PORT RULE
 *
 * It accepts the control center's connections on 127.0.0.1:LISTEN_PORT,
 * connects each to the DER at 127.0.0.1:TARGET_PORT and forwards the
 * 4-octet-framed SecPDU stream (docs/PROTOCOL.md §9) frame by frame in both
 * directions, decoding each frame with the library's codec
 * (gridseal/unstable/pdu.h) to apply the RULE once:
 *
 *   drop-rekey   drop the first data PDU from the cc that carries a rekey
 *                field (a lost key-update PDU)
 *   flip-acc     flip one byte (the last, in the signature) of the first
 *                HandshakeAcc from the DER (a tampered HandshakeAcc)
 *   none         forward everything
 *
 * Signals: SIGUSR1 drops every frame from the DER from then on (answers
 * lost: request timeouts), SIGHUP every frame from the cc, SIGUSR2 closes the connections at once
 * (the association is lost) and forwards normally again on the next one. Each action is one line on
 * stderr ("relay: dropped ..."). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gridseal/error.h"
#include "gridseal/unstable/pdu.h"

#define FRAME_HDR 4u
#define FRAME_MAX (GS_MAX_PDU_SIZE + FRAME_HDR)

typedef enum { RULE_NONE, RULE_DROP_REKEY, RULE_FLIP_ACC } rule_kind;

static volatile sig_atomic_t blackhole_der, blackhole_cc, cut_now;

static void on_hup(int sig) {
  (void)sig;
  blackhole_cc = 1;
}

static void on_usr1(int sig) {
  (void)sig;
  blackhole_der = 1;
}

static void on_usr2(int sig) {
  (void)sig;
  cut_now = 1;
}

/* One direction's partial frame. */
typedef struct {
  int from, to;
  const char *name; /* "cc->der", "der->cc" */
  uint8_t buf[FRAME_MAX];
  size_t have;
} pipe_dir;

static rule_kind rule;
static int rule_done;

static int listen_on(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 4) != 0) {
    fprintf(stderr, "relay: cannot listen on 127.0.0.1:%d: %s\n", port, strerror(errno));
    exit(2);
  }
  return fd;
}

static int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
    return fd;
  }
  fprintf(stderr, "relay: cannot connect to 127.0.0.1:%d: %s\n", port, strerror(errno));
  if (fd >= 0) {
    close(fd);
  }
  return -1;
}

static int write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w <= 0) {
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* What to do with one whole frame: 0 forward, 1 drop. */
static int judge(pipe_dir *d, uint8_t *pdu, size_t len) {
  bool from_cc = strcmp(d->name, "cc->der") == 0;
  if ((!from_cc && blackhole_der) || (from_cc && blackhole_cc)) {
    fprintf(stderr, "relay: dropped %s frame of %zu octets (blackhole)\n", d->name, len);
    return 1;
  }
  if (rule_done) {
    return 0;
  }
  gs_secpdu p;
  if (gs_secpdu_decode(&p, pdu, len) != GS_OK) {
    return 0;
  }
  if (rule == RULE_DROP_REKEY && from_cc &&
      (p.kind == GS_PDU_ENCR_TRANSFER || p.kind == GS_PDU_CLEAR_TRANSFER) &&
      p.u.xfer.tbp.token2.has_rekey) {
    rule_done = 1;
    fprintf(stderr, "relay: dropped %s %s seq=%u with a rekey field\n", d->name,
            gs_pdu_kind_name(p.kind), (unsigned)p.u.xfer.tbp.token2.seq);
    return 1;
  }
  if (rule == RULE_FLIP_ACC && !from_cc && p.kind == GS_PDU_HANDSHAKE_ACC) {
    rule_done = 1;
    pdu[len - 1] ^= 0x01;
    fprintf(stderr, "relay: flipped the last octet of %s handshakeAcc (%zu octets)\n", d->name,
            len);
  }
  return 0;
}

/* Read what is there and forward the whole frames. -1: closed. */
static int pump(pipe_dir *d) {
  ssize_t r = read(d->from, d->buf + d->have, sizeof(d->buf) - d->have);
  if (r < 0 && errno == EINTR) {
    return 0;
  }
  if (r <= 0) {
    return -1;
  }
  d->have += (size_t)r;
  for (;;) {
    if (d->have < FRAME_HDR) {
      return 0;
    }
    uint32_t n = ((uint32_t)d->buf[0] << 24) | ((uint32_t)d->buf[1] << 16) |
                 ((uint32_t)d->buf[2] << 8) | d->buf[3];
    if (n > GS_MAX_PDU_SIZE) {
      fprintf(stderr, "relay: %s frame of %u octets: too large, closing\n", d->name, (unsigned)n);
      return -1;
    }
    if (d->have < FRAME_HDR + n) {
      return 0;
    }
    if (judge(d, d->buf + FRAME_HDR, n) == 0 && write_all(d->to, d->buf, FRAME_HDR + n) != 0) {
      return -1;
    }
    memmove(d->buf, d->buf + FRAME_HDR + n, d->have - FRAME_HDR - n);
    d->have -= FRAME_HDR + n;
  }
}

static pipe_dir up, down; /* cc->der, der->cc */

static void serve(int cc, int der) {
  up = (pipe_dir){.from = cc, .to = der, .name = "cc->der"};
  down = (pipe_dir){.from = der, .to = cc, .name = "der->cc"};
  for (;;) {
    if (cut_now) {
      cut_now = 0;
      blackhole_der = 0;
      blackhole_cc = 0;
      fprintf(stderr, "relay: connections cut\n");
      break;
    }
    struct pollfd p[2] = {{cc, POLLIN, 0}, {der, POLLIN, 0}};
    int n = poll(p, 2, 200);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      break;
    }
    if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && pump(&up) != 0) {
      fprintf(stderr, "relay: cc side closed\n");
      break;
    }
    if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) && pump(&down) != 0) {
      fprintf(stderr, "relay: der side closed\n");
      break;
    }
  }
  close(cc);
  close(der);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: fault_relay LISTEN_PORT TARGET_PORT drop-rekey|flip-acc|none\n");
    return 2;
  }
  int lport = atoi(argv[1]), tport = atoi(argv[2]);
  if (strcmp(argv[3], "drop-rekey") == 0) {
    rule = RULE_DROP_REKEY;
  } else if (strcmp(argv[3], "flip-acc") == 0) {
    rule = RULE_FLIP_ACC;
  } else if (strcmp(argv[3], "none") == 0) {
    rule = RULE_NONE;
  } else {
    fprintf(stderr, "fault_relay: unknown rule '%s'\n", argv[3]);
    return 2;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  sa.sa_handler = on_usr2;
  sigaction(SIGUSR2, &sa, NULL);
  sa.sa_handler = on_hup;
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  int l = listen_on(lport);
  fprintf(stderr, "relay: listening on 127.0.0.1:%d -> 127.0.0.1:%d, rule %s\n", lport, tport,
          argv[3]);
  for (;;) {
    int cc = accept(l, NULL, NULL);
    if (cc < 0) {
      if (errno == EINTR) {
        continue;
      }
      return 1;
    }
    int der = connect_to(tport);
    if (der < 0) {
      close(cc);
      continue;
    }
    fprintf(stderr, "relay: connection\n");
    serve(cc, der);
  }
}
