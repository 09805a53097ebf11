/* gridseal transports, internal: the bounded queue of PDUs sent while the
 * server or broker is unreachable (transport/common, linked statically into
 * each transport library that uses it; not installed, symbols hidden).
 *
 * A FIFO bounded in count and in age. Pushing onto a full queue drops the
 * OLDEST entry (the newest data is worth more than the oldest); an entry
 * older than the age bound is dropped by gs_tc_sendq_expire(). Every drop is
 * counted per peer and by reason, and taken out with gs_tc_sendq_take_loss()
 * so that the transport reports it (the receiver's engine sees the same loss
 * as a gap in the sequence numbers). Time is an argument; no clock is read.
 *
 * Each entry holds the peer name the application used, the destination and
 * topic the transport computed when the PDU was queued, and a copy of the
 * PDU (wiped when dropped or freed: SecPDUs are protected on the wire, but
 * the queue keeps nothing longer than needed). */
#ifndef GS_TRANSPORT_COMMON_SENDQ_H
#define GS_TRANSPORT_COMMON_SENDQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gridseal/common.h"
#include "peers.h"

#define GS_TC_SENDQ_TOPIC_MAX 300u /* topic + NUL */
#define GS_TC_SENDQ_LOSS_SLOTS 64u /* peers with a loss not yet taken */

typedef struct gs_tc_sendq_entry {
  struct gs_tc_sendq_entry *next;
  gs_time_ms at; /* when it was queued */
  char peer[GS_TC_NAME_MAX];
  char dest[GS_TC_NAME_MAX];
  char topic[GS_TC_SENDQ_TOPIC_MAX];
  size_t len;
  uint8_t pdu[]; /* len octets */
} gs_tc_sendq_entry;

typedef struct gs_tc_sendq_loss {
  char peer[GS_TC_NAME_MAX]; /* "" for a free slot */
  uint64_t full;             /* dropped because the queue was full */
  uint64_t expired;          /* dropped because they waited too long */
} gs_tc_sendq_loss;

typedef struct gs_tc_sendq {
  size_t max_count;   /* >= 1 */
  gs_time_ms max_age; /* >= 1 */
  size_t count;       /* entries queued */
  gs_tc_sendq_entry *head, *tail;
  gs_tc_sendq_loss loss[GS_TC_SENDQ_LOSS_SLOTS];
  uint64_t loss_other_full, loss_other_expired;      /* every loss slot was taken */
  uint64_t queued, flushed, lost_full, lost_expired; /* totals */
} gs_tc_sendq;

/* An empty queue. max_count >= 1, max_age_ms >= 1, else GS_ERR_INVALID_ARG. */
int gs_tc_sendq_init(gs_tc_sendq *q, size_t max_count, gs_time_ms max_age_ms);
/* Drops every entry without counting it as a loss, and frees them. */
void gs_tc_sendq_free(gs_tc_sendq *q);

/* Append a copy of pdu[0..len) (1 <= len) for `peer`, queued at `now`.
 * Entries older than the age bound go first (counted as expired); if the
 * queue is still full, the oldest entry is dropped (counted as full).
 * GS_OK; GS_ERR_INVALID_ARG (an empty or too long name or topic, len 0);
 * GS_ERR_NOMEM (nothing queued: the caller reports the loss itself). */
int gs_tc_sendq_push(gs_tc_sendq *q, const char *peer, const char *dest, const char *topic,
                     const uint8_t *pdu, size_t len, gs_time_ms now);
/* Drop the entries queued more than max_age before `now` (counted as
 * expired). Returns how many were dropped. */
size_t gs_tc_sendq_expire(gs_tc_sendq *q, gs_time_ms now);
/* The oldest entry (NULL: empty); it stays queued until gs_tc_sendq_pop. */
const gs_tc_sendq_entry *gs_tc_sendq_head(const gs_tc_sendq *q);
/* Remove the oldest entry: it was sent (counted as flushed). */
void gs_tc_sendq_pop(gs_tc_sendq *q);
size_t gs_tc_sendq_count(const gs_tc_sendq *q);

/* Take one peer's losses not yet taken: true with its name in
 * peer[0..cap) ("" for the peers past GS_TC_SENDQ_LOSS_SLOTS) and its counts
 * (either may be 0), the slot cleared; false when there is none. */
bool gs_tc_sendq_take_loss(gs_tc_sendq *q, char *peer, size_t cap, uint64_t *full,
                           uint64_t *expired);

#endif
