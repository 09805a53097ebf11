/* gridseal-scale: see scale.h. */
#include <stdlib.h>
#include <string.h>

#include "scale.h"

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: gridseal-scale pki|der|cc|xmpp ... (see bench/scale.h)\n");
    return 2;
  }
  const char *mode = argv[1];
  if (strcmp(mode, "modes") == 0) {
#ifdef GS_SCALE_XMPP
    puts("pki der cc xmpp");
#else
    puts("pki der cc");
#endif
    return 0;
  }
  if (strcmp(mode, "pki") == 0) {
    return sc_main_pki(argc - 2, argv + 2);
  }
  if (strcmp(mode, "der") == 0) {
    return sc_main_der(argc - 2, argv + 2);
  }
  if (strcmp(mode, "cc") == 0) {
    return sc_main_cc(argc - 2, argv + 2);
  }
#ifdef GS_SCALE_XMPP
  if (strcmp(mode, "xmpp") == 0) {
    return sc_main_xmpp(argc - 2, argv + 2);
  }
#endif
  fprintf(stderr, "gridseal-scale: unknown mode %s\n", mode);
  return 2;
}
