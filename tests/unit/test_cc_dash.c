/* The dashboard's fleet document (cc_dash_fleet_json, GET /api/fleet and
 * the "fleet" event): each DER with the state the page colours, its mode,
 * reports, power and set-point, null where nothing is known yet, hostile
 * names escaped, and -1 when it does not fit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "cc.h"
#include "cc_dash.h"

static gs_cfg_peer peers[4];
static cc_app app;
static char session_token; /* stands for an association: the document only tests for one */

static void setup_fleet(void) {
  memset(&app, 0, sizeof(app));
  memset(peers, 0, sizeof(peers));
  snprintf(app.rt.cfg.name, sizeof(app.rt.cfg.name), "cc");
  const char *names[] = {"der1", "der2", "der3", "der\"4\n"};
  for (size_t i = 0; i < 4; i++) {
    snprintf(peers[i].name, sizeof(peers[i].name), "%s", names[i]);
    snprintf(peers[i].identity, sizeof(peers[i].identity), "urn:gridseal:der%zu", i + 1);
    app.ders[i].cfg = &peers[i];
  }
  app.n = 4;
  /* der1: associated, integrity-only, reporting, a set-point sent */
  cc_der *d = &app.ders[0];
  d->s = (gs_session *)(void *)&session_token;
  d->est = true;
  snprintf(d->status, sizeof(d->status), "associated");
  d->mode = GS_MODE_INTEGRITY;
  d->associations = 2;
  d->reports = 7;
  d->have_meas = true;
  d->meas.w = 61234.5f;
  d->meas.wmax_spt_w = 80000.0f;
  d->meas.opst = GS_DERMODEL_OPST_CURTAILED;
  d->sent_w = 80000.0f;
  d->ctl_num = 1;
  d->last_key_update = 1795548600250LL;
  /* der2: connected, waiting for the back-off after a failure */
  d = &app.ders[1];
  snprintf(d->status, sizeof(d->status), "failed");
  d->waiting = true;
  snprintf(d->why, sizeof(d->why), "GS_ERR_CERT_REVOKED");
  /* der3: handshake in progress */
  snprintf(app.ders[2].status, sizeof(app.ders[2].status), "handshake");
  /* der"4: never heard of */
}

static json_t *fleet(gs_time_ms now) {
  static char doc[8192];
  size_t len = 0;
  assert_int_equal(cc_dash_fleet_json(&app, now, doc, sizeof(doc), &len), 0);
  assert_int_equal(len, strlen(doc));
  json_error_t e;
  json_t *j = json_loadb(doc, len, JSON_REJECT_DUPLICATES, &e);
  if (j == NULL) {
    print_error("not JSON: %s (%s)\n", doc, e.text);
  }
  assert_non_null(j);
  return j;
}

static const char *str_of(json_t *o, const char *k) {
  return json_string_value(json_object_get(o, k));
}

static void test_fleet_document(void **state) {
  (void)state;
  setup_fleet();
  json_t *j = fleet(1795548605000LL);
  assert_string_equal(str_of(j, "node"), "cc");
  assert_int_equal(json_integer_value(json_object_get(j, "time")), 1795548605000LL);
  json_t *ders = json_object_get(j, "ders");
  assert_int_equal(json_array_size(ders), 4);

  json_t *d1 = json_array_get(ders, 0);
  assert_string_equal(str_of(d1, "name"), "der1");
  assert_string_equal(str_of(d1, "identity"), "urn:gridseal:der1");
  assert_string_equal(str_of(d1, "state"), "associated");
  assert_string_equal(str_of(d1, "mode"), "integrity");
  assert_int_equal(json_integer_value(json_object_get(d1, "associations")), 2);
  assert_int_equal(json_integer_value(json_object_get(d1, "reports")), 7);
  assert_true(json_is_null(json_object_get(d1, "key_age_s"))); /* not attached: not tracked */
  assert_int_equal(json_integer_value(json_object_get(d1, "last_key_update")), 1795548600250LL);
  assert_true(json_number_value(json_object_get(d1, "power_w")) == 61234.5);
  assert_true(json_number_value(json_object_get(d1, "setpoint_w")) == 80000.0);
  assert_true(json_number_value(json_object_get(d1, "sent_w")) == 80000.0);
  assert_string_equal(str_of(d1, "opst"), "curtailed");

  json_t *d2 = json_array_get(ders, 1);
  assert_string_equal(str_of(d2, "state"), "waiting");
  assert_string_equal(str_of(d2, "why"), "GS_ERR_CERT_REVOKED");
  assert_true(json_is_null(json_object_get(d2, "mode")));
  assert_true(json_is_null(json_object_get(d2, "power_w")));
  assert_true(json_is_null(json_object_get(d2, "last_report")));
  assert_true(json_is_null(json_object_get(d2, "sent_w")));
  assert_true(json_is_null(json_object_get(d2, "last_key_update")));

  assert_string_equal(str_of(json_array_get(ders, 2), "state"), "handshaking");
  json_t *d4 = json_array_get(ders, 3);
  assert_string_equal(str_of(d4, "name"), "der\"4\n"); /* escaped, read back intact */
  assert_string_equal(str_of(d4, "state"), "disconnected");

  json_t *c = json_object_get(j, "counters");
  const char *keys[] = {"integrity_failures", "replays", "gaps", "handshake_failures"};
  for (size_t i = 0; i < 4; i++) {
    assert_true(json_is_integer(json_object_get(c, keys[i])));
    assert_int_equal(json_integer_value(json_object_get(c, keys[i])), 0);
  }
  json_decref(j);
}

/* the state follows the association: a DER whose association ended is no
 * longer shown associated, whatever its last status line said */
static void test_state_follows_association(void **state) {
  (void)state;
  setup_fleet();
  app.ders[0].s = NULL;
  json_t *j = fleet(0);
  json_t *d1 = json_array_get(json_object_get(j, "ders"), 0);
  assert_string_equal(str_of(d1, "state"), "disconnected");
  json_decref(j);
  setup_fleet();
  snprintf(app.ders[0].status, sizeof(app.ders[0].status), "releasing");
  j = fleet(0);
  d1 = json_array_get(json_object_get(j, "ders"), 0);
  assert_string_equal(str_of(d1, "state"), "releasing");
  json_decref(j);
}

static void test_too_small(void **state) {
  (void)state;
  setup_fleet();
  char doc[8192];
  size_t len = 0;
  assert_int_equal(cc_dash_fleet_json(&app, 0, doc, sizeof(doc), &len), 0);
  size_t need = len;
  size_t len2 = 12345;
  assert_int_equal(cc_dash_fleet_json(&app, 0, doc, need, &len2), -1); /* no room for the NUL */
  assert_int_equal(len2, 12345);
  assert_int_equal(cc_dash_fleet_json(&app, 0, doc, 10, &len2), -1);
  assert_int_equal(len2, 12345);
  assert_int_equal(cc_dash_fleet_json(&app, 0, doc, need + 1, &len2), 0);
  assert_int_equal(len2, need);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fleet_document),
      cmocka_unit_test(test_state_follows_association),
      cmocka_unit_test(test_too_small),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
