#!/bin/bash
# A hot-standby control center takes over the fleet (docs/STANDBY.md):
# gridseal der and two gridseal cc through a real Prosody on 127.0.0.1.
# usage: standby.sh GRIDSEAL WORKDIR PORT SCENARIO
#   takeover  100 DERs; the primary cc1 associates with all of them while the
#             standby cc2 ([standby] primary = cc@localhost) only watches its
#             presence; cc1 is SIGKILLed; cc2 takes over (standby-takeover
#             once) and associates with all 100, receives reports from all,
#             and its set-point applies. Prints the takeover time (kill ->
#             the last DER's handshake-ok with cc2).
#   split     3 DERs, both control centers alive: cc1 does not let cc2 follow
#             its presence (no [standby] standby), as a server that hides or
#             lies about presence would, so cc2 takes over while cc1 still
#             holds the DERs. Each DER ends cc1's association for cc2's
#             (association-superseded, reason another-control-center); cc1
#             reports der-taken-over and never associates again; its
#             set-point is not applied, cc2's is. cc1 restarted is refused
#             by every DER while cc2 holds it (association-refused taken-over).
set -eu
. "$(dirname "$0")/lib.sh"

G=$1
WORK=$2
PORT=$3
SCEN=$4
SRC=$(cd "$(dirname "$0")/../.." && pwd)
case "$SCEN" in
takeover) N=100 ;;
split) N=3 ;;
*) echo "unknown scenario $SCEN" >&2; exit 2 ;;
esac
FAIL_FILES="cc1.out cc2.out cc1.jsonl cc2.jsonl der1.out der1.jsonl"
FAIL_LINES=40

gs_work "$WORK"
RUN=$(mktemp -d /tmp/gs-standby.XXXXXX) # the server's user cannot enter a 0700 home
GS_ON_EXIT='"$SRC/scripts/xmpp-server" stop prosody --dir "$RUN" >/dev/null 2>&1; rm -rf "$RUN"'
ulimit -n 4096 2>/dev/null || true

# PKI: the demo PKI of N DERs and cc; cc2, a second OPERATOR, from the same CAs
"$G" pki init pki --ders "$N" --transport xmpp --server "127.0.0.1:$PORT" >/dev/null || fail "pki init"
"$G" pki issue --ca pki/e2e-ca --name cc2 --role OPERATOR >/dev/null || fail "pki issue cc2"
. "$SRC/scripts/lib-hop-pki.sh"
gs_hop_pki pki localhost cc2 || fail "hop certificate of cc2"

# Both control centers: the [der] sections of pki init; every DER's identity
# is still bound per association, but 100 exceed the allowed_peers list.
sed -i -e 's/^allowed_peers = .*/allow_any_peer = yes/' -e 's/^report_interval = .*/report_interval = 1s/' \
  -e 's/^reconnect_min = .*/reconnect_min = 100ms/' -e 's/^reconnect_max = .*/reconnect_max = 1s/' \
  -e 's/^csv = .*/csv = cc1.csv/' pki/cc.conf
sed -e 's/^name = cc$/name = cc2/' -e 's/^identity = urn:gridseal:cc$/identity = urn:gridseal:cc2/' \
  -e 's|^cert = cc/|cert = cc2/|' -e 's|^key = cc/|key = cc2/|' -e 's|^tls_cert = cc/|tls_cert = cc2/|' \
  -e 's|^tls_key = cc/|tls_key = cc2/|' -e 's|^jid = cc@|jid = cc2@|' \
  -e 's/^csv = .*/csv = cc2.csv/' pki/cc.conf >pki/cc2.conf
printf '\n[standby]\nprimary = cc@localhost\ntakeover_after = 2s\n' >>pki/cc2.conf
if [ "$SCEN" = takeover ]; then # the primary lets its standby follow its presence
  printf '\n[standby]\nstandby = cc2@localhost\n' >>pki/cc.conf
fi
# Every DER admits both control centers (the authorization policy) and
# follows both over XMPP.
sed -i -e 's/^allowed_peers = .*/allowed_peers = uri:urn:gridseal:cc, uri:urn:gridseal:cc2/' \
  -e 's/^report_interval = .*/report_interval = 1s/' -e 's/^reconnect_min = .*/reconnect_min = 100ms/' \
  -e 's/^reconnect_max = .*/reconnect_max = 1s/' -e 's/^seed = \(.*\)/seed = \1\nsim_hour = 12/' \
  -e 's/^tls_ca = \(.*\)/tls_ca = \1\npeers = cc@localhost, cc2@localhost/' pki/der*.conf
grep -q '^peers = cc@localhost, cc2@localhost$' pki/der1.conf || fail "der1.conf: no [transport] peers"

"$SRC/scripts/xmpp-server" start prosody --pki pki --dir "$RUN" --port "$PORT" >server.out 2>&1 ||
  fail "prosody did not start"

ms() { date -d "$1" +%s%3N; }
ev_time() { # ev_time LINE: the event's time in ms
  ms "$(echo "$1" | sed 's/.*"time":"\([^"]*\)".*/\1/')"
}
all_ders() { # all_ders PATTERN(with @N@) FILE(with @N@) SECONDS WHAT: every DER
  local n=1 end=$(($(date +%s) + $3))
  while [ $n -le $N ]; do
    local p f
    p=$(echo "$1" | sed "s/@N@/$n/g")
    f=$(echo "$2" | sed "s/@N@/$n/g")
    while [ "$(count "$p" "$f")" -eq 0 ]; do
      [ "$(date +%s)" -lt "$end" ] || fail "$4: no '$p' in $f after $3 s"
      sleep 0.2
    done
    n=$((n + 1))
  done
}

n=1
while [ $n -le $N ]; do
  "$G" der --config "pki/der$n.conf" --events "der$n.jsonl" >"der$n.out" 2>&1 &
  PIDS="$PIDS $!"
  n=$((n + 1))
done
all_ders '"event":"xmpp-connected"' 'der@N@.jsonl' 60 "DER login"

mkfifo cc1.in
exec 3<>cc1.in # cc1's commands (set DER WATTS); held open for the whole run
"$G" cc --config pki/cc.conf --events cc1.jsonl --set der1=1000 <cc1.in >cc1.out 2>&1 &
CC1=$!
PIDS="$PIDS $CC1"
all_ders 'der@N@ report seq=' cc1.out 90 "reports to cc1"
expect_ge 1 '"event":"setpoint-applied".*"peer":"urn:gridseal:cc".*"value":"1000"' der1.jsonl \
  "cc1's set-point applied"

"$G" cc --config pki/cc2.conf --events cc2.jsonl --set der1=2500 </dev/null >cc2.out 2>&1 &
PIDS="$PIDS $!"

if [ "$SCEN" = takeover ]; then
  wait_for '"event":"standby-partner".*"state":"available"' cc2.jsonl 20 "cc2 sees cc1"
  sleep 3 # past takeover_after: the standby holds while the primary is there
  expect_none '"event":"handshake' cc2.jsonl "cc2 associates with nobody while cc1 is there"
  expect_none '"event":"standby-takeover"' cc2.jsonl "no takeover while cc1 is there"
  grep -q "der1 *standby\|standby of cc@localhost" cc2.out || fail "cc2 does not say it is a standby"
  held=$(wc -l <cc2.jsonl)
  t_kill=$(date +%s%3N)
  kill -9 "$CC1"
  wait "$CC1" 2>/dev/null || true
  all_ders '"event":"handshake-ok".*"peer":"urn:gridseal:cc2"' 'der@N@.jsonl' 90 "DER associated with cc2"
  all_ders 'der@N@ report seq=' cc2.out 30 "reports to cc2"
  [ "$(head -n "$held" cc2.jsonl | grep -c '"event":"handshake')" -eq 0 ] ||
    fail "cc2 started an association before the kill"
  expect_eq 1 '"event":"standby-takeover"' cc2.jsonl "one takeover"
  tk=$(grep '"event":"standby-takeover"' cc2.jsonl)
  echo "$tk" | grep -q '"primary":"cc@localhost"' || fail "takeover names no primary: $tk"
  t_take=$(ev_time "$tk")
  [ "$t_take" -ge "$t_kill" ] || fail "takeover before the kill"
  # the takeover time: the kill to the last DER's handshake-ok with cc2
  last=0
  n=1
  while [ $n -le $N ]; do
    t=$(ev_time "$(grep '"event":"handshake-ok".*"peer":"urn:gridseal:cc2"' "der$n.jsonl" | head -1)")
    [ "$t" -gt "$last" ] && last=$t
    n=$((n + 1))
  done
  expect_ge "$N" '"event":"handshake-ok".*"peer":"urn:gridseal:der' cc2.jsonl "cc2's associations"
  wait_for '"event":"setpoint-applied".*"peer":"urn:gridseal:cc2".*"value":"2500"' der1.jsonl 10 \
    "cc2's set-point applied"
  wait_for "der1 set-point 2500 W accepted" cc2.out 10 "cc2's set-point accepted"
  # nothing of cc1 is applied after cc2's association
  hs2=$(grep -n '"event":"handshake-ok".*"peer":"urn:gridseal:cc2"' der1.jsonl | head -1 | cut -d: -f1)
  [ "$(tail -n +"$hs2" der1.jsonl | grep -c '"event":"setpoint-applied".*"peer":"urn:gridseal:cc"[,}]')" -eq 0 ] ||
    fail "a set-point of cc1 applied after cc2's association"
  check_events cc2.jsonl der1.jsonl "der$N.jsonl"
  echo "standby: takeover of $N DERs: $((last - t_kill)) ms from the kill of cc1 to the last DER" \
    "associated with cc2 (standby-takeover after $((t_take - t_kill)) ms; takeover_after 2 s," \
    "XEP-0198 resumption window 5 s)"
  echo "standby takeover: OK"
  exit 0
fi

# split: cc2 never sees cc1's presence and takes over while cc1 is alive
wait_for '"event":"standby-takeover"' cc2.jsonl 30 "cc2 takes over"
grep '"event":"standby-takeover"' cc2.jsonl | grep -q '"last_seen":"never"' ||
  fail "the takeover says cc1 was seen"
n=1
while [ $n -le $N ]; do
  wait_for '"event":"association-superseded".*"peer":"urn:gridseal:cc".*"reason":"another-control-center"' \
    "der$n.jsonl" 30 "der$n ends cc1's association"
  grep '"event":"association-superseded"' "der$n.jsonl" | grep -q '"by":"urn:gridseal:cc2"' ||
    fail "der$n: superseded not by cc2"
  wait_for "\"event\":\"der-taken-over\".*\"der\":\"der$n\"" cc1.jsonl 10 "cc1: der$n taken over"
  n=$((n + 1))
done
wait_for '"event":"setpoint-applied".*"peer":"urn:gridseal:cc2".*"value":"2500"' der1.jsonl 10 \
  "cc2's set-point applied"
echo "set der1 1500" >&3 # cc1 is alive but holds nothing: the set-point only waits
sleep 4                  # several reconnect_max: cc1 would have come back by now
n=1
while [ $n -le $N ]; do # cc1's one association with each DER, never another
  expect_eq 1 '"event":"handshake-request".*"peer":"urn:gridseal:cc",' "der$n.jsonl" \
    "der$n: cc1 does not associate again"
  n=$((n + 1))
done
expect_eq "$N" '"event":"handshake-ok"' cc1.jsonl "cc1's associations"
wait_for "der1 set-point 1500 W queued until associated" cc1.out 5 "cc1's set-point waits"
expect_none '"value":"1500"' der1.jsonl "cc1's set-point after the takeover is never applied"
kill -0 "$CC1" 2>/dev/null || fail "cc1 exited"
expect_ge 3 "der1 report seq=" cc2.out "reports to cc2"
# cc1 restarted (as after a cut-off): each DER refuses it while cc2 holds it
kill -9 "$CC1"
wait "$CC1" 2>/dev/null || true
"$G" cc --config pki/cc.conf --events cc1b.jsonl </dev/null >cc1b.out 2>&1 &
PIDS="$PIDS $!"
n=1
while [ $n -le $N ]; do
  wait_for '"event":"association-refused".*"peer":"urn:gridseal:cc",.*"diag":"taken-over"' \
    "der$n.jsonl" 30 "der$n refuses the restarted cc1"
  n=$((n + 1))
done
expect_none '"event":"handshake-ok"' cc1b.jsonl "the restarted cc1 holds no DER"
expect_eq 1 '"event":"handshake-ok".*"peer":"urn:gridseal:cc2"' der1.jsonl "cc2 keeps der1"
r0=$(count "der1 report seq=" cc2.out)
sleep 2
[ "$(count "der1 report seq=" cc2.out)" -gt "$r0" ] || fail "reports to cc2 stopped"
check_events cc1.jsonl cc1b.jsonl cc2.jsonl der1.jsonl
echo "standby split: OK"
