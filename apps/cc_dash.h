/* gridseal CLI: the control center's live dashboard (docs/DASHBOARD.md) on
 * the `cc --http` server: the page (apps/dashboard/, compiled into the
 * binary), Chart.js from the system, GET /api/fleet and the server-sent
 * events "fleet", "sample", "gsevent" and "counters" on GET /events. */
#ifndef GS_APPS_CC_DASH_H
#define GS_APPS_CC_DASH_H

#include <stddef.h>

#include "cc.h"
#include "http.h"

/* Where Chart.js is read from (Debian's libjs-chart.js), served at
 * /chart.min.js. */
#define CC_DASH_CHARTJS "/usr/share/javascript/chart.js/chart.min.js"

/* Add the dashboard to the running server `h`: GS_EXIT_OK, or GS_EXIT_FAIL
 * with a message on stderr (Chart.js missing: the file and the package). */
int cc_dash_attach(cc_app *a, gs_http *h);
/* From the main loop: a "sample" for every new report, the fleet (at most
 * twice a second, when it changed). */
void cc_dash_tick(cc_app *a, gs_time_ms now);
/* The next time cc_dash_tick() has work (INT64_MAX: not attached). */
gs_time_ms cc_dash_deadline(const cc_app *a);
/* Before the server stops. Safe when never attached. */
void cc_dash_detach(cc_app *a);

/* The fleet document (GET /api/fleet, event "fleet") into out[0..cap):
 * 0 and *len, or -1 when it does not fit. */
int cc_dash_fleet_json(const cc_app *a, gs_time_ms now, char *out, size_t cap, size_t *len);

#endif
