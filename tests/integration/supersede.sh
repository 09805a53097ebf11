#!/bin/bash
# A restarted control center supersedes its dead association: gridseal der
# and gridseal cc through a real Mosquitto; the cc is SIGKILLed (the broker
# tells the DER nothing) and started again with the same identity. The DER
# must end the old association (association-superseded, fields old_assoc and
# new_assoc) within a few seconds of the new one, and the new cc must receive
# reports continuously afterwards.
# usage: supersede.sh GRIDSEAL WORKDIR   (Mosquitto on 127.0.0.1:21420)
set -eu
. "$(dirname "$0")/lib.sh"

G=$1
WORK=$2
PORT=21420
SRC=$(cd "$(dirname "$0")/../.." && pwd)

gs_work "$WORK"
GS_ON_EXIT='"$SRC/scripts/mqtt-broker" stop --dir "$WORK/run" >/dev/null 2>&1'

"$G" pki init pki --ders 1 >/dev/null || fail "pki init"
for f in pki/cc.conf pki/der1.conf; do
  sed -i -e "s/^type = .*/type = mqtt/" -e '/^replay = /d' -e "s/^server = .*/server = 127.0.0.1:$PORT/" \
    -e "s/^report_interval = .*/report_interval = 200ms/" -e 's/^reconnect_min = .*/reconnect_min = 100ms/' \
    -e 's/^reconnect_max = .*/reconnect_max = 1s/' "$f"
done
"$SRC/scripts/mqtt-broker" start --pki pki --dir "$WORK/run" --port "$PORT" \
  --users "cc@localhost der1@localhost" >broker.out 2>&1 || fail "mosquitto did not start"

"$G" der --config pki/der1.conf --events der1.jsonl >der1.out 2>&1 &
PIDS="$PIDS $!"
sleep 0.5
"$G" cc --config pki/cc.conf --events cc1.jsonl </dev/null >cc1.out 2>&1 &
CC1=$!
PIDS="$PIDS $CC1"
wait_for "der1 report seq=" cc1.out 10 "no report to the first cc"
sleep 1
kill -9 "$CC1"
wait "$CC1" 2>/dev/null || true

"$G" cc --config pki/cc.conf --events cc2.jsonl </dev/null >cc2.out 2>&1 &
PIDS="$PIDS $!"
wait_for "der1 report seq=" cc2.out 10 "no report to the second cc"
wait_for '"event":"association-superseded"' der1.jsonl 5 "no association-superseded"
expect_eq 1 '"event":"association-superseded"' der1.jsonl "one association superseded"
ev=$(grep '"event":"association-superseded"' der1.jsonl)
old=$(echo "$ev" | sed 's/.*"old_assoc":"\([^"]*\)".*/\1/')
new=$(echo "$ev" | sed 's/.*"new_assoc":"\([^"]*\)".*/\1/')
[ -n "$old" ] && [ -n "$new" ] && [ "$old" != "$new" ] || fail "old_assoc '$old', new_assoc '$new'"
grep -q "association $old superseded by $new" der1.out || fail "no superseded line naming $old and $new"
# within a second or two of the new association (its confirmation, at most 2 s)
ms() { date -d "$1" +%s%3N; }
t_sup=$(ms "$(echo "$ev" | sed 's/.*"time":"\([^"]*\)".*/\1/')")
hs=$(grep '"event":"handshake-ok"' der1.jsonl | grep "\"assoc\":\"$new\"" | head -1)
[ -n "$hs" ] || fail "no handshake-ok of $new"
t_new=$(ms "$(echo "$hs" | sed 's/.*"time":"\([^"]*\)".*/\1/')")
[ $((t_sup - t_new)) -le 2500 ] || fail "superseded $((t_sup - t_new)) ms after the new association"
# reports keep flowing to the new cc: at 200 ms, at least 10 more in 3 s
n0=$(count "der1 report seq=" cc2.out)
sleep 3
n1=$(count "der1 report seq=" cc2.out)
[ $((n1 - n0)) -ge 10 ] || fail "only $((n1 - n0)) reports to the new cc in 3 s"
# the old association's reports, which reached the new cc as unknown
# associations, have stopped: none later than 500 ms after the supersede
late=0
while read -r l; do
  t=$(ms "$(echo "$l" | sed 's/.*"time":"\([^"]*\)".*/\1/')")
  [ "$t" -le $((t_sup + 500)) ] || late=$((late + 1))
done < <(grep '"diag":"GS_ERR_UNKNOWN_ASSOC"' cc2.jsonl || true)
[ "$late" -eq 0 ] || fail "$late reports on the old association after it was superseded"
check_events der1.jsonl cc2.jsonl
echo "supersede: OK (old $old, new $new, $((n1 - n0)) reports in 3 s)"
