#!/bin/sh
# Injection into a live association: a DER and a control center are
# associated; a third party sends a well-formed data PDU carrying the live
# assoID and a junk tag from another transport peer. The association must
# not notice: reports keep flowing, nothing is aborted, the DER drops and
# logs the PDU as from a foreign peer.
# usage: apps_inject.sh GRIDSEAL INJECT_PDU WORKDIR SCENARIO PORTBASE [INJECT_MQTT]
#   tcp    the PDUs come over a second TCP connection to the DER
#   mqtt   another broker client (der2, with its own hop certificate) publishes
#          them under its own topic gridseal/der1@localhost/der2@localhost/up
#          (Mosquitto of scripts/mqtt-broker on port PORTBASE)
# Every process started here is killed on exit (trap), the broker stopped.
set -eu
. "$(dirname "$0")/lib.sh"

G=$1
INJ=$2
WORK=$3
SCEN=$4
BASE=$5
INJ_MQTT=${6:-}
SRC=$(cd "$(dirname "$0")/../.." && pwd)

BROKER=""
stop_broker() {
  if [ -n "$BROKER" ]; then
    "$SRC/scripts/mqtt-broker" stop --dir "$BROKER" >/dev/null 2>&1 || true
  fi
}
GS_ON_EXIT=stop_broker
gs_work "$WORK"

# The drops the matching events stand for: an event without fields.count one,
# a rate-limited summary fields.count (docs/EVENTS.md).
drops() { # drops PATTERN FILE
  { grep -- "$1" "$2" 2>/dev/null || true; } |
    awk '{ if (match($0, /"count":[0-9]+/)) s += substr($0, RSTART + 8, RLENGTH - 8); else s += 1 }
         END { print s + 0 }'
}

expect_drops() { # expect_drops N PATTERN FILE WHAT
  c=$(drops "$2" "$3")
  [ "$c" -eq "$1" ] || fail "$4: expected $1 drops in events matching '$2' in $3, got $c"
}

"$G" pki init pki --ders 2 >/dev/null || fail "pki init"
sed -i -e "s/127\.0\.0\.1:7001\$/127.0.0.1:$((BASE + 1))/" \
  -e "s/127\.0\.0\.1:7002\$/127.0.0.1:$((BASE + 2))/" pki/*.conf
sed -i 's/^report_interval = .*/report_interval = 1s/' pki/*.conf
if [ "$SCEN" = mqtt ]; then
  [ -n "$INJ_MQTT" ] || fail "usage: the mqtt scenario needs INJECT_MQTT"
  sed -i -e "s/^type = .*/type = mqtt/" -e '/^replay = /d' \
    -e "s/^server = .*/server = 127.0.0.1:$BASE/" -e 's/^reconnect_max = .*/reconnect_max = 1s/' \
    pki/*.conf
  BROKER=$WORK/broker
  "$SRC/scripts/mqtt-broker" start --pki pki --dir "$BROKER" --port "$BASE" \
    --users "cc@localhost der1@localhost der2@localhost" >/dev/null || fail "broker did not start"
fi

# One DER (der1) and the control center, associated, with reports flowing;
# then `inject COUNT` sends COUNT forged PDUs; then checks that the
# association did not notice and the DER dropped them as from VIA.
start_pair() {
  "$G" der --config pki/der1.conf --events der1.jsonl >der1.out 2>&1 &
  DER_PID=$!
  PIDS="$PIDS $DER_PID"
  wait_for listening der1.out 15 "der1 did not start"
  "$G" cc --config pki/cc.conf --events cc.jsonl --run-for 9 </dev/null >cc.out 2>&1 &
  CC_PID=$!
  PIDS="$PIDS $CC_PID"
  wait_for "der1 report seq=" cc.out 15 "no association with reports"
  assoc=$(grep '"event":"handshake-ok"' der1.jsonl | head -1 | sed 's/.*"assoc":"\([^"]*\)".*/\1/')
  case "$assoc" in *:*) ;; *) fail "no assoID in der1.jsonl ('$assoc')" ;; esac
}

check_pair() { # check_pair VIA-PATTERN
  before=$(count "der1 report seq=" cc.out)
  sleep 3
  after=$(count "der1 report seq=" cc.out)
  [ "$after" -ge $((before + 2)) ] || fail "reports stopped after the injection ($before -> $after)"
  rc=0
  wait "$CC_PID" || rc=$?
  # der2 is configured but never runs: exit 3 naming it (docs/CLI.md)
  [ "$rc" -eq 3 ] || fail "cc exited with $rc, expected 3 (der2 never associated)"
  grep -q "^cc: der2 never associated during the run" cc.out || fail "cc did not name der2"
  grep -q "der1 never associated" cc.out && fail "der1 did associate"
  kill -TERM "$DER_PID"
  rc=0
  wait "$DER_PID" || rc=$?
  [ "$rc" -eq 0 ] || fail "der1 exited with $rc after SIGTERM"
  expect_drops 3 "\"event\":\"foreign-peer-dropped\",\"assoc\":\"$assoc\"" der1.jsonl \
    "the DER drops the three injected PDUs as foreign"
  expect_drops 3 "\"event\":\"foreign-peer-dropped\".*\"xpeer\":\"$1" der1.jsonl \
    "the drop names the injecting peer"
  expect_eq 2 "\"event\":\"foreign-peer-dropped\"" der1.jsonl \
    "identical drops rate-limited: the first, then one with the count of the others"
  for f in der1.jsonl cc.jsonl; do
    for e in abort-sent abort-received integrity-failure replay-dropped stale-dropped; do
      expect_eq 0 "\"event\":\"$e\"" $f "no $e in $f"
    done
    expect_eq 1 '"event":"handshake-ok"' $f "one association, never re-made ($f)"
    expect_ge 1 '"event":"released"' $f "orderly release at the end ($f)"
  done
  echo "ok: $SCEN"
}

case "$SCEN" in
tcp)
  start_pair
  "$INJ" tcp "127.0.0.1:$((BASE + 1))" "$assoc" 3 || fail "injection failed"
  check_pair 'tcp:127\.0\.0\.1:'
  ;;
mqtt)
  start_pair
  "$INJ" file forged.pdu "$assoc" || fail "PDU not built"
  "$INJ_MQTT" 127.0.0.1 "$BASE" pki/hop-ca/ca.crt pki/der2/hop.crt pki/der2/hop.key \
    "gridseal/der1@localhost/der2@localhost/up" forged.pdu 3 >inject.out 2>&1 ||
    fail "injection failed: $(cat inject.out)"
  check_pair 'der2@localhost'
  ;;
*)
  echo "unknown scenario $SCEN"
  exit 2
  ;;
esac
# every event of the run matches the event schema (docs/events.schema.json)
/usr/bin/python3 "$CHECK_EVENTS" --allow-empty *.jsonl || fail "events that do not match docs/events.schema.json"
