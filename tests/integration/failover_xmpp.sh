#!/bin/bash
# XMPP server failover through a 2-node ejabberd cluster: `gridseal cc` and
# four `gridseal der`, each with `server = NODE1,NODE2` (the cc, der1 and
# der2 list node 1 first, der3 and der4 node 2 first). Once every DER is
# associated and reporting, one node is killed (SIGKILL of its process
# group, scripts/xmpp-server kill); its clients reconnect to the surviving
# node.
#   A  kill node 1, the node of the cc (and of der1, der2)
#   B  node 1 started again, a new fleet; kill node 2, the node of der3 and
#      der4 only
# Checked in each, from the JSON events and the cc's report lines: one
# handshake per DER at both ends, before the kill, and one association id
# per DER in every event of the cc (the associations continue end to end,
# no new handshake, none ends before the orderly release at the stop);
# reports resume from every DER; report sequence numbers strictly increase
# per DER (nothing delivered twice or out of order) and every report is in
# the CSV; every missing report is counted by the cc's gap events; no
# integrity or signature failure; the moved clients log in at the other
# node (xmpp-connected names its port); set-points sent around the kill
# (the cc's console) each end in exactly one outcome event and are applied
# at most once. The recovery time (kill -> a report from every DER again)
# is printed, for docs/RELIABILITY.md.
# usage: failover_xmpp.sh GRIDSEAL WORKDIR
# Ports (22000-22099): c2s 22001 (node 1) and 22002 (node 2), the shared
# epmd 22010, Erlang distribution 22020-22039.
set -eu
. "$(dirname "$0")/lib.sh"

G=$1
WORK=$2
SRC=$(cd "$(dirname "$0")/../.." && pwd)
XS=$SRC/scripts/xmpp-server
N1=127.0.0.1:22001 N2=127.0.0.1:22002

gs_work "$WORK"
# the servers' run directories: outside the build tree (the ejabberd user
# must reach them)
RUN=$(mktemp -d /tmp/gs-failover-xmpp.XXXXXX)
chmod 755 "$RUN"
GS_ON_EXIT='"$XS" stop ejabberd --dir "$RUN/ej2" >/dev/null 2>&1; "$XS" stop ejabberd --dir "$RUN/ej1" >/dev/null 2>&1; rm -rf "$RUN"'
FAIL_FILES="*.out *.jsonl"
FAIL_LINES=40

"$G" pki init pki --ders 4 >/dev/null || fail "pki init"
"$SRC/scripts/lib-hop-pki.sh" pki cc der1 der2 der3 der4 || fail "hop PKI"
conf() { # FILE SERVER-LIST
  sed -i -e 's/^type = .*/type = xmpp/' -e "s/^server = .*/server = $2/" \
    -e 's/^report_interval = .*/report_interval = 200ms/' \
    -e 's/^reconnect_min = .*/reconnect_min = 100ms/' -e 's/^reconnect_max = .*/reconnect_max = 1s/' "$1"
}
conf pki/cc.conf "$N1,$N2"
conf pki/der1.conf "$N1,$N2"
conf pki/der2.conf "$N1,$N2"
conf pki/der3.conf "$N2,$N1"
conf pki/der4.conf "$N2,$N1"
sed -i 's/^\[application\]$/[application]\nrequest_timeout = 2s/' pki/cc.conf
grep -q '^request_timeout = 2s' pki/cc.conf || fail "request_timeout not set"

node_start() { # N [ARGS...]
  local n=$1
  shift
  "$XS" start ejabberd --pki pki --dir "$RUN/ej$n" --port $((22000 + n)) --node "gsfo$n@localhost" \
    --epmd-port 22010 --cookie gs-failover --dist-ports 22020-22039 "$@" >>server.out 2>&1 ||
    fail "ejabberd node $n did not start"
}
# accounts on node 1; node 2 shares them after the join (Mnesia)
node_start 1 --users "cc der1 der2 der3 der4"
node_start 2
"$XS" join ejabberd --dir "$RUN/ej2" --to gsfo1@localhost >>server.out 2>&1 || fail "join"

ms() { date -u -d "$1" +%s%3N; }
now_ms() { date -u +%s%3N; }

# first_after MS DER FILE: ms from MS to the first "DER report" in FILE at or
# after MS (empty when none yet)
first_after() {
  grep " $2 report seq=" "$3" | cut -d' ' -f1 | while read -r t; do
    m=$(ms "$t")
    if [ "$m" -ge "$1" ]; then
      echo $((m - $1))
      break
    fi
  done || true
}

RESULTS=""
scenario() { # TAG KILL-NODE SURVIVOR-PORT
  local tag=$1 k=$2 sport=$3 i p cc
  SCEN="failover_xmpp $tag"
  PIDS_FLEET=""
  for i in 1 2 3 4; do
    "$G" der --config "pki/der$i.conf" --events "$tag-der$i.jsonl" >"$tag-der$i.out" 2>&1 &
    PIDS="$PIDS $!" PIDS_FLEET="$PIDS_FLEET $!"
  done
  rm -f cc.in pki/cc.csv
  mkfifo cc.in
  "$G" cc --config pki/cc.conf --events "$tag-cc.jsonl" --run-for 120 <cc.in >"$tag-cc.out" 2>&1 &
  cc=$!
  PIDS="$PIDS $cc"
  exec 3>cc.in
  for i in 1 2 3 4; do
    wait_for " der$i report seq=" "$tag-cc.out" 20 "der$i: no report before the kill"
  done
  sleep 2
  # a set-point answered before the kill, one in flight at the kill, one
  # sent while the cc's connection may be down
  echo "set der2 3000" >&3
  sleep 0.5
  echo "set der3 3100" >&3
  local killed moved="cc der1 der2"
  [ "$k" = 2 ] && moved="der3 der4"
  killed=$(now_ms)
  "$XS" kill ejabberd --dir "$RUN/ej$k"
  echo "set der1 3200" >&3
  # the clients of the killed node log in at the other one: when each did
  local n t
  for p in $moved; do
    n=0 t=""
    while [ -z "$t" ]; do
      n=$((n + 1))
      [ $n -le 300 ] || fail "$p: not back within 30 s of the kill of node $k"
      sleep 0.1
      t=$({ grep '"event":"xmpp-connected"' "$tag-$p.jsonl" || true; } |
        sed 's/.*"time":"\([^"]*\)".*/\1/' | while read -r x; do
        m=$(ms "$x")
        if [ "$m" -ge "$killed" ]; then
          echo "$m"
          break
        fi
      done || true)
    done
    eval "BACK_$p=$t"
  done
  # reports from every DER again: the first one the cc logs after the kill
  # and after its own and the DER's new login (if they moved), not one in
  # flight at the kill
  local worst=0 r base
  for i in 1 2 3 4; do
    base=$killed
    for p in cc "der$i"; do
      case " $moved " in *" $p "*) eval "t=\$BACK_$p"; [ "$t" -le "$base" ] || base=$t ;; esac
    done
    n=0 r=""
    while [ -z "$r" ]; do
      n=$((n + 1))
      [ $n -le 300 ] || fail "der$i: no report within 30 s of the kill of node $k"
      sleep 0.1
      r=$(first_after "$base" "der$i" "$tag-cc.out")
    done
    r=$((r + base - killed))
    [ "$r" -le "$worst" ] || worst=$r
    eval "REC_$i=$r"
  done
  sleep 1
  echo "set der4 3300" >&3 # after the recovery: accepted
  sleep 3
  exec 3>&-
  kill -TERM "$cc"
  wait "$cc" || fail "cc exited with $?"
  for p in $PIDS_FLEET; do kill -TERM "$p" 2>/dev/null || true; done
  for p in $PIDS_FLEET; do wait "$p" 2>/dev/null || true; done
  mv pki/cc.csv "$tag-cc.csv"
  check_events "$tag"-*.jsonl

  local ev=$tag-cc.jsonl lost=0 gaps=0
  for e in integrity-failure bad-signature association-lost association-superseded abort-sent \
    abort-received handshake-failed setpoint-lost; do
    expect_none "\"event\":\"$e\"" "$ev" "$e at the cc"
    for i in 1 2 3 4; do expect_none "\"event\":\"$e\"" "$tag-der$i.jsonl" "$e at der$i"; done
  done
  for i in 1 2 3 4; do
    local de=$tag-der$i.jsonl hs a
    expect_eq 1 "\"event\":\"handshake-ok\".*\"peer\":\"urn:gridseal:der$i\"" "$ev" "der$i: handshakes at the cc"
    expect_eq 1 '"event":"handshake-ok"' "$de" "der$i: handshakes at der$i"
    hs=$(grep "\"event\":\"handshake-ok\".*\"peer\":\"urn:gridseal:der$i\"" "$ev")
    [ "$(ms "$(echo "$hs" | sed 's/.*"time":"\([^"]*\)".*/\1/')")" -lt "$killed" ] ||
      fail "der$i: associated after the kill"
    a=$(grep "\"xpeer\":\"der$i\"" "$ev" | grep -o '"assoc":"[^"]*"' | sort -u)
    [ "$(echo "$a" | wc -l)" -eq 1 ] || fail "der$i: more than one association at the cc: $a"
    expect_eq 1 "\"event\":\"released\".*\"peer\":\"urn:gridseal:der$i\"" "$ev" "der$i: released at the stop"
    # strictly increasing report sequence numbers, every one in the CSV
    grep " der$i report seq=" "$tag-cc.out" | sed 's/.*seq=\([0-9]*\).*/\1/' >"$tag-seq$i"
    awk -v d="der$i" 'NR > 1 && $1 <= p { print d ": seq " $1 " after " p; bad = 1 } { p = $1 }
      END { exit bad }' "$tag-seq$i" || fail "der$i: a report delivered twice or out of order"
    local u lo hi g
    u=$(wc -l <"$tag-seq$i")
    [ "$(grep -c ",der$i," "$tag-cc.csv")" -eq "$u" ] || fail "der$i: $u reports, not as many CSV rows"
    lo=$(head -1 "$tag-seq$i")
    hi=$(tail -1 "$tag-seq$i")
    g=$({ grep '"event":"gap"' "$ev" || true; } | { grep "\"xpeer\":\"der$i\"" || true; } |
      sed 's/.*"count":\([0-9]*\).*/\1/' | awk '{ s += $1 } END { print s + 0 }')
    [ $((hi - lo + 1 - u)) -le "$g" ] || fail "der$i: $((hi - lo + 1 - u)) reports lost, $g in gap events"
    lost=$((lost + hi - lo + 1 - u)) gaps=$((gaps + g))
  done
  # the clients of the killed node moved to the survivor
  for p in $moved; do
    local f=$tag-$p.jsonl
    expect_ge 1 '"event":"xmpp-disconnected"' "$f" "$p lost its node"
    expect_ge 1 "\"event\":\"xmpp-connected\".*127.0.0.1:$sport" "$f" "$p logged in at the surviving node"
  done
  # every set-point sent: exactly one outcome, applied at most once
  local sent key out applied
  sent=$({ grep '"event":"setpoint-sent"' "$ev" || true; } |
    sed 's/.*"der":"\([^"]*\)".*"invoke_id":\([0-9]*\).*/\1:\2/')
  [ "$(echo "$sent" | wc -w)" -eq 4 ] || fail "set-points sent: $sent (4 asked)"
  for key in $sent; do
    out=$({ grep '"event":"setpoint-\(accepted\|refused\|timeout\|lost\)"' "$ev" || true; } |
      grep -c "\"der\":\"${key%%:*}\".*\"invoke_id\":${key#*:}[,}]" || true)
    [ "$out" -eq 1 ] || fail "set-point ${key%%:*} invoke_id ${key#*:}: $out outcome events"
  done
  for i in 1 2 3 4; do
    applied=$(count '"event":"setpoint-applied"' "$tag-der$i.jsonl")
    [ "$applied" -le 1 ] || fail "der$i applied $applied set-points (one sent)"
  done
  expect_ge 1 'der4 set-point 3300 W accepted' "$tag-cc.out" "the set-point after the recovery"
  local outcomes
  outcomes=$(grep -o '"event":"setpoint-[a-z]*"' "$ev" | sed 's/.*setpoint-//; s/"//' | grep -v sent |
    sort | uniq -c | awk '{ printf "%s%s=%s", sep, $2, $1; sep = "," }')
  local rp relog=""
  rp=$(count '"event":"replay-dropped"' "$ev")
  for p in $moved; do
    eval "t=\$BACK_$p"
    relog="$relog $p=$((t - killed))"
  done
  echo "failover_xmpp $tag (kill node $k): recovery_ms=$worst (der1=$REC_1 der2=$REC_2 der3=$REC_3" \
    "der4=$REC_4) relogin_ms:$relog lost=$lost gaps=$gaps handshakes_per_der=1 replay_dropped=$rp setpoints=$outcomes"
  RESULTS="$RESULTS $tag=$worst"
}

scenario A 1 22002
# node 1 back (same directory and port: it rejoins the cluster), then kill
# node 2, which only der3 and der4 use
node_start 1
sleep 1
scenario B 2 22001
echo "failover_xmpp: OK, recovery (ms):$RESULTS"
