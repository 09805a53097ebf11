/* gridseal: an IEC 61850-7-420 DER data model with a simulated PV plant.
 *
 * One logical device per DER (the MMS domain, e.g. "DER1") with:
 *   LLN0   Mod, Beh, Health                       (ST, INT, 1 = on / ok)
 *   MMXU1  TotW, TotVAr, Hz                       (MX, mag.f FLOAT32, q, t)
 *   MMTR1  TotWh                                  (ST, actVal INT64, Wh)
 *   DGEN1  DEROpSt (ST), WMaxRtg (CF), WMax (SP)
 *   DWMX1  WMaxSpt: active-power limit, APC       (CO Oper, MX mxVal.f)
 *   DFPF1  PFGnTgtSpt: power-factor target, APC   (CO Oper, MX mxVal.f)
 * Item ids are listed in docs/MMS.md. The plant is deterministic for a seed:
 * PV output follows a bell curve from 06:00 to 18:00 UTC scaled by the
 * rating, times seeded cloud noise, limited by WMaxSpt; TotWh integrates.
 *
 * The model never reads a clock or allocates: time is an argument, nodes
 * for MMS Data come from a caller gs_mms_arena. PDUs built here point into
 * the model (names, strings) and into static tables; they stay valid while
 * the model is neither changed nor freed. */
#ifndef GRIDSEAL_DERMODEL_H
#define GRIDSEAL_DERMODEL_H

#include "gridseal/common.h"
#include "gridseal/error.h"
#include "gridseal/mms.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GS_DERMODEL_MAX_LD 32u                           /* logical device name, characters */
#define GS_DERMODEL_REPORT_VALUES 7u                     /* dataset members in the report */
#define GS_DERMODEL_REPORT_NODES 12u                     /* arena Data nodes a report needs */
#define GS_DERMODEL_OPER_NODES 10u                       /* arena Data nodes an Oper write needs */
#define GS_DERMODEL_MAX_STEP_MS (7LL * 24 * 3600 * 1000) /* largest time step */

/* DEROpSt values used by this model. */
typedef enum gs_dermodel_opst {
  GS_DERMODEL_OPST_STOPPED = 1,   /* no PV output (night) */
  GS_DERMODEL_OPST_OPERATING = 2, /* producing, not limited */
  GS_DERMODEL_OPST_CURTAILED = 3  /* producing, limited by WMaxSpt */
} gs_dermodel_opst;
/* "stopped", "operating", "curtailed"; "unknown" for any other value. */
const char *gs_dermodel_opst_name(int32_t opst);

typedef struct gs_dermodel {
  char ld[GS_DERMODEL_MAX_LD + 1];
  char rpt_id[GS_DERMODEL_MAX_LD + 24];  /* "<ld>/LLN0$RP$urcbMeas01" */
  char dataset[GS_DERMODEL_MAX_LD + 24]; /* "<ld>/LLN0$Measurements" */
  uint64_t seed;
  float rating_w;   /* DGEN1 WMaxRtg, W */
  float wmax_spt_w; /* DWMX1 WMaxSpt, W (0 .. rating) */
  float pf_spt;     /* DFPF1 PFGnTgtSpt (-1 .. -0.1, 0.1 .. 1) */
  uint32_t last_ctl_num;
  bool started;
  gs_time_ms now; /* time of the last step */
  float w;        /* MMXU1 TotW */
  float var;      /* MMXU1 TotVAr */
  float hz;       /* MMXU1 Hz */
  double wh;      /* MMTR1 TotWh, exact accumulator */
  gs_dermodel_opst opst;
  uint32_t seq_num; /* report SeqNum of the next report */
} gs_dermodel;

/* What the control center learns from one measurement report. */
typedef struct gs_dermodel_meas {
  uint32_t seq_num;
  float w, var, hz;
  int64_t wh;
  float wmax_spt_w;
  int32_t opst;
  gs_mms_utc_time t;
} gs_dermodel_meas;

/* The control a set-point write carries (Oper: ctlVal, origin, ctlNum, T,
 * Test, Check). `or_ident` is borrowed (may be NULL: empty). */
typedef struct gs_dermodel_ctl {
  uint8_t ctl_num;
  gs_time_ms t;
  int32_t or_cat;       /* originator category, 2 = remote control */
  const char *or_ident; /* originator identity */
  bool test;
} gs_dermodel_ctl;

/* Create the model: `ld` is 1..GS_DERMODEL_MAX_LD letters/digits/'_'.
 * WMaxSpt starts at the rating, PF at 1. GS_ERR_INVALID_ARG for a bad name,
 * a rating that is not finite and > 0, or NULL. */
GS_EXPORT int gs_dermodel_init(gs_dermodel *m, const char *ld, float rating_w, uint64_t seed);

/* The PV power the plant could produce at `t` (W, before the limit). */
GS_EXPORT float gs_dermodel_available_w(const gs_dermodel *m, gs_time_ms t);

/* Advance the plant to `now`: integrates energy in steps of at most one
 * minute and updates TotW, TotVAr, Hz, DEROpSt. The first call only sets
 * the clock. GS_ERR_TIME if `now` goes back or jumps more than
 * GS_DERMODEL_MAX_STEP_MS (nothing changes then). */
GS_EXPORT int gs_dermodel_step(gs_dermodel *m, gs_time_ms now);

/* Read item `item` of domain `domain` into *out (nodes from `a`). An
 * unreadable item gives GS_OK with out->type = GS_MMS_DATA_FAILURE
 * (object-non-existent for unknown names or another domain,
 * object-access-denied for CO items). GS_ERR_LIMIT if the arena is full,
 * GS_ERR_INVALID_ARG for NULL. */
GS_EXPORT int gs_dermodel_read(const gs_dermodel *m, gs_slice domain, gs_slice item,
                               gs_mms_arena *a, gs_mms_data *out);

/* Write (operate) `value` to item `item`. *result becomes SUCCESS or a
 * FAILURE: object-non-existent (unknown item or domain),
 * object-access-denied (not a control), type-inconsistent (not the Oper
 * structure), object-value-invalid (ctlVal out of range: WMaxSpt outside
 * 0..rating, PF outside the allowed band). A refused write changes nothing;
 * Test = TRUE is accepted without effect. GS_ERR_INVALID_ARG for NULL. */
GS_EXPORT int gs_dermodel_write(gs_dermodel *m, gs_slice domain, gs_slice item,
                                const gs_mms_data *value, gs_mms_data *result);

/* The kinds of access a request needs (a mask): the server's access
 * control decides on them before gs_dermodel_handle(). */
typedef enum gs_dermodel_access {
  GS_DERMODEL_ACCESS_READ = 1u << 0,    /* read data (and receive reports) */
  GS_DERMODEL_ACCESS_CONTROL = 1u << 1, /* operate a control (functional constraint CO:
                                           the set-points WMaxSpt, PFGnTgtSpt) */
  GS_DERMODEL_ACCESS_SETTING = 1u << 2  /* change a setting or the configuration (any
                                           other functional constraint: SP, CF, SG, SE,
                                           ...; this model lets nothing of that kind be
                                           written, the write is refused on its own) */
} gs_dermodel_access;

/* What `req` needs: a Read-Request READ; a Write-Request CONTROL and/or
 * SETTING, after the functional constraint of each item ("LN$FC$..."; an
 * item without one counts as SETTING); every other PDU 0. */
GS_EXPORT unsigned gs_dermodel_access_needed(const gs_mms_pdu *req);

/* Answer one request PDU as the DER server: read and write requests give
 * responses, initiate gives the initiate response, conclude the conclude
 * response, anything else a rejectPDU. `resp` points into `a`, `m` and
 * `req`'s input buffer. GS_ERR_LIMIT if the arena is full. */
GS_EXPORT int gs_dermodel_handle(gs_dermodel *m, const gs_mms_pdu *req, gs_mms_arena *a,
                                 gs_mms_pdu *resp);

/* The informationReport of the current measurements (variableListName
 * "RPT": RptID, OptFlds {sequence-number, data-set-name}, SeqNum, DatSet,
 * inclusion bits, then TotW, TotVAr, Hz, TotWh, WMaxSpt, DEROpSt, TotW.t).
 * Uses GS_DERMODEL_REPORT_NODES nodes of `a`; increments m->seq_num. */
GS_EXPORT int gs_dermodel_build_report(gs_dermodel *m, gs_mms_arena *a, gs_mms_pdu *out);

/* Control-center side: check that `pdu` is the measurement report of
 * logical device `ld` and extract it. GS_ERR_PROTOCOL if it is another
 * PDU, another report, or a member has the wrong type. */
GS_EXPORT int gs_dermodel_parse_report(const gs_mms_pdu *pdu, const char *ld,
                                       gs_dermodel_meas *out);

/* Client helpers. A read request for `n` items (1..GS_MMS_MAX_LIST) of
 * domain `ld` (names from `a`; strings borrowed). */
GS_EXPORT int gs_dermodel_build_read(gs_mms_pdu *out, uint32_t invoke_id, const char *ld,
                                     const char *const *items, size_t n, gs_mms_arena *a);
/* A write of DWMX1$CO$WMaxSpt$Oper (ctlVal = `w`), using
 * GS_DERMODEL_OPER_NODES Data nodes and one name from `a`. */
GS_EXPORT int gs_dermodel_build_setpoint(gs_mms_pdu *out, uint32_t invoke_id, const char *ld,
                                         float w, const gs_dermodel_ctl *ctl, gs_mms_arena *a);
/* Build the Oper structure for ctlVal `value` into nodes of `a`. */
GS_EXPORT int gs_dermodel_build_oper(gs_mms_data *out, float value, const gs_dermodel_ctl *ctl,
                                     gs_mms_arena *a);
/* The initiate request a 61850 client sends (max PDU 65000, 5/5
 * outstanding, nesting 10, version 1, CBB str1 str2 vnam valt vlis,
 * services read, write, getNameList, identify, getVariableAccessAttributes,
 * getNamedVariableListAttributes, informationReport, conclude), and the
 * server's answer to `req` (the smaller of the offered limits). */
GS_EXPORT void gs_dermodel_build_initiate_request(gs_mms_pdu *out);
GS_EXPORT void gs_dermodel_build_initiate_response(const gs_mms_pdu *req, gs_mms_pdu *out);

#ifdef __cplusplus
}
#endif
#endif
