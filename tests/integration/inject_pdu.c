/* Builds a well-formed data PDU (encrTransfer, AEAD layout) that names a
 * live association but carries a junk ciphertext and tag, and injects it
 * the way an intruder on the path would, for the injection tests:
 *
 *   inject_pdu tcp HOST:PORT ASSOID COUNT   open a second TCP connection to
 *                                           the DER and send COUNT such PDUs
 *                                           (seq 1000..), one frame each
 *   inject_pdu file PATH ASSOID             write one such PDU to PATH
 *
 * The time field is the current time, so that nothing but the transport
 * peer tells the PDU apart from a genuine one. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gridseal/unstable/pdu.h"
#include "pdu_samples.h"

static gs_time_ms now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (gs_time_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int build(const char *asso, uint32_t seq, uint8_t *out, size_t cap, size_t *len) {
  static uint8_t junk[48];
  for (size_t i = 0; i < sizeof(junk); i++) {
    junk[i] = (uint8_t)(0xa5 ^ (i * 37) ^ seq);
  }
  gs_secpdu pdu;
  gs_sample_encr_transfer_aead(&pdu);
  pdu.u.xfer.tbp.token2.asso_id.ptr = (const uint8_t *)asso;
  pdu.u.xfer.tbp.token2.asso_id.len = strlen(asso);
  pdu.u.xfer.tbp.token2.time = now_ms();
  pdu.u.xfer.tbp.token2.seq = seq;
  pdu.u.xfer.tbp.appl_data.ptr = junk;
  pdu.u.xfer.tbp.appl_data.len = sizeof(junk);
  int rc = gs_secpdu_encode(&pdu, out, cap, len);
  if (rc != GS_OK) {
    fprintf(stderr, "inject_pdu: encoding with assoID '%s' failed: %s\n", asso, gs_strerror(rc));
  }
  return rc;
}

/* A TCP frame: a 4-octet big-endian length, then the SecPDU
 * (docs/PROTOCOL.md §9). */
#define FRAME_HDR 4u

static int inject_tcp(const char *hostport, const char *asso, int count) {
  char host[64];
  const char *colon = strrchr(hostport, ':');
  int port = colon != NULL ? atoi(colon + 1) : 0;
  if (colon == NULL || (size_t)(colon - hostport) >= sizeof(host) || port <= 0 || port > 65535) {
    fprintf(stderr, "inject_pdu: bad address '%s' (expected IPV4:PORT)\n", hostport);
    return 2;
  }
  memcpy(host, hostport, (size_t)(colon - hostport));
  host[colon - hostport] = '\0';
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
      connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    perror("inject_pdu: connect");
    return 1;
  }
  for (int i = 0; i < count; i++) {
    uint8_t frame[FRAME_HDR + 1024];
    size_t len = 0;
    if (build(asso, 1000u + (uint32_t)i, frame + FRAME_HDR, sizeof(frame) - FRAME_HDR, &len) !=
        GS_OK) {
      return 1;
    }
    uint32_t n = htonl((uint32_t)len);
    memcpy(frame, &n, 4);
    if (send(fd, frame, FRAME_HDR + len, MSG_NOSIGNAL) != (ssize_t)(FRAME_HDR + len)) {
      perror("inject_pdu: send");
      return 1;
    }
  }
  struct timespec half = {0, 500 * 1000 * 1000};
  nanosleep(&half, NULL); /* let the DER read them before the connection goes */
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "tcp") == 0) {
    return inject_tcp(argv[2], argv[3], atoi(argv[4]));
  }
  if (argc == 4 && strcmp(argv[1], "file") == 0) {
    uint8_t out[1024];
    size_t len = 0;
    if (build(argv[3], 1000, out, sizeof(out), &len) != GS_OK) {
      return 1;
    }
    FILE *f = fopen(argv[2], "wb");
    if (f == NULL || fwrite(out, 1, len, f) != len || fclose(f) != 0) {
      perror(argv[2]);
      return 1;
    }
    return 0;
  }
  fputs("usage: inject_pdu tcp HOST:PORT ASSOID COUNT | inject_pdu file PATH ASSOID\n", stderr);
  return 2;
}
