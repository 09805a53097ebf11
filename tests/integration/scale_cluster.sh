#!/bin/sh
# The fleet simulator through a 2-node ejabberd cluster (ctest
# scale_cluster_300): 300 real E2E DERs (own E2E and hop certificates, own
# JIDs der1..der300@localhost, no accounts: SASL EXTERNAL) in two
# `gridseal-scale xmpp --role der` processes, der1..150 on node 1 and
# der151..300 on node 2; one control center cc@localhost on node 1 holding
# one initiator session per DER. Every DER associates, sends exactly 3
# reports, is released; the cc checks every report (its DER's logical
# device, SeqNum increasing). Counts are asserted exactly.
# Usage: scale_cluster.sh GRIDSEAL_SCALE_BINARY [N_DERS]
# Ports 22300-22349 (c2s 22300/22301, epmd 22310, distribution 22340-22349).
set -eu
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$1
N=${2:-300}
R=3
HALF=$((N / 2))
gs_work "${TMPDIR:-/tmp}/gs-scale-cluster.$$"
chmod 755 .
W=$(pwd)
FAIL_FILES="*.txt *.err ej1/log/ejabberd.log ej2/log/ejabberd.log"
FAIL_LINES=40
XS="$SRC/scripts/xmpp-server"
GS_ON_EXIT="'$XS' stop ejabberd --dir '$W/ej2' >/dev/null 2>&1; '$XS' stop ejabberd --dir '$W/ej1' >/dev/null 2>&1; rm -rf '$W'"
ulimit -n 4096 2>/dev/null || true
T0=$(date +%s)
phase() { echo "scale_cluster: +$(($(date +%s) - T0)) s: $*"; }

"$BIN" pki "$W/pki" "$N" || fail "issuing $N DER certificates"
chmod -R a+rX "$W/pki"
export SSL_CERT_FILE="$W/pki/hop-ca/ca.crt" # libstrophe: our CA only

EJ="--pki $W/pki --epmd-port 22310 --cookie gs-scale-it --dist-ports 22340-22349"
# shellcheck disable=SC2086 # EJ holds several options
phase "PKI issued"
"$XS" start ejabberd $EJ --dir "$W/ej1" --port 22300 --node gsscale1@localhost >ej.txt ||
  fail "ejabberd node 1"
# shellcheck disable=SC2086
"$XS" start ejabberd $EJ --dir "$W/ej2" --port 22301 --node gsscale2@localhost >>ej.txt ||
  fail "ejabberd node 2"
"$XS" join ejabberd --dir "$W/ej2" --to gsscale1@localhost >>ej.txt 2>&1 ||
  fail "joining node 2 to node 1"

phase "cluster up"
"$BIN" xmpp --role der --pki "$W/pki" --port 22300 --first 1 --n "$HALF" --reports $R \
  --ready "$W/ready1" --out der1.txt --timeout 170 2>der1.err &
d1=$!
"$BIN" xmpp --role der --pki "$W/pki" --port 22301 --first $((HALF + 1)) --n $((N - HALF)) \
  --reports $R --ready "$W/ready2" --out der2.txt --timeout 170 2>der2.err &
d2=$!
PIDS="$d1 $d2"
i=0
until [ -f ready1 ] && [ -f ready2 ]; do
  i=$((i + 1))
  [ $i -le 600 ] || fail "not every DER logged in within 60 s"
  kill -0 $d1 2>/dev/null && kill -0 $d2 2>/dev/null || fail "a DER process ended during the logins"
  sleep 0.1
done
phase "$N DERs online"
rc=0
"$BIN" xmpp --role cc --pki "$W/pki" --port 22300 --first 1 --n "$N" --reports $R \
  --out cc.txt --timeout 150 2>cc.err || rc=$?
wait $d1 || fail "DER process 1 failed"
wait $d2 || fail "DER process 2 failed"
PIDS=""
phase "control center done"
[ $rc -eq 0 ] || fail "the control center failed ($rc)"

val() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
sum() { awk -v k="$1" '$1 == k { s += $2 } END { print s + 0 }' der1.txt der2.txt; }
want() { # file key value
  v=$(val "$1" "$2")
  [ "$v" = "$3" ] || fail "$1: $2 is '$v', expected $3"
}
want cc.txt cc.established "$N"
want cc.txt cc.complete "$N"
want cc.txt cc.reports $((N * R))
want cc.txt cc.released "$N"
for k in cc.bad_reports cc.failures cc.foreign cc.hs_retries cc.disconnects; do
  want cc.txt $k 0
done
want der1.txt der.online "$HALF"
want der2.txt der.online $((N - HALF))
[ "$(sum der.sent)" = "$(val cc.txt cc.reports)" ] ||
  fail "DERs sent $(sum der.sent) reports, the cc received $(val cc.txt cc.reports)"
for k in der.established der.released; do
  [ "$(sum $k)" = "$N" ] || fail "$k: $(sum $k) of $N"
done
for k in der.failures der.foreign der.disconnects; do
  [ "$(sum $k)" = 0 ] || fail "$k: $(sum $k)"
done
echo "scale_cluster: $N DERs over 2 ejabberd nodes: $N associated, $((N * R)) reports checked," \
  "$N released; handshakes $(val cc.txt cc.hs_s) s, latency p50 $(val cc.txt cc.lat_p50_ms) ms"
