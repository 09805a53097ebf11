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
