#!/bin/sh
# `gridseal cc --http`: /metrics of a TCP fleet (a cc and 2 DERs on
# 127.0.0.1) checked by Prometheus' own parser (promtool check metrics) and
# by value; the HTTP refusals; the address rule; the TLS path with and
# without a client certificate; a clean stop with a stream client attached.
# usage: metrics.sh GRIDSEAL WORKDIR
# Ports 19110-19114. Every process started here is killed on exit (trap).
set -eu

G=$1
CHECK_EVENTS="$(cd "$(dirname "$0")" && pwd)/check_events.py" # the event schema check
WORK=$2
HTTP=19110
TLS=19113

PIDS=""
cleanup() {
  for p in $PIDS; do
    kill -9 "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT INT TERM

rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"

fail() {
  echo "FAIL (metrics): $*"
  for f in *.out *.txt; do
    [ -f "$f" ] && { echo "==== $f"; cat "$f"; }
  done
  exit 1
}

command -v promtool >/dev/null || fail "promtool not found (Debian package prometheus)"
command -v curl >/dev/null || fail "curl not found"

"$G" pki init pki --ders 2 >/dev/null || fail "pki init"
sed -i "s/127\.0\.0\.1:7001\$/127.0.0.1:19111/; s/127\.0\.0\.1:7002\$/127.0.0.1:19112/" pki/*.conf
sed -i 's/^report_interval = .*/report_interval = 500ms/; s/^reconnect_max = .*/reconnect_max = 1s/' \
  pki/*.conf

for n in 1 2; do
  "$G" der --config "pki/der$n.conf" --events "der$n.jsonl" >>"der$n.out" 2>&1 &
  PIDS="$PIDS $!"
done
for n in 1 2; do
  i=0
  while ! grep -q listening "der$n.out" 2>/dev/null; do
    i=$((i + 1))
    [ $i -le 50 ] || fail "der$n did not start"
    sleep 0.1
  done
done

# value SERIES FILE: the sample value of the exact series, or "absent"
value() {
  awk -v s="$1" '$1 == s { print $2; found = 1 } END { if (!found) print "absent" }' "$2"
}

scrape() { # scrape FILE: GET /metrics, then promtool must accept it without a word
  curl -sS -f -o "$1" "http://127.0.0.1:$HTTP/metrics" || fail "GET /metrics failed"
  out=$(promtool check metrics <"$1" 2>&1) || fail "promtool check metrics: $out"
  [ -z "$out" ] || fail "promtool check metrics complained: $out"
}

"$G" cc --config pki/cc.conf --events cc.jsonl --http "127.0.0.1:$HTTP" --rekey-after 2 >cc.out 2>&1 </dev/null &
CC=$!
PIDS="$PIDS $CC"

# both associations established, as /metrics says
i=0
while :; do
  i=$((i + 1))
  [ $i -le 100 ] || fail "no 2 established associations on /metrics"
  if curl -s -o m0.txt "http://127.0.0.1:$HTTP/metrics" 2>/dev/null &&
    [ "$(value 'gridseal_associations{state="established"}' m0.txt)" = 2 ]; then
    break
  fi
  sleep 0.1
done
grep -q "cc: serving http://127.0.0.1:$HTTP/" cc.out || fail "no 'serving' line"

scrape m1.txt
[ "$(value 'gridseal_associations{state="established"}' m1.txt)" = 2 ] ||
  fail "associations established != 2"
[ "$(value 'gridseal_associations{state="handshaking"}' m1.txt)" = 0 ] || fail "handshaking != 0"
[ "$(value 'gridseal_ders' m1.txt)" = 2 ] || fail "gridseal_ders != 2"
ok=$(value 'gridseal_handshakes_total{result="ok"}' m1.txt)
[ "$ok" != absent ] && [ "$ok" -ge 2 ] || fail "handshakes ok = $ok, expected >= 2"
hc=$(value 'gridseal_handshake_duration_seconds_count' m1.txt)
inf=$(value 'gridseal_handshake_duration_seconds_bucket{le="+Inf"}' m1.txt)
[ "$hc" = "$ok" ] && [ "$inf" = "$hc" ] || fail "histogram count $hc / +Inf $inf vs handshakes $ok"
rx1=$(value 'gridseal_pdus_total{mode="aead",direction="rx"}' m1.txt)
b1=$(value 'gridseal_bytes_total{mode="aead",direction="rx"}' m1.txt)
k1=$(value 'gridseal_key_updates_total' m1.txt)
for s in gridseal_failures_total gridseal_certificate_seconds_left gridseal_events_lost_total \
  gridseal_http_requests_total; do
  grep -q "^# TYPE $s " m1.txt || fail "no $s"
done
[ "$(value 'gridseal_failures_total{kind="integrity"}' m1.txt)" = 0 ] || fail "integrity failures"
own=$(awk '/^gridseal_certificate_seconds_left\{cert="own"/ { print $NF }' m1.txt)
[ -n "$own" ] && [ "$own" -gt 31000000 ] || fail "own certificate seconds left '$own'"

# a second scrape: more PDUs received, a key update done (--rekey-after 2)
i=0
while :; do
  i=$((i + 1))
  [ $i -le 80 ] || fail "key_updates_total stayed at $k1 (or pdus at $rx1)"
  sleep 0.1
  scrape m2.txt
  rx2=$(value 'gridseal_pdus_total{mode="aead",direction="rx"}' m2.txt)
  k2=$(value 'gridseal_key_updates_total' m2.txt)
  [ "$rx2" -gt "$rx1" ] && [ "$k2" -gt "$k1" ] && break
done
b2=$(value 'gridseal_bytes_total{mode="aead",direction="rx"}' m2.txt)
[ "$rx1" -gt 0 ] && [ "$b2" -gt "$b1" ] || fail "rx pdus $rx1 -> $rx2, octets $b1 -> $b2"
echo "metrics: rx pdus $rx1 -> $rx2, key updates $k1 -> $k2, handshakes ok $ok"

# the refusals, and the headers on every answer
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code -X POST "http://127.0.0.1:$HTTP/metrics")" = 405 ] || fail "POST not 405"
curl -s -D h405.txt -o /dev/null -X DELETE "http://127.0.0.1:$HTTP/metrics"
grep -qi '^Allow: GET, HEAD' h405.txt || fail "405 without Allow"
[ "$(code "http://127.0.0.1:$HTTP/nope")" = 404 ] || fail "/nope not 404"
[ "$(code --path-as-is "http://127.0.0.1:$HTTP/../etc/passwd")" = 400 ] || fail ".. not 400"
[ "$(code --path-as-is "http://127.0.0.1:$HTTP/%2e%2e/etc/passwd")" = 400 ] ||
  fail "%2e%2e not 400"
[ "$(code "http://127.0.0.1:$HTTP/metrics%00")" = 400 ] || fail "%00 not 400"
long=$(printf '%01100d' 0)
[ "$(code "http://127.0.0.1:$HTTP/$long")" = 400 ] || fail "long URL not 400"
[ "$(code "http://127.0.0.1:$HTTP/metrics?x=1")" = 200 ] || fail "query not ignored"
curl -s -I -o hhead.txt "http://127.0.0.1:$HTTP/metrics" || fail "HEAD failed"
grep -q '^HTTP/1.1 200' hhead.txt || fail "HEAD not 200"
grep -qi '^Content-Length: [1-9]' hhead.txt || fail "HEAD without Content-Length"
for h in 'Cache-Control: no-store' 'X-Content-Type-Options: nosniff' \
  "Content-Security-Policy: default-src 'self'" 'Referrer-Policy: no-referrer' \
  'Content-Type: text/plain; version=0.0.4'; do
  grep -qi "^$h" hhead.txt || fail "HEAD /metrics without '$h'"
  grep -qi "^$h" h405.txt || [ "$h" = 'Content-Type: text/plain; version=0.0.4' ] ||
    fail "405 without '$h'"
done
sleep 1.2
scrape m3.txt
req=$(value 'gridseal_http_requests_total' m3.txt)
ref=$(value 'gridseal_http_refused_total' m3.txt)
[ "$ref" -ge 7 ] && [ "$req" -gt "$ref" ] || fail "http requests $req, refused $ref"

# a stream client attached does not hold up a clean stop
curl -s -N -o stream.txt "http://127.0.0.1:$HTTP/events" &
SC=$!
PIDS="$PIDS $SC"
sleep 0.5
kill -TERM "$CC"
rc=0
t0=$(date +%s)
wait "$CC" || rc=$?
[ "$rc" -eq 0 ] || fail "cc exited with $rc after SIGTERM"
[ $(($(date +%s) - t0)) -le 5 ] || fail "cc took more than 5 s to stop"
wait "$SC" 2>/dev/null || true

# the address rule: refused at start, before anything binds (exit 2)
rc=0
"$G" cc --config pki/cc.conf --http 0.0.0.0:19114 >refuse.out 2>&1 </dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "non-loopback without TLS: exit $rc, expected 2"
grep -qx "cc: --http 0.0.0.0:19114: a non-loopback address needs \[http\] tls_cert, tls_key and client_ca" \
  refuse.out || fail "non-loopback without TLS: wrong message"
rc=0
"$G" cc --config pki/cc.conf --http 127.0.0.1:99999 >badaddr.out 2>&1 </dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "bad --http: exit $rc, expected 2"
grep -q "cc: --http 127.0.0.1:99999: expected PORT, ADDR:PORT or \[ADDR6\]:PORT" badaddr.out ||
  fail "bad --http: wrong message"

# TLS on loopback ([http] tls = yes): the server certificate from the
# demo's TLS CA, client certificates checked against the E2E CA
cp pki/cc.conf pki/cc-tls.conf
printf '\n[http]\nlisten = 127.0.0.1:%s\ntls = yes\ntls_cert = server/server.crt\ntls_key = server/server.key\nclient_ca = e2e-ca/ca.crt\n' \
  "$TLS" >>pki/cc-tls.conf
# config --check knows [http]: the address rule, the server's key and certificate, the client CA
"$G" config --check pki/cc-tls.conf >check-tls.out 2>&1 || fail "config --check of [http] TLS failed"
grep -q "ok: \[http\] listen 127.0.0.1:$TLS: HTTPS, pki/server/server.key matches pki/server/server.crt" \
  check-tls.out || fail "config --check: no [http] TLS line"
cp pki/cc.conf pki/cc-open.conf
printf '\n[http]\nlisten = 0.0.0.0:19114\n' >>pki/cc-open.conf
rc=0
"$G" config --check pki/cc-open.conf >check-open.out 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "config --check of a non-loopback [http] without TLS: exit $rc"
grep -q "error: \[http\] listen 0.0.0.0:19114: a non-loopback address needs \[http\] tls_cert, tls_key and client_ca" \
  check-open.out || fail "config --check: no [http] address error"
"$G" cc --config pki/cc-tls.conf >cctls.out 2>&1 </dev/null &
CT=$!
PIDS="$PIDS $CT"
i=0
while ! grep -q "serving https://127.0.0.1:$TLS/" cctls.out 2>/dev/null; do
  i=$((i + 1))
  [ $i -le 50 ] || fail "the TLS cc did not start"
  sleep 0.1
done
U="https://127.0.0.1:$TLS/metrics"
P=pki
[ "$(code --cacert $P/hop-ca/ca.crt "$U")" = 403 ] || fail "TLS without a client certificate not 403"
[ "$(code --cacert $P/hop-ca/ca.crt --cert $P/der1/e2e.crt --key $P/der1/e2e.key "$U")" = 200 ] ||
  fail "TLS with a valid client certificate not 200"
# a certificate of the CA that is not client_ca: refused (403, or the handshake fails)
c=$(code --cacert $P/hop-ca/ca.crt --cert $P/cc/hop.crt --key $P/cc/hop.key "$U" || true)
[ "$c" = 403 ] || [ "$c" = 000 ] || fail "TLS with another CA's certificate: $c"
[ "$(code "http://127.0.0.1:$TLS/metrics" || true)" = 000 ] || fail "plain HTTP on the TLS port"
curl -sS --cacert $P/hop-ca/ca.crt --cert $P/der1/e2e.crt --key $P/der1/e2e.key -o /dev/null \
  "https://127.0.0.1:$TLS/nope" -w '%{http_code}' | grep -qx 404 || fail "TLS /nope not 404"
sleep 1.2
curl -sS --cacert $P/hop-ca/ca.crt --cert $P/der1/e2e.crt --key $P/der1/e2e.key -o m4.txt "$U" ||
  fail "TLS scrape"
out=$(promtool check metrics <m4.txt 2>&1) && [ -z "$out" ] || fail "promtool (TLS): $out"
forb=$(value 'gridseal_http_forbidden_total' m4.txt)
[ "$forb" -ge 1 ] || fail "forbidden_total $forb"
kill -TERM "$CT"
rc=0
wait "$CT" || rc=$?
[ "$rc" -eq 0 ] || fail "TLS cc exited with $rc"
/usr/bin/python3 "$CHECK_EVENTS" cc.jsonl der1.jsonl der2.jsonl ||
  fail "events that do not match docs/events.schema.json"
echo "metrics: promtool ok, refusals ok, TLS ok (forbidden $forb)"
