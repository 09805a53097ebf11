/* `gridseal cc` in hot standby (cc.h, docs/STANDBY.md): the partner
 * control center's presence, and the takeover of the fleet.
 *
 * Presence only decides availability, never safety: the server relaying it
 * is not trusted. Two live control centers never both write because each
 * DER holds one write-capable association only (cmd_der.c, single_writer)
 * and a control center whose association a DER ended for another's stays
 * away from that DER (cmd_cc.c, taken_over). */
#include <stdio.h>
#include <string.h>

#include "cc.h"
#include "util.h"

void cc_standby_init(cc_app *a) {
  const gs_cfg_standby *c = &a->rt.cfg.standby;
  cc_standby *sb = &a->sb;
  memset(sb, 0, sizeof(*sb));
  sb->is_standby = c->primary[0] != '\0';
  sb->partner = sb->is_standby ? c->primary : c->standby[0] != '\0' ? c->standby : NULL;
  sb->active = !sb->is_standby;
  if (sb->is_standby) {
    cc_note(a, NULL, "standby of %s: takes over %.1f s after it is gone", c->primary,
            (double)c->takeover_after_ms / 1000);
  }
}

bool cc_standby_peer(cc_app *a, const char *peer, bool up, gs_time_ms now) {
  cc_standby *sb = &a->sb;
  if (sb->partner == NULL || peer == NULL || strcmp(peer, sb->partner) != 0) {
    return false;
  }
  if (up == sb->partner_up) {
    return true;
  }
  sb->partner_up = up;
  sb->last_seen = now;
  if (!up) {
    sb->gone_since = now;
  }
  gs_evrec r = {0};
  r.type = "standby-partner";
  r.xpeer = peer;
  (void)gs_evrec_str(&r, "partner", peer);
  (void)gs_evrec_str(&r, "role", sb->is_standby ? "primary" : "standby");
  (void)gs_evrec_str(&r, "state", up ? "available" : "unavailable");
  gs_rt_app_rec(&a->rt, NULL, &r);
  cc_note(a, NULL, "%s %s %s", sb->is_standby ? "primary" : "standby", peer,
          up ? "available" : "unavailable");
  return true;
}

void cc_standby_transport(cc_app *a, gs_transport_status st, gs_time_ms now) {
  cc_standby *sb = &a->sb;
  if (st == GS_TS_CONNECTED && !sb->connected) {
    /* the primary's presence follows the login: its absence counts from here */
    sb->connected = true;
    sb->gone_since = now;
  } else if (st == GS_TS_DISCONNECTED || st == GS_TS_CONFLICT) {
    sb->connected = false; /* the transport reports the partner down too */
  }
}

gs_time_ms cc_standby_deadline(const cc_app *a) {
  const cc_standby *sb = &a->sb;
  if (!sb->is_standby || sb->active || sb->partner_up || !sb->connected || a->stopping) {
    return INT64_MAX;
  }
  return sb->gone_since + a->rt.cfg.standby.takeover_after_ms;
}

bool cc_standby_tick(cc_app *a, gs_time_ms now) {
  cc_standby *sb = &a->sb;
  gs_time_ms due = cc_standby_deadline(a);
  if (due == INT64_MAX || now < due) {
    return false;
  }
  sb->active = true;
  char seen[40] = "never";
  if (sb->last_seen > 0) {
    gs_app_iso_time(sb->last_seen, seen, sizeof(seen));
  }
  gs_evrec r = {0};
  r.type = "standby-takeover";
  (void)gs_evrec_str(&r, "primary", sb->partner);
  (void)gs_evrec_str(&r, "last_seen", seen);
  (void)gs_evrec_num(&r, "absent_ms", (unsigned long long)(now - sb->gone_since));
  (void)gs_evrec_num(&r, "takeover_after_ms",
                     (unsigned long long)a->rt.cfg.standby.takeover_after_ms);
  (void)gs_evrec_num(&r, "ders", a->n);
  gs_rt_app_rec(&a->rt, NULL, &r);
  cc_note(a, NULL, "taking over the fleet: primary %s gone for %.1f s (last seen %s)", sb->partner,
          (double)(now - sb->gone_since) / 1000, seen);
  return true;
}
