/* gridseal: the command-line tool. `gridseal COMMAND [ARGS]`; see
 * docs/CLI.md and gridseal(1). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "gridseal/version.h"
#include "options.h"
#include "util.h"

static int cmd_version(int argc, char **argv);
static void cmd_version_usage(FILE *f);

static const gs_app_command gs_app_commands[] = {
    {"pki", "create a demo PKI (E2E and hop CAs, certificates, configs)", gs_cmd_pki,
     gs_cmd_pki_usage},
    {"inspect", "decode SecPDUs (DER, hex, base64, TCP framing or a pcap) as trees or JSON",
     gs_cmd_inspect, gs_cmd_inspect_usage},
    {"config", "check a configuration file and print what it sets", gs_cmd_config,
     gs_cmd_config_usage},
    {"der", "run a DER controller (responder)", gs_cmd_der, gs_cmd_der_usage},
    {"cc", "run a control center (initiator)", gs_cmd_cc, gs_cmd_cc_usage},
    {"version", "print the version", cmd_version, cmd_version_usage},
};

#define N_COMMANDS (sizeof(gs_app_commands) / sizeof(gs_app_commands[0]))

int gs_app_wants_help(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      return 1;
    }
    if (strcmp(argv[i], "--") == 0) {
      break;
    }
  }
  return 0;
}

static void cmd_version_usage(FILE *f) {
  fputs("usage: gridseal version\n\nPrint the version of gridseal.\n", f);
}

static int cmd_version(int argc, char **argv) {
  static const struct option lo[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  opterr = 0;
  optind = 0; /* a fresh scan (glibc) */
  int c = getopt_long(argc, argv, "+:h", lo, NULL);
  if (c == 'h') {
    cmd_version_usage(stdout);
    return GS_EXIT_OK;
  }
  if (c != -1) {
    return gs_app_opt_error("version", c, lo, argv);
  }
  if (optind < argc) {
    return gs_app_opt_extra("version", argv[optind]);
  }
  printf("gridseal %s\n", gs_version());
  return GS_EXIT_OK;
}

static void usage(FILE *f) {
  fputs("usage: gridseal [-h|--help] [-V|--version] COMMAND [ARGS]\n\n"
        "IEC 62351-4 end-to-end application security: tools.\n\ncommands:\n",
        f);
  for (size_t i = 0; i < N_COMMANDS; i++) {
    fprintf(f, "  %-8s %s%s\n", gs_app_commands[i].name, gs_app_commands[i].summary,
            gs_app_commands[i].run ? "" : " (not yet available)");
  }
  fputs("\n`gridseal COMMAND --help` describes each command. Exit status: 0 success,\n"
        "1 the operation failed, 2 a usage error (docs/CLI.md).\n",
        f);
}

int main(int argc, char **argv) {
  static const struct option lo[] = {
      {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};
  opterr = 0;
  optind = 0;
  int c;
  while ((c = getopt_long(argc, argv, "+:hV", lo, NULL)) != -1) {
    switch (c) {
    case 'h':
      usage(stdout);
      return GS_EXIT_OK;
    case 'V':
      printf("gridseal %s\n", gs_version());
      return GS_EXIT_OK;
    default:
      if (optind > 0 && argv[optind - 1] != NULL && strncmp(argv[optind - 1], "--", 2) == 0) {
        gs_app_err("unknown option '%s' (see gridseal --help)", argv[optind - 1]);
      } else {
        gs_app_err("unknown option '-%c' (see gridseal --help)", optopt);
      }
      return GS_EXIT_USAGE;
    }
  }
  if (optind >= argc) {
    usage(stderr);
    return GS_EXIT_USAGE;
  }
  const char *cmd = argv[optind];
  int sub_argc = argc - optind;
  char **sub_argv = argv + optind;
  if (strcmp(cmd, "help") == 0) {
    usage(stdout);
    return GS_EXIT_OK;
  }
  for (size_t i = 0; i < N_COMMANDS; i++) {
    const gs_app_command *co = &gs_app_commands[i];
    if (strcmp(cmd, co->name) != 0) {
      continue;
    }
    if (gs_app_wants_help(sub_argc, sub_argv)) {
      co->usage(stdout);
      return GS_EXIT_OK;
    }
    if (co->run == NULL) {
      gs_app_err("%s: not yet available (needs the session engine)", co->name);
      return GS_EXIT_USAGE;
    }
    return co->run(sub_argc, sub_argv);
  }
  gs_app_err("unknown command '%s' (see gridseal --help)", cmd);
  return GS_EXIT_USAGE;
}
