/* gridseal AMQP transport: state shared by amqp_conn.c and amqp_io.c. */
#ifndef GS_AMQP_INTERNAL_H
#define GS_AMQP_INTERNAL_H

#include "backoff.h"
#include "gridseal/transport_amqp.h"

#include <amqp.h>

#define GS_AMQP_CHANNEL 1
#define GS_AMQP_EXCHANGE "gridseal"
#define GS_AMQP_QUEUE_PREFIX "gridseal."
#define GS_AMQP_TOPIC_HEADER "gridseal-topic"

struct gs_amqp {
  gs_amqp_config cfg;
  char *host, *vhost, *name, *user, *password;
  char *ca_file, *cert_file, *key_file;
  amqp_connection_state_t conn; /* NULL while disconnected */
  uint64_t generation;          /* bumped on every connect */
  uint64_t next_seq;            /* publish sequence (confirm mode) */
  gs_time_ms now;               /* the latest `now` a caller passed */
  gs_time_ms next_attempt;
  gs_tc_backoff backoff; /* reconnect (transport/common) */
  /* deliveries received while waiting for a confirm */
  gs_amqp_delivery *fifo_head, *fifo_tail;
  /* confirm wait state */
  uint64_t wait_seq;
  int wait_result; /* 0 waiting, 1 ack, -1 nack */
  bool returned;
  gs_amqp_stats st;
  /* why the last attempt failed or the connection ended */
  gs_transport_diag fail_diag;
  char fail[400];
};

/* Record why the attempt failed or the connection ended. */
void gs_amqp_fail_(gs_amqp *a, gs_transport_diag d, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same from an RPC reply of librabbitmq (`what`: the step, e.g.
 * "login"); a server exception gives the broker's reply code and text. */
void gs_amqp_fail_reply_(gs_amqp *a, const char *what, amqp_rpc_reply_t r);

/* The connection is unusable: drop it, discard buffered deliveries (the
 * broker redelivers them) and schedule a reconnect. */
void gs_amqp_lost_(gs_amqp *a, gs_time_ms now);

/* The broker endpoint of the next connect (a server list's next entry; the
 * host is also the name checked against the broker certificate). */
gs_err gs_amqp_set_endpoint_(gs_amqp *a, const char *host, uint16_t port);

#endif
