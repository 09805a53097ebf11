/* gridseal CLI: the subcommand table. Adding a subcommand is one entry in
 * gs_app_commands[] (main.c) and its run/usage functions. */
#ifndef GS_APPS_COMMANDS_H
#define GS_APPS_COMMANDS_H

#include <stdio.h>

typedef struct gs_app_command {
  const char *name;
  const char *summary;               /* one line for `gridseal --help` */
  int (*run)(int argc, char **argv); /* argv[0] is the subcommand name; NULL = pending */
  void (*usage)(FILE *f);            /* the subcommand's --help text */
} gs_app_command;

/* True if argv[1..argc) contains -h or --help. */
int gs_app_wants_help(int argc, char **argv);

int gs_cmd_pki(int argc, char **argv);
void gs_cmd_pki_usage(FILE *f);
/* `pki issue`, `pki attr-cert` (cmd_pki_issue.c); argv[0] is "issue" / "attr-cert" */
int gs_cmd_pki_issue(int argc, char **argv);
int gs_cmd_pki_attr_cert(int argc, char **argv);
/* `pki revoke` (cmd_pki_revoke.c); argv[0] is "revoke" */
int gs_cmd_pki_revoke(int argc, char **argv);
int gs_cmd_inspect(int argc, char **argv);
void gs_cmd_inspect_usage(FILE *f);
int gs_cmd_config(int argc, char **argv);
void gs_cmd_config_usage(FILE *f);
int gs_cmd_der(int argc, char **argv);
void gs_cmd_der_usage(FILE *f);
int gs_cmd_cc(int argc, char **argv);
void gs_cmd_cc_usage(FILE *f);

#endif
