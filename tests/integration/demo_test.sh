#!/usr/bin/env bash
# usage: demo_test.sh GRIDSEAL PORT: run scripts/demo for 8 s of fleet and
# check what it must show, that every event it wrote matches the schema, and
# that it leaves no process behind.
set -euo pipefail
G=$1
PORT=$2
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(mktemp /tmp/gs-demo-test.XXXXXX)
RUN=""
trap 'rm -f "$OUT"; [ -z "$RUN" ] || rm -rf "$RUN"' EXIT
fail() {
  echo "FAIL (demo): $*"
  cat "$OUT"
  exit 1
}
rc=0
GS_DEMO_SECONDS=8 GS_DEMO_GRIDSEAL=$G GS_DEMO_PORT=$PORT GS_DEMO_KEEP=1 "$SRC/scripts/demo" \
  </dev/null >"$OUT" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "scripts/demo exited with $rc"
RUN=$(sed -n 's/^== demo PKI and configuration in //p' "$OUT")
[ -n "$RUN" ] || fail "no run directory in the output"
for n in 1 2 3 4 5; do
  grep -q "der$n associated .* (mode aead, association #1)" "$OUT" || fail "der$n not associated"
  grep -q "der$n released" "$OUT" || fail "der$n not released"
done
grep -q "der3 set-point 20000 W accepted" "$OUT" || fail "curtailment not accepted"
grep -q "der3 report .* W=20000.0 .* setpoint=20000 state=curtailed" "$OUT" ||
  fail "der3 not shown curtailed"
grep -Eq "der3 log: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z der3: set-point 20000 W from urn:gridseal:cc" \
  "$OUT" || fail "der3 log (timestamped)"
grep -q "key updates [1-9][0-9]* (der1: [1-9]" "$OUT" || fail "no key update on der1"
grep -q "08 46 9c 40 00) in 0, as ASCII in 0, the name WMaxSpt in 0, the name TotW in 0 of them" \
  "$OUT" || fail "the server's view is not empty of values"
grep -q "applData (encrypted)" "$OUT" || fail "no encrypted payload shown"
grep -q "integrity failures (all nodes) 0" "$OUT" || fail "integrity failures"
grep -q "no process left" "$OUT" || fail "the demo reports processes left"
sleep 0.5
if pgrep -f "$RUN" >/dev/null; then
  pgrep -af "$RUN"
  fail "processes of $RUN still running"
fi
grep -q "^demo: logs in $RUN$" "$OUT" || fail "the demo does not say where its logs are (GS_DEMO_KEEP=1)"
n_ev=$(ls "$RUN"/pki/*-events.jsonl 2>/dev/null | wc -l)
[ "$n_ev" -eq 6 ] || fail "$n_ev event files in $RUN/pki, expected 6 (cc and 5 DERs)"
/usr/bin/python3 "$SRC/tests/integration/check_events.py" "$RUN"/pki/*-events.jsonl ||
  fail "demo events that do not match docs/events.schema.json"
echo "ok: demo ($(grep -c ' report seq=' "$OUT") reports shown, nothing left running)"
