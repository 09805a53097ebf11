/* `gridseal inspect`: decode SecPDUs given as hex, base64 or raw DER (one
 * or several, back to back), in the TCP framing (--framed), or out of a
 * pcap capture (--pcap), and print them as trees or JSON lines (--json). */
#include <ctype.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "gridseal/unstable/pdu.h"
#include "inspect.h"
#include "pcap.h"
#include "pki_issue.h"
#include "util.h"

#define INSPECT_MAX_INPUT (64u * GS_MAX_PDU_SIZE)
#define INSPECT_MAX_PCAP (256u * 1024u * 1024u)

_Static_assert(GS_FRAME_MAX_PDU == GS_MAX_PDU_SIZE, "framing limit = PDU limit");

void gs_cmd_inspect_usage(FILE *f) {
  fputs("usage: gridseal inspect [--json] [--framed] [FILE|-]\n"
        "       gridseal inspect [--json] [--port LO[-HI]] --pcap FILE\n\n"
        "Decode SecPDUs and print their fields: kind, tokens (assoID, time, seq, iv,\n"
        "rekey, flags, algorithms), certificate subjects, diagnostics, and applData\n"
        "decoded as MMS where it is in the clear.\n\n"
        "  FILE|-         raw DER, hex or base64 (detected); several SecPDUs may follow\n"
        "                 one another (default: standard input)\n"
        "  --framed       the input is in the TCP framing (docs/PROTOCOL.md §9.1): each\n"
        "                 SecPDU preceded by its 4-octet big-endian length\n"
        "  --pcap FILE    read a classic libpcap capture (Ethernet, loopback, Linux\n"
        "                 cooked, raw IP; IPv4/IPv6) and reassemble the framing of each\n"
        "                 TCP direction\n"
        "  --port LO[-HI] TCP ports followed in the capture (default 7001-7099, as the\n"
        "                 Wireshark dissector)\n"
        "  --json         one JSON object per SecPDU and line; the keys are the Wireshark\n"
        "                 dissector's field names without \"gridseal.\" (docs/WIRESHARK.md)\n\n"
        "Exit 1 if any input does not decode (strict DER, docs/PROTOCOL.md limits), 2 on\n"
        "wrong usage.\n",
        f);
}

typedef struct insp {
  bool json;
  const char *name; /* input name for messages */
  unsigned count;   /* SecPDUs seen */
  unsigned errors;
} insp;

/* Decode and print one SecPDU. `frame` > 0: the pcap record; framed: the
 * frame length is shown. */
static void one_pdu(insp *in, const uint8_t *der, size_t len, const char *form, bool framed,
                    const gs_pcap_item *it) {
  in->count++;
  gs_secpdu pdu;
  int rc = gs_secpdu_decode(&pdu, der, len);
  char where[200];
  if (it != NULL) {
    snprintf(where, sizeof(where), "%s: frame %u, %s -> %s", in->name, (unsigned)it->frame, it->src,
             it->dst);
  } else if (in->count > 1) {
    snprintf(where, sizeof(where), "%s: SecPDU %u", in->name, in->count);
  } else {
    snprintf(where, sizeof(where), "%s", in->name);
  }
  if (in->json) {
    gs_inspect_json j = {stdout, 0};
    fputc('{', stdout);
    if (it != NULL) {
      gs_inspect_json_int(&j, "frame", it->frame);
      gs_inspect_json_str(&j, "src", it->src);
      gs_inspect_json_str(&j, "dst", it->dst);
    } else {
      gs_inspect_json_int(&j, "index", in->count);
    }
    if (framed) {
      gs_inspect_json_int(&j, "frame_len", (long long)len);
    }
    if (rc == GS_OK) {
      gs_inspect_json_secpdu(&j, &pdu);
    } else {
      gs_inspect_json_int(&j, "length", (long long)len);
      gs_inspect_json_str(&j, "error", gs_strerror(rc));
      gs_inspect_json_str(&j, "errname", gs_errname(rc));
    }
    fputs("}\n", stdout);
  }
  if (rc != GS_OK) {
    gs_app_err("%s: cannot decode SecPDU (%s input, %zu octets): %s (%s)", where, form, len,
               gs_strerror(rc), gs_errname(rc));
    in->errors++;
    return;
  }
  if (in->json) {
    return;
  }
  if (it != NULL) {
    char iso[40];
    gs_app_iso_time(it->time_ms, iso, sizeof(iso));
    printf("%sframe %u  %s  %s -> %s\n", in->count > 1 ? "\n" : "", (unsigned)it->frame, iso,
           it->src, it->dst);
  }
  if (it == NULL && in->count > 1) {
    fputc('\n', stdout);
  }
  printf("SecPDU %s (%zu octets, %s)\n", gs_pdu_kind_name(pdu.kind), len, form);
  gs_inspect_secpdu(stdout, &pdu);
}

static void stream_error(insp *in, const char *msg, const gs_pcap_item *it) {
  in->errors++;
  if (in->json) {
    gs_inspect_json j = {stdout, 0};
    fputc('{', stdout);
    if (it != NULL) {
      gs_inspect_json_int(&j, "frame", it->frame);
      gs_inspect_json_str(&j, "src", it->src);
      gs_inspect_json_str(&j, "dst", it->dst);
    }
    gs_inspect_json_str(&j, "error", msg);
    fputs("}\n", stdout);
  }
  if (it != NULL) {
    gs_app_err("%s: frame %u, %s -> %s: %s", in->name, (unsigned)it->frame, it->src, it->dst, msg);
  } else {
    gs_app_err("%s: %s", in->name, msg);
  }
}

static int on_pcap(void *user, const gs_pcap_item *it) {
  insp *in = user;
  if (it->what == GS_PCAP_PDU) {
    one_pdu(in, it->pdu, it->pdu_len, "pcap", true, it);
  } else {
    stream_error(in, it->error, it);
  }
  return 0;
}

static bool parse_ports(const char *s, uint16_t *lo, uint16_t *hi) {
  char *end;
  unsigned long a = strtoul(s, &end, 10), b = a;
  if (end == s || !isdigit((unsigned char)s[0])) {
    return false;
  }
  if (*end == '-') {
    const char *t = end + 1;
    if (!isdigit((unsigned char)*t)) {
      return false;
    }
    b = strtoul(t, &end, 10);
  }
  if (*end != '\0' || a < 1 || b > 65535 || a > b) {
    return false;
  }
  *lo = (uint16_t)a;
  *hi = (uint16_t)b;
  return true;
}

/* Hex or base64 text, else raw octets. DER and framed input are told
 * apart by their first octet (a context tag [0]..[10] / a length). */
static const char *decode_input(const uint8_t *in, size_t n, bool framed, uint8_t *out, size_t cap,
                                size_t *out_len) {
  bool raw = n > 0 && (framed ? in[0] == 0 : (in[0] & 0xe0) == 0xa0);
  if (!raw) {
    long r = gs_app_hex_decode((const char *)in, n, out, cap);
    if (r > 0) {
      *out_len = (size_t)r;
      return "hex";
    }
    r = gs_app_base64_decode((const char *)in, n, out, cap);
    if (r > 0) {
      *out_len = (size_t)r;
      return "base64";
    }
    if (!framed) {
      return NULL;
    }
  }
  if (n > cap) {
    return NULL;
  }
  memcpy(out, in, n);
  *out_len = n;
  return framed ? "framed" : "DER";
}

/* Length of the DER element at buf (header + content), or 0 if the
 * header is not a definite-length one inside `len`. */
static size_t der_element_len(const uint8_t *buf, size_t len) {
  if (len < 2) {
    return 0;
  }
  size_t l = buf[1], h = 2;
  if (l & 0x80) {
    size_t k = l & 0x7f;
    if (k == 0 || k > 4 || len < 2 + k) {
      return 0;
    }
    l = 0;
    for (size_t i = 0; i < k; i++) {
      l = l << 8 | buf[2 + i];
    }
    h += k;
  }
  return l <= len - h ? h + l : 0;
}

static int inspect_stream(insp *in, const uint8_t *buf, size_t n, const char *form, bool framed) {
  size_t off = 0;
  if (framed) {
    const uint8_t *pdu;
    size_t plen;
    char err[160];
    int r;
    while ((r = gs_frame_next(buf, n, &off, &pdu, &plen, err, sizeof(err))) == 1) {
      one_pdu(in, pdu, plen, form, true, NULL);
    }
    if (r < 0) {
      stream_error(in, err, NULL);
    }
  } else {
    /* Several SecPDUs back to back: split at each outer element; a bad
     * outer header leaves the rest to one decode that reports it. */
    while (off < n) {
      size_t e = der_element_len(buf + off, n - off);
      if (e == 0) {
        e = n - off;
      }
      one_pdu(in, buf + off, e, form, false, NULL);
      off += e;
    }
  }
  if (in->count == 0 && in->errors == 0) {
    stream_error(in, "no SecPDU in the input", NULL);
  }
  return in->errors == 0 ? GS_EXIT_OK : GS_EXIT_FAIL;
}

int gs_cmd_inspect(int argc, char **argv) {
  static const struct option opts[] = {
      {"json", no_argument, NULL, 'j'},       {"framed", no_argument, NULL, 'f'},
      {"pcap", required_argument, NULL, 'p'}, {"port", required_argument, NULL, 'P'},
      {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
  insp in = {0};
  bool framed = false, port_given = false;
  const char *pcap = NULL;
  uint16_t lo = 7001, hi = 7099;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "+:", opts, NULL)) != -1) {
    switch (c) {
    case 'j':
      in.json = true;
      break;
    case 'f':
      framed = true;
      break;
    case 'p':
      pcap = optarg;
      break;
    case 'P':
      port_given = true;
      if (!parse_ports(optarg, &lo, &hi)) {
        gs_app_err("inspect: --port: '%s' is not a port or a range LO-HI within 1..65535", optarg);
        return GS_EXIT_USAGE;
      }
      break;
    case 'h':
      gs_cmd_inspect_usage(stdout);
      return GS_EXIT_OK;
    case ':':
      gs_app_err("inspect: option '%s' needs a value", argv[optind - 1]);
      return GS_EXIT_USAGE;
    default:
      gs_app_err("inspect: unknown option '%s'", argv[optind - 1]);
      return GS_EXIT_USAGE;
    }
  }
  int rest = argc - optind;
  if (pcap != NULL && (rest > 0 || framed)) {
    gs_app_err("inspect: --pcap FILE takes no other input and no --framed");
    return GS_EXIT_USAGE;
  }
  if (pcap == NULL && port_given) {
    gs_app_err("inspect: --port applies to --pcap only");
    return GS_EXIT_USAGE;
  }
  if (rest > 1) {
    gs_app_err("inspect: expected at most one FILE");
    return GS_EXIT_USAGE;
  }
  if (pcap != NULL) {
    in.name = pcap;
    uint8_t *buf;
    size_t n;
    if (gs_app_read_file(pcap, INSPECT_MAX_PCAP, &buf, &n) != 0) {
      return GS_EXIT_FAIL;
    }
    char err[200];
    int rc = gs_pcap_scan(buf, n, lo, hi, on_pcap, &in, err, sizeof(err));
    free(buf);
    if (rc < 0) {
      gs_app_err("%s: %s", pcap, err);
      return GS_EXIT_FAIL;
    }
    if (in.count == 0 && in.errors == 0) {
      gs_app_err("%s: no SecPDU on TCP ports %u-%u", pcap, (unsigned)lo, (unsigned)hi);
      return GS_EXIT_FAIL;
    }
    return in.errors == 0 ? GS_EXIT_OK : GS_EXIT_FAIL;
  }
  const char *path = rest == 1 ? argv[optind] : "-";
  in.name = strcmp(path, "-") == 0 ? "(stdin)" : path;
  uint8_t *raw;
  size_t n;
  if (gs_app_read_file(path, INSPECT_MAX_INPUT, &raw, &n) != 0) {
    return GS_EXIT_FAIL;
  }
  uint8_t *buf = malloc(INSPECT_MAX_INPUT);
  size_t len = 0;
  const char *form = buf ? decode_input(raw, n, framed, buf, INSPECT_MAX_INPUT, &len) : NULL;
  free(raw);
  if (form == NULL) {
    gs_app_err("%s: not %s in DER, hex or base64 form", in.name,
               framed ? "framed SecPDUs" : "a SecPDU");
    free(buf);
    return GS_EXIT_FAIL;
  }
  int rc = inspect_stream(&in, buf, len, form, framed);
  free(buf);
  return rc;
}
