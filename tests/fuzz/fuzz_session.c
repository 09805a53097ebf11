/* Fuzz targets of the session engine, one per FUZZ_SESSION_MODE:
 *   1 fuzz_responder_first   a responder endpoint fed an arbitrary first PDU
 *   2 fuzz_initiator_answer  an initiator (HandshakeReq sent) fed an answer
 *   3 fuzz_session_data      an established responder fed data PDUs
 *   4 fuzz_notice            an established initiator fed PDUs (notices)
 * Inputs of modes 3 and 4 are a list of (2-octet big-endian length, PDU).
 * Built with GS_FUZZING_UNSAFE the signature checks are skipped so that
 * inputs reach the states behind them. With GS_SESSION_SEED_DIR set, the
 * first run writes genuine PDUs there as seeds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"
#include "test_session_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t g_out[70000];

static void write_seed(const char *name, const uint8_t *p, size_t len, bool framed) {
  const char *dir = getenv("GS_SESSION_SEED_DIR");
  if (dir == NULL) {
    return;
  }
  char path[1024];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    return;
  }
  if (framed) {
    uint8_t hdr[2] = {(uint8_t)(len >> 8), (uint8_t)len};
    fwrite(hdr, 1, 2, f);
  }
  fwrite(p, 1, len, f);
  fclose(f);
}

static void seeds_once(void) {
  static bool done;
  if (done || getenv("GS_SESSION_SEED_DIR") == NULL) {
    return;
  }
  done = true;
  static uint8_t buf[70000];
  size_t len = 0;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  if (ts_world_start(&w) != GS_OK || gs_session_new_initiator(w.a.ep, &w.sa) != GS_OK ||
      gs_session_connect(w.sa, GS_TEST_NOW, (const uint8_t *)"setup", 5) != GS_OK ||
      ts_pop(w.sa, buf, &len) != GS_OK) {
    abort();
  }
  write_seed("handshake_req", buf, len, false);
  { /* the two rejects (pkCert + binding h_A, D17) of other requests */
    gs_session *s2 = NULL, *t2 = NULL;
    size_t n2 = 0;
    static uint8_t b2[70000];
    if (gs_session_new_initiator(w.a.ep, &s2) != GS_OK ||
        gs_session_connect(s2, GS_TEST_NOW, NULL, 0) != GS_OK || ts_pop(s2, b2, &n2) != GS_OK ||
        gs_endpoint_receive_hs(w.b.ep, b2, n2, GS_TEST_NOW, &t2) != GS_OK ||
        gs_session_refuse(t2, GS_TEST_NOW, (const uint8_t *)"no", 2) != GS_OK ||
        ts_pop(t2, b2, &n2) != GS_OK) {
      abort();
    }
    write_seed("application_reject", b2, n2, false);
    gs_session_free(t2);
    gs_session_free(s2);
    s2 = NULL;
    t2 = NULL;
    if (gs_session_new_initiator(w.a.ep, &s2) != GS_OK ||
        gs_session_connect(s2, GS_TEST_NOW - 3600000, NULL, 0) != GS_OK ||
        ts_pop(s2, b2, &n2) != GS_OK ||
        gs_endpoint_receive_hs(w.b.ep, b2, n2, GS_TEST_NOW, &t2) != GS_ERR_TIME ||
        gs_endpoint_pop_output(w.b.ep, b2, sizeof(b2), &n2) != GS_OK) {
      abort();
    }
    write_seed("handshake_sec_reject", b2, n2, false);
    gs_session_free(s2);
  }
  if (gs_endpoint_receive_hs(w.b.ep, buf, len, GS_TEST_NOW, &w.sb) != GS_OK ||
      gs_session_accept(w.sb, GS_TEST_NOW, (const uint8_t *)"rsp", 3) != GS_OK ||
      ts_pop(w.sb, buf, &len) != GS_OK) {
    abort();
  }
  write_seed("handshake_acc", buf, len, false);
  gs_rx rx;
  if (gs_session_receive(w.sa, buf, len, GS_TEST_NOW, g_out, sizeof(g_out), &rx) != GS_OK) {
    abort();
  }
  gs_session_send(w.sa, GS_TEST_NOW, (const uint8_t *)"data", 4);
  ts_pop(w.sa, buf, &len);
  write_seed("data_aead", buf, len, true);
  gs_session_update_keys(w.sa, GS_TEST_NOW);
  ts_pop(w.sa, buf, &len);
  write_seed("data_rekey", buf, len, true);
  gs_session_send(w.sb, GS_TEST_NOW, (const uint8_t *)"x", 1);
  ts_pop(w.sb, buf, &len);
  write_seed("data_from_b", buf, len, true);
  gs_session_release(w.sb, GS_TEST_NOW, (const uint8_t *)"concl", 5);
  ts_pop(w.sb, buf, &len);
  write_seed("release_req", buf, len, true);
  ts_world_free(&w);
}

static ts_world g_w;
static bool g_ready;

static void setup_world(void) {
  if (g_ready) {
    return;
  }
  seeds_once();
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

#if FUZZ_SESSION_MODE >= 3
/* A fresh established pair for one input. */
static void fresh_pair(void) {
  gs_session_free(g_w.sa);
  gs_session_free(g_w.sb);
  g_w.sa = g_w.sb = NULL;
  g_w.a.n_events = g_w.b.n_events = 0;
  /* every pair shakes hands at the same time: keep the cache small */
  gs_replay_cache_clear(&g_w.b.ep->rc);
  (void)gs_replay_cache_init(&g_w.b.ep->rc, 64);
  if (ts_handshake(&g_w, GS_TEST_NOW) != GS_OK) {
    abort();
  }
}

static void feed_framed(gs_session *s, const uint8_t *data, size_t size) {
  gs_rx rx;
  while (size >= 2) {
    size_t len = ((size_t)data[0] << 8) | data[1];
    data += 2;
    size -= 2;
    if (len > size) {
      len = size;
    }
    (void)gs_session_receive(s, data, len, GS_TEST_NOW + 1, g_out, sizeof(g_out), &rx);
    data += len;
    size -= len;
    size_t n = 0;
    while (gs_session_pop_output(s, g_out, sizeof(g_out), &n) == GS_OK) {
    }
  }
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  setup_world();
#if FUZZ_SESSION_MODE == 1
  gs_session *s = NULL;
  if (gs_endpoint_receive_hs(g_w.b.ep, data, size, GS_TEST_NOW, &s) == GS_OK) {
    (void)gs_session_accept(s, GS_TEST_NOW, (const uint8_t *)"rsp", 3);
    gs_session_free(s);
  }
  size_t n = 0;
  while (gs_endpoint_pop_output(g_w.b.ep, g_out, sizeof(g_out), &n) == GS_OK) {
  }
  /* keep the replay cache from filling with fuzz entries */
  gs_replay_cache_clear(&g_w.b.ep->rc);
  (void)gs_replay_cache_init(&g_w.b.ep->rc, 64);
#elif FUZZ_SESSION_MODE == 2
  gs_session *s = NULL;
  size_t n = 0;
  if (gs_session_new_initiator(g_w.a.ep, &s) == GS_OK &&
      gs_session_connect(s, GS_TEST_NOW, (const uint8_t *)"setup", 5) == GS_OK) {
    gs_rx rx;
    (void)gs_session_pop_output(s, g_out, sizeof(g_out), &n);
    (void)gs_session_receive(s, data, size, GS_TEST_NOW, g_out, sizeof(g_out), &rx);
    if (gs_session_state_get(s) == GS_STATE_ESTABLISHED) {
      (void)gs_session_send(s, GS_TEST_NOW, (const uint8_t *)"x", 1);
    }
  }
  gs_session_free(s);
#elif FUZZ_SESSION_MODE == 3
  fresh_pair();
  feed_framed(g_w.sb, data, size);
#else
  fresh_pair();
  feed_framed(g_w.sa, data, size);
#endif
  return 0;
}
