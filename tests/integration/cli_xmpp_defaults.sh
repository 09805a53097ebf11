#!/usr/bin/env bash
# `gridseal pki init --transport xmpp` writes configurations that work with
# scripts/xmpp-server as it is: Prosody started with its defaults (port
# 15222, domain localhost, SASL EXTERNAL with the hop certificates), then
# der1 and cc with the configurations unedited associate, and
# `config --check` passes on both.
# usage: cli_xmpp_defaults.sh GRIDSEAL WORKDIR
set -euo pipefail
CHECK_EVENTS="$(cd "$(dirname "$0")" && pwd)/check_events.py" # the event schema check
G=$1 WORK=$2
SRC=$(cd "$(dirname "$0")/../.." && pwd)
PIDS="" RUN=""
cleanup() {
  local p
  for p in $PIDS; do kill -9 "$p" 2>/dev/null || true; done
  if [ -n "$RUN" ]; then
    "$SRC/scripts/xmpp-server" stop prosody --dir "$RUN" >/dev/null 2>&1 || true
    rm -rf "$RUN"
  fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"
fail() {
  echo "FAIL: $*"
  for f in *.out *.jsonl; do [ -f "$f" ] && { echo "==== $f"; tail -n 20 "$f"; }; done
  exit 1
}
wait_for() { # wait_for SECONDS PATTERN FILE WHAT
  local i=0
  until grep -q -- "$2" "$3" 2>/dev/null; do
    i=$((i + 1))
    [ $i -le $(($1 * 10)) ] || fail "$4: no '$2' in $3 within $1 s"
    sleep 0.1
  done
}

"$G" pki init --transport xmpp pki >init.out || fail "pki init --transport xmpp"
grep -q "scripts/xmpp-server start prosody --pki pki --dir RUNDIR$" init.out ||
  fail "pki init does not say how to start the server: $(cat init.out)"
for f in cc der1; do
  "$G" config --check "pki/$f.conf" >"check-$f.out" 2>&1 || fail "config --check pki/$f.conf: $(grep -v '^ok' "check-$f.out")"
done
# the server's run directory outside the build tree (a 0700 home would stop its user)
RUN=$(mktemp -d /tmp/gs-cli-xmpp.XXXXXX)
"$SRC/scripts/xmpp-server" start prosody --pki pki --dir "$RUN" >server.out 2>&1 ||
  fail "prosody did not start with the defaults: $(tail -n 5 server.out)"
"$G" der --config pki/der1.conf --events der1.jsonl >der1.out 2>&1 &
PIDS="$PIDS $!"
DER=$!
wait_for 15 '"event":"xmpp-connected"' der1.jsonl "der1 login on 127.0.0.1:15222"
rc=0
"$G" cc --config pki/cc.conf --events cc.jsonl --run-for 6 </dev/null >cc.out 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "cc exited with $rc"
grep -q "der1 associated" cc.out || fail "der1 did not associate"
grep -q '"event":"handshake-ok".*"peer":"urn:gridseal:der1"' cc.jsonl || fail "no handshake-ok at the cc"
grep -q '"event":"handshake-ok".*"peer":"urn:gridseal:cc"' der1.jsonl || fail "no handshake-ok at der1"
grep -q "der1 report seq=" cc.out || fail "no report from der1"
kill -TERM "$DER"
rc=0
wait "$DER" || rc=$?
[ "$rc" -eq 0 ] || fail "der1 exited with $rc after SIGTERM"
echo "ok: pki init --transport xmpp + scripts/xmpp-server defaults: der1 and cc associate"
# every event of the run matches the event schema (docs/events.schema.json)
/usr/bin/python3 "$CHECK_EVENTS" --allow-empty *.jsonl || fail "events that do not match docs/events.schema.json"
