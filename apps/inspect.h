/* gridseal CLI: printing decoded SecPDUs and their MMS payloads as trees. */
#ifndef GS_APPS_INSPECT_H
#define GS_APPS_INSPECT_H

#include <stdio.h>

#include "gridseal/unstable/pdu.h"

/* Print every field of a decoded SecPDU (the header line is the caller's). */
void gs_inspect_secpdu(FILE *f, const gs_secpdu *pdu);

/* Print applData that travels in the clear: decoded as MMS when it is one
 * of the MMS PDUs the codec knows, otherwise as hex with the reason. */
void gs_inspect_mms(FILE *f, gs_slice appl_data, int indent);

#endif
