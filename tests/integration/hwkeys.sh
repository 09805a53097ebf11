#!/bin/sh
# A DER whose E2E key is encrypted, in a PKCS#11 token or in a TPM associates
# with a control center over TCP on 127.0.0.1 (docs/KEYS.md).
# usage: hwkeys.sh GRIDSEAL WORKDIR SCENARIO PORTBASE SRCDIR
#   passphrase  an encrypted key file: no pass phrase file is a clear error
#               without any prompt (no terminal, stdin /dev/null), a wrong one
#               is "wrong pass phrase", a group-readable key file is warned
#               about; with the right one the DER associates
#   pkcs11      the key imported into a SoftHSM2 token (scripts/softhsm-token,
#               token store under /tmp); key = pkcs11:token=...;object=...
#   tpm         a P-256 key with an authorization value created inside
#               swtpm (scripts/swtpm-server on PORTBASE+8/+9) by the tpm2
#               provider, its certificate issued by the demo CA from a
#               request the TPM signed: an unreachable TPM, a missing or
#               wrong authorization value are clear errors; the DER uses the
#               TSS2 key file; then a key made persistent as handle:0x81000001
# Every process started here is stopped on exit (trap, by PID).
set -eu
CHECK_EVENTS="$(cd "$(dirname "$0")" && pwd)/check_events.py" # the event schema check

G=$1
WORK=$2
SCEN=$3
BASE=$4
SRC=$5

PIDS=""
TMPD=""
TPMD=""
cleanup() {
  for p in $PIDS; do
    kill -9 "$p" 2>/dev/null || true
  done
  if [ -n "$TPMD" ]; then "$SRC/scripts/swtpm-server" stop --dir "$TPMD" || true; fi
  if [ -n "$TMPD" ]; then rm -rf "$TMPD"; fi
}
trap cleanup EXIT INT TERM

rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"

fail() {
  echo "FAIL ($SCEN): $*"
  for f in *.out *.jsonl *.log; do
    [ -f "$f" ] && { echo "==== $f"; cat "$f"; }
  done
  exit 1
}

count() { grep -c -- "$1" "$2" 2>/dev/null || true; }

expect_ge() { # expect_ge N PATTERN FILE WHAT
  c=$(count "$2" "$3")
  [ "$c" -ge "$1" ] || fail "$4: expected >= $1 lines matching '$2' in $3, got $c"
}

"$G" pki init pki --ders 1 >/dev/null || fail "pki init"
sed -i "s/127\.0\.0\.1:7001\$/127.0.0.1:$((BASE + 1))/" pki/*.conf
sed -i 's/^report_interval = .*/report_interval = 1s/; s/^reconnect_max = .*/reconnect_max = 1s/' \
  pki/*.conf

# set_key KEY [OPTION = VALUE ...]: der1's [identity] key and extra lines
set_key() {
  k=$1
  shift
  sed -i '/^key_passphrase_file = /d; /^pkcs11_module = /d; /^tpm_tcti = /d' pki/der1.conf
  sed -i "s|^key = .*|key = $k|" pki/der1.conf
  for line in "$@"; do
    sed -i "/^key = /a $line" pki/der1.conf
  done
}

# der_fails PATTERN WHAT: der1 must exit 1 at start-up, without a terminal
# (setsid) and with stdin from /dev/null, printing PATTERN.
der_fails() {
  rc=0
  timeout 10 setsid "$G" der --config pki/der1.conf </dev/null >der1-fail.out 2>&1 || rc=$?
  [ "$rc" -eq 1 ] || fail "$2: der exited with $rc, expected 1"
  grep -q -- "$1" der1-fail.out || fail "$2: no '$1' in the output: $(cat der1-fail.out)"
  grep -qi "enter pem pass phrase\|enter pass phrase" der1-fail.out && fail "$2: a prompt"
  true
}

start_der() {
  setsid "$G" der --config pki/der1.conf --events der1.jsonl </dev/null >>der1.out 2>&1 &
  DER_PID=$!
  PIDS="$PIDS $DER_PID"
  i=0
  while ! grep -q listening der1.out 2>/dev/null; do
    i=$((i + 1))
    [ $i -le 100 ] || fail "der1 did not start"
    kill -0 "$DER_PID" 2>/dev/null || fail "der1 exited at start-up"
    sleep 0.1
  done
}

stop_der() {
  kill -TERM "$DER_PID"
  rc=0
  wait "$DER_PID" || rc=$?
  [ "$rc" -eq 0 ] || fail "der1 exited with $rc after SIGTERM"
}

# associate WHAT: der1 and the cc associate, der1 reports, and both release
associate() {
  : >der1.out
  : >der1.jsonl
  start_der
  rc=0
  "$G" cc --config pki/cc.conf --events cc.jsonl --run-for 4 </dev/null >cc.out 2>&1 || rc=$?
  [ "$rc" -eq 0 ] || fail "$1: cc exited with $rc"
  stop_der
  expect_ge 1 '"event":"handshake-ok".*"peer":"urn:gridseal:der1"' cc.jsonl "$1: cc associated"
  expect_ge 1 '"event":"handshake-ok".*"peer":"urn:gridseal:cc"' der1.jsonl "$1: der1 associated"
  expect_ge 2 "der1 report seq=" cc.out "$1: reports from der1"
  expect_ge 1 '"event":"released"' der1.jsonl "$1: release"
}

case "$SCEN" in
passphrase)
  printf 'long pass phrase 42\n' >der1.pass
  printf 'not the pass phrase\n' >wrong.pass
  chmod 600 der1.pass wrong.pass
  openssl pkcs8 -topk8 -v2 aes-256-cbc -in pki/der1/e2e.key -out pki/der1/e2e-enc.key \
    -passout file:der1.pass || fail "encrypting the key"
  chmod 600 pki/der1/e2e-enc.key
  key=$WORK/pki/der1/e2e-enc.key
  set_key "$key"
  der_fails "$key: the key is encrypted; set key_passphrase_file" "no pass phrase file"
  set_key "$key" "key_passphrase_file = $WORK/wrong.pass"
  der_fails "$key: wrong pass phrase or PIN (from $WORK/wrong.pass)" "wrong pass phrase"
  set_key "$key" "key_passphrase_file = $WORK/der1.pass"
  associate "encrypted key"
  grep -q "warning: .*readable by group or others" der1.out && fail "warning for a 0600 key"
  chmod 640 pki/der1/e2e-enc.key
  associate "group-readable key"
  expect_ge 1 "warning: private key file $key is readable by group or others (mode 0640)" \
    der1.out "mode warning"
  echo "ok: $SCEN"
  ;;
pkcs11)
  MOD=/usr/lib/softhsm/libsofthsm2.so
  [ -r "$MOD" ] || fail "$MOD missing (scripts/deps check installs softhsm2)"
  TMPD=$(mktemp -d /tmp/gs-hwkeys-hsm.XXXXXX)
  printf '482913\n' >der1.pin
  chmod 600 der1.pin
  "$SRC/scripts/softhsm-token" --dir "$TMPD/hsm" --label gs-der1 --pin-file der1.pin \
    --key pki/der1/e2e.key --object e2e >token.out || fail "softhsm-token"
  SOFTHSM2_CONF=$(sed -n 's/^SOFTHSM2_CONF=//p' token.out)
  export SOFTHSM2_CONF
  uri=$(sed -n 's/^key = //p' token.out)
  [ "$uri" = "pkcs11:token=gs-der1;object=e2e;type=private" ] || fail "token.out: $uri"
  rm pki/der1/e2e.key # the key is in the token only
  set_key "$uri"
  der_fails "$uri: no PKCS#11 module given (set pkcs11_module)" "no module"
  set_key "$uri" "pkcs11_module = $MOD"
  der_fails "$uri: the token needs a PIN; set key_passphrase_file" "no PIN"
  set_key "pkcs11:token=gs-der1;object=other;type=private" "pkcs11_module = $MOD" \
    "key_passphrase_file = $WORK/der1.pin"
  der_fails "no such private key in module $MOD" "no such object"
  set_key "pkcs11:token=gs-der2;object=e2e;type=private" "pkcs11_module = $MOD" \
    "key_passphrase_file = $WORK/der1.pin"
  der_fails "token not found: module $MOD has no token labelled 'gs-der2'" "no such token"
  set_key "$uri" "pkcs11_module = $MOD" "key_passphrase_file = $WORK/der1.pin"
  associate "key in SoftHSM2"
  echo "ok: $SCEN"
  ;;
tpm)
  command -v swtpm >/dev/null || fail "swtpm missing (scripts/deps check installs it)"
  TPMD=$WORK/swtpm
  TCTI=$("$SRC/scripts/swtpm-server" start --dir "$TPMD" --port $((BASE + 8))) ||
    fail "swtpm-server start"
  TPM2OPENSSL_TCTI=$TCTI
  export TPM2OPENSSL_TCTI
  OSSL="-provider tpm2 -provider default"
  # shellcheck disable=SC2086
  printf 'tpm key auth 7\n' >tpm.auth
  printf 'wrong auth\n' >wrong.auth
  chmod 600 tpm.auth wrong.auth
  # shellcheck disable=SC2086
  openssl genpkey $OSSL -algorithm EC -pkeyopt group:P-256 -pkeyopt "user-auth:tpm key auth 7" \
    -out der1-tpm.key 2>genpkey.log ||
    fail "genpkey in the TPM: $(cat genpkey.log)"
  grep -q -- "-----BEGIN TSS2 PRIVATE KEY-----" der1-tpm.key || fail "not a TSS2 key file"
  # A request signed by the TPM, with the subject and extensions of der1's
  # certificate; the demo CA issues it (new key identifiers).
  # shellcheck disable=SC2086
  openssl x509 -x509toreq -in pki/der1/e2e.crt -key der1-tpm.key $OSSL -copy_extensions copyall \
    -passin file:tpm.auth -out der1-tpm.csr 2>csr.log || fail "request: $(cat csr.log)"
  printf 'subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n' >ext.cnf
  openssl x509 -req -in der1-tpm.csr -CA pki/e2e-ca/ca.crt -CAkey pki/e2e-ca/ca.key \
    -copy_extensions copyall -extfile ext.cnf -days 30 -out pki/der1/e2e-tpm.crt 2>x509.log ||
    fail "issue: $(cat x509.log)"
  sed -i "s|^cert = .*|cert = $WORK/pki/der1/e2e-tpm.crt|" pki/der1.conf
  rm pki/der1/e2e.key
  unset TPM2OPENSSL_TCTI # the configuration names the TPM
  set_key "$WORK/der1-tpm.key" "tpm_tcti = swtpm:host=127.0.0.1,port=$((BASE + 6))"
  der_fails "TPM unreachable" "TPM not there"
  set_key "$WORK/der1-tpm.key" "tpm_tcti = $TCTI"
  der_fails "$WORK/der1-tpm.key: the TPM key needs its authorization value; set key_passphrase_file" \
    "no authorization value"
  set_key "$WORK/der1-tpm.key" "tpm_tcti = $TCTI" "key_passphrase_file = $WORK/wrong.auth"
  der_fails "$WORK/der1-tpm.key: wrong pass phrase or PIN (from $WORK/wrong.auth)" \
    "wrong authorization value"
  set_key "$WORK/der1-tpm.key" "tpm_tcti = $TCTI" "key_passphrase_file = $WORK/tpm.auth"
  associate "TSS2 key file with an authorization value"
  # The same key made persistent in the TPM, addressed by its handle.
  if command -v tpm2_evictcontrol >/dev/null; then
    # (swtpm has no resource manager: transient objects are flushed by hand)
    TPM2TOOLS_TCTI=$TCTI
    export TPM2TOOLS_TCTI
    { tpm2_flushcontext -t && tpm2_createprimary -Q -C o -G ecc -c primary.ctx &&
      tpm2_flushcontext -t && tpm2_create -Q -C primary.ctx -G ecc256:ecdsa -u h.pub -r h.priv &&
      tpm2_flushcontext -t && tpm2_load -Q -C primary.ctx -u h.pub -r h.priv -c h.ctx &&
      tpm2_evictcontrol -Q -C o -c h.ctx 0x81000001 && tpm2_flushcontext -t; } 2>tools.log ||
      fail "persistent key: $(cat tools.log)"
    TPM2OPENSSL_TCTI=$TCTI openssl x509 -x509toreq -in pki/der1/e2e-tpm.crt $OSSL \
      -key handle:0x81000001 -copy_extensions copyall -out h.csr 2>csr.log ||
      fail "request (handle): $(cat csr.log)"
    openssl x509 -req -in h.csr -CA pki/e2e-ca/ca.crt -CAkey pki/e2e-ca/ca.key \
      -copy_extensions copyall -extfile ext.cnf -days 30 -out pki/der1/e2e-h.crt 2>x509.log ||
      fail "issue (handle): $(cat x509.log)"
    sed -i "s|^cert = .*|cert = $WORK/pki/der1/e2e-h.crt|" pki/der1.conf
    set_key "handle:0x81000001" "tpm_tcti = $TCTI"
    associate "persistent TPM key"
    echo "ok: $SCEN (TSS2 key file and handle:0x81000001)"
  else
    echo "ok: $SCEN (TSS2 key file; tpm2-tools absent: handle: not tried)"
  fi
  ;;
*)
  fail "unknown scenario"
  ;;
esac
# every event of the run matches the event schema (docs/events.schema.json)
/usr/bin/python3 "$CHECK_EVENTS" --allow-empty *.jsonl || fail "events that do not match docs/events.schema.json"
