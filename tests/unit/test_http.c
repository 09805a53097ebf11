/* The control center's HTTP server (apps/http.h): the request dispatch and
 * the listen address as pure functions, then a real server on loopback
 * (ports 19101-19104) driven over plain sockets: documents, headers, the
 * refusals, the event stream and a slow client losing old events. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "http.h"

static const char *const PATHS[] = {"/", "/metrics", "/dashboard.js", "/events"};
#define NP (sizeof(PATHS) / sizeof(PATHS[0]))

static int route(const char *m, const char *u) {
  size_t idx = 99;
  return gs_http_route(m, u, strlen(u), PATHS, NP, &idx);
}

static void test_route_ok(void **st) {
  (void)st;
  size_t idx = 99;
  assert_int_equal(gs_http_route("GET", "/metrics", 8, PATHS, NP, &idx), 200);
  assert_int_equal(idx, 1);
  assert_int_equal(gs_http_route("HEAD", "/", 1, PATHS, NP, &idx), 200);
  assert_int_equal(idx, 0);
  /* a query is ignored, an escape decoded */
  assert_int_equal(gs_http_route("GET", "/metrics?x=1&y=..", 17, PATHS, NP, &idx), 200);
  assert_int_equal(idx, 1);
  assert_int_equal(gs_http_route("GET", "/%6detrics", 10, PATHS, NP, &idx), 200);
  assert_int_equal(idx, 1);
  assert_int_equal(gs_http_route("GET", "/events", 7, PATHS, NP, &idx), 200);
  assert_int_equal(idx, 3);
  /* dots that are not a ".." segment */
  static const char *const dots[] = {"/a..b", "/..."};
  assert_int_equal(gs_http_route("GET", "/a..b", 5, dots, 2, &idx), 200);
  assert_int_equal(idx, 0);
  assert_int_equal(gs_http_route("GET", "/...", 4, dots, 2, &idx), 200);
  assert_int_equal(idx, 1);
}

static void test_route_refused(void **st) {
  (void)st;
  assert_int_equal(route("POST", "/metrics"), 405);
  assert_int_equal(route("PUT", "/"), 405);
  assert_int_equal(route("get", "/"), 405);
  assert_int_equal(route("OPTIONS", "/"), 405);
  assert_int_equal(route("DELETE", "/nope"), 405);
  assert_int_equal(route("GET", "/nope"), 404);
  assert_int_equal(route("GET", "/metrics/"), 404);
  assert_int_equal(route("GET", "//metrics"), 404);
  assert_int_equal(route("GET", "/METRICS"), 404);
  /* 400 comes before the method */
  assert_int_equal(route("POST", "/../etc/passwd"), 400);
  assert_int_equal(route("GET", "/../etc/passwd"), 400);
  assert_int_equal(route("GET", "/a/.."), 400);
  assert_int_equal(route("GET", "/.."), 400);
  assert_int_equal(route("GET", "/%2e%2e/x"), 400);
  assert_int_equal(route("GET", "/.%2E/x"), 400);
  assert_int_equal(route("GET", "/a%2f..%2fb"), 400);
  assert_int_equal(route("GET", "/a%5c..%5cb"), 400);
  assert_int_equal(route("GET", "/metrics%00"), 400);
  assert_int_equal(route("GET", "/%"), 400);
  assert_int_equal(route("GET", "/%4"), 400);
  assert_int_equal(route("GET", "/%zz"), 400);
  assert_int_equal(route("GET", "/a b"), 400);
  assert_int_equal(route("GET", "/\x7f"), 400);
  assert_int_equal(route("GET", "/\xc3\xa9"), 400);
  assert_int_equal(route("GET", "metrics"), 400);
  assert_int_equal(route("GET", "*"), 400);
  assert_int_equal(route("GET", ""), 400);
  assert_int_equal(gs_http_route("GET", NULL, 0, PATHS, NP, NULL), 400);
  assert_int_equal(gs_http_route(NULL, "/", 1, PATHS, NP, NULL), 405);
  /* an embedded NUL */
  assert_int_equal(gs_http_route("GET", "/metrics\0x", 10, PATHS, NP, NULL), 400);
  /* the length limit */
  char u[GS_HTTP_MAX_URL + 2];
  memset(u, 'a', sizeof(u));
  u[0] = '/';
  static const char *longp[1];
  char lp[GS_HTTP_MAX_URL + 1];
  memcpy(lp, u, GS_HTTP_MAX_URL);
  lp[GS_HTTP_MAX_URL] = '\0';
  longp[0] = lp;
  size_t idx = 9;
  assert_int_equal(gs_http_route("GET", u, GS_HTTP_MAX_URL, longp, 1, &idx), 200);
  assert_int_equal(idx, 0);
  assert_int_equal(gs_http_route("GET", u, GS_HTTP_MAX_URL + 1, longp, 1, &idx), 400);
}

static void test_parse_listen(void **st) {
  (void)st;
  struct sockaddr_storage sa;
  bool lo = false;
  assert_int_equal(gs_http_parse_listen("8080", &sa, sizeof(sa), &lo), 0);
  assert_int_equal(sa.ss_family, AF_INET);
  assert_true(lo);
  struct sockaddr_in *a4 = (struct sockaddr_in *)&sa;
  assert_int_equal(ntohs(a4->sin_port), 8080);
  assert_int_equal(ntohl(a4->sin_addr.s_addr), 0x7f000001);
  assert_int_equal(gs_http_parse_listen("127.0.0.2:19101", &sa, sizeof(sa), &lo), 0);
  assert_true(lo);
  assert_int_equal(gs_http_parse_listen("0.0.0.0:8080", &sa, sizeof(sa), &lo), 0);
  assert_false(lo);
  assert_int_equal(gs_http_parse_listen("192.0.2.1:80", &sa, sizeof(sa), &lo), 0);
  assert_false(lo);
  assert_int_equal(gs_http_parse_listen("[::1]:9000", &sa, sizeof(sa), &lo), 0);
  assert_int_equal(sa.ss_family, AF_INET6);
  assert_true(lo);
  assert_int_equal(gs_http_parse_listen("[::]:9000", &sa, sizeof(sa), &lo), 0);
  assert_false(lo);
  assert_int_equal(gs_http_parse_listen("localhost:9000", &sa, sizeof(sa), &lo), 0);
  assert_true(lo);
  static const char *const bad[] = {
      "",       "0",     "65536",   "-1",          "80x",     ":80",         "1.2.3.4:",
      "::1:80", "[::1]", "host:80", "1.2.3.4:+80", "[::1:80", "1.2.3.4: 80", "999.1.1.1:80"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(gs_http_parse_listen(bad[i], &sa, sizeof(sa), &lo), -1);
  }
}

static void test_refusals_at_start(void **st) {
  (void)st;
  gs_http *h = (gs_http *)1;
  char err[256];
  gs_http_config c = {.listen = "0.0.0.0:19102", .node = "cc"};
  assert_int_equal(gs_http_start(&h, &c, err, sizeof(err)), -1);
  assert_null(h);
  assert_string_equal(err, "cc: --http 0.0.0.0:19102: a non-loopback address needs [http] "
                           "tls_cert, tls_key and client_ca");
  c.listen = "0.0.0.0:19102";
  c.tls_cert = "/nonexistent/cert.pem";
  c.tls_key = "/nonexistent/key.pem";
  c.client_ca = "/nonexistent/ca.pem";
  assert_int_equal(gs_http_start(&h, &c, err, sizeof(err)), -1);
  assert_string_equal(err, "cc: [http]: /nonexistent/cert.pem: No such file or directory");
  gs_http_config t = {.listen = "127.0.0.1:19102", .tls = true, .node = "cc"};
  assert_int_equal(gs_http_start(&h, &t, err, sizeof(err)), -1);
  assert_string_equal(err,
                      "cc: --http 127.0.0.1:19102: [http] tls = yes needs tls_cert, tls_key and "
                      "client_ca");
  gs_http_config b = {.listen = "nowhere:1", .node = "cc"};
  assert_int_equal(gs_http_start(&h, &b, err, sizeof(err)), -1);
  assert_string_equal(err, "cc: --http nowhere:1: expected PORT, ADDR:PORT or [ADDR6]:PORT");
  gs_http_stop(NULL);
}

/* ---- a plain-socket client ---- */

static int dial(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(0x7f000001);
  assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  return fd;
}

static void send_all(int fd, const char *s, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
    assert_true(w > 0);
    s += w;
    n -= (size_t)w;
  }
}

/* Read until the peer closes or until `stop` appears (NULL: close), at
 * most 5 s. Returns the octets read (NUL-terminated, malloc'd). */
static char *recv_until(int fd, const char *stop, size_t *out_len) {
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap + 1);
  assert_non_null(buf);
  time_t t0 = time(NULL);
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    int pr = poll(&p, 1, 200);
    if (pr == 0) {
      if (time(NULL) - t0 > 5) {
        break;
      }
      continue;
    }
    if (n == cap) {
      cap *= 2;
      buf = realloc(buf, cap + 1);
      assert_non_null(buf);
    }
    ssize_t r = recv(fd, buf + n, cap - n, 0);
    if (r <= 0) {
      break;
    }
    n += (size_t)r;
    buf[n] = '\0';
    if (stop != NULL && strstr(buf, stop) != NULL) {
      break;
    }
  }
  buf[n] = '\0';
  if (out_len != NULL) {
    *out_len = n;
  }
  return buf;
}

typedef struct resp {
  int status;
  char *all;
  const char *body;
} resp;

static resp request(int port, const char *method, const char *target) {
  int fd = dial(port);
  char req[4096];
  int n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                   method, target);
  assert_true(n > 0 && (size_t)n < sizeof(req));
  send_all(fd, req, (size_t)n);
  resp r = {0, NULL, NULL};
  r.all = recv_until(fd, NULL, NULL);
  close(fd);
  assert_int_equal(sscanf(r.all, "HTTP/1.1 %d", &r.status), 1);
  const char *b = strstr(r.all, "\r\n\r\n");
  assert_non_null(b);
  r.body = b + 4;
  return r;
}

static bool has_header(const resp *r, const char *line) {
  char want[256];
  snprintf(want, sizeof(want), "\r\n%s\r\n", line);
  return strcasestr(r->all, want) != NULL;
}

static void assert_security_headers(const resp *r) {
  assert_true(has_header(r, "Cache-Control: no-store"));
  assert_true(has_header(r, "X-Content-Type-Options: nosniff"));
  assert_true(has_header(r, "Content-Security-Policy: default-src 'self'"));
  assert_true(has_header(r, "Referrer-Policy: no-referrer"));
}

static const char PAGE[] = "<!doctype html><title>t</title>";

static void test_documents(void **st) {
  (void)st;
  gs_http *h = NULL;
  char err[256] = "";
  gs_http_config c = {.listen = "127.0.0.1:19101", .node = "cc"};
  assert_int_equal(gs_http_start(&h, &c, err, sizeof(err)), 0);
  assert_string_equal(gs_http_url(h), "http://127.0.0.1:19101/");
  assert_int_equal(gs_http_add_static(h, "/", "text/html; charset=utf-8", PAGE, strlen(PAGE)), 0);
  char path[] = "/tmp/gs-test-http-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "var x = 1;\n", 11), 11);
  close(fd);
  assert_int_equal(gs_http_add_file(h, "/app.js", "text/javascript", path, err, sizeof(err)), 0);
  unlink(path);
  assert_int_equal(gs_http_add_file(h, "/b.js", "text/javascript", path, err, sizeof(err)), -1);
  assert_non_null(strstr(err, path));
  assert_non_null(strstr(err, "No such file"));
  assert_int_equal(gs_http_set_doc(h, "/metrics", "text/plain; version=0.0.4", "a 1\n", 4), 0);
  /* bad paths are refused */
  assert_int_equal(gs_http_set_doc(h, "metrics", "text/plain", "x", 1), -1);
  assert_int_equal(gs_http_set_doc(h, "/events", "text/plain", "x", 1), -1);

  resp r = request(19101, "GET", "/");
  assert_int_equal(r.status, 200);
  assert_string_equal(r.body, PAGE);
  assert_true(has_header(&r, "Content-Type: text/html; charset=utf-8"));
  assert_security_headers(&r);
  free(r.all);

  r = request(19101, "GET", "/app.js");
  assert_int_equal(r.status, 200);
  assert_string_equal(r.body, "var x = 1;\n");
  free(r.all);

  r = request(19101, "GET", "/metrics?ignored=1");
  assert_int_equal(r.status, 200);
  assert_string_equal(r.body, "a 1\n");
  assert_true(has_header(&r, "Content-Type: text/plain; version=0.0.4"));
  free(r.all);

  assert_int_equal(gs_http_set_doc(h, "/metrics", "text/plain; version=0.0.4", "a 2\nb 3\n", 8), 0);
  r = request(19101, "GET", "/metrics");
  assert_string_equal(r.body, "a 2\nb 3\n");
  free(r.all);

  r = request(19101, "HEAD", "/metrics");
  assert_int_equal(r.status, 200);
  assert_string_equal(r.body, "");
  assert_true(has_header(&r, "Content-Length: 8"));
  assert_security_headers(&r);
  free(r.all);

  r = request(19101, "POST", "/metrics");
  assert_int_equal(r.status, 405);
  assert_true(has_header(&r, "Allow: GET, HEAD"));
  assert_security_headers(&r);
  free(r.all);

  r = request(19101, "GET", "/nope");
  assert_int_equal(r.status, 404);
  assert_security_headers(&r);
  free(r.all);

  r = request(19101, "GET", "/../etc/passwd");
  assert_int_equal(r.status, 400);
  free(r.all);
  r = request(19101, "GET", "/%2e%2e/etc/passwd");
  assert_int_equal(r.status, 400);
  free(r.all);
  r = request(19101, "GET", "/metrics%00.txt");
  assert_int_equal(r.status, 400);
  free(r.all);
  char lu[1100];
  memset(lu, 'a', sizeof(lu) - 1);
  lu[0] = '/';
  lu[sizeof(lu) - 1] = '\0';
  r = request(19101, "GET", lu);
  assert_int_equal(r.status, 400);
  free(r.all);

  gs_http_stats s;
  gs_http_get_stats(h, &s);
  assert_int_equal(s.requests, 11);
  assert_int_equal(s.refused, 6);
  assert_int_equal(s.stream_clients, 0);
  gs_http_stop(h);
}

static int open_stream(int port) {
  int fd = dial(port);
  static const char req[] = "GET /events HTTP/1.1\r\nHost: x\r\n\r\n";
  send_all(fd, req, sizeof(req) - 1);
  return fd;
}

static void wait_clients(gs_http *h, uint64_t want) {
  gs_http_stats s;
  for (int i = 0; i < 500; i++) {
    gs_http_get_stats(h, &s);
    if (s.stream_clients == want) {
      return;
    }
    usleep(10000);
  }
  fail_msg("stream clients %llu, expected %llu", (unsigned long long)s.stream_clients,
           (unsigned long long)want);
}

static void test_stream(void **st) {
  (void)st;
  gs_http *h = NULL;
  char err[256] = "";
  gs_http_config c = {.listen = "127.0.0.1:19103", .node = "cc"};
  assert_int_equal(gs_http_start(&h, &c, err, sizeof(err)), 0);
  gs_http_publish(h, "early", "{\"n\":0}", 7); /* before the client: not sent */
  int fd = open_stream(19103);
  wait_clients(h, 1);
  gs_http_publish(h, "event", "{\"n\":1}", 7);
  gs_http_publish(h, "fleet", "{\"n\":2}", 7);
  gs_http_publish(h, "bad", "two\nlines", 9); /* refused: DATA is one line */
  gs_http_publish(h, "bad\nname", "x", 1);
  gs_http_publish(h, "event", "{\"n\":3}", 7);
  char *got = recv_until(fd, "{\"n\":3}\n\n", NULL);
  assert_non_null(strstr(got, "HTTP/1.1 200"));
  assert_non_null(strcasestr(got, "\r\nContent-Type: text/event-stream\r\n"));
  assert_non_null(strcasestr(got, "\r\nCache-Control: no-store\r\n"));
  const char *body = strstr(got, "\r\n\r\n");
  assert_non_null(body);
  /* chunked transfer: the events in order, each whole within the body */
  const char *e1 = strstr(body, "event: event\ndata: {\"n\":1}\n\n");
  const char *e2 = strstr(body, "event: fleet\ndata: {\"n\":2}\n\n");
  const char *e3 = strstr(body, "event: event\ndata: {\"n\":3}\n\n");
  assert_non_null(e1);
  assert_non_null(e2);
  assert_non_null(e3);
  assert_true(e1 < e2 && e2 < e3);
  assert_null(strstr(body, "early"));
  assert_null(strstr(body, "bad"));
  assert_null(strstr(body, "lines"));
  free(got);
  gs_http_stats s;
  gs_http_get_stats(h, &s);
  assert_int_equal(s.stream_events, 4);
  assert_int_equal(s.stream_lost, 0);
  close(fd);
  /* the server notices the closed client at its next write */
  gs_http_publish(h, "event", "{\"n\":4}", 7);
  gs_http_publish(h, "event", "{\"n\":5}", 7);
  wait_clients(h, 0);
  /* stop with a client still connected and waiting returns */
  fd = open_stream(19103);
  wait_clients(h, 1);
  time_t t0 = time(NULL);
  gs_http_stop(h);
  assert_true(time(NULL) - t0 <= 2);
  close(fd);
}

static void test_slow_client_loses_oldest(void **st) {
  (void)st;
  gs_http *h = NULL;
  char err[256] = "";
  gs_http_config c = {.listen = "127.0.0.1:19104", .node = "cc"};
  assert_int_equal(gs_http_start(&h, &c, err, sizeof(err)), 0);
  int fd = open_stream(19104);
  wait_clients(h, 1);
  /* the client reads nothing while 20000 events of ~1 kB go out: far more
   * than the socket buffers and the ring hold */
  char data[1024];
  const int N = 20000;
  for (int i = 0; i < N; i++) {
    int n = snprintf(data, sizeof(data), "{\"n\":%d,\"pad\":\"%0900d\"}", i, 0);
    gs_http_publish(h, "event", data, (size_t)n);
  }
  gs_http_publish(h, "event", "{\"last\":1}", 10);
  size_t len = 0;
  char *got = recv_until(fd, "{\"last\":1}\n\n", &len);
  if (strstr(got, "{\"last\":1}") == NULL) {
    fprintf(stderr, "len %zu tail: %s\n", len, len > 300 ? got + len - 300 : got);
  }
  assert_non_null(strstr(got, "{\"last\":1}"));
  const char *lost = strstr(got, "event: lost\ndata: {\"lost\":");
  assert_non_null(lost);
  unsigned long long nlost = strtoull(lost + strlen("event: lost\ndata: {\"lost\":"), NULL, 10);
  assert_true(nlost > 0);
  /* the events received plus those reported lost are all of them */
  unsigned long long recv_events = 0;
  for (const char *p = got; (p = strstr(p, "event: event\n")) != NULL; p++) {
    recv_events++;
  }
  unsigned long long lost_total = 0;
  for (const char *p = got; (p = strstr(p, "event: lost\ndata: {\"lost\":")) != NULL; p++) {
    lost_total += strtoull(p + strlen("event: lost\ndata: {\"lost\":"), NULL, 10);
  }
  assert_int_equal(recv_events + lost_total, (unsigned long long)N + 1);
  gs_http_stats s;
  gs_http_get_stats(h, &s);
  assert_int_equal(s.stream_lost, lost_total);
  /* what the client got is bounded by the ring, not by what was published */
  assert_true(recv_events < (unsigned long long)N / 2);
  free(got);
  close(fd);
  gs_http_stop(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_route_ok),
      cmocka_unit_test(test_route_refused),
      cmocka_unit_test(test_parse_listen),
      cmocka_unit_test(test_refusals_at_start),
      cmocka_unit_test(test_documents),
      cmocka_unit_test(test_stream),
      cmocka_unit_test(test_slow_client_loses_oldest),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
