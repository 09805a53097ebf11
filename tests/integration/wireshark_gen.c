/* Writes a classic libpcap capture of real gridseal associations for the
 * Wireshark dissector test (wireshark.sh) and `gridseal inspect --pcap`:
 *
 *   wireshark_gen OUT.pcap [eth|sll|null] [4|6]
 *
 * Two endpoints of the engine (tests/unit/test_session_util.h: one test CA,
 * P-256 identities) talk through the real API; every PDU one of them queues
 * is written as one TCP frame of docs/PROTOCOL.md §9.1 (4-octet length +
 * DER) into a TCP connection to port 7001, then delivered to the other
 * endpoint. Each association has its own connection (client ports 40001..):
 *
 *   40001 AEAD: handshakeReq/Acc with MMS Initiate, a Read both ways, a key
 *         update (rekey, changedKey), the responder's reqRekey, release.
 *   40002 integrity only: an MMS Write of a 2500 W set-point and its
 *         response in clearTransfer, a key update, applAbort.
 *   40003 encrypt-then-MAC: data both ways, a key update, release.
 *   40004 applicationReject (the responder refuses, MMS Initiate-Error).
 *   40005 handshakeSecReject: the responder's peer check says
 *         too-many-associations (27).
 *   40006 handshakeSecAbort: the initiator's peer check refuses the
 *         responder (peer-not-authorized, 26).
 *   40007 dtSecAbort: an encrypt-then-MAC PDU without its iv reaches the
 *         responder, which aborts (aes-init-vector-required, 7).
 *
 * Segmentation exercises reassembly: the HandshakeReq of 40001 travels in
 * two TCP segments (the split inside the length prefix), and the two data
 * PDUs of 40003's first exchange share one segment. Exit 0 on success. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dermodel.h"
#include "gridseal/mms.h"
#include "gridseal/unstable/pdu.h"
#include "test_session_util.h"

#define SERVER_PORT 7001
#define PDU_CAP 70000

static FILE *out;
static int linktype = 1; /* DLT_EN10MB; 113 LINUX_SLL; 0 NULL */
static int ipver = 4;
static gs_time_ms now = GS_TEST_NOW + 3600 * 1000;
static int fails;

#define CHECK(expr)                                                                                \
  do {                                                                                             \
    int rc_ = (expr);                                                                              \
    if (rc_ != GS_OK) {                                                                            \
      fprintf(stderr, "wireshark_gen:%d: %s: %s\n", __LINE__, #expr, gs_errname(rc_));             \
      fails++;                                                                                     \
    }                                                                                              \
  } while (0)

/* The receiver's verdict on a notice: exactly `want`. */
#define EXPECT(expr, want)                                                                         \
  do {                                                                                             \
    int rc_ = (expr);                                                                              \
    if (rc_ != (want)) {                                                                           \
      fprintf(stderr, "wireshark_gen:%d: %s: %s, expected %s\n", __LINE__, #expr, gs_errname(rc_), \
              gs_errname(want));                                                                   \
      fails++;                                                                                     \
    }                                                                                              \
  } while (0)

/* ---- pcap writer --------------------------------------------------- */

static void put16(uint8_t *p, unsigned v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static void le32(FILE *f, uint32_t v) {
  uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  fwrite(b, 1, 4, f);
}

static void pcap_header(void) {
  le32(out, 0xa1b2c3d4u);
  uint8_t ver[4] = {2, 0, 4, 0};
  fwrite(ver, 1, 4, out);
  le32(out, 0);
  le32(out, 0);
  le32(out, 65535);
  le32(out, (uint32_t)linktype);
}

static uint16_t csum_add(uint32_t sum, const uint8_t *p, size_t n) {
  for (size_t i = 0; i + 1 < n; i += 2) {
    sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  }
  if (n & 1) {
    sum += (uint32_t)(p[n - 1] << 8);
  }
  while (sum >> 16) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return (uint16_t)sum;
}

typedef struct conn {
  uint16_t cport;
  uint32_t seq[2]; /* next sequence number: [0] client, [1] server */
} conn;

enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_PSH = 0x08, TCP_ACK = 0x10 };

/* One TCP segment from `dir` (0 client -> server, 1 server -> client). */
static void segment(conn *c, int dir, uint8_t flags, const uint8_t *data, size_t n) {
  static uint8_t pkt[PDU_CAP + 128];
  size_t l2 = linktype == 1 ? 14 : linktype == 113 ? 16 : 4;
  size_t l3 = ipver == 4 ? 20 : 40;
  size_t len = l2 + l3 + 20 + n;
  memset(pkt, 0, l2 + l3 + 20);
  uint8_t *ip = pkt + l2, *tcp = ip + l3;
  if (linktype == 1) {
    static const uint8_t mac[2][6] = {{2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2}};
    memcpy(pkt, mac[!dir], 6);
    memcpy(pkt + 6, mac[dir], 6);
    put16(pkt + 12, ipver == 4 ? 0x0800 : 0x86dd);
  } else if (linktype == 113) {
    put16(pkt, dir == 0 ? 4 : 0); /* sent by us / to us */
    put16(pkt + 2, 772);          /* ARPHRD_LOOPBACK */
    put16(pkt + 4, 0);
    put16(pkt + 14, ipver == 4 ? 0x0800 : 0x86dd);
  } else {
    uint32_t fam = ipver == 4 ? 2 : 30; /* AF_INET, BSD AF_INET6 (host order) */
    memcpy(pkt, &fam, 4);
  }
  uint8_t src[16] = {0}, dst[16] = {0};
  if (ipver == 4) {
    uint8_t a[4] = {127, 0, 0, (uint8_t)(dir == 0 ? 2 : 1)};
    uint8_t b[4] = {127, 0, 0, (uint8_t)(dir == 0 ? 1 : 2)};
    memcpy(src, a, 4);
    memcpy(dst, b, 4);
    ip[0] = 0x45;
    put16(ip + 2, (unsigned)(20 + 20 + n));
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    put16(ip + 10, (uint16_t)~csum_add(0, ip, 20));
  } else {
    src[15] = (uint8_t)(dir == 0 ? 2 : 1);
    dst[15] = (uint8_t)(dir == 0 ? 1 : 2);
    ip[0] = 0x60;
    put16(ip + 4, (unsigned)(20 + n));
    ip[6] = 6;
    ip[7] = 64;
    memcpy(ip + 8, src, 16);
    memcpy(ip + 24, dst, 16);
  }
  put16(tcp, dir == 0 ? c->cport : SERVER_PORT);
  put16(tcp + 2, dir == 0 ? SERVER_PORT : c->cport);
  put32(tcp + 4, c->seq[dir]);
  put32(tcp + 8, (flags & TCP_ACK) ? c->seq[!dir] : 0);
  tcp[12] = 0x50;
  tcp[13] = flags;
  put16(tcp + 14, 65535);
  if (n > 0) {
    memcpy(tcp + 20, data, n);
  }
  /* TCP checksum over the pseudo-header and the segment. */
  uint8_t ph[40];
  size_t al = ipver == 4 ? 4 : 16;
  memcpy(ph, src, al);
  memcpy(ph + al, dst, al);
  uint32_t sum = csum_add(0, ph, 2 * al);
  sum += 6 + (uint32_t)(20 + n);
  put16(tcp + 16, (uint16_t)~csum_add(sum, tcp, 20 + n));
  c->seq[dir] += (uint32_t)n + ((flags & (TCP_SYN | TCP_FIN)) ? 1u : 0u);
  now += 1; /* one ms per segment keeps the capture ordered */
  le32(out, (uint32_t)(now / 1000));
  le32(out, (uint32_t)(now % 1000) * 1000u);
  le32(out, (uint32_t)len);
  le32(out, (uint32_t)len);
  fwrite(pkt, 1, len, out);
}

static void conn_open(conn *c, uint16_t cport) {
  c->cport = cport;
  c->seq[0] = 1000u * cport;
  c->seq[1] = 7000u * cport;
  segment(c, 0, TCP_SYN, NULL, 0);
  segment(c, 1, TCP_SYN | TCP_ACK, NULL, 0);
  segment(c, 0, TCP_ACK, NULL, 0);
}

static void conn_close(conn *c) {
  segment(c, 0, TCP_FIN | TCP_ACK, NULL, 0);
  segment(c, 1, TCP_FIN | TCP_ACK, NULL, 0);
  segment(c, 0, TCP_ACK, NULL, 0);
}

/* Frame a PDU (docs/PROTOCOL.md §9.1) into buf; the frame's length. */
static size_t frame(const uint8_t *pdu, size_t len, uint8_t *buf) {
  put32(buf, (uint32_t)len);
  memcpy(buf + 4, pdu, len);
  return len + 4;
}

/* ---- the associations ---------------------------------------------- */

static uint8_t mms_buf[4][2048];
static size_t mms_len[4];

static gs_mms_data nodes[256];
static gs_mms_object_name names[32];

static void mms_encode(int slot, const gs_mms_pdu *p) {
  CHECK(gs_mms_encode(p, mms_buf[slot], sizeof(mms_buf[slot]), &mms_len[slot]));
}

/* Pop the next PDU `from` queued (session, else endpoint) into pdu. */
static int pop(gs_session *from, gs_endpoint *ep, uint8_t *pdu, size_t *len) {
  if (from != NULL && gs_session_output_count(from) > 0) {
    return gs_session_pop_output(from, pdu, PDU_CAP, len);
  }
  return gs_endpoint_pop_output(ep, pdu, PDU_CAP, len);
}

/* Move one PDU from (from, from_ep) to `to` over connection c. */
static int pass_one(conn *c, int dir, gs_session *from, gs_endpoint *from_ep, gs_session *to) {
  static uint8_t pdu[PDU_CAP], fr[PDU_CAP + 4], plain[PDU_CAP];
  size_t len = 0;
  int rc = pop(from, from_ep, pdu, &len);
  if (rc != GS_OK) {
    return rc;
  }
  size_t n = frame(pdu, len, fr);
  segment(c, dir, TCP_PSH | TCP_ACK, fr, n);
  if (to == NULL) {
    return GS_OK;
  }
  gs_rx rx;
  return gs_session_receive(to, pdu, len, now, plain, sizeof(plain), &rx);
}

/* Move every PDU `from` has queued; the result of the first delivery
 * (the later ones must succeed). */
static int pass(conn *c, int dir, gs_session *from, gs_endpoint *from_ep, gs_session *to) {
  int rc = pass_one(c, dir, from, from_ep, to);
  while (from != NULL && gs_session_output_count(from) > 0) {
    CHECK(pass_one(c, dir, from, from_ep, to));
  }
  return rc;
}

/* Handshake: A connects with MMS Initiate-Request, B accepts with the
 * Initiate-Response (or not, when accept is false). The HandshakeReq is
 * written in two segments when split is set. */
static int handshake(ts_world *w, conn *c, bool accept, bool split) {
  static uint8_t pdu[PDU_CAP], fr[PDU_CAP + 4];
  gs_mms_pdu req, rsp;
  gs_dermodel_build_initiate_request(&req);
  mms_encode(0, &req);
  gs_dermodel_build_initiate_response(&req, &rsp);
  mms_encode(1, &rsp);
  size_t len = 0;
  int rc = gs_session_new_initiator(w->a.ep, &w->sa);
  if (rc == GS_OK) {
    rc = gs_session_connect(w->sa, now, mms_buf[0], mms_len[0]);
  }
  if (rc == GS_OK) {
    rc = gs_session_pop_output(w->sa, pdu, PDU_CAP, &len);
  }
  if (rc != GS_OK) {
    return rc;
  }
  size_t n = frame(pdu, len, fr);
  if (split) {
    segment(c, 0, TCP_ACK, fr, 2);
    segment(c, 0, TCP_PSH | TCP_ACK, fr + 2, n - 2);
  } else {
    segment(c, 0, TCP_PSH | TCP_ACK, fr, n);
  }
  rc = gs_endpoint_receive_hs(w->b.ep, pdu, len, now, &w->sb);
  if (rc != GS_OK || !accept) {
    return rc;
  }
  rc = gs_session_accept(w->sb, now, mms_buf[1], mms_len[1]);
  if (rc == GS_OK) {
    rc = pass(c, 1, w->sb, w->b.ep, w->sa);
  }
  return rc;
}

static int start(ts_world *w, gs_offer_mode mode) {
  ts_world_prepare(w, GS_TKEY_P256, GS_TKEY_P256);
  w->a.cfg.offer = mode;
  return ts_world_start(w);
}

static int send_mms(conn *c, int dir, ts_world *w, const gs_mms_pdu *p) {
  mms_encode(2, p);
  gs_session *from = dir == 0 ? w->sa : w->sb;
  int rc = gs_session_send(from, now, mms_buf[2], mms_len[2]);
  if (rc == GS_OK) {
    rc = pass(c, dir, from, dir == 0 ? w->a.ep : w->b.ep, dir == 0 ? w->sb : w->sa);
  }
  return rc;
}

static const char *const read_items[] = {"MMXU1$MX$TotW$mag$f", "DGEN1$ST$DEROpSt$stVal"};

/* A Read from A and the DER model's response from B. */
static void read_exchange(conn *c, ts_world *w, gs_dermodel *m, uint32_t id) {
  gs_mms_arena a;
  gs_mms_pdu req, rsp;
  gs_mms_arena_init(&a, nodes, 256, names, 32);
  CHECK(gs_dermodel_build_read(&req, id, "DER1", read_items, 2, &a));
  CHECK(send_mms(c, 0, w, &req));
  CHECK(gs_dermodel_handle(m, &req, &a, &rsp));
  CHECK(send_mms(c, 1, w, &rsp));
}

/* Initiator key update, answered by the responder's changedKey PDU. */
static void key_update(conn *c, ts_world *w, gs_dermodel *m, uint32_t id) {
  CHECK(gs_session_update_keys(w->sa, now));
  CHECK(pass(c, 0, w->sa, w->a.ep, w->sb));
  read_exchange(c, w, m, id);
}

static void release(conn *c, ts_world *w) {
  gs_mms_pdu p;
  memset(&p, 0, sizeof(p));
  p.type = GS_MMS_CONCLUDE_REQUEST;
  mms_encode(3, &p);
  CHECK(gs_session_release(w->sa, now, mms_buf[3], mms_len[3]));
  CHECK(pass(c, 0, w->sa, w->a.ep, w->sb));
  /* The responder answers with its releaseRsp (MMS Conclude-Response). */
  p.type = GS_MMS_CONCLUDE_RESPONSE;
  mms_encode(3, &p);
  CHECK(gs_session_release(w->sb, now, mms_buf[3], mms_len[3]));
  CHECK(pass(c, 1, w->sb, w->b.ep, w->sa));
  if (gs_session_state_get(w->sa) != GS_STATE_CLOSED) {
    fprintf(stderr, "wireshark_gen: the initiator did not close on releaseRsp\n");
    fails++;
  }
}

static void assoc_aead(gs_dermodel *m) {
  ts_world w;
  conn c;
  conn_open(&c, 40001);
  CHECK(start(&w, GS_OFFER_AEAD));
  CHECK(handshake(&w, &c, true, true));
  read_exchange(&c, &w, m, 1);
  key_update(&c, &w, m, 2);
  /* The responder asks for a key update (reqRekey) ... */
  CHECK(gs_session_update_keys(w.sb, now));
  CHECK(pass(&c, 1, w.sb, w.b.ep, w.sa));
  /* ... and the initiator's next PDU carries its rekey value. */
  read_exchange(&c, &w, m, 3);
  release(&c, &w);
  conn_close(&c);
  ts_world_free(&w);
}

static void assoc_integrity(gs_dermodel *m) {
  ts_world w;
  conn c;
  gs_mms_arena a;
  gs_mms_pdu req, rsp;
  conn_open(&c, 40002);
  CHECK(start(&w, GS_OFFER_INTEGRITY));
  CHECK(handshake(&w, &c, true, false));
  gs_mms_arena_init(&a, nodes, 256, names, 32);
  gs_dermodel_ctl ctl = {.ctl_num = 3, .t = now, .or_cat = 2, .or_ident = "CC1", .test = false};
  CHECK(gs_dermodel_build_setpoint(&req, 8, "DER1", 2500.0f, &ctl, &a));
  CHECK(send_mms(&c, 0, &w, &req));
  CHECK(gs_dermodel_handle(m, &req, &a, &rsp));
  CHECK(send_mms(&c, 1, &w, &rsp));
  key_update(&c, &w, m, 9);
  CHECK(gs_session_abort(w.sa, now, NULL, 0));
  EXPECT(pass(&c, 0, w.sa, w.a.ep, w.sb), GS_ERR_ABORTED);
  conn_close(&c);
  ts_world_free(&w);
}

static void assoc_etm(gs_dermodel *m) {
  static uint8_t pdu[2][PDU_CAP], fr[2 * PDU_CAP + 8], plain[PDU_CAP];
  ts_world w;
  conn c;
  gs_mms_arena a;
  gs_mms_pdu req, rsp;
  conn_open(&c, 40003);
  CHECK(start(&w, GS_OFFER_ETM));
  CHECK(handshake(&w, &c, true, false));
  /* Two Reads queued by A, written in one segment. */
  gs_mms_arena_init(&a, nodes, 256, names, 32);
  size_t len[2], n = 0;
  for (int i = 0; i < 2; i++) {
    CHECK(gs_dermodel_build_read(&req, (uint32_t)(20 + i), "DER1", read_items, 1, &a));
    mms_encode(2, &req);
    CHECK(gs_session_send(w.sa, now, mms_buf[2], mms_len[2]));
    CHECK(gs_session_pop_output(w.sa, pdu[i], PDU_CAP, &len[i]));
    n += frame(pdu[i], len[i], fr + n);
  }
  segment(&c, 0, TCP_PSH | TCP_ACK, fr, n);
  for (int i = 0; i < 2; i++) {
    gs_rx rx;
    CHECK(gs_session_receive(w.sb, pdu[i], len[i], now, plain, sizeof(plain), &rx));
    CHECK(gs_dermodel_handle(m, &req, &a, &rsp));
    CHECK(send_mms(&c, 1, &w, &rsp));
  }
  key_update(&c, &w, m, 22);
  release(&c, &w);
  conn_close(&c);
  ts_world_free(&w);
}

static void assoc_app_reject(void) {
  ts_world w;
  conn c;
  gs_mms_pdu p;
  conn_open(&c, 40004);
  CHECK(start(&w, GS_OFFER_AEAD));
  CHECK(handshake(&w, &c, false, false));
  memset(&p, 0, sizeof(p));
  p.type = GS_MMS_INITIATE_ERROR;
  p.u.error.error_class = GS_MMS_EC_INITIATE;
  p.u.error.code = 0;
  mms_encode(3, &p);
  CHECK(gs_session_refuse(w.sb, now, mms_buf[3], mms_len[3]));
  EXPECT(pass(&c, 1, w.sb, w.b.ep, w.sa), GS_ERR_APPL_REJECTED);
  conn_close(&c);
  ts_world_free(&w);
}

static int refuse_with(void *user, const gs_cert_info *peer, gs_role own_role) {
  (void)peer;
  (void)own_role;
  return *(const int *)user;
}

static void assoc_sec_reject(void) {
  static int diag = GS_HS_TOO_MANY_ASSOCIATIONS;
  ts_world w;
  conn c;
  conn_open(&c, 40005);
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.b.cfg.peer_check = refuse_with;
  w.b.cfg.peer_check_user = &diag;
  CHECK(ts_world_start(&w));
  int rc = handshake(&w, &c, false, false);
  if (rc == GS_OK) {
    fprintf(stderr, "wireshark_gen: the responder's peer check did not refuse\n");
    fails++;
  }
  EXPECT(pass(&c, 1, w.sb, w.b.ep, w.sa), GS_ERR_HANDSHAKE_REJECTED);
  conn_close(&c);
  ts_world_free(&w);
}

static void assoc_sec_abort(void) {
  static int diag = GS_HS_PEER_NOT_AUTHORIZED;
  ts_world w;
  conn c;
  conn_open(&c, 40006);
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.a.cfg.peer_check = refuse_with;
  w.a.cfg.peer_check_user = &diag;
  CHECK(ts_world_start(&w));
  if (handshake(&w, &c, true, false) == GS_OK) {
    fprintf(stderr, "wireshark_gen: the initiator's peer check did not refuse\n");
    fails++;
  }
  EXPECT(pass(&c, 0, w.sa, w.a.ep, w.sb), GS_ERR_ABORTED);
  conn_close(&c);
  ts_world_free(&w);
}

static void assoc_dt_abort(gs_dermodel *m) {
  static uint8_t pdu[PDU_CAP], bad[PDU_CAP], fr[PDU_CAP + 4], plain[PDU_CAP];
  ts_world w;
  conn c;
  gs_mms_arena a;
  gs_mms_pdu req;
  (void)m;
  conn_open(&c, 40007);
  CHECK(start(&w, GS_OFFER_ETM));
  CHECK(handshake(&w, &c, true, false));
  gs_mms_arena_init(&a, nodes, 256, names, 32);
  CHECK(gs_dermodel_build_read(&req, 30, "DER1", read_items, 1, &a));
  mms_encode(2, &req);
  CHECK(gs_session_send(w.sa, now, mms_buf[2], mms_len[2]));
  size_t len = 0, blen = 0;
  CHECK(gs_session_pop_output(w.sa, pdu, PDU_CAP, &len));
  gs_secpdu x;
  CHECK(gs_secpdu_decode(&x, pdu, len));
  x.u.xfer.tbp.token2.has_iv = false; /* the CBC IV removed on the way */
  CHECK(gs_secpdu_encode(&x, bad, sizeof(bad), &blen));
  size_t n = frame(bad, blen, fr);
  segment(&c, 0, TCP_PSH | TCP_ACK, fr, n);
  gs_rx rx;
  if (gs_session_receive(w.sb, bad, blen, now, plain, sizeof(plain), &rx) == GS_OK) {
    fprintf(stderr, "wireshark_gen: the PDU without iv was accepted\n");
    fails++;
  }
  CHECK(pass(&c, 1, w.sb, w.b.ep, NULL));
  conn_close(&c);
  ts_world_free(&w);
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 4) {
    fputs("usage: wireshark_gen OUT.pcap [eth|sll|null] [4|6]\n", stderr);
    return 2;
  }
  if (argc > 2) {
    linktype = strcmp(argv[2], "sll") == 0 ? 113 : strcmp(argv[2], "null") == 0 ? 0 : 1;
  }
  if (argc > 3) {
    ipver = atoi(argv[3]) == 6 ? 6 : 4;
  }
  out = fopen(argv[1], "wb");
  if (out == NULL) {
    perror(argv[1]);
    return 1;
  }
  pcap_header();
  gs_dermodel m;
  CHECK(gs_dermodel_init(&m, "DER1", 5000.0f, 42));
  CHECK(gs_dermodel_step(&m, now));
  assoc_aead(&m);
  assoc_integrity(&m);
  assoc_etm(&m);
  assoc_app_reject();
  assoc_sec_reject();
  assoc_sec_abort();
  assoc_dt_abort(&m);
  if (fclose(out) != 0) {
    perror(argv[1]);
    return 1;
  }
  return fails == 0 ? 0 : 1;
}
