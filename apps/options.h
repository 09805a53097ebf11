/* gridseal CLI: what the commands' getopt_long parsers share (house style:
 * a "+:" optstring, one line naming the option on a usage error, exit 2). */
#ifndef GS_APPS_OPTIONS_H
#define GS_APPS_OPTIONS_H

#include <getopt.h>

/* A parser's return value for -h / --help: the usage was printed, the
 * command exits GS_EXIT_OK. */
#define GS_EXIT_HELP (-1)

/* Print the message for getopt_long's error return `c` (':' = missing
 * value, '?' = unknown option, or a value given to an option that takes
 * none) of command `cmd` ("der", "pki init", ...), naming the option as the
 * user wrote it: "der: --config needs a value", "cc: unknown option
 * '--frob' (see gridseal cc --help)", "pki init: --force takes no value".
 * `longopts` is the parser's table. Returns GS_EXIT_USAGE. */
int gs_app_opt_error(const char *cmd, int c, const struct option *longopts, char **argv);

/* "cmd: unexpected argument 'ARG' (see gridseal cmd --help)"; returns
 * GS_EXIT_USAGE. */
int gs_app_opt_extra(const char *cmd, const char *arg);

#endif
