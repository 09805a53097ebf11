#!/usr/bin/env bash
# The control center's back-off against a DER it refuses, and the exit
# code of `cc --run-for` (docs/CLI.md, "cc").
# usage: backoff.sh GRIDSEAL CASE
#   tcp-refused   over TCP, the cc's [security] allowed_peers does not admit
#                 der1, so it aborts every HandshakeAcc (peer-not-authorized):
#                 the attempt times (cc events handshake-retry) show growing
#                 gaps, the cc prints summary lines, not one per attempt,
#                 der1 prints no association line; cc exits 3 naming der1
#   mqtt-refused  the same through Mosquitto
#   run-for       `cc --run-for 3`: exit 3 naming a DER that never
#                 associated (not running), exit 0 when every DER did
# Ports: TCP 17801-17803, Mosquitto 18897 (every scenario: RESOURCE_LOCK backoff-ports).
set -euo pipefail
CHECK_EVENTS="$(cd "$(dirname "$0")" && pwd)/check_events.py" # the event schema check
G=$1 CASE=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/gs-backoff.XXXXXX)
P=$T/pki
pids=() broker=""
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  if [ "$broker" = mosquitto ]; then "$src/scripts/mqtt-broker" stop --dir "$T/run" || true; fi
  [ -n "${GS_KEEP:-}" ] && echo "kept $T" >&2 || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
  echo "FAIL ($CASE): $*" >&2
  for f in "$T"/*.out "$T"/*.err "$T"/*.jsonl; do
    [ -f "$f" ] && { echo "--- $f" >&2; tail -30 "$f" >&2; }
  done
  exit 1
}
count() { grep -c -- "$1" "$2" 2>/dev/null || true; }

start_der() { # N [--transport T]
  local n=$1
  shift
  "$G" der --config "$P/der$n.conf" --events "$T/der$n.jsonl" "$@" >"$T/der$n.out" 2>&1 &
  pids+=($!)
  local i=0
  while ! grep -q listening "$T/der$n.out" 2>/dev/null; do
    i=$((i + 1))
    [ $i -le 50 ] || fail "der$n did not start"
    sleep 0.1
  done
}

# ms since midnight of the "time" of every JSON line matching PATTERN
times_of() { # PATTERN FILE
  grep -- "$1" "$2" | sed 's/.*"time":"[^T]*T\([0-9:.]*\)Z".*/\1/' |
    awk -F'[:.]' '{ print (($1 * 60 + $2) * 60 + $3) * 1000 + $4 }'
}

"$G" pki init "$P" --ders 2 >/dev/null || fail "pki init"
sed -i -e 's/^reconnect_min = .*/reconnect_min = 100ms/' -e 's/^reconnect_max = .*/reconnect_max = 2s/' \
  -e 's/^report_interval = .*/report_interval = 1s/' "$P"/*.conf
for n in 1 2; do
  sed -i "s/127\.0\.0\.1:700$n\$/127.0.0.1:$((17800 + n))/" "$P"/*.conf
done

refused_case() { # [--transport mqtt]
  # the cc's policy does not admit der1 (a verified certificate of another
  # identity than allowed_peers): every HandshakeAcc gets handshakeSecAbort
  sed -i 's#^allowed_peers = .*#allowed_peers = uri:urn:gridseal:der2#' "$P/cc.conf"
  grep -q '^allowed_peers = uri:urn:gridseal:der2$' "$P/cc.conf" || fail "cc.conf: allowed_peers"
  sed -i '/^\[der der2\]/,$d' "$P/cc.conf" # der1 only
  start_der 1 "$@"
  local rc=0
  "$G" cc --config "$P/cc.conf" --events "$T/cc.jsonl" --run-for 16 "$@" </dev/null \
    >"$T/cc.out" 2>"$T/cc.err" || rc=$?
  [ "$rc" -eq 3 ] || fail "cc exited with $rc, expected 3 (der1 never associated)"
  grep -q "^cc: der1 never associated during the run: .*(GS_ERR_[A-Z_]*) (last [0-9]* attempts)" "$T/cc.err" ||
    fail "cc must name der1 and why on stderr"
  [ "$(count '"event":"handshake-ok"' "$T/cc.jsonl")" -eq 0 ] || fail "the cc associated"
  # the attempts: one handshake-retry event each, their gaps growing
  mapfile -t at < <(times_of '"event":"handshake-retry"' "$T/cc.jsonl")
  local n=${#at[@]}
  echo "attempts: $n at ${at[*]}"
  [ "$n" -ge 6 ] || fail "only $n attempts in 16 s"
  # at most 5 attempts in the first 1.55 s (delays >= 50, 100, 200, 400,
  # 800 ms), then one per >= 1 s (the 2 s cap, jittered): <= 20; without a
  # growing back-off an attempt comes every 100-200 ms (> 80)
  [ "$n" -le 24 ] || fail "$n attempts in 16 s: the back-off does not grow"
  local g1=$((at[1] - at[0])) g2=$((at[2] - at[1])) gl=$((at[n - 1] - at[n - 2]))
  echo "gaps: first $g1 ms, second $g2 ms, last $gl ms"
  [ "$gl" -ge 900 ] || fail "the last gap ($gl ms) is not near the 2 s cap"
  [ "$gl" -ge $((3 * g1)) ] || fail "the gaps do not grow ($g1 ms, then $gl ms)"
  [ "$gl" -le 2600 ] || fail "the last gap ($gl ms) is above the 2 s cap"
  # plain output: a line for the first failure, then summaries at 2, 4, 8
  local lines
  lines=$(count "der1 handshake fail" "$T/cc.out")
  echo "cc lines: $lines for $n attempts"
  grep -q "der1 handshake failed: .*; next attempt in" "$T/cc.out" ||
    fail "no first-failure line"
  grep -q "der1 handshake failing: .* (last 4 attempts, next in [0-9.]* s)" "$T/cc.out" ||
    fail "no summary line"
  [ "$lines" -le 5 ] || fail "$lines failure lines for $n attempts: a flood"
  [ "$(count "association ended" "$T/cc.out")" -eq 0 ] || fail "a line per attempt"
  # der1: no association line, the failures summarised likewise
  kill -TERM "${pids[0]}"
  wait "${pids[0]}" || fail "der1 did not exit 0"
  pids=()
  [ "$(count "association [0-9]*:[0-9]* with" "$T/der1.out")" -eq 0 ] ||
    fail "der1 printed an association line for a failed try"
  grep -q "der1: association with urn:gridseal:cc not completed: aborted by the peer" \
    "$T/der1.out" || fail "der1 must say the attempt was not completed"
  lines=$(count "urn:gridseal:cc" "$T/der1.out")
  [ "$lines" -le 5 ] || fail "der1 printed $lines lines for $n attempts"
  echo "ok: $CASE"
}

case $CASE in
tcp-refused)
  refused_case
  ;;
mqtt-refused)
  for f in "$P"/cc.conf "$P"/der?.conf; do
    sed -i -e 's/^type = .*/type = mqtt/' -e '/^replay = /d' -e 's/^server = .*/server = 127.0.0.1:18897/' "$f"
  done
  broker=mosquitto
  "$src/scripts/mqtt-broker" start --pki "$P" --dir "$T/run" --port 18897 \
    --users "cc@localhost der1@localhost der2@localhost" >/dev/null || fail "mosquitto"
  refused_case --transport mqtt
  ;;
run-for)
  start_der 1
  rc=0
  "$G" cc --config "$P/cc.conf" --events "$T/cc.jsonl" --run-for 3 </dev/null >"$T/cc.out" \
    2>"$T/cc.err" || rc=$?
  [ "$rc" -eq 3 ] || fail "der2 not running: cc exited with $rc, expected 3"
  grep -q "^cc: der2 never associated during the run: never reachable" "$T/cc.err" ||
    fail "cc must name der2"
  grep -q "der1 never associated" "$T/cc.err" && fail "der1 did associate"
  grep -q "der1 associated" "$T/cc.out" || fail "der1 did not associate"
  start_der 2
  rc=0
  "$G" cc --config "$P/cc.conf" --events "$T/cc.jsonl" --run-for 3 </dev/null >"$T/cc.out" \
    2>"$T/cc.err" || rc=$?
  [ "$rc" -eq 0 ] || fail "both DERs running: cc exited with $rc, expected 0"
  grep -q "never associated" "$T/cc.err" && fail "nothing to report when all associated"
  echo "ok: $CASE"
  ;;
*)
  echo "unknown case $CASE" >&2
  exit 2
  ;;
esac
# every event of the run matches the event schema (docs/events.schema.json)
/usr/bin/python3 "$CHECK_EVENTS" --allow-empty "$T"/*.jsonl || fail "events that do not match docs/events.schema.json"
