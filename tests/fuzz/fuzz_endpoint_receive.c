/* Fuzz target fuzz_endpoint_receive: gs_endpoint_receive() on a responder
 * endpoint holding a live association bound to transport peer "cc". The
 * input is a list of frames, each
 *   1 octet  selector: bits 0-1 the transport peer (0 "cc", the bound one;
 *            1 "intruder"; 2 "" unknown origin; 3 a fresh label per frame),
 *            bits 2-3 the role (0 -1, 1 responder, 2 initiator, 3 -1),
 *            bit 4: accept (else refuse) a session a HandshakeReq created
 *   2 octets big-endian PDU length, then the PDU.
 * After every frame the outputs of the endpoint and the association are
 * drained with peek/ack, and the invariant of the binding is checked: a
 * frame from a peer other than "cc" that names the association returns
 * GS_ERR_WRONG_PEER and leaves its state and counters as they were (abort()
 * otherwise, which the fuzzer reports). Built with GS_FUZZING_UNSAFE the
 * signature checks are skipped. With GS_SESSION_SEED_DIR set, the first
 * run writes seed inputs (genuine PDUs, framed) there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"
#include "test_session_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define XPEER "cc"

static uint8_t g_out[70000];
static ts_world g_w;
static bool g_ready;

static void setup_world(void) {
  if (g_ready) {
    return;
  }
  ts_world_prepare(&g_w, GS_TKEY_P256, GS_TKEY_P256);
  g_w.b.cfg.replay = GS_REPLAY_MODE_WINDOW;
  g_w.b.cfg.on_integrity = GS_INTEGRITY_DROP;
  g_w.b.cfg.integrity_threshold = 1000;
  g_w.b.cfg.malformed_threshold = 1000; /* undecodable inputs: dropped, the association kept */
  if (ts_world_start(&g_w) != GS_OK) {
    abort();
  }
  g_ready = true;
}

/* A fresh pair with the same assoIDs every time ("1", "1:1"): A bound to
 * "der", B's session created through gs_endpoint_receive from XPEER. */
static void fresh_pair(void) {
  static uint8_t buf[70000];
  gs_session_free(g_w.sa);
  gs_session_free(g_w.sb);
  g_w.sa = g_w.sb = NULL;
  while (g_w.b.ep->sessions != NULL) {
    gs_session_free(g_w.b.ep->sessions);
  }
  g_w.a.n_events = g_w.b.n_events = 0;
  g_w.a.ep->next_num = 1;
  g_w.b.ep->next_num = 1;
  gs_replay_cache_clear(&g_w.b.ep->rc);
  (void)gs_replay_cache_init(&g_w.b.ep->rc, 64);
  gs_ratelimit_init(&g_w.b.ep->rl, 1000000);
  size_t len = 0;
  gs_recv rv;
  if (gs_session_new_initiator_to(g_w.a.ep, "der", NULL, &g_w.sa) != GS_OK ||
      gs_session_connect(g_w.sa, GS_TEST_NOW, (const uint8_t *)"setup", 5) != GS_OK ||
      ts_pop(g_w.sa, buf, &len) != GS_OK ||
      gs_endpoint_receive(g_w.b.ep, XPEER, -1, buf, len, GS_TEST_NOW, g_out, sizeof(g_out), &rv) !=
          GS_OK ||
      gs_session_accept(rv.session, GS_TEST_NOW, (const uint8_t *)"rsp", 3) != GS_OK) {
    abort();
  }
  g_w.sb = rv.session;
  if (ts_pop(g_w.sb, buf, &len) != GS_OK ||
      gs_endpoint_receive(g_w.a.ep, "der", -1, buf, len, GS_TEST_NOW, g_out, sizeof(g_out), &rv) !=
          GS_OK) {
    abort();
  }
}

static void write_seed(const char *name, const uint8_t *frames, size_t len) {
  const char *dir = getenv("GS_SESSION_SEED_DIR");
  char path[1024];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    return;
  }
  fwrite(frames, 1, len, f);
  fclose(f);
}

static size_t frame(uint8_t *dst, uint8_t sel, const uint8_t *pdu, size_t len) {
  dst[0] = sel;
  dst[1] = (uint8_t)(len >> 8);
  dst[2] = (uint8_t)len;
  memcpy(dst + 3, pdu, len);
  return len + 3;
}

/* Seeds: genuine PDUs of the pair, from the bound peer and from others. */
static void seeds_once(void) {
  static bool done;
  if (done || getenv("GS_SESSION_SEED_DIR") == NULL) {
    return;
  }
  done = true;
  static uint8_t pdu[70000], f[3 * 70000];
  size_t len = 0, n = 0;
  fresh_pair();
  if (gs_session_send(g_w.sa, GS_TEST_NOW, (const uint8_t *)"data", 4) != GS_OK ||
      ts_pop(g_w.sa, pdu, &len) != GS_OK) {
    abort();
  }
  n = frame(f, 0x00, pdu, len);
  write_seed("data_bound", f, n);
  n = frame(f, 0x01, pdu, len);
  n += frame(f + n, 0x00, pdu, len);
  write_seed("data_intruder_then_bound", f, n);
  pdu[len - 1] ^= 0x5a;
  n = frame(f, 0x05, pdu, len);
  n += frame(f + n, 0x02, pdu, len);
  write_seed("junk_tag_foreign", f, n);
  gs_session *s = NULL;
  if (gs_session_new_initiator(g_w.a.ep, &s) != GS_OK ||
      gs_session_connect(s, GS_TEST_NOW, (const uint8_t *)"x", 1) != GS_OK ||
      ts_pop(s, pdu, &len) != GS_OK) {
    abort();
  }
  n = frame(f, 0x13, pdu, len);
  write_seed("handshake_req_accept", f, n);
  n = frame(f, 0x08, pdu, len);
  write_seed("handshake_req_initiator_role", f, n);
  gs_session_free(s);
  if (gs_session_release(g_w.sa, GS_TEST_NOW, NULL, 0) != GS_OK ||
      ts_pop(g_w.sa, pdu, &len) != GS_OK) {
    abort();
  }
  n = frame(f, 0x01, pdu, len);
  n += frame(f + n, 0x00, pdu, len);
  write_seed("release_foreign_then_bound", f, n);
}

static void drain(gs_session *s) {
  gs_output o;
  while (s != NULL && gs_session_peek_output(s, &o) == GS_OK) {
    if (o.len == 0 || o.pdu == NULL) {
      abort();
    }
    (void)gs_session_ack_output(s);
  }
  while (gs_endpoint_peek_output(g_w.b.ep, &o) == GS_OK) {
    (void)gs_endpoint_ack_output(g_w.b.ep);
  }
}

static void feed(const uint8_t *data, size_t size) {
  static const char *const peers[] = {XPEER, "intruder", ""};
  unsigned label = 0;
  while (size >= 3) {
    uint8_t sel = data[0];
    size_t len = ((size_t)data[1] << 8) | data[2];
    data += 3;
    size -= 3;
    if (len > size) {
      len = size;
    }
    char fresh[16];
    const char *xpeer = peers[0];
    if ((sel & 3) == 3) {
      snprintf(fresh, sizeof(fresh), "p%u", label++);
      xpeer = fresh;
    } else {
      xpeer = peers[sel & 3];
    }
    int role = ((sel >> 2) & 3) == 1   ? GS_ROLE_RESPONDER
               : ((sel >> 2) & 3) == 2 ? GS_ROLE_INITIATOR
                                       : -1;
    gs_session_info before;
    gs_session_state st = gs_session_state_get(g_w.sb);
    (void)gs_session_get_info(g_w.sb, &before);
    gs_recv rv;
    int rc = gs_endpoint_receive(g_w.b.ep, xpeer, role, data, len, GS_TEST_NOW + 1, g_out,
                                 sizeof(g_out), &rv);
    if (rc == GS_ERR_WRONG_PEER) {
      gs_session_info after;
      (void)gs_session_get_info(g_w.sb, &after);
      if (strcmp(xpeer, XPEER) == 0 || rv.session != NULL || gs_session_state_get(g_w.sb) != st ||
          memcmp(&before, &after, sizeof(before)) != 0) {
        abort(); /* the binding let something through */
      }
    }
    if (rv.created) {
      if ((sel & 0x10) != 0) {
        (void)gs_session_accept(rv.session, GS_TEST_NOW + 1, NULL, 0);
      } else {
        (void)gs_session_refuse(rv.session, GS_TEST_NOW + 1, NULL, 0);
      }
      drain(rv.session);
      gs_session_free(rv.session);
    }
    drain(g_w.sb);
    data += len;
    size -= len;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  setup_world();
  seeds_once();
  fresh_pair();
  feed(data, size);
  return 0;
}
