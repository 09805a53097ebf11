#!/usr/bin/env bash
# gridseal der + gridseal cc through a real XMPP server on 127.0.0.1.
# usage: apps_xmpp.sh GRIDSEAL WORKDIR SCENARIO PORT
#   prosody    cc + 3 DERs through Prosody: associations, reports, a set-point
#              applied, key updates, der1 killed (SIGKILL: presence goes
#              unavailable, the association waits for it as for a hop
#              failover) and restarted: the old association ends by the
#              silent-peer rule ([session] idle_timeout = 3s here), then
#              der1 is re-associated; orderly release;
#              then the stanza log (what the server saw) holds no set-point
#              and no measurement (AEAD)
#   integrity  the same server view in integrity-only mode: the set-point's
#              MMS float (08 45 1c 40 00) and the MMS item names are in the
#              clear in the relayed payloads (authentic, not confidential)
#   ejabberd   a shorter fleet run through ejabberd
# Every process started here is stopped on exit (trap), the server by its
# process group (scripts/xmpp-server stop).
set -euo pipefail
CHECK_EVENTS="$(cd "$(dirname "$0")" && pwd)/check_events.py" # the event schema check

G=$1
WORK=$2
SCEN=$3
PORT=$4
SRC=$(cd "$(dirname "$0")/../.." && pwd)
SERVER=prosody
[ "$SCEN" = ejabberd ] && SERVER=ejabberd

PIDS=""
RUN="" # the server's run directory: outside the build tree, which may sit in a
       # home directory (mode 0700) the server's own user cannot enter
cleanup() {
  local p
  for p in $PIDS; do
    kill -9 "$p" 2>/dev/null || true
  done
  if [ -n "$RUN" ]; then
    "$SRC/scripts/xmpp-server" stop "$SERVER" --dir "$RUN" >/dev/null 2>&1 || true
    rm -rf "$RUN"
  fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"
RUN=$(mktemp -d /tmp/gs-apps-xmpp.XXXXXX)
ln -s "$RUN" run

fail() {
  echo "FAIL ($SCEN): $*"
  for f in *.out *.jsonl; do
    [ -f "$f" ] && { echo "==== $f"; tail -n 25 "$f"; }
  done
  exit 1
}

count() { # count PATTERN FILE: matching lines (0 if none or no file)
  local c
  c=$(grep -c -- "$1" "$2" 2>/dev/null) || true
  echo "${c:-0}"
}

expect_ge() { # expect_ge N PATTERN FILE WHAT
  local c
  c=$(count "$2" "$3")
  [ "$c" -ge "$1" ] || fail "$4: expected >= $1 lines matching '$2' in $3, got $c"
}

expect_none() { # expect_none PATTERN FILE WHAT
  local c
  c=$(count "$1" "$2")
  [ "$c" -eq 0 ] || fail "$3: expected no line matching '$1' in $2, got $c"
}

wait_for() { # wait_for SECONDS PATTERN FILE WHAT
  local i=0
  while [ "$(count "$2" "$3")" -eq 0 ]; do
    i=$((i + 1))
    [ $i -le $(($1 * 10)) ] || fail "$4: no '$2' in $3 within $1 s"
    sleep 0.1
  done
}

"$G" pki init pki --ders 3 >/dev/null || fail "pki init"
# XMPP through our own server; fast reports and reconnects; the plant runs
# at noon whatever the hour (sim_hour) so power is never 0 W.
sed -i -e 's/^type = .*/type = xmpp/' -e "s/^server = .*/server = 127.0.0.1:$PORT/" \
  -e 's/^report_interval = .*/report_interval = 1s/' -e 's/^reconnect_max = .*/reconnect_max = 2s/' \
  -e 's/^seed = \(.*\)/seed = \1\nsim_hour = 12/' pki/*.conf

LOG=()
[ "$SERVER" = prosody ] && LOG=(--log-stanzas)
"$SRC/scripts/xmpp-server" start "$SERVER" --pki pki --dir "$RUN" --port "$PORT" \
  --users "cc der1 der2 der3" "${LOG[@]}" >server.out 2>&1 || fail "$SERVER did not start"

start_der() { # start_der N: sets DERN_PID
  "$G" der --config "pki/der$1.conf" --events "der$1.jsonl" >>"der$1.out" 2>&1 &
  PIDS="$PIDS $!"
  eval "DER$1_PID=$!"
  wait_for 15 "xmpp-connected" "der$1.jsonl" "der$1 login"
}

stop_pid() { # stop_pid PID NAME: SIGTERM, expect exit 0
  local rc=0
  kill -TERM "$1"
  wait "$1" || rc=$?
  [ "$rc" -eq 0 ] || fail "$2 exited with $rc after SIGTERM"
}

start_cc() { # start_cc ARGS...: background, plain output to cc.out
  "$G" cc --config pki/cc.conf --events cc.jsonl "$@" </dev/null >cc.out 2>&1 &
  CC_PID=$!
  PIDS="$PIDS $CC_PID"
}

# Common checks of a fleet run: associations, reports, the set-point, key
# updates, the release at the end, nothing suspicious.
fleet_checks() { # fleet_checks MODE
  local n
  for n in 1 2 3; do
    expect_ge 1 "\"event\":\"handshake-ok\".*\"peer\":\"urn:gridseal:der$n\"" cc.jsonl "der$n association"
    expect_ge 1 '"event":"handshake-ok".*"peer":"urn:gridseal:cc"' "der$n.jsonl" "der$n sees the cc"
    expect_ge 1 "der$n associated .* (mode $1," cc.out "der$n mode $1"
    expect_ge 3 "der$n report seq=" cc.out "reports from der$n"
    expect_ge 3 ",der$n," pki/cc.csv "CSV rows of der$n"
    expect_ge 1 "\"event\":\"key-update\".*\"peer\":\"urn:gridseal:der$n\"" cc.jsonl "key update der$n (cc)"
    expect_ge 1 '"event":"key-update"' "der$n.jsonl" "key update (der$n)"
    expect_ge 1 "\"event\":\"released\".*\"peer\":\"urn:gridseal:der$n\"" cc.jsonl "release der$n (cc)"
    expect_ge 1 '"event":"released"' "der$n.jsonl" "release (der$n)"
    expect_none '"event":"integrity-failure"' "der$n.jsonl" "no integrity failure"
    expect_none '"event":"xmpp-error"' "der$n.jsonl" "no stanza error at der$n"
  done
  expect_none '"event":"integrity-failure"' cc.jsonl "no integrity failure (cc)"
  expect_ge 1 '"event":"setpoint-applied".*"object":"WMaxSpt","value":"2500"' der2.jsonl "der2 applied the set-point"
  expect_ge 1 "der2 set-point 2500 W accepted" cc.out "set-point accepted"
  grep -q ',der2,.*,2500\.0,' pki/cc.csv || fail "CSV has no der2 row with setpoint 2500"
  grep -q "der2 report .* W=2500\.0 .*setpoint=2500 state=curtailed" cc.out ||
    fail "der2 not curtailed to 2500 W"
  expect_none "der1 report .* setpoint=2500 " cc.out "der1 untouched"
  expect_none "der1 report .* W=0\.0 " cc.out "der1 produces (sim_hour)"
}

# Every distinct <e2e> payload of the stanza log, decoded: one line of
# space-separated hex octets per payload in payloads.hex, and the output of
# `gridseal inspect` for each in inspect.txt.
decode_payloads() {
  [ -s run/stanzas.log ] || fail "no stanza log"
  grep -o "<e2e xmlns='urn:gridseal:xmpp:e2e:1'>[^<]*</e2e>" run/stanzas.log |
    sed 's/<[^>]*>//g' | sort -u >payloads.b64
  : >payloads.hex
  : >inspect.txt
  local b
  while read -r b; do
    printf '%s' "$b" | base64 -d | od -An -v -tx1 | tr -d '\n' >>payloads.hex
    echo >>payloads.hex
    printf '%s\n' "$b" | "$G" inspect - >>inspect.txt 2>&1 || fail "inspect failed on a relayed payload"
  done <payloads.b64
  N_PAYLOADS=$(wc -l <payloads.b64)
  [ "$N_PAYLOADS" -ge 20 ] || fail "only $N_PAYLOADS payloads in the stanza log"
}

SP_FLOAT=' 08 45 1c 40 00'          # MMS floating-point 2500.0 (exponent width 8)
HZ_FLOAT=' 87 05 08 42 4[78] '      # MMS float in 49..51 (Hz) of a report
SP_ASCII=' 32 35 30 30'             # "2500"
NAMES='WMaxSpt\|TotW\|MMXU1\|DWMX1' # MMS item names

aead_check() {
  decode_payloads
  local sp hz asc nm enc
  sp=$(count "$SP_FLOAT" payloads.hex)
  hz=$(grep -c -E -- "$HZ_FLOAT" payloads.hex || true)
  asc=$(count "$SP_ASCII" payloads.hex)
  nm=$(count "$NAMES" inspect.txt)
  enc=$(count "SecPDU encrTransfer" inspect.txt)
  echo "server view (AEAD): payloads=$N_PAYLOADS encrTransfer=$enc setpoint_float=$sp" \
    "hz_float=$hz setpoint_ascii=$asc item_names=$nm"
  [ "$enc" -ge 10 ] || fail "expected encrTransfer payloads in the stanza log"
  [ "$sp" -eq 0 ] || fail "AEAD: the set-point float is visible to the server"
  [ "$hz" -eq 0 ] || fail "AEAD: a measurement float is visible to the server"
  [ "$asc" -eq 0 ] || fail "AEAD: '2500' in ASCII is visible to the server"
  [ "$nm" -eq 0 ] || fail "AEAD: MMS item names are visible to the server"
  # inspect prints times with separators: a bare 2500 can only be a value
  expect_none '\b2500\b' inspect.txt "AEAD: no 2500 in the decoded payloads"
  # the rest of the server's debug log: no value as a number of its own, no
  # item name (session ids and addresses are hex: 2500 inside one is not)
  sed 's/<e2e[^>]*>[^<]*<\/e2e>//g' run/stanzas.log >stanzas-bare.log
  c=$(grep -c -E '(^|[^0-9a-zA-Z])2500([^0-9a-zA-Z]|$)|WMaxSpt|TotW' stanzas-bare.log || true)
  [ "$c" -eq 0 ] || fail "AEAD: the value or an item name is in the server log outside the payloads"
}

case "$SCEN" in
prosody)
  printf '\n[session]\nidle_timeout = 3s\n' | tee -a pki/cc.conf pki/der?.conf >/dev/null
  for n in 1 2 3; do start_der $n; done
  start_cc --set der2=2500 --rekey-after 3
  for n in 1 2 3; do wait_for 10 "der$n associated" cc.out "der$n association"; done
  wait_for 10 "der2 set-point 2500 W accepted" cc.out "set-point"
  wait_for 8 '"event":"key-update".*der1' cc.jsonl "key update der1"
  # der1 vanishes without closing its stream and comes back as a new
  # process: the control center keeps the association (its presence going
  # is a hop, not the peer) until the silent-peer rule ends it, then
  # associates again
  kill -9 "$DER1_PID"
  wait "$DER1_PID" 2>/dev/null || true
  start_der 1
  wait_for 20 "der1 associated .*association #2" cc.out "der1 re-associated"
  second=$(grep -n "der1 associated .*association #2" cc.out | head -1 | cut -d: -f1)
  i=0
  until tail -n +"$second" cc.out | grep -q "der1 report seq="; do
    i=$((i + 1))
    [ $i -le 50 ] || fail "der1 reports did not resume"
    sleep 0.1
  done
  sleep 3.5 # another key update on the new association
  stop_pid "$CC_PID" cc
  for n in 1 2 3; do stop_pid "$(eval echo "\$DER${n}_PID")" "der$n"; done
  fleet_checks aead
  expect_ge 2 '"event":"handshake-ok".*"peer":"urn:gridseal:der1"' cc.jsonl "der1 associated twice"
  expect_ge 1 '"event":"abort-sent".*"peer":"urn:gridseal:der1".*GS_ERR_PEER_SILENT' cc.jsonl \
    "der1's silent association ended"
  expect_none '"event":"association-lost"' cc.jsonl "no association ended by a presence"
  [ "$(count '"event":"handshake-ok".*"peer":"urn:gridseal:der2"' cc.jsonl)" -eq 1 ] ||
    fail "der2 must keep its one association"
  aead_check
  echo "ok: $SCEN"
  ;;
integrity)
  sed -i 's/^mode = .*/mode = integrity-only/; s/^encryption_policy = .*/encryption_policy = optional/' \
    pki/*.conf
  for n in 1 2 3; do start_der $n; done
  start_cc --set der2=2500 --rekey-after 3
  for n in 1 2 3; do wait_for 10 "der$n associated" cc.out "der$n association"; done
  wait_for 10 "der2 set-point 2500 W accepted" cc.out "set-point"
  sleep 4.5
  stop_pid "$CC_PID" cc
  for n in 1 2 3; do stop_pid "$(eval echo "\$DER${n}_PID")" "der$n"; done
  fleet_checks integrity-only
  decode_payloads
  sp=$(count "$SP_FLOAT" payloads.hex)
  hz=$(grep -c -E -- "$HZ_FLOAT" payloads.hex || true)
  echo "server view (integrity-only): payloads=$N_PAYLOADS setpoint_float=$sp hz_float=$hz"
  [ "$sp" -ge 1 ] || fail "integrity-only: the set-point float is not in the relayed payloads"
  [ "$hz" -ge 3 ] || fail "integrity-only: measurement floats are not in the relayed payloads"
  # the write itself, as the server can read it (gridseal inspect)
  grep -q 'DER2/DWMX1\$CO\$WMaxSpt\$Oper' inspect.txt || fail "write not readable in the clear"
  grep -m1 -B9 -A11 'DWMX1\$CO\$WMaxSpt\$Oper' inspect.txt | sed 's/^/  | /'
  # Authentic though readable: a modified clearTransfer is refused by the
  # receiving endpoint (every single-bit flip, tests/security/
  # test_sec_mutate.c test_B1_mutate_clear_transfer); here no PDU was
  # refused.
  echo "ok: $SCEN"
  ;;
ejabberd)
  for n in 1 2 3; do start_der $n; done
  start_cc --set der2=2500 --rekey-after 3
  for n in 1 2 3; do wait_for 15 "der$n associated" cc.out "der$n association"; done
  wait_for 10 "der2 set-point 2500 W accepted" cc.out "set-point"
  sleep 4.5
  stop_pid "$CC_PID" cc
  for n in 1 2 3; do stop_pid "$(eval echo "\$DER${n}_PID")" "der$n"; done
  fleet_checks aead
  echo "ok: $SCEN"
  ;;
*)
  echo "unknown scenario $SCEN"
  exit 2
  ;;
esac
# every event of the run matches the event schema (docs/events.schema.json)
/usr/bin/python3 "$CHECK_EVENTS" --allow-empty *.jsonl || fail "events that do not match docs/events.schema.json"
