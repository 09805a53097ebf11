/* `gridseal cc`: options, set-up and tear-down (cc.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appmms.h"
#include "cc.h"
#include "cc_dash.h"
#include "commands.h"
#include "gridseal/error.h"
#include "options.h"
#include "util.h"

#define CC_MAX_SETS 64

typedef struct cc_opts {
  gs_rt_opts rt;
  const char *sets[CC_MAX_SETS];
  size_t n_sets;
  const char *reads[CC_MAX_SETS];
  size_t n_reads;
  double rekey_after_s;
  double run_for_s;
  const char *http; /* --http [ADDR:]PORT */
} cc_opts;

static int seconds_arg(const char *opt, const char *v, double *out) {
  char *end = NULL;
  double d = strtod(v, &end);
  if (end == v || *end != '\0' || !(d > 0 && d < 1e7)) {
    gs_app_err("cc: %s: expected a positive number of seconds, got '%s'", opt, v);
    return -1;
  }
  *out = d;
  return 0;
}

static int add_name(const char *opt, const char **list, size_t *n, const char *v) {
  if (*n == CC_MAX_SETS) {
    gs_app_err("cc: %s: at most %d", opt, CC_MAX_SETS);
    return -1;
  }
  list[(*n)++] = v;
  return 0;
}

static int parse_args(int argc, char **argv, cc_opts *o) {
  static const struct option lo[] = {GS_RT_LONGOPTS,
                                     {"set", required_argument, NULL, 'w'},
                                     {"read", required_argument, NULL, 'r'},
                                     {"rekey-after", required_argument, NULL, 'R'},
                                     {"run-for", required_argument, NULL, 'd'},
                                     {"http", required_argument, NULL, 'H'},
                                     {NULL, 0, NULL, 0}};
  opterr = 0;
  optind = 0; /* a fresh scan (glibc) */
  int c, bad = 0;
  while (!bad && (c = getopt_long(argc, argv, "+:" GS_RT_SHORTOPTS "w:r:R:d:H:", lo, NULL)) != -1) {
    int r = gs_rt_parse_opt(&o->rt, "cc", c, optarg);
    if (r != 0) {
      bad = r < 0;
      continue;
    }
    switch (c) {
    case 'w':
      bad = add_name("--set", o->sets, &o->n_sets, optarg);
      break;
    case 'r':
      bad = add_name("--read", o->reads, &o->n_reads, optarg);
      break;
    case 'R':
      bad = seconds_arg("--rekey-after", optarg, &o->rekey_after_s);
      break;
    case 'd':
      bad = seconds_arg("--run-for", optarg, &o->run_for_s);
      break;
    case 'H':
      o->http = optarg;
      break;
    case 'h':
      gs_cmd_cc_usage(stdout);
      return GS_EXIT_HELP;
    default:
      return gs_app_opt_error("cc", c, lo, argv);
    }
  }
  if (bad) {
    return GS_EXIT_USAGE;
  }
  if (optind < argc) {
    return gs_app_opt_extra("cc", argv[optind]);
  }
  if (o->rt.config == NULL) {
    gs_app_err("cc: --config FILE is required (see gridseal cc --help)");
    return GS_EXIT_USAGE;
  }
  return GS_EXIT_OK;
}

/* --set DER=WATTS, checked against the configured DERs. */
static int apply_sets(cc_app *a, const cc_opts *o) {
  for (size_t i = 0; i < o->n_sets; i++) {
    const char *eq = strchr(o->sets[i], '=');
    char name[GS_CFG_NAME_MAX];
    char *end = NULL;
    double w = eq ? strtod(eq + 1, &end) : -1;
    size_t n = eq ? (size_t)(eq - o->sets[i]) : 0;
    if (eq == NULL || n == 0 || n >= sizeof(name) || end == eq + 1 || *end != '\0' ||
        !(w >= 0 && w < 1e9)) {
      gs_app_err("cc: --set: expected DER=WATTS, got '%s'", o->sets[i]);
      return GS_EXIT_USAGE;
    }
    memcpy(name, o->sets[i], n);
    name[n] = '\0';
    cc_der *d = cc_find(a, name);
    if (d == NULL) {
      gs_app_err("cc: --set: no [der %s] in %s", name, a->rt.cfg.file);
      return GS_EXIT_USAGE;
    }
    d->set_pending = true;
    d->set_w = (float)w;
  }
  for (size_t i = 0; i < o->n_reads; i++) {
    cc_der *d = cc_find(a, o->reads[i]);
    if (d == NULL) {
      gs_app_err("cc: --read: no [der %s] in %s", o->reads[i], a->rt.cfg.file);
      return GS_EXIT_USAGE;
    }
    d->read_pending = true;
  }
  return GS_EXIT_OK;
}

static void setup_ders(cc_app *a) {
  a->n = a->rt.cfg.n_peers;
  for (size_t i = 0; i < a->n; i++) {
    cc_der *d = &a->ders[i];
    d->cfg = &a->rt.cfg.peers[i];
    gs_app_ld_name(d->cfg->name, d->ld, sizeof(d->ld));
    gs_rt_identity_parse(d->cfg->identity, &d->expected);
    snprintf(d->status, sizeof(d->status), "connecting");
  }
}

static void stdin_setup(cc_app *a) {
  struct stat st;
  a->stdin_on = isatty(STDIN_FILENO) ||
                (fstat(STDIN_FILENO, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)));
}

/* --run-for: every configured DER associated at least once, or exit
 * GS_EXIT_UNASSOCIATED naming those that never did, with why. */
static int never_associated(const cc_app *a) {
  int rc = GS_EXIT_OK;
  for (size_t i = 0; i < a->n; i++) {
    const cc_der *d = &a->ders[i];
    if (d->associations > 0) {
      continue;
    }
    rc = GS_EXIT_UNASSOCIATED;
    if (d->fails.same > 0) {
      fprintf(stderr, "%s: %s never associated during the run: %s (last %u attempts)\n",
              a->rt.cfg.name, d->cfg->name, d->fails.reason, (unsigned)d->fails.same);
    } else {
      fprintf(stderr, "%s: %s never associated during the run: %s\n", a->rt.cfg.name, d->cfg->name,
              d->up ? "no handshake completed" : "never reachable");
    }
  }
  return rc;
}

static void teardown(cc_app *a) {
  cc_dash_detach(a);
  cc_http_stop(a);
  gs_rt_free(&a->rt); /* the node frees every association */
  if (a->csv != NULL) {
    fclose(a->csv);
  }
}

int gs_cmd_cc(int argc, char **argv) {
  cc_opts o;
  memset(&o, 0, sizeof(o));
  int rc = parse_args(argc, argv, &o);
  if (rc != GS_EXIT_OK) {
    return rc == GS_EXIT_HELP ? GS_EXIT_OK : rc;
  }
  cc_app *a = calloc(1, sizeof(*a));
  if (a == NULL) {
    gs_app_err("out of memory");
    return GS_EXIT_FAIL;
  }
  gs_rt_app app;
  cc_app_hooks(a, &app);
  rc = gs_rt_init(&a->rt, &o.rt, GS_CFG_ROLE_CC, GS_CFG_MAX_PEERS, &app);
  if (rc != GS_EXIT_OK) {
    free(a);
    return rc;
  }
  a->start = gs_app_now();
  a->run_for_ms = (gs_time_ms)(o.run_for_s * 1000);
  a->rekey_after_ms = (gs_time_ms)(o.rekey_after_s * 1000);
  a->tty = isatty(STDOUT_FILENO);
  stdin_setup(a);
  setup_ders(a);
  cc_standby_init(a);
  rc = apply_sets(a, &o);
  if (rc == GS_EXIT_OK && cc_csv_open(a, a->rt.cfg.log.csv) != 0) {
    rc = GS_EXIT_FAIL;
  }
  if (rc == GS_EXIT_OK) {
    rc = cc_http_start(a, o.http);
  }
  if (rc == GS_EXIT_OK && a->http != NULL) {
    rc = cc_dash_attach(a, a->http);
  }
  if (rc == GS_EXIT_OK) {
    if (!a->tty) {
      gs_app_line("gridseal cc %s: %zu DERs over %s", a->rt.cfg.name, a->n,
                  gs_cfg_transport_name(a->rt.cfg.transport.type));
    }
    cc_term_begin(a);
    rc = gs_rt_run(&a->rt);
    cc_draw(a, gs_app_now(), true);
    cc_term_end(a);
    if (rc == GS_EXIT_OK && a->run_for_done) {
      rc = never_associated(a);
    }
  }
  teardown(a);
  free(a);
  return rc;
}
