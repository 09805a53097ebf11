/* gridseal-bench: the measured comparison (docs/PERFORMANCE.md).
 *
 * Usage: gridseal-bench [--budget SECONDS] [--min-rounds N] [--batch-ms MS]
 *                       [--md FILE] [--dat FILE] [--cmd "COMMAND"]
 *                       [--only ID_PREFIX[,ID_PREFIX...]]  (e.g. "gs.aead,ossl.gcm")
 *                       [--payload OCTETS]  (only the data cases of that size)
 * Runs every case of every approach interleaved (bench_util.h), then writes
 * the Markdown tables (to FILE or stdout) and the per-payload data for the
 * plot (bench/plot.gp). */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_pki.h"
#include "bench_util.h"

typedef struct opts {
  double budget_s;
  size_t min_rounds;
  double batch_ms;
  const char *md;
  const char *dat;
  const char *cmd;
  const char *only;
  long payload; /* --payload: only data cases of this size (-1: all) */
} opts;

static void usage(void) {
  fprintf(stderr, "usage: gridseal-bench [--budget S] [--min-rounds N] [--batch-ms MS] "
                  "[--md FILE] [--dat FILE] [--cmd TEXT] [--only PREFIX[,PREFIX...]] "
                  "[--payload OCTETS]\n");
  exit(2);
}

static void parse(int argc, char **argv, opts *o) {
  o->budget_s = 120;
  o->min_rounds = 15;
  o->batch_ms = 2.0;
  o->md = o->dat = o->only = NULL;
  o->payload = -1;
  o->cmd = "build-bench/bench/gridseal-bench";
  for (int i = 1; i < argc; i++) {
    if (i + 1 >= argc) {
      usage();
    }
    if (strcmp(argv[i], "--budget") == 0) {
      o->budget_s = atof(argv[++i]);
    } else if (strcmp(argv[i], "--min-rounds") == 0) {
      o->min_rounds = (size_t)atol(argv[++i]);
    } else if (strcmp(argv[i], "--batch-ms") == 0) {
      o->batch_ms = atof(argv[++i]);
    } else if (strcmp(argv[i], "--md") == 0) {
      o->md = argv[++i];
    } else if (strcmp(argv[i], "--dat") == 0) {
      o->dat = argv[++i];
    } else if (strcmp(argv[i], "--only") == 0) {
      o->only = argv[++i];
    } else if (strcmp(argv[i], "--payload") == 0) {
      o->payload = atol(argv[++i]);
    } else if (strcmp(argv[i], "--cmd") == 0) {
      o->cmd = argv[++i];
    } else {
      usage();
    }
  }
}

static void cpu_model(char *buf, size_t cap) {
  snprintf(buf, cap, "unknown");
  FILE *f = fopen("/proc/cpuinfo", "r");
  char line[512];
  while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
    char *colon = strchr(line, ':');
    if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
      snprintf(buf, cap, "%s", colon + 2);
      buf[strcspn(buf, "\n")] = '\0';
      break;
    }
  }
  if (f != NULL) {
    fclose(f);
  }
}

/* "12.3" or "n/a". */
static const char *fmt_us(char *buf, double us) {
  if (us < 0) {
    return "n/a";
  }
  snprintf(buf, 32, us < 10 ? "%.2f" : us < 1000 ? "%.1f" : "%.0f", us);
  return buf;
}

static double wire(const char *id, size_t payload) {
  const bench_case *c = bench_find(id, payload);
  return c != NULL ? c->wire_bytes : -1;
}

static int flights(const char *id) {
  const bench_case *c = bench_find(id, 0);
  return c != NULL ? c->flights : 0;
}

static const char *fmt_n(char *buf, double v) {
  if (v < 0) {
    return "n/a";
  }
  snprintf(buf, 32, "%.0f", v);
  return buf;
}

typedef struct row {
  const char *name;
  const char *msg_id;
  const char *hs_id;
  const char *ku_id;
  const char *hs_rtt;
  const char *ku_rtt;
} row;

static const row g_rows[] = {
    {"Floor: bare AES-256-GCM seal+open (OpenSSL)", "ossl.gcm", NULL, NULL, "", ""},
    {"Floor: bare AES-256-GCM seal+open, AAD as long as gridseal's ClearToken2 (EVP)",
     "ossl.gcmaad", NULL, NULL, "", ""},
    {"Floor: the same through gridseal's OpenSSL provider (aead_seal + aead_open only)",
     "ossl.gcmprov", NULL, NULL, "", ""},
    {"Floor: bare HMAC-SHA256 (OpenSSL)", "ossl.hmac", NULL, NULL, "", ""},
    {"Floor: HMAC-SHA256 compute + verify over gridseal's tbp length (both sides)", "ossl.hmac2",
     NULL, NULL, "", ""},
    {"gridseal AEAD (aes256-GCM); handshake with the PKI cache on", "gs.aead", "gs.hs.cache",
     "gs.rekey", "1", "0 (1 msg + changedKey)"},
    {"gridseal encrypt-then-MAC (aes128-CBC + HMAC-SHA256)", "gs.etm", NULL, NULL, "", ""},
    {"gridseal integrity only (HMAC-SHA256)", "gs.int", NULL, NULL, "", ""},
    {"gridseal handshake with the PKI cache off", NULL, "gs.hs.nocache", NULL, "1", ""},
    {"TLS 1.3 via relay (TLS_AES_256_GCM_SHA384, mutual)", "tls.rec", "tls.hs", "tls.ku", "1.5",
     "0 (KeyUpdate + 1-B record each way)"},
    {"Message-based: ECDSA P-256 sign+verify per msg", "msg.sign", NULL, NULL, "0", "n/a"},
    {"Message-based: ECDH-ES + AES-256-GCM per msg", "msg.ecdhes", NULL, NULL, "0", "n/a"},
    {"Message-based: sign + ECDH-ES encrypt per msg", "msg.both", NULL, NULL, "0", "n/a"},
};

static void table_one(FILE *o) {
  char a[32], b[32], c[32], d[32], e[32], f[32], g[32], h[32];
  fprintf(o, "### Table I: per approach\n\n");
  fprintf(o, "CPU per message = protect + unprotect (sender + receiver), median, µs. "
             "Handshake CPU = per side (initiator/client | responder/server), µs. "
             "Bytes = on the wire (without TCP or relay framing).\n\n");
  fprintf(o, "| approach | CPU/msg 100 B | CPU/msg 1 KiB | bytes/msg 100 B | bytes/msg 1 KiB "
             "| handshake CPU per side | bytes/handshake | handshake flights (RTT) "
             "| key update CPU (both sides) | key update bytes | key update RTT |\n");
  fprintf(o, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (size_t i = 0; i < sizeof(g_rows) / sizeof(g_rows[0]); i++) {
    const row *r = &g_rows[i];
    if (r->msg_id != NULL) {
      fprintf(o, "| %s | %s | %s | %s | %s |", r->name, fmt_us(a, bench_us(r->msg_id, 100, 0)),
              fmt_us(b, bench_us(r->msg_id, 1024, 0)), fmt_n(c, wire(r->msg_id, 100)),
              fmt_n(d, wire(r->msg_id, 1024)));
    } else {
      fprintf(o, "| %s | | | | |", r->name);
    }
    if (r->hs_id != NULL) {
      fprintf(o, " %s \\| %s | %s | %d (%s) |", fmt_us(e, bench_us(r->hs_id, 0, 1)),
              fmt_us(f, bench_us(r->hs_id, 0, 2)), fmt_n(g, wire(r->hs_id, 0)), flights(r->hs_id),
              r->hs_rtt);
    } else if (r->hs_rtt[0] == '0') {
      fprintf(o, " none | 0 | 0 (0) |");
    } else {
      fprintf(o, " | | |");
    }
    if (r->ku_id != NULL) {
      fprintf(o, " %s | %s | %s |\n", fmt_us(h, bench_us(r->ku_id, 0, 0)),
              fmt_n(a, wire(r->ku_id, 0)), r->ku_rtt);
    } else {
      fprintf(o, " | | %s |\n", r->ku_rtt);
    }
  }
  fprintf(o, "\n");
}

static void table_handshakes(FILE *o) {
  static const char *const ids[] = {"gs.hs.cache", "gs.hs.nocache", "tls.hs", "gs.rekey", "tls.ku"};
  static const char *const names[] = {
      "gridseal handshake, PKI cache on", "gridseal handshake, PKI cache off",
      "TLS 1.3 mutual handshake (full, no tickets)", "gridseal key update (rekey + changedKey)",
      "TLS 1.3 KeyUpdate (requested + answer)"};
  char a[32], b[32], c[32], d[32];
  fprintf(o, "### Handshakes and key updates (µs, median)\n\n");
  fprintf(o, "| operation | both sides | initiator / client | responder / server | bytes | "
             "messages |\n|---|---:|---:|---:|---:|---:|\n");
  for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
    fprintf(o, "| %s | %s | %s | %s | %s | %d |\n", names[i], fmt_us(a, bench_us(ids[i], 0, 0)),
            fmt_us(b, bench_us(ids[i], 0, 1)), fmt_us(c, bench_us(ids[i], 0, 2)),
            fmt_n(d, wire(ids[i], 0)), flights(ids[i]));
  }
  fprintf(o, "\n");
}

static double prim_sum(void) {
  static const char *const p[] = {"ossl.sign", "ossl.verify", "ossl.keygen", "ossl.ecdh",
                                  "ossl.hkdf"};
  double s = 0;
  for (size_t i = 0; i < 5; i++) {
    double v = bench_us(p[i], 0, 0);
    if (v < 0) {
      return -1;
    }
    s += v;
  }
  return s;
}

static void table_primitives(FILE *o) {
  static const char *const p[] = {"ossl.sign", "ossl.verify", "ossl.keygen", "ossl.ecdh",
                                  "ossl.hkdf"};
  static const char *const n[] = {
      "ECDSA P-256 sign (SHA-256, 200 octets)", "ECDSA P-256 verify", "ECDH P-256 key generation",
      "ECDH P-256 derive (incl. peer point import)", "HKDF-SHA256 extract + expand 64 octets"};
  char a[32];
  fprintf(o, "### Floor: primitive operations (µs, median)\n\n| operation | µs |\n|---|---:|\n");
  for (size_t i = 0; i < 5; i++) {
    fprintf(o, "| %s | %s |\n", n[i], fmt_us(a, bench_us(p[i], 0, 0)));
  }
  fprintf(o, "| sum = one handshake side's primitives | %s |\n\n", fmt_us(a, prim_sum()));
}

static void table_payloads(FILE *o) {
  static const char *const ids[] = {"ossl.gcm", "gs.aead",  "gs.etm",     "gs.int",
                                    "tls.rec",  "msg.sign", "msg.ecdhes", "msg.both"};
  char a[32];
  fprintf(o, "### CPU per message against payload size (µs, median; data of the plot)\n\n");
  fprintf(o, "| payload (B) | bare GCM | gridseal AEAD | gridseal EtM | gridseal integrity | "
             "TLS 1.3 record | msg sign | msg ECDH-ES | msg sign+enc |\n");
  fprintf(o, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (size_t i = 0; i < 7; i++) {
    fprintf(o, "| %zu |", bench_plot_sizes[i]);
    for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
      fprintf(o, " %s |", fmt_us(a, bench_us(ids[k], bench_plot_sizes[i], 0)));
    }
    fprintf(o, "\n");
  }
  fprintf(o, "\n");
}

/* One target line: ratio = num/den; met when ratio >= goal (ge) or <= goal. */
static void target(FILE *o, const char *what, double num, double den, double goal, int ge,
                   const char *goal_text) {
  if (num < 0 || den <= 0) {
    fprintf(o, "| %s | n/a | %s | not measured |\n", what, goal_text);
    return;
  }
  double r = num / den;
  int met = ge ? r >= goal : r <= goal;
  fprintf(o, "| %s | %.2f | %s | %s |\n", what, r, goal_text,
          goal <= 0 ? "(information)"
          : met     ? "**met**"
                    : "**not met**");
}

static void table_targets(FILE *o) {
  double gs = bench_us("gs.aead", 100, 0);
  double gsi = bench_us("gs.int", 100, 0);
  double sum = prim_sum();
  fprintf(o, "### Ratios and targets\n\n| comparison (100-B messages; handshakes with the PKI "
             "cache on) | ratio | target | result |\n|---|---:|---|---|\n");
  target(o, "gridseal AEAD protect+unprotect / bare AES-256-GCM seal+open, same AAD length", gs,
         bench_us("ossl.gcmaad", 100, 0), 1.25, 0, "<= 1.25x");
  target(o, "TLS 1.3 record / gridseal AEAD protect+unprotect (rate advantage)",
         bench_us("tls.rec", 100, 0), gs, 2.0, 1, ">= 2x");
  target(o, "gridseal integrity-only / HMAC-SHA256 compute + verify, same length", gsi,
         bench_us("ossl.hmac2", 100, 0), 1.3, 0, "<= 1.3x");
  target(o, "gridseal initiator side / sum of its primitives", bench_us("gs.hs.cache", 0, 1), sum,
         1.15, 0, "<= 1.15x");
  target(o, "gridseal responder side / sum of its primitives", bench_us("gs.hs.cache", 0, 2), sum,
         1.15, 0, "<= 1.15x");
  target(o, "gridseal AEAD protect+unprotect / bare AES-256-GCM seal+open without AAD", gs,
         bench_us("ossl.gcm", 100, 0), 2.0, 0, "<= 2x (within 2x)");
  target(o, "TLS 1.3 handshake / gridseal handshake, both sides", bench_us("tls.hs", 0, 0),
         bench_us("gs.hs.cache", 0, 0), 2.0, 1, ">= 2x");
  target(o, "TLS 1.3 client side / gridseal initiator side", bench_us("tls.hs", 0, 1),
         bench_us("gs.hs.cache", 0, 1), 2.0, 1, ">= 2x");
  target(o, "TLS 1.3 server side / gridseal responder side", bench_us("tls.hs", 0, 2),
         bench_us("gs.hs.cache", 0, 2), 2.0, 1, ">= 2x");
  target(o, "message-based sign+verify / gridseal integrity-only", bench_us("msg.sign", 100, 0),
         gsi, 100.0, 1, ">= 100x");
  target(o, "message-based ECDH-ES+GCM / gridseal AEAD", bench_us("msg.ecdhes", 100, 0), gs, 100.0,
         1, ">= 100x");
  target(o, "message-based sign+encrypt / gridseal AEAD", bench_us("msg.both", 100, 0), gs, 100.0,
         1, ">= 100x");
  target(o, "(info) gridseal handshake cache off / cache on, both sides",
         bench_us("gs.hs.nocache", 0, 0), bench_us("gs.hs.cache", 0, 0), 0.0, 1, "-");
  target(o, "(info) TLS 1.3 handshake / gridseal handshake cache off, both sides",
         bench_us("tls.hs", 0, 0), bench_us("gs.hs.nocache", 0, 0), 0.0, 1, "-");
  target(o,
         "(info) gridseal AEAD / its provider's aead_seal + aead_open with the same AAD "
         "(the engine's own work on top of its cipher calls)",
         gs, bench_us("ossl.gcmprov", 100, 0), 0.0, 0, "-");
  target(o, "(info) EVP floor with the AAD / the same through gridseal's provider",
         bench_us("ossl.gcmaad", 100, 0), bench_us("ossl.gcmprov", 100, 0), 0.0, 0, "-");
  target(o, "(info) gridseal key update / TLS 1.3 KeyUpdate (gridseal's includes an ECDH)",
         bench_us("gs.rekey", 0, 0), bench_us("tls.ku", 0, 0), 0.0, 1, "-");
  fprintf(o, "\n");
}

/* The receive path before and after gs_endpoint_receive (AEAD). */
static void table_receive(FILE *o) {
  static const char *const ids[] = {"gs.rx.old", "gs.rx.new"};
  static const char *const names[] = {
      "before: pop_output (copy) + gs_endpoint_lookup + gs_session_receive",
      "after: peek/ack (in place) + gs_endpoint_receive (bound peer)"};
  char a[32], b[32], c[32], d[32], e[32];
  fprintf(o, "### Receive path: decodes per PDU (AEAD aes256-GCM, µs, median)\n\n");
  fprintf(o, "Both paths run interleaved in this run. CPU/msg = protect + unprotect; "
             "receive = the receiving side alone.\n\n");
  fprintf(o, "| path | decodes per received PDU | CPU/msg 100 B | receive 100 B | CPU/msg 1 KiB "
             "| receive 1 KiB |\n|---|---:|---:|---:|---:|---:|\n");
  for (size_t i = 0; i < 2; i++) {
    fprintf(o, "| %s | %s | %s | %s | %s | %s |\n", names[i],
            fmt_n(a, bench_gridseal_decodes_per_pdu(i == 1)), fmt_us(b, bench_us(ids[i], 100, 0)),
            fmt_us(c, bench_us(ids[i], 100, 1)), fmt_us(d, bench_us(ids[i], 1024, 0)),
            fmt_us(e, bench_us(ids[i], 1024, 1)));
  }
  fprintf(o, "\n| ratio before / after | ratio | target | result |\n|---|---:|---|---|\n");
  target(o, "(info) CPU/msg 100 B", bench_us(ids[0], 100, 0), bench_us(ids[1], 100, 0), 0.0, 1,
         "-");
  target(o, "(info) receive 100 B", bench_us(ids[0], 100, 1), bench_us(ids[1], 100, 1), 0.0, 1,
         "-");
  target(o, "(info) CPU/msg 1 KiB", bench_us(ids[0], 1024, 0), bench_us(ids[1], 1024, 0), 0.0, 1,
         "-");
  target(o, "(info) receive 1 KiB", bench_us(ids[0], 1024, 1), bench_us(ids[1], 1024, 1), 0.0, 1,
         "-");
  fprintf(o, "\n");
}

static void write_md(FILE *o, const opts *op, size_t rounds) {
  char cpu[256];
  char date[64];
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", &tm);
  cpu_model(cpu, sizeof(cpu));
  fprintf(o, "Generated %s by `%s`.\n\n", date, op->cmd);
  fprintf(o,
          "Machine: %ld CPUs online, %s; %s; compiler %s; RelWithDebInfo (-O2).\n"
          "Run: %zu interleaved rounds in a %.0f-s budget, batches of ~%.1f ms, "
          "thread CPU time, medians over rounds.\n\n",
          sysconf(_SC_NPROCESSORS_ONLN), cpu, OpenSSL_version(OPENSSL_VERSION), __VERSION__, rounds,
          op->budget_s, op->batch_ms);
  table_one(o);
  table_targets(o);
  table_receive(o);
  table_handshakes(o);
  table_primitives(o);
  bench_gridseal_table_memory(o);
  table_payloads(o);
}

static void write_dat(FILE *o) {
  static const char *const ids[] = {"ossl.gcm", "gs.aead",  "gs.etm",     "gs.int",
                                    "tls.rec",  "msg.sign", "msg.ecdhes", "msg.both"};
  fprintf(o, "# payload");
  for (size_t k = 0; k < 8; k++) {
    fprintf(o, " %s", ids[k]);
  }
  fprintf(o, "\n");
  for (size_t i = 0; i < 7; i++) {
    fprintf(o, "%zu", bench_plot_sizes[i]);
    for (size_t k = 0; k < 8; k++) {
      double v = bench_us(ids[k], bench_plot_sizes[i], 0);
      fprintf(o, v < 0 ? " NaN" : " %.4f", v);
    }
    fprintf(o, "\n");
  }
}

static void write_file(const char *path, void (*fn)(FILE *, const opts *, size_t), const opts *op,
                       size_t rounds) {
  FILE *f = path != NULL ? fopen(path, "w") : stdout;
  if (f == NULL) {
    bench_die("cannot open output file");
  }
  fn(f, op, rounds);
  if (f != stdout) {
    fclose(f);
  }
}

static void dat_adapter(FILE *o, const opts *op, size_t rounds) {
  (void)op;
  (void)rounds;
  write_dat(o);
}

int main(int argc, char **argv) {
  opts op;
  parse(argc, argv, &op);
  bench_pki_get();
  bench_gridseal_register(); /* first: the floors take its AAD / tbp lengths */
  bench_primitives_register();
  bench_tls13_register();
  bench_msgsec_register();
  bench_only(op.only);
  if (op.payload >= 0) {
    bench_only_payload((size_t)op.payload);
  }
  size_t rounds = bench_run_all(op.budget_s, op.min_rounds, op.batch_ms);
  int failed = 0;
  for (size_t i = 0; i < bench_count(); i++) {
    failed |= bench_get(i)->failed;
  }
  write_file(op.md, write_md, &op, rounds);
  if (op.dat != NULL) {
    write_file(op.dat, dat_adapter, &op, rounds);
  }
  bench_msgsec_free();
  bench_tls13_free();
  bench_gridseal_free();
  bench_primitives_free();
  bench_pki_free();
  return failed ? 1 : 0;
}
