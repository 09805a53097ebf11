/* gs_strerror() and gs_errname() from the one error list in error.h. */
#include "gridseal/error.h"

const char *gs_strerror(int err) {
  switch (err) {
  case GS_OK:
    return "success";
#define GS_ERR_TEXT_(name, value, text)                                                            \
  case name:                                                                                       \
    return text;
    GS_ERRORS(GS_ERR_TEXT_)
#undef GS_ERR_TEXT_
  default:
    return "unknown error";
  }
}

const char *gs_errname(int err) {
  switch (err) {
  case GS_OK:
    return "GS_OK";
#define GS_ERR_NAME_(name, value, text)                                                            \
  case name:                                                                                       \
    return #name;
    GS_ERRORS(GS_ERR_NAME_)
#undef GS_ERR_NAME_
  default:
    return "GS_ERR_UNKNOWN";
  }
}
