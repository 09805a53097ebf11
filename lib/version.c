/* The library's version (include/gridseal/version.h, generated). */
#include "gridseal/version.h"

const char *gs_version(void) {
  return GS_VERSION_STRING;
}

unsigned gs_version_number(void) {
  return (unsigned)GS_VERSION_NUMBER;
}
