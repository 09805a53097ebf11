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

/* The MMS PDU type name of clear applData, or NULL if it is not MMS the
 * codec decodes. */
const char *gs_inspect_mms_type(gs_slice appl_data);

/* JSON output of `gridseal inspect --json`: one object per SecPDU whose
 * keys are the Wireshark dissector's field names without "gridseal."
 * (docs/WIRESHARK.md). The caller writes '{', its own members with the
 * gs_inspect_json_* helpers, gs_inspect_json_secpdu(), then "}\n". */
typedef struct gs_inspect_json {
  FILE *f;
  int n; /* members written so far */
} gs_inspect_json;

void gs_inspect_json_str(gs_inspect_json *j, const char *key, const char *v);
void gs_inspect_json_int(gs_inspect_json *j, const char *key, long long v);
void gs_inspect_json_secpdu(gs_inspect_json *j, const gs_secpdu *pdu);

#endif
