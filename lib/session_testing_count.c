/* The decode counter of gs_testing_decodes() (include/gridseal/testing.h).
 * Linked only into programs built with gs_testing_count_decodes(TARGET)
 * (lib/CMakeLists.txt), which also passes --wrap=gs_secpdu_decode to the
 * linker: every call of gs_secpdu_decode() in the engine's objects then
 * lands here, is counted and goes on to the real decoder. No library, test
 * or installed, contains this file. */
#include "gridseal/testing.h"
#include "gridseal/unstable/pdu.h"

int __real_gs_secpdu_decode(gs_secpdu *p, const uint8_t *buf, size_t len);
int __wrap_gs_secpdu_decode(gs_secpdu *p, const uint8_t *buf, size_t len);

static uint64_t g_decodes;

int __wrap_gs_secpdu_decode(gs_secpdu *p, const uint8_t *buf, size_t len) {
  g_decodes++;
  return __real_gs_secpdu_decode(p, buf, len);
}

uint64_t gs_testing_decodes(void) {
  return g_decodes;
}
