/* The commands' shared getopt_long error messages (options.h). */
#include "options.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

/* The option as written: "--name" without "=value", or "-x". */
static void opt_name(char **argv, char *out, size_t cap) {
  const char *arg = optind > 0 ? argv[optind - 1] : "";
  if (arg != NULL && strncmp(arg, "--", 2) == 0) {
    const char *eq = strchr(arg, '=');
    size_t n = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
    snprintf(out, cap, "%.*s", (int)n, arg);
  } else if (optopt > 0 && optopt < 128) {
    snprintf(out, cap, "-%c", optopt);
  } else {
    snprintf(out, cap, "%s", arg != NULL ? arg : "");
  }
}

/* True when `name` ("--force") is a long option taking no value. */
static bool flag_option(const struct option *lo, const char *name) {
  for (; lo != NULL && lo->name != NULL; lo++) {
    if (lo->has_arg == no_argument && strcmp(lo->name, name + 2) == 0) {
      return true;
    }
  }
  return false;
}

int gs_app_opt_error(const char *cmd, int c, const struct option *longopts, char **argv) {
  char name[80];
  opt_name(argv, name, sizeof(name));
  const char *arg = optind > 0 ? argv[optind - 1] : NULL;
  if (c == ':') {
    gs_app_err("%s: %s needs a value", cmd, name);
  } else if (arg != NULL && strncmp(arg, "--", 2) == 0 && strchr(arg, '=') != NULL &&
             flag_option(longopts, name)) {
    gs_app_err("%s: %s takes no value", cmd, name);
  } else {
    gs_app_err("%s: unknown option '%s' (see gridseal %s --help)", cmd, name, cmd);
  }
  return GS_EXIT_USAGE;
}

int gs_app_opt_extra(const char *cmd, const char *arg) {
  gs_app_err("%s: unexpected argument '%s' (see gridseal %s --help)", cmd, arg, cmd);
  return GS_EXIT_USAGE;
}
