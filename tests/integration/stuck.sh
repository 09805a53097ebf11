#!/bin/bash
# Stuck states end by themselves: gridseal cc and gridseal der over TCP with
# a fault relay (fault_relay.c) between them.
# usage: stuck.sh GRIDSEAL FAULT_RELAY WORKDIR SCENARIO PORTBASE
#   lost-rekey        the cc's key-update PDU is lost and the cc sends nothing
#                     else: the association ends within rekey_timeout with an
#                     event naming it, a fresh one follows, the release at the
#                     end is answered
#   tampered-acc      a byte of the HandshakeAcc is flipped: the cc's handshake
#                     fails at once, the DER's half-open association ends within
#                     half_open_timeout, both re-associate in a few seconds, and
#                     the cc logs only a handful of rate-limited drop events
#   setpoint-timeout  the DER's answers are lost: the set-point ends in
#                     setpoint-timeout within request_timeout
#   setpoint-lost     the connection is cut before the answer: setpoint-lost
#   release-timeout   the DER's answers are lost at exit: release-timeout, the
#                     cc ends the association itself and exits in time
#   der-release-timeout  the same for the DER's release at SIGTERM
# Every process started here is killed on exit (trap).
set -eu
. "$(dirname "$0")/lib.sh"

G=$1
RELAY=$2
WORK=$3
SCEN=$4
BASE=$5
DER_PORT=$((BASE + 1))
RELAY_PORT=$((BASE + 2))

gs_work "$WORK"

now_ms() {
  date +%s%3N
}

# The time of the first event matching PATTERN in FILE, in ms since the epoch.
event_ms() {
  t=$(grep -- "$1" "$2" | head -1 | sed 's/.*"time":"\([^"]*\)".*/\1/')
  [ -n "$t" ] || fail "no event matching '$1' in $2"
  date -d "$t" +%s%3N
}

"$G" pki init pki --ders 1 >/dev/null || fail "pki init"
sed -i "s/^listen = 127\.0\.0\.1:7001\$/listen = 127.0.0.1:$DER_PORT/" pki/der1.conf
sed -i "s/^connect = 127\.0\.0\.1:7001\$/connect = 127.0.0.1:$RELAY_PORT/" pki/cc.conf
sed -i 's/^report_interval = .*/report_interval = 500ms/; s/^reconnect_max = .*/reconnect_max = 1s/' \
  pki/*.conf
# the timers under test (docs/CONFIG.md [session], [application] request_timeout)
for f in pki/cc.conf pki/der1.conf; do
  printf '\n[session]\nhandshake_timeout = 2s\nrekey_timeout = 2s\nhalf_open_timeout = 2s\n' >>"$f"
done
sed -i 's/^\[application\]$/[application]\nrequest_timeout = 2s/' pki/cc.conf

start_relay() { # start_relay RULE
  "$RELAY" "$RELAY_PORT" "$DER_PORT" "$1" 2>relay.out &
  RELAY_PID=$!
  PIDS="$PIDS $RELAY_PID"
  wait_for "relay: listening" relay.out 5 "the relay did not start"
}

start_der() {
  "$G" der --config pki/der1.conf --events der1.jsonl >>der1.out 2>&1 &
  DER_PID=$!
  PIDS="$PIDS $DER_PID"
  wait_for listening der1.out 5 "der1 did not start"
}

# start_cc ARGS...: the cc with its commands read from the FIFO cc.in
start_cc() {
  mkfifo cc.in
  "$G" cc --config pki/cc.conf --events cc.jsonl "$@" <cc.in >cc.out 2>&1 &
  CC_PID=$!
  PIDS="$PIDS $CC_PID"
  exec 7>cc.in # held open: the cc reads commands until it ends
}

cc_cmd() {
  echo "$1" >&7
}

# stop_cc MAX_SECONDS: quit, and the cc must exit 0 within MAX_SECONDS
stop_cc() {
  t0=$(now_ms)
  cc_cmd quit
  exec 7>&-
  rc=0
  wait "$CC_PID" || rc=$?
  t1=$(now_ms)
  [ "$rc" -eq 0 ] || fail "cc exited with $rc"
  [ $((t1 - t0)) -le $(($1 * 1000)) ] || fail "cc took $((t1 - t0)) ms to exit"
}

stop_der() {
  kill -TERM "$DER_PID"
  rc=0
  wait "$DER_PID" || rc=$?
  [ "$rc" -eq 0 ] || fail "der1 exited with $rc after SIGTERM"
}

check_all_events() {
  /usr/bin/python3 "$CHECK_EVENTS" cc.jsonl der1.jsonl || fail "event files do not match the schema"
}

associated() { # wait for the cc's Nth association
  wait_for "der1 associated .*association #$1)" cc.out "$2" "association #$1"
}

case "$SCEN" in
lost-rekey)
  start_relay drop-rekey
  start_der
  start_cc
  associated 1 10
  wait_for "der1 report seq=" cc.out 5 "no report"
  cc_cmd "rekey der1"
  wait_for "relay: dropped cc->der .* with a rekey field" relay.out 5 "the relay dropped no rekey PDU"
  t_drop=$(now_ms)
  # the association ends by itself, with an event naming the key-update timeout
  wait_for 'GS_ERR_REKEY_TIMEOUT' cc.jsonl 6 "no event naming the unconfirmed key update"
  t_end=$(event_ms 'GS_ERR_REKEY_TIMEOUT' cc.jsonl)
  [ $((t_end - t_drop)) -le 4000 ] || fail "ended $((t_end - t_drop)) ms after the loss (rekey_timeout 2 s)"
  associated 2 6
  sleep 1.5
  stop_cc 5
  stop_der
  expect_none "rekey: GS_ERR_REKEY" cc.out "no plain-text-only rekey failure"
  expect_ge 2 '"event":"handshake-ok"' cc.jsonl "a fresh association followed"
  expect_ge 1 '"event":"released"' cc.jsonl "the release at the end is answered (cc)"
  expect_ge 1 '"event":"released"' der1.jsonl "the release at the end is answered (der1)"
  expect_none '"event":"release-timeout"' cc.jsonl "no release timeout"
  ;;
tampered-acc)
  start_relay flip-acc
  start_der
  t0=$(now_ms)
  start_cc
  wait_for "relay: flipped" relay.out 5 "the relay flipped nothing"
  # the cc refuses the HandshakeAcc at once (event); the attempt ends at the
  # 2-s handshake_timeout, not 30 s
  wait_for '"event":"bad-signature"' cc.jsonl 2 "the cc did not refuse the tampered HandshakeAcc"
  wait_for '"event":"handshake-retry".*"diag":"GS_ERR_HS_TIMEOUT"' cc.jsonl 4 \
    "the cc's attempt did not end at its handshake timeout"
  associated 1 8
  t1=$(event_ms '"event":"handshake-ok"' cc.jsonl)
  [ $((t1 - t0)) -le 6000 ] || fail "associated only after $((t1 - t0)) ms"
  sleep 2
  stop_cc 5
  stop_der
  expect_ge 1 '"event":"handshake-ok"' der1.jsonl "the DER associated again"
  # the half-open association of the DER ended by itself (or with its connection)
  expect_ge 2 '"event":"handshake-ok"' der1.jsonl "the DER had a half-open and a fresh association"
  grep -Eq 'GS_ERR_HALF_OPEN|"event":"association-lost"' der1.jsonl ||
    fail "the DER's half-open association did not end (no GS_ERR_HALF_OPEN, no association-lost)"
  n=$(grep -c -- '-dropped"' cc.jsonl || true)
  [ "$n" -le 6 ] || fail "the cc logged $n drop events (rate limit)"
  ;;
setpoint-timeout)
  start_relay none
  start_der
  start_cc
  associated 1 10
  wait_for "der1 report seq=" cc.out 5 "no report"
  kill -USR1 "$RELAY_PID" # every answer of the DER is lost from now on
  sleep 0.3
  t0=$(now_ms)
  cc_cmd "set der1 4000"
  wait_for '"event":"setpoint-timeout"' cc.jsonl 5 "no setpoint-timeout"
  t1=$(event_ms '"event":"setpoint-timeout"' cc.jsonl)
  [ $((t1 - t0)) -ge 1800 ] && [ $((t1 - t0)) -le 3500 ] ||
    fail "setpoint-timeout after $((t1 - t0)) ms (request_timeout 2 s)"
  id=$(grep '"event":"setpoint-timeout"' cc.jsonl | sed 's/.*"invoke_id":\([0-9]*\).*/\1/')
  case "$id" in '' | *[!0-9]*) fail "setpoint-timeout carries no invoke_id" ;; esac
  expect_ge 1 '"event":"setpoint-applied"' der1.jsonl "the DER applied it (the answer was lost)"
  kill -USR2 "$RELAY_PID" # cut: a fresh association, the cc exits in order
  associated 2 8
  stop_cc 6
  stop_der
  expect_eq 1 '"event":"setpoint-timeout"' cc.jsonl "one outcome"
  expect_none '"event":"setpoint-accepted"' cc.jsonl "no second outcome"
  expect_none '"event":"setpoint-lost"' cc.jsonl "no second outcome (lost)"
  ;;
setpoint-lost)
  start_relay none
  start_der
  start_cc
  associated 1 10
  wait_for "der1 report seq=" cc.out 5 "no report"
  kill -USR1 "$RELAY_PID"
  sleep 0.3
  cc_cmd "set der1 3000"
  wait_for '"event":"setpoint-sent"' cc.jsonl 3 "no set-point sent"
  sleep 0.3
  kill -USR2 "$RELAY_PID" # the association ends before the answer
  wait_for '"event":"setpoint-lost"' cc.jsonl 3 "no setpoint-lost"
  expect_ge 1 '"event":"setpoint-lost".*"error":"GS_ERR_IO"' cc.jsonl "lost with the connection"
  associated 2 8
  cc_cmd "set der1 2000"
  wait_for '"event":"setpoint-accepted"' cc.jsonl 4 "the next set-point was not answered"
  stop_cc 6
  stop_der
  expect_eq 1 '"event":"setpoint-lost"' cc.jsonl "one lost"
  expect_eq 1 '"event":"setpoint-accepted"' cc.jsonl "one accepted"
  expect_none '"event":"setpoint-timeout"' cc.jsonl "no timeout"
  lost=$(grep '"event":"setpoint-lost"' cc.jsonl | sed 's/.*"invoke_id":\([0-9]*\).*/\1/')
  acc=$(grep '"event":"setpoint-accepted"' cc.jsonl | sed 's/.*"invoke_id":\([0-9]*\).*/\1/')
  [ -n "$lost" ] && [ -n "$acc" ] && [ "$lost" != "$acc" ] ||
    fail "outcomes must name their own invokeIDs ($lost, $acc)"
  ;;
release-timeout)
  start_relay none
  start_der
  start_cc
  associated 1 10
  wait_for "der1 report seq=" cc.out 5 "no report"
  kill -USR1 "$RELAY_PID" # the releaseRsp will be lost
  sleep 0.3
  stop_cc 4
  expect_eq 1 '"event":"release-timeout"' cc.jsonl "the unanswered release is reported"
  expect_none '"event":"released"' cc.jsonl "no released without an answer"
  grep -q "release unanswered after 2000 ms" cc.out || fail "no plain line for the release timeout"
  stop_der
  ;;
der-release-timeout)
  start_relay none
  start_der
  start_cc
  associated 1 10
  wait_for "der1 report seq=" cc.out 5 "no report"
  kill -HUP "$RELAY_PID" # the cc's releaseRsp will be lost
  sleep 0.3
  t0=$(now_ms)
  stop_der
  t1=$(now_ms)
  [ $((t1 - t0)) -le 3500 ] || fail "der1 took $((t1 - t0)) ms to exit"
  expect_eq 1 '"event":"release-timeout"' der1.jsonl "the unanswered release is reported (der1)"
  expect_none '"event":"released"' der1.jsonl "no released without an answer (der1)"
  grep -q "release unanswered after 2000 ms; ended locally" der1.out || fail "no plain line (der1)"
  stop_cc 5
  ;;
*)
  fail "unknown scenario"
  ;;
esac
check_all_events
echo "ok: $SCEN"
