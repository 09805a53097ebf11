/* gridseal: the MMS payload codec (ISO 9506-2 as IEC 61850-8-1 uses it).
 *
 * A strict, bounded BER codec for the MMS PDUs a control center and a DER
 * controller exchange: initiate, conclude, reject, confirmed read and write
 * of named variables (request, response, error) and the unconfirmed
 * informationReport. Everything else in ISO 9506 is refused with
 * GS_ERR_UNSUPPORTED (a known alternative not implemented here) or
 * GS_ERR_DER_UNKNOWN_CHOICE (a tag that is no alternative at all).
 *
 * Strictness: the decoder accepts exactly what gs_mms_encode() produces, so
 * every accepted PDU re-encodes to the same octets. Definite minimal lengths
 * only, minimal INTEGERs, BOOLEAN 0x00/0xFF, a DEFAULT value never encoded,
 * zero padding bits in BIT STRINGs, the right primitive/constructed form, no
 * trailing octets at any level. BIT STRINGs keep their exact bit count
 * (named-bit lists such as ServiceSupportOptions are sent at a fixed size in
 * IEC 61850 practice, so trailing zero bits are not removed).
 *
 * Memory: no allocation. Decoded Data values, result lists and variable
 * names live in a caller-provided gs_mms_arena; strings and octet strings
 * are gs_slice views into the input buffer (valid as long as that buffer).
 * For encoding, the caller fills a gs_mms_pdu whose pointers may refer to
 * any memory that outlives the call. */
#ifndef GRIDSEAL_MMS_H
#define GRIDSEAL_MMS_H

#include "common.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------- limits */
#define GS_MMS_MAX_PDU_SIZE (64u * 1024u) /* encoded PDU, octets */
#define GS_MMS_MAX_DEPTH 16u              /* BER nesting, PDU tag = depth 1 */
#define GS_MMS_MAX_LIST 256u              /* elements in any SEQUENCE OF */
#define GS_MMS_MAX_IDENT 129u             /* Identifier / VisibleString octets */
#define GS_MMS_MAX_OCTETS 4096u           /* octet-string / bit-string octets */
#define GS_MMS_MAX_CBB_OCTETS 4u          /* ParameterSupportOptions octets */
#define GS_MMS_MAX_SERVICES_OCTETS 16u    /* ServiceSupportOptions octets */

/* ------------------------------------------------------------- enums */
/* MMSpdu CHOICE: the values are the context tag numbers. */
typedef enum gs_mms_pdu_type {
  GS_MMS_CONFIRMED_REQUEST = 0,
  GS_MMS_CONFIRMED_RESPONSE = 1,
  GS_MMS_CONFIRMED_ERROR = 2,
  GS_MMS_UNCONFIRMED = 3,
  GS_MMS_REJECT = 4,
  GS_MMS_INITIATE_REQUEST = 8,
  GS_MMS_INITIATE_RESPONSE = 9,
  GS_MMS_INITIATE_ERROR = 10,
  GS_MMS_CONCLUDE_REQUEST = 11,
  GS_MMS_CONCLUDE_RESPONSE = 12,
  GS_MMS_CONCLUDE_ERROR = 13
} gs_mms_pdu_type;

/* Confirmed services (ConfirmedServiceRequest/Response tags) and the one
 * unconfirmed service implemented. */
typedef enum gs_mms_service {
  GS_MMS_SVC_READ = 4,
  GS_MMS_SVC_WRITE = 5,
  GS_MMS_SVC_INFORMATION_REPORT = 0 /* only in GS_MMS_UNCONFIRMED */
} gs_mms_service;

/* Data CHOICE tags, plus two result-only kinds (no Data tag of their own):
 * FAILURE is AccessResult/write-result failure [0] DataAccessError, SUCCESS
 * is the write-result success [1] NULL. */
typedef enum gs_mms_data_type {
  GS_MMS_DATA_FAILURE = 0,
  GS_MMS_DATA_ARRAY = 1,
  GS_MMS_DATA_STRUCTURE = 2,
  GS_MMS_DATA_BOOLEAN = 3,
  GS_MMS_DATA_BIT_STRING = 4,
  GS_MMS_DATA_INTEGER = 5,
  GS_MMS_DATA_UNSIGNED = 6,
  GS_MMS_DATA_FLOAT = 7,
  GS_MMS_DATA_OCTET_STRING = 9,
  GS_MMS_DATA_VISIBLE_STRING = 10,
  GS_MMS_DATA_UTC_TIME = 17,
  GS_MMS_DATA_SUCCESS = 255
} gs_mms_data_type;

/* DataAccessError. */
typedef enum gs_mms_access_error {
  GS_MMS_AE_OBJECT_INVALIDATED = 0,
  GS_MMS_AE_HARDWARE_FAULT = 1,
  GS_MMS_AE_TEMPORARILY_UNAVAILABLE = 2,
  GS_MMS_AE_OBJECT_ACCESS_DENIED = 3,
  GS_MMS_AE_OBJECT_UNDEFINED = 4,
  GS_MMS_AE_INVALID_ADDRESS = 5,
  GS_MMS_AE_TYPE_UNSUPPORTED = 6,
  GS_MMS_AE_TYPE_INCONSISTENT = 7,
  GS_MMS_AE_OBJECT_ATTRIBUTE_INCONSISTENT = 8,
  GS_MMS_AE_OBJECT_ACCESS_UNSUPPORTED = 9,
  GS_MMS_AE_OBJECT_NON_EXISTENT = 10,
  GS_MMS_AE_OBJECT_VALUE_INVALID = 11
} gs_mms_access_error;

/* ServiceError errorClass alternatives (0..12); e.g. class ACCESS with code
 * 3 is object-access-denied. */
typedef enum gs_mms_error_class {
  GS_MMS_EC_VMD_STATE = 0,
  GS_MMS_EC_APPLICATION_REFERENCE = 1,
  GS_MMS_EC_DEFINITION = 2,
  GS_MMS_EC_RESOURCE = 3,
  GS_MMS_EC_SERVICE = 4,
  GS_MMS_EC_SERVICE_PREEMPT = 5,
  GS_MMS_EC_TIME_RESOLUTION = 6,
  GS_MMS_EC_ACCESS = 7,
  GS_MMS_EC_INITIATE = 8,
  GS_MMS_EC_CONCLUDE = 9,
  GS_MMS_EC_CANCEL = 10,
  GS_MMS_EC_FILE = 11,
  GS_MMS_EC_OTHERS = 12
} gs_mms_error_class;

/* RejectPDU rejectReason alternatives (1..11) with their codes. */
typedef enum gs_mms_reject_class {
  GS_MMS_RJ_CONFIRMED_REQUEST = 1,
  GS_MMS_RJ_CONFIRMED_RESPONSE = 2,
  GS_MMS_RJ_CONFIRMED_ERROR = 3,
  GS_MMS_RJ_UNCONFIRMED = 4,
  GS_MMS_RJ_PDU_ERROR = 5,
  GS_MMS_RJ_CANCEL_REQUEST = 6,
  GS_MMS_RJ_CANCEL_RESPONSE = 7,
  GS_MMS_RJ_CANCEL_ERROR = 8,
  GS_MMS_RJ_CONCLUDE_REQUEST = 9,
  GS_MMS_RJ_CONCLUDE_RESPONSE = 10,
  GS_MMS_RJ_CONCLUDE_ERROR = 11
} gs_mms_reject_class;
#define GS_MMS_RJ_REQ_INVALID_ARGUMENT 4 /* confirmed-requestPDU codes */
#define GS_MMS_RJ_REQ_VALUE_OUT_OF_RANGE 9
#define GS_MMS_RJ_PDU_UNKNOWN_PDU_TYPE 0 /* pdu-error codes */
#define GS_MMS_RJ_PDU_INVALID_PDU 1

/* ObjectName scope. */
typedef enum gs_mms_scope {
  GS_MMS_SCOPE_VMD = 0,
  GS_MMS_SCOPE_DOMAIN = 1,
  GS_MMS_SCOPE_AA = 2
} gs_mms_scope;

/* ------------------------------------------------------------- values */
/* utc-time (IEC 61850-8-1): seconds since 1970, a 24-bit binary fraction of
 * a second, and the TimeQuality octet. */
typedef struct gs_mms_utc_time {
  uint32_t secs;
  uint32_t fraction; /* 0 .. 0xFFFFFF */
  uint8_t quality;
} gs_mms_utc_time;

/* One Data value (or one access/write result, see gs_mms_data_type). A
 * structure or array points to `count` contiguous child nodes. */
typedef struct gs_mms_data {
  gs_mms_data_type type;
  union {
    bool boolean;
    int64_t integer;
    uint32_t uns;
    float fp;        /* floating-point: exponent width 8, IEEE single */
    gs_slice octets; /* octet-string */
    gs_slice str;    /* visible-string: 0x20..0x7E */
    gs_mms_utc_time utc;
    gs_mms_access_error failure;
    struct {
      gs_slice octets; /* bit 0 = MSB of octets.ptr[0] */
      unsigned nbits;  /* octets.len * 8 - unused (0..7) */
    } bits;
    struct {
      struct gs_mms_data *items;
      size_t count;
    } list; /* structure, array */
  } v;
} gs_mms_data;

/* ObjectName. domain_id is used only with GS_MMS_SCOPE_DOMAIN. Identifiers
 * are 1..GS_MMS_MAX_IDENT visible characters. */
typedef struct gs_mms_object_name {
  gs_mms_scope scope;
  gs_slice domain_id;
  gs_slice item_id;
} gs_mms_object_name;

/* VariableAccessSpecification: a named variable list (list_name) or a list
 * of named variables (listOfVariable with variableSpecification name, no
 * alternateAccess). */
typedef struct gs_mms_var_access {
  bool is_list_name;
  gs_mms_object_name list_name;
  gs_mms_object_name *vars;
  size_t var_count;
} gs_mms_var_access;

typedef struct gs_mms_read_req {
  bool spec_with_result; /* DEFAULT FALSE: encoded only when true */
  gs_mms_var_access vas;
} gs_mms_read_req;

/* Read-Response, Write-Response and InformationReport share one shape:
 * results are FAILURE or Data nodes (write results: FAILURE or SUCCESS). */
typedef struct gs_mms_results {
  bool has_vas;          /* Read-Response only: the optional echo */
  gs_mms_var_access vas; /* Read-Response (optional), InformationReport */
  gs_mms_data *items;
  size_t count;
} gs_mms_results;

typedef struct gs_mms_write_req {
  gs_mms_var_access vas;
  gs_mms_data *data; /* listOfData */
  size_t count;
} gs_mms_write_req;

/* ServiceError (confirmed-Error, initiate-Error, conclude-Error). */
typedef struct gs_mms_service_error {
  gs_mms_error_class error_class;
  int32_t code;
  bool has_additional_code;
  int32_t additional_code;
  bool has_description;
  gs_slice description; /* VisibleString */
} gs_mms_service_error;

typedef struct gs_mms_reject {
  bool has_invoke_id;
  uint32_t invoke_id;
  gs_mms_reject_class reason;
  int32_t code;
} gs_mms_reject;

/* Initiate-RequestPDU / Initiate-ResponsePDU (same layout). */
typedef struct gs_mms_initiate {
  bool has_local_detail;
  int32_t local_detail; /* localDetailCalling / Called (max PDU size) */
  int16_t max_serv_calling;
  int16_t max_serv_called;
  bool has_nesting_level;
  int8_t nesting_level;
  int16_t version; /* 1 */
  uint8_t cbb[GS_MMS_MAX_CBB_OCTETS];
  unsigned cbb_bits; /* ParameterSupportOptions length in bits */
  uint8_t services[GS_MMS_MAX_SERVICES_OCTETS];
  unsigned services_bits; /* ServiceSupportOptions length in bits */
} gs_mms_initiate;

/* One MMS PDU. `invoke_id` applies to confirmed PDUs; `service` to confirmed
 * requests/responses (READ, WRITE) and unconfirmed PDUs (INFORMATION_REPORT). */
typedef struct gs_mms_pdu {
  gs_mms_pdu_type type;
  uint32_t invoke_id;
  gs_mms_service service;
  bool has_modifier_position; /* confirmed-Error */
  uint32_t modifier_position;
  union {
    gs_mms_read_req read_req;   /* CONFIRMED_REQUEST + READ */
    gs_mms_write_req write_req; /* CONFIRMED_REQUEST + WRITE */
    gs_mms_results results;     /* read/write response, information report */
    gs_mms_service_error error; /* CONFIRMED/INITIATE/CONCLUDE_ERROR */
    gs_mms_reject reject;
    gs_mms_initiate initiate; /* INITIATE_REQUEST / INITIATE_RESPONSE */
  } u;
} gs_mms_pdu;

/* ------------------------------------------------------------- arena */
/* Caller-provided storage for decoded (or built) node lists. Nodes are
 * handed out in contiguous runs; there is no free, only reset. */
typedef struct gs_mms_arena {
  gs_mms_data *data;
  size_t data_cap;
  size_t data_used;
  gs_mms_object_name *names;
  size_t names_cap;
  size_t names_used;
} gs_mms_arena;

/* Point the arena at caller arrays (either may be NULL with capacity 0). */
GS_EXPORT void gs_mms_arena_init(gs_mms_arena *a, gs_mms_data *data, size_t data_cap,
                                 gs_mms_object_name *names, size_t names_cap);
/* Forget every node handed out (the arrays are reused). */
GS_EXPORT void gs_mms_arena_reset(gs_mms_arena *a);
/* `n` contiguous zeroed nodes, or NULL if fewer than `n` are left (n == 0
 * also gives NULL). */
GS_EXPORT gs_mms_data *gs_mms_arena_data(gs_mms_arena *a, size_t n);
GS_EXPORT gs_mms_object_name *gs_mms_arena_names(gs_mms_arena *a, size_t n);

/* ------------------------------------------------------------- codec */
/* Encode `pdu` into out[0..cap). On success *len is the encoded length.
 * Errors: GS_ERR_INVALID_ARG (NULL argument, a type/service/field value
 * outside the implemented subset, a result kind in the wrong place, a
 * fraction over 24 bits, a bit count that does not fit its octets),
 * GS_ERR_DER_BAD_STRING / GS_ERR_DER_BAD_SIZE (an identifier or string
 * that the decoder would refuse), GS_ERR_DER_TOO_DEEP (nesting over
 * GS_MMS_MAX_DEPTH), GS_ERR_DER_TOO_LARGE (a list over GS_MMS_MAX_LIST or a
 * PDU over GS_MMS_MAX_PDU_SIZE), GS_ERR_BUFFER_TOO_SMALL. */
GS_EXPORT int gs_mms_encode(const gs_mms_pdu *pdu, uint8_t *out, size_t cap, size_t *len);

/* Decode exactly one PDU from in[0..len). Node lists come from `arena`
 * (not reset by this call); slices point into `in`. On error *pdu is
 * unspecified. Errors:
 *   GS_ERR_INVALID_ARG        NULL argument
 *   GS_ERR_DER_TOO_LARGE      input over GS_MMS_MAX_PDU_SIZE, a list over
 *                             GS_MMS_MAX_LIST, a string over its limit
 *   GS_ERR_DER_TRUNCATED      an element extends past its container, or a
 *                             required element is missing
 *   GS_ERR_DER_INDEFINITE_LENGTH, GS_ERR_DER_NON_MINIMAL_LENGTH,
 *   GS_ERR_DER_LENGTH_TOO_LARGE (more than 4 length octets), GS_ERR_DER_BAD_TAG
 *   GS_ERR_DER_TRAILING_BYTES octets after the PDU or after the last field
 *   GS_ERR_DER_TOO_DEEP       nesting over GS_MMS_MAX_DEPTH
 *   GS_ERR_DER_WRONG_TAG      an unexpected element
 *   GS_ERR_DER_CONSTRUCTED    the right tag in the wrong form
 *   GS_ERR_DER_INTEGER_NON_MINIMAL, GS_ERR_DER_INTEGER_RANGE,
 *   GS_ERR_DER_BAD_BOOLEAN, GS_ERR_DER_BAD_NULL, GS_ERR_DER_BAD_BIT_STRING,
 *   GS_ERR_DER_BAD_STRING (not visible characters),
 *   GS_ERR_DER_BAD_SIZE       empty INTEGER or identifier, float not 5
 *                             octets or exponent width not 8, utc-time not 8
 *                             octets, bit string over its field's size
 *   GS_ERR_DER_DEFAULT_ENCODED specificationWithResult FALSE encoded
 *   GS_ERR_DER_UNKNOWN_CHOICE a tag that is no alternative of its CHOICE
 *   GS_ERR_UNSUPPORTED        an MMS alternative outside the subset (other
 *                             services, cancel, modifiers, alternateAccess,
 *                             double precision, other Data types)
 *   GS_ERR_LIMIT              the arena ran out of nodes */
GS_EXPORT int gs_mms_decode(const uint8_t *in, size_t len, gs_mms_arena *arena, gs_mms_pdu *pdu);

/* Deep equality of two Data values (bit-exact floats). */
GS_EXPORT bool gs_mms_data_equal(const gs_mms_data *a, const gs_mms_data *b);

/* A gs_slice over a NUL-terminated string (NULL gives an empty slice). */
GS_EXPORT gs_slice gs_mms_str(const char *s);

/* The name of a PDU type / DataAccessError, e.g. "initiate-RequestPDU",
 * "object-value-invalid" (never NULL; "unknown" otherwise). */
GS_EXPORT const char *gs_mms_pdu_type_name(int type);
GS_EXPORT const char *gs_mms_access_error_name(int err);

#ifdef __cplusplus
}
#endif
#endif
