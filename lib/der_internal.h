/* Internal helpers of the DER codec shared by lib/der*.c and lib/pdu_*.c
 * (the session layer uses the sender's time-stamp cache).
 * Not part of the public API (not exported from libgridseal.so); unit tests
 * and fuzz targets link the static core and may use them. */
#ifndef GRIDSEAL_DER_INTERNAL_H
#define GRIDSEAL_DER_INTERNAL_H

#include "gridseal/unstable/der.h"
#include "gridseal/unstable/pdu.h"

/* "YYYYMMDDHHMMSS.fffZ" */
#define GS_GTIME_MAX_LEN 19u
/* 9999-12-31T23:59:59.999Z in ms since the epoch. */
#define GS_GTIME_MAX_MS 253402300799999LL

/* Tag and length at r->p: *hdr = tag + length octets, *clen = content
 * length (fits in the level). Errors as gs_der_read_any(). */
int gs_der_parse_header(const gs_der_reader *r, uint32_t *tag, size_t *hdr, size_t *clen);

/* Walk the whole element tree of buf[0..len) without interpreting it:
 * exactly one top element, every tag, minimal definite length and depth
 * (<= GS_MAX_DER_DEPTH) checked. GS_ERR_DER_TOO_LARGE over 64 KiB. */
int gs_der_validate(const uint8_t *buf, size_t len);

/* Content checks shared by reader and writer. */
int gs_der_oid_check(const uint8_t *p, size_t len); /* BAD_OID */
bool gs_der_printable_char(uint8_t ch);
int gs_der_printable_check(const uint8_t *p, size_t len, size_t min,
                           size_t max);                            /* BAD_SIZE, BAD_STRING */
int gs_gtime_parse(const uint8_t *s, size_t len, gs_time_ms *out); /* BAD_TIME */
/* "YYYYMMDDHHMMSSZ" exactly (no fraction), years 0000..9999, as seconds
 * since the epoch (negative before 1970). GS_ERR_DER_BAD_TIME otherwise. */
int gs_gtime_parse_s(const uint8_t *s, size_t len, int64_t *out_s);
/* The library's one civil-date conversion (proleptic Gregorian, UTC): a
 * date and time to milliseconds since the epoch. Strict: year 0..9999,
 * month 1..12, day 1..the length of that month (29 February only in leap
 * years), hour 0..23, minute 0..59, second 0..59; GS_ERR_DER_BAD_TIME
 * otherwise and *out untouched. pki/ converts certificate times with it. */
int gs_civil_to_ms(int year, int mon, int day, int hh, int mm, int ss, gs_time_ms *out);
int gs_gtime_format(gs_time_ms t, uint8_t out[GS_GTIME_MAX_LEN], size_t *len);
/* A sender's last formatted second ("YYYYMMDDHHMMSS"): data PDUs of one
 * association mostly fall into the same second, so only the milliseconds
 * are formatted again. Zero-initialised = empty. Same octets as
 * gs_gtime_format(). */
typedef struct gs_gtime_cache {
  int64_t sec; /* t / 1000 of s14, valid when `set` */
  bool set;
  uint8_t s14[14];
} gs_gtime_cache;
int gs_gtime_format_cached(gs_time_ms t, gs_gtime_cache *tc, uint8_t out[GS_GTIME_MAX_LEN],
                           size_t *len);
void gs_der_write_gtime_cached(gs_der_writer *w, uint32_t tag, gs_time_ms t, gs_gtime_cache *tc);

/* Record `err` in w->err unless an earlier error is already there. */
void gs_der_writer_fail(gs_der_writer *w, int err);

/* ------------------------------------------------ PDU building blocks
 * (lib/pdu_common.c). Readers consume one element from r; writers append
 * one element to w after validating it (errors land in w->err). */
/* An AlgorithmIdentifier of a profile algorithm must be exactly its
 * canonical encoding (parameters absent): anything else, an added NULL
 * included, is GS_ERR_DER_BAD_PARAMS. An unknown OID may carry absent or
 * NULL parameters (params_null); it is refused where it is selected. */
int gs_pdu_read_algid(gs_der_reader *r, gs_algid *a);
void gs_pdu_write_algid(gs_der_writer *w, const gs_algid *a);
/* The canonical AlgorithmIdentifier element of `alg` into buf[0..cap). */
int gs_algid_canonical(gs_alg alg, uint8_t *buf, size_t cap, size_t *len);
int gs_pdu_read_assoid(gs_der_reader *r, gs_slice *id, bool want_full);
void gs_pdu_write_assoid(gs_der_writer *w, gs_slice id, bool want_full);
/* SEQUENCE SIZE (1..max) OF OCTET STRING with tag `tag`. */
int gs_pdu_read_octets_list(gs_der_reader *r, uint32_t tag, gs_slice *items, size_t max, size_t *n);
void gs_pdu_write_octets_list(gs_der_writer *w, uint32_t tag, const gs_slice *items, size_t n,
                              size_t max);
int gs_pdu_read_dh_set(gs_der_reader *r, gs_dhkey *dh, size_t *n);
void gs_pdu_write_dh_set(gs_der_writer *w, const gs_dhkey *dh, size_t n);
int gs_pdu_read_encr_mode(gs_der_reader *r, gs_encr_mode *m);
void gs_pdu_write_encr_mode(gs_der_writer *w, const gs_encr_mode *m);
int gs_pdu_read_conf(gs_der_reader *r, uint8_t *bits);
void gs_pdu_write_conf(gs_der_writer *w, uint8_t bits);
/* A primitive OCTET STRING field; `p` may be NULL only when len == 0. */
void gs_pdu_write_octets(gs_der_writer *w, uint32_t tag, gs_slice s);

/* Type bodies (pdu_handshake.c, pdu_transfer.c, pdu_notice.c): read the
 * content of an already entered element / write a whole element. */
int gs_pdu_read_handshake_body(gs_der_reader *r, gs_handshake *hs);
void gs_pdu_write_handshake(gs_der_writer *w, uint32_t tag, const gs_handshake *hs);
void gs_pdu_write_tbs_handshake(gs_der_writer *w, const gs_tbs_handshake *tbs);
int gs_pdu_read_transfer_body(gs_der_reader *r, gs_transfer *x, bool auth_required);
void gs_pdu_write_transfer(gs_der_writer *w, uint32_t tag, const gs_transfer *x,
                           bool auth_required);
void gs_pdu_write_tbp(gs_der_writer *w, const gs_tbp *tbp);
void gs_pdu_write_token2(gs_der_writer *w, const gs_token2 *t2);
/* gs_token2_encode() with the sender's time-stamp cache (same octets). */
int gs_token2_encode_cached(const gs_token2 *t2, gs_gtime_cache *tc, uint8_t *buf, size_t cap,
                            size_t *len);
int gs_pdu_read_notice_body(gs_der_reader *r, gs_notice *n);
void gs_pdu_write_notice(gs_der_writer *w, uint32_t tag, const gs_notice *n);
void gs_pdu_write_tbs_notice(gs_der_writer *w, const gs_tbs_notice *tbs);

/* Run a writer function into buf and return its length (shared by the
 * standalone *_encode functions). */
int gs_pdu_finish(const gs_der_writer *w, size_t *len);

#endif
