/* gridseal tests: Wycheproof bookkeeping (see wycheproof_util.h). */
#include "wycheproof_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How each 'acceptable' flag is decided. Wycheproof marks these cases as
 * allowed either way; the profile decides. A case with several flags is
 * rejected if any of its flags says reject. */
static const struct {
  const char *flag;
  bool accept;
  const char *why;
} acceptable_table[] = {
    /* ECDH */
    {"CompressedPublic", false, "profile ECP encoding is 04||X||Y only (docs/PROTOCOL.md 3.6)"},
    {"CompressedPoint", false, "profile ECP encoding is 04||X||Y only (docs/PROTOCOL.md 3.6)"},
    {"InvalidAsn", false, "SPKI input converted strictly (DER re-encodes identically)"},
    {"UnnamedCurve", false, "only the named curve; explicit parameters refused"},
    {"UnusedParam", false, "explicit curve parameters refused, used or not"},
    {"WrongOrder", false, "explicit curve parameters refused"},
    {"ModifiedGenerator", false, "explicit curve parameters refused"},
    {"ModifiedCofactor", false, "explicit curve parameters refused"},
    {"NoCofactor", false, "explicit curve parameters refused"},
    {"ModifiedCurveParameter", false, "explicit curve parameters refused"},
    /* RSA PKCS#1 v1.5 */
    {"MissingNull", false, "RFC 8017 9.2: DigestInfo carries NULL parameters; exact compare"},
    /* X25519 */
    {"ZeroSharedSecret", false, "all-zero Z refused (RFC 7748 6.1, docs/PROTOCOL.md 3.6)"},
    {"LowOrderPublic", false, "low-order points give the all-zero Z"},
    {"Twist", true, "RFC 7748 5: any 32-octet u-coordinate is a valid input"},
    {"SpecialPublicKey", true, "RFC 7748 5: any 32-octet u-coordinate is a valid input"},
    {"SmallPublicKey", true, "RFC 7748 5: any 32-octet u-coordinate is a valid input"},
    {"NonCanonicalPublic", true, "RFC 7748 5: u is masked and reduced mod p"},
    {"Ktv", true, "known test value, non-zero Z"},
    {"EdgeCaseShared", true, "edge-case but non-zero Z"},
    {"EdgeCaseMultiplication", true, "edge-case scalar multiplication, non-zero Z"},
};

static gs_crypto *g_crypto;

gs_crypto *wp_crypto(void) {
  if (g_crypto == NULL && gs_ossl_crypto_new(&g_crypto) != GS_OK) {
    fprintf(stderr, "gs_ossl_crypto_new failed\n");
    abort();
  }
  return g_crypto;
}

json_t *wp_load(const char *name) {
  const char *src = getenv("GS_SRC_DIR");
  char path[1024];
  snprintf(path, sizeof(path), "%s/tests/vectors/wycheproof/%s", src ? src : ".", name);
  json_error_t err;
  json_t *root = json_load_file(path, 0, &err);
  if (root == NULL) {
    fprintf(stderr, "%s: %s (line %d)\n", path, err.text, err.line);
  }
  return root;
}

static int nibble(char ch) {
  if (ch >= '0' && ch <= '9') {
    return ch - '0';
  }
  if (ch >= 'a' && ch <= 'f') {
    return ch - 'a' + 10;
  }
  if (ch >= 'A' && ch <= 'F') {
    return ch - 'A' + 10;
  }
  return -1;
}

uint8_t *wp_hex(const json_t *obj, const char *key, size_t *len) {
  const char *s = json_string_value(json_object_get(obj, key));
  size_t n = s != NULL ? strlen(s) : 0;
  if (s == NULL || n % 2 != 0) {
    fprintf(stderr, "bad hex member %s\n", key);
    abort();
  }
  uint8_t *b = malloc(n / 2 + 1);
  if (b == NULL) {
    abort();
  }
  for (size_t i = 0; i < n / 2; i++) {
    int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      fprintf(stderr, "bad hex in %s\n", key);
      abort();
    }
    b[i] = (uint8_t)(hi << 4 | lo);
  }
  *len = n / 2;
  return b;
}

long wp_int(const json_t *obj, const char *key) {
  const json_t *v = json_object_get(obj, key);
  return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

/* The decision for an 'acceptable' case: 1 accept, 0 reject, -1 unknown. */
static int acceptable_verdict(const json_t *tc) {
  const json_t *flags = json_object_get(tc, "flags");
  size_t i;
  const json_t *f;
  int verdict = -1;
  json_array_foreach(flags, i, f) {
    const char *name = json_string_value(f);
    for (size_t j = 0; name != NULL && j < sizeof(acceptable_table) / sizeof(acceptable_table[0]);
         j++) {
      if (strcmp(acceptable_table[j].flag, name) == 0) {
        if (!acceptable_table[j].accept) {
          return 0;
        }
        verdict = 1;
      }
    }
  }
  return verdict;
}

void wp_check(wp_counts *c, const json_t *tc, bool accepted) {
  const char *res = json_string_value(json_object_get(tc, "result"));
  long id = wp_int(tc, "tcId");
  c->total++;
  if (res != NULL && strcmp(res, "valid") == 0) {
    if (accepted) {
      c->valid_ok++;
      return;
    }
  } else if (res != NULL && strcmp(res, "invalid") == 0) {
    if (!accepted) {
      c->invalid_rej++;
      return;
    }
  } else if (res != NULL && strcmp(res, "acceptable") == 0) {
    int v = acceptable_verdict(tc);
    if (v >= 0 && (v == 1) == accepted) {
      c->acceptable++;
      return;
    }
    if (v < 0) {
      fprintf(stderr, "%s tcId %ld: acceptable case with no decided flag\n", c->file, id);
    }
  }
  c->failures++;
  fprintf(stderr, "%s tcId %ld: expected %s, interface %s (%s)\n", c->file, id, res ? res : "?",
          accepted ? "accepted" : "rejected", json_string_value(json_object_get(tc, "comment")));
}

void wp_not_applicable(wp_counts *c, const json_t *tc, bool asked, bool refused) {
  c->total++;
  c->na++;
  if (asked && refused) {
    c->na_rejected++;
  } else if (asked) {
    c->failures++;
    fprintf(stderr, "%s tcId %ld: outside the interface but not refused\n", c->file,
            wp_int(tc, "tcId"));
  }
}

unsigned wp_report(const wp_counts *c) {
  printf("%-36s total %4u  valid passed %4u  invalid rejected %4u  acceptable decided %4u  "
         "N/A %4u (refused by interface %u)",
         c->file, c->total, c->valid_ok, c->invalid_rej, c->acceptable, c->na, c->na_rejected);
  if (c->truncated > 0) {
    printf("  [truncated-tag prefix compares %u]", c->truncated);
  }
  if (c->conv_rejected > 0) {
    printf("  [refused at SPKI conversion %u]", c->conv_rejected);
  }
  printf("  failures %u\n", c->failures);
  return c->failures;
}
