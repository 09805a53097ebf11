#!/usr/bin/env bash
# AMQP broker failover: a 2-node RabbitMQ cluster (scripts/amqp-broker
# start + join), one `gridseal cc` and four `gridseal der`, each with both
# nodes in [transport] server (cc, der1, der2: node 1 first; der3, der4:
# node 2 first). Once every DER reports, node 1 (the cc's) is killed
# (SIGKILL by PID). The cc, der1 and der2 reconnect to node 2, the queues
# of node 1 live on in their mirrors there, and:
# - every DER keeps its association: one handshake per DER at both ends,
#   none refused, lost, aborted or superseded, no re-association;
# - reports resume from every DER after the kill;
# - nothing forged or duplicated is delivered: no integrity or signature
#   failure, the report sequence numbers strictly increase per DER, every
#   report is in the CSV;
# - every missing report is counted by a gap event at the cc.
# The recovery time (the kill to each DER's first report after it) is
# printed.
#   failover_amqp.sh GRIDSEAL
# Ports: AMQPS 22100 (node 1, dist 32100) and 22110 (node 2, dist 32110),
# one epmd on 42100 for both.
set -eu
G=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib.sh"
SCEN=failover_amqp
W=$(mktemp -d /tmp/gs-failover-amqp.XXXXXX)
B="$src/scripts/amqp-broker"
GS_ON_EXIT='"$B" stop --dir "$W/n2" >/dev/null 2>&1; "$B" stop --dir "$W/n1" >/dev/null 2>&1
  if [ -n "${GS_KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$W"; fi'
gs_work "$W"
FAIL_FILES="*.out pki/*-events.jsonl" FAIL_LINES=40
N1=22100 N2=22110 EPMD=42100
USERS="cc@localhost der1@localhost der2@localhost der3@localhost der4@localhost"
COOKIE=gsfailover$$

now_iso() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
ms_of() { date -u -d "$1" +%s%3N; }
reports() { count "[ :]der$1 report seq=" cc.out; }

"$G" pki init pki --ders 4 >/dev/null
for f in pki/cc.conf pki/der?.conf; do
  sed -i -e 's/^type = .*/type = amqp/' -e '/^replay = /d' \
    -e "s/^server = .*/server = localhost:$N1,localhost:$N2/" \
    -e 's/^report_interval = .*/report_interval = 200ms/' \
    -e 's/^reconnect_min = .*/reconnect_min = 100ms/' -e 's/^reconnect_max = .*/reconnect_max = 1s/' "$f"
done
for i in 3 4; do
  sed -i -e "s/^server = .*/server = localhost:$N2,localhost:$N1/" "pki/der$i.conf"
done
grep -q "^server = localhost:$N2,localhost:$N1$" pki/der4.conf || fail "server list not set"

for n in 1 2; do
  port=$N1
  [ $n = 2 ] && port=$N2
  "$B" start --pki pki --dir "n$n" --port "$port" --mqtt-port 0 --epmd-port $EPMD \
    --cookie "$COOKIE" --users "$USERS" >>broker.out 2>&1 || fail "node $n did not start"
done
"$B" join --dir n2 --to gs$N1 >>broker.out 2>&1 || fail "node 2 did not join node 1"

for i in 1 2 3 4; do
  "$G" der --config "pki/der$i.conf" >"der$i.out" 2>&1 &
  PIDS="$PIDS $!"
done
sleep 0.5
# the cc runs until it is stopped below (SIGTERM), --run-for as a backstop
"$G" cc --config pki/cc.conf --run-for 300 </dev/null >cc.out 2>&1 &
CC=$!
PIDS="$PIDS $CC"
for i in 1 2 3 4; do
  wait_for "[ :]der$i report seq=" cc.out 60 "der$i reports before the kill"
done
sleep 2 # steady flow from all four

before=""
for i in 1 2 3 4; do before="$before $(reports $i)"; done
KILL=$(now_iso)
"$B" kill --dir n1 >>broker.out 2>&1 || fail "kill of node 1"
echo "node 1 (gs$N1, the cc's) killed at $KILL; reports before:$before"

# until every DER has 10 reports more than at the kill (at most 60 s)
set -- $before
for i in 1 2 3 4; do
  want=$(($1 + 10)) t=0
  shift
  while [ "$(reports $i)" -lt $want ]; do
    t=$((t + 1))
    [ $t -le 600 ] || fail "der$i: reports did not resume after the kill"
    sleep 0.1
  done
done
sleep 1
kill -TERM "$CC" 2>/dev/null || true
wait "$CC" || fail "cc exited with $?"
for p in $PIDS; do kill -TERM "$p" 2>/dev/null || true; done
for p in $PIDS; do wait "$p" 2>/dev/null || true; done
PIDS=""
check_events pki/*-events.jsonl

ev=pki/cc-events.jsonl
for e in integrity-failure bad-signature association-lost association-aborted \
  association-superseded association-refused reassociating handshake-failed; do
  for f in pki/*-events.jsonl; do
    expect_none "\"event\":\"$e\"" "$f" "$e"
  done
done
# the cc and the DERs of node 1 saw it go, and came back on node 2
expect_ge 1 '"event":"amqp-disconnected"' "$ev" "cc lost node 1"
expect_ge 1 "reconnected to broker localhost:$N2" cc.out "cc on node 2"
for i in 1 2; do
  expect_ge 1 "reconnected to broker localhost:$N2" "der$i.out" "der$i on node 2"
done

km=$(ms_of "$KILL")
SENT=0 DELIV=0 LOST=0 GAPS=0 WORST=0 REC=""
for i in 1 2 3 4; do
  expect_eq 1 "\"event\":\"handshake-ok\".*\"peer\":\"urn:gridseal:der$i\"" "$ev" \
    "der$i: one association at the cc"
  expect_eq 1 '"event":"handshake-ok"' "pki/der$i-events.jsonl" "der$i: one association"
  grep "[ :]der$i report seq=" cc.out | sed 's/.*seq=\([0-9]*\).*/\1/' >"seq$i"
  n=$(wc -l <"seq$i")
  rows=$(count ",der$i," pki/cc.csv)
  [ "$rows" = "$n" ] || fail "der$i: $n reports but $rows CSV rows"
  awk -v d="der$i" 'NR > 1 && $1 <= p { print d ": seq " $1 " after " p; bad = 1 } { p = $1 }
    END { exit bad }' "seq$i" || fail "der$i: a report delivered twice or out of order"
  lo=$(head -1 "seq$i") hi=$(tail -1 "seq$i")
  g=$({ grep '"event":"gap"' "$ev" || true; } | { grep "\"xpeer\":\"der${i}[\"@]" || true; } |
    sed 's/.*"count":\([0-9]*\).*/\1/' | awk '{ s += $1 } END { print s + 0 }')
  miss=$((hi - lo + 1 - n))
  [ "$miss" -le "$g" ] || fail "der$i: $miss reports lost, only $g reported as gaps"
  # the first report after the kill (the cc's line times are ISO UTC)
  first=$(grep "[ :]der$i report seq=" cc.out | awk -v k="$KILL" '$1 > k { print $1; exit }')
  [ -n "$first" ] || fail "der$i: no report after the kill"
  r=$(($(ms_of "$first") - km))
  [ "$r" -le "$WORST" ] || WORST=$r
  REC="$REC der$i=$r"
  SENT=$((SENT + hi - lo + 1)) DELIV=$((DELIV + n)) LOST=$((LOST + miss)) GAPS=$((GAPS + g))
done
echo "failover_amqp: node 1 of 2 killed; recovery_ms:$REC longest_recovery_ms=$WORST" \
  "reports_sent=$SENT delivered=$DELIV lost=$LOST gaps=$GAPS handshakes_per_der=1"
