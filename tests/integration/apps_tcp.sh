#!/bin/sh
# gridseal der + gridseal cc over TCP on 127.0.0.1, end to end.
# usage: apps_tcp.sh GRIDSEAL WORKDIR SCENARIO PORTBASE
#   fleet-aead | fleet-integrity | fleet-etm   3 DERs, set-point, key update, release
#   restart      a DER killed (SIGKILL) and restarted is re-associated
#   untrusted    a cc certificate from another PKI is refused by the DER
#   overrating   a set-point above the rating is refused, nothing changes
#   writer       a cc whose roles do not permit set-points is refused, nothing changes
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
  for f in *.out *.jsonl *.csv; do
    [ -f "$f" ] && { echo "==== $f"; cat "$f"; }
  done
  exit 1
}

# count PATTERN FILE: number of matching lines (0 if none)
count() {
  grep -c -- "$1" "$2" 2>/dev/null || true
}

expect_ge() { # expect_ge N PATTERN FILE WHAT
  c=$(count "$2" "$3")
  [ "$c" -ge "$1" ] || fail "$4: expected >= $1 lines matching '$2' in $3, got $c"
}

expect_none() { # expect_none PATTERN FILE WHAT
  c=$(count "$1" "$2")
  [ "$c" -eq 0 ] || fail "$3: expected no line matching '$1' in $2, got $c"
}

"$G" pki init pki --ders 3 >/dev/null || fail "pki init"
for n in 1 2 3; do
  sed -i "s/127\.0\.0\.1:700$n\$/127.0.0.1:$((BASE + n))/" pki/*.conf
done
sed -i 's/^report_interval = .*/report_interval = 1s/; s/^reconnect_max = .*/reconnect_max = 1s/' \
  pki/*.conf

set_security() { # set_security MODE POLICY: every configuration
  sed -i "s/^mode = .*/mode = $1/; s/^encryption_policy = .*/encryption_policy = $2/" pki/*.conf
}

start_der() { # start_der N: runs gridseal der for derN, sets DERN_PID
  "$G" der --config "pki/der$1.conf" --events "der$1.jsonl" >>"der$1.out" 2>&1 &
  PIDS="$PIDS $!"
  eval "DER$1_PID=$!"
  i=0
  while ! grep -q listening "der$1.out" 2>/dev/null; do
    i=$((i + 1))
    [ $i -le 50 ] || fail "der$1 did not start"
    sleep 0.1
  done
}

stop_der() { # stop_der N: SIGTERM, expect exit 0
  eval "p=\$DER$1_PID"
  kill -TERM "$p"
  rc=0
  wait "$p" || rc=$?
  [ "$rc" -eq 0 ] || fail "der$1 exited with $rc after SIGTERM"
}

run_cc() { # run_cc CONF ARGS...: foreground, plain output to cc.out
  conf=$1
  shift
  rc=0
  "$G" cc --config "$conf" --events cc.jsonl "$@" </dev/null >cc.out 2>&1 || rc=$?
  [ "$rc" -eq 0 ] || fail "cc exited with $rc"
}

# run_cc_unassoc "DERS" CONF ARGS...: as run_cc, for a run in which exactly
# the DERs named (configured, not running or refused) never associate:
# exit 3 (docs/CLI.md), each of them named on stderr, no other
run_cc_unassoc() {
  never=$1
  conf=$2
  shift 2
  rc=0
  "$G" cc --config "$conf" --events cc.jsonl "$@" </dev/null >cc.out 2>&1 || rc=$?
  [ "$rc" -eq 3 ] || fail "cc exited with $rc, expected 3 ($never never associated)"
  for d in $never; do
    grep -q "^cc: $d never associated during the run" cc.out || fail "cc did not name $d"
  done
  c=$(grep -c "never associated during the run" cc.out || true)
  [ "$c" -eq "$(echo $never | wc -w)" ] || fail "cc named $c DERs, expected: $never"
}

# The first line number of PATTERN in FILE (0 if none).
line_of() {
  grep -n -- "$1" "$2" | head -1 | cut -d: -f1 || true
}

fleet() { # fleet MODE-WORD
  for n in 1 2 3; do start_der $n; done
  run_cc pki/cc.conf --run-for 11 --set der2=2500 --rekey-after 4
  for n in 1 2 3; do stop_der $n; done
  expect_ge 3 '"event":"handshake-ok"' cc.jsonl "three associations"
  for n in 1 2 3; do
    expect_ge 1 "\"event\":\"handshake-ok\".*\"peer\":\"urn:gridseal:der$n\"" cc.jsonl "der$n association"
    expect_ge 1 '"event":"handshake-ok".*"peer":"urn:gridseal:cc"' der$n.jsonl "der$n sees the cc"
    expect_ge 1 "der$n associated .* (mode $1," cc.out "der$n mode $1"
    expect_ge 3 "der$n report seq=" cc.out "reports from der$n"
    expect_ge 3 ",der$n," pki/cc.csv "CSV rows of der$n"
    expect_ge 1 "\"event\":\"key-update\".*\"peer\":\"urn:gridseal:der$n\"" cc.jsonl "key update der$n (cc)"
    expect_ge 1 '"event":"key-update"' der$n.jsonl "key update (der$n)"
    expect_ge 1 "\"event\":\"released\".*\"peer\":\"urn:gridseal:der$n\"" cc.jsonl "release der$n (cc)"
    expect_ge 1 '"event":"released"' der$n.jsonl "release (der$n)"
    expect_none '"event":"integrity-failure"' der$n.jsonl "no integrity failure"
    # der's plain lines carry the time, as the cc's do
    ts='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z '
    grep -Eq "${ts}der$n: DER DER$n \(urn:gridseal:der$n\), rating .* listening \(tcp\)$" der$n.out ||
      fail "der$n: no timestamped listening line"
    grep -Eq "${ts}der$n: association [0-9]+:[0-9]+ with urn:gridseal:cc$" der$n.out ||
      fail "der$n: no timestamped association line"
    [ "$(grep -c "der$n: " der$n.out)" -eq "$(grep -Ec "${ts}der$n: " der$n.out)" ] ||
      fail "der$n: a plain line without its time"
  done
  grep -Eq "${ts}gridseal cc cc: 3 DERs over tcp$" cc.out || fail "cc: no timestamped first line"
  expect_ge 1 '"event":"setpoint-applied".*"object":"WMaxSpt","value":"2500"' der2.jsonl "der2 applied the set-point"
  acc=$(line_of "der2 set-point 2500 W accepted" cc.out)
  [ -n "$acc" ] && [ "$acc" -gt 0 ] || fail "set-point not accepted"
  tail -n +"$acc" cc.out | grep -q "der2 report .* setpoint=2500 " ||
    fail "no der2 report with setpoint=2500 after the write"
  grep -q ',der2,.*,2500\.0,' pki/cc.csv || fail "CSV has no der2 row with setpoint 2500"
  if tail -n +"$acc" cc.out | grep "der2 report" | grep -qv "setpoint=2500 "; then
    fail "a der2 report after the write does not show setpoint=2500"
  fi
  expect_none "der1 report .* setpoint=2500 " cc.out "der1 untouched"
  echo "ok: $SCEN"
}

case "$SCEN" in
fleet-aead)
  fleet aead
  ;;
fleet-integrity)
  set_security integrity-only optional
  fleet integrity-only
  ;;
fleet-etm)
  set_security encrypt-then-mac required
  fleet encrypt-then-mac
  ;;
restart)
  for n in 1 2; do start_der $n; done
  "$G" cc --config pki/cc.conf --events cc.jsonl --run-for 13 </dev/null >cc.out 2>&1 &
  CC_PID=$!
  PIDS="$PIDS $CC_PID"
  sleep 4
  kill -9 "$DER1_PID"
  wait "$DER1_PID" 2>/dev/null || true
  sleep 1.5
  start_der 1
  rc=0
  wait "$CC_PID" || rc=$?
  # der3 (configured, not running) never associated: exit 3 naming it only
  [ "$rc" -eq 3 ] || fail "cc exited with $rc, expected 3 (der3 never associated)"
  grep -q "^cc: der3 never associated during the run" cc.out || fail "cc did not name der3"
  expect_none "der[12] never associated" cc.out "der1 and der2 did associate"
  for n in 1 2; do stop_der $n; done
  expect_ge 2 '"event":"handshake-ok".*"peer":"urn:gridseal:der1"' cc.jsonl "der1 re-associated"
  expect_ge 1 '"event":"association-lost".*"peer":"urn:gridseal:der1"' cc.jsonl "der1 loss seen"
  expect_ge 1 "der1 disconnected" cc.out "der1 shown disconnected"
  second=$(grep -n "der1 associated .*association #2" cc.out | head -1 | cut -d: -f1)
  [ -n "$second" ] || fail "no second association of der1"
  tail -n +"$second" cc.out | grep -q "der1 report seq=" || fail "der1 reports did not resume"
  expect_ge 1 '"event":"handshake-ok"' der1.jsonl "restarted der1 associated"
  expect_ge 1 '"event":"released".*"peer":"urn:gridseal:der1"' cc.jsonl "der1 released at the end"
  [ "$(count '"event":"handshake-ok".*"peer":"urn:gridseal:der2"' cc.jsonl)" -eq 1 ] ||
    fail "der2 must keep its one association"
  echo "ok: $SCEN"
  ;;
untrusted)
  "$G" pki init other --ders 1 >/dev/null || fail "pki init other"
  sed -i "s/127\.0\.0\.1:7001\$/127.0.0.1:$((BASE + 1))/" other/cc.conf
  start_der 1
  run_cc_unassoc der1 other/cc.conf --run-for 3
  stop_der 1
  expect_ge 1 '"event":"handshake-failed".*"diag":"GS_ERR_CERT_UNTRUSTED"' der1.jsonl \
    "DER refuses the untrusted cc"
  expect_none '"event":"handshake-ok"' der1.jsonl "no association on the DER"
  expect_none '"event":"handshake-ok"' cc.jsonl "no association on the cc"
  # A request whose certificate does not validate cannot be verified: the
  # DER signs nothing for it (docs/PROTOCOL.md §3.3 c), the cc gets no reject.
  expect_none '"event":"notice-ignored"' cc.jsonl "no reject reaches the cc"
  expect_none '"event":"rejected"' cc.jsonl "no reject reaches the cc"
  expect_none "der1 report" cc.out "no reports"
  echo "ok: $SCEN"
  ;;
overrating)
  start_der 1
  run_cc_unassoc "der2 der3" pki/cc.conf --run-for 4 --set der1=500000
  stop_der 1
  expect_ge 1 "der1 set-point 500000 W refused: object-value-invalid" cc.out "refused over rating"
  expect_ge 1 '"event":"setpoint-refused".*"diag":"object-value-invalid"' cc.jsonl "refusal event"
  expect_ge 1 '"event":"write-refused".*"diag":"object-value-invalid"' der1.jsonl "DER refusal"
  expect_none '"event":"setpoint-applied"' der1.jsonl "nothing applied"
  expect_ge 2 "der1 report .* setpoint=100000 " cc.out "setpoint unchanged"
  expect_none "der1 report .* setpoint=500000 " cc.out "setpoint unchanged"
  echo "ok: $SCEN"
  ;;
writer)
  # The cc holds OPERATOR; this DER lets OPERATOR only read.
  sed -i 's/^OPERATOR = .*/OPERATOR = read/' pki/der1.conf
  grep -q '^OPERATOR = read$' pki/der1.conf || fail "der1.conf has no [roles] OPERATOR line"
  start_der 1
  run_cc_unassoc "der2 der3" pki/cc.conf --run-for 4 --set der1=2500
  stop_der 1
  expect_ge 1 "der1 set-point 2500 W refused: object-access-denied" cc.out "refused writer"
  expect_ge 1 '"event":"write-refused".*"diag":"object-access-denied".*"op":"setpoint"' \
    der1.jsonl "DER refusal names the missing operation"
  expect_none '"event":"setpoint-applied"' der1.jsonl "nothing applied"
  expect_ge 2 "der1 report .* setpoint=100000 " cc.out "setpoint unchanged"
  echo "ok: $SCEN"
  ;;
*)
  echo "unknown scenario $SCEN"
  exit 2
  ;;
esac
# every event of the run matches the event schema (docs/events.schema.json)
/usr/bin/python3 "$CHECK_EVENTS" --allow-empty *.jsonl || fail "events that do not match docs/events.schema.json"
