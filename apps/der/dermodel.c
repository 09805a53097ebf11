/* The IEC 61850-7-420 DER model: plant simulation, read and write. */
#include <stdio.h>
#include <string.h>

#include "dermodel_internal.h"

#define DAY_MS 86400000LL
#define SUNRISE_H 6.0
#define SUNSET_H 18.0
#define CLOUD_SLOT_MS 600000LL /* cloud noise changes every 10 minutes */
#define STEP_MS 60000LL        /* energy integration step */

/* ------------------------------------------------------------- plant */
static uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/* A uniform value in [0, 1) for (seed, salt, k). */
static double noise01(uint64_t seed, uint64_t salt, int64_t k) {
  uint64_t h = mix64(seed ^ mix64(salt ^ (uint64_t)k));
  return (double)(h >> 11) / 9007199254740992.0;
}

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static double cloud_factor(uint64_t seed, gs_time_ms t) {
  int64_t k = floor_div(t, CLOUD_SLOT_MS);
  double frac = (double)(t - k * CLOUD_SLOT_MS) / (double)CLOUD_SLOT_MS;
  double n0 = noise01(seed, 1, k), n1 = noise01(seed, 1, k + 1);
  double c0 = 1.0 - 0.4 * n0 * n0, c1 = 1.0 - 0.4 * n1 * n1;
  return c0 + (c1 - c0) * frac;
}

float gs_dermodel_available_w(const gs_dermodel *m, gs_time_ms t) {
  int64_t day = t - floor_div(t, DAY_MS) * DAY_MS;
  double h = (double)day / 3600000.0;
  if (h <= SUNRISE_H || h >= SUNSET_H) {
    return 0.0f;
  }
  double x = (h - SUNRISE_H) / (SUNSET_H - SUNRISE_H);
  double bell = 4.0 * x * (1.0 - x);
  bell *= bell;
  return (float)((double)m->rating_w * 0.98 * bell * cloud_factor(m->seed, t));
}

/* sqrt without libm (Newton), for x >= 0. */
static double nsqrt(double x) {
  if (x <= 0.0) {
    return 0.0;
  }
  double r = x > 1.0 ? x : 1.0;
  for (int i = 0; i < 64; i++) {
    double n = 0.5 * (r + x / r);
    if (n >= r) {
      break;
    }
    r = n;
  }
  return r;
}

static float output_w(const gs_dermodel *m, gs_time_ms t, gs_dermodel_opst *opst) {
  float avail = gs_dermodel_available_w(m, t);
  if (avail <= 0.0f) {
    *opst = GS_DERMODEL_OPST_STOPPED;
    return 0.0f;
  }
  if (avail > m->wmax_spt_w) {
    *opst = GS_DERMODEL_OPST_CURTAILED;
    return m->wmax_spt_w;
  }
  *opst = GS_DERMODEL_OPST_OPERATING;
  return avail;
}

static void update(gs_dermodel *m, gs_time_ms t) {
  m->w = output_w(m, t, &m->opst);
  double pf = m->pf_spt < 0.0f ? -(double)m->pf_spt : (double)m->pf_spt;
  double q = (double)m->w * nsqrt(1.0 - pf * pf) / pf;
  m->var = (float)(m->pf_spt < 0.0f ? -q : q);
  m->hz = (float)(50.0 + 0.04 * (noise01(m->seed, 2, floor_div(t, 1000)) - 0.5));
}

int gs_dermodel_init(gs_dermodel *m, const char *ld, float rating_w, uint64_t seed) {
  if (m == NULL || ld == NULL || !(rating_w > 0.0f && rating_w <= 1e12f)) {
    return GS_ERR_INVALID_ARG;
  }
  size_t n = strlen(ld);
  if (n == 0 || n > GS_DERMODEL_MAX_LD) {
    return GS_ERR_INVALID_ARG;
  }
  for (size_t i = 0; i < n; i++) {
    char c = ld[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return GS_ERR_INVALID_ARG;
    }
  }
  memset(m, 0, sizeof(*m));
  memcpy(m->ld, ld, n);
  snprintf(m->rpt_id, sizeof(m->rpt_id), "%s/LLN0$RP$urcbMeas01", ld);
  snprintf(m->dataset, sizeof(m->dataset), "%s/LLN0$Measurements", ld);
  m->seed = seed;
  m->rating_w = rating_w;
  m->wmax_spt_w = rating_w;
  m->pf_spt = 1.0f;
  m->hz = 50.0f;
  m->opst = GS_DERMODEL_OPST_STOPPED;
  return GS_OK;
}

int gs_dermodel_step(gs_dermodel *m, gs_time_ms now) {
  if (m == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  if (!m->started) {
    m->started = true;
    m->now = now;
    update(m, now);
    return GS_OK;
  }
  if (now < m->now || now - m->now > GS_DERMODEL_MAX_STEP_MS) {
    return GS_ERR_TIME;
  }
  gs_dermodel_opst st;
  while (m->now < now) {
    gs_time_ms next = now - m->now > STEP_MS ? m->now + STEP_MS : now;
    double w0 = output_w(m, m->now, &st), w1 = output_w(m, next, &st);
    m->wh += (w0 + w1) * 0.5 * (double)(next - m->now) / 3600000.0;
    m->now = next;
  }
  update(m, now);
  return GS_OK;
}

/* ------------------------------------------------------------- items */
static const uint8_t q_good[2] = {0, 0}; /* Quality: 13 bits, all good */

gs_mms_utc_time dermodel_utc(gs_time_ms t) {
  gs_mms_utc_time u;
  int64_t s = floor_div(t, 1000);
  int64_t ms = t - s * 1000;
  u.secs = (uint32_t)s;
  u.fraction = (uint32_t)((ms << 24) / 1000);
  u.quality = 0x0A; /* 10 bits of time accuracy */
  return u;
}

static void set_float(gs_mms_data *d, float v) {
  d->type = GS_MMS_DATA_FLOAT;
  d->v.fp = v;
}

static void set_int(gs_mms_data *d, int64_t v) {
  d->type = GS_MMS_DATA_INTEGER;
  d->v.integer = v;
}

static void set_failure(gs_mms_data *d, gs_mms_access_error e) {
  d->type = GS_MMS_DATA_FAILURE;
  d->v.failure = e;
}

/* MMXU1$MX$TotW: structure { mag { f }, q, t }. */
static int read_mv(const gs_dermodel *m, float v, gs_mms_arena *a, gs_mms_data *out) {
  gs_mms_data *n = gs_mms_arena_data(a, 4);
  if (n == NULL) {
    return GS_ERR_LIMIT;
  }
  out->type = GS_MMS_DATA_STRUCTURE;
  out->v.list.items = n;
  out->v.list.count = 3;
  n[0].type = GS_MMS_DATA_STRUCTURE;
  n[0].v.list.items = &n[3];
  n[0].v.list.count = 1;
  set_float(&n[3], v);
  n[1].type = GS_MMS_DATA_BIT_STRING;
  n[1].v.bits.octets.ptr = q_good;
  n[1].v.bits.octets.len = sizeof(q_good);
  n[1].v.bits.nbits = 13;
  n[2].type = GS_MMS_DATA_UTC_TIME;
  n[2].v.utc = dermodel_utc(m->now);
  return GS_OK;
}

static bool slice_is(gs_slice s, const char *lit) {
  size_t n = strlen(lit);
  return s.len == n && (n == 0 || memcmp(s.ptr, lit, n) == 0);
}

int gs_dermodel_read(const gs_dermodel *m, gs_slice domain, gs_slice item, gs_mms_arena *a,
                     gs_mms_data *out) {
  if (m == NULL || out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  memset(out, 0, sizeof(*out));
  if (!slice_is(domain, m->ld)) {
    set_failure(out, GS_MMS_AE_OBJECT_NON_EXISTENT);
    return GS_OK;
  }
  if (slice_is(item, "LLN0$ST$Mod$stVal") || slice_is(item, "LLN0$ST$Beh$stVal") ||
      slice_is(item, "LLN0$ST$Health$stVal")) {
    set_int(out, 1);
  } else if (slice_is(item, "MMXU1$MX$TotW$mag$f")) {
    set_float(out, m->w);
  } else if (slice_is(item, "MMXU1$MX$TotVAr$mag$f")) {
    set_float(out, m->var);
  } else if (slice_is(item, "MMXU1$MX$Hz$mag$f")) {
    set_float(out, m->hz);
  } else if (slice_is(item, "MMXU1$MX$TotW")) {
    return read_mv(m, m->w, a, out);
  } else if (slice_is(item, "MMXU1$MX$TotVAr")) {
    return read_mv(m, m->var, a, out);
  } else if (slice_is(item, "MMXU1$MX$Hz")) {
    return read_mv(m, m->hz, a, out);
  } else if (slice_is(item, "MMTR1$ST$TotWh$actVal")) {
    set_int(out, (int64_t)m->wh);
  } else if (slice_is(item, "DGEN1$ST$DEROpSt$stVal")) {
    set_int(out, m->opst);
  } else if (slice_is(item, "DGEN1$CF$WMaxRtg$setMag$f") ||
             slice_is(item, "DGEN1$SP$WMax$setMag$f")) {
    set_float(out, m->rating_w);
  } else if (slice_is(item, "DWMX1$MX$WMaxSpt$mxVal$f")) {
    set_float(out, m->wmax_spt_w);
  } else if (slice_is(item, "DFPF1$MX$PFGnTgtSpt$mxVal$f")) {
    set_float(out, m->pf_spt);
  } else if (slice_is(item, "DWMX1$CO$WMaxSpt$Oper") ||
             slice_is(item, "DFPF1$CO$PFGnTgtSpt$Oper")) {
    set_failure(out, GS_MMS_AE_OBJECT_ACCESS_DENIED);
  } else {
    set_failure(out, GS_MMS_AE_OBJECT_NON_EXISTENT);
  }
  return GS_OK;
}

/* Oper = structure { ctlVal structure { f }, origin structure { orCat,
 * orIdent }, ctlNum, T, Test, Check }: the ctlVal, ctlNum and Test. */
static bool parse_oper(const gs_mms_data *v, float *val, uint32_t *ctl_num, bool *test) {
  static const gs_mms_data_type shape[6] = {GS_MMS_DATA_STRUCTURE, GS_MMS_DATA_STRUCTURE,
                                            GS_MMS_DATA_UNSIGNED,  GS_MMS_DATA_UTC_TIME,
                                            GS_MMS_DATA_BOOLEAN,   GS_MMS_DATA_BIT_STRING};
  if (v->type != GS_MMS_DATA_STRUCTURE || v->v.list.count != 6) {
    return false;
  }
  const gs_mms_data *it = v->v.list.items;
  for (size_t i = 0; i < 6; i++) {
    if (it[i].type != shape[i]) {
      return false;
    }
  }
  const gs_mms_data *cv = &it[0], *org = &it[1];
  if (cv->v.list.count != 1 || cv->v.list.items[0].type != GS_MMS_DATA_FLOAT ||
      org->v.list.count != 2 || org->v.list.items[0].type != GS_MMS_DATA_INTEGER ||
      org->v.list.items[1].type != GS_MMS_DATA_OCTET_STRING) {
    return false;
  }
  *val = cv->v.list.items[0].v.fp;
  *ctl_num = it[2].v.uns;
  *test = it[4].v.boolean;
  return true;
}

/* -1 when accepted, else the DataAccessError. */
static int operate(gs_dermodel *m, bool wmax, const gs_mms_data *value) {
  float v = 0.0f;
  uint32_t ctl_num = 0;
  bool test = false;
  if (!parse_oper(value, &v, &ctl_num, &test)) {
    return (int)GS_MMS_AE_TYPE_INCONSISTENT;
  }
  bool ok = wmax ? (v >= 0.0f && v <= m->rating_w)
                 : ((v >= 0.1f && v <= 1.0f) || (v >= -1.0f && v <= -0.1f));
  if (!ok) { /* also NaN */
    return (int)GS_MMS_AE_OBJECT_VALUE_INVALID;
  }
  if (!test) {
    if (wmax) {
      m->wmax_spt_w = v;
    } else {
      m->pf_spt = v;
    }
    m->last_ctl_num = ctl_num;
    if (m->started) {
      update(m, m->now);
    }
  }
  return -1;
}

int gs_dermodel_write(gs_dermodel *m, gs_slice domain, gs_slice item, const gs_mms_data *value,
                      gs_mms_data *result) {
  if (m == NULL || value == NULL || result == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  memset(result, 0, sizeof(*result));
  gs_mms_data probe;
  if (!slice_is(domain, m->ld)) {
    set_failure(result, GS_MMS_AE_OBJECT_NON_EXISTENT);
    return GS_OK;
  }
  bool wmax = slice_is(item, "DWMX1$CO$WMaxSpt$Oper");
  if (!wmax && !slice_is(item, "DFPF1$CO$PFGnTgtSpt$Oper")) {
    /* An existing item that is no control, or nothing at all. */
    gs_mms_arena none;
    gs_mms_arena_init(&none, NULL, 0, NULL, 0);
    int err = gs_dermodel_read(m, domain, item, &none, &probe);
    bool exists = err == GS_ERR_LIMIT ||
                  (err == GS_OK && !(probe.type == GS_MMS_DATA_FAILURE &&
                                     probe.v.failure == GS_MMS_AE_OBJECT_NON_EXISTENT));
    set_failure(result, exists ? GS_MMS_AE_OBJECT_ACCESS_DENIED : GS_MMS_AE_OBJECT_NON_EXISTENT);
    return GS_OK;
  }
  int ae = operate(m, wmax, value);
  if (ae >= 0) {
    set_failure(result, (gs_mms_access_error)ae);
  } else {
    result->type = GS_MMS_DATA_SUCCESS;
  }
  return GS_OK;
}

const char *gs_dermodel_opst_name(int32_t opst) {
  switch (opst) {
  case GS_DERMODEL_OPST_STOPPED:
    return "stopped";
  case GS_DERMODEL_OPST_OPERATING:
    return "operating";
  case GS_DERMODEL_OPST_CURTAILED:
    return "curtailed";
  default:
    return "unknown";
  }
}
