/* Allocation-failure injection over the session engine and the OpenSSL
 * provider. The binary replaces malloc, calloc, realloc, free and the
 * aligned allocators (glibc supports replacing them; they forward to
 * __libc_malloc etc.), keeps every live block in a pointer table and counts
 * the allocations made while a phase is armed. For each phase (handshake,
 * data in each mode, key update, a bound handshake and data through
 * gs_endpoint_receive) it first counts the phase's allocations N,
 * then for i = 1..N runs the phase again with exactly the i-th allocation
 * failing and asserts:
 *   - no crash, and the API returns a negative error (or absorbs the
 *     failure and completes);
 *   - the sessions are either usable (data still flows both ways, possibly
 *     after a clean later failure) or cleanly failed (FAILED/CLOSED with a
 *     sticky negative error that later calls return);
 *   - after freeing everything, the live block count is back to the
 *     baseline (no leak).
 * Under AddressSanitizer (which owns malloc) the test skips (exit 77).
 * GS_ALLOC_FAIL_STRIDE runs every n-th index only (default 1; 7 under
 * valgrind, though the valgrind stage of make check leaves this test out:
 * valgrind's malloc bypasses the interposer). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define GS_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GS_TEST_ASAN 1
#endif
#endif

#ifndef GS_TEST_ASAN
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <valgrind/valgrind.h>

#include "test_session_util.h"

/* ---------------------------------------------------------------- tracker */

#define LIVE_BITS 20
#define LIVE_CAP (1u << LIVE_BITS)

static uintptr_t g_live[LIVE_CAP]; /* 0 = empty slot */
static long g_live_serial[LIVE_CAP];
static size_t g_n_live;
static long g_serial; /* every allocation, armed or not */
static int g_armed;
static long g_count;   /* allocations seen while armed */
static long g_fail_at; /* 1-based index to fail; 0 = none */
static int g_failed;   /* the injected failure happened */

/* The project builds with hidden visibility; the replacements must be in
 * the dynamic symbol table so that libcrypto and libc bind to them. */
#define GS_TEST_EXPORT __attribute__((visibility("default")))

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t m);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);
void *__libc_memalign(size_t align, size_t n);

void *malloc(size_t n);
void *calloc(size_t n, size_t m);
void *realloc(void *p, size_t n);
void free(void *p);
int posix_memalign(void **out, size_t align, size_t n);
void *aligned_alloc(size_t align, size_t n);
void *memalign(size_t align, size_t n);

static size_t slot_of(uintptr_t p) {
  return (size_t)(((uint64_t)p >> 4) * 0x9E3779B97F4A7C15ull >> (64 - LIVE_BITS));
}

static void live_add(void *ptr) {
  uintptr_t p = (uintptr_t)ptr;
  if (p == 0) {
    return;
  }
  if (g_n_live >= LIVE_CAP - LIVE_CAP / 8) {
    abort(); /* table full: never expected in this test */
  }
  size_t i = slot_of(p);
  while (g_live[i] != 0) {
    i = (i + 1) & (LIVE_CAP - 1);
  }
  g_live[i] = p;
  g_live_serial[i] = g_serial;
  g_n_live++;
}

/* Backward-shift deletion keeps linear probing free of tombstones. */
static void live_del(void *ptr) {
  uintptr_t p = (uintptr_t)ptr;
  size_t i = slot_of(p);
  while (g_live[i] != p) {
    if (g_live[i] == 0) {
      return; /* not ours (allocated before the tracker saw it) */
    }
    i = (i + 1) & (LIVE_CAP - 1);
  }
  size_t j = i;
  for (;;) {
    j = (j + 1) & (LIVE_CAP - 1);
    if (g_live[j] == 0) {
      break;
    }
    size_t k = slot_of(g_live[j]);
    bool move = i <= j ? (k <= i || k > j) : (k <= i && k > j);
    if (move) {
      g_live[i] = g_live[j];
      g_live_serial[i] = g_live_serial[j];
      i = j;
    }
  }
  g_live[i] = 0;
  g_n_live--;
}

/* The executable's text: gridseal (static layers), its OpenSSL provider
 * and this test. By default only allocations made from there are counted
 * and failed; GS_ALLOC_FAIL_ALL=1 extends injection to every allocation of
 * the process (OpenSSL and libc internals too). */
extern const char __executable_start[];
extern const char etext[];
static int g_all;
static long g_trap; /* GS_ALLOC_FAIL_TRAP: abort at this serial (debugging) */

static bool ours(const void *ret) {
  const char *r = ret;
  return g_all || (r >= __executable_start && r < etext);
}

/* true: this allocation must fail. */
static bool inject(const void *ret) {
  if (++g_serial == g_trap) {
    abort();
  }
  if (!g_armed || !ours(ret)) {
    return false;
  }
  g_count++;
  if (g_count == g_fail_at) {
    g_failed = 1;
    errno = ENOMEM;
    return true;
  }
  return false;
}

GS_TEST_EXPORT void *malloc(size_t n) {
  if (inject(__builtin_return_address(0))) {
    return NULL;
  }
  void *p = __libc_malloc(n);
  live_add(p);
  return p;
}

GS_TEST_EXPORT void *calloc(size_t n, size_t m) {
  if (inject(__builtin_return_address(0))) {
    return NULL;
  }
  void *p = __libc_calloc(n, m);
  live_add(p);
  return p;
}

GS_TEST_EXPORT void *realloc(void *p, size_t n) {
  if (p != NULL && n == 0) {
    live_del(p);
    __libc_free(p);
    return NULL;
  }
  if (inject(__builtin_return_address(0))) {
    return NULL; /* p stays valid */
  }
  void *q = __libc_realloc(p, n);
  if (q != NULL) {
    if (p != NULL) {
      live_del(p);
    }
    live_add(q);
  }
  return q;
}

GS_TEST_EXPORT void free(void *p) {
  if (p != NULL) {
    live_del(p);
    __libc_free(p);
  }
}

GS_TEST_EXPORT void *memalign(size_t align, size_t n) {
  if (inject(__builtin_return_address(0))) {
    return NULL;
  }
  void *p = __libc_memalign(align, n);
  live_add(p);
  return p;
}

GS_TEST_EXPORT void *aligned_alloc(size_t align, size_t n) {
  return memalign(align, n);
}

GS_TEST_EXPORT int posix_memalign(void **out, size_t align, size_t n) {
  void *p = memalign(align, n);
  if (p == NULL) {
    return ENOMEM;
  }
  *out = p;
  return 0;
}

/* ---------------------------------------------------------------- phases */

#define NOW GS_TEST_NOW

/* PH_BOUND: handshake and one data PDU through gs_endpoint_receive, a bound
 * initiator with its own expected identity, peek/ack output. */
typedef enum phase_kind { PH_HANDSHAKE, PH_DATA, PH_REKEY, PH_BOUND } phase_kind;

typedef struct phase {
  const char *name;
  phase_kind kind;
  gs_offer_mode offer;
  gs_aead_alg aead;
  gs_cipher_alg encr;
  gs_hash_alg icv;
} phase;

static const phase phases[] = {
    {"handshake (P-256 ECDSA, P-256 DH, AES-256-GCM)", PH_HANDSHAKE, GS_OFFER_AEAD,
     GS_AEAD_AES256_GCM, 0, 0},
    {"data AES-256-GCM", PH_DATA, GS_OFFER_AEAD, GS_AEAD_AES256_GCM, 0, 0},
    {"data ChaCha20-Poly1305", PH_DATA, GS_OFFER_AEAD, GS_AEAD_CHACHA20_POLY1305, 0, 0},
    {"data AES-128-CBC + HMAC-SHA256", PH_DATA, GS_OFFER_ETM, 0, GS_CIPHER_AES128_CBC,
     GS_HASH_SHA256},
    {"data integrity HMAC-SHA384", PH_DATA, GS_OFFER_INTEGRITY, 0, 0, GS_HASH_SHA384},
    {"key update (AES-256-GCM)", PH_REKEY, GS_OFFER_AEAD, GS_AEAD_AES256_GCM, 0, 0},
    {"bound handshake + data via gs_endpoint_receive (AES-256-GCM)", PH_BOUND, GS_OFFER_AEAD,
     GS_AEAD_AES256_GCM, 0, 0},
};

typedef struct outcome {
  long n;         /* allocations of the phase */
  long runs;      /* failure runs */
  long absorbed;  /* failure injected, phase completed anyway */
  long usable;    /* failed call, sessions still exchange data */
  long failed;    /* failed call, an association cleanly failed */
  int errs[8];    /* distinct error codes returned */
  long errs_n[8]; /* how often */
  int n_errs;
} outcome;

static int g_bad; /* assertion failures */

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                         \
      fprintf(stderr, __VA_ARGS__);                                                                \
      fprintf(stderr, "\n");                                                                       \
      g_bad++;                                                                                     \
    }                                                                                              \
  } while (0)

static void note_err(outcome *o, int rc) {
  for (int i = 0; i < o->n_errs; i++) {
    if (o->errs[i] == rc) {
      o->errs_n[i]++;
      return;
    }
  }
  if (o->n_errs < 8) {
    o->errs[o->n_errs] = rc;
    o->errs_n[o->n_errs++] = 1;
  }
}

static void configure(ts_world *w, const phase *ph) {
  ts_world_prepare(w, GS_TKEY_P256, GS_TKEY_P256);
  w->a.cfg.offer = ph->offer;
  w->a.cfg.aead[0] = ph->aead;
  w->a.cfg.n_aead = ph->offer == GS_OFFER_AEAD ? 1 : 0;
  w->a.cfg.encr[0] = ph->encr;
  w->a.cfg.n_encr = ph->offer == GS_OFFER_ETM ? 1 : 0;
  w->a.cfg.icv[0] = ph->icv;
  w->a.cfg.n_icv = ph->offer == GS_OFFER_AEAD ? 0 : 1;
}

/* One PDU from `from` to `to`; data must be `msg` when given. */
static int pass(gs_session *from, gs_session *to, const char *msg) {
  uint8_t out[256];
  gs_rx rx;
  int rc = ts_pass(from, to, NOW, out, sizeof(out), &rx);
  if (rc == GS_OK && msg != NULL &&
      (!rx.has_data || rx.data_len != strlen(msg) || memcmp(out, msg, rx.data_len) != 0)) {
    rc = GS_ERR_INTERNAL;
  }
  return rc;
}

static int exchange(ts_world *w, const char *msg) {
  int rc = gs_session_send(w->sa, NOW, (const uint8_t *)msg, strlen(msg));
  if (rc == GS_OK) {
    rc = pass(w->sa, w->sb, msg);
  }
  if (rc == GS_OK) {
    rc = gs_session_send(w->sb, NOW, (const uint8_t *)msg, strlen(msg));
  }
  if (rc == GS_OK) {
    rc = pass(w->sb, w->sa, msg);
  }
  return rc;
}

/* `from` sends a message; every queued PDU is delivered both ways; `to`
 * must have received the message (a changedKey or rekey may go first). */
static int flow(ts_world *w, gs_session *from, gs_session *to) {
  static const char msg[] = "still usable";
  int rc = gs_session_send(from, NOW, (const uint8_t *)msg, sizeof(msg) - 1);
  bool got = false;
  for (int i = 0; rc == GS_OK && i < 16; i++) {
    gs_session *src = gs_session_output_count(w->sa) > 0 ? w->sa : w->sb;
    if (gs_session_output_count(src) == 0) {
      break;
    }
    uint8_t out[256];
    gs_rx rx;
    gs_session *dst = src == w->sa ? w->sb : w->sa;
    rc = ts_pass(src, dst, NOW, out, sizeof(out), &rx);
    if (rc == GS_OK && dst == to && rx.has_data && rx.data_len == sizeof(msg) - 1 &&
        memcmp(out, msg, rx.data_len) == 0) {
      got = true;
    }
  }
  return rc != GS_OK ? rc : got ? GS_OK : GS_ERR_INTERNAL;
}

/* One queued PDU of `from` into `ep` through gs_endpoint_receive, read in
 * place and acknowledged. */
static int deliver(gs_session *from, gs_endpoint *ep, const char *xpeer, gs_recv *rv) {
  static uint8_t out[70000];
  gs_output o;
  int rc = gs_session_peek_output(from, &o);
  rc = rc ? rc : gs_endpoint_receive(ep, xpeer, -1, o.pdu, o.len, NOW, out, sizeof(out), rv);
  if (rc == GS_OK) {
    rc = gs_session_ack_output(from);
  }
  if (rc == GS_OK && rv->has_data && rv->data_len == 5 && memcmp(out, "hello", 5) != 0) {
    rc = GS_ERR_INTERNAL;
  }
  return rc;
}

static int bound_body(ts_world *w) {
  static const gs_identity der1 = {GS_ID_URI, "urn:gridseal:der1"};
  gs_recv rv;
  int rc = gs_session_new_initiator_to(w->a.ep, "der", &der1, &w->sa);
  rc = rc ? rc : gs_session_connect(w->sa, NOW, (const uint8_t *)"setup", 5);
  rc = rc ? rc : deliver(w->sa, w->b.ep, "cc", &rv);
  if (rc == GS_OK) {
    w->sb = rv.session;
  }
  rc = rc ? rc : gs_session_accept(w->sb, NOW, (const uint8_t *)"rsp", 3);
  rc = rc ? rc : deliver(w->sb, w->a.ep, "der", &rv);
  rc = rc ? rc : gs_session_send_tagged(w->sa, NOW, (const uint8_t *)"hello", 5, 1);
  rc = rc ? rc : deliver(w->sa, w->b.ep, "cc", &rv);
  if (rc == GS_OK && (!rv.has_data || rv.data_len != 5)) {
    rc = GS_ERR_INTERNAL;
  }
  return rc;
}

/* The armed part of a phase: returns the first error. */
static int body(ts_world *w, phase_kind k) {
  if (k == PH_HANDSHAKE) {
    return ts_handshake(w, NOW);
  }
  if (k == PH_BOUND) {
    return bound_body(w);
  }
  if (k == PH_REKEY) {
    int rc = gs_session_update_keys(w->sa, NOW);
    if (rc == GS_OK) {
      rc = pass(w->sa, w->sb, NULL); /* rekey PDU M */
    }
    if (rc == GS_OK) {
      rc = pass(w->sb, w->sa, NULL); /* changedKey */
    }
    return rc == GS_OK ? exchange(w, "after rekey") : rc;
  }
  return exchange(w, "hello");
}

/* A session after a failed call: usable, or failed with a sticky error. */
static bool cleanly_failed(gs_session *s) {
  if (s == NULL) {
    return false;
  }
  gs_session_state st = gs_session_state_get(s);
  int err = gs_session_error(s);
  if (st != GS_STATE_FAILED && st != GS_STATE_CLOSED) {
    return false;
  }
  CHECK(err < 0, "state %s without a sticky error", gs_session_state_name(st));
  int rc = gs_session_send(s, NOW, (const uint8_t *)"x", 1);
  CHECK(rc == (st == GS_STATE_FAILED ? err : GS_ERR_CLOSED) || rc == GS_ERR_STATE,
        "send on a %s session returned %d (sticky %d)", gs_session_state_name(st), rc, err);
  return true;
}

/* After the injected failure (allocator disarmed): classify and check. */
static void check_after(ts_world *w, const phase *ph, outcome *o, long i) {
  if (cleanly_failed(w->sa) || cleanly_failed(w->sb)) {
    o->failed++;
    return;
  }
  if ((ph->kind == PH_HANDSHAKE || ph->kind == PH_BOUND) &&
      (w->sa == NULL || w->sb == NULL || gs_session_state_get(w->sa) != GS_STATE_ESTABLISHED ||
       gs_session_state_get(w->sb) != GS_STATE_ESTABLISHED)) {
    /* No association (yet): the endpoints must still give a new one. */
    if (w->a.ep != NULL && w->b.ep != NULL) {
      gs_session_free(w->sa);
      gs_session_free(w->sb);
      w->sa = w->sb = NULL;
      int rc = ts_handshake(w, NOW);
      CHECK(rc == GS_OK, "%s #%ld: endpoints unusable after the failure: %d", ph->name, i, rc);
      rc = rc == GS_OK ? exchange(w, "again") : rc;
      CHECK(rc == GS_OK, "%s #%ld: new association unusable: %d", ph->name, i, rc);
    }
    o->failed++;
    return;
  }
  /* Both established: queued PDUs and fresh data must still flow, unless a
   * side ends the association cleanly (e.g. a rekey PDU that was not
   * processed makes the next PDU an integrity failure and a dtSecAbort). */
  int rc = flow(w, w->sa, w->sb);
  if (rc == GS_OK) {
    rc = flow(w, w->sb, w->sa);
  }
  if (rc == GS_OK) {
    o->usable++;
  } else {
    bool clean = cleanly_failed(w->sa) || cleanly_failed(w->sb);
    CHECK(clean, "%s #%ld: neither usable nor cleanly failed (rc %d)", ph->name, i, rc);
    o->failed++;
  }
}

/* Set up the phase unarmed (handshake for data/rekey phases). */
static void setup(ts_world *w, const phase *ph) {
  configure(w, ph);
  if (ts_world_start(w) != GS_OK) {
    fprintf(stderr, "setup of %s failed\n", ph->name);
    abort();
  }
  if (ph->kind == PH_DATA || ph->kind == PH_REKEY) {
    if (ts_handshake(w, NOW) != GS_OK) {
      fprintf(stderr, "setup of %s failed\n", ph->name);
      abort();
    }
  }
}

static void teardown(ts_world *w) {
  ts_world_free(w);
  /* Per-thread OpenSSL state (error queue, DRBGs) is rebuilt on demand;
   * dropping it makes every run start alike and the live count exact. */
  OPENSSL_thread_stop();
}

static long count_phase(const phase *ph) {
  ts_world w;
  setup(&w, ph);
  g_count = 0;
  g_fail_at = 0;
  g_armed = 1;
  int rc = body(&w, ph->kind);
  g_armed = 0;
  CHECK(rc == GS_OK, "%s: clean run failed: %d", ph->name, rc);
  teardown(&w);
  return g_count;
}

static void fail_one(const phase *ph, long i, size_t baseline, outcome *o) {
  ts_world w;
  setup(&w, ph);
  g_count = 0;
  g_fail_at = i;
  g_failed = 0;
  g_armed = 1;
  int rc = body(&w, ph->kind);
  g_armed = 0;
  g_fail_at = 0;
  o->runs++;
  if (g_failed && rc == GS_OK) {
    o->absorbed++;
  } else if (g_failed) {
    CHECK(rc < 0, "%s #%ld: positive return %d", ph->name, i, rc);
    note_err(o, rc);
    check_after(&w, ph, o, i);
  }
  teardown(&w);

  CHECK(g_n_live == baseline, "%s #%ld: leak: %zu live blocks, baseline %zu", ph->name, i, g_n_live,
        baseline);
}

static void report(const phase *ph, const outcome *o, long stride) {
  printf("%-52s N=%5ld runs=%5ld (stride %ld) absorbed=%ld usable=%ld failed=%ld errors:", ph->name,
         o->n, o->runs, stride, o->absorbed, o->usable, o->failed);
  for (int i = 0; i < o->n_errs; i++) {
    printf(" %s x%ld", gs_strerror(o->errs[i]), o->errs_n[i]);
  }
  printf("\n");
  fflush(stdout);
}

int main(void) {
  long stride = RUNNING_ON_VALGRIND ? 7 : 1;
  const char *env = getenv("GS_ALLOC_FAIL_STRIDE");
  if (env != NULL && atol(env) > 0) {
    stride = atol(env);
  }
  g_all = getenv("GS_ALLOC_FAIL_ALL") != NULL && atoi(getenv("GS_ALLOC_FAIL_ALL")) != 0;
  g_trap = getenv("GS_ALLOC_FAIL_TRAP") != NULL ? atol(getenv("GS_ALLOC_FAIL_TRAP")) : 0;
  /* Process-wide fixtures and OpenSSL's lazy tables, built unarmed; one
   * warm-up of every phase fills the provider's algorithm caches. */
  (void)ts_ident(0, GS_TKEY_P256);
  (void)ts_ident(1, GS_TKEY_P256);
  for (size_t p = 0; p < sizeof(phases) / sizeof(phases[0]); p++) {
    (void)count_phase(&phases[p]);
  }
  printf("alloc-fail: injecting into %s allocations\n", g_all ? "all" : "gridseal's");
  fflush(stdout); /* stdout's buffer is allocated now, before the baseline */
  size_t baseline = g_n_live;
  for (size_t p = 0; p < sizeof(phases) / sizeof(phases[0]); p++) {
    outcome o;
    memset(&o, 0, sizeof(o));
    o.n = count_phase(&phases[p]);
    CHECK(g_n_live == baseline, "%s: clean run leaks %zu blocks (serial now %ld)", phases[p].name,
          g_n_live - baseline, g_serial);
    if (getenv("GS_ALLOC_FAIL_DUMP") != NULL) {
      for (size_t k = 0; k < LIVE_CAP; k++) {
        if (g_live[k] != 0 && g_live_serial[k] > atol(getenv("GS_ALLOC_FAIL_DUMP"))) {
          fprintf(stderr, "live block serial %ld\n", g_live_serial[k]);
        }
      }
    }
    CHECK(o.n > 0, "%s: no allocations seen (interposition not active?)", phases[p].name);
    for (long i = 1; i <= o.n; i += stride) {
      fail_one(&phases[p], i, baseline, &o);
    }
    report(&phases[p], &o, stride);
  }
  printf("%s\n", g_bad == 0 ? "alloc-fail: all checks passed" : "alloc-fail: FAILED");
  return g_bad == 0 ? 0 : 1;
}

#else /* GS_TEST_ASAN */

int main(void) {
  printf("test_alloc_fail: skipped under AddressSanitizer (it owns malloc)\n");
  return 77;
}

#endif
