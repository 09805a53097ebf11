/* The control center's fleet view, CSV log and command input (cc.h). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cc.h"
#include "util.h"

#define CC_DRAW_MS 1000

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
          gs_dermodel_opst_name(m->opst));
  fflush(a->csv);
}

/* ------------------------------------------------------------ messages */

enum { NOTE_INFO, NOTE_RESULT, NOTE_ERROR };

static void msg_set(cc_msg *m, gs_time_ms t, const char *who, const char *text) {
  m->t = t;
  snprintf(m->who, sizeof(m->who), "%s", who);
  snprintf(m->text, sizeof(m->text), "%s", text);
}

static void pane_push(cc_app *a, gs_time_ms t, const char *who, const char *text) {
  msg_set(&a->notes[a->n_notes % CC_NOTES], t, who, text);
  a->n_notes++;
  a->dirty = true;
}

static void vnote(cc_app *a, cc_der *d, int kind, const char *fmt, va_list ap)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 4, 0)))
#endif
    ;
static void vnote(cc_app *a, cc_der *d, int kind, const char *fmt, va_list ap) {
  char text[CC_MSG_MAX];
  vsnprintf(text, sizeof(text), fmt, ap);
  gs_time_ms now = gs_app_now();
  a->dirty = true;
  if (d != NULL && kind == NOTE_RESULT) {
    msg_set(&d->result, now, d->cfg->name, text);
  } else if (d != NULL && kind == NOTE_ERROR) {
    msg_set(&d->error, now, d->cfg->name, text);
  }
  if (a->tty) {
    pane_push(a, now, d != NULL ? d->cfg->name : "", text);
  } else if (d != NULL) {
    gs_app_line("%s %s", d->cfg->name, text);
  } else if (kind == NOTE_ERROR) {
    gs_app_err("%s", text);
  } else {
    gs_app_line("%s: %s", a->rt.cfg.name, text);
  }
}

void cc_note(cc_app *a, cc_der *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vnote(a, d, NOTE_INFO, fmt, ap);
  va_end(ap);
}

void cc_result(cc_app *a, cc_der *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vnote(a, d, NOTE_RESULT, fmt, ap);
  va_end(ap);
}

void cc_error(cc_app *a, cc_der *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vnote(a, d, NOTE_ERROR, fmt, ap);
  va_end(ap);
}

void cc_note_report(cc_app *a, cc_der *d) {
  if (a->tty) {
    a->dirty = true; /* the table shows it */
    return;
  }
  const gs_dermodel_meas *m = &d->meas;
  cc_note(a, d, "report seq=%u W=%.1f VAr=%.1f Hz=%.3f Wh=%lld setpoint=%.0f state=%s",
          (unsigned)m->seq_num, (double)m->w, (double)m->var, (double)m->hz, (long long)m->wh,
          (double)m->wmax_spt_w, gs_dermodel_opst_name(m->opst));
}

void cc_key_event(cc_app *a, cc_der *d, const gs_event *ev) {
  if (ev->kind == GS_EV_HANDSHAKE_DONE) { /* a new association: nothing in progress */
    d->rekey_by = CC_REKEY_ENGINE;
    return;
  }
  if (ev->kind == GS_EV_REKEY_REQUESTED) { /* the DER's reqRekey reached us */
    if (d->rekey_by != CC_REKEY_CC) {
      d->rekey_by = CC_REKEY_DER;
    }
    return;
  }
  if (ev->kind != GS_EV_KEY_UPDATE) {
    return;
  }
  char by[96];
  if (d->rekey_by == CC_REKEY_CC) {
    snprintf(by, sizeof(by), "initiated by %s", a->rt.cfg.name);
  } else if (d->rekey_by == CC_REKEY_DER) {
    snprintf(by, sizeof(by), "requested by %s", d->cfg->name);
  } else {
    snprintf(by, sizeof(by), "key lifetime or message budget");
  }
  d->rekey_by = CC_REKEY_ENGINE;
  cc_result(a, d, "key update #%llu (%s)", (unsigned long long)ev->count, by);
}

/* ------------------------------------------------------------ terminal */

/* What the signal handlers restore: plain data, async-signal-safe calls. */
static struct termios term_saved, term_edit;
static volatile sig_atomic_t want_edit, want_alt; /* while the console runs */
static volatile sig_atomic_t is_edit, is_alt;     /* as the terminal is now */
static volatile sig_atomic_t term_redraw;         /* SIGWINCH, SIGCONT */

static const int fatal_sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT};
#define N_FATAL (sizeof(fatal_sigs) / sizeof(fatal_sigs[0]))
static struct sigaction fatal_old[N_FATAL], tstp_old, winch_old;
static bool handlers_on, atexit_on;

#define SEQ_ALT_ON "\033[?1049h"
#define SEQ_ALT_OFF "\033[?25h\033[?1049l" /* cursor shown, main screen back */

static void term_write(const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(STDOUT_FILENO, p, n);
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w <= 0) {
      return;
    }
    p += w;
    n -= (size_t)w;
  }
}

static void term_leave(void) {
  if (is_alt) {
    term_write(SEQ_ALT_OFF, sizeof(SEQ_ALT_OFF) - 1);
    is_alt = 0;
  }
  if (is_edit) {
    (void)tcsetattr(STDIN_FILENO, TCSANOW, &term_saved);
    is_edit = 0;
  }
}

static void term_enter(void) {
  if (want_edit && !is_edit) {
    (void)tcsetattr(STDIN_FILENO, TCSANOW, &term_edit);
    is_edit = 1;
  }
  if (want_alt && !is_alt) {
    term_write(SEQ_ALT_ON, sizeof(SEQ_ALT_ON) - 1);
    is_alt = 1;
  }
  term_redraw = 1;
}

static void on_fatal(int sig) {
  term_leave();
  for (size_t i = 0; i < N_FATAL; i++) {
    if (fatal_sigs[i] == sig) {
      sigaction(sig, &fatal_old[i], NULL);
    }
  }
  raise(sig); /* delivered with the previous action once this returns */
}

/* Ctrl-Z: the shell gets its terminal back; fg: the console again. */
static void on_tstp(int sig) {
  int e = errno;
  struct sigaction self, dfl;
  memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  term_leave();
  sigaction(sig, &dfl, &self);
  sigset_t m;
  sigemptyset(&m);
  sigaddset(&m, sig);
  raise(sig);
  sigprocmask(SIG_UNBLOCK, &m, NULL); /* stopped here until SIGCONT */
  sigprocmask(SIG_BLOCK, &m, NULL);
  sigaction(sig, &self, NULL);
  term_enter();
  errno = e;
}

static void on_winch(int sig) {
  (void)sig;
  term_redraw = 1;
}

static void term_atexit(void) {
  term_leave();
}

static void handlers_install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_fatal;
  for (size_t i = 0; i < N_FATAL; i++) {
    sigaction(fatal_sigs[i], &sa, &fatal_old[i]);
  }
  sa.sa_handler = on_tstp;
  sigaction(SIGTSTP, &sa, &tstp_old);
  sa.sa_handler = on_winch;
  sigaction(SIGWINCH, &sa, &winch_old);
  handlers_on = true;
}

static void handlers_remove(void) {
  if (!handlers_on) {
    return;
  }
  for (size_t i = 0; i < N_FATAL; i++) {
    sigaction(fatal_sigs[i], &fatal_old[i], NULL);
  }
  sigaction(SIGTSTP, &tstp_old, NULL);
  sigaction(SIGWINCH, &winch_old, NULL);
  handlers_on = false;
}

/* gs_app_line / gs_app_err while the console owns the terminal. */
static void sink(void *ctx, bool is_err, const char *text) {
  cc_app *a = ctx;
  gs_time_ms now = gs_app_now();
  pane_push(a, now, "", text);
  if (is_err) { /* printed again on stderr at exit */
    msg_set(&a->errs[a->n_errs % CC_NOTES], now, "", text);
    a->n_errs++;
  }
}

void cc_term_begin(cc_app *a) {
  if (!a->tty) {
    return;
  }
  a->line_edit = a->stdin_on && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &term_saved) == 0;
  if (a->line_edit) {
    term_edit = term_saved;
    term_edit.c_lflag &= ~(tcflag_t)(ICANON | ECHO); /* ISIG stays: Ctrl-C is SIGINT */
    term_edit.c_cc[VMIN] = 1;
    term_edit.c_cc[VTIME] = 0;
  }
  fflush(stdout);
  want_edit = a->line_edit;
  want_alt = 1;
  handlers_install();
  if (!atexit_on) {
    atexit_on = atexit(term_atexit) == 0;
  }
  term_enter();
  gs_app_set_sink(sink, a);
  a->dirty = true;
}

void cc_term_end(cc_app *a) {
  if (!a->tty || !want_alt) {
    return;
  }
  gs_app_set_sink(NULL, NULL);
  want_edit = 0;
  want_alt = 0;
  term_leave();
  handlers_remove();
  size_t n = a->n_errs < CC_NOTES ? a->n_errs : CC_NOTES;
  for (size_t i = a->n_errs - n; i < a->n_errs; i++) {
    fprintf(stderr, "gridseal: %s\n", a->errs[i % CC_NOTES].text);
  }
}

/* ------------------------------------------------------------ drawing */

/* One frame, written at once. */
static char frame[1 << 16];
static size_t frame_len;

static void frame_add(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static void frame_add(const char *fmt, ...) {
  if (frame_len >= sizeof(frame)) {
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(frame + frame_len, sizeof(frame) - frame_len, fmt, ap);
  va_end(ap);
  if (n > 0) {
    frame_len += (size_t)n;
    frame_len = frame_len < sizeof(frame) ? frame_len : sizeof(frame) - 1;
  }
}

typedef struct screen {
  int rows, cols;
  int row;     /* the last row drawn */
  int max_row; /* the last row the table and panes may use */
} screen;

/* Row `++sc->row`: at most cols-1 columns (no wrap), control characters
 * shown as '?' (names and reasons come from peers), rest of line cleared. */
static void row_add(screen *sc, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void row_add(screen *sc, const char *fmt, ...) {
  if (sc->row >= sc->max_row) {
    return;
  }
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  size_t w = (size_t)(sc->cols > 1 ? sc->cols - 1 : 1);
  if (w < sizeof(line)) {
    line[w] = '\0';
  }
  for (char *p = line; *p != '\0'; p++) {
    if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f) {
      *p = '?';
    }
  }
  frame_add("\033[%d;1H%s\033[K", ++sc->row, line);
}

static void hms(gs_time_ms t, char out[16]) {
  char iso[40];
  gs_app_iso_time(t, iso, sizeof(iso));
  snprintf(out, 16, "%.8s", iso + 11);
}

static void draw_row(screen *sc, const cc_der *d) {
  char kt[16] = "-";
  if (d->last_key_update > 0) {
    hms(d->last_key_update, kt);
  }
  if (d->have_meas) {
    row_add(sc, "%-10s %10.1f %10.0f %-10s %-24s %-9s %-9s %8llu", d->cfg->name, (double)d->meas.w,
            (double)d->meas.wmax_spt_w, gs_dermodel_opst_name(d->meas.opst), d->status,
            mode_name(d->mode), kt, (unsigned long long)d->reports);
  } else {
    row_add(sc, "%-10s %10s %10s %-10s %-24s %-9s %-9s %8llu", d->cfg->name, "-", "-", "-",
            d->status, mode_name(d->mode), kt, (unsigned long long)d->reports);
  }
}

static void draw_msg(screen *sc, const char *who, const char *what, const cc_msg *m) {
  char t[16] = "";
  if (m->t > 0) {
    hms(m->t, t);
  }
  row_add(sc, "%-10s %-6s %-8s %s", who, what, m->t > 0 ? t : "-", m->t > 0 ? m->text : "");
}

static const char prompt[] = "> ";

/* The operator's line, on the last row, the cursor after it. */
static void frame_input(const cc_app *a, const screen *sc) {
  size_t room = (size_t)(sc->cols > 4 ? sc->cols - 4 : 1);
  const char *p = a->inbuf;
  if (a->inlen > room) {
    p += a->inlen - room; /* the end of an over-long line */
  }
  frame_add("\033[%d;1H%s%s\033[K\033[?25h", sc->rows, prompt, p);
}

static void screen_size(screen *sc) {
  struct winsize ws;
  sc->rows = 24;
  sc->cols = 80;
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
    sc->rows = ws.ws_row;
    sc->cols = ws.ws_col;
  }
  sc->row = 0;
  sc->max_row = sc->rows - 2; /* a blank row, then the input line */
}

static void frame_flush(void) {
  fflush(stdout);
  term_write(frame, frame_len);
  frame_len = 0;
}

static void draw_input(const cc_app *a) {
  if (!a->tty || !a->line_edit) {
    return;
  }
  screen sc;
  screen_size(&sc);
  frame_input(a, &sc);
  frame_flush();
}

void cc_draw(cc_app *a, gs_time_ms now, bool force) {
  if (term_redraw) {
    term_redraw = 0;
    force = true;
  }
  if (!a->tty || (!force && !a->dirty && now < a->next_draw)) {
    return;
  }
  screen sc;
  screen_size(&sc);
  char t[40];
  gs_app_iso_time(now, t, sizeof(t));
  frame_add("\033[?25l"); /* no cursor while drawing: home and overwrite, row by row */
  row_add(&sc, "gridseal cc %s  %s  (%zu DERs)   commands: set DER W | rekey DER | quit",
          a->rt.cfg.name, t, a->n);
  row_add(&sc, "%s", "");
  row_add(&sc, "%-10s %10s %10s %-10s %-24s %-9s %-9s %8s", "DER", "power W", "setpoint", "state",
          "association", "mode", "key upd", "reports");
  for (size_t i = 0; i < a->n; i++) {
    draw_row(&sc, &a->ders[i]);
  }
  row_add(&sc, "%s", "");
  row_add(&sc, "%-10s %-6s %-8s %s", "DER", "", "time", "last command result / last error");
  for (size_t i = 0; i < a->n; i++) {
    const cc_der *d = &a->ders[i];
    draw_msg(&sc, d->cfg->name, "result", &d->result);
    draw_msg(&sc, "", "error", &d->error);
  }
  row_add(&sc, "%s", "");
  row_add(&sc, "notes");
  size_t n = a->n_notes < CC_NOTES ? a->n_notes : CC_NOTES;
  for (size_t i = a->n_notes - n; i < a->n_notes; i++) {
    const cc_msg *m = &a->notes[i % CC_NOTES];
    char ht[16];
    hms(m->t, ht);
    row_add(&sc, "%s %-10s %s", ht, m->who[0] != '\0' ? m->who : a->rt.cfg.name, m->text);
  }
  frame_add("\033[%d;1H\033[J", sc.row + 1); /* clear below the last row */
  if (a->line_edit) {
    frame_input(a, &sc);
  }
  frame_flush();
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
    cc_error(a, NULL, "commands: set DER WATTS | rekey DER | quit%s%s",
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
    cc_error(a, NULL, "commands: set DER WATTS | rekey DER | quit");
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

/* The operator's line, typed on the terminal (echo off): printable
 * characters, Backspace, Ctrl-U (erase the line), Ctrl-W (erase a word),
 * Ctrl-L (redraw), Enter; escape sequences (arrow keys) are skipped. */
static void edit_key(cc_app *a, unsigned char c, gs_time_ms now) {
  if (a->esc == 1) { /* after ESC: '[' or 'O' opens a sequence */
    a->esc = (c == '[' || c == 'O') ? 2 : 0;
    return;
  }
  if (a->esc == 2) { /* parameters until the final byte */
    a->esc = (c >= 0x40 && c <= 0x7e) ? 0 : 2;
    return;
  }
  if (c == 0x1b) {
    a->esc = 1;
  } else if (c == '\r' || c == '\n') {
    char line[sizeof(a->inbuf)];
    memcpy(line, a->inbuf, a->inlen + 1);
    a->inlen = 0;
    a->inbuf[0] = '\0';
    if (line[0] != '\0') {
      cc_note(a, NULL, "%s%s", prompt, line);
      command(a, line, now);
    }
  } else if (c == 0x7f || c == 0x08) {
    a->inlen -= a->inlen > 0 ? 1 : 0;
  } else if (c == 0x15) {
    a->inlen = 0;
  } else if (c == 0x17) {
    while (a->inlen > 0 && a->inbuf[a->inlen - 1] == ' ') {
      a->inlen--;
    }
    while (a->inlen > 0 && a->inbuf[a->inlen - 1] != ' ') {
      a->inlen--;
    }
  } else if (c == 0x0c) {
    term_redraw = 1;
  } else if (c >= 0x20 && c < 0x7f && a->inlen < sizeof(a->inbuf) - 1) {
    a->inbuf[a->inlen++] = (char)c;
  }
  a->inbuf[a->inlen] = '\0';
}

void cc_stdin_io(void *ctx, const struct pollfd *fds, size_t n, gs_time_ms now) {
  cc_app *a = ctx;
  if (n == 0 || !(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
    return;
  }
  if (a->line_edit) {
    unsigned char keys[64];
    ssize_t r = read(STDIN_FILENO, keys, sizeof(keys));
    if (r <= 0) {
      if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        a->stdin_on = false; /* the terminal is gone: keep running */
      }
      return;
    }
    for (ssize_t i = 0; i < r; i++) {
      edit_key(a, keys[i], now);
    }
    draw_input(a);
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
