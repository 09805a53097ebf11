/* Fuzz the control center's HTTP request dispatch (apps/http.h,
 * gs_http_route) and listen-address parser. The input is a request line
 * "METHOD TARGET" (split at the first space; no space: the whole input is
 * the target of a GET). Every answer is one of 200, 400, 404, 405; a 200
 * names a served path, comes only for GET or HEAD and a target of at most
 * GS_HTTP_MAX_URL octets without a literal ".." segment. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const PATHS[] = {"/", "/metrics", "/dashboard.js", "/events", "/api/fleet"};
#define NP (sizeof(PATHS) / sizeof(PATHS[0]))

static bool literal_dotdot(const char *u, size_t n) {
  for (size_t i = 0; i + 1 < n; i++) {
    if (u[i] == '?' || u[i] == '#') {
      return false;
    }
    bool start = i == 0 || u[i - 1] == '/';
    bool end = i + 2 == n || u[i + 2] == '/' || u[i + 2] == '?' || u[i + 2] == '#';
    if (start && u[i] == '.' && u[i + 1] == '.' && end) {
      return true;
    }
  }
  return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *in = (const char *)data;
  const char *sp = memchr(in, ' ', size);
  char method[16] = "GET";
  const char *url = in;
  size_t url_len = size;
  if (sp != NULL) {
    size_t ml = (size_t)(sp - in);
    if (ml >= sizeof(method)) {
      ml = sizeof(method) - 1;
    }
    memcpy(method, in, ml);
    method[ml] = '\0';
    url = sp + 1;
    url_len = size - (size_t)(sp - in) - 1;
  }
  /* an exact-size copy, so that an overread shows */
  char *u = malloc(url_len ? url_len : 1);
  if (u == NULL) {
    return 0;
  }
  memcpy(u, url, url_len);
  size_t idx = NP;
  int st = gs_http_route(method, u, url_len, PATHS, NP, &idx);
  if (st != 200 && st != 400 && st != 404 && st != 405) {
    abort();
  }
  if (st == 200) {
    /* the path: up to a query or fragment, which are ignored */
    size_t pl = 0;
    while (pl < url_len && u[pl] != '?' && u[pl] != '#') {
      pl++;
    }
    if (idx >= NP || url_len > GS_HTTP_MAX_URL || u[0] != '/' ||
        (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) || literal_dotdot(u, url_len) ||
        memchr(u, '\0', pl) != NULL) {
      abort();
    }
  }
  free(u);
  /* the same octets as a listen address */
  char la[80];
  size_t n = size < sizeof(la) - 1 ? size : sizeof(la) - 1;
  memcpy(la, data, n);
  la[n] = '\0';
  struct sockaddr_storage sa;
  bool lo = false;
  int r = gs_http_parse_listen(la, &sa, sizeof(sa), &lo);
  if (r != 0 && r != -1) {
    abort();
  }
  if (r == 0 && sa.ss_family != AF_INET && sa.ss_family != AF_INET6) {
    abort();
  }
  return 0;
}
