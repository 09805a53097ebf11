/* `gridseal vectors [DIR]`: write the published exchange vectors (JSON,
 * docs/vectors/README.md) with the generator of tests/vectors. Available
 * when the build has the gs_vectors library (tests enabled, jansson). */
#include <stdio.h>

#include "commands.h"
#include "util.h"
#ifdef GS_HAVE_VECTORS
#include "vec.h"
#endif

void gs_cmd_vectors_usage(FILE *f) {
  fputs("usage: gridseal vectors [DIR]\n\n"
        "Write the E2E exchange test vectors (JSON, format in docs/vectors/README.md)\n"
        "into DIR (default: docs/vectors). Every run draws new keys, so the files\n"
        "differ from run to run; each is self-consistent and replayable.\n",
        f);
}

int gs_cmd_vectors(int argc, char **argv) {
  if (argc > 2) {
    gs_app_err("vectors: unexpected argument '%s'", argv[2]);
    return GS_EXIT_USAGE;
  }
#ifdef GS_HAVE_VECTORS
  const char *dir = argc > 1 ? argv[1] : "docs/vectors";
  char err[512];
  if (gs_vectors_write_all(dir, err, sizeof(err)) != 0) {
    gs_app_err("vectors: %s", err);
    return GS_EXIT_FAIL;
  }
  printf("vectors written to %s\n", dir);
  return GS_EXIT_OK;
#else
  (void)argv;
  gs_app_err("vectors: not built (needs the gs_vectors library: tests and jansson)");
  return GS_EXIT_USAGE;
#endif
}
