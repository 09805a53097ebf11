/* Writes the seed corpora of the DER fuzz targets from the reference PDUs
 * (tests/common/pdu_samples.c): der_seed_gen OUTDIR writes
 * OUTDIR/<target>/<name>.der for secpdu, pdu_roundtrip, tbs_handshake, tbp,
 * tbs_notice and der_primitives. */
#include <stdio.h>
#include <string.h>

#include "der_internal.h"
#include "pdu_samples.h"

static int put(const char *dir, const char *target, const char *name, const uint8_t *b, size_t n) {
  char path[512];
  snprintf(path, sizeof(path), "%s/%s/%s.der", dir, target, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL || fwrite(b, 1, n, f) != n) {
    perror(path);
    if (f != NULL) {
      fclose(f);
    }
    return 1;
  }
  return fclose(f) != 0;
}

static uint8_t buf[GS_MAX_PDU_SIZE];
static uint8_t part[GS_MAX_PDU_SIZE];

static int one(const char *dir, const gs_secpdu *p, const char *name) {
  size_t n = 0, m = 0;
  int bad = gs_secpdu_encode(p, buf, sizeof(buf), &n) != GS_OK;
  bad |= put(dir, "secpdu", name, buf, n) | put(dir, "pdu_roundtrip", name, buf, n);
  if (p->kind <= GS_PDU_HANDSHAKE_ACC) {
    bad |= gs_tbs_handshake_encode(&p->u.hs.tbs, part, sizeof(part), &m) != GS_OK;
    bad |= put(dir, "tbs_handshake", name, part, m);
  } else if (gs_pdu_is_notice(p->kind)) {
    bad |= gs_tbs_notice_encode(&p->u.notice.tbs, part, sizeof(part), &m) != GS_OK;
    bad |= put(dir, "tbs_notice", name, part, m);
  } else {
    bad |= gs_tbp_encode(&p->u.xfer.tbp, part, sizeof(part), &m) != GS_OK;
    bad |= put(dir, "tbp", name, part, m);
    bad |= gs_token2_encode(&p->u.xfer.tbp.token2, part, sizeof(part), &m) != GS_OK;
    bad |= put(dir, "der_primitives", name, part, m);
  }
  return bad;
}

int main(int argc, char **argv) {
  gs_secpdu p;
  int bad = 0;
  if (argc != 2) {
    fprintf(stderr, "usage: der_seed_gen OUTDIR\n");
    return 2;
  }
  for (int k = GS_PDU_HANDSHAKE_REQ; k <= GS_PDU_ENCR_TRANSFER; k++) {
    gs_sample_secpdu(&p, (gs_pdu_kind)k);
    bad |= one(argv[1], &p, gs_pdu_kind_name((gs_pdu_kind)k));
  }
  gs_sample_encr_transfer_etm(&p);
  bad |= one(argv[1], &p, "encrTransfer-etm");
  gs_sample_handshake_req(&p);
  gs_encr_mode *m = &p.u.hs.tbs.token1.encr_mode;
  memset(m, 0, sizeof(*m));
  m->kind = GS_ENCR_MODE_NON_AEAD;
  m->has_encr = true;
  m->n_encr = 1;
  m->encr[0].alg = GS_ALG_AES256_CBC;
  m->n_icv = 1;
  m->icv[0].alg = GS_ALG_HMAC_SHA256;
  m->icv[0].params_null = false; /* a profile algorithm: canonical only */
  bad |= one(argv[1], &p, "handshakeReq-nonaead");
  /* a few single primitives */
  const uint8_t prims[][24] = {{0x02, 0x04, 0x7f, 0xff, 0xff, 0xff},
                               {0x01, 0x01, 0xff},
                               {0x03, 0x02, 0x05, 0x60},
                               {0x05, 0x00},
                               {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02},
                               {0x18, 0x13, '2', '0', '2', '6', '1', '1', '2', '4', '1',
                                '9',  '3',  '0', '0', '0', '.', '1', '2', '3', 'Z'},
                               {0x13, 0x06, '1', '2', '3', ':', '4', '5'}};
  for (size_t i = 0; i < sizeof(prims) / sizeof(prims[0]); i++) {
    char name[16];
    snprintf(name, sizeof(name), "prim%zu", i);
    bad |= put(argv[1], "der_primitives", name, prims[i], (size_t)prims[i][1] + 2);
  }
  return bad;
}
