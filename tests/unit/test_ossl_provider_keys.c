/* gridseal: gs_ossl_privkey_load() — key files with pass phrases, the
 * pass phrase never asked on a terminal, PKCS#11 keys in a SoftHSM2 token
 * created here (no server: a token directory under /tmp), and the TPM error
 * paths (the TPM itself is exercised by tests/integration/hwkeys.sh). Keys
 * are generated here with OpenSSL (fixtures only); every loaded key is used
 * through the gs_crypto interface and its signature verified. */
#define _XOPEN_SOURCE 700

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <gridseal/crypto_openssl.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SOFTHSM_MODULE "/usr/lib/softhsm/libsofthsm2.so"
#define TPM2_PROVIDER "/usr/lib/x86_64-linux-gnu/ossl-modules/tpm2.so"

static gs_crypto *g_c;
static char g_dir[] = "/tmp/gs_keys_XXXXXX";
static char g_path[512];

static const char *in_dir(const char *name) {
  snprintf(g_path, sizeof(g_path), "%s/%s", g_dir, name);
  return g_path;
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
  fclose(f);
}

static EVP_PKEY *p256(void) {
  EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  assert_non_null(k);
  return k;
}

typedef enum { PKCS8_PEM, TRAD_PEM, PKCS8_DER } key_form;

/* Write `k` to `path`, encrypted with AES-256-CBC under `pass` (or clear). */
static void write_key(const char *path, EVP_PKEY *k, key_form form, const char *pass) {
  BIO *b = BIO_new_file(path, "wb");
  assert_non_null(b);
  const EVP_CIPHER *ciph = pass != NULL ? EVP_aes_256_cbc() : NULL;
  int plen = pass != NULL ? (int)strlen(pass) : 0;
  int ok = 0;
  switch (form) {
  case PKCS8_PEM:
    ok = PEM_write_bio_PKCS8PrivateKey(b, k, ciph, (char *)pass, plen, NULL, NULL);
    break;
  case TRAD_PEM:
    ok = PEM_write_bio_PrivateKey_traditional(b, k, ciph, (unsigned char *)pass, plen, NULL, NULL);
    break;
  case PKCS8_DER:
    ok = i2d_PKCS8PrivateKey_bio(b, k, ciph, (char *)pass, plen, NULL, NULL);
    break;
  }
  assert_int_equal(ok, 1);
  BIO_free(b);
}

/* `sk` signs, and the signature verifies under `pub` (OpenSSL, outside the
 * provider). */
static void assert_signs_as(gs_privkey *sk, EVP_PKEY *pub) {
  gs_sig_alg alg = 0;
  assert_int_equal(g_c->privkey_sig_alg(sk, &alg), GS_OK);
  assert_int_equal(alg, GS_SIG_ECDSA_SHA256);
  uint8_t msg[64], sig[GS_MAX_SIG_LEN];
  size_t sl = 0;
  memset(msg, 0x5a, sizeof(msg));
  gs_iov parts[2] = {{msg, 20}, {msg + 20, sizeof(msg) - 20}};
  assert_int_equal(g_c->sign(sk, GS_SIG_ECDSA_SHA256, parts, 2, sig, sizeof(sig), &sl), GS_OK);
  EVP_MD_CTX *m = EVP_MD_CTX_new();
  assert_non_null(m);
  assert_int_equal(EVP_DigestVerifyInit(m, NULL, EVP_sha256(), NULL, pub), 1);
  assert_int_equal(EVP_DigestVerify(m, sig, sl, msg, sizeof(msg)), 1);
  EVP_MD_CTX_free(m);
}

static int setup(void **state) {
  (void)state;
  if (mkdtemp(g_dir) == NULL || gs_ossl_crypto_new(&g_c) != GS_OK) {
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  gs_ossl_crypto_free(g_c);
  char cmd[600];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
  return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------ files */

/* Each encrypted form loads with the right pass phrase file (first line;
 * the newline is not part of it) and signs as the key that was written. */
static void test_encrypted_forms_load(void **state) {
  (void)state;
  EVP_PKEY *k = p256();
  char pwf[512];
  snprintf(pwf, sizeof(pwf), "%s", in_dir("pw"));
  write_text(pwf, "correct horse\nsecond line ignored\n");
  gs_ossl_key_opts o = {.passphrase_file = pwf};
  const key_form forms[] = {PKCS8_PEM, TRAD_PEM, PKCS8_DER};
  for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
    char path[512], nopw[512];
    snprintf(path, sizeof(path), "%s", in_dir("enc.key"));
    snprintf(nopw, sizeof(nopw), "%s", in_dir("no-such-pw"));
    write_key(path, k, forms[i], "correct horse");
    gs_privkey *sk = NULL;
    char msg[512] = "x";
    assert_int_equal(gs_ossl_privkey_load(g_c, path, &o, &sk, msg, sizeof(msg)), GS_OK);
    assert_string_equal(msg, "");
    assert_signs_as(sk, k);
    g_c->privkey_free(sk);
    /* an unencrypted key does not need (nor read) a pass phrase file */
    write_key(path, k, forms[i], NULL);
    gs_ossl_key_opts none = {.passphrase_file = nopw};
    assert_int_equal(gs_ossl_privkey_load(g_c, path, &none, &sk, NULL, 0), GS_OK);
    assert_signs_as(sk, k);
    g_c->privkey_free(sk);
  }
  EVP_PKEY_free(k);
}

static void test_wrong_passphrase(void **state) {
  (void)state;
  EVP_PKEY *k = p256();
  char key[512], pwf[512], want[1200];
  snprintf(key, sizeof(key), "%s", in_dir("wrong.key"));
  snprintf(pwf, sizeof(pwf), "%s", in_dir("wrong.pw"));
  write_key(key, k, PKCS8_PEM, "right one");
  write_text(pwf, "wrong one\n");
  gs_ossl_key_opts o = {.passphrase_file = pwf};
  gs_privkey *sk = NULL;
  char msg[512];
  assert_int_equal(gs_ossl_privkey_load(g_c, key, &o, &sk, msg, sizeof(msg)),
                   GS_ERR_KEY_PASSPHRASE);
  assert_null(sk);
  snprintf(want, sizeof(want), "%s: wrong pass phrase or PIN (from %s)", key, pwf);
  assert_string_equal(msg, want);
  /* traditional PEM (Proc-Type: 4,ENCRYPTED) too */
  write_key(key, k, TRAD_PEM, "right one");
  assert_int_equal(gs_ossl_privkey_load(g_c, key, &o, &sk, msg, sizeof(msg)),
                   GS_ERR_KEY_PASSPHRASE);
  assert_null(sk);
  EVP_PKEY_free(k);
}

static void test_passphrase_file_problems(void **state) {
  (void)state;
  EVP_PKEY *k = p256();
  char key[512], pwf[512], want[1200];
  snprintf(key, sizeof(key), "%s", in_dir("pwp.key"));
  snprintf(pwf, sizeof(pwf), "%s", in_dir("pwp.pw"));
  write_key(key, k, PKCS8_PEM, "secret");
  gs_ossl_key_opts o = {.passphrase_file = pwf};
  gs_privkey *sk = NULL;
  char msg[512];
  unlink(pwf);
  assert_int_equal(gs_ossl_privkey_load(g_c, key, &o, &sk, msg, sizeof(msg)), GS_ERR_IO);
  snprintf(want, sizeof(want), "%s: cannot read the pass phrase file %s: %s", key, pwf,
           strerror(ENOENT));
  assert_string_equal(msg, want);
  write_text(pwf, "\nsecret\n"); /* empty first line */
  assert_int_equal(gs_ossl_privkey_load(g_c, key, &o, &sk, msg, sizeof(msg)), GS_ERR_IO);
  snprintf(want, sizeof(want), "%s: cannot read the pass phrase file %s: empty first line", key,
           pwf);
  assert_string_equal(msg, want);
  assert_null(sk);
  EVP_PKEY_free(k);
}

static void test_not_a_key(void **state) {
  (void)state;
  char key[512], want[1200], msg[512];
  snprintf(key, sizeof(key), "%s", in_dir("junk.key"));
  write_text(key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  gs_privkey *sk = NULL;
  assert_int_equal(gs_ossl_privkey_load(g_c, key, NULL, &sk, msg, sizeof(msg)), GS_ERR_BAD_KEY);
  snprintf(want, sizeof(want), "%s: not a private key (PEM or DER, PKCS#8 or traditional)", key);
  assert_string_equal(msg, want);
  /* a key of another curve: read, then refused for the profile */
  EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
  assert_non_null(p384);
  write_key(key, p384, PKCS8_PEM, NULL);
  assert_int_equal(gs_ossl_privkey_load(g_c, key, NULL, &sk, msg, sizeof(msg)), GS_ERR_BAD_KEY);
  assert_non_null(strstr(msg, "signs with none of the profile's algorithms"));
  assert_null(sk);
  EVP_PKEY_free(p384);
  unlink(key);
  assert_int_equal(gs_ossl_privkey_load(g_c, key, NULL, &sk, msg, sizeof(msg)), GS_ERR_IO);
  snprintf(want, sizeof(want), "%s: cannot read the key file: %s", key, strerror(ENOENT));
  assert_string_equal(msg, want);
  assert_int_equal(gs_ossl_privkey_load(g_c, "", NULL, &sk, msg, sizeof(msg)), GS_ERR_INVALID_ARG);
}

/* ------------------------------------------------------------ no prompt */

/* In a child whose controlling terminal is a fresh pseudo-terminal (also its
 * stdin), load `key` either through gs_ossl_privkey_load without a pass
 * phrase file (use_gs) or through OpenSSL's default PEM callback (the
 * control: it prompts). Returns what the child wrote on the terminal within
 * 20 s; *child_rc gets the child's exit code (the gs error, negated,
 * or 100 + OpenSSL's result). */
static size_t run_on_pty(const char *key, int use_gs, char *out, size_t cap, int *child_rc) {
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  assert_true(master >= 0);
  assert_int_equal(grantpt(master), 0);
  assert_int_equal(unlockpt(master), 0);
  char *sname = ptsname(master);
  assert_non_null(sname);
  char slave_name[128];
  snprintf(slave_name, sizeof(slave_name), "%s", sname);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(master);
    signal(SIGHUP, SIG_IGN); /* the parent closes the terminal at the end */
    setsid();
    int s = open(slave_name, O_RDWR); /* becomes the controlling terminal */
    if (s < 0) {
      _exit(99);
    }
    dup2(s, 0); /* stdin, stdout and stderr: any output at all is seen */
    dup2(s, 1);
    dup2(s, 2);
    alarm(30);
    int rc;
    if (use_gs) {
      gs_crypto *c = NULL;
      gs_privkey *sk = NULL;
      rc = gs_ossl_crypto_new(&c) == GS_OK ? gs_ossl_privkey_load(c, key, NULL, &sk, NULL, 0) : 98;
      rc = -rc;
      gs_ossl_crypto_free(c);
    } else {
      BIO *b = BIO_new_file(key, "rb");
      EVP_PKEY *p = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
      rc = 100 + (p != NULL);
      EVP_PKEY_free(p);
      BIO_free(b);
    }
    _exit(rc);
  }
  size_t got = 0;
  int status = 0;
  for (int i = 0; i < 400 && got + 1 < cap; i++) { /* 20 s (valgrind is slow) */
    struct pollfd pfd = {master, POLLIN, 0};
    if (poll(&pfd, 1, 50) > 0 && (pfd.revents & POLLIN)) {
      ssize_t n = read(master, out + got, cap - 1 - got);
      if (n > 0) {
        got += (size_t)n;
      }
    }
    if (got > 0 && !use_gs) {
      break; /* the prompt is there: answer nothing */
    }
    if (waitpid(pid, &status, WNOHANG) == pid) {
      pid = 0;
      break;
    }
  }
  out[got] = '\0';
  close(master); /* a child still reading the terminal gets EOF/EIO now */
  if (pid != 0) {
    assert_int_equal(waitpid(pid, &status, 0), pid);
  }
  assert_true(WIFEXITED(status));
  *child_rc = WEXITSTATUS(status);
  return got;
}

/* An encrypted key without a pass phrase file is the clear error, and not
 * one byte is written to (or read from) the terminal; the same harness
 * sees OpenSSL's own prompt when the default callback is used. */
static void test_never_prompts(void **state) {
  (void)state;
  EVP_PKEY *k = p256();
  char key[512], want[1200], msg[512];
  snprintf(key, sizeof(key), "%s", in_dir("noprompt.key"));
  write_key(key, k, PKCS8_PEM, "secret");
  gs_privkey *sk = NULL;
  assert_int_equal(gs_ossl_privkey_load(g_c, key, NULL, &sk, msg, sizeof(msg)),
                   GS_ERR_KEY_ENCRYPTED);
  snprintf(want, sizeof(want), "%s: the key is encrypted; set key_passphrase_file", key);
  assert_string_equal(msg, want);
  assert_null(sk);
  assert_int_equal(gs_ossl_privkey_load_file(g_c, key, &sk), GS_ERR_KEY_ENCRYPTED);

  char tty[512];
  int rc = 0;
  size_t n = run_on_pty(key, 1, tty, sizeof(tty), &rc);
  assert_int_equal(n, 0);
  assert_int_equal(rc, -GS_ERR_KEY_ENCRYPTED);
  /* the control: OpenSSL's default callback prompts on the terminal */
  n = run_on_pty(key, 0, tty, sizeof(tty), &rc);
  assert_true(n > 0);
  assert_non_null(strstr(tty, "pass phrase"));
  assert_int_equal(rc, 100);
  EVP_PKEY_free(k);
}

/* ------------------------------------------------------------ PKCS#11 */

static void test_pkcs11_config_errors(void **state) {
  (void)state;
  const char *uri = "pkcs11:token=none;object=none;type=private";
  gs_privkey *sk = NULL;
  char msg[512], want[1200];
  assert_int_equal(gs_ossl_privkey_load(g_c, uri, NULL, &sk, msg, sizeof(msg)), GS_ERR_CONFIG);
  snprintf(want, sizeof(want), "%s: no PKCS#11 module given (set pkcs11_module)", uri);
  assert_string_equal(msg, want);
  gs_ossl_key_opts o = {.pkcs11_module = in_dir("no-such-module.so")};
  assert_int_equal(gs_ossl_privkey_load(g_c, uri, &o, &sk, msg, sizeof(msg)),
                   GS_ERR_KEY_UNREACHABLE);
  snprintf(want, sizeof(want), "%s: cannot open the PKCS#11 module %s: %s", uri,
           in_dir("no-such-module.so"), strerror(ENOENT));
  assert_string_equal(msg, want);
  assert_null(sk);
}

/* A SoftHSM2 token in the test directory, holding `k` as object "e2e". */
static int softhsm_token(EVP_PKEY *k) {
  if (access(SOFTHSM_MODULE, R_OK) != 0 || system("command -v softhsm2-util >/dev/null") != 0) {
    return 0;
  }
  char conf[512], tokens[512], cmd[2048];
  snprintf(tokens, sizeof(tokens), "%s", in_dir("tokens"));
  assert_int_equal(mkdir(tokens, 0700), 0);
  snprintf(conf, sizeof(conf), "%s", in_dir("softhsm2.conf"));
  char text[1024];
  snprintf(text, sizeof(text), "directories.tokendir = %s\nobjectstore.backend = file\n", tokens);
  write_text(conf, text);
  setenv("SOFTHSM2_CONF", conf, 1);
  write_key(in_dir("hsm.key"), k, PKCS8_PEM, NULL);
  snprintf(cmd, sizeof(cmd),
           "softhsm2-util --init-token --free --label gs-unit --pin 4321 --so-pin 8765 "
           ">/dev/null && softhsm2-util --import %s --token gs-unit --label e2e --id 01 "
           "--pin 4321 >/dev/null",
           in_dir("hsm.key"));
  assert_int_equal(system(cmd), 0);
  unlink(in_dir("hsm.key"));
  return 1;
}

static void test_pkcs11_softhsm(void **state) {
  (void)state;
  EVP_PKEY *k = p256();
  if (!softhsm_token(k)) {
    EVP_PKEY_free(k);
    skip(); /* softhsm2 not installed (scripts/deps check installs it) */
  }
  char pin[512], bad[512], msg[512], want[1200];
  snprintf(pin, sizeof(pin), "%s", in_dir("pin"));
  write_text(pin, "4321\n");
  snprintf(bad, sizeof(bad), "%s", in_dir("badpin"));
  write_text(bad, "1111\n");
  const char *uri = "pkcs11:token=gs-unit;object=e2e;type=private";
  gs_ossl_key_opts o = {.passphrase_file = bad, .pkcs11_module = SOFTHSM_MODULE};
  gs_privkey *sk = NULL;
  /* The failures first: once the engine has logged in to the token, it
   * stays logged in for the life of the process (docs/KEYS.md). */
  assert_int_equal(gs_ossl_privkey_load(g_c, uri, &o, &sk, msg, sizeof(msg)),
                   GS_ERR_KEY_PASSPHRASE);
  snprintf(want, sizeof(want), "%s: wrong pass phrase or PIN (from %s)", uri, bad);
  assert_string_equal(msg, want);
  assert_null(sk);

  o.passphrase_file = NULL;
  assert_int_equal(gs_ossl_privkey_load(g_c, uri, &o, &sk, msg, sizeof(msg)), GS_ERR_KEY_ENCRYPTED);
  snprintf(want, sizeof(want), "%s: the token needs a PIN; set key_passphrase_file", uri);
  assert_string_equal(msg, want);
  assert_null(sk);

  o.passphrase_file = pin;
  const char *notoken = "pkcs11:token=absent;object=e2e;type=private";
  assert_int_equal(gs_ossl_privkey_load(g_c, notoken, &o, &sk, msg, sizeof(msg)), GS_ERR_NOT_FOUND);
  snprintf(want, sizeof(want),
           "%s: token not found: module " SOFTHSM_MODULE " has no token labelled 'absent'",
           notoken);
  assert_string_equal(msg, want);
  /* the label is percent-decoded (RFC 7512): "gs%2Dunit" is "gs-unit", present */
  const char *enc = "pkcs11:token=gs%2Dunit;object=nothing;type=private";
  assert_int_equal(gs_ossl_privkey_load(g_c, enc, &o, &sk, msg, sizeof(msg)), GS_ERR_NOT_FOUND);
  snprintf(want, sizeof(want), "%s: no such private key in module " SOFTHSM_MODULE " (", enc);
  assert_true(strncmp(msg, want, strlen(want)) == 0);
  assert_null(sk);

  /* the right PIN: the key signs in the token, as the key that was imported */
  assert_int_equal(gs_ossl_privkey_load(g_c, uri, &o, &sk, msg, sizeof(msg)), GS_OK);
  assert_string_equal(msg, "");
  assert_signs_as(sk, k);
  g_c->privkey_free(sk);

  const char *other = "pkcs11:token=gs-unit;object=nothing;type=private";
  assert_int_equal(gs_ossl_privkey_load(g_c, other, &o, &sk, msg, sizeof(msg)), GS_ERR_NOT_FOUND);
  snprintf(want, sizeof(want), "%s: no such private key in module " SOFTHSM_MODULE " (", other);
  assert_true(strncmp(msg, want, strlen(want)) == 0);
  assert_null(sk);
  EVP_PKEY_free(k);
}

/* ------------------------------------------------------------ TPM */

static void test_tpm_errors(void **state) {
  (void)state;
  gs_privkey *sk = NULL;
  char msg[512];
  gs_ossl_key_opts o = {.tpm_tcti = "swtpm:host=127.0.0.1,port=1;rm -rf"};
  assert_int_equal(gs_ossl_privkey_load(g_c, "handle:0x81000001", &o, &sk, msg, sizeof(msg)),
                   GS_ERR_CONFIG);
  assert_string_equal(msg, "handle:0x81000001: invalid TPM TCTI 'swtpm:host=127.0.0.1,port=1;rm "
                           "-rf' (characters A-Z a-z 0-9 : = , . _ / -)");
  if (access(TPM2_PROVIDER, R_OK) != 0) {
    skip(); /* tpm2-openssl not installed */
  }
  /* nothing listens on port 1: the provider cannot start */
  o.tpm_tcti = "swtpm:host=127.0.0.1,port=1";
  assert_int_equal(gs_ossl_privkey_load(g_c, "handle:0x81000001", &o, &sk, msg, sizeof(msg)),
                   GS_ERR_KEY_UNREACHABLE);
  assert_non_null(strstr(msg, "handle:0x81000001: TPM unreachable"));
  assert_non_null(strstr(msg, "swtpm:host=127.0.0.1,port=1"));
  /* a TSS2 key file is a TPM key too */
  write_text(in_dir("tss2.key"),
             "-----BEGIN TSS2 PRIVATE KEY-----\nAAAA\n-----END TSS2 PRIVATE KEY-----\n");
  assert_int_equal(gs_ossl_privkey_load(g_c, in_dir("tss2.key"), &o, &sk, msg, sizeof(msg)),
                   GS_ERR_KEY_UNREACHABLE);
  assert_non_null(strstr(msg, "TPM unreachable"));
  assert_null(sk);
}

/* "tpm" runs the TPM group alone: when its TPM is unreachable, the tpm2
 * provider's failed start leaks inside OpenSSL 3.0 (OSSL_PROVIDER_load), so
 * that group is kept out of the valgrind and LeakSanitizer runs
 * (tests/unit/ossl_keys.cmake). */
int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_encrypted_forms_load),
      cmocka_unit_test(test_wrong_passphrase),
      cmocka_unit_test(test_passphrase_file_problems),
      cmocka_unit_test(test_not_a_key),
      cmocka_unit_test(test_never_prompts),
      cmocka_unit_test(test_pkcs11_config_errors),
      cmocka_unit_test(test_pkcs11_softhsm),
  };
  const struct CMUnitTest tpm[] = {
      cmocka_unit_test(test_tpm_errors),
  };
  if (argc > 1 && strcmp(argv[1], "tpm") == 0) {
    return cmocka_run_group_tests(tpm, setup, teardown);
  }
  return cmocka_run_group_tests(tests, setup, teardown);
}
