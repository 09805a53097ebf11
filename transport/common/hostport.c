/* "HOST:PORT" parsing of every transport (hostport.h). */
#include "hostport.h"

#include <string.h>

#include "gridseal/error.h"

static int parse_port(const char *s, uint16_t *port, bool allow_zero) {
  if (*s == '\0' || strlen(s) > 5) {
    return GS_ERR_INVALID_ARG;
  }
  unsigned long v = 0;
  for (const char *p = s; *p != '\0'; p++) {
    if (*p < '0' || *p > '9') {
      return GS_ERR_INVALID_ARG;
    }
    v = v * 10 + (unsigned long)(*p - '0');
  }
  if (v > 65535 || (v == 0 && !allow_zero)) {
    return GS_ERR_INVALID_ARG;
  }
  *port = (uint16_t)v;
  return GS_OK;
}

int gs_tc_parse_hostport(const char *s, char host[GS_TC_HOST_MAX], uint16_t *port,
                         bool allow_zero) {
  if (s == NULL || host == NULL || port == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  const char *hs = s, *he, *colon;
  if (*s == '[') {
    hs = s + 1;
    he = strchr(hs, ']');
    if (he == NULL || he[1] != ':') {
      return GS_ERR_INVALID_ARG;
    }
    colon = he + 1;
  } else {
    colon = strrchr(s, ':');
    if (colon == NULL || memchr(s, ':', (size_t)(colon - s)) != NULL) {
      return GS_ERR_INVALID_ARG; /* IPv6 literals need brackets */
    }
    he = colon;
  }
  size_t n = (size_t)(he - hs);
  if (n == 0 || n >= GS_TC_HOST_MAX) {
    return GS_ERR_INVALID_ARG;
  }
  for (size_t i = 0; i < n; i++) {
    if (hs[i] == ' ' || hs[i] == '[' || hs[i] == ']' || (unsigned char)hs[i] < 0x21) {
      return GS_ERR_INVALID_ARG;
    }
  }
  int rc = parse_port(colon + 1, port, allow_zero);
  if (rc != GS_OK) {
    return rc;
  }
  memcpy(host, hs, n);
  host[n] = '\0';
  return GS_OK;
}

int gs_tc_hostport_pick(const char *list, unsigned index, char host[GS_TC_HOST_MAX],
                        uint16_t *port) {
  if (list == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  char one[GS_TC_HOST_MAX + 8];
  char h[GS_TC_HOST_MAX];
  uint16_t pt = 0;
  unsigned count = 0;
  const char *p = list;
  for (;;) {
    const char *e = strchr(p, ',');
    size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
    if (n == 0 || n >= sizeof one || count == GS_TC_SERVERS_MAX) {
      return GS_ERR_INVALID_ARG;
    }
    memcpy(one, p, n);
    one[n] = '\0';
    if (gs_tc_parse_hostport(one, h, &pt, false) != GS_OK) {
      return GS_ERR_INVALID_ARG;
    }
    count++;
    if (e == NULL) {
      break;
    }
    p = e + 1;
  }
  /* second pass: the chosen entry */
  unsigned want = index % count, i = 0;
  p = list;
  for (;; i++) {
    const char *e = strchr(p, ',');
    size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
    if (i == want) {
      memcpy(one, p, n);
      one[n] = '\0';
      (void)gs_tc_parse_hostport(one, h, &pt, false);
      break;
    }
    p = e + 1;
  }
  if (host != NULL) {
    memcpy(host, h, strlen(h) + 1);
  }
  if (port != NULL) {
    *port = pt;
  }
  return (int)count;
}
