/* gridseal CLI: the DER controller (`gridseal der`), internal. cmd_der.c
 * runs the associations and the plant; der_writer.c decides which of them
 * a newer one ends: the supersede and single-writer rules. */
#ifndef GS_APPS_DER_H
#define GS_APPS_DER_H

#include "dermodel.h"
#include "failsum.h"
#include "runtime.h"

#define DER_MAX_ASSOC 32u
#define DER_MAX_FAILING 16u /* peers whose attempts are counted at once */
#define DER_MAX_REPLACED 8u /* control centers ended for another's, remembered */

/* The failed attempts of one peer (its certificate's identity). */
typedef struct der_failing {
  char peer[128];
  gs_failsum f;
} der_failing;

typedef struct der_app {
  gs_rt rt;
  gs_dermodel model;
  gs_session *as[DER_MAX_ASSOC];        /* accepted associations */
  gs_time_ms acc_at[DER_MAX_ASSOC];     /* accepted, not yet confirmed (0: confirmed) */
  char why[DER_MAX_ASSOC][64];          /* the diagnostic it was aborted with */
  gs_time_ms release_by[DER_MAX_ASSOC]; /* release sent at exit: release-timeout then (0: none) */
  der_failing failing[DER_MAX_FAILING];
  char replaced[DER_MAX_REPLACED][128]; /* identities ended for another control center's */
  size_t next_replaced;
  size_t next_failing; /* the entry reused next when all are taken */
  gs_time_ms interval;
  gs_time_ms next_report;
  gs_time_ms sim_offset; /* plant clock - wall clock ([application] sim_hour) */
  bool stopping;
} der_app;

/* der_writer.c. Association i, just confirmed, supersedes the older
 * confirmed ones of the same peer identity over the same transport peer. */
void der_supersede(der_app *a, size_t i, gs_time_ms now);
/* The single-writer rule, after der_supersede(). */
void der_single_writer(der_app *a, size_t i, gs_time_ms now);
/* A request from `peer`, a control center ended for another's: refused? */
bool der_replaced_now(der_app *a, const gs_cert_info *peer);

#endif
