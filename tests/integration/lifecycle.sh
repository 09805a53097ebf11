#!/bin/sh
# Certificate lifecycle of gridseal der + cc over TCP on 127.0.0.1: expiry
# warnings and the SIGHUP reload (docs/PKI-OPERATIONS.md).
# usage: lifecycle.sh GRIDSEAL WORKDIR SCENARIO PORTBASE
#   expiring   a DER whose certificate expires within cert_warn_before warns at start
#   revoke     cc SIGHUP with a CRL revoking der2: der1 stays, der2 ends and fails again
#   renew      der1 SIGHUP with a renewed certificate: the next handshake carries it
#   broken     SIGHUP with a garbage CRL: reload-failed, the old set stays, still associates
#   logrotate  SIGHUP reopens the events file; SIGTERM still releases and exits 0
#   reassociate  cc on_reload = reassociate: a renewal re-associates at once
# Every process started here is killed on exit (trap).
set -eu
CHECK_EVENTS="$(cd "$(dirname "$0")" && pwd)/check_events.py" # the event schema check

G=$1
WORK=$2
SCEN=$3
BASE=$4

PIDS=""
cleanup() {
  for p in $PIDS; do
    kill -9 "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT INT TERM

rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"

fail() {
  echo "FAIL ($SCEN): $*"
  for f in *.out *.jsonl*; do
    [ -f "$f" ] && { echo "==== $f"; cat "$f"; }
  done
  exit 1
}

count() { # lines of FILE matching PATTERN; 0 also when FILE does not exist yet
  c=$(grep -c -- "$1" "$2" 2>/dev/null) || true
  echo "${c:-0}"
}

expect_ge() { # expect_ge N PATTERN FILE WHAT
  c=$(count "$2" "$3")
  [ "$c" -ge "$1" ] || fail "$4: expected >= $1 lines matching '$2' in $3, got $c"
}

expect_none() { # expect_none PATTERN FILE WHAT
  c=$(count "$1" "$2")
  [ "$c" -eq 0 ] || fail "$3: expected no line matching '$1' in $2, got $c"
}

wait_for() { # wait_for PATTERN FILE SECONDS WHAT
  i=0
  while [ "$(count "$1" "$2")" -eq 0 ]; do
    i=$((i + 1))
    [ $i -le $(($3 * 10)) ] || fail "$4: no line matching '$1' in $2 after $3 s"
    sleep 0.1
  done
}

"$G" pki init pki --ders 2 >/dev/null || fail "pki init"
for n in 1 2; do
  sed -i "s/127\.0\.0\.1:700$n\$/127.0.0.1:$((BASE + n))/" pki/*.conf
done
sed -i 's/^report_interval = .*/report_interval = 500ms/; s/^reconnect_max = .*/reconnect_max = 1s/' \
  pki/*.conf

start_der() { # start_der N
  "$G" der --config "pki/der$1.conf" --events "der$1.jsonl" >>"der$1.out" 2>&1 &
  PIDS="$PIDS $!"
  eval "DER$1_PID=$!"
  wait_for listening "der$1.out" 5 "der$1 start"
}

start_cc() {
  "$G" cc --config pki/cc.conf --events cc.jsonl </dev/null >cc.out 2>&1 &
  CC_PID=$!
  PIDS="$PIDS $CC_PID"
}

stop() { # stop PID WHAT: SIGTERM, expect exit 0
  kill -0 "$1" 2>/dev/null || fail "$2 is not running any more"
  kill -TERM "$1"
  rc=0
  wait "$1" || rc=$?
  [ "$rc" -eq 0 ] || fail "$2 exited with $rc after SIGTERM"
}

# the association ID of the last handshake-ok with PEER in FILE
assoc_of() {
  grep '"event":"handshake-ok"' "$2" | grep "\"peer\":\"$1\"" | tail -1 |
    sed 's/.*"assoc":"\([^"]*\)".*/\1/'
}

case "$SCEN" in
expiring)
  "$G" pki issue --ca pki/e2e-ca --name der1 --out pki/der1new --days 6 --force >/dev/null ||
    fail "pki issue --days 6"
  cp pki/der1new/e2e.crt pki/der1/e2e.crt
  cp pki/der1new/e2e.key pki/der1/e2e.key
  start_der 1
  wait_for '"event":"cert-expiring"' der1.jsonl 5 "cert-expiring event"
  expect_ge 1 '"severity":4,"level":"warning","event":"cert-expiring".*"object":"own-certificate".*"days_left":5' der1.jsonl \
    "the event names the days left and the object"
  expect_ge 1 '"event":"cert-expiring".*"cert":{"subject":"[^"]*CN=der1[^"]*","serial":"[0-9A-F]\{8,\}"}.*"not_after":"20' \
    der1.jsonl "subject, serial and notAfter"
  expect_ge 1 '^der1: own certificate .*der1/e2e.crt expires in 5 days (20.*Z); renew it$' \
    der1.out "the plain line"
  # at most once a day: a reload checks again without repeating it
  kill -HUP "$DER1_PID"
  wait_for '"event":"reloaded"' der1.jsonl 5 "reload"
  [ "$(count '"event":"cert-expiring"' der1.jsonl)" -eq 1 ] || fail "the warning was repeated"
  # the trust anchor and the CRL (a year) are far from their thresholds
  expect_none '"event":"crl-expiring"' der1.jsonl "no CRL warning"
  # a threshold of 0 turns the warning off
  stop "$DER1_PID" der1
  sed -i 's/^crl = \(.*\)$/crl = \1\ncert_warn_before = 0d/' pki/der1.conf
  : >der1.jsonl
  : >der1.out
  start_der 1
  sleep 1
  expect_none '"event":"cert-expiring"' der1.jsonl "cert_warn_before = 0d: no warning"
  stop "$DER1_PID" der1
  echo "ok: $SCEN"
  ;;
revoke)
  start_der 1
  start_der 2
  start_cc
  wait_for '"event":"handshake-ok".*"peer":"urn:gridseal:der2"' cc.jsonl 10 "der2 associated"
  wait_for '"event":"handshake-ok".*"peer":"urn:gridseal:der1"' cc.jsonl 10 "der1 associated"
  a1=$(assoc_of urn:gridseal:der1 cc.jsonl)
  "$G" pki revoke --ca pki/e2e-ca --cert pki/der2/e2e.crt >revoke.out || fail "pki revoke"
  grep -q "^revoked pki/der2/e2e.crt" revoke.out || fail "pki revoke output: $(cat revoke.out)"
  kill -HUP "$CC_PID"
  wait_for '"event":"reloaded"' cc.jsonl 5 "cc reloaded"
  expect_ge 1 '"event":"reloaded".*"crls":1,"revoked":1' cc.jsonl "what was reloaded"
  expect_ge 1 '^cc: reloaded: crl ' cc.out "the plain line"
  wait_for '"event":"peer-invalid".*"peer":"urn:gridseal:der2".*"diag":"GS_ERR_CERT_REVOKED"' \
    cc.jsonl 5 "der2's association ended"
  # der2's next handshake fails with the revocation (the cc refuses the
  # HandshakeAcc's certificate) and der2 does not associate again
  wait_for '"event":"\(bad-signature\|handshake-failed\)".*"diag":"GS_ERR_CERT_REVOKED"' cc.jsonl 10 \
    "der2's next handshake fails"
  # the failure names the refused certificate: its serial and SHA-256 fingerprint
  ser2=$(grep '"event":"handshake-ok".*"peer":"urn:gridseal:der2"' cc.jsonl | head -1 |
    sed 's/.*"peer_serial":"\([0-9A-F]*\)".*/\1/')
  fp2=$(openssl x509 -in pki/der2/e2e.crt -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
    tr 'A-F' 'a-f')
  [ -n "$ser2" ] && [ ${#fp2} = 64 ] || fail "der2's serial '$ser2' / fingerprint '$fp2'"
  expect_ge 1 "\"diag\":\"GS_ERR_CERT_REVOKED\".*\"cert\":{\"subject\":\"[^\"]*der2[^\"]*\",\"serial\":\"$ser2\",\"sha256\":\"$fp2\"}" \
    cc.jsonl "the failure names der2's certificate (subject, serial, SHA-256)"
  n1=$(count "der1 report seq=" cc.out)
  sleep 2
  [ "$(count "der1 report seq=" cc.out)" -gt "$n1" ] || fail "der1 reports stopped"
  [ "$(assoc_of urn:gridseal:der1 cc.jsonl)" = "$a1" ] || fail "der1's association changed"
  [ "$(count '"event":"handshake-ok".*"peer":"urn:gridseal:der1"' cc.jsonl)" -eq 1 ] ||
    fail "der1 associated again"
  expect_none '"event":"peer-invalid".*"peer":"urn:gridseal:der1"' cc.jsonl "der1 not ended"
  [ "$(count '"event":"handshake-ok".*"peer":"urn:gridseal:der2"' cc.jsonl)" -eq 1 ] ||
    fail "the revoked der2 associated again"
  stop "$CC_PID" cc
  expect_ge 1 '"event":"released".*"peer":"urn:gridseal:der1"' cc.jsonl "der1 released at exit"
  stop "$DER1_PID" der1
  stop "$DER2_PID" der2
  echo "ok: $SCEN"
  ;;
renew)
  start_der 1
  start_cc
  wait_for '"event":"handshake-ok".*"peer":"urn:gridseal:der1"' cc.jsonl 10 "der1 associated"
  old=$(grep '"event":"handshake-ok"' cc.jsonl | sed 's/.*"peer_serial":"\([0-9A-F]*\)".*/\1/' | head -1)
  [ -n "$old" ] || fail "no peer-serial in handshake-ok"
  "$G" pki issue --ca pki/e2e-ca --name der1 --out pki/der1new >/dev/null || fail "pki issue"
  cp pki/der1new/e2e.crt pki/der1/e2e.crt
  cp pki/der1new/e2e.key pki/der1/e2e.key
  kill -HUP "$DER1_PID"
  wait_for '"event":"reloaded"' der1.jsonl 5 "der1 reloaded"
  new=$(grep '"event":"reloaded"' der1.jsonl | sed 's/.*"old_serial":"\([0-9A-F]*\)","serial":"\([0-9A-F]*\)".*/\1 \2/')
  [ "$new" != "" ] && [ "${new% *}" = "$old" ] && [ "${new#* }" != "$old" ] ||
    fail "reloaded should say serial $old -> NEW, got '$new'"
  ser=${new#* }
  # the association begun before continues
  n1=$(count "der1 report seq=" cc.out)
  sleep 1.5
  [ "$(count "der1 report seq=" cc.out)" -gt "$n1" ] || fail "reports stopped after the reload"
  # the next handshake carries the renewed certificate
  stop "$CC_PID" cc
  start_cc
  wait_for "\"event\":\"handshake-ok\".*\"peer_serial\":\"$ser\"" cc.jsonl 10 \
    "the next handshake carries serial $ser"
  stop "$CC_PID" cc
  stop "$DER1_PID" der1
  echo "ok: $SCEN"
  ;;
broken)
  # the cc reads its own copy of the CRL; der1's file is broken below
  cp pki/e2e-ca/crl.pem pki/cc-crl.pem
  sed -i 's|^crl = e2e-ca/crl.pem$|crl = cc-crl.pem|' pki/cc.conf
  grep -q '^crl = cc-crl.pem$' pki/cc.conf || fail "cc.conf has no crl line"
  start_der 1
  echo "this is not a CRL" >pki/e2e-ca/crl.pem
  kill -HUP "$DER1_PID"
  wait_for '"event":"reload-failed"' der1.jsonl 5 "reload-failed"
  expect_ge 1 '"event":"reload-failed".*"diag":"GS_ERR_CRL_INVALID".*e2e-ca/crl.pem: cannot load CRL' \
    der1.jsonl "names the file and the problem"
  expect_ge 1 '^der1: reload failed: .*e2e-ca/crl.pem: cannot load CRL.*loaded before$' der1.out \
    "the plain line"
  expect_none '"event":"reloaded"' der1.jsonl "nothing reloaded"
  # running with the old set: a cc still associates
  start_cc
  wait_for '"event":"handshake-ok".*"peer":"urn:gridseal:der1"' cc.jsonl 10 "still associates"
  wait_for "der1 report seq=" cc.out 5 "reports"
  stop "$CC_PID" cc
  stop "$DER1_PID" der1
  echo "ok: $SCEN"
  ;;
logrotate)
  start_der 1
  start_cc
  wait_for '"event":"handshake-ok".*"peer":"urn:gridseal:der1"' cc.jsonl 10 "der1 associated"
  mv der1.jsonl der1.jsonl.1
  kill -HUP "$DER1_PID"
  wait_for '"event":"reloaded"' der1.jsonl 5 "events go to a new der1.jsonl"
  expect_none '"event":"reloaded"' der1.jsonl.1 "not to the old file"
  # SIGHUP repeatedly, in any state: never an exit
  for i in 1 2 3; do kill -HUP "$DER1_PID" "$CC_PID"; sleep 0.2; done
  sleep 0.5
  kill -0 "$DER1_PID" 2>/dev/null || fail "der1 exited after SIGHUP"
  kill -0 "$CC_PID" 2>/dev/null || fail "cc exited after SIGHUP"
  expect_ge 4 '"event":"reloaded"' der1.jsonl "every SIGHUP reloaded"
  stop "$CC_PID" cc
  expect_ge 1 '"event":"released"' der1.jsonl "a release after the reloads"
  stop "$DER1_PID" der1
  echo "ok: $SCEN"
  ;;
reassociate)
  # on_reload = reassociate: after the cc's renewal it releases and
  # associates again, so der1 sees the new certificate at once
  sed -i 's/^max_assoc_per_peer = \(.*\)$/max_assoc_per_peer = \1\non_reload = reassociate/' pki/cc.conf
  grep -q '^on_reload = reassociate$' pki/cc.conf || fail "cc.conf has no on_reload line"
  start_der 1
  start_cc
  wait_for '"event":"handshake-ok".*"peer":"urn:gridseal:der1"' cc.jsonl 10 "der1 associated"
  "$G" pki issue --ca pki/e2e-ca --name cc --role OPERATOR --out pki/ccnew >/dev/null ||
    fail "pki issue cc"
  cp pki/ccnew/e2e.crt pki/cc/e2e.crt
  cp pki/ccnew/e2e.key pki/cc/e2e.key
  kill -HUP "$CC_PID"
  wait_for '"event":"reloaded".*"old_serial"' cc.jsonl 5 "cc reloaded"
  ser=$(grep '"event":"reloaded"' cc.jsonl | sed 's/.*"old_serial":"[0-9A-F]*","serial":"\([0-9A-F]*\)".*/\1/')
  wait_for '"event":"reassociating".*"peer":"urn:gridseal:der1"' cc.jsonl 5 "reassociating"
  wait_for "\"event\":\"handshake-ok\".*\"peer_serial\":\"$ser\"" der1.jsonl 10 \
    "der1 sees the renewed cc certificate (serial $ser)"
  expect_ge 1 '"event":"released"' der1.jsonl "the old association was released"
  n1=$(count "der1 report seq=" cc.out)
  sleep 1.5
  [ "$(count "der1 report seq=" cc.out)" -gt "$n1" ] || fail "no reports after re-associating"
  stop "$CC_PID" cc
  stop "$DER1_PID" der1
  echo "ok: $SCEN"
  ;;
*)
  fail "unknown scenario"
  ;;
esac
# every event of the run matches the event schema (docs/events.schema.json)
/usr/bin/python3 "$CHECK_EVENTS" --allow-empty *.jsonl || fail "events that do not match docs/events.schema.json"
