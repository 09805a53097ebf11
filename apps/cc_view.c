/* The control center's fleet view, CSV log and command input (cc.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cc.h"
#include "util.h"

#define CC_DRAW_MS 1000

const char *cc_opst_name(int32_t opst) {
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

static const char *mode_name(gs_data_mode m) {
  switch (m) {
  case GS_MODE_AEAD:
    return "aead";
  case GS_MODE_ETM:
    return "etm";
  case GS_MODE_INTEGRITY:
    return "integrity";
  default:
    return "-";
  }
}

int cc_csv_open(cc_app *a, const char *path) {
  if (path == NULL || path[0] == '\0') {
    return 0;
  }
  a->csv = fopen(path, "a");
  if (a->csv == NULL) {
    gs_app_err("%s: cannot open the CSV log: %s", path, strerror(errno));
    return -1;
  }
  if (ftell(a->csv) == 0) {
    fputs("time,der,W,VAr,Hz,Wh,setpoint,state\n", a->csv);
    fflush(a->csv);
  }
  return 0;
}

void cc_csv_row(cc_app *a, const cc_der *d, gs_time_ms now) {
  if (a->csv == NULL) {
    return;
  }
  char t[40];
  gs_app_iso_time(now, t, sizeof(t));
  const gs_dermodel_meas *m = &d->meas;
  fprintf(a->csv, "%s,%s,%.1f,%.1f,%.3f,%lld,%.1f,%s\n", t, d->cfg->name, (double)m->w,
          (double)m->var, (double)m->hz, (long long)m->wh, (double)m->wmax_spt_w,
          cc_opst_name(m->opst));
  fflush(a->csv);
}

void cc_note(cc_app *a, const cc_der *d, const char *fmt, ...) {
  a->dirty = true;
  if (a->tty) {
    return; /* the table shows it */
  }
  char t[40];
  gs_app_iso_time(gs_app_now(), t, sizeof(t));
  printf("%s %s ", t, d->cfg->name);
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
}

void cc_note_report(cc_app *a, const cc_der *d) {
  const gs_dermodel_meas *m = &d->meas;
  cc_note(a, d, "report seq=%u W=%.1f VAr=%.1f Hz=%.3f Wh=%lld setpoint=%.0f state=%s",
          (unsigned)m->seq_num, (double)m->w, (double)m->var, (double)m->hz, (long long)m->wh,
          (double)m->wmax_spt_w, cc_opst_name(m->opst));
}

static void draw_row(const cc_der *d) {
  char kt[16] = "-";
  if (d->last_key_update > 0) {
    char iso[40];
    gs_app_iso_time(d->last_key_update, iso, sizeof(iso));
    snprintf(kt, sizeof(kt), "%.8s", iso + 11);
  }
  if (d->have_meas) {
    printf("%-10s %10.1f %10.0f %-10s %-24s %-9s %-9s %8llu\n", d->cfg->name, (double)d->meas.w,
           (double)d->meas.wmax_spt_w, cc_opst_name(d->meas.opst), d->status, mode_name(d->mode),
           kt, (unsigned long long)d->reports);
  } else {
    printf("%-10s %10s %10s %-10s %-24s %-9s %-9s %8llu\n", d->cfg->name, "-", "-", "-", d->status,
           mode_name(d->mode), kt, (unsigned long long)d->reports);
  }
}

void cc_draw(cc_app *a, gs_time_ms now, bool force) {
  if (!a->tty || (!force && !a->dirty && now < a->next_draw)) {
    return;
  }
  char t[40];
  gs_app_iso_time(now, t, sizeof(t));
  printf("\033[H\033[2J"); /* home, clear screen */
  printf("gridseal cc %s  %s  (%zu DERs)   commands: set DER W | rekey DER | quit\n\n",
         a->rt.cfg.name, t, a->n);
  printf("%-10s %10s %10s %-10s %-24s %-9s %-9s %8s\n", "DER", "power W", "setpoint", "state",
         "association", "mode", "key upd", "reports");
  for (size_t i = 0; i < a->n; i++) {
    draw_row(&a->ders[i]);
  }
  fflush(stdout);
  a->dirty = false;
  a->next_draw = now + CC_DRAW_MS;
}

/* ------------------------------------------------------------ commands */

static void command(cc_app *a, char *line, gs_time_ms now) {
  char *cmd = strtok(line, " \t\r");
  char *name = cmd ? strtok(NULL, " \t\r") : NULL;
  char *val = name ? strtok(NULL, " \t\r") : NULL;
  if (cmd == NULL) {
    return;
  }
  if (strcmp(cmd, "quit") == 0 || strcmp(cmd, "exit") == 0) {
    gs_rt_stop();
    return;
  }
  cc_der *d = name ? cc_find(a, name) : NULL;
  if (d == NULL) {
    fprintf(stderr, "gridseal: commands: set DER WATTS | rekey DER | quit%s%s\n",
            name ? "; unknown DER " : "", name ? name : "");
    return;
  }
  if (strcmp(cmd, "rekey") == 0) {
    cc_rekey(a, d, now);
    return;
  }
  char *end = NULL;
  double w = val ? strtod(val, &end) : 0;
  if (strcmp(cmd, "set") != 0 || val == NULL || *end != '\0' || !(w >= 0 && w < 1e9)) {
    fprintf(stderr, "gridseal: commands: set DER WATTS | rekey DER | quit\n");
    return;
  }
  cc_set(a, d, (float)w, now);
}

size_t cc_stdin_pollfds(void *ctx, struct pollfd *fds, size_t cap) {
  cc_app *a = ctx;
  if (!a->stdin_on || cap == 0) {
    return 0;
  }
  fds[0] = (struct pollfd){STDIN_FILENO, POLLIN, 0};
  return 1;
}

void cc_stdin_io(void *ctx, const struct pollfd *fds, size_t n, gs_time_ms now) {
  cc_app *a = ctx;
  if (n == 0 || !(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
    return;
  }
  ssize_t r = read(STDIN_FILENO, a->inbuf + a->inlen, sizeof(a->inbuf) - 1 - a->inlen);
  if (r <= 0) {
    if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
      a->stdin_on = false; /* end of input: keep running */
    }
    return;
  }
  a->inlen += (size_t)r;
  a->inbuf[a->inlen] = '\0';
  char *nl;
  while ((nl = strchr(a->inbuf, '\n')) != NULL) {
    *nl = '\0';
    command(a, a->inbuf, now);
    size_t used = (size_t)(nl + 1 - a->inbuf);
    memmove(a->inbuf, nl + 1, a->inlen - used + 1);
    a->inlen -= used;
  }
  if (a->inlen == sizeof(a->inbuf) - 1) {
    a->inlen = 0; /* an over-long line: dropped */
  }
}
