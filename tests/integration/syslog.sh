#!/usr/bin/env bash
# Security events to syslog (docs/SYSLOG.md), against a real rsyslog on
# loopback (scripts/syslog-collector).
# usage: syslog.sh GRIDSEAL WORKDIR SCENARIO
#   tls      der and cc send to an RFC 5425 collector over TLS (the der with a
#            client certificate, the collector requiring one): the handshake
#            and a refused peer arrive with MSGID, PRI, structured data and
#            the JSON event as MSG
#   badca    the collector's certificate is signed by another CA: nothing is
#            delivered, stderr names the verification failure, the der works
#   down     no collector: the der keeps running, says so, exits 0
#   config   a missing syslog_ca file, no syslog_ca, a bad facility: the der
#            does not start and names the file or the key
#   local    syslog(3): the der runs in a private mount namespace whose
#            /dev/log is an rsyslog socket in WORKDIR (the system's syslog is
#            never touched)
# Ports: der 19201-19205, collectors 19207-19209 (docs: tests/integration).
set -eu

G=$1
WORK=$2
SCEN=$3
SRC=$(cd "$(dirname "$0")/../.." && pwd)
COLL=$SRC/scripts/syslog-collector

PIDS=""
COLLECTORS=""
cleanup() {
  for p in $PIDS; do kill -9 "$p" 2>/dev/null || true; done
  for d in $COLLECTORS; do "$COLL" stop "$d" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"

fail() {
  echo "FAIL ($SCEN): $*"
  for f in *.out *.jsonl */received.log */rsyslogd.out; do
    [ -f "$f" ] && { echo "==== $f"; tail -40 "$f"; }
  done
  exit 1
}

# --- PKI: the E2E demo PKI, and the collector's TLS certificates (openssl) ---
"$G" pki init pki --ders 1 >/dev/null || fail "pki init"
"$G" pki init other --ders 1 >/dev/null || fail "pki init other"

mkca() { # mkca NAME
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
    -out "$1.crt" -subj "/CN=gridseal test $1" -days 2 2>/dev/null || fail "CA $1"
}
mkcert() { # mkcert NAME CA EXT
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
    -out "$1.csr" -subj "/CN=$1" 2>/dev/null || fail "csr $1"
  printf '%s\n' "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -out "$1.crt" \
    -days 2 -extfile "$1.ext" 2>/dev/null || fail "cert $1"
}
mkca logca
mkca otherca
mkcert collector logca "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth"
mkcert impostor otherca "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth"
mkcert der1-log logca "extendedKeyUsage=clientAuth"

case $SCEN in
  tls) DER_PORT=19201 ;;
  badca) DER_PORT=19202 ;;
  down) DER_PORT=19203 ;;
  config) DER_PORT=19204 ;;
  *) DER_PORT=19205 ;;
esac
sed -i "s/127\.0\.0\.1:7001\$/127.0.0.1:$DER_PORT/" pki/*.conf other/*.conf
sed -i 's/^report_interval = .*/report_interval = 1s/; s/^reconnect_max = .*/reconnect_max = 1s/' \
  pki/*.conf other/*.conf

log_keys() { # log_keys CONF LINES...: append to [log] (the last section but [der ...])
  conf=$1
  shift
  for l in "$@"; do
    sed -i "/^\[log\]/a $l" "$conf"
  done
}

start_der() { # start_der ARGS...: gridseal der for der1 in the background, DER_PID
  "$G" der --config pki/der1.conf --events der1.jsonl "$@" >>der1.out 2>&1 &
  DER_PID=$!
  PIDS="$PIDS $DER_PID"
  i=0
  while ! grep -q listening der1.out 2>/dev/null; do
    i=$((i + 1))
    [ $i -le 50 ] || fail "der1 did not start"
    kill -0 "$DER_PID" 2>/dev/null || fail "der1 exited"
    sleep 0.1
  done
}

stop_der() {
  kill -TERM "$DER_PID"
  rc=0
  wait "$DER_PID" || rc=$?
  [ "$rc" -eq 0 ] || fail "der1 exited with $rc after SIGTERM"
}

# One association of the cc, then a cc of another PKI the der refuses.
associate_and_refuse() { # ARGS for the good cc
  rc=0
  "$G" cc --config pki/cc.conf --events cc.jsonl --run-for 3 "$@" </dev/null >cc.out 2>&1 || rc=$?
  [ "$rc" -eq 0 ] || fail "cc exited with $rc"
  rc=0
  "$G" cc --config other/cc.conf --events other-cc.jsonl --run-for 2 </dev/null \
    >other-cc.out 2>&1 || rc=$?
  [ "$rc" -eq 3 ] || fail "the other PKI's cc exited with $rc, expected 3 (never associated)"
}

# settle FILE: wait (at most 5 s) until rsyslog has written FILE and it
# stops growing.
settle() {
  i=0
  prev=-1
  while [ $i -lt 25 ]; do
    n=$(wc -l <"$1" 2>/dev/null || echo 0)
    [ "$n" -gt 0 ] && [ "$n" -eq "$prev" ] && return 0
    prev=$n
    i=$((i + 1))
    sleep 0.2
  done
}

# check_received FILE NODE FACILITY EVENT...: every EVENT arrived from NODE,
# with the right MSGID, PRI (FACILITY * 8 + the event's severity), structured
# data params and the JSON event as MSG (validated against the schema when
# the repository has one).
check_received() {
  python3 - "$@" "$SRC/docs/events.schema.json" <<'EOF' || fail "received events"
import json, os, sys
path, node, fac = sys.argv[1], sys.argv[2], int(sys.argv[3])
events, schema_path = sys.argv[4:-1], sys.argv[-1]
validate = None
if os.path.exists(schema_path):
    import jsonschema
    schema = json.load(open(schema_path))
    validate = lambda ev: jsonschema.validate(ev, schema)
recs = [json.loads(l) for l in open(path) if l.strip()]
mine = [r for r in recs if r["appname"] == "gridseal"]
if not mine:
    sys.exit(f"{path}: no message from gridseal among {len(recs)}")
for r in mine:
    ev = json.loads(r["msg"])  # MSG is the JSON event
    params = json.loads(r["params"])["gridseal@32473"]
    if validate:
        validate(ev)
    want_pri = fac * 8 + ev["severity"]
    assert int(r["pri"]) == want_pri, (r["pri"], want_pri, r)
    assert int(r["facility"]) == fac and int(r["severity"]) == ev["severity"], r
    assert r["msgid"] == ev["event"][:32], r
    assert params["v"] == str(ev["v"]) == "1", r
    for k in ("node", "assoc", "peer", "xpeer", "diag"):
        assert params.get(k) == ev.get(k), (k, r)
    for k, v in ev.get("fields", {}).items():
        assert params.get(k) == str(v), (k, r)
    assert r["raw"].endswith(" " + r["msg"]), r
for want in events:
    ev_name, _, peer = want.partition("@")
    hits = [r for r in mine if r["msgid"] == ev_name and json.loads(r["msg"])["node"] == node
            and (not peer or json.loads(r["params"])["gridseal@32473"].get("peer") == peer)]
    if not hits:
        sys.exit(f"{path}: no {ev_name} from {node} (peer {peer or 'any'}) "
                 f"among {[r['msgid'] for r in mine]}")
    p = json.loads(hits[0]["params"])["gridseal@32473"]
    if ev_name == "handshake-ok":
        assert p.get("assoc"), ("no assoc", hits[0])
    print(f"ok: {node} {ev_name} pri={hits[0]['pri']} assoc={p.get('assoc')} peer={p.get('peer')}")
EOF
}

# The same event lines the JSON-lines file has, in the collector: nothing lost.
same_count() { # same_count JSONL RECEIVED NODE EVENT
  a=$(grep -c "\"event\":\"$4\"" "$1" || true)
  b=$(python3 -c "import json,sys
print(sum(1 for l in open('$2') if l.strip() and json.loads(l)['msgid']=='$4'
          and json.loads(json.loads(l)['msg']).get('node')=='$3'))")
  [ "$a" -eq "$b" ] || fail "$4 of $3: $a in $1, $b at the collector"
}

case "$SCEN" in
tls)
  "$COLL" start coll 19209 collector.crt collector.key logca.crt --require-client-cert \
    >/dev/null || fail "collector"
  COLLECTORS="$COLLECTORS $WORK/coll"
  log_keys pki/der1.conf "syslog_key = $WORK/der1-log.key" "syslog_cert = $WORK/der1-log.crt" \
    "syslog_ca = $WORK/logca.crt" "syslog_remote = 127.0.0.1:19209" "syslog_facility = local3"
  # the cc: the collector on the command line, no client certificate (the
  # collector requires one): nothing of the cc arrives, and it says why
  log_keys pki/cc.conf "syslog_ca = $WORK/logca.crt"
  start_der
  associate_and_refuse --syslog-remote 127.0.0.1:19209
  stop_der
  grep -q '"event":"handshake-failed".*"diag":"GS_ERR_CERT_UNTRUSTED"' der1.jsonl ||
    fail "no refusal in der1.jsonl"
  settle coll/received.log
  check_received coll/received.log der1 19 handshake-ok@urn:gridseal:cc handshake-failed released
  same_count der1.jsonl coll/received.log der1 handshake-ok
  same_count der1.jsonl coll/received.log der1 handshake-failed
  python3 -c "import json,sys
sys.exit(any(json.loads(json.loads(l)['msg']).get('node')=='cc' for l in open('coll/received.log') if l.strip()))" ||
    fail "an event of the cc without a client certificate arrived"
  grep -q "^cc: syslog: cannot send events to 127.0.0.1:19209: .*certificate required" cc.out ||
    fail "the cc did not say that the collector refused it"
  c=$(grep -c "certificate required" cc.out)
  [ "$c" -eq 1 ] || fail "the refusal was reported $c times (rate limit)"
  grep -q "^cc: syslog: connected" cc.out && fail "the cc claims a connection the collector refused"
  grep -q "syslog:" der1.out && fail "der1 reported a syslog problem"
  echo "ok: $SCEN"
  ;;
badca)
  "$COLL" start coll 19208 impostor.crt impostor.key otherca.crt >/dev/null || fail "collector"
  COLLECTORS="$COLLECTORS $WORK/coll"
  log_keys pki/der1.conf "syslog_ca = $WORK/logca.crt"
  start_der --syslog-remote 127.0.0.1:19208
  associate_and_refuse
  stop_der
  grep -q "^der1: syslog: cannot send events to 127.0.0.1:19208: TLS: the collector's certificate failed verification: " der1.out ||
    fail "no line naming the verification failure"
  grep -q '"event":"handshake-ok"' der1.jsonl || fail "der1 did not associate"
  sleep 0.5
  [ ! -s coll/received.log ] || fail "events reached a collector whose certificate does not verify"
  # rate-limited: one line, not one per attempt
  c=$(grep -c "failed verification" der1.out)
  [ "$c" -eq 1 ] || fail "the verification failure was reported $c times"
  grep -q "^der1: syslog: [0-9]* events not delivered to 127.0.0.1:19208" der1.out ||
    fail "the undelivered events were not counted at exit"
  echo "ok: $SCEN"
  ;;
down)
  log_keys pki/der1.conf "syslog_ca = $WORK/logca.crt" "syslog_remote = 127.0.0.1:19207"
  start_der
  associate_and_refuse
  kill -0 "$DER_PID" || fail "der1 stopped"
  stop_der
  grep -q "^der1: syslog: cannot send events to 127.0.0.1:19207: Connection refused" der1.out ||
    fail "no line naming the refused collector"
  grep -q '"event":"handshake-ok"' der1.jsonl || fail "der1 did not associate"
  grep -q '"event":"handshake-ok"' cc.jsonl || fail "the cc did not associate"
  echo "ok: $SCEN"
  ;;
config)
  expect_start_error() { # CONF-LINES... -- PATTERN
    cp pki/der1.conf pki/bad.conf
    while [ "$1" != -- ]; do
      sed -i "/^\[log\]/a $1" pki/bad.conf
      shift
    done
    rc=0
    "$G" der --config pki/bad.conf >bad.out 2>&1 || rc=$?
    [ "$rc" -ne 0 ] || fail "der started with: $(grep syslog pki/bad.conf | tr '\n' ' ')"
    grep -q -- "$2" bad.out || fail "expected '$2', got: $(cat bad.out)"
  }
  expect_start_error "syslog_remote = 127.0.0.1:19204" "syslog_ca = $WORK/nonexistent.crt" -- \
    "syslog_ca $WORK/nonexistent.crt: cannot open: No such file or directory"
  expect_start_error "syslog_remote = 127.0.0.1:19204" -- "needs \[log\] syslog_ca"
  expect_start_error "syslog_remote = 127.0.0.1:19204" "syslog_ca = $WORK/der1-log.key" -- \
    "syslog_ca $WORK/der1-log.key: no CA certificate in it"
  expect_start_error "syslog_remote = 127.0.0.1:19204" "syslog_ca = $WORK/logca.crt" \
    "syslog_cert = $WORK/der1-log.crt" -- "syslog_cert and syslog_key go together"
  expect_start_error "syslog_remote = 127.0.0.1:19204" "syslog_ca = $WORK/logca.crt" \
    "syslog_cert = $WORK/der1-log.crt" "syslog_key = $WORK/collector.key" -- \
    "syslog_key $WORK/collector.key: does not match syslog_cert"
  expect_start_error "syslog_facility = kern" -- \
    "invalid value 'kern' for 'syslog_facility' (expected daemon | local0 |"
  expect_start_error "syslog_remote = nowhere" -- "invalid address 'nowhere' for 'syslog_remote'"
  expect_start_error "syslog = maybe" -- "invalid value 'maybe' for 'syslog' (expected yes | no)"
  # config --check loads the collector's files as der and cc do
  cp pki/der1.conf pki/check.conf
  sed -i "/^\[log\]/a syslog_ca = $WORK/nonexistent.crt" pki/check.conf
  sed -i "/^\[log\]/a syslog_remote = 127.0.0.1:19204" pki/check.conf
  rc=0
  "$G" config --check pki/check.conf >check.out 2>&1 || rc=$?
  [ "$rc" -eq 1 ] || fail "config --check with a missing syslog_ca: exit $rc"
  grep -q "^error: \[log\] syslog_ca $WORK/nonexistent.crt: cannot open" check.out ||
    fail "config --check: $(cat check.out)"
  sed -i "s#^syslog_ca = .*#syslog_ca = $WORK/logca.crt#" pki/check.conf
  "$G" config --check pki/check.conf >check.out 2>&1 || fail "config --check: $(cat check.out)"
  grep -q "^ok: \[log\] syslog collector 127.0.0.1:19204: syslog_ca load" check.out ||
    fail "config --check: $(cat check.out)"
  rc=0
  "$G" der --config pki/der1.conf --syslog-remote nowhere >bad.out 2>&1 || rc=$?
  [ "$rc" -eq 2 ] || fail "--syslog-remote nowhere: exit $rc, expected 2"
  grep -q "der: --syslog-remote 'nowhere': expected HOST:PORT" bad.out || fail "$(cat bad.out)"
  echo "ok: $SCEN"
  ;;
local)
  command -v unshare >/dev/null || { echo "SKIP: no unshare"; exit 77; }
  unshare -m true 2>/dev/null || { echo "SKIP: no mount namespaces here"; exit 77; }
  "$COLL" local loc >/dev/null || fail "local collector"
  COLLECTORS="$COLLECTORS $WORK/loc"
  log_keys pki/der1.conf "syslog_facility = local5" "syslog = no"
  # A private /dev: the real device files bound in, /dev/log a link to the
  # collector's socket. The mounts live and die with the namespace.
  mkdir -p newdev
  for d in null zero full random urandom tty; do : >"newdev/$d"; done
  ln -s "$WORK/loc/log.sock" newdev/log
  unshare -m --propagation private sh -c '
    for d in null zero full random urandom tty; do mount --bind /dev/$d newdev/$d; done
    mount --rbind newdev /dev
    exec "$0" der --config pki/der1.conf --events der1.jsonl --syslog' "$G" >>der1.out 2>&1 &
  DER_PID=$!
  PIDS="$PIDS $DER_PID"
  i=0
  while ! grep -q listening der1.out 2>/dev/null; do
    i=$((i + 1))
    [ $i -le 50 ] || fail "der1 did not start"
    sleep 0.1
  done
  associate_and_refuse
  stop_der
  settle loc/received.log
  SCHEMA=$SRC/docs/events.schema.json
  python3 - loc/received.log der1.jsonl "$SCHEMA" <<'EOF' || fail "local syslog"
import json, os, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
mine = [r for r in recs if r["appname"] == "gridseal"]
evs = [json.loads(l) for l in open(sys.argv[2])]
assert mine, f"no message from gridseal among {len(recs)}"
assert len(mine) == len(evs), (len(mine), len(evs))
for r, ev in zip(mine, evs):
    # syslog(3): "gridseal[PID]: EVENT {json}" at facility local5, the event's severity
    assert int(r["facility"]) == 21 and int(r["severity"]) == ev["severity"], (r, ev)
    name, _, js = r["msg"].strip().partition(" ")
    assert name == ev["event"] and json.loads(js) == ev, (r, ev)
    assert r["procid"].isdigit(), r
schema_path = sys.argv[3]
if os.path.exists(schema_path):
    import jsonschema
    schema = json.load(open(schema_path))
    for ev in evs:
        jsonschema.validate(ev, schema)
kinds = {ev["event"] for ev in evs}
assert {"handshake-ok", "handshake-failed"} <= kinds, kinds
print(f"ok: {len(mine)} events through syslog(3), facility local5")
EOF
  echo "ok: $SCEN"
  ;;
*)
  fail "unknown scenario"
  ;;
esac
# every event file the scenario wrote matches the schema
ev_files=$(find . -maxdepth 1 -name '*.jsonl' | sort)
if [ -n "$ev_files" ]; then
  # shellcheck disable=SC2086 # one word per file name (no spaces in them)
  /usr/bin/python3 "$SRC/tests/integration/check_events.py" --allow-empty $ev_files ||
    fail "events that do not match docs/events.schema.json"
fi
