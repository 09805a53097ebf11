/* Secrets really wiped (docs/PROTOCOL.md §4, §6, §7): after a key update
 * no byte sequence of the previous epoch's keys, of either epoch's shared
 * secret Z and PRK, or of the initiator's DH private keys is left anywhere
 * in the process's writable memory; after a release (both sessions CLOSED)
 * and after freeing them, none of any epoch's, the responder's semi-static
 * handshake DH key included. One test per data mode (AEAD, integrity-only,
 * encrypt-then-MAC) with the default algorithms, the other key lengths,
 * ChaCha20-Poly1305 with X25519 and HKDF-SHA-384, and the window replay
 * mode (which keeps the previous receive key until the window has passed
 * the switch); a control that must find the copies a child keeps; a
 * self-test of the search across its read windows.
 *
 * How the secrets are known without a copy in the memory searched:
 *   - the parent creates the fixtures (CA, Ed25519 identities: their
 *     signatures are deterministic) and then forks two children before it
 *     knows any secret: R, a reference run with keep_secrets, and S, the
 *     searched run without it. Both use the same DH private keys (from a
 *     seeded generator inside the dh_private hook, written straight into the
 *     engine's buffer), the same CBC IVs and the same times, so they derive
 *     the same keys. R sends the per-epoch secrets and the DH keys it handed
 *     out through a pipe and exits; S sends only a digest of every PDU it
 *     exchanged at each check point, and the parent asserts it equals R's
 *     (same PDUs, so same keys).
 *   - S stops itself (SIGSTOP) right after the key update, after the
 *     release and after the free; the parent reads every writable mapping
 *     of /proc/PID/maps through /proc/PID/mem and searches each secret
 *     (16-octet halves of every key, of Z and PRK, and of the DH private
 *     keys big- and little-endian, the latter as a BIGNUM holds them).
 *     OpenSSL's AES key schedules begin with the raw key and its HMAC and
 *     ChaCha20 contexts keep it, so this also finds a provider context left
 *     unwiped. At the first check point the keys in use must be found (the
 *     search sees the provider's key objects).
 *   - the control child C runs as S but keeps a copy of the epoch-0 secrets
 *     on the heap and of its DH keys in static storage: the search must find
 *     each of them. C's copy, made through keep_secrets, must equal R's. */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_session_util.h"

#define NOW GS_TEST_NOW
#define N_DATA 3 /* data PDUs each way per epoch */
#define DH_LEN 32
#define MAX_DH 8

typedef enum run_kind { RUN_REFERENCE = 0, RUN_SEARCHED = 1, RUN_CONTROL = 2 } run_kind;

/* One configuration under test: the initiator offers one algorithm set
 * (0: the default lists). */
typedef struct variant {
  const char *name;
  uint32_t seed;
  gs_offer_mode offer;
  gs_data_mode want;
  gs_dh_group group;
  gs_hash_alg hmac;
  gs_aead_alg aead;
  gs_cipher_alg encr;
  gs_hash_alg icv;
  bool window; /* GS_REPLAY_MODE_WINDOW on both sides (MQTT, AMQP) */
} variant;

/* What the reference run reports. */
typedef struct ref_record {
  gs_test_secrets sec[2]; /* epoch 0, epoch 1 (initiator's view; the
                             responder's is asserted equal in the child) */
  uint32_t n_dh;
  struct {
    uint32_t role, epoch;
    uint8_t raw[DH_LEN];
  } dh[MAX_DH];
  uint8_t digest[2][GS_HASH_LEN]; /* at check point 1 and 2 */
  gs_aead_alg aead;
  gs_cipher_alg encr;
  gs_hash_alg icv;
  gs_hash_alg hmac;
  gs_dh_group group;
  gs_data_mode mode;
} ref_record;

/* ---------------------------------------------------------------- child */

typedef struct child_ctx {
  const variant *v;
  uint64_t seed;
  run_kind kind;
  uint64_t iv_state;
  ref_record *rec; /* reference run only */
} child_ctx;

/* Control run: DH keys handed out, kept (static storage, never wiped). */
static volatile uint8_t g_control_dh[MAX_DH][DH_LEN]; /* volatile: the stores stay */
static unsigned g_control_n_dh;

static uint64_t splitmix(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Through a volatile pointer: the octets go to `out` only, with no
 * temporary copy the compiler could keep on the stack. */
static void fill(uint64_t seed, volatile uint8_t *out, size_t len) {
  for (size_t i = 0; i < len; i++) {
    out[i] = (uint8_t)splitmix(&seed);
  }
}

static int child_dh(void *user, gs_role role, gs_dh_group group, uint32_t epoch, uint8_t *raw,
                    size_t cap, size_t *len) {
  child_ctx *c = user;
  if ((group != GS_DH_P256 && group != GS_DH_X25519) || cap < DH_LEN) {
    return GS_ERR_NOT_FOUND;
  }
  fill(0x6d656d77697065ULL + c->seed * 1000 + (uint64_t)role * 100 + epoch, raw, DH_LEN);
  if (group == GS_DH_P256) {
    raw[0] &= 0x7f; /* below the P-256 order */
    raw[DH_LEN - 1] |= 1;
  }
  *len = DH_LEN;
  if (c->kind == RUN_REFERENCE && c->rec->n_dh < MAX_DH) {
    c->rec->dh[c->rec->n_dh].role = role;
    c->rec->dh[c->rec->n_dh].epoch = epoch;
    memcpy(c->rec->dh[c->rec->n_dh].raw, raw, DH_LEN);
    c->rec->n_dh++;
  }
  if (c->kind == RUN_CONTROL && g_control_n_dh < MAX_DH) {
    for (size_t i = 0; i < DH_LEN; i++) {
      g_control_dh[g_control_n_dh][i] = raw[i];
    }
    g_control_n_dh++;
  }
  return GS_OK;
}

static int child_random(void *user, uint8_t *out, size_t len) {
  child_ctx *c = user;
  for (size_t i = 0; i < len; i++) {
    out[i] = (uint8_t)splitmix(&c->iv_state);
  }
  return GS_OK;
}

static void write_all(int fd, const void *p, size_t len) {
  const uint8_t *b = p;
  while (len > 0) {
    ssize_t n = write(fd, b, len);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      _exit(90);
    }
    b += n;
    len -= (size_t)n;
  }
}

static void child_fail(int line, const char *what, int rc) {
  fprintf(stderr, "memwipe child: line %d: %s: %s\n", line, what, gs_strerror(rc));
  _exit(80);
}
#define CK(expr)                                                                                   \
  do {                                                                                             \
    int rc_ = (expr);                                                                              \
    if (rc_ != GS_OK) {                                                                            \
      child_fail(__LINE__, #expr, rc_);                                                            \
    }                                                                                              \
  } while (0)

static uint8_t g_digest[GS_HASH_LEN];
static uint8_t g_pdu[70000];
static uint8_t g_out[70000];

/* Move one PDU from `from` to `to`, chaining it into the digest. */
static int pass(const gs_crypto *c, gs_session *from, gs_session *to, gs_time_ms now) {
  size_t len = 0;
  int rc = gs_session_pop_output(from, g_pdu, sizeof(g_pdu), &len);
  if (rc != GS_OK) {
    return rc;
  }
  gs_iov parts[2] = {{g_pdu, len}, {g_digest, GS_HASH_LEN}};
  rc = c->hash(c->ctx, GS_HASH_SHA256, parts, 2, g_digest);
  if (rc != GS_OK) {
    return rc;
  }
  gs_rx rx;
  return gs_session_receive(to, g_pdu, len, now, g_out, sizeof(g_out), &rx);
}

static int flush(const gs_crypto *c, ts_world *w, gs_time_ms now) {
  for (int i = 0; i < 100; i++) {
    bool any = false;
    if (gs_session_output_count(w->sa) > 0) {
      int rc = pass(c, w->sa, w->sb, now);
      if (rc != GS_OK) {
        return rc;
      }
      any = true;
    }
    if (gs_session_output_count(w->sb) > 0) {
      int rc = pass(c, w->sb, w->sa, now);
      if (rc != GS_OK) {
        return rc;
      }
      any = true;
    }
    if (!any) {
      return GS_OK;
    }
  }
  return GS_ERR_INTERNAL;
}

static void secrets_of(const ts_world *w, gs_test_secrets *out) {
  gs_test_secrets b;
  CK(gs_session_test_secrets(w->sa, out));
  CK(gs_session_test_secrets(w->sb, &b));
  if (memcmp(out, &b, sizeof(b)) != 0) {
    child_fail(__LINE__, "initiator and responder secrets differ", GS_ERR_INTERNAL);
  }
  gs_wipe(&b, sizeof(b));
}

static void send_both(const gs_crypto *c, ts_world *w, gs_time_ms now, const char *what, int n) {
  for (int i = 0; i < n; i++) {
    CK(gs_session_send(w->sa, now, (const uint8_t *)what, strlen(what)));
    CK(gs_session_send(w->sb, now, (const uint8_t *)what, strlen(what)));
    CK(flush(c, w, now));
  }
}

/* Stop at a check point: report the digest, then SIGSTOP until the parent
 * has searched the memory. */
static void check_point(int fd) {
  write_all(fd, g_digest, sizeof(g_digest));
  raise(SIGSTOP);
}

static void child_run(const variant *v, uint64_t seed, run_kind kind, int fd) {
  static ref_record rec; /* reference run only */
  child_ctx cc = {.v = v, .seed = seed, .kind = kind, .iv_state = 0x4956ULL + seed, .rec = &rec};
  const gs_crypto *c = ts_crypto();
  gs_test_secrets *kept = NULL;
  ts_world w;
  memset(g_digest, 0, sizeof(g_digest));
  ts_world_prepare(&w, GS_TKEY_ED25519, GS_TKEY_ED25519);
  w.a.cfg.offer = v->offer;
  if (v->group != 0) {
    w.a.cfg.groups[0] = w.b.cfg.groups[0] = v->group;
    w.a.cfg.n_groups = w.b.cfg.n_groups = 1;
  }
  if (v->hmac != 0) {
    w.a.cfg.hmac = v->hmac;
  }
  if (v->aead != 0) {
    w.a.cfg.aead[0] = v->aead;
    w.a.cfg.n_aead = 1;
  }
  if (v->encr != 0) {
    w.a.cfg.encr[0] = v->encr;
    w.a.cfg.n_encr = 1;
  }
  if (v->icv != 0) {
    w.a.cfg.icv[0] = v->icv;
    w.a.cfg.n_icv = 1;
  }
  if (v->window) {
    w.a.cfg.replay = w.b.cfg.replay = GS_REPLAY_MODE_WINDOW;
  }
  CK(ts_world_start(&w));
  gs_test_hooks hooks = {.dh_private = child_dh,
                         .random = child_random,
                         .user = &cc,
                         .keep_secrets = kind != RUN_SEARCHED};
  CK(gs_endpoint_test_set_hooks(w.a.ep, &hooks));
  CK(gs_endpoint_test_set_hooks(w.b.ep, &hooks));

  /* handshake (as ts_handshake, with every PDU in the digest) */
  size_t len = 0;
  CK(gs_session_new_initiator(w.a.ep, &w.sa));
  CK(gs_session_connect(w.sa, NOW, (const uint8_t *)"setup", 5));
  CK(gs_session_pop_output(w.sa, g_pdu, sizeof(g_pdu), &len));
  gs_iov parts[2] = {{g_pdu, len}, {g_digest, GS_HASH_LEN}};
  CK(c->hash(c->ctx, GS_HASH_SHA256, parts, 2, g_digest));
  CK(gs_endpoint_receive_hs(w.b.ep, g_pdu, len, NOW, &w.sb));
  CK(gs_session_accept(w.sb, NOW, (const uint8_t *)"rsp", 3));
  CK(pass(c, w.sb, w.sa, NOW));
  if (gs_session_state_get(w.sa) != GS_STATE_ESTABLISHED ||
      gs_session_state_get(w.sb) != GS_STATE_ESTABLISHED) {
    child_fail(__LINE__, "not established", GS_ERR_STATE);
  }
  gs_session_info info;
  CK(gs_session_get_info(w.sa, &info));
  rec.mode = info.mode;
  rec.aead = info.aead;
  rec.encr = info.encr;
  rec.icv = info.icv;
  rec.hmac = info.hmac;
  rec.group = info.group;
  if (kind == RUN_REFERENCE) {
    secrets_of(&w, &rec.sec[0]);
  } else if (kind == RUN_CONTROL) {
    kept = malloc(sizeof(*kept)); /* the deliberate copy: never wiped */
    if (kept == NULL) {
      child_fail(__LINE__, "malloc", GS_ERR_NOMEM);
    }
    secrets_of(&w, kept);
  }
  send_both(c, &w, NOW + 100, "epoch 0 data", N_DATA);

  /* key update (rekey PDU, changedKey PDU); check point 1 right after it,
   * then data under the new keys */
  CK(gs_session_update_keys(w.sa, NOW + 1000));
  CK(flush(c, &w, NOW + 1000));
  if (v->window) {
    /* window mode keeps the previous receive key for late PDUs until the
     * window has moved past the switch: GS_REPLAY_WINDOW more PDUs */
    send_both(c, &w, NOW + 1050, "epoch 1 data", GS_REPLAY_WINDOW);
  }
  CK(gs_session_get_info(w.sa, &info));
  gs_session_info info_b;
  CK(gs_session_get_info(w.sb, &info_b));
  if (info.epoch != 1 || info_b.epoch != 1 || info.rekey_pending) {
    child_fail(__LINE__, "key update not completed", GS_ERR_REKEY);
  }
  if (kind == RUN_REFERENCE) {
    secrets_of(&w, &rec.sec[1]);
    memcpy(rec.digest[0], g_digest, GS_HASH_LEN);
  } else {
    check_point(fd);
  }
  send_both(c, &w, NOW + 1100, "epoch 1 data", N_DATA);

  /* release: releaseReq, releaseRsp; both CLOSED */
  CK(gs_session_release(w.sa, NOW + 2000, NULL, 0));
  CK(flush(c, &w, NOW + 2000));
  CK(gs_session_release(w.sb, NOW + 2000, NULL, 0));
  CK(flush(c, &w, NOW + 2000));
  if (gs_session_state_get(w.sa) != GS_STATE_CLOSED ||
      gs_session_state_get(w.sb) != GS_STATE_CLOSED) {
    child_fail(__LINE__, "not closed after the release", GS_ERR_STATE);
  }
  if (kind == RUN_REFERENCE) {
    memcpy(rec.digest[1], g_digest, GS_HASH_LEN);
    write_all(fd, &rec, sizeof(rec));
  } else {
    if (kind == RUN_CONTROL) {
      write_all(fd, kept, sizeof(*kept));
    }
    check_point(fd);
  }
  ts_world_free(&w);
  if (kind != RUN_REFERENCE) {
    check_point(fd); /* after every session and endpoint is freed */
  }
  free(kept);
  _exit(0);
}

/* --------------------------------------------------------------- parent */

/* Children of the running test: killed if an assertion ends it early. */
static pid_t g_children[2];
/* What the parent learns of a run's secrets: wiped after each test, also
 * when an assertion ends it early. */
static ref_record g_rec;
static gs_test_secrets g_kept;

#if defined(__SANITIZE_ADDRESS__)
#define MEMWIPE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEMWIPE_ASAN 1
#endif
#endif
#ifndef MEMWIPE_ASAN
#define MEMWIPE_ASAN 0
#endif

#define WINDOW (1u << 20)
#define MAX_MAPPING ((size_t)1 << 32)
static uint8_t g_win[WINDOW + 15]; /* the child memory being searched */

typedef struct needle {
  char label[64];
  uint8_t b[16];
} needle;

typedef struct needle_set {
  needle n[128];
  size_t count;
} needle_set;

/* The secrets searched for (wiped with g_rec). */
static needle_set g_gone1, g_gone2, g_current;

__attribute__((format(printf, 4, 5))) static void add_needle(needle_set *ns, const uint8_t *p,
                                                             size_t len, const char *fmt, ...) {
  assert_true(len >= 16);
  char base[48];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(base, sizeof(base), fmt, ap);
  va_end(ap);
  for (int half = 0; half < (len > 16 ? 2 : 1); half++) {
    assert_true(ns->count < sizeof(ns->n) / sizeof(ns->n[0]));
    needle *n = &ns->n[ns->count++];
    size_t off = half == 0 ? 0 : len - 16;
    snprintf(n->label, sizeof(n->label), "%s[%zu..%zu)", base, off, off + 16);
    memcpy(n->b, p + off, 16);
  }
}

/* The secrets of one epoch: Z and PRK (unless keys_only) and each key of
 * the OKM at its length. */
static void add_epoch(needle_set *ns, const ref_record *r, uint32_t e, bool keys_only) {
  const gs_test_secrets *s = &r->sec[e];
  assert_int_equal(s->epoch, e);
  if (!keys_only) {
    add_needle(ns, s->z, s->z_len, "epoch %u Z", e);
    add_needle(ns, s->prk, s->prk_len, "epoch %u PRK", e);
  }
  if (r->mode == GS_MODE_AEAD) {
    size_t kl = gs_aead_key_len(r->aead);
    assert_int_equal(s->okm_len, 64);
    add_needle(ns, s->okm, kl, "epoch %u K_A", e);
    add_needle(ns, s->okm + 32, kl, "epoch %u K_B", e);
  } else {
    assert_int_equal(s->okm_len, 128);
    add_needle(ns, s->okm, 32, "epoch %u IK_A", e);
    add_needle(ns, s->okm + 32, 32, "epoch %u IK_B", e);
    if (r->mode == GS_MODE_ETM) {
      size_t kl = gs_cipher_key_len(r->encr);
      add_needle(ns, s->okm + 64, kl, "epoch %u EK_A", e);
      add_needle(ns, s->okm + 96, kl, "epoch %u EK_B", e);
    }
  }
}

/* The DH private keys handed out: DH_EPHEMERAL all but the responder's
 * handshake key, which is kept for the association (each key update uses it
 * again, docs/PROTOCOL.md §6), DH_SEMI_STATIC only that one, DH_ALL all. */
enum { DH_EPHEMERAL = 0, DH_SEMI_STATIC = 1, DH_ALL = 2 };
static bool is_semi_static(const ref_record *r, uint32_t i) {
  return r->dh[i].role == GS_ROLE_RESPONDER && r->dh[i].epoch == 0;
}

static void add_dh(needle_set *ns, const ref_record *r, int which) {
  for (uint32_t i = 0; i < r->n_dh; i++) {
    if ((which == DH_EPHEMERAL && is_semi_static(r, i)) ||
        (which == DH_SEMI_STATIC && !is_semi_static(r, i))) {
      continue;
    }
    uint8_t le[DH_LEN];
    for (size_t k = 0; k < DH_LEN; k++) {
      le[k] = r->dh[i].raw[DH_LEN - 1 - k];
    }
    const char *who = r->dh[i].role == GS_ROLE_INITIATOR ? "initiator" : "responder";
    add_needle(ns, r->dh[i].raw, DH_LEN, "DH private %s epoch %u", who, r->dh[i].epoch);
    add_needle(ns, le, DH_LEN, "DH private %s epoch %u LE", who, r->dh[i].epoch);
  }
}

/* Read every writable mapping of the stopped child `pid` and count in
 * hits[i] the occurrences of needle i; every hit is printed with its
 * mapping and offset. A mapping that cannot be read fails the test, and so
 * does a search that did not read the heap and the stack. */
static void search(pid_t pid, const needle_set *ns, unsigned *hits, const char *tag) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
  FILE *maps = fopen(path, "r");
  assert_non_null(maps);
  snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
  int mem = open(path, O_RDONLY);
  if (mem < 0) {
    fprintf(stderr, "memwipe: %s: %s\n", path, strerror(errno));
  }
  assert_true(mem >= 0);
  memset(hits, 0, ns->count * sizeof(*hits));
  char line[512];
  int regions = 0;
  size_t total = 0;
  bool heap = false, stack = false;
  while (fgets(line, sizeof(line), maps) != NULL) {
    unsigned long lo, hi;
    char perms[8];
    if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3) {
      continue;
    }
    line[strcspn(line, "\n")] = '\0';
    if (perms[0] != 'r' || perms[1] != 'w') {
      continue;
    }
    size_t sz = hi - lo;
#if MEMWIPE_ASAN
    if (sz > MAX_MAPPING) {
      continue; /* ASan's shadow memory: flags about the heap, no copy of it */
    }
#endif
    if (sz > MAX_MAPPING) {
      fprintf(stderr, "memwipe: %s: mapping %s is too large to search (a sanitizer build?)\n", tag,
              line);
    }
    assert_true(sz <= MAX_MAPPING);
    /* read in windows; the last 15 octets of one are kept before the next
     * so that a needle across the boundary is found (once) */
    size_t carry = 0;
    for (size_t off = 0; off < sz;) {
      size_t want = sz - off < WINDOW ? sz - off : WINDOW;
      ssize_t n = pread(mem, g_win + carry, want, (off_t)(lo + off));
      if (n <= 0) {
        fprintf(stderr, "memwipe: %s: cannot read %s at +0x%zx: %s\n", tag, line, off,
                n < 0 ? strerror(errno) : "end of file");
      }
      assert_true(n > 0);
      size_t have = carry + (size_t)n;
      for (size_t i = 0; i < ns->count; i++) {
        const uint8_t *p = g_win;
        size_t left = have;
        const uint8_t *f;
        while (left >= 16 && (f = memmem(p, left, ns->n[i].b, 16)) != NULL) {
          hits[i]++;
          printf("memwipe: %s: %s found at %s +0x%zx\n", tag, ns->n[i].label, line,
                 off - carry + (size_t)(f - g_win));
          left -= (size_t)(f - p) + 1;
          p = f + 1;
        }
      }
      off += (size_t)n;
      carry = have < 15 ? have : 15;
      memmove(g_win, g_win + have - carry, carry);
    }
    gs_wipe(g_win, sizeof(g_win));
    regions++;
    total += sz;
    heap = heap || strstr(line, "[heap]") != NULL;
    stack = stack || strstr(line, "[stack]") != NULL;
  }
  close(mem);
  fclose(maps);
  printf("memwipe: %s: searched %d writable mappings, %zu octets, for %zu needles\n", tag, regions,
         total, ns->count);
  assert_true(heap || MEMWIPE_ASAN); /* ASan's allocator maps its own regions */
  assert_true(stack);
}

static pid_t spawn(const variant *v, uint64_t seed, run_kind kind, int *rfd) {
  int p[2];
  assert_int_equal(pipe(p), 0);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); /* never outlive the test */
    prctl(PR_SET_PTRACER, (unsigned long)getppid(), 0, 0, 0);
    child_run(v, seed, kind, p[1]);
  }
  close(p[1]);
  *rfd = p[0];
  return pid;
}

static void read_all(int fd, void *p, size_t len) {
  uint8_t *b = p;
  while (len > 0) {
    ssize_t n = read(fd, b, len);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    assert_true(n > 0); /* the child ended early: see its stderr */
    b += n;
    len -= (size_t)n;
  }
}

static void wait_stopped(pid_t pid) {
  int st = 0;
  assert_int_equal(waitpid(pid, &st, WUNTRACED), pid);
  assert_true(WIFSTOPPED(st));
}

static void wait_exit(pid_t pid) {
  int st = 0;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
}

static unsigned count_prefix(const needle_set *ns, const unsigned *hits, const char *prefix) {
  unsigned n = 0;
  for (size_t i = 0; i < ns->count; i++) {
    if (strncmp(ns->n[i].label, prefix, strlen(prefix)) == 0) {
      n += hits[i];
    }
  }
  return n;
}

/* No needle of the set may be found. */
static void expect_none(const needle_set *ns, const unsigned *hits, const char *tag) {
  unsigned n = count_prefix(ns, hits, "");
  if (n != 0) {
    fprintf(stderr, "memwipe: %s: %u copies of old secrets left (listed above)\n", tag, n);
  }
  assert_int_equal(n, 0);
}

/* The needle with the same label apart from " LE" (the other byte order
 * of a DH key), or -1. */
static long sibling(const needle_set *ns, size_t i) {
  char want[64];
  const char *l = ns->n[i].label;
  const char *le = strstr(l, " LE[");
  if (le != NULL) {
    snprintf(want, sizeof(want), "%.*s%s", (int)(le - l), l, le + 3);
  } else {
    const char *br = strchr(l, '[');
    if (br == NULL) {
      return -1;
    }
    snprintf(want, sizeof(want), "%.*s LE%s", (int)(br - l), l, br);
  }
  for (size_t j = 0; j < ns->count; j++) {
    if (strcmp(ns->n[j].label, want) == 0) {
      return (long)j;
    }
  }
  return -1;
}

/* Every needle of the set must be found (a DH key in either byte order). */
static void expect_all(const needle_set *ns, const unsigned *hits, const char *tag) {
  for (size_t i = 0; i < ns->count; i++) {
    long j = sibling(ns, i);
    unsigned n = hits[i] + (j >= 0 ? hits[j] : 0);
    if (n == 0) {
      fprintf(stderr, "memwipe: %s: %s not found\n", tag, ns->n[i].label);
    }
    assert_true(n > 0);
  }
}

/* Control: the child kept every epoch-0 secret (heap) and every DH key it
 * handed out (static storage, big-endian): each half of each is found. */
static void expect_kept(const needle_set *ns, const unsigned *hits, const char *tag) {
  size_t n = 0;
  for (size_t i = 0; i < ns->count; i++) {
    const char *l = ns->n[i].label;
    if (strncmp(l, "epoch 0 ", 8) == 0 || (strncmp(l, "DH private", 10) == 0 && !strstr(l, "LE"))) {
      if (hits[i] == 0) {
        fprintf(stderr, "memwipe: %s: the kept %s not found\n", tag, l);
      }
      assert_true(hits[i] > 0);
      n++;
    }
  }
  assert_true(n >= 8); /* Z, PRK, two keys: two halves each, and DH keys */
}

/* The whole check for one configuration. */
static void run_variant(const variant *v, run_kind kind) {
  gs_data_mode want = v->want;
  /* fixtures first (inherited by both children), then both forks before
   * any secret exists in this process */
  (void)ts_crypto();
  (void)ts_ident(0, GS_TKEY_ED25519);
  (void)ts_ident(1, GS_TKEY_ED25519);
  int rfd_ref, rfd;
  /* a seed of its own per run: no secret of an earlier run (in this
   * process's memory if that run failed) can be one searched now */
  uint64_t seed = v->seed + (kind == RUN_CONTROL ? 100 : 0);
  pid_t ref = spawn(v, seed, RUN_REFERENCE, &rfd_ref);
  g_children[0] = ref;
  pid_t pid = spawn(v, seed, kind, &rfd);
  g_children[1] = pid;

  read_all(rfd_ref, &g_rec, sizeof(g_rec));
  close(rfd_ref);
  wait_exit(ref);
  g_children[0] = 0;
  assert_int_equal(g_rec.mode, want);
  /* the configuration negotiated is the one named */
  if (v->group != 0) {
    assert_int_equal(g_rec.group, v->group);
  }
  if (v->hmac != 0) {
    assert_int_equal(g_rec.hmac, v->hmac);
  }
  if (v->aead != 0) {
    assert_int_equal(g_rec.aead, v->aead);
  }
  if (v->encr != 0) {
    assert_int_equal(g_rec.encr, v->encr);
  }
  if (v->icv != 0) {
    assert_int_equal(g_rec.icv, v->icv);
  }
  assert_int_equal(g_rec.sec[0].epoch, 0);
  assert_int_equal(g_rec.sec[1].epoch, 1);
  /* handshake: one key per side; key update: a fresh one of the initiator
   * (the responder keeps its handshake key, docs/PROTOCOL.md §6) */
  assert_int_equal(g_rec.n_dh, 3);

  memset(&g_gone1, 0, sizeof(g_gone1));
  memset(&g_gone2, 0, sizeof(g_gone2));
  memset(&g_current, 0, sizeof(g_current));
  /* after the key update: all of epoch 0, Z and PRK of epoch 1, the
   * initiator's DH private keys (each is used once) */
  add_epoch(&g_gone1, &g_rec, 0, false);
  add_needle(&g_gone1, g_rec.sec[1].z, g_rec.sec[1].z_len, "epoch 1 Z");
  add_needle(&g_gone1, g_rec.sec[1].prk, g_rec.sec[1].prk_len, "epoch 1 PRK");
  add_dh(&g_gone1, &g_rec, DH_EPHEMERAL);
  /* after the release: everything */
  add_epoch(&g_gone2, &g_rec, 0, false);
  add_epoch(&g_gone2, &g_rec, 1, false);
  add_dh(&g_gone2, &g_rec, DH_ALL);
  /* in use at check point 1: the epoch-1 keys in the provider's key
   * objects, the responder's semi-static DH key as a BIGNUM */
  add_epoch(&g_current, &g_rec, 1, true);
  add_dh(&g_current, &g_rec, DH_SEMI_STATIC);

  static unsigned hits[128];
  uint8_t digest[GS_HASH_LEN];
  char tag[80];
  const char *mname = v->name;
  const char *ctl = kind == RUN_CONTROL ? " control" : "";

  /* check point 1: after the key update */
  wait_stopped(pid);
  read_all(rfd, digest, sizeof(digest));
  assert_memory_equal(digest, g_rec.digest[0], GS_HASH_LEN); /* same PDUs: same keys */
  snprintf(tag, sizeof(tag), "%s%s after key update", mname, ctl);
  search(pid, &g_gone1, hits, tag);
  if (kind == RUN_SEARCHED) {
    expect_none(&g_gone1, hits, tag);
  } else {
    expect_kept(&g_gone1, hits, tag);
  }
  /* the search sees the engine's own key storage: the keys in use are
   * there (in OpenSSL's key objects) */
  snprintf(tag, sizeof(tag), "%s%s keys in use after key update", mname, ctl);
  search(pid, &g_current, hits, tag);
  expect_all(&g_current, hits, tag);
  assert_int_equal(kill(pid, SIGCONT), 0);

  /* check point 2: after the release (both sessions CLOSED, not freed) */
  if (kind == RUN_CONTROL) {
    read_all(rfd, &g_kept, sizeof(g_kept));
    /* a run with other hooks (keep_secrets, no record) derived the same keys */
    assert_memory_equal(&g_kept, &g_rec.sec[0], sizeof(g_kept));
  }
  wait_stopped(pid);
  read_all(rfd, digest, sizeof(digest));
  assert_memory_equal(digest, g_rec.digest[1], GS_HASH_LEN);
  snprintf(tag, sizeof(tag), "%s%s after release", mname, ctl);
  search(pid, &g_gone2, hits, tag);
  if (kind == RUN_SEARCHED) {
    expect_none(&g_gone2, hits, tag);
  } else {
    expect_kept(&g_gone2, hits, tag);
  }
  assert_int_equal(kill(pid, SIGCONT), 0);

  /* check point 3: after the sessions and endpoints are freed */
  wait_stopped(pid);
  read_all(rfd, digest, sizeof(digest));
  assert_memory_equal(digest, g_rec.digest[1], GS_HASH_LEN);
  snprintf(tag, sizeof(tag), "%s%s after free", mname, ctl);
  search(pid, &g_gone2, hits, tag);
  if (kind == RUN_SEARCHED) {
    expect_none(&g_gone2, hits, tag);
  } else {
    expect_kept(&g_gone2, hits, tag);
  }
  assert_int_equal(kill(pid, SIGCONT), 0);
  close(rfd);
  wait_exit(pid);
  g_children[1] = 0;
  gs_wipe(&g_rec, sizeof(g_rec));
  gs_wipe(&g_kept, sizeof(g_kept));
  gs_wipe(&g_gone1, sizeof(g_gone1));
  gs_wipe(&g_gone2, sizeof(g_gone2));
  gs_wipe(&g_current, sizeof(g_current));
}

/* The search itself: a needle placed across the boundary between two read
 * windows of a mapping (8 + 8 and 15 + 1 octets), one at the start of a
 * window and one inside are each found exactly once. The child places
 * them relative to its own mapping's start, where the windows begin. */
#define BOUNDARY_SEED 0x626f756e64ULL
static void boundary_child(int fd) {
  size_t size = 5 * (size_t)WINDOW;
  uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    _exit(81);
  }
  memset(p, 0xa5, size);
  FILE *maps = fopen("/proc/self/maps", "r");
  if (maps == NULL) {
    _exit(82);
  }
  char line[512];
  unsigned long lo = 0, hi = 0, a, b;
  while (fgets(line, sizeof(line), maps) != NULL) {
    if (sscanf(line, "%lx-%lx", &a, &b) == 2 && a <= (unsigned long)p && (unsigned long)p < b) {
      lo = a;
      hi = b;
    }
  }
  fclose(maps);
  if (hi == 0) {
    _exit(83);
  }
  /* the first window boundary after p, and the next ones */
  uintptr_t first = lo + ((uintptr_t)p - lo + WINDOW) / WINDOW * WINDOW;
  uintptr_t at[4] = {first - 8, first + WINDOW - 15, first + 2 * WINDOW, first + 2 * WINDOW + 4096};
  for (size_t i = 0; i < 4; i++) {
    fill(BOUNDARY_SEED, (uint8_t *)at[i], 16);
  }
  uint8_t done = 1;
  write_all(fd, &done, 1);
  raise(SIGSTOP);
  munmap(p, size);
  _exit(0);
}

static void test_memwipe_search_window_boundaries(void **state) {
  (void)state;
  int p[2];
  assert_int_equal(pipe(p), 0);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    boundary_child(p[1]);
  }
  g_children[1] = pid;
  close(p[1]);
  uint8_t done;
  read_all(p[0], &done, 1);
  close(p[0]);
  wait_stopped(pid);
  static needle_set ns;
  static unsigned hits[128];
  memset(&ns, 0, sizeof(ns));
  uint8_t nd[16];
  fill(BOUNDARY_SEED, nd, sizeof(nd)); /* only now, after the fork */
  add_needle(&ns, nd, sizeof(nd), "boundary needle");
  search(pid, &ns, hits, "search self-test");
  assert_int_equal(ns.count, 1);
  assert_int_equal(hits[0], 4);
  assert_int_equal(kill(pid, SIGCONT), 0);
  wait_exit(pid);
  g_children[1] = 0;
}

/* The configurations: each data mode with the default algorithms, and the
 * other key lengths, ciphers, hashes and a second DH group. */
static const variant V_AEAD = {
    .name = "aead", .seed = 1, .offer = GS_OFFER_AEAD, .want = GS_MODE_AEAD};
static const variant V_AEAD_AES128 = {.name = "aead-aes128gcm",
                                      .seed = 2,
                                      .offer = GS_OFFER_AEAD,
                                      .want = GS_MODE_AEAD,
                                      .aead = GS_AEAD_AES128_GCM};
static const variant V_AEAD_CHACHA_X25519 = {.name = "aead-chacha20-x25519-sha384",
                                             .seed = 3,
                                             .offer = GS_OFFER_AEAD,
                                             .want = GS_MODE_AEAD,
                                             .group = GS_DH_X25519,
                                             .hmac = GS_HASH_SHA384,
                                             .aead = GS_AEAD_CHACHA20_POLY1305};
static const variant V_INTEGRITY = {
    .name = "integrity", .seed = 4, .offer = GS_OFFER_INTEGRITY, .want = GS_MODE_INTEGRITY};
static const variant V_INTEGRITY_SHA384 = {.name = "integrity-sha384",
                                           .seed = 5,
                                           .offer = GS_OFFER_INTEGRITY,
                                           .want = GS_MODE_INTEGRITY,
                                           .hmac = GS_HASH_SHA384,
                                           .icv = GS_HASH_SHA384};
static const variant V_ETM = {.name = "etm", .seed = 6, .offer = GS_OFFER_ETM, .want = GS_MODE_ETM};
static const variant V_ETM_AES128 = {.name = "etm-aes128cbc",
                                     .seed = 7,
                                     .offer = GS_OFFER_ETM,
                                     .want = GS_MODE_ETM,
                                     .encr = GS_CIPHER_AES128_CBC};
static const variant V_AEAD_WINDOW = {
    .name = "aead-window", .seed = 8, .offer = GS_OFFER_AEAD, .want = GS_MODE_AEAD, .window = true};
static const variant V_ETM_WINDOW = {
    .name = "etm-window", .seed = 9, .offer = GS_OFFER_ETM, .want = GS_MODE_ETM, .window = true};

static void test_memwipe_aead(void **state) {
  (void)state;
  run_variant(&V_AEAD, RUN_SEARCHED);
}

static void test_memwipe_aead_aes128(void **state) {
  (void)state;
  run_variant(&V_AEAD_AES128, RUN_SEARCHED);
}

static void test_memwipe_aead_chacha20_x25519(void **state) {
  (void)state;
  run_variant(&V_AEAD_CHACHA_X25519, RUN_SEARCHED);
}

static void test_memwipe_integrity(void **state) {
  (void)state;
  run_variant(&V_INTEGRITY, RUN_SEARCHED);
}

static void test_memwipe_integrity_sha384(void **state) {
  (void)state;
  run_variant(&V_INTEGRITY_SHA384, RUN_SEARCHED);
}

static void test_memwipe_etm(void **state) {
  (void)state;
  run_variant(&V_ETM, RUN_SEARCHED);
}

static void test_memwipe_aead_window(void **state) {
  (void)state;
  run_variant(&V_AEAD_WINDOW, RUN_SEARCHED);
}

static void test_memwipe_etm_window(void **state) {
  (void)state;
  run_variant(&V_ETM_WINDOW, RUN_SEARCHED);
}

static void test_memwipe_etm_aes128(void **state) {
  (void)state;
  run_variant(&V_ETM_AES128, RUN_SEARCHED);
}

/* The search can fail: a child that keeps copies is caught, in each mode. */
static void test_memwipe_control_finds_copies(void **state) {
  (void)state;
  run_variant(&V_AEAD, RUN_CONTROL);
  run_variant(&V_INTEGRITY, RUN_CONTROL);
  run_variant(&V_ETM, RUN_CONTROL);
}

static int kill_children(void **state) {
  (void)state;
  gs_wipe(&g_rec, sizeof(g_rec));
  gs_wipe(&g_kept, sizeof(g_kept));
  gs_wipe(&g_gone1, sizeof(g_gone1));
  gs_wipe(&g_gone2, sizeof(g_gone2));
  gs_wipe(&g_current, sizeof(g_current));
  for (size_t i = 0; i < 2; i++) {
    if (g_children[i] > 0) {
      kill(g_children[i], SIGKILL);
      waitpid(g_children[i], NULL, 0);
      g_children[i] = 0;
    }
  }
  return 0;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_memwipe_search_window_boundaries, kill_children),
      cmocka_unit_test_teardown(test_memwipe_control_finds_copies, kill_children),
      cmocka_unit_test_teardown(test_memwipe_aead, kill_children),
      cmocka_unit_test_teardown(test_memwipe_aead_aes128, kill_children),
      cmocka_unit_test_teardown(test_memwipe_aead_chacha20_x25519, kill_children),
      cmocka_unit_test_teardown(test_memwipe_integrity, kill_children),
      cmocka_unit_test_teardown(test_memwipe_integrity_sha384, kill_children),
      cmocka_unit_test_teardown(test_memwipe_etm, kill_children),
      cmocka_unit_test_teardown(test_memwipe_etm_aes128, kill_children),
      cmocka_unit_test_teardown(test_memwipe_aead_window, kill_children),
      cmocka_unit_test_teardown(test_memwipe_etm_window, kill_children),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
