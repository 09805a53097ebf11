/* gridseal tests: helpers for running Wycheproof JSON vectors through the
 * gs_crypto interface — loading, hex, and the verdict bookkeeping. */
#ifndef GRIDSEAL_TEST_WYCHEPROOF_UTIL_H
#define GRIDSEAL_TEST_WYCHEPROOF_UTIL_H

#include <gridseal/crypto_openssl.h>

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Per-file counts, printed at the end of each file. */
typedef struct wp_counts {
  const char *file;
  unsigned total;
  unsigned valid_ok;      /* 'valid' cases accepted */
  unsigned invalid_rej;   /* 'invalid' cases rejected */
  unsigned acceptable;    /* 'acceptable' cases decided per the flag table */
  unsigned na;            /* outside the interface */
  unsigned na_rejected;   /* ... of which the interface refused (GS_ERR_BAD_LENGTH) */
  unsigned truncated;     /* cases compared on a truncated MAC prefix */
  unsigned conv_rejected; /* refused by the test's strict input conversion */
  unsigned failures;      /* mismatches */
} wp_counts;

/* Load tests/vectors/wycheproof/<name> (GS_SRC_DIR); NULL on failure. */
json_t *wp_load(const char *name);
/* Decode the hex string member `key` of `obj` (malloc'd, at least 1 octet
 * allocated; *len is the decoded length). Aborts the test on bad hex. */
uint8_t *wp_hex(const json_t *obj, const char *key, size_t *len);
/* Integer member, or -1. */
long wp_int(const json_t *obj, const char *key);

/* Record one case: `accepted` is what our interface decided. Compares with
 * the case's result (valid/invalid/acceptable + flag table) and counts. */
void wp_check(wp_counts *c, const json_t *tc, bool accepted);
/* Record a case outside the interface; `refused` = our interface said
 * GS_ERR_BAD_LENGTH when asked (false if it cannot be asked). */
void wp_not_applicable(wp_counts *c, const json_t *tc, bool asked, bool refused);
/* Print the counts; returns the failure count. */
unsigned wp_report(const wp_counts *c);

/* Public-key case runners (test_wycheproof_pk.c). */
void wp_ecdh_ecpoint_case(wp_counts *c, const json_t *group, const json_t *tc);
void wp_ecdh_spki_case(wp_counts *c, const json_t *group, const json_t *tc);
void wp_x25519_case(wp_counts *c, const json_t *group, const json_t *tc);
void wp_sig_case(wp_counts *c, const json_t *group, const json_t *tc);

/* Shared provider for all files. */
gs_crypto *wp_crypto(void);

#endif
