/* gridseal: replays every committed JSON file of docs/vectors through the session
 * engine (recorded certificates, keys, ephemeral keys, IVs and times
 * injected) and requires the same PDUs, the same secrets per epoch and
 * every PDU accepted; then cross-checks each file without the engine
 * (test_vectors_check.c). The files are never regenerated here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gridseal/crypto_openssl.h"
#include "test_vectors_check.h"
#include "vec.h"

#define MAX_FILES 32
/* The configurations docs/PROTOCOL.md asks the vectors to cover. */
#define MIN_FILES 4

static gs_crypto *g_crypto;
static char g_paths[MAX_FILES][1024];
static char g_names[3 * MAX_FILES][300];

static void load(const char *path, gs_vec *v) {
  char err[256] = "";
  if (gs_vec_read_json(path, v, err, sizeof(err)) != 0) {
    fail_msg("%s: %s", path, err);
  }
}

static void test_replay(void **state) {
  const char *path = *state;
  gs_vec v;
  char err[256] = "";
  load(path, &v);
  char asso[8];
  snprintf(asso, sizeof(asso), "%s", v.asso_id);
  int rc = gs_vec_run(g_crypto, &v, GS_VEC_REPLAY, err, sizeof(err));
  if (rc != 0) {
    gs_vec_free(&v);
    fail_msg("%s: replay: %s", path, err);
  }
  assert_string_equal(v.asso_id, asso);
  gs_vec_free(&v);
}

static void test_cross_check(void **state) {
  const char *path = *state;
  gs_vec v;
  char err[256] = "";
  load(path, &v);
  int rc = gs_vec_cross_check(g_crypto, &v, err, sizeof(err));
  gs_vec_free(&v);
  if (rc != 0) {
    fail_msg("%s: cross-check: %s", path, err);
  }
}

/* A changed byte in a recorded PDU must make the replay fail (the replay is
 * not vacuous). */
static void test_tampered_fails(void **state) {
  const char *path = *state;
  gs_vec v;
  char err[256] = "";
  load(path, &v);
  gs_vec_buf *pdu = &v.steps[3].pdu; /* a data PDU from the initiator */
  pdu->ptr[pdu->len - 1] ^= 0x01;
  assert_int_not_equal(gs_vec_run(g_crypto, &v, GS_VEC_REPLAY, err, sizeof(err)), 0);
  assert_non_null(strstr(err, "step 3"));
  gs_vec_free(&v);
}

static int cmp_path(const void *a, const void *b) {
  return strcmp(a, b);
}

static int find_files(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  if (d == NULL) {
    return -1;
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL && n < MAX_FILES) {
    size_t len = strlen(e->d_name);
    if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) {
      snprintf(g_paths[n++], sizeof(g_paths[0]), "%s/%s", dir, e->d_name);
    }
  }
  closedir(d);
  qsort(g_paths, (size_t)n, sizeof(g_paths[0]), cmp_path);
  return n;
}

int main(void) {
  const char *src = getenv("GS_SRC_DIR");
  char dir[900];
  snprintf(dir, sizeof(dir), "%s/docs/vectors", src != NULL ? src : ".");
  int n = find_files(dir);
  if (n < MIN_FILES) {
    fprintf(stderr, "test_vectors_replay: %d vector files in %s, want >= %d\n", n, dir, MIN_FILES);
    return 1;
  }
  if (gs_ossl_crypto_new(&g_crypto) != GS_OK) {
    return 1;
  }
  struct CMUnitTest tests[3 * MAX_FILES];
  size_t nt = 0;
  for (int i = 0; i < n; i++) {
    const char *base = strrchr(g_paths[i], '/') + 1;
    static const char *const what[3] = {"replay", "cross-check", "tampered"};
    struct CMUnitTest t[3] = {
        cmocka_unit_test_prestate(test_replay, g_paths[i]),
        cmocka_unit_test_prestate(test_cross_check, g_paths[i]),
        cmocka_unit_test_prestate(test_tampered_fails, g_paths[i]),
    };
    for (int j = 0; j < 3; j++) {
      tests[nt] = t[j];
      snprintf(g_names[nt], sizeof(g_names[nt]), "%s %s", what[j], base);
      tests[nt].name = g_names[nt];
      nt++;
    }
  }
  int rc = _cmocka_run_group_tests("vectors", tests, nt, NULL, NULL);
  gs_ossl_crypto_free(g_crypto);
  return rc;
}
