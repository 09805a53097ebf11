/* gridseal CLI: the capture reader of `gridseal inspect --pcap` and the TCP
 * framing of docs/PROTOCOL.md §9.1 (4-octet big-endian length n, then n
 * octets of DER, 1 <= n <= 65536). libc only, no I/O: the caller hands in
 * the whole capture (or framed stream) as a buffer.
 *
 * Capture format: classic libpcap (magic a1b2c3d4 or a1b23c4d, either byte
 * order, version 2.4), link types Ethernet (1, with up to two VLAN tags),
 * BSD loopback (0, 108), Linux cooked (113, 276) and raw IP (101, 228,
 * 229); IPv4 (unfragmented) and IPv6 (hop-by-hop, routing and destination
 * options headers skipped; fragments skipped); TCP segments whose source
 * or destination port is in the given range. Each direction of each TCP
 * connection is reassembled in sequence order into frames. Bounded: at most
 * GS_PCAP_MAX_FLOWS directions at once, one frame (65540 octets) buffered
 * per direction, records of at most GS_PCAP_MAX_RECORD octets. */
#ifndef GS_APPS_PCAP_H
#define GS_APPS_PCAP_H

#include <stddef.h>
#include <stdint.h>

#define GS_FRAME_MAX_PDU 65536u /* = GS_MAX_PDU_SIZE */
#define GS_PCAP_MAX_FLOWS 256
#define GS_PCAP_MAX_RECORD 262144u

/* What the scanner reports. */
typedef enum gs_pcap_what {
  GS_PCAP_PDU = 0,       /* one complete frame: pdu/pdu_len is its DER */
  GS_PCAP_FLOW_ERROR = 1 /* this direction cannot be followed further (message
                            in `error`): bad frame length, missing segment,
                            record cut by the snapshot length, ... */
} gs_pcap_what;

typedef struct gs_pcap_item {
  gs_pcap_what what;
  uint32_t frame;        /* capture record (from 1) that completed the PDU */
  int64_t time_ms;       /* that record's time, ms since 1970 */
  char src[56], dst[56]; /* "ADDR:PORT" or "[ADDR6]:PORT" */
  const uint8_t *pdu;    /* valid during the callback only */
  size_t pdu_len;
  const char *error;
} gs_pcap_item;

/* Return 0 to go on, anything else to stop the scan with that value. */
typedef int (*gs_pcap_cb)(void *user, const gs_pcap_item *item);

/* Scan a classic pcap capture. Only TCP segments with a port in
 * [port_lo, port_hi] are followed. Returns 0 when the whole capture was
 * read, the callback's value if it stopped the scan, or -1 when the file
 * itself is bad (wrong magic, truncated header or record, record longer
 * than the snapshot length or GS_PCAP_MAX_RECORD, unsupported link type):
 * `err` then says what and where ("record 3: ..."). Flow errors are
 * reported through the callback and the scan goes on. */
int gs_pcap_scan(const uint8_t *buf, size_t len, uint16_t port_lo, uint16_t port_hi, gs_pcap_cb cb,
                 void *user, char *err, size_t errcap);

/* Split a stream in the TCP framing into frames. For each complete frame
 * (*pdu, *pdu_len) is set and 1 returned, with *off advanced; 0 at the clean
 * end of the stream; -1 with `err` set for a bad length (0 or above 65536),
 * a truncated length prefix or a truncated body. */
int gs_frame_next(const uint8_t *buf, size_t len, size_t *off, const uint8_t **pdu, size_t *pdu_len,
                  char *err, size_t errcap);

#endif
