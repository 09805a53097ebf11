/* Internal: pieces shared by dermodel.c and dermodel_msg.c. */
#ifndef GRIDSEAL_DERMODEL_INTERNAL_H
#define GRIDSEAL_DERMODEL_INTERNAL_H

#include "dermodel.h"

/* utc-time of `t` (ms since 1970): 24-bit fraction, quality 0x0A. */
gs_mms_utc_time dermodel_utc(gs_time_ms t);

#endif
