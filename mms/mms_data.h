/* Internal: Data, results, ObjectName and VariableAccessSpecification
 * codec pieces shared by the PDU codec (mms_pdu.c). */
#ifndef GRIDSEAL_MMS_DATA_H
#define GRIDSEAL_MMS_DATA_H

#include "mms_ber.h"

/* Data (t already read from r). */
int mms_dec_data(const mms_rd *r, const mms_tlv *t, gs_mms_arena *a, gs_mms_data *d);
void mms_enc_data(mms_wr *w, const gs_mms_data *d);
/* AccessResult (write_result false) or write result (true). */
int mms_dec_result(const mms_rd *r, const mms_tlv *t, gs_mms_arena *a, bool write_result,
                   gs_mms_data *d);
/* SEQUENCE OF AccessResult / write result, the list element being t. */
int mms_dec_result_list(const mms_rd *r, const mms_tlv *t, gs_mms_arena *a, bool write_result,
                        gs_mms_data **items, size_t *count);
void mms_enc_result_list(mms_wr *w, uint8_t cls, uint32_t num, const gs_mms_data *items,
                         size_t count, bool write_result);

/* ObjectName (t already read). */
int mms_dec_name(const mms_tlv *t, const mms_rd *r, gs_mms_object_name *o);
void mms_enc_name(mms_wr *w, const gs_mms_object_name *o);
/* VariableAccessSpecification (t already read). */
int mms_dec_vas(const mms_rd *r, const mms_tlv *t, gs_mms_arena *a, gs_mms_var_access *v);
void mms_enc_vas(mms_wr *w, const gs_mms_var_access *v);

#endif
