/* AMQP transport against a real RabbitMQ, started by pubsub-run.sh.
 *
 *   pubsub_amqp basic PKI PORT      confirmed publish, manual ack, byte
 *                                   equality, sender identity, unroutable
 *   pubsub_amqp redeliver PKI PORT  a consumer that drops without acking:
 *                                   the next one gets redelivered copies
 * Exit status 0 on success; each failed check prints FAIL and exits 1. */
#include "gridseal/profile.h"
#include "gridseal/transport_amqp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CC "cc@localhost"
#define DER1 "der1@localhost"
#define TOPIC_UP "gridseal/" DER1 "/" CC "/up"
#define TOPIC_DOWN "gridseal/" DER1 "/" CC "/down"

#define CHECK(c)                                                                                   \
  do {                                                                                             \
    if (!(c)) {                                                                                    \
      fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);                                 \
      exit(1);                                                                                     \
    }                                                                                              \
  } while (0)

static gs_time_ms now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (gs_time_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static gs_amqp *open_ep(const char *pki, int port, const char *dir) {
  char ca[512], crt[512], key[512], name[64];
  snprintf(ca, sizeof(ca), "%s/hop-ca/ca.crt", pki);
  snprintf(crt, sizeof(crt), "%s/%s/hop.crt", pki, dir);
  snprintf(key, sizeof(key), "%s/%s/hop.key", pki, dir);
  snprintf(name, sizeof(name), "%s@localhost", dir);
  gs_amqp_config cfg = {.host = "localhost",
                        .port = port,
                        .name = name,
                        .ca_file = ca,
                        .cert_file = crt,
                        .key_file = key,
                        .prefetch = 16,
                        .confirm_timeout_ms = 5000};
  gs_amqp *a = NULL;
  CHECK(gs_amqp_new(&cfg, &a) == GS_OK);
  CHECK(gs_amqp_connect(a, now_ms()) == GS_OK);
  CHECK(gs_amqp_fd(a) >= 0);
  return a;
}

static void fill(uint8_t *buf, size_t len, unsigned seed) {
  uint32_t x = seed * 2654435761u + 7;
  for (size_t i = 0; i < len; i++) {
    x = x * 1103515245u + 12345u;
    buf[i] = (uint8_t)(x >> 16);
  }
  if (len > 2) {
    buf[1] = 0;
  }
}

static gs_amqp_delivery *next(gs_amqp *a, int ms) {
  gs_amqp_delivery *d = NULL;
  CHECK(gs_amqp_next(a, ms, now_ms(), &d) == GS_OK);
  return d;
}

static const size_t k_sizes[] = {1, 3, 100, 4096, 65535, GS_MAX_PDU_SIZE};
#define NSIZES (sizeof(k_sizes) / sizeof(k_sizes[0]))

static int run_basic(const char *pki, int port) {
  gs_amqp *cc = open_ep(pki, port, "cc");
  gs_amqp *der1 = open_ep(pki, port, "der1");
  static uint8_t buf[GS_MAX_PDU_SIZE];
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (unsigned i = 0; i < NSIZES; i++) {
    fill(buf, k_sizes[i], i);
    CHECK(gs_amqp_publish(cc, DER1, TOPIC_UP, buf, k_sizes[i], now_ms()) == GS_OK);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  for (unsigned i = 0; i < NSIZES; i++) {
    gs_amqp_delivery *d = next(der1, 5000);
    CHECK(d != NULL);
    fill(buf, k_sizes[i], i);
    CHECK(d->len == k_sizes[i] && memcmp(d->body, buf, d->len) == 0);
    CHECK(!d->redelivered);
    CHECK(strcmp(d->topic, TOPIC_UP) == 0);
    CHECK(strcmp(d->user_id, CC) == 0);
    CHECK(strcmp(d->routing_key, DER1) == 0);
    /* the answer goes out before the ack, as an engine would do it */
    fill(buf, k_sizes[i], 100 + i);
    CHECK(gs_amqp_publish(der1, CC, TOPIC_DOWN, buf, k_sizes[i], now_ms()) == GS_OK);
    CHECK(gs_amqp_ack(der1, d) == GS_OK);
    gs_amqp_delivery_free(d);
  }
  for (unsigned i = 0; i < NSIZES; i++) {
    gs_amqp_delivery *d = next(cc, 5000);
    CHECK(d != NULL);
    fill(buf, k_sizes[i], 100 + i);
    CHECK(d->len == k_sizes[i] && memcmp(d->body, buf, d->len) == 0);
    CHECK(strcmp(d->user_id, DER1) == 0);
    CHECK(strcmp(d->topic, TOPIC_DOWN) == 0);
    CHECK(gs_amqp_ack(cc, d) == GS_OK);
    gs_amqp_delivery_free(d);
  }
  CHECK(next(cc, 200) == NULL && next(der1, 0) == NULL);
  /* nobody is bound to this name: returned as unroutable */
  CHECK(gs_amqp_publish(cc, "nobody@localhost", NULL, buf, 10, now_ms()) == GS_ERR_NOT_FOUND);
  CHECK(gs_amqp_publish(cc, DER1, NULL, buf, GS_MAX_PDU_SIZE + 1, now_ms()) == GS_ERR_INVALID_ARG);
  gs_amqp_stats st;
  gs_amqp_get_stats(der1, &st);
  CHECK(st.delivered == NSIZES && st.acked == NSIZES && st.published == NSIZES);
  double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
  printf("basic: %zu confirmed PDUs each way (1..%u octets), byte-equal, "
         "user_id checked; %.1f ms per confirmed publish\n",
         NSIZES, GS_MAX_PDU_SIZE, ms / (double)NSIZES);
  gs_amqp_free(cc);
  gs_amqp_free(der1);
  return 0;
}

#define NRED 5u

static int run_redeliver(const char *pki, int port) {
  gs_amqp *cc = open_ep(pki, port, "cc");
  gs_amqp *der1 = open_ep(pki, port, "der1");
  uint8_t buf[64];
  for (unsigned i = 0; i < NRED; i++) {
    fill(buf, sizeof(buf), 500 + i);
    CHECK(gs_amqp_publish(cc, DER1, TOPIC_UP, buf, sizeof(buf), now_ms()) == GS_OK);
  }
  gs_amqp_delivery *held[NRED];
  for (unsigned i = 0; i < NRED; i++) {
    held[i] = next(der1, 5000);
    CHECK(held[i] != NULL && !held[i]->redelivered);
  }
  /* Reject one with requeue: it comes back at once, flagged. */
  CHECK(gs_amqp_reject(der1, held[0], true) == GS_OK);
  gs_amqp_delivery *again = next(der1, 5000);
  CHECK(again != NULL && again->redelivered);
  CHECK(again->len == held[0]->len && memcmp(again->body, held[0]->body, again->len) == 0);
  gs_amqp_delivery_free(again);
  /* The consumer goes away without acking anything. */
  gs_amqp_free(der1);
  der1 = open_ep(pki, port, "der1");
  for (unsigned i = 0; i < NRED; i++) {
    gs_amqp_delivery *d = next(der1, 5000);
    CHECK(d != NULL);
    CHECK(d->redelivered);
    fill(buf, sizeof(buf), 500 + i);
    CHECK(d->len == sizeof(buf) && memcmp(d->body, buf, d->len) == 0);
    CHECK(gs_amqp_ack(der1, d) == GS_OK);
    /* a delivery from the dropped connection cannot be acked here */
    CHECK(gs_amqp_ack(der1, held[i]) == GS_ERR_STATE);
    gs_amqp_delivery_free(d);
    gs_amqp_delivery_free(held[i]);
  }
  CHECK(next(der1, 300) == NULL);
  /* Acked means gone: a new consumer gets nothing. */
  gs_amqp_free(der1);
  der1 = open_ep(pki, port, "der1");
  CHECK(next(der1, 500) == NULL);
  printf("redeliver: %u unacked deliveries redelivered with the flag set "
         "after the consumer dropped; requeued reject flagged; acked "
         "deliveries not seen again\n",
         NRED);
  gs_amqp_free(cc);
  gs_amqp_free(der1);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 4 && strcmp(argv[1], "basic") == 0) {
    return run_basic(argv[2], atoi(argv[3]));
  }
  if (argc >= 4 && strcmp(argv[1], "redeliver") == 0) {
    return run_redeliver(argv[2], atoi(argv[3]));
  }
  fprintf(stderr, "usage: %s basic|redeliver PKI PORT\n", argv[0]);
  return 2;
}
