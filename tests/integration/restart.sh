#!/usr/bin/env bash
# A server or broker killed (SIGKILL by PID) and started again on the same
# port and RUNDIR in the middle of a run of `gridseal cc` and three
# `gridseal der` (labels amqp, xmpp).
#   restart.sh CASE GRIDSEAL
# CASE: rabbitmq    AMQP through RabbitMQ: the broker is killed once, at a
#                   moment drawn from GS_SEED, and started again; the DERs'
#                   reports sent during the outage wait in the AMQP send
#                   queue (under its bound) and arrive after it, in order,
#                   with no gap and no second handshake
#       amqp-queue  the same with [transport] queue_max = 5 at the DERs: what
#                   overflows the queue is reported as loss on the sender
#                   (amqp-error, diag queue-full, with the count) and shows
#                   as a gap of the same size at the control center
#       prosody     XMPP through Prosody, the server killed twice: the
#                   associations survive (one handshake per DER), the
#                   reports made while a DER is offline are gaps
#       ejabberd    XMPP through ejabberd, the same
# In every case: no report is delivered twice or out of order (the DER
# model's report sequence numbers at the control center strictly increase
# per DER), nothing is delivered that a DER did not send (no integrity or
# signature failure, every report in the CSV), every missing report is
# counted by a gap event, and reports resume within the back-off bound
# after each restart. Every case keeps the associations (XMPP too, though
# a restarted server forgets the sessions); were one lost, the DER would
# have to re-associate within the back-off bound, and a report in flight
# when its association was lost (association-lost at both ends, no gap)
# would be counted apart: at most 3 per restart and DER. The figures are
# printed.
# Ports (21100-21149): RabbitMQ 21100 (dist 21101, epmd 21102), 21110
# (dist 21111, epmd 21112); Prosody 21120; ejabberd 21130 (epmd 21131).
set -euo pipefail
CHECK_EVENTS="$(cd "$(dirname "$0")" && pwd)/check_events.py" # the event schema check
case_=$1 G=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/gs-restart.XXXXXX)
chmod 755 "$T" # the XMPP server's own user writes into $T/run
P=$T/pki
pids=() server=""
seed=${GS_SEED:-20261207}
RANDOM=$seed
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  case $server in
    rabbitmq) "$src/scripts/amqp-broker" stop --dir "$T/run" >/dev/null 2>&1 || true ;;
    prosody | ejabberd) "$src/scripts/xmpp-server" stop "$server" --dir "$T/run" >/dev/null 2>&1 || true ;;
  esac
  [ -n "${GS_KEEP:-}" ] && echo "kept $T" >&2 || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
  echo "FAIL ($case_, seed $seed): $*" >&2
  for f in "$T"/*.out "$P"/*-events.jsonl; do
    [ -f "$f" ] && { echo "--- $f" >&2; tail -15 "$f" >&2; }
  done
  exit 1
}
count() { # pattern file
  grep -c -- "$1" "$2" 2>/dev/null || true
}

"$G" pki init "$P" --ders 3 >/dev/null

configure() { # type server report-interval
  local f
  for f in "$P"/cc.conf "$P"/der?.conf; do
    sed -i -e "s/^type = .*/type = $1/" -e '/^replay = /d' -e "s/^server = .*/server = $2/" \
      -e "s/^report_interval = .*/report_interval = $3/" -e 's/^reconnect_min = .*/reconnect_min = 100ms/' \
      -e 's/^reconnect_max = .*/reconnect_max = 1s/' "$f"
  done
}

# The server, started again on the same port and RUNDIR.
RMQ_PORT="" RMQ_NODE=""
server_start() {
  case $server in
    rabbitmq)
      "$src/scripts/amqp-broker" start --pki "$P" --dir "$T/run" --port "$RMQ_PORT" --mqtt-port 0 \
        --dist-port $((RMQ_PORT + 1)) --epmd-port $((RMQ_PORT + 2)) --node "$RMQ_NODE" \
        --users "cc@localhost der1@localhost der2@localhost der3@localhost" >>"$T/server.out" 2>&1 ||
        fail "rabbitmq did not start" ;;
    prosody)
      "$src/scripts/xmpp-server" start prosody --pki "$P" --dir "$T/run" --port 21120 \
        --users "cc der1 der2 der3" >>"$T/server.out" 2>&1 || fail "prosody did not start" ;;
    ejabberd)
      "$src/scripts/xmpp-server" start ejabberd --pki "$P" --dir "$T/run" --port 21130 \
        --epmd-port 21131 --node ejabberd-21130@localhost \
        --users "cc der1 der2 der3" >>"$T/server.out" 2>&1 || fail "ejabberd did not start" ;;
  esac
}
server_kill() {
  case $server in
    rabbitmq) "$src/scripts/amqp-broker" kill --dir "$T/run" ;;
    *) "$src/scripts/xmpp-server" kill "$server" --dir "$T/run" ;;
  esac
}

# ms since the epoch of an ISO time 2026-12-07T10:00:01.234Z
ms_of() { date -u -d "$1" +%s%3N; }
now_iso() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }

# Run cc + 3 DERs for $1 s, killing the server $2 times: at a moment drawn
# from the seed in each slice of the run, down for $3..$3+$4 ms.
KILLS=() BACK=()
fleet_run() { # run-for kills down-min down-spread transport
  local run=$1 kills=$2 i
  for i in 1 2 3; do
    "$G" der --config "$P/der$i.conf" --transport "$5" >"$T/der$i.out" 2>&1 &
    pids+=($!)
  done
  sleep 0.5
  # the cc runs until it is stopped below (SIGTERM: it releases, exit 0),
  # --run-for only as a backstop
  "$G" cc --config "$P/cc.conf" --transport "$5" --run-for $((run + 120)) </dev/null \
    >"$T/cc.out" 2>&1 &
  local cc=$! t0=$SECONDS slice=$(((run - 6) / kills))
  for ((i = 0; i < kills; i++)); do
    local at=$((4 + i * slice + RANDOM % (slice > 3 ? slice - 3 : 1))) down=$(($3 + RANDOM % $4))
    while [ $((SECONDS - t0)) -lt $at ]; do sleep 0.1; done
    KILLS+=("$(now_iso)")
    server_kill
    sleep "$(printf '%d.%03d' $((down / 1000)) $((down % 1000)))"
    server_start
    BACK+=("$(now_iso)")
    echo "restart $((i + 1)): $server killed at ~${at}s, down ${down} ms + its start"
  done
  # the run's length, and at least 8 s of flow after the last start (a
  # server slow to come back on a loaded machine still gets its tail)
  local end=$((t0 + run)) tail_end=$((SECONDS + 8))
  [ "$tail_end" -le "$end" ] || end=$tail_end
  while [ "$SECONDS" -lt "$end" ]; do sleep 0.1; done
  kill -TERM "$cc" 2>/dev/null || true
  wait "$cc" || fail "cc exited with $?"
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
  for f in "$P"/*-events.jsonl; do
    /usr/bin/python3 "$CHECK_EVENTS" "$f" || fail "$f: events do not match the schema"
  done
}

# The invariants; sets HS (handshakes per DER, space-separated), MISSING,
# GAPS, DELIV, SENT, WORST (longest recovery, ms) and REASSOC_WORST.
check_flow() { # max-recovery-ms
  local ev=$P/cc-events.jsonl i
  for e in integrity-failure bad-signature; do
    [ "$(cat "$P"/*-events.jsonl | count "\"event\":\"$e\"" -)" = 0 ] || fail "unexpected $e"
  done
  HS="" MISSING=0 GAPS=0 DELIV=0 SENT=0 WORST=0 REASSOC_WORST=0 AT_END=0
  for i in 1 2 3; do
    grep "^der$i report seq=\|[ :]der$i report seq=" "$T/cc.out" | sed 's/.*seq=\([0-9]*\).*/\1/' \
      >"$T/seq$i" || true
    local n u lo hi g h rows
    n=$(wc -l <"$T/seq$i")
    [ "$n" -ge 5 ] || fail "der$i: only $n reports"
    rows=$(count ",der$i," "$P/cc.csv")
    [ "$rows" = "$n" ] || fail "der$i: $n reports but $rows CSV rows"
    # strictly increasing in the order of delivery: no duplicate, no reorder
    awk -v d="der$i" 'NR > 1 && $1 <= p { print d ": seq " $1 " after " p; bad = 1 } { p = $1 }
      END { exit bad }' "$T/seq$i" >&2 || fail "der$i: a report delivered twice or out of order"
    u=$n
    lo=$(head -1 "$T/seq$i")
    hi=$(tail -1 "$T/seq$i")
    g=$({ grep '"event":"gap"' "$ev" || true; } | { grep "\"xpeer\":\"der${i}[\"@]" || true; } |
      sed 's/.*"count":\([0-9]*\).*/\1/' | awk '{ s += $1 } END { print s + 0 }')
    h=$(count "\"event\":\"handshake-ok\".*\"peer\":\"urn:gridseal:der$i\"" "$ev")
    # Reports missing where the association changed (XMPP: a restarted
    # server ends them) were in flight when the old one was lost: both ends
    # report that as association-lost, not as a gap. Counted apart, at most
    # 3 per restart; every other missing report must be in a gap event.
    local at_end
    { grep "\"event\":\"handshake-ok\".*\"peer\":\"urn:gridseal:der$i\"" "$ev" || true; } |
      sed 's/.*"time":"[^T]*T\([^"]*\)Z".*/H \1/' >"$T/tl$i"
    { grep "[ :]der$i report seq=" "$T/cc.out" || true; } |
      sed 's/^[^T]*T\([^Z]*\)Z .*seq=\([0-9]*\).*/R \1 \2/' >>"$T/tl$i"
    at_end=$(awk '{ split($2, a, ":"); printf "%.3f %s %s\n", (a[1] * 60 + a[2]) * 60 + a[3], $1, $3 }' "$T/tl$i" |
      sort -n -s -k1,1 | awk '$2 == "H" { if (seen) hs = 1; next }
        { if (seen && hs && $3 > p + 1) n += $3 - p - 1; p = $3; seen = 1; hs = 0 }
        END { print n + 0 }')
    [ $((hi - lo + 1 - u - at_end)) -le "$g" ] ||
      fail "der$i: $((hi - lo + 1 - u)) lost ($at_end at a re-association), only $g reported as gaps"
    [ "$at_end" -le $((3 * ${#BACK[@]})) ] || fail "der$i: $at_end reports lost at re-associations"
    AT_END=$((AT_END + at_end))
    HS="$HS $h"
    SENT=$((SENT + hi - lo + 1)) DELIV=$((DELIV + u)) GAPS=$((GAPS + g))
    MISSING=$((MISSING + hi - lo + 1 - u))
    # the first report (and association, if one was made) after each restart
    local k=0 b
    for b in "${BACK[@]}"; do
      local bm f
      bm=$(ms_of "$b")
      f=$(grep "der$i report seq=" "$T/cc.out" | cut -d' ' -f1 | while read -r t; do
        m=$(ms_of "$t"); [ "$m" -ge "$bm" ] && { echo $((m - bm)); break; }; done || true)
      [ -n "$f" ] || fail "der$i: no report after restart $((k + 1)) (server back at $b)"
      [ "$f" -le "$WORST" ] || WORST=$f
      if [ "$h" -gt 1 ]; then
        # the first association after the kill, from when the server was
        # back (ejabberd: `start` returns after its accounts, the clients
        # may be in before that)
        local km
        km=$(ms_of "${KILLS[$k]}")
        f=$({ grep "\"event\":\"handshake-ok\".*\"peer\":\"urn:gridseal:der$i\"" "$ev" || true; } |
          sed 's/.*"time":"\([^"]*\)".*/\1/' | while read -r t; do
          m=$(ms_of "$t"); [ "$m" -ge "$km" ] && { echo $((m > bm ? m - bm : 0)); break; }; done || true)
        [ -n "$f" ] || fail "der$i: no association after restart $((k + 1))"
        [ "$f" -le "$REASSOC_WORST" ] || REASSOC_WORST=$f
      fi
      k=$((k + 1))
    done
  done
  [ "$WORST" -le "$1" ] || fail "reports resumed only $WORST ms after a restart (bound $1 ms)"
}

case $case_ in
  rabbitmq)
    server=rabbitmq RMQ_PORT=21100 RMQ_NODE=gsrestart1
    configure amqp localhost:21100 200ms
    server_start
    fleet_run 40 1 1000 1000 amqp
    check_flow 10000
    [ "$HS" = " 1 1 1" ] || fail "handshakes per DER:$HS (the associations did not survive)"
    [ "$MISSING" = 0 ] && [ "$GAPS" = 0 ] || fail "$MISSING reports lost, $GAPS in gaps: expected none"
    [ "$(cat "$P"/der?-events.jsonl | count '"diag":"queue-' -)" = 0 ] || fail "a send queue overflowed"
    # the reports queued during the outage arrive in a burst right after it:
    # from the first DER's reconnect (which may come before the script has
    # seen the broker ready), or the broker's start
    b=$(ms_of "${BACK[0]}")
    for i in 1 2 3; do
      r=$(grep -m1 ': amqp: reconnected to broker' "$T/der$i.out" | cut -d' ' -f1 || true)
      if [ -n "$r" ] && [ "$(ms_of "$r")" -lt "$b" ]; then b=$(ms_of "$r"); fi
    done
    burst=$(grep " report seq=" "$T/cc.out" | cut -d' ' -f1 | while read -r t; do
      m=$(ms_of "$t")
      if [ "$m" -ge "$b" ] && [ "$m" -lt $((b + 3000)) ]; then echo x; fi
    done | wc -l)
    [ "$(cat "$P"/der?-events.jsonl | count '"event":"amqp-disconnected"' -)" -ge 3 ] ||
      fail "the DERs did not see the broker go"
    down=$(($(ms_of "${BACK[0]}") - $(ms_of "${KILLS[0]}")))
    [ "$burst" -ge $((3 * down / 200 / 2)) ] ||
      fail "only $burst reports in the 3 s after the restart (outage $down ms, 3 DERs at 200 ms)"
    echo "restart_rabbitmq (seed $seed): outage_ms=$down reports_sent=$SENT delivered=$DELIV" \
      "lost=$MISSING gaps=$GAPS burst_after_restart=$burst longest_recovery_ms=$WORST handshakes_per_der=$HS" ;;
  amqp-queue)
    server=rabbitmq RMQ_PORT=21110 RMQ_NODE=gsrestart2
    configure amqp localhost:21110 200ms
    for f in "$P"/der?.conf; do
      sed -i -e 's/^\[transport\]$/[transport]\nqueue_max = 5/' "$f"
    done
    grep -q '^queue_max = 5' "$P/der1.conf" || fail "queue_max not set"
    server_start
    fleet_run 30 1 2000 500 amqp
    check_flow 10000
    [ "$HS" = " 1 1 1" ] || fail "handshakes per DER:$HS (the associations did not survive)"
    [ "$MISSING" -gt 0 ] || fail "no report lost with a queue of 5 over the outage"
    [ "$MISSING" = "$GAPS" ] || fail "$MISSING reports lost but $GAPS counted in gap events"
    lost=0
    for i in 1 2 3; do
      l=$({ grep '"diag":"queue-full"' "$P/der$i-events.jsonl" || true; } |
        sed 's/.*"fields":{.*"count":\([0-9]*\).*/\1/' | awk '{ s += $1 } END { print s + 0 }')
      [ "$l" -gt 0 ] || fail "der$i reported no queue-full loss"
      lost=$((lost + l))
    done
    [ "$lost" = "$MISSING" ] || fail "the DERs reported $lost PDUs lost, the cc misses $MISSING"
    echo "amqp_queue (seed $seed): queue_max=5 reports_sent=$SENT delivered=$DELIV lost=$MISSING" \
      "reported_lost_by_ders=$lost gaps=$GAPS handshakes_per_der=$HS" ;;
  prosody | ejabberd)
    server=$case_
    port=21120
    [ "$server" = ejabberd ] && port=21130
    configure xmpp "127.0.0.1:$port" 200ms
    server_start
    fleet_run 40 2 300 1200 xmpp
    check_flow 10000
    [ "$HS" = " 1 1 1" ] || fail "handshakes per DER:$HS (the associations did not survive)"
    [ "$REASSOC_WORST" -le 10000 ] || fail "re-association took $REASSOC_WORST ms"
    echo "restart_$server (seed $seed): restarts=2 reports_sent=$SENT delivered=$DELIV" \
      "lost=$MISSING lost_with_the_association=$AT_END gaps=$GAPS longest_recovery_ms=$WORST" \
      "handshakes_per_der=$HS longest_reassociation_ms=$REASSOC_WORST" ;;
  *) echo "usage: $0 rabbitmq|amqp-queue|prosody|ejabberd GRIDSEAL" >&2; exit 2 ;;
esac
