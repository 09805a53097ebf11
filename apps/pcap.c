/* The capture reader and TCP framing of `gridseal inspect` (pcap.h). */
#include "pcap.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRAME_HDR 4u
#define FRAME_MAX (FRAME_HDR + GS_FRAME_MAX_PDU)

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p) {
  return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p, bool swap) {
  return swap ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
              : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

int gs_frame_next(const uint8_t *buf, size_t len, size_t *off, const uint8_t **pdu, size_t *pdu_len,
                  char *err, size_t errcap) {
  size_t o = *off;
  if (o == len) {
    return 0;
  }
  if (len - o < FRAME_HDR) {
    snprintf(err, errcap, "offset %zu: truncated frame length (%zu of 4 octets)", o, len - o);
    return -1;
  }
  uint32_t n = be32(buf + o);
  if (n == 0 || n > GS_FRAME_MAX_PDU) {
    snprintf(err, errcap, "offset %zu: frame length %u outside 1..%u", o, (unsigned)n,
             GS_FRAME_MAX_PDU);
    return -1;
  }
  if (len - o - FRAME_HDR < n) {
    snprintf(err, errcap, "offset %zu: truncated frame (%zu of %u octets)", o, len - o - FRAME_HDR,
             (unsigned)n);
    return -1;
  }
  *pdu = buf + o + FRAME_HDR;
  *pdu_len = n;
  *off = o + FRAME_HDR + n;
  return 1;
}

/* ---- TCP directions ------------------------------------------------ */

typedef struct flow {
  bool used;
  uint8_t ipv;
  uint8_t src[16], dst[16];
  uint16_t sport, dport;
  bool have_seq;
  bool dead; /* after a flow error, until the next SYN */
  uint32_t next_seq;
  uint8_t *buf; /* FRAME_MAX octets, allocated on first payload */
  size_t fill;
} flow;

typedef struct scan {
  const uint8_t *cap;
  gs_pcap_cb cb;
  void *user;
  uint16_t lo, hi;
  flow flows[GS_PCAP_MAX_FLOWS];
  bool full_reported;
  gs_pcap_item it;
  char msg[160];
} scan;

static void addr_str(char *out, size_t cap, uint8_t ipv, const uint8_t *a, uint16_t port) {
  char ip[INET6_ADDRSTRLEN];
  if (inet_ntop(ipv == 4 ? AF_INET : AF_INET6, a, ip, sizeof(ip)) == NULL) {
    snprintf(ip, sizeof(ip), "?");
  }
  snprintf(out, cap, ipv == 4 ? "%s:%u" : "[%s]:%u", ip, (unsigned)port);
}

static void item_addrs(scan *s, const flow *f) {
  addr_str(s->it.src, sizeof(s->it.src), f->ipv, f->src, f->sport);
  addr_str(s->it.dst, sizeof(s->it.dst), f->ipv, f->dst, f->dport);
}

static int flow_error(scan *s, flow *f, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int flow_error(scan *s, flow *f, const char *fmt, ...) {
  item_addrs(s, f);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
  va_end(ap);
  s->it.what = GS_PCAP_FLOW_ERROR;
  s->it.error = s->msg;
  s->it.pdu = NULL;
  s->it.pdu_len = 0;
  f->dead = true;
  f->fill = 0;
  return s->cb(s->user, &s->it);
}

static flow *flow_find(scan *s, uint8_t ipv, const uint8_t *src, const uint8_t *dst, uint16_t sport,
                       uint16_t dport, bool *full) {
  size_t al = ipv == 4 ? 4 : 16;
  flow *free_slot = NULL;
  *full = false;
  for (size_t i = 0; i < GS_PCAP_MAX_FLOWS; i++) {
    flow *f = &s->flows[i];
    if (!f->used) {
      if (free_slot == NULL) {
        free_slot = f;
      }
      continue;
    }
    if (f->ipv == ipv && f->sport == sport && f->dport == dport && memcmp(f->src, src, al) == 0 &&
        memcmp(f->dst, dst, al) == 0) {
      return f;
    }
  }
  if (free_slot == NULL) {
    *full = true;
    return NULL;
  }
  memset(free_slot, 0, sizeof(*free_slot));
  free_slot->used = true;
  free_slot->ipv = ipv;
  memcpy(free_slot->src, src, al);
  memcpy(free_slot->dst, dst, al);
  free_slot->sport = sport;
  free_slot->dport = dport;
  return free_slot;
}

static void flow_release(flow *f) {
  free(f->buf);
  memset(f, 0, sizeof(*f));
}

/* Append in-order payload and hand out every complete frame. */
static int flow_data(scan *s, flow *f, const uint8_t *p, size_t n) {
  while (n > 0) {
    if (f->buf == NULL) {
      f->buf = malloc(FRAME_MAX);
      if (f->buf == NULL) {
        return flow_error(s, f, "out of memory for the reassembly");
      }
    }
    size_t want = FRAME_HDR;
    if (f->fill >= FRAME_HDR) {
      uint32_t len = be32(f->buf);
      want = FRAME_HDR + len;
    }
    size_t take = want - f->fill < n ? want - f->fill : n;
    memcpy(f->buf + f->fill, p, take);
    f->fill += take;
    p += take;
    n -= take;
    if (f->fill == FRAME_HDR) {
      uint32_t len = be32(f->buf);
      if (len == 0 || len > GS_FRAME_MAX_PDU) {
        return flow_error(s, f, "frame length %u outside 1..%u: the receiver closes the connection",
                          (unsigned)len, GS_FRAME_MAX_PDU);
      }
      continue;
    }
    if (f->fill >= FRAME_HDR && f->fill == FRAME_HDR + be32(f->buf)) {
      item_addrs(s, f);
      s->it.what = GS_PCAP_PDU;
      s->it.pdu = f->buf + FRAME_HDR;
      s->it.pdu_len = f->fill - FRAME_HDR;
      s->it.error = NULL;
      f->fill = 0;
      int rc = s->cb(s->user, &s->it);
      if (rc != 0) {
        return rc;
      }
    }
  }
  return 0;
}

enum { TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04 };

static int tcp_segment(scan *s, uint8_t ipv, const uint8_t *src, const uint8_t *dst,
                       const uint8_t *t, size_t n, bool cut) {
  if (n < 20) {
    return 0; /* not even a TCP header: nothing to follow */
  }
  uint16_t sport = be16(t), dport = be16(t + 2);
  if (!((sport >= s->lo && sport <= s->hi) || (dport >= s->lo && dport <= s->hi))) {
    return 0;
  }
  size_t hl = (size_t)(t[12] >> 4) * 4;
  uint8_t flags = t[13];
  uint32_t seq = be32(t + 4);
  bool full;
  flow *f = flow_find(s, ipv, src, dst, sport, dport, &full);
  if (f == NULL) {
    if (!s->full_reported) {
      s->full_reported = true;
      flow tmp = {.ipv = ipv, .sport = sport, .dport = dport};
      memcpy(tmp.src, src, ipv == 4 ? 4 : 16);
      memcpy(tmp.dst, dst, ipv == 4 ? 4 : 16);
      return flow_error(s, &tmp,
                        "more than %d TCP directions at once: later connections are not followed",
                        GS_PCAP_MAX_FLOWS);
    }
    return 0;
  }
  if (hl < 20 || hl > n) {
    return f->dead ? 0 : flow_error(s, f, "bad TCP header length %zu", hl);
  }
  if (flags & TH_SYN) {
    f->have_seq = true;
    f->next_seq = seq + 1;
    f->fill = 0;
    f->dead = false;
    seq++;
  }
  const uint8_t *p = t + hl;
  size_t len = n - hl;
  int rc = 0;
  if (!f->dead && len > 0) {
    if (cut) {
      return flow_error(s, f, "segment cut short by the snapshot length (%zu octets captured)",
                        len);
    }
    if (!f->have_seq) {
      f->have_seq = true;
      f->next_seq = seq;
    }
    uint32_t d = seq - f->next_seq;
    if (d != 0 && d < 0x80000000u) {
      return flow_error(s, f, "TCP segment missing: %u octets not in the capture", (unsigned)d);
    }
    size_t overlap = d == 0 ? 0 : (size_t)(f->next_seq - seq); /* retransmission */
    if (overlap < len) {
      f->next_seq += (uint32_t)(len - overlap);
      rc = flow_data(s, f, p + overlap, len - overlap);
    }
  }
  if (rc == 0 && (flags & (TH_FIN | TH_RST))) {
    if (!f->dead && f->fill > 0) {
      rc = flow_error(s, f, "connection ended inside a frame (%zu octets buffered)", f->fill);
    }
    flow_release(f);
  }
  return rc;
}

static int ip_packet(scan *s, const uint8_t *p, size_t n, bool cut) {
  if (n < 1) {
    return 0;
  }
  if ((p[0] >> 4) == 4) {
    if (n < 20) {
      return 0;
    }
    size_t ihl = (size_t)(p[0] & 0x0f) * 4;
    size_t tot = be16(p + 2);
    if (ihl < 20 || tot < ihl || ihl > n) {
      return 0;
    }
    if (tot <= n) {
      n = tot; /* Ethernet padding */
    } else {
      cut = true;
    }
    uint16_t frag = be16(p + 6);
    if (p[9] != 6 || (frag & 0x3fff) != 0) {
      return 0; /* not TCP, or a fragment */
    }
    return tcp_segment(s, 4, p + 12, p + 16, p + ihl, n - ihl, cut);
  }
  if ((p[0] >> 4) == 6) {
    if (n < 40) {
      return 0;
    }
    size_t plen = be16(p + 4);
    if (40 + plen <= n) {
      n = 40 + plen;
    } else {
      cut = true;
    }
    uint8_t nh = p[6];
    size_t off = 40;
    for (int i = 0; i < 8 && (nh == 0 || nh == 43 || nh == 60); i++) {
      if (off + 8 > n) {
        return 0;
      }
      nh = p[off];
      off += ((size_t)p[off + 1] + 1) * 8;
    }
    if (nh != 6 || off > n) {
      return 0;
    }
    return tcp_segment(s, 6, p + 8, p + 24, p + off, n - off, cut);
  }
  return 0;
}

static int link_packet(scan *s, uint32_t linktype, const uint8_t *p, size_t n, bool cut) {
  uint16_t et;
  switch (linktype) {
  case 1: { /* Ethernet */
    size_t off = 12;
    if (n < 14) {
      return 0;
    }
    et = be16(p + off);
    for (int i = 0; i < 2 && (et == 0x8100 || et == 0x88a8); i++) {
      off += 4;
      if (off + 2 > n) {
        return 0;
      }
      et = be16(p + off);
    }
    off += 2;
    return (et == 0x0800 || et == 0x86dd) ? ip_packet(s, p + off, n - off, cut) : 0;
  }
  case 113: /* Linux cooked v1 */
    if (n < 16) {
      return 0;
    }
    et = be16(p + 14);
    return (et == 0x0800 || et == 0x86dd) ? ip_packet(s, p + 16, n - 16, cut) : 0;
  case 276: /* Linux cooked v2 */
    if (n < 20) {
      return 0;
    }
    et = be16(p);
    return (et == 0x0800 || et == 0x86dd) ? ip_packet(s, p + 20, n - 20, cut) : 0;
  case 0:   /* BSD loopback, family in host order of the writer */
  case 108: /* OpenBSD loopback, network order */
    return n < 4 ? 0 : ip_packet(s, p + 4, n - 4, cut);
  default: /* 101, 228, 229: raw IP */
    return ip_packet(s, p, n, cut);
  }
}

int gs_pcap_scan(const uint8_t *buf, size_t len, uint16_t port_lo, uint16_t port_hi, gs_pcap_cb cb,
                 void *user, char *err, size_t errcap) {
  if (len < 24) {
    snprintf(err, errcap, "not a pcap capture: %zu octets, shorter than the 24-octet file header",
             len);
    return -1;
  }
  uint32_t magic = be32(buf);
  bool swap, nano;
  if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u) { /* little-endian writer */
    swap = false;
    nano = magic == 0x4d3cb2a1u;
  } else if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du) {
    swap = true;
    nano = magic == 0xa1b23c4du;
  } else if (magic == 0x0a0d0d0au) {
    snprintf(err, errcap, "pcapng is not supported: convert with `editcap -F pcap IN OUT`");
    return -1;
  } else {
    snprintf(err, errcap, "not a pcap capture: bad magic %08x", (unsigned)magic);
    return -1;
  }
  unsigned vmaj = swap ? be16(buf + 4) : (unsigned)(buf[5] << 8 | buf[4]);
  if (vmaj != 2) {
    snprintf(err, errcap, "unsupported pcap version %u", vmaj);
    return -1;
  }
  uint32_t snaplen = rd32(buf + 16, swap);
  uint32_t linktype = rd32(buf + 20, swap) & 0x0fffffffu;
  switch (linktype) {
  case 0:
  case 1:
  case 101:
  case 108:
  case 113:
  case 228:
  case 229:
  case 276:
    break;
  default:
    snprintf(err, errcap, "link type %u not supported (Ethernet, loopback, Linux cooked, raw IP)",
             (unsigned)linktype);
    return -1;
  }
  scan *s = calloc(1, sizeof(*s));
  if (s == NULL) {
    snprintf(err, errcap, "out of memory");
    return -1;
  }
  s->cap = buf;
  s->cb = cb;
  s->user = user;
  s->lo = port_lo;
  s->hi = port_hi;
  size_t off = 24;
  uint32_t rec = 0;
  int rc = 0;
  while (rc == 0 && off < len) {
    rec++;
    if (len - off < 16) {
      snprintf(err, errcap, "record %u: truncated record header (%zu of 16 octets)", (unsigned)rec,
               len - off);
      rc = -1;
      break;
    }
    uint32_t ts = rd32(buf + off, swap), tfrac = rd32(buf + off + 4, swap);
    uint32_t incl = rd32(buf + off + 8, swap), orig = rd32(buf + off + 12, swap);
    if (incl > GS_PCAP_MAX_RECORD || (snaplen > 0 && incl > snaplen)) {
      snprintf(err, errcap, "record %u: captured length %u above the snapshot length %u or %u",
               (unsigned)rec, (unsigned)incl, (unsigned)snaplen, GS_PCAP_MAX_RECORD);
      rc = -1;
      break;
    }
    if (len - off - 16 < incl) {
      snprintf(err, errcap, "record %u: truncated (%zu of %u octets)", (unsigned)rec,
               len - off - 16, (unsigned)incl);
      rc = -1;
      break;
    }
    s->it.frame = rec;
    s->it.time_ms = (int64_t)ts * 1000 + (nano ? tfrac / 1000000u : tfrac / 1000u);
    (void)orig; /* a record cut short shows in the IP length */
    rc = link_packet(s, linktype, buf + off + 16, incl, false);
    off += 16 + (size_t)incl;
  }
  if (rc == 0) {
    for (size_t i = 0; i < GS_PCAP_MAX_FLOWS && rc == 0; i++) {
      flow *f = &s->flows[i];
      if (f->used && !f->dead && f->fill > 0) {
        rc = flow_error(s, f, "capture ends inside a frame (%zu octets buffered)", f->fill);
      }
    }
  }
  for (size_t i = 0; i < GS_PCAP_MAX_FLOWS; i++) {
    flow_release(&s->flows[i]);
  }
  free(s);
  return rc;
}
