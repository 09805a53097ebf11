#!/bin/sh
# The dashboard of `gridseal cc --http` during a TCP fleet run (a cc and 3
# DERs on 127.0.0.1), checked in a real headless Chromium by
# dashboard_browser.py: the DERs listed with live states, the plots
# growing, a curtailment (console `set der2 2500`) and a key update
# (console `rekey der1`, sent to the cc's stdin through a FIFO) appearing,
# the event filter. Also: the page's files and headers, /api/fleet, and cc
# refusing --http without Chart.js.
# usage: dashboard.sh GRIDSEAL WORKDIR [SCREENSHOT]
# Ports 19120-19123. Every process started here is killed on exit (trap).
set -eu

G=$1
WORK=$2
SHOT=${3:-$WORK/dashboard.png}
HERE=$(cd "$(dirname "$0")" && pwd)
HTTP=19120

PIDS=""
cleanup() {
  exec 3>&- 2>/dev/null || true
  for p in $PIDS; do
    kill -9 "$p" 2>/dev/null || true
  done
  [ -f "$WORK/der3.pid" ] && kill -9 "$(cat "$WORK/der3.pid")" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"

fail() {
  echo "FAIL (dashboard): $*"
  for f in *.out; do
    [ -f "$f" ] && { echo "==== $f"; cat "$f"; }
  done
  exit 1
}

command -v curl >/dev/null || fail "curl not found"
[ -x /usr/bin/chromedriver ] || fail "/usr/bin/chromedriver not found (Debian package chromium-driver)"
/usr/bin/python3 -c "import selenium" 2>/dev/null || fail "python3-selenium not installed"

"$G" pki init pki --ders 3 >/dev/null || fail "pki init"
for n in 1 2 3; do
  sed -i "s/127\.0\.0\.1:700$n\$/127.0.0.1:$((HTTP + n))/" pki/*.conf
done
sed -i 's/^report_interval = .*/report_interval = 500ms/; s/^reconnect_max = .*/reconnect_max = 1s/' \
  pki/*.conf

# cc refuses --http without Chart.js, naming the file and the package: run
# in a private mount namespace with the file hidden, when unshare works
CJ=/usr/share/javascript/chart.js
if unshare -rm sh -c "mount -t tmpfs none $CJ" 2>/dev/null; then
  rc=0
  unshare -rm sh -c "mount -t tmpfs none $CJ && exec '$G' cc --config pki/cc.conf --http 127.0.0.1:$HTTP --run-for 1" \
    </dev/null >nochart.out 2>&1 || rc=$?
  [ "$rc" -eq 1 ] || fail "cc without Chart.js exited with $rc, expected 1"
  grep -q "cc: --http: the dashboard needs Chart.js: /usr/share/javascript/chart.js/chart.min.js: .*libjs-chart.js" nochart.out ||
    fail "cc without Chart.js did not name the file and the package"
else
  echo "note: no private mount namespace here, the missing-Chart.js check is skipped"
fi

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

# der3 is started by the browser test once the page shows it not
# associated; the cc reads its console commands from the FIFO
mkfifo cmd.fifo
"$G" cc --config pki/cc.conf --events cc.jsonl --http "127.0.0.1:$HTTP" <cmd.fifo >cc.out 2>&1 &
CC=$!
PIDS="$PIDS $CC"
exec 3>cmd.fifo

i=0
while ! curl -s -o /dev/null "http://127.0.0.1:$HTTP/api/fleet"; do
  i=$((i + 1))
  [ $i -le 100 ] || fail "the dashboard did not come up"
  sleep 0.1
done
grep -q "Z cc: serving http://127.0.0.1:$HTTP/" cc.out || fail "cc did not print the URL"

# the page's files, compiled in, with their types and the CSP header
for p in / /index.html /dashboard.js /dashboard.css /chart.min.js; do
  curl -sS -f -D "h.txt" -o "body.txt" "http://127.0.0.1:$HTTP$p" || fail "GET $p failed"
  grep -qi "^content-security-policy: default-src 'self'" h.txt || fail "$p: no CSP header"
  [ -s body.txt ] || fail "$p: empty"
done
curl -sS -o body.txt "http://127.0.0.1:$HTTP/" && grep -q '<script src="/dashboard.js"' body.txt ||
  fail "/ is not the page"
cmp -s body.txt "$HERE/../../apps/dashboard/index.html" || fail "/ differs from apps/dashboard/index.html"
curl -sS -o body.txt "http://127.0.0.1:$HTTP/chart.min.js"
cmp -s body.txt /usr/share/javascript/chart.js/chart.min.js || fail "/chart.min.js is not Chart.js"
if grep -Eq '<script>|<style|style="|on[a-z]+="' "$HERE/../../apps/dashboard/index.html"; then
  fail "index.html has inline script or style (the CSP forbids it)"
fi
# read-only: POST refused
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$HTTP/api/fleet")
[ "$code" = 405 ] || fail "POST /api/fleet got $code, expected 405"

# /api/fleet: the 3 DERs, JSON
curl -sS -o fleet.json "http://127.0.0.1:$HTTP/api/fleet"
python3 - fleet.json <<'PY' || fail "/api/fleet: $(cat fleet.json)"
import json, sys
f = json.load(open(sys.argv[1]))
assert f["node"] == "cc", f
names = [d["name"] for d in f["ders"]]
assert names == ["der1", "der2", "der3"], names
for d in f["ders"]:
    assert d["identity"] == "urn:gridseal:" + d["name"], d
for k in ("integrity_failures", "replays", "gaps", "handshake_failures"):
    assert f["counters"][k] == 0, f["counters"]
PY

/usr/bin/python3 "$HERE/dashboard_browser.py" --url "http://127.0.0.1:$HTTP/" --gridseal "$G" \
  --work "$WORK" --commands cmd.fifo --screenshot "$SHOT" >browser.out 2>&1 ||
  fail "browser test: $(cat browser.out)"
cat browser.out

echo quit >&3
exec 3>&-
rc=0
wait "$CC" || rc=$?
[ "$rc" -eq 0 ] || fail "cc exited with $rc"
grep -q '"event":"setpoint-sent".*"fields":{"der":"der2","object":"WMaxSpt","value":"2500"' cc.jsonl || fail "no setpoint-sent event"
grep -q '"event":"key-update".*"peer":"urn:gridseal:der1"' cc.jsonl || fail "no key-update of der1"
/usr/bin/python3 "$HERE/check_events.py" cc.jsonl der1.jsonl der2.jsonl || fail "events that do not match docs/events.schema.json"
echo "ok: dashboard"
