/* gridseal transports, internal: the bounded send queue (sendq.h). */
#include "sendq.h"

#include <stdlib.h>
#include <string.h>

#include "gridseal/error.h"

int gs_tc_sendq_init(gs_tc_sendq *q, size_t max_count, gs_time_ms max_age_ms) {
  if (q == NULL || max_count == 0 || max_age_ms < 1) {
    return GS_ERR_INVALID_ARG;
  }
  memset(q, 0, sizeof(*q));
  q->max_count = max_count;
  q->max_age = max_age_ms;
  return GS_OK;
}

static void entry_free(gs_tc_sendq_entry *e) {
  gs_wipe(e->pdu, e->len);
  free(e);
}

/* Unlink the head (the queue is not empty). */
static gs_tc_sendq_entry *unlink_head(gs_tc_sendq *q) {
  gs_tc_sendq_entry *e = q->head;
  q->head = e->next;
  if (q->head == NULL) {
    q->tail = NULL;
  }
  q->count--;
  return e;
}

void gs_tc_sendq_free(gs_tc_sendq *q) {
  if (q == NULL) {
    return;
  }
  while (q->head != NULL) {
    entry_free(unlink_head(q));
  }
}

static void count_loss(gs_tc_sendq *q, const char *peer, bool expired) {
  if (expired) {
    q->lost_expired++;
  } else {
    q->lost_full++;
  }
  gs_tc_sendq_loss *free_slot = NULL;
  for (size_t i = 0; i < GS_TC_SENDQ_LOSS_SLOTS; i++) {
    gs_tc_sendq_loss *l = &q->loss[i];
    if (l->peer[0] == '\0') {
      free_slot = free_slot != NULL ? free_slot : l;
    } else if (strcmp(l->peer, peer) == 0) {
      free_slot = l;
      break;
    }
  }
  if (free_slot == NULL) {
    if (expired) {
      q->loss_other_expired++;
    } else {
      q->loss_other_full++;
    }
    return;
  }
  if (free_slot->peer[0] == '\0') {
    memcpy(free_slot->peer, peer, strlen(peer) + 1); /* checked by push */
  }
  if (expired) {
    free_slot->expired++;
  } else {
    free_slot->full++;
  }
}

static void drop_head(gs_tc_sendq *q, bool expired) {
  gs_tc_sendq_entry *e = unlink_head(q);
  count_loss(q, e->peer, expired);
  entry_free(e);
}

size_t gs_tc_sendq_expire(gs_tc_sendq *q, gs_time_ms now) {
  size_t n = 0;
  /* entries are in queueing order, so the old ones are at the head (a
   * clock that went back leaves them queued until it passes again) */
  while (q->head != NULL && now - q->head->at > q->max_age) {
    drop_head(q, true);
    n++;
  }
  return n;
}

static bool fits(const char *s, size_t cap, bool may_be_empty) {
  if (s == NULL) {
    return may_be_empty;
  }
  size_t n = strnlen(s, cap);
  return n < cap && (may_be_empty || n > 0);
}

int gs_tc_sendq_push(gs_tc_sendq *q, const char *peer, const char *dest, const char *topic,
                     const uint8_t *pdu, size_t len, gs_time_ms now) {
  if (q == NULL || !fits(peer, GS_TC_NAME_MAX, false) || !fits(dest, GS_TC_NAME_MAX, false) ||
      !fits(topic, GS_TC_SENDQ_TOPIC_MAX, true) || pdu == NULL || len == 0 ||
      len > SIZE_MAX - sizeof(gs_tc_sendq_entry)) {
    return GS_ERR_INVALID_ARG;
  }
  gs_tc_sendq_entry *e = malloc(sizeof(*e) + len);
  if (e == NULL) {
    return GS_ERR_NOMEM;
  }
  memset(e, 0, sizeof(*e));
  e->at = now;
  memcpy(e->peer, peer, strlen(peer) + 1);
  memcpy(e->dest, dest, strlen(dest) + 1);
  if (topic != NULL) {
    memcpy(e->topic, topic, strlen(topic) + 1);
  }
  e->len = len;
  memcpy(e->pdu, pdu, len);
  (void)gs_tc_sendq_expire(q, now);
  while (q->count >= q->max_count) {
    drop_head(q, false);
  }
  if (q->tail != NULL) {
    q->tail->next = e;
  } else {
    q->head = e;
  }
  q->tail = e;
  q->count++;
  q->queued++;
  return GS_OK;
}

const gs_tc_sendq_entry *gs_tc_sendq_head(const gs_tc_sendq *q) {
  return q != NULL ? q->head : NULL;
}

void gs_tc_sendq_pop(gs_tc_sendq *q) {
  if (q == NULL || q->head == NULL) {
    return;
  }
  entry_free(unlink_head(q));
  q->flushed++;
}

size_t gs_tc_sendq_count(const gs_tc_sendq *q) {
  return q != NULL ? q->count : 0;
}

bool gs_tc_sendq_take_loss(gs_tc_sendq *q, char *peer, size_t cap, uint64_t *full,
                           uint64_t *expired) {
  for (size_t i = 0; i < GS_TC_SENDQ_LOSS_SLOTS; i++) {
    gs_tc_sendq_loss *l = &q->loss[i];
    if (l->peer[0] != '\0') {
      if (peer != NULL && cap > 0) {
        size_t n = strlen(l->peer);
        n = n < cap - 1 ? n : cap - 1;
        memcpy(peer, l->peer, n);
        peer[n] = '\0';
      }
      *full = l->full;
      *expired = l->expired;
      memset(l, 0, sizeof(*l));
      return true;
    }
  }
  if (q->loss_other_full != 0 || q->loss_other_expired != 0) {
    if (peer != NULL && cap > 0) {
      peer[0] = '\0';
    }
    *full = q->loss_other_full;
    *expired = q->loss_other_expired;
    q->loss_other_full = q->loss_other_expired = 0;
    return true;
  }
  return false;
}
