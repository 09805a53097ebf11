/* gridseal: the command-line tool. `gridseal COMMAND [ARGS]`; see
 * docs/CLI.md and gridseal(1). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "gridseal/version.h"
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
  if (argc > 1) {
    gs_app_err("version: unexpected argument '%s'", argv[1]);
    return GS_EXIT_USAGE;
  }
  printf("gridseal %s\n", gs_version());
  return GS_EXIT_OK;
}

static void usage(FILE *f) {
  fputs("usage: gridseal COMMAND [ARGS]\n\n"
        "IEC 62351-4 end-to-end application security: tools.\n\ncommands:\n",
        f);
  for (size_t i = 0; i < N_COMMANDS; i++) {
    fprintf(f, "  %-8s %s%s\n", gs_app_commands[i].name, gs_app_commands[i].summary,
            gs_app_commands[i].run ? "" : " (not yet available)");
  }
  fputs("\n`gridseal COMMAND --help` describes each command.\n", f);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return GS_EXIT_USAGE;
  }
  if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return GS_EXIT_OK;
  }
  if (strcmp(argv[1], "--version") == 0) {
    return cmd_version(1, argv + 1);
  }
  for (size_t i = 0; i < N_COMMANDS; i++) {
    const gs_app_command *c = &gs_app_commands[i];
    if (strcmp(argv[1], c->name) != 0) {
      continue;
    }
    if (gs_app_wants_help(argc - 1, argv + 1)) {
      c->usage(stdout);
      return GS_EXIT_OK;
    }
    if (c->run == NULL) {
      gs_app_err("%s: not yet available (needs the session engine)", c->name);
      return GS_EXIT_USAGE;
    }
    return c->run(argc - 1, argv + 1);
  }
  gs_app_err("unknown command '%s' (see gridseal --help)", argv[1]);
  return GS_EXIT_USAGE;
}
