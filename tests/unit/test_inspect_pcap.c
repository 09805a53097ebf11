/* The capture reader and TCP framing of `gridseal inspect` (apps/pcap.h):
 * captures built here octet by octet, good ones reassembled into the exact
 * frames, bad ones (file, record, link, IP, TCP and framing faults)
 * reported with the specific message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pcap.h"

/* ---- a capture under construction ---------------------------------- */

typedef struct cap {
  uint8_t b[1 << 20];
  size_t n;
} cap;

static cap C;

static void put(const void *p, size_t n) {
  assert_true(C.n + n <= sizeof(C.b));
  memcpy(C.b + C.n, p, n);
  C.n += n;
}

static void le32(uint32_t v) {
  uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  put(b, 4);
}

static void begin(uint32_t linktype) {
  C.n = 0;
  le32(0xa1b2c3d4u);
  uint8_t ver[4] = {2, 0, 4, 0};
  put(ver, 4);
  le32(0);
  le32(0);
  le32(65535);
  le32(linktype);
}

static void record(const uint8_t *p, size_t n) {
  le32(1735689600u);
  le32(250000u);
  le32((uint32_t)n);
  le32((uint32_t)n);
  put(p, n);
}

enum { FIN = 0x01, SYN = 0x02, ACK = 0x10 };

/* An Ethernet/IPv4 (ipv 4) or Linux-cooked/IPv6 (ipv 6) TCP segment. */
static void seg(int ipv, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags,
                const uint8_t *data, size_t n) {
  uint8_t p[70000];
  size_t l2 = ipv == 4 ? 14 : 16, l3 = ipv == 4 ? 20 : 40;
  memset(p, 0, l2 + l3 + 20);
  if (ipv == 4) {
    p[12] = 0x08;
    uint8_t *ip = p + l2;
    ip[0] = 0x45;
    ip[2] = (uint8_t)((40 + n) >> 8);
    ip[3] = (uint8_t)(40 + n);
    ip[9] = 6;
    ip[12] = 127;
    ip[15] = 2;
    ip[16] = 127;
    ip[19] = 1;
  } else {
    p[14] = 0x86;
    p[15] = 0xdd;
    uint8_t *ip = p + l2;
    ip[0] = 0x60;
    ip[4] = (uint8_t)((20 + n) >> 8);
    ip[5] = (uint8_t)(20 + n);
    ip[6] = 6;
    ip[23] = 2;
    ip[39] = 1;
  }
  uint8_t *t = p + l2 + l3;
  t[0] = (uint8_t)(sport >> 8);
  t[1] = (uint8_t)sport;
  t[2] = (uint8_t)(dport >> 8);
  t[3] = (uint8_t)dport;
  t[4] = (uint8_t)(seq >> 24);
  t[5] = (uint8_t)(seq >> 16);
  t[6] = (uint8_t)(seq >> 8);
  t[7] = (uint8_t)seq;
  t[12] = 0x50;
  t[13] = flags;
  if (n > 0) {
    memcpy(t + 20, data, n);
  }
  record(p, l2 + l3 + 20 + n);
}

/* ---- what the scanner reported ------------------------------------- */

typedef struct got {
  int n_pdu, n_err;
  uint8_t pdu[4][128];
  size_t pdu_len[4];
  uint32_t frame[4];
  char src[4][56], dst[4][56];
  char err[4][160];
  int stop_with;
} got;

static got G;

static int cb(void *user, const gs_pcap_item *it) {
  got *g = user;
  if (it->what == GS_PCAP_PDU) {
    if (g->n_pdu < 4) {
      assert_true(it->pdu_len <= sizeof(g->pdu[0]));
      memcpy(g->pdu[g->n_pdu], it->pdu, it->pdu_len);
      g->pdu_len[g->n_pdu] = it->pdu_len;
      g->frame[g->n_pdu] = it->frame;
      snprintf(g->src[g->n_pdu], 56, "%s", it->src);
      snprintf(g->dst[g->n_pdu], 56, "%s", it->dst);
    }
    g->n_pdu++;
  } else {
    if (g->n_err < 4) {
      snprintf(g->err[g->n_err], 160, "%s", it->error);
    }
    g->n_err++;
  }
  return g->stop_with;
}

static char E[200];

static int run(void) {
  memset(&G, 0, sizeof(G));
  E[0] = '\0';
  return gs_pcap_scan(C.b, C.n, 7001, 7099, cb, &G, E, sizeof(E));
}

static const uint8_t F1[] = {0, 0, 0, 5, 0xa7, 3, 1, 2, 3}; /* frame of 5 */
static const uint8_t F2[] = {0, 0, 0, 3, 0xa8, 1, 9};       /* frame of 3 */
static const uint8_t F12[] = {0, 0, 0, 5, 0xa7, 3, 1, 2, 3, 0, 0, 0, 3, 0xa8, 1, 9};

static void test_reassembly_across_and_within_segments(void **state) {
  (void)state;
  begin(1);
  seg(4, 40000, 7001, 100, SYN, NULL, 0);
  seg(4, 40000, 7001, 101, ACK, F12, 2);     /* inside the length */
  seg(4, 40000, 7001, 103, ACK, F12 + 2, 5); /* rest of header + 3 body */
  seg(4, 40000, 7001, 108, ACK, F12 + 7, 9); /* end of 1 and all of 2 */
  assert_int_equal(run(), 0);
  assert_int_equal(G.n_err, 0);
  assert_int_equal(G.n_pdu, 2);
  assert_int_equal(G.pdu_len[0], 5);
  assert_memory_equal(G.pdu[0], F1 + 4, 5);
  assert_int_equal(G.pdu_len[1], 3);
  assert_memory_equal(G.pdu[1], F2 + 4, 3);
  assert_int_equal(G.frame[0], 4);
  assert_int_equal(G.frame[1], 4);
  assert_string_equal(G.src[0], "127.0.0.2:40000");
  assert_string_equal(G.dst[0], "127.0.0.1:7001");
}

static void test_ipv6_linux_cooked(void **state) {
  (void)state;
  begin(113);
  seg(6, 7001, 40000, 5, ACK, F2, sizeof(F2));
  assert_int_equal(run(), 0);
  assert_int_equal(G.n_pdu, 1);
  assert_string_equal(G.src[0], "[::2]:7001");
  assert_string_equal(G.dst[0], "[::1]:40000");
  assert_memory_equal(G.pdu[0], F2 + 4, 3);
}

static void test_loopback_and_raw_links(void **state) {
  (void)state;
  /* BSD loopback: 4-octet family, then IPv4 (the Ethernet header of seg()
   * is 14 octets: rebuilt here by hand). */
  uint8_t p[4 + 20 + 20 + sizeof(F2)];
  memset(p, 0, sizeof(p));
  p[0] = 2;
  uint8_t *ip = p + 4, *t = p + 24;
  ip[0] = 0x45;
  ip[3] = (uint8_t)(40 + sizeof(F2));
  ip[9] = 6;
  t[1] = 1;
  t[2] = 0x1b;
  t[3] = 0x59; /* 7001 */
  t[12] = 0x50;
  memcpy(t + 20, F2, sizeof(F2));
  begin(0);
  record(p, sizeof(p));
  assert_int_equal(run(), 0);
  assert_int_equal(G.n_pdu, 1);
  begin(101); /* raw IPv4 */
  record(p + 4, sizeof(p) - 4);
  assert_int_equal(run(), 0);
  assert_int_equal(G.n_pdu, 1);
}

static void test_bad_files(void **state) {
  (void)state;
  begin(1);
  C.n = 10;
  assert_int_equal(run(), -1);
  assert_non_null(strstr(E, "shorter than the 24-octet file header"));
  begin(1);
  C.b[0] = 0x12;
  assert_int_equal(run(), -1);
  assert_non_null(strstr(E, "bad magic"));
  begin(1);
  memcpy(C.b, "\x0a\x0d\x0d\x0a", 4);
  assert_int_equal(run(), -1);
  assert_non_null(strstr(E, "pcapng is not supported"));
  begin(1);
  C.b[4] = 3; /* version 3.4 */
  assert_int_equal(run(), -1);
  assert_non_null(strstr(E, "unsupported pcap version 3"));
  begin(105); /* 802.11 */
  assert_int_equal(run(), -1);
  assert_string_equal(E, "link type 105 not supported (Ethernet, loopback, Linux cooked, raw IP)");
}

static void test_bad_records(void **state) {
  (void)state;
  begin(1);
  le32(0);
  le32(0); /* 8 of 16 header octets */
  assert_int_equal(run(), -1);
  assert_string_equal(E, "record 1: truncated record header (8 of 16 octets)");

  begin(1);
  seg(4, 40000, 7001, 1, ACK, F2, sizeof(F2));
  C.n -= 3;
  assert_int_equal(run(), -1);
  assert_non_null(strstr(E, "record 1: truncated ("));

  begin(1);
  le32(0);
  le32(0);
  le32(0xffffffffu); /* huge declared length */
  le32(0xffffffffu);
  assert_int_equal(run(), -1);
  assert_string_equal(
      E, "record 1: captured length 4294967295 above the snapshot length 65535 or 262144");
  assert_int_equal(G.n_pdu, 0);
}

static void test_bad_frame_lengths(void **state) {
  (void)state;
  static const uint8_t zero[] = {0, 0, 0, 0, 0xa9};
  static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff, 0xa9};
  static const uint8_t over[] = {0, 1, 0, 1, 0xa9}; /* 65537 */
  const uint8_t *cases[] = {zero, huge, over};
  const char *want[] = {
      "frame length 0 outside 1..65536: the receiver closes the connection",
      "frame length 2147483647 outside 1..65536: the receiver closes the connection",
      "frame length 65537 outside 1..65536: the receiver closes the connection"};
  for (int i = 0; i < 3; i++) {
    begin(1);
    seg(4, 40000, 7001, 1, ACK, cases[i], 5);
    seg(4, 40000, 7001, 6, ACK, F1, sizeof(F1)); /* ignored: the direction is lost */
    assert_int_equal(run(), 0);
    assert_int_equal(G.n_err, 1);
    assert_string_equal(G.err[0], want[i]);
    assert_int_equal(G.n_pdu, 0);
  }
  /* A new connection (SYN) on the same ports is followed again. */
  begin(1);
  seg(4, 40000, 7001, 1, ACK, zero, 5);
  seg(4, 40000, 7001, 500, SYN, NULL, 0);
  seg(4, 40000, 7001, 501, ACK, F1, sizeof(F1));
  assert_int_equal(run(), 0);
  assert_int_equal(G.n_err, 1);
  assert_int_equal(G.n_pdu, 1);
}

static void test_gap_retransmission_and_ends(void **state) {
  (void)state;
  begin(1);
  seg(4, 40000, 7001, 1, ACK, F12, 4);
  seg(4, 40000, 7001, 10, ACK, F12 + 9, 7); /* octets 5..9 missing */
  assert_int_equal(run(), 0);
  assert_int_equal(G.n_err, 1);
  assert_string_equal(G.err[0], "TCP segment missing: 5 octets not in the capture");
  assert_int_equal(G.n_pdu, 0);

  begin(1);
  seg(4, 40000, 7001, 1, ACK, F1, sizeof(F1));
  seg(4, 40000, 7001, 1, ACK, F1, sizeof(F1)); /* retransmitted */
  seg(4, 40000, 7001, 6, ACK, F1 + 5, 4);      /* overlapping */
  seg(4, 40000, 7001, 10, ACK, F2, sizeof(F2));
  assert_int_equal(run(), 0);
  assert_int_equal(G.n_err, 0);
  assert_int_equal(G.n_pdu, 2);
  assert_memory_equal(G.pdu[1], F2 + 4, 3);

  begin(1);
  seg(4, 40000, 7001, 1, ACK, F1, 6);
  assert_int_equal(run(), 0);
  assert_int_equal(G.n_err, 1);
  assert_string_equal(G.err[0], "capture ends inside a frame (6 octets buffered)");

  begin(1);
  seg(4, 40000, 7001, 1, ACK, F1, 3);
  seg(4, 40000, 7001, 4, FIN | ACK, NULL, 0);
  assert_int_equal(run(), 0);
  assert_int_equal(G.n_err, 1);
  assert_string_equal(G.err[0], "connection ended inside a frame (3 octets buffered)");
}

static void test_ports_ip_and_tcp_faults(void **state) {
  (void)state;
  begin(1);
  seg(4, 40000, 8080, 1, ACK, F1, sizeof(F1)); /* not a followed port */
  assert_int_equal(run(), 0);
  assert_int_equal(G.n_pdu + G.n_err, 0);
  assert_int_equal(gs_pcap_scan(C.b, C.n, 8080, 8080, cb, &G, E, sizeof(E)), 0);
  assert_int_equal(G.n_pdu, 1);

  /* An IPv4 fragment, a truncated IP header and a bad TCP header length. */
  begin(1);
  seg(4, 40000, 7001, 1, ACK, F1, sizeof(F1));
  C.b[24 + 16 + 14 + 6] = 0x20; /* more fragments: skipped */
  uint8_t shortip[14 + 10] = {0};
  shortip[12] = 0x08;
  shortip[14] = 0x45;
  record(shortip, sizeof(shortip));
  seg(4, 40000, 7001, 1, ACK, F1, sizeof(F1));
  C.b[C.n - sizeof(F1) - 20 + 12] = 0xf0; /* data offset 60 > segment */
  assert_int_equal(run(), 0);
  assert_int_equal(G.n_pdu, 0);
  assert_int_equal(G.n_err, 1);
  assert_string_equal(G.err[0], "bad TCP header length 60");
}

static void test_flow_table_bound(void **state) {
  (void)state;
  begin(1);
  for (int i = 0; i < GS_PCAP_MAX_FLOWS + 5; i++) {
    seg(4, (uint16_t)(20000 + i), 7001, 1, ACK, F1, 3); /* each left open */
  }
  assert_int_equal(run(), 0);
  /* one report for the table, then one per open direction at the end */
  assert_non_null(strstr(G.err[0], "more than 256 TCP directions at once"));
  assert_int_equal(G.n_err, 1 + GS_PCAP_MAX_FLOWS);
}

static void test_callback_stops_the_scan(void **state) {
  (void)state;
  begin(1);
  seg(4, 40000, 7001, 1, ACK, F12, sizeof(F12));
  memset(&G, 0, sizeof(G));
  G.stop_with = 7;
  assert_int_equal(gs_pcap_scan(C.b, C.n, 7001, 7001, cb, &G, E, sizeof(E)), 7);
  assert_int_equal(G.n_pdu, 1);
}

static void test_frame_next(void **state) {
  (void)state;
  size_t off = 0, n;
  const uint8_t *p;
  char err[160];
  assert_int_equal(gs_frame_next(F12, sizeof(F12), &off, &p, &n, err, sizeof(err)), 1);
  assert_int_equal(n, 5);
  assert_ptr_equal(p, F12 + 4);
  assert_int_equal(gs_frame_next(F12, sizeof(F12), &off, &p, &n, err, sizeof(err)), 1);
  assert_int_equal(n, 3);
  assert_int_equal(gs_frame_next(F12, sizeof(F12), &off, &p, &n, err, sizeof(err)), 0);

  off = 0;
  assert_int_equal(gs_frame_next(F12, 3, &off, &p, &n, err, sizeof(err)), -1);
  assert_string_equal(err, "offset 0: truncated frame length (3 of 4 octets)");
  off = 0;
  assert_int_equal(gs_frame_next(F12, 7, &off, &p, &n, err, sizeof(err)), -1);
  assert_string_equal(err, "offset 0: truncated frame (3 of 5 octets)");
  static const uint8_t zero[] = {0, 0, 0, 0};
  off = 0;
  assert_int_equal(gs_frame_next(zero, 4, &off, &p, &n, err, sizeof(err)), -1);
  assert_string_equal(err, "offset 0: frame length 0 outside 1..65536");
  static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 1};
  off = 0;
  assert_int_equal(gs_frame_next(huge, 5, &off, &p, &n, err, sizeof(err)), -1);
  assert_string_equal(err, "offset 0: frame length 4294967295 outside 1..65536");
  assert_int_equal(off, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reassembly_across_and_within_segments),
      cmocka_unit_test(test_ipv6_linux_cooked),
      cmocka_unit_test(test_loopback_and_raw_links),
      cmocka_unit_test(test_bad_files),
      cmocka_unit_test(test_bad_records),
      cmocka_unit_test(test_bad_frame_lengths),
      cmocka_unit_test(test_gap_retransmission_and_ends),
      cmocka_unit_test(test_ports_ip_and_tcp_faults),
      cmocka_unit_test(test_flow_table_bound),
      cmocka_unit_test(test_callback_stops_the_scan),
      cmocka_unit_test(test_frame_next),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
