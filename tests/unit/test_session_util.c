/* Shared harness of the session tests (see test_session_util.h). */
#include "test_session_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gs_crypto *g_crypto;
static gs_test_ca g_ca;
static bool g_ca_ok;
static gs_test_ident g_ids[2][3];
static bool g_ids_ok[2][3];

gs_crypto *ts_crypto(void) {
  if (g_crypto == NULL && gs_ossl_crypto_new(&g_crypto) != GS_OK) {
    abort();
  }
  return g_crypto;
}

const gs_test_ca *ts_ca(void) {
  if (!g_ca_ok) {
    if (gs_test_ca_new(&g_ca, "gridseal test root") != 0) {
      abort();
    }
    g_ca_ok = true;
  }
  return &g_ca;
}

const gs_test_ident *ts_ident(int party, gs_tkey_type t) {
  if (!g_ids_ok[party][t]) {
    const char *uri = party == 0 ? "urn:gridseal:cc" : "urn:gridseal:der1";
    if (gs_test_issue(ts_ca(), t, uri, false, &g_ids[party][t]) != 0) {
      abort();
    }
    g_ids_ok[party][t] = true;
  }
  return &g_ids[party][t];
}

static void on_event(void *user, gs_session *s, const gs_event *ev) {
  (void)s;
  ts_party *p = user;
  if (p->n_events < TS_MAX_EVENTS) {
    p->events[p->n_events] = *ev;
    p->events[p->n_events].asso_id = "";
    p->n_events++;
  }
}

static void prepare_party(ts_party *p, const gs_test_ident *id) {
  memset(p, 0, sizeof(*p));
  gs_endpoint_config_init(&p->cfg);
  p->id = id;
  p->cfg.crypto = ts_crypto();
  p->cfg.cert_der = id->cert;
  p->cfg.cert_len = id->cert_len;
  p->cfg.on_event = on_event;
  p->cfg.event_user = p;
  /* most tests here connect without naming the responder; the named
   * request (D16) has its own tests (test_sec_finding_relayed_request) */
  p->cfg.accept_unnamed_requests = true;
}

void ts_world_prepare(ts_world *w, gs_tkey_type ta, gs_tkey_type tb) {
  memset(w, 0, sizeof(*w));
  w->crypto = ts_crypto();
  prepare_party(&w->a, ts_ident(0, ta));
  prepare_party(&w->b, ts_ident(1, tb));
}

static int start_party(gs_crypto *c, ts_party *p) {
  int rc = gs_pki_new(c, &p->pki);
  if (rc == GS_OK) {
    rc = gs_pki_add_anchor(p->pki, ts_ca()->der, ts_ca()->der_len);
  }
  if (rc == GS_OK) {
    rc = c->privkey_from_der(c->ctx, p->id->key, p->id->key_len, &p->key);
  }
  if (rc == GS_OK) {
    p->cfg.validator = gs_pki_validator(p->pki);
    p->cfg.key = p->key;
    p->cfg.event_user = p;
    rc = gs_endpoint_new(&p->cfg, &p->ep);
  }
  return rc;
}

int ts_world_start(ts_world *w) {
  int rc = start_party(w->crypto, &w->a);
  return rc == GS_OK ? start_party(w->crypto, &w->b) : rc;
}

static void free_party(gs_crypto *c, ts_party *p) {
  gs_endpoint_free(p->ep);
  if (p->key != NULL) {
    c->privkey_free(p->key);
  }
  gs_pki_free(p->pki);
}

void ts_world_free(ts_world *w) {
  gs_session_free(w->sa);
  gs_session_free(w->sb);
  free_party(w->crypto, &w->a);
  free_party(w->crypto, &w->b);
  memset(w, 0, sizeof(*w));
}

int ts_pop(gs_session *from, uint8_t *buf, size_t *len) {
  return gs_session_pop_output(from, buf, 70000, len);
}

int ts_pass(gs_session *from, gs_session *to, gs_time_ms now, uint8_t *out, size_t cap, gs_rx *rx) {
  static uint8_t buf[70000];
  size_t len = 0;
  int rc = ts_pop(from, buf, &len);
  if (rc != GS_OK) {
    return rc;
  }
  return gs_session_receive(to, buf, len, now, out, cap, rx);
}

int ts_handshake(ts_world *w, gs_time_ms now) {
  static uint8_t buf[70000];
  size_t len = 0;
  int rc = gs_session_new_initiator(w->a.ep, &w->sa);
  if (rc == GS_OK) {
    rc = gs_session_connect(w->sa, now, (const uint8_t *)"setup", 5);
  }
  if (rc == GS_OK) {
    rc = ts_pop(w->sa, buf, &len);
  }
  if (rc == GS_OK) {
    rc = gs_endpoint_receive_hs(w->b.ep, buf, len, now, &w->sb);
  }
  if (rc == GS_OK) {
    rc = gs_session_accept(w->sb, now, (const uint8_t *)"rsp", 3);
  }
  if (rc == GS_OK) {
    uint8_t out[64];
    gs_rx rx;
    rc = ts_pass(w->sb, w->sa, now, out, sizeof(out), &rx);
    if (rc == GS_OK && (!rx.has_data || rx.data_len != 3 || memcmp(out, "rsp", 3) != 0)) {
      rc = GS_ERR_INTERNAL;
    }
  }
  return rc;
}

int ts_flush(ts_world *w, gs_time_ms now) {
  static uint8_t out[70000];
  gs_rx rx;
  for (int i = 0; i < 100; i++) {
    bool any = false;
    if (gs_session_output_count(w->sa) > 0) {
      int rc = ts_pass(w->sa, w->sb, now, out, sizeof(out), &rx);
      if (rc != GS_OK) {
        return rc;
      }
      any = true;
    }
    if (gs_session_output_count(w->sb) > 0) {
      int rc = ts_pass(w->sb, w->sa, now, out, sizeof(out), &rx);
      if (rc != GS_OK) {
        return rc;
      }
      any = true;
    }
    if (!any) {
      return GS_OK;
    }
  }
  return GS_ERR_INTERNAL;
}

int ts_count(const ts_party *p, gs_event_kind k) {
  int n = 0;
  for (int i = 0; i < p->n_events; i++) {
    n += p->events[i].kind == k;
  }
  return n;
}

const gs_event *ts_last(const ts_party *p, gs_event_kind k) {
  for (int i = p->n_events - 1; i >= 0; i--) {
    if (p->events[i].kind == k) {
      return &p->events[i];
    }
  }
  return NULL;
}
