/* The malformed-input table: each row is one encoding and the exact error
 * its decoder must return. Rows are written in a small notation that the
 * test assembles with the DER writer (so lengths are right unless a row
 * says otherwise):
 *   XX{ ... }   constructed element, tag octet XX (hex), content inside
 *   XX'text'    primitive element with the ASCII content text
 *   XX:hhhh     primitive element with hex content
 *   XX=         primitive element with empty content
 *   !hhhh       raw octets copied as they are (bad lengths, bad tags)
 * The few rows that need size (over 64 KiB) are built by code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "der_internal.h"
#include "gridseal/unstable/pdu.h"

static int hexval(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

static uint8_t hexbyte(const char **s) {
  int hi = hexval((*s)[0]), lo = hexval((*s)[1]);
  assert_true(hi >= 0 && lo >= 0);
  *s += 2;
  return (uint8_t)(hi << 4 | lo);
}

static uint32_t tag_of(uint8_t b) {
  return GS_DER_TAG(b & 0xE0u, b & 0x1Fu);
}

/* Assemble `s` into w; returns at '}' or the end of the string. */
static void assemble(gs_der_writer *w, const char **s) {
  uint8_t tmp[256];
  while (**s != '\0' && **s != '}') {
    if (**s == ' ') {
      (*s)++;
    } else if (**s == '!') {
      (*s)++;
      while (hexval(**s) >= 0) {
        tmp[0] = hexbyte(s);
        gs_der_write_raw(w, tmp, 1);
      }
    } else {
      uint8_t t = hexbyte(s);
      char k = *(*s)++;
      size_t n = 0;
      if (k == '{') {
        gs_der_begin(w, tag_of(t));
        assemble(w, s);
        assert_int_equal(**s, '}');
        (*s)++;
        gs_der_end(w);
      } else if (k == '\'') {
        while (**s != '\'') {
          tmp[n++] = (uint8_t) * (*s)++;
        }
        (*s)++;
        gs_der_write_tlv(w, tag_of(t), tmp, n);
      } else if (k == ':') {
        while (hexval(**s) >= 0) {
          tmp[n++] = hexbyte(s);
        }
        gs_der_write_tlv(w, tag_of(t), tmp, n);
      } else {
        assert_int_equal(k, '=');
        gs_der_write_tlv(w, tag_of(t), NULL, 0);
      }
    }
  }
}

/* Building blocks of the rows. */
#define ALG_ECDSA "30{06:2a8648ce3d040302}"
#define ALG_HMAC "30{06:2a864886f70d0209}"
#define ALG_GCM "30{06:60864801650304012e}"
#define CERT "04:30820004cafebabe"
#define T "18'20261124193000.25Z'"
#define DH1 "30{30{02:13 04:04aabb}}"
#define AEAD "A0{" ALG_GCM "}"
#define CONF "03:0640"
#define PP "13'IEC61850-8-2'"
#define TOK1X(path, asso, dh, em, conf, tail)                                                      \
  "30{" ALG_ECDSA " " CERT " " path " 02:01 13'" asso "' " dh " " ALG_HMAC " " T " " em " " conf   \
  " " tail "}"
#define TOK1(asso) TOK1X("", asso, DH1, AEAD, CONF, "")
#define TBSHS(pp, tok1) "30{" pp " " tok1 " 80:a800}"
#define HSREQ(tok1) "A0{" TBSHS(PP, tok1) " 04:5151}"
#define TOK2X(asso, time, seq, tail) "30{13'" asso "' 18'" time "' 02:" seq " " tail "}"
#define TOK2(tail) TOK2X("1:2", "20261124193000Z", "07", tail)
#define AUTH "30{" ALG_HMAC " 04:00112233}"
#define TBP(tok2) "30{" tok2 " 04:a000}"
#define XFER(tag, tok2, tail) tag "{" TBP(tok2) " " tail "}"
#define TOK3(asso, tail) "30{" ALG_ECDSA " 02:01 13'" asso "' " T " " tail "}"
#define NOTICE(tag, tok3, tail) tag "{30{" tok3 " " tail "} 04:5151}"
#define C9 "04:01 04:02 04:03 04:04 04:05 04:06 04:07 04:08"

typedef enum { SECPDU, TOKEN2, ALGID, ENCR, TBS_HS, TBP_T, TBS_NOTICE } target;

typedef struct {
  const char *name;
  target t;
  const char *spec;
  int want;
} row;

static const row rows[] = {
    /* lengths and tags */
    {"indefinite length", SECPDU, "!A0800000", GS_ERR_DER_INDEFINITE_LENGTH},
    {"81 05 non-minimal", TOKEN2, "!3081050000000000", GS_ERR_DER_NON_MINIMAL_LENGTH},
    {"82 00 85 non-minimal", SECPDU, "!A0820085", GS_ERR_DER_NON_MINIMAL_LENGTH},
    {"84 huge length", SECPDU, "!A084FFFFFFFF00", GS_ERR_DER_LENGTH_TOO_LARGE},
    {"85 five length octets", TOKEN2, "!30850100000000", GS_ERR_DER_LENGTH_TOO_LARGE},
    {"length past end", SECPDU, "!A00530030201", GS_ERR_DER_TRUNCATED},
    {"inner length past end", SECPDU, "!A0043004020107", GS_ERR_DER_TRAILING_BYTES},
    {"high tag number", SECPDU, "!BF1F0100", GS_ERR_DER_BAD_TAG},
    {"empty input", SECPDU, "", GS_ERR_DER_TRUNCATED},
    {"trailing byte at top level", SECPDU, XFER("A9", TOK2(""), AUTH) " !00",
     GS_ERR_DER_TRAILING_BYTES},
    {"two PDUs in one", SECPDU, XFER("A9", TOK2(""), AUTH) " " XFER("A9", TOK2(""), AUTH),
     GS_ERR_DER_TRAILING_BYTES},
    {"trailing element in SEQUENCE", TOKEN2, TOK2("05="), GS_ERR_DER_TRAILING_BYTES},
    {"trailing element after auth", SECPDU, XFER("AA", TOK2(""), AUTH " 04="),
     GS_ERR_DER_TRAILING_BYTES},
    {"depth 17", SECPDU, "!A020301E301C301A30183016301430123010300E300C300A30083006300430023000",
     GS_ERR_DER_TOO_DEEP},
    {"universal SEQUENCE as SecPDU", SECPDU, "30{}", GS_ERR_DER_WRONG_TAG},
    {"primitive [9]", SECPDU, "89=", GS_ERR_DER_CONSTRUCTED},
    {"unknown SecPDU alternative [11]", SECPDU, "AB{" TBP(TOK2("")) "}", GS_ERR_DER_UNKNOWN_CHOICE},
    {"unknown SecPDU alternative [30]", SECPDU, "BE{}", GS_ERR_DER_UNKNOWN_CHOICE},
    {"constructed OCTET STRING sign", SECPDU, "A0{" TBSHS(PP, TOK1("12")) " 24{04:51}}",
     GS_ERR_DER_CONSTRUCTED},
    {"ClearTransfer without auth", SECPDU, XFER("A9", TOK2(""), ""), GS_ERR_DER_TRUNCATED},
    {"EncrTransfer without auth ok", SECPDU, XFER("AA", TOK2("80:00"), ""), GS_OK},
    {"handshakeReq ok", SECPDU, HSREQ(TOK1("12")), GS_OK},
    /* fields: duplicated, out of order, wrong type */
    {"duplicated iv", TOKEN2, TOK2("80:01 80:01"), GS_ERR_DER_TRAILING_BYTES},
    {"duplicated assoID", TOKEN2, "30{13'1:2' 13'1:2' 18'20261124193000Z' 02:07}",
     GS_ERR_DER_WRONG_TAG},
    {"rekey before iv", TOKEN2, TOK2("81:01 80:01"), GS_ERR_DER_TRAILING_BYTES},
    {"changedKey before reqRekey", TOKEN2, TOK2("83:FF 82:FF"), GS_ERR_DER_TRAILING_BYTES},
    {"seq missing", TOKEN2, "30{13'1:2' 18'20261124193000Z'}", GS_ERR_DER_TRUNCATED},
    {"assoID as UTF8String", TOKEN2, "30{0C'1:2' 18'20261124193000Z' 02:07}", GS_ERR_DER_WRONG_TAG},
    {"time as UTCTime", TOKEN2, "30{13'1:2' 17'261124193000Z' 02:07}", GS_ERR_DER_WRONG_TAG},
    {"Tbp without applData", TBP_T, "30{" TOK2("") "}", GS_ERR_DER_TRUNCATED},
    /* INTEGER and BOOLEAN */
    {"INTEGER 00 01", TOKEN2, TOK2X("1:2", "20261124193000Z", "0001", ""),
     GS_ERR_DER_INTEGER_NON_MINIMAL},
    {"empty INTEGER", TOKEN2, "30{13'1:2' 18'20261124193000Z' 02=}",
     GS_ERR_DER_INTEGER_NON_MINIMAL},
    {"negative seq", TOKEN2, TOK2X("1:2", "20261124193000Z", "FF", ""), GS_ERR_DER_INTEGER_RANGE},
    {"seq 2^31", TOKEN2, TOK2X("1:2", "20261124193000Z", "0080000000", ""),
     GS_ERR_DER_INTEGER_RANGE},
    {"seq 2^31-1 ok", TOKEN2, TOK2X("1:2", "20261124193000Z", "7FFFFFFF", ""), GS_OK},
    {"BOOLEAN 01", TOKEN2, TOK2("82:01"), GS_ERR_DER_BAD_BOOLEAN},
    {"explicit reqRekey FALSE", TOKEN2, TOK2("82:00"), GS_ERR_DER_DEFAULT_ENCODED},
    {"explicit changedKey FALSE", TOKEN2, TOK2("83:00"), GS_ERR_DER_DEFAULT_ENCODED},
    {"negative version", TBS_HS,
     TBSHS(PP,
           "30{" ALG_ECDSA " " CERT " 02:FF 13'12' " DH1 " " ALG_HMAC " " T " " AEAD " " CONF "}"),
     GS_ERR_DER_INTEGER_RANGE},
    {"diag over int32", SECPDU, NOTICE("A5", TOK3("1:2", ""), "80:0100000000"),
     GS_ERR_DER_INTEGER_RANGE},
    {"negative DH group", TBS_HS, TBSHS(PP, TOK1X("", "12", "30{30{02:ED 04:04}}", AEAD, CONF, "")),
     GS_ERR_DER_INTEGER_RANGE},
    /* GeneralizedTime */
    {"time .500Z", TOKEN2, TOK2X("1:2", "20261124193000.500Z", "07", ""), GS_ERR_DER_BAD_TIME},
    {"time .0Z", TOKEN2, TOK2X("1:2", "20261124193000.0Z", "07", ""), GS_ERR_DER_BAD_TIME},
    {"time whole seconds ok", TOKEN2, TOK2X("1:2", "20261124193000Z", "07", ""), GS_OK},
    {"time .123Z ok", TOKEN2, TOK2X("1:2", "20261124193000.123Z", "07", ""), GS_OK},
    {"time missing Z", TOKEN2, TOK2X("1:2", "20261124193000", "07", ""), GS_ERR_DER_BAD_TIME},
    {"time +0100", TOKEN2, TOK2X("1:2", "20261124193000+0100", "07", ""), GS_ERR_DER_BAD_TIME},
    {"time month 13", TOKEN2, TOK2X("1:2", "20261324193000Z", "07", ""), GS_ERR_DER_BAD_TIME},
    {"time Feb 30", TOKEN2, TOK2X("1:2", "20260230193000Z", "07", ""), GS_ERR_DER_BAD_TIME},
    {"time 1969", TOKEN2, TOK2X("1:2", "19691231235959Z", "07", ""), GS_ERR_DER_BAD_TIME},
    {"time 4 fraction digits", TOKEN2, TOK2X("1:2", "20261124193000.1234Z", "07", ""),
     GS_ERR_DER_BAD_TIME},
    /* AssoID, pp */
    {"assoID 1234", TBS_HS, TBSHS(PP, TOK1("1234")), GS_ERR_DER_BAD_ASSOID},
    {"assoID 1:", TBS_HS, TBSHS(PP, TOK1("1:")), GS_ERR_DER_BAD_ASSOID},
    {"assoID :1", TBS_HS, TBSHS(PP, TOK1(":1")), GS_ERR_DER_BAD_ASSOID},
    {"assoID a", TBS_HS, TBSHS(PP, TOK1("a")), GS_ERR_DER_BAD_ASSOID},
    {"assoID 1:2:3", TBS_HS, TBSHS(PP, TOK1("1:2:3")), GS_ERR_DER_BAD_ASSOID},
    {"token2 assoID without s", TOKEN2, TOK2X("12", "20261124193000Z", "07", ""),
     GS_ERR_DER_BAD_ASSOID},
    {"notice assoID 1:2345", SECPDU, NOTICE("A7", TOK3("1:2345", ""), ""), GS_ERR_DER_BAD_ASSOID},
    {"pp empty", TBS_HS, TBSHS("13=", TOK1("12")), GS_ERR_DER_BAD_SIZE},
    {"pp 33 chars", TBS_HS, TBSHS("13'123456789012345678901234567890123'", TOK1("12")),
     GS_ERR_DER_BAD_SIZE},
    {"pp 32 chars ok", TBS_HS, TBSHS("13'12345678901234567890123456789012'", TOK1("12")), GS_OK},
    {"pp non-printable", TBS_HS, TBSHS("13:4945430A", TOK1("12")), GS_ERR_DER_BAD_STRING},
    {"pp with '*'", TBS_HS, TBSHS("13'IEC*'", TOK1("12")), GS_ERR_DER_BAD_STRING},
    /* SIZE bounds */
    {"certPath 9", TBS_HS, TBSHS(PP, TOK1X("A0{" C9 " 04:09}", "12", DH1, AEAD, CONF, "")),
     GS_ERR_DER_BAD_SIZE},
    {"certPath 8 ok", TBS_HS, TBSHS(PP, TOK1X("A0{" C9 "}", "12", DH1, AEAD, CONF, "")), GS_OK},
    {"certPath empty", TBS_HS, TBSHS(PP, TOK1X("A0{}", "12", DH1, AEAD, CONF, "")),
     GS_ERR_DER_BAD_SIZE},
    {"notice certPath 9", SECPDU, NOTICE("A8", TOK3("1:2", "A1{" C9 " 04:09}"), ""),
     GS_ERR_DER_BAD_SIZE},
    {"5 DH offers", TBS_HS,
     TBSHS(PP, TOK1X("", "12",
                     "30{30{02:13 04:04} 30{02:13 04:04} 30{02:13 04:04} 30{02:13 04:04} "
                     "30{02:13 04:04}}",
                     AEAD, CONF, "")),
     GS_ERR_DER_BAD_SIZE},
    {"0 DH offers", TBS_HS, TBSHS(PP, TOK1X("", "12", "30{}", AEAD, CONF, "")),
     GS_ERR_DER_BAD_SIZE},
    {"DhKey with trailing field", TBS_HS,
     TBSHS(PP, TOK1X("", "12", "30{30{02:13 04:04 05=}}", AEAD, CONF, "")),
     GS_ERR_DER_TRAILING_BYTES},
    {"empty aead list", ENCR, "A0{}", GS_ERR_DER_BAD_SIZE},
    {"9 aead entries", ENCR,
     "A0{" ALG_GCM ALG_GCM ALG_GCM ALG_GCM ALG_GCM ALG_GCM ALG_GCM ALG_GCM ALG_GCM "}",
     GS_ERR_DER_BAD_SIZE},
    {"nonAead without icv", ENCR, "A1{A0{" ALG_GCM "}}", GS_ERR_DER_TRUNCATED},
    {"nonAead empty icv", ENCR, "A1{A1{}}", GS_ERR_DER_BAD_SIZE},
    {"nonAead icv before encr", ENCR, "A1{A1{" ALG_HMAC "} A0{" ALG_GCM "}}",
     GS_ERR_DER_TRAILING_BYTES},
    {"encrMode [2]", ENCR, "A2{}", GS_ERR_DER_WRONG_TAG},
    {"encrMode primitive [0]", ENCR, "80=", GS_ERR_DER_CONSTRUCTED},
    /* extension marker */
    {"unknown ClearToken1 extension", TBS_HS, TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "84:00")),
     GS_ERR_DER_UNKNOWN_EXTENSION},
    {"ClearToken1 extension after attCert", TBS_HS,
     TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "81:00 A5{}")), GS_ERR_DER_UNKNOWN_EXTENSION},
    /* responder [2] PeerName (D16) */
    {"responder xmppAddr ok", TBS_HS,
     TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "A2{80'der1@grid.example'}")), GS_OK},
    {"responder uri after attCert ok", TBS_HS,
     TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "81:00 A2{81'urn:gridseal:der1'}")), GS_OK},
    {"responder dns ok", TBS_HS,
     TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "A2{82'der1.example'}")), GS_OK},
    {"responder utf-8 ok", TBS_HS,
     TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "A2{80:C3A9F09F9880}")), GS_OK},
    {"responder before attCert", TBS_HS,
     TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "A2{82'd'} 81:00")), GS_ERR_DER_UNKNOWN_EXTENSION},
    {"responder primitive [2]", TBS_HS, TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "82'd'")),
     GS_ERR_DER_CONSTRUCTED},
    {"responder empty", TBS_HS, TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "A2{}")),
     GS_ERR_DER_TRUNCATED},
    {"responder unknown alternative", TBS_HS,
     TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "A2{83'd'}")), GS_ERR_DER_UNKNOWN_CHOICE},
    {"responder UTF8String untagged", TBS_HS,
     TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "A2{0C'd'}")), GS_ERR_DER_UNKNOWN_CHOICE},
    {"responder constructed [0]", TBS_HS,
     TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "A2{A0{0C'd'}}")), GS_ERR_DER_CONSTRUCTED},
    {"responder two names", TBS_HS, TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "A2{82'd' 82'e'}")),
     GS_ERR_DER_TRAILING_BYTES},
    {"responder twice", TBS_HS, TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "A2{82'd'} A2{82'd'}")),
     GS_ERR_DER_UNKNOWN_EXTENSION},
    {"responder empty name", TBS_HS, TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "A2{82=}")),
     GS_ERR_DER_BAD_SIZE},
    {"responder NUL", TBS_HS, TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "A2{81:610062}")),
     GS_ERR_DER_BAD_STRING},
    {"responder IA5 8-bit", TBS_HS, TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "A2{82:61E9}")),
     GS_ERR_DER_BAD_STRING},
    {"responder xmpp overlong", TBS_HS, TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "A2{80:C0AF}")),
     GS_ERR_DER_BAD_STRING},
    {"responder xmpp surrogate", TBS_HS,
     TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "A2{80:EDA080}")), GS_ERR_DER_BAD_STRING},
    {"responder xmpp truncated sequence", TBS_HS,
     TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "A2{80:61E282}")), GS_ERR_DER_BAD_STRING},
    {"responder xmpp over U+10FFFF", TBS_HS,
     TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "A2{80:F4908080}")), GS_ERR_DER_BAD_STRING},
    {"responder xmpp NUL", TBS_HS, TBSHS(PP, TOK1X("", "12", DH1, AEAD, CONF, "A2{80:00}")),
     GS_ERR_DER_BAD_STRING},
    /* binding [2] OCTET STRING (SIZE (32)); with pkCert for the rejects (D17) */
    {"binding 31 octets", SECPDU,
     NOTICE("A6", TOK3("1:2", "82:00000000000000000000000000000000000000000000000000000000000000"),
            ""),
     GS_ERR_DER_BAD_SIZE},
    {"binding 33 octets", SECPDU,
     NOTICE("A6",
            TOK3("1:2", "82:000000000000000000000000000000000000000000000000000000000000000000"),
            ""),
     GS_ERR_DER_BAD_SIZE},
    {"binding empty", SECPDU, NOTICE("A6", TOK3("1:2", "82="), ""), GS_ERR_DER_BAD_SIZE},
    {"binding 32 octets ok", SECPDU,
     NOTICE("A6",
            TOK3("1:2", "82:0000000000000000000000000000000000000000000000000000000000000000"), ""),
     GS_OK},
    {"reject pkCert and binding ok", SECPDU,
     NOTICE(
         "A3",
         TOK3("1", "80:3000 82:0000000000000000000000000000000000000000000000000000000000000000"),
         "80:0A"),
     GS_OK},
    {"binding before pkCert", SECPDU,
     NOTICE(
         "A3",
         TOK3("1", "82:0000000000000000000000000000000000000000000000000000000000000000 80:3000"),
         "80:0A"),
     GS_ERR_DER_TRAILING_BYTES},
    {"unknown ClearToken3 field", SECPDU, NOTICE("A6", TOK3("1:2", "83:00"), ""),
     GS_ERR_DER_TRAILING_BYTES},
    /* BIT STRING, OID, AlgorithmIdentifier */
    {"BIT STRING unused bits 8", TBS_HS, TBSHS(PP, TOK1X("", "12", DH1, AEAD, "03:0800", "")),
     GS_ERR_DER_BAD_BIT_STRING},
    {"BIT STRING unused bit set", TBS_HS, TBSHS(PP, TOK1X("", "12", DH1, AEAD, "03:0641", "")),
     GS_ERR_DER_BAD_BIT_STRING},
    {"BIT STRING trailing zero bit", TBS_HS, TBSHS(PP, TOK1X("", "12", DH1, AEAD, "03:0540", "")),
     GS_ERR_DER_BAD_BIT_STRING},
    {"confParams unnamed bit 3", TBS_HS, TBSHS(PP, TOK1X("", "12", DH1, AEAD, "03:0410", "")),
     GS_ERR_DER_BAD_BIT_STRING},
    {"confParams empty ok", TBS_HS, TBSHS(PP, TOK1X("", "12", DH1, AEAD, "03:00", "")), GS_OK},
    {"AlgorithmIdentifier OCTET STRING params", ALGID, "30{06:2a864886f70d0209 04:00}",
     GS_ERR_DER_BAD_PARAMS},
    {"AlgorithmIdentifier SEQUENCE params", ALGID, "30{06:2a864886f70d0209 30{}}",
     GS_ERR_DER_BAD_PARAMS},
    {"AlgorithmIdentifier NULL on a profile algorithm", ALGID, "30{06:2a864886f70d0209 05=}",
     GS_ERR_DER_BAD_PARAMS},
    {"AlgorithmIdentifier NULL, OID the profile does not know", ALGID,
     "30{06:2a864886f70d020b 05=}", GS_OK},
    {"AlgorithmIdentifier NULL with content", ALGID, "30{06:2a864886f70d0209 05:00}",
     GS_ERR_DER_BAD_NULL},
    {"AlgorithmIdentifier two NULLs", ALGID, "30{06:2a864886f70d0209 05= 05=}",
     GS_ERR_DER_TRAILING_BYTES},
    {"empty OID", ALGID, "30{06=}", GS_ERR_DER_BAD_OID},
    {"OID arc 0x80 0x01", ALGID, "30{06:2a8001}", GS_ERR_DER_BAD_OID},
    {"OID missing", ALGID, "30{}", GS_ERR_DER_TRUNCATED},
};

static int decode(target t, const uint8_t *b, size_t n) {
  gs_secpdu p;
  gs_token2 t2;
  gs_algid a;
  gs_encr_mode m;
  gs_tbs_handshake th;
  gs_tbp tbp;
  gs_tbs_notice tn;
  switch (t) {
  case SECPDU:
    return gs_secpdu_decode(&p, b, n);
  case TOKEN2:
    return gs_token2_decode(&t2, b, n);
  case ALGID:
    return gs_algid_decode(&a, b, n);
  case ENCR:
    return gs_encr_mode_decode(&m, b, n);
  case TBS_HS:
    return gs_tbs_handshake_decode(&th, b, n);
  case TBP_T:
    return gs_tbp_decode(&tbp, b, n);
  case TBS_NOTICE:
    return gs_tbs_notice_decode(&tn, b, n);
  }
  return GS_ERR_INTERNAL;
}

static uint8_t buf[70000];
static uint8_t buf2[70000];

static void test_table(void **state) {
  (void)state;
  size_t fails = 0;
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    gs_der_writer w;
    size_t n = 0;
    const char *s = rows[i].spec;
    gs_der_writer_init(&w, buf, sizeof(buf));
    assemble(&w, &s);
    assert_int_equal(gs_der_writer_finish(&w, &n), GS_OK);
    int rc = decode(rows[i].t, buf, n);
    if (rc != rows[i].want) {
      fprintf(stderr, "row %zu \"%s\": got %s, want %s\n", i, rows[i].name, gs_errname(rc),
              gs_errname(rows[i].want));
      fails++;
    }
    if (rc == GS_OK && rows[i].t == SECPDU) {
      gs_secpdu p;
      size_t n2 = 0;
      assert_int_equal(gs_secpdu_decode(&p, buf, n), GS_OK);
      assert_int_equal(gs_secpdu_encode(&p, buf2, sizeof(buf2), &n2), GS_OK);
      assert_int_equal(n, n2);
      assert_memory_equal(buf, buf2, n);
    }
  }
  fprintf(stderr, "%zu malformed-input rows\n", sizeof(rows) / sizeof(rows[0]));
  assert_int_equal(fails, 0);
}

/* Rows that need size: inputs over 64 KiB and a 64 KiB element inside. */
static void test_size_limits(void **state) {
  (void)state;
  static uint8_t big[GS_MAX_PDU_SIZE + 64];
  static uint8_t src[GS_MAX_PDU_SIZE + 1];
  gs_secpdu p;
  gs_tbp tbp;
  memset(big, 0, sizeof(big));
  assert_int_equal(gs_secpdu_decode(&p, big, GS_MAX_PDU_SIZE + 1), GS_ERR_DER_TOO_LARGE);
  assert_int_equal(gs_tbp_decode(&tbp, big, GS_MAX_PDU_SIZE + 1), GS_ERR_DER_TOO_LARGE);
  gs_tbs_handshake th;
  assert_int_equal(gs_tbs_handshake_decode(&th, big, sizeof(big)), GS_ERR_DER_TOO_LARGE);
  /* a well-formed clearTransfer of exactly 65537 octets */
  gs_der_writer w;
  size_t n;
  gs_der_writer_init(&w, big, sizeof(big));
  gs_der_begin(&w, GS_DER_CTX_CONS(9));
  gs_der_write_tlv(&w, GS_DER_OCTET_STRING, src, sizeof(src));
  gs_der_end(&w);
  assert_int_equal(gs_der_writer_finish(&w, &n), GS_OK);
  assert_true(n > GS_MAX_PDU_SIZE);
  assert_int_equal(gs_secpdu_decode(&p, big, n), GS_ERR_DER_TOO_LARGE);
  /* a 64 KiB length field inside a shorter input is truncated, not accepted */
  const uint8_t hdr[] = {0xA9, 0x83, 0x01, 0x00, 0x00};
  memcpy(big, hdr, sizeof(hdr));
  assert_int_equal(gs_secpdu_decode(&p, big, 1000), GS_ERR_DER_TRUNCATED);
}

/* PeerName (D16): a value of 255 octets encodes and decodes, 256 and 0
 * do not encode, nor an unknown alternative or an 8-bit IA5String (the
 * encoder and the decoder apply the same check). */
static void test_responder_name_size(void **state) {
  (void)state;
  static uint8_t obuf[4096];
  static uint8_t name[GS_MAX_NAME_LEN];
  gs_secpdu p;
  size_t n = 0;
  memset(name, 'a', sizeof(name));
  gs_tbs_handshake *tbs = &p.u.hs.tbs;
  for (size_t len = GS_MAX_NAME_LEN - 1; len <= GS_MAX_NAME_LEN; len++) {
    memset(&p, 0, sizeof(p));
    p.kind = GS_PDU_HANDSHAKE_REQ;
    tbs->pp.ptr = (const uint8_t *)"IEC61850-8-2";
    tbs->pp.len = 12;
    gs_token1 *t = &tbs->token1;
    t->sig_alg.alg = GS_ALG_ECDSA_SHA256;
    t->pk_cert.ptr = name;
    t->pk_cert.len = 4;
    t->version = 1;
    t->asso_id.ptr = (const uint8_t *)"12";
    t->asso_id.len = 2;
    t->n_dh = 1;
    t->dh[0].group = 19;
    t->dh[0].public_key.ptr = name;
    t->dh[0].public_key.len = 4;
    t->hmac.alg = GS_ALG_HMAC_SHA256;
    t->time = 1795548600000LL;
    t->encr_mode.kind = GS_ENCR_MODE_AEAD;
    t->encr_mode.n_aead = 1;
    t->encr_mode.aead[0].alg = GS_ALG_AES256_GCM;
    t->has_responder = true;
    t->responder_kind = GS_ID_DNS;
    t->responder.ptr = name;
    t->responder.len = len;
    p.u.hs.sign.ptr = name;
    p.u.hs.sign.len = 8;
    int rc = gs_secpdu_encode(&p, obuf, sizeof(obuf), &n);
    if (len == GS_MAX_NAME_LEN - 1) {
      assert_int_equal(rc, GS_OK);
      gs_secpdu d;
      assert_int_equal(gs_secpdu_decode(&d, obuf, n), GS_OK);
      assert_true(d.u.hs.tbs.token1.has_responder);
      assert_int_equal(d.u.hs.tbs.token1.responder_kind, GS_ID_DNS);
      assert_int_equal(d.u.hs.tbs.token1.responder.len, len);
    } else {
      assert_int_equal(rc, GS_ERR_DER_BAD_SIZE);
    }
    t->responder.len = 0;
    assert_int_equal(gs_secpdu_encode(&p, obuf, sizeof(obuf), &n), GS_ERR_DER_BAD_SIZE);
    t->responder.len = 3;
    t->responder_kind = (gs_identity_kind)9;
    assert_int_equal(gs_secpdu_encode(&p, obuf, sizeof(obuf), &n), GS_ERR_INVALID_ARG);
    t->responder_kind = GS_ID_URI;
    name[1] = 0x80;
    assert_int_equal(gs_secpdu_encode(&p, obuf, sizeof(obuf), &n), GS_ERR_DER_BAD_STRING);
    name[1] = 'a';
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table),
      cmocka_unit_test(test_size_limits),
      cmocka_unit_test(test_responder_name_size),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
