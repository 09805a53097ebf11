/* gridseal scale benchmark: identities, endpoints, clocks and memory. */
#define _GNU_SOURCE
#include "dermodel.h"
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "scale.h"

void sc_die(const char *what, int rc) {
  fprintf(stderr, "gridseal-scale: %s (%d)\n", what, rc);
  exit(2);
}

void sc_ctx_init(sc_ctx *c, const char *pki_dir) {
  memset(c, 0, sizeof(*c));
  c->pki_dir = pki_dir;
  int rc = gs_ossl_crypto_new(&c->crypto);
  if (rc != GS_OK) {
    sc_die("crypto provider", rc);
  }
  rc = gs_pki_new(c->crypto, &c->pki);
  if (rc != GS_OK) {
    sc_die("pki", rc);
  }
  char path[1024];
  snprintf(path, sizeof(path), "%s/e2e-ca/ca.crt", pki_dir);
  rc = gs_pki_add_anchor_file(c->pki, path);
  if (rc != GS_OK) {
    sc_die(path, rc);
  }
}

void sc_ctx_free(sc_ctx *c) {
  gs_pki_free(c->pki);
  gs_ossl_crypto_free(c->crypto);
  memset(c, 0, sizeof(*c));
}

void sc_ident_load(sc_ctx *c, const char *name, sc_ident *id) {
  char path[1024];
  snprintf(path, sizeof(path), "%s/%s/e2e.crt", c->pki_dir, name);
  int rc = gs_pki_load_cert_file(path, &id->cert, &id->cert_len);
  if (rc != GS_OK) {
    sc_die(path, rc);
  }
  snprintf(path, sizeof(path), "%s/%s/e2e.key", c->pki_dir, name);
  rc = gs_ossl_privkey_load_file(c->crypto, path, &id->key);
  if (rc != GS_OK) {
    sc_die(path, rc);
  }
}

void sc_ident_free(sc_ctx *c, sc_ident *id) {
  if (id->key != NULL) {
    c->crypto->privkey_free(id->key);
  }
  free(id->cert);
  memset(id, 0, sizeof(*id));
}

static void sc_no_event(void *user, gs_session *s, const gs_event *ev) {
  (void)user;
  (void)s;
  (void)ev;
}

gs_endpoint *sc_endpoint_new(sc_ctx *c, const sc_ident *id) {
  gs_endpoint_config cfg;
  gs_endpoint_config_init(&cfg);
  cfg.crypto = c->crypto;
  cfg.validator = gs_pki_validator(c->pki);
  cfg.cert_der = id->cert;
  cfg.cert_len = id->cert_len;
  cfg.key = id->key;
  cfg.on_event = sc_no_event;
  cfg.accept_unnamed_requests = true; /* the initiators here name no responder (D16) */
  gs_endpoint *ep = NULL;
  int rc = gs_endpoint_new(&cfg, &ep);
  if (rc != GS_OK) {
    sc_die("endpoint", rc);
  }
  return ep;
}

gs_time_ms sc_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (gs_time_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double sc_wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

double sc_mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

double sc_cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

size_t sc_rss(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long size = 0, res = 0;
  if (f == NULL) {
    return 0;
  }
  if (fscanf(f, "%lu %lu", &size, &res) != 2) {
    res = 0;
  }
  fclose(f);
  return (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
}

size_t sc_heap(void) {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

void sc_raise_nofile(unsigned want, unsigned need) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    sc_die("getrlimit", -1);
  }
  if (rl.rlim_cur >= want) {
    return;
  }
  struct rlimit up = {want, rl.rlim_max > want ? rl.rlim_max : want};
  if (setrlimit(RLIMIT_NOFILE, &up) == 0) {
    return;
  }
  /* No CAP_SYS_RESOURCE (e.g. in a container): the hard limit is the top. */
  up.rlim_cur = up.rlim_max = rl.rlim_max;
  if (rl.rlim_max < need || setrlimit(RLIMIT_NOFILE, &up) != 0) {
    sc_die("RLIMIT_NOFILE too low for the connections asked for", (int)rl.rlim_max);
  }
}

void sc_put(FILE *f, const char *key, double v) {
  fprintf(f, "%s %.6g\n", key, v);
}

const char *sc_opt(int argc, char **argv, const char *name, const char *def) {
  for (int i = 0; i + 1 < argc; i++) {
    if (strcmp(argv[i], name) == 0) {
      return argv[i + 1];
    }
  }
  return def;
}

int sc_accept_hs(gs_endpoint *ep, const uint8_t *pdu, size_t len, gs_time_ms now, gs_session **s,
                 uint8_t *out, size_t cap) {
  gs_mms_data nodes[64];
  gs_mms_object_name names[8];
  gs_mms_arena a;
  gs_mms_arena_init(&a, nodes, 64, names, 8);
  gs_slice setup = {NULL, 0};
  gs_mms_pdu req, rsp;
  size_t rlen = 0;
  int rc = gs_endpoint_receive_hs(ep, pdu, len, now, s);
  if (rc == GS_OK && gs_session_peer_setup(*s, &setup) == GS_OK &&
      gs_mms_decode(setup.ptr, setup.len, &a, &req) == GS_OK) {
    gs_dermodel_build_initiate_response(&req, &rsp);
    rc = gs_mms_encode(&rsp, out, cap, &rlen);
  }
  return rc ? rc : gs_session_accept(*s, now, out, rlen);
}

int sc_build_report(gs_dermodel *m, gs_time_ms now, uint8_t *out, size_t cap, size_t *len) {
  gs_mms_data nodes[64];
  gs_mms_object_name names[8];
  gs_mms_arena a;
  gs_mms_pdu pdu;
  gs_mms_arena_init(&a, nodes, 64, names, 8);
  int rc = gs_dermodel_step(m, now);
  rc = rc ? rc : gs_dermodel_build_report(m, &a, &pdu);
  return rc ? rc : gs_mms_encode(&pdu, out, cap, len);
}
