/* Replays fuzz inputs as an ordinary test: each argument is a file or a
 * directory of files fed once to LLVMFuzzerTestOneInput. Linked instead of
 * libFuzzer in normal and sanitizer builds, so the committed corpora run in
 * every `make check`. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    perror(path);
    return 1;
  }
  uint8_t *buf = malloc(1u << 20);
  if (buf == NULL) {
    fclose(f);
    return 1;
  }
  size_t n = fread(buf, 1, 1u << 20, f);
  fclose(f);
  /* Copy into an exact-size allocation so ASan sees overreads. */
  uint8_t *exact = malloc(n ? n : 1);
  if (exact == NULL) {
    free(buf);
    return 1;
  }
  memcpy(exact, buf, n);
  free(buf);
  LLVMFuzzerTestOneInput(exact, n);
  free(exact);
  return 0;
}

int main(int argc, char **argv) {
  unsigned count = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      perror(argv[i]);
      return 1;
    }
    if (S_ISDIR(st.st_mode)) {
      DIR *d = opendir(argv[i]);
      if (d == NULL) {
        return 1;
      }
      struct dirent *e;
      while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
          continue;
        }
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
        if (run_file(path) != 0) {
          closedir(d);
          return 1;
        }
        count++;
      }
      closedir(d);
    } else {
      if (run_file(argv[i]) != 0) {
        return 1;
      }
      count++;
    }
  }
  printf("replayed %u inputs\n", count);
  return 0;
}
