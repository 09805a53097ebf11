#!/bin/sh
# The control center's console on a terminal, against a real DER over TCP.
# usage: console.sh GRIDSEAL WORKDIR PORTBASE
# der1's [roles] let the cc (OPERATOR) only read, so a set-point is refused.
# console_pty.py runs `gridseal cc` on a pseudo-terminal three times (ended
# by Ctrl-C, SIGTERM, SIGABRT) and checks the screen: the alternate screen,
# the refusal in the message pane, the input line kept across redraws, the
# key update note, the terminal modes restored. Then plain (non-terminal)
# runs show key updates as timestamped lines: those the cc initiates, and one
# the DER requests when its message budget is spent. Every process started
# here is killed on exit (trap).
set -eu
. "$(dirname "$0")/lib.sh"

G=$1
WORK=$2
BASE=$3
HERE=$(cd "$(dirname "$0")" && pwd)

gs_work "$WORK"

"$G" pki init pki --ders 1 >/dev/null || fail "pki init"
sed -i "s/127\.0\.0\.1:7001\$/127.0.0.1:$((BASE + 1))/" pki/*.conf
sed -i 's/^report_interval = .*/report_interval = 1s/; s/^reconnect_max = .*/reconnect_max = 1s/' \
  pki/*.conf
sed -i 's/^OPERATOR = .*/OPERATOR = read/' pki/der1.conf
grep -q '^OPERATOR = read$' pki/der1.conf || fail "der1.conf has no [roles] OPERATOR line"

start_der() { # start_der OUT: der1 with its plain output to OUT
  "$G" der --config pki/der1.conf --events der1.jsonl >"$1" 2>&1 &
  DER_PID=$!
  PIDS="$PIDS $DER_PID"
  i=0
  while ! grep -q listening "$1" 2>/dev/null; do
    i=$((i + 1))
    [ $i -le 50 ] || fail "der1 did not start"
    sleep 0.1
  done
}
start_der der1.out

for end in ctrl-c term abort; do
  python3 "$HERE/console_pty.py" "$G" pki/cc.conf "cc-$end.jsonl" "$end" >"pty-$end.out" 2>&1 ||
    { cat "pty-$end.out"; fail "console ($end)"; }
  cat "pty-$end.out"
done
grep -q '"event":"write-refused".*"diag":"object-access-denied"' der1.jsonl ||
  fail "der1 did not refuse the set-point"
grep -q '"event":"key-update"' cc-term.jsonl || fail "no key-update event on the cc"

# Plain output: the key update is a line with its time.
rc=0
"$G" cc --config pki/cc.conf --run-for 4 --rekey-after 1.5 </dev/null >cc-plain.out 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "plain cc exited with $rc"
ts='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z '
grep -Eq "${ts}der1 key update #1 \(initiated by cc\)$" cc-plain.out ||
  fail "plain output: no timestamped key update line"
grep -Eq "${ts}der1 key update #2 \(initiated by cc\)$" cc-plain.out ||
  fail "plain output: no second key update line"
echo "ok: plain output shows the key updates"

stop_der() {
  kill -TERM "$DER_PID"
  rc=0
  wait "$DER_PID" || rc=$?
  [ "$rc" -eq 0 ] || fail "der1 exited with $rc after SIGTERM"
}
stop_der

# A DER whose message budget is spent asks for the key update (reqRekey).
sed -i 's/^key_lifetime = 1h$/key_lifetime = 1h\nmessage_budget = 3/' pki/der1.conf
grep -q '^message_budget = 3$' pki/der1.conf || fail "der1.conf: no message_budget line"
start_der der1-budget.out
rc=0
"$G" cc --config pki/cc.conf --run-for 6 </dev/null >cc-budget.out 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "cc (budget) exited with $rc"
grep -Eq "${ts}der1 key update #1 \(requested by der1\)$" cc-budget.out ||
  fail "plain output: no key update requested by der1"
echo "ok: a key update the DER requested is shown as such"
stop_der
echo "ok: console"
# every event of the run matches the event schema (docs/events.schema.json)
/usr/bin/python3 "$CHECK_EVENTS" --allow-empty *.jsonl || fail "events that do not match docs/events.schema.json"
