/* gs-vectors (test-only program, never installed): writes the published test vectors (the JSON
 * files of docs/vectors, format in docs/vectors/README.md) with gs_vectors_write_all() (vec_gen.c).
 * Every run draws new keys, so every file changes; run it only when the protocol changes on purpose
 * and commit the output.
 *
 *   build/tests/vectors/gs-vectors [DIR]     (default: docs/vectors)
 */
#include <stdio.h>

#include "vec.h"

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "docs/vectors";
  char err[256] = "";
  if (argc > 2) {
    fprintf(stderr, "usage: gs-vectors [DIR]\n");
    return 2;
  }
  if (gs_vectors_write_all(dir, err, sizeof(err)) != 0) {
    fprintf(stderr, "gs-vectors: %s\n", err);
    return 1;
  }
  printf("wrote the vector files to %s\n", dir);
  return 0;
}
