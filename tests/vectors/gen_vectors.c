/* gs_gen_vectors: writes the published test vectors (the JSON files of
 * docs/vectors, format in docs/vectors/README.md) with
 * gs_vectors_write_all() (vec_gen.c). Every run draws new keys, so every
 * file changes; run it only when the protocol changes on purpose and
 * commit the output.
 *
 *   gs_gen_vectors [DIR]     (default: docs/vectors)
 */
#include <stdio.h>

#include "vec.h"

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "docs/vectors";
  char err[256] = "";
  if (argc > 2) {
    fprintf(stderr, "usage: gs_gen_vectors [DIR]\n");
    return 2;
  }
  if (gs_vectors_write_all(dir, err, sizeof(err)) != 0) {
    fprintf(stderr, "gs_gen_vectors: %s\n", err);
    return 1;
  }
  printf("wrote the vector files to %s\n", dir);
  return 0;
}
