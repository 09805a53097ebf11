/* Fuzz the RFC 5425 frame and RFC 5424 message parser (apps/syslog_fmt.h):
 * any input is a sequence of frames that each parse or fail with a named
 * error; what parses lies inside the input (MSG) or the message's value
 * store (parameters), NUL-terminated where promised. The input also goes
 * through the formatter as the values of an event, and the parsed frame
 * must give back exactly those values. */
#include <stdlib.h>
#include <string.h>

#include "syslog_fmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gs_syslog_msg M;
static char msg[GS_SYSLOG_MAX_MSG + 1];
static char frame[GS_SYSLOG_MAX_FRAME];
static volatile uint8_t sink;

static void check_parsed(const uint8_t *data, size_t size) {
  if (M.msg != NULL && (M.msg < data || M.msg + M.msg_len > data + size || M.msg_len == 0)) {
    abort();
  }
  if (M.n_sd > GS_SYSLOG_MAX_SD || M.n_params > GS_SYSLOG_MAX_PARAMS || M.facility > 23 ||
      M.severity > 7) {
    abort();
  }
  for (size_t i = 0; i < M.n_params; i++) {
    const gs_syslog_param *p = &M.params[i];
    if (p->elem >= M.n_sd || p->value < M.values ||
        p->value + p->value_len >= M.values + sizeof(M.values) || p->value[p->value_len] != '\0' ||
        p->name[0] == '\0') {
      abort();
    }
    sink ^= (uint8_t)p->name[0];
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t off = 0;
  while (off < size) {
    size_t used = 0;
    int rc = gs_syslog_parse_frame(data + off, size - off, &used, &M);
    const char *name = gs_syslog_err_name(rc);
    if (name == NULL || strcmp(name, "unknown error") == 0) {
      abort();
    }
    if (rc != GS_SYSLOG_OK) {
      if (used != 0) {
        abort();
      }
      break;
    }
    if (used == 0 || used > size - off) {
      abort();
    }
    check_parsed(data + off, used);
    off += used;
  }
  /* the whole input as one message */
  if (gs_syslog_parse(data, size, &M) == GS_SYSLOG_OK) {
    check_parsed(data, size);
  }
  /* round trip: the input (up to its first NUL) as values and the type */
  char val[1024];
  size_t n = size < sizeof(val) - 1 ? size : sizeof(val) - 1;
  memcpy(val, data, n);
  val[n] = '\0';
  if (val[0] == '\0') {
    return 0;
  }
  gs_evrec r = {0};
  r.time = (gs_time_ms)(size * 1000003u);
  r.type = val;
  r.severity = (int)(size % 8);
  r.node = val;
  r.peer = val;
  r.diag = val;
  r.diag_code = 1;
  (void)gs_evrec_str(&r, "detail", val);
  size_t mlen, flen, used;
  if (gs_syslog_format(&r, 16 + (int)(size % 8), val, 1, msg, sizeof(msg), &mlen) != 0) {
    return 0;
  }
  if (gs_syslog_frame(msg, mlen, frame, sizeof(frame), &flen) != 0 ||
      gs_syslog_parse_frame((const uint8_t *)frame, flen, &used, &M) != GS_SYSLOG_OK ||
      used != flen) {
    abort(); /* what we format always parses */
  }
  const char *keys[] = {"node", "peer", "diag", "detail"};
  for (size_t i = 0; i < 4; i++) {
    const char *v = gs_syslog_param_get(&M, keys[i]);
    if (v == NULL || strcmp(v, val) != 0) {
      abort();
    }
  }
  if (M.severity != r.severity || M.facility != 16 + (int)(size % 8) || M.msgid[0] == '\0') {
    abort();
  }
  return 0;
}
