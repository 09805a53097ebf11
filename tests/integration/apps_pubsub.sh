#!/usr/bin/env bash
# `gridseal cc` + three `gridseal der` through a broker (labels mqtt, amqp).
#   apps_pubsub.sh CASE GRIDSEAL MQTT_TAP
# CASE: mqtt-apps     associations, reports, a set-point, key updates (Mosquitto)
#       amqp-apps     the same through RabbitMQ (AMQP 0-9-1)
#       mqtt-restart  the broker is killed (SIGKILL) and restarted 3 times at
#                     moments drawn from GS_SEED (default 20261124); checks
#                     that no association is re-established, no report is
#                     delivered twice, every loss is reported as a gap, and
#                     reports resume within seconds; prints the figures
#       mqtt-aead     a monitor with read access to gridseal/# records what
#                     the broker relays: no set-point or measurement in AEAD
#                     mode, both visible in integrity-only mode
#       mqtt-flood    70 broker clients each publish a correctly signed
#                     HandshakeReq with a self-signed certificate (claiming
#                     to be the control center) on der1's request topic;
#                     der1 refuses them all and holds no peer slot for any,
#                     and the real control center then associates
#       mqtt-relay    der2's broker client republishes the request the
#                     control center sent to der2 onto der1's request topic
#                     (under its own name, as the ACL requires): der1 makes
#                     no association of it, the real one works
#       amqp-attacks  the flood and the relayed request through RabbitMQ
#                     (AMQP 0-9-1; the clients use raw librabbitmq)
#   apps_pubsub.sh mqtt-flood|mqtt-relay GRIDSEAL MQTT_TAP INJECT_MQTT MAKE_HSREQ
#   apps_pubsub.sh amqp-attacks GRIDSEAL MQTT_TAP INJECT_AMQP MAKE_HSREQ
# Ports: Mosquitto 18887-18890, 18894 (flood), 18895 (relay); RabbitMQ AMQPS
# 15673 (dist 25673, epmd 35673), 15674 (dist 25674, epmd 35674).
set -euo pipefail
CHECK_EVENTS="$(cd "$(dirname "$0")" && pwd)/check_events.py" # the event schema check
case_=$1 G=$2 TAP=$3 INJ=${4:-} MKREQ=${5:-}
src=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/gs-appsps.XXXXXX)
P=$T/pki
pids=() broker="" tap_pid=""
cleanup() {
  local p
  for p in "${pids[@]}" $tap_pid; do kill "$p" 2>/dev/null || true; done
  if [ "$broker" = mosquitto ]; then "$src/scripts/mqtt-broker" stop --dir "$T/run" || true; fi
  if [ "$broker" = rabbitmq ]; then "$src/scripts/amqp-broker" stop --dir "$T/run" || true; fi
  [ -n "${GS_KEEP:-}" ] && echo "kept $T" >&2 || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
  echo "FAIL: $*" >&2
  for f in "$T"/*.out "$P"/*-events.jsonl; do
    [ -f "$f" ] && { echo "--- $f" >&2; tail -15 "$f" >&2; }
  done
  exit 1
}
USERS="cc@localhost der1@localhost der2@localhost der3@localhost"

"$G" pki init "$P" --ders 3 >/dev/null

# Point the `pki init` configurations at the broker: type, server, faster
# reports and reconnects; the replay line goes so the transport's default
# (window) applies. $1 = type, $2 = server, $3 = report interval.
configure() {
  local f
  for f in "$P"/cc.conf "$P"/der?.conf; do
    sed -i -e "s/^type = .*/type = $1/" -e '/^replay = /d' -e "s/^server = .*/server = $2/" \
      -e "s/^report_interval = .*/report_interval = $3/" -e 's/^reconnect_min = .*/reconnect_min = 100ms/' \
      -e 's/^reconnect_max = .*/reconnect_max = 1s/' "$f"
  done
}

mosq_start() { # port [--persist]
  broker=mosquitto
  "$src/scripts/mqtt-broker" start --pki "$P" --dir "$T/run" --port "$1" --users "$USERS" \
    ${2:-} >/dev/null
}

ders_start() { # transport
  local i
  for i in 1 2 3; do
    "$G" der --config "$P/der$i.conf" --transport "$1" >"$T/der$i.out" 2>&1 &
    pids+=($!)
  done
  sleep 0.5
}

ders_stop() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}

count() { # pattern file
  grep -c -- "$1" "$2" 2>/dev/null || true
}

# Associations, reports, a set-point and key updates (mqtt-apps, amqp-apps).
check_apps() {
  local ev=$P/cc-events.jsonl i n
  [ "$(count '"event":"handshake-ok"' "$ev")" = 3 ] || fail "expected 3 associations"
  [ "$(count '"event":"setpoint-accepted".*der2' "$ev")" -ge 1 ] || fail "set-point not accepted"
  [ "$(count '"event":"setpoint-applied"' "$P/der2-events.jsonl")" -ge 1 ] || fail "der2 did not apply"
  for i in 1 2 3; do
    n=$(count ",der$i," "$P/cc.csv")
    [ "$n" -ge 5 ] || fail "der$i: only $n reports"
    [ "$(count "\"event\":\"key-update\".*der$i" "$ev")" -ge 1 ] || fail "der$i: no key update"
  done
  tail -n 3 "$P/cc.csv" >/dev/null
  grep ',der2,' "$P/cc.csv" | tail -1 | grep -q ',7777.0,' || fail "der2 set-point not in its reports"
  for e in integrity-failure bad-signature abort-sent abort-received association-lost; do
    [ "$(cat "$P"/*-events.jsonl | count "\"event\":\"$e\"" -)" = 0 ] || fail "unexpected $e"
  done
  echo "$case_: 3 associations, $(count ',der' "$P/cc.csv") reports, set-point 7777 W applied," \
    "$(count '"event":"key-update"' "$ev") key updates"
}

run_cc() { # transport cc-args...
  local tr=$1
  shift
  timeout 60 "$G" cc --config "$P/cc.conf" --transport "$tr" "$@" </dev/null >"$T/cc.out" 2>&1 ||
    fail "cc exited with $?"
}

# ms of the day for an ISO time (HH:MM:SS.mmm inside)
ms_of() { awk -v t="$1" 'BEGIN { split(substr(t, index(t, "T") + 1), a, /[:.Z]/);
  printf "%d\n", ((a[1] * 60 + a[2]) * 60 + a[3]) * 1000 + a[4] }'; }

restart_test() {
  local seed=${GS_SEED:-20261124} i now
  RANDOM=$seed
  configure mqtt 127.0.0.1:18888 200ms
  mosq_start 18888 --persist
  ders_start mqtt
  "$G" cc --config "$P/cc.conf" --transport mqtt --run-for 30 </dev/null >"$T/cc.out" 2>&1 &
  local cc=$! t0=$SECONDS back=()
  for i in 0 1 2; do
    local at=$((4 + i * 8 + RANDOM % 4)) down_ms=$((300 + RANDOM % 1700))
    while [ $((SECONDS - t0)) -lt $at ]; do sleep 0.1; done
    "$src/scripts/mqtt-broker" kill --dir "$T/run"
    sleep "$(printf '%d.%03d' $((down_ms / 1000)) $((down_ms % 1000)))"
    mosq_start 18888 --persist
    back+=("$(date -u +%H:%M:%S.%3N)")
    echo "restart $((i + 1)): broker killed at ~${at}s, down ${down_ms} ms"
  done
  wait "$cc" || fail "cc exited with $?"
  ders_stop
  local ev=$P/cc-events.jsonl
  [ "$(count '"event":"handshake-ok"' "$ev")" = 3 ] || fail "associations were re-established"
  for e in integrity-failure bad-signature abort-sent abort-received association-lost; do
    [ "$(cat "$P"/*-events.jsonl | count "\"event\":\"$e\"" -)" = 0 ] || fail "unexpected $e"
  done
  local sent=0 deliv=0 dups=0 gaps=0 missing=0 worst=0 d k rec=(0 0 0)
  for i in 1 2 3; do
    grep " der$i report seq=" "$T/cc.out" | sed 's/.*seq=\([0-9]*\).*/\1/' >"$T/seq$i"
    local n u lo hi g
    n=$(wc -l <"$T/seq$i")
    u=$(sort -un "$T/seq$i" | wc -l)
    lo=$(sort -n "$T/seq$i" | head -1)
    hi=$(sort -n "$T/seq$i" | tail -1)
    g=$({ grep '"event":"gap"' "$ev" || true; } | { grep "\"xpeer\":\"der$i\"" || true; } |
      sed 's/.*"count":\([0-9]*\).*/\1/' | awk '{ s += $1 } END { print s + 0 }')
    [ "$n" = "$u" ] || fail "der$i: $((n - u)) reports delivered twice"
    [ $((hi - lo + 1 - u)) -le "$g" ] || fail "der$i: $((hi - lo + 1 - u)) lost, only $g reported"
    sent=$((sent + hi - lo + 1)) deliv=$((deliv + u)) gaps=$((gaps + g))
    missing=$((missing + hi - lo + 1 - u))
    k=0
    for d in "${back[@]}"; do # first report after the broker came back
      local b f
      b=$(ms_of "T$d")
      f=$(grep " der$i report seq=" "$T/cc.out" | cut -d' ' -f1 | while read -r t; do
        m=$(ms_of "$t"); [ "$m" -ge "$b" ] && { echo $((m - b)); break; }; done || true)
      [ -n "$f" ] || fail "der$i: no report after restart $((k + 1)) (broker back at $d)"
      [ "$f" -le "${rec[$k]}" ] || rec[$k]=$f
      [ "$f" -le "$worst" ] || worst=$f
      k=$((k + 1))
    done
  done
  dups=$(cat "$P"/*-events.jsonl | count '"event":"replay-dropped"' -)
  local stale
  stale=$(cat "$P"/*-events.jsonl | count '"event":"stale-dropped"' -)
  echo "mqtt-restart (seed $seed): restarts=3 reports_sent=$sent delivered=$deliv lost=$missing" \
    "duplicates_suppressed=$dups stale_dropped=$stale gaps_reported=$gaps" \
    "recovery_ms=$(IFS=,; echo "${rec[*]}") longest_recovery_ms=$worst handshakes=3"
  [ "$worst" -le 5000 ] || fail "reports resumed only after $worst ms"
}

aead_run() { # port mode label
  "$src/scripts/mqtt-broker" stop --dir "$T/run" || true
  rm -rf "$T/run"
  configure mqtt "127.0.0.1:$1" 300ms
  local f
  for f in "$P"/cc.conf "$P"/der?.conf; do
    sed -i -e "s/^mode = .*/mode = $2/" "$f"
    [ "$2" = integrity-only ] && sed -i -e 's/^encryption_policy = .*/encryption_policy = optional/' "$f"
  done
  mosq_start "$1"
  printf 'user monitor@localhost\ntopic read gridseal/#\n' >>"$T/run/acl"
  kill -HUP "$(cat "$T/run/mosquitto.pid")"
  sleep 0.3
  "$TAP" record "$P" "$1" "$T/tap-$3" &
  tap_pid=$!
  for f in $(seq 300); do [ -f "$T/tap-$3.ready" ] && break; sleep 0.1; done
  [ -f "$T/tap-$3.ready" ] || fail "monitor not subscribed within 30 s"
  ders_start mqtt
  run_cc mqtt --set der2=7777 --run-for 4
  ders_stop
  kill "$tap_pid"
  wait "$tap_pid" || true
  tap_pid=""
  grep -q ',der2,.*,7777.0,' "$P/cc.csv" || fail "$3: set-point not applied"
  "$TAP" scan "$T/tap-$3" 7777
}

# The request flood: N broker clients (hop certificates flood1..N), one
# self-signed, correctly signed HandshakeReq each on der1's request topic
# (AMQP: to der1 under their own user_id). flood_prepare makes the
# certificates and requests and sets $users; flood_run TYPE PORT runs it
# against a broker already listening.
FLOOD_N=${GS_FLOOD:-70}
flood_prepare() {
  local i names=""
  [ -n "$INJ" ] && [ -n "$MKREQ" ] || fail "$case_ needs the inject tool and MAKE_HSREQ"
  users=$USERS
  for i in $(seq 1 "$FLOOD_N"); do
    names="$names flood$i" users="$users flood$i@localhost"
  done
  # shellcheck disable=SC2086
  bash "$src/scripts/lib-hop-pki.sh" "$P" $names >/dev/null
  # an E2E certificate of its own making that claims the control center's names
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=cc" \
    -addext "subjectAltName=URI:urn:gridseal:cc,otherName:1.3.6.1.5.5.7.8.5;UTF8:cc@localhost" \
    -keyout "$T/self.key" -out "$T/self.crt" 2>/dev/null
  mkdir -p "$T/reqs"
  "$MKREQ" "$T/self.crt" "$T/self.key" "$T/reqs" "$FLOOD_N" >/dev/null || fail "requests not built"
}

flood_send() { # type port i
  local h=$P/flood$3 me=flood$3@localhost
  if [ "$1" = mqtt ]; then
    "$INJ" 127.0.0.1 "$2" "$P/hop-ca/ca.crt" "$h/hop.crt" "$h/hop.key" \
      "gridseal/der1@localhost/$me/req" "$T/reqs/req-$3.pdu" 1
  else
    "$INJ" localhost "$2" "$P/hop-ca/ca.crt" "$h/hop.crt" "$h/hop.key" "$me" publish gridseal \
      der1@localhost "gridseal/der1@localhost/$me/req" "$me" "$T/reqs/req-$3.pdu"
  fi
}

flood_run() { # type port
  local n=$FLOOD_N i p batch=()
  rm -f "$P"/*-events.jsonl "$P"/cc.csv
  ders_start "$1"
  for i in $(seq 1 "$n"); do
    flood_send "$1" "$2" "$i" >>"$T/flood.out" 2>&1 &
    batch+=($!)
    if [ ${#batch[@]} -ge 10 ]; then
      for p in "${batch[@]}"; do wait "$p" || fail "a flood client failed"; done
      batch=()
    fi
  done
  for p in "${batch[@]}"; do wait "$p" || fail "a flood client failed"; done
  local ev1=$P/der1-events.jsonl k
  for k in $(seq 100); do
    [ "$(count '"event":"transport-down".*flood' "$ev1")" -ge "$n" ] && break
    sleep 0.1
  done
  run_cc "$1" --run-for 4
  ders_stop
  local up down refused
  up=$(count '"event":"transport-up".*flood' "$ev1")
  down=$(count '"event":"transport-down".*flood' "$ev1")
  # flood peers whose request der1 refused with an event of the engine
  refused=$(grep -v '"event":"transport-\(up\|down\)"' "$ev1" | grep -o '"xpeer":"flood[0-9]*@' |
    sort -u | wc -l)
  echo "$1-flood: $n requests; der1: $refused refused, $up flood peers up, $down released;" \
    "cc: $(count '"event":"handshake-ok"' "$P/cc-events.jsonl") associations," \
    "$(count ',der1,' "$P/cc.csv") reports from der1"
  [ "$(count '"event":"handshake-ok".*flood' "$ev1")" = 0 ] || fail "a flood request associated"
  [ "$up" = "$n" ] || fail "der1 saw $up of $n flood peers"
  [ "$down" = "$n" ] || fail "der1 released $down of $n flood peers (slots held)"
  [ "$refused" = "$n" ] || fail "der1 refused $refused of $n self-signed requests"
  [ "$(count '"event":"handshake-ok"' "$ev1")" = 1 ] || fail "der1: the control center did not associate"
  [ "$(count '"event":"handshake-ok"' "$P/cc-events.jsonl")" = 3 ] || fail "cc: expected 3 associations"
  [ "$(count ',der1,' "$P/cc.csv")" -ge 3 ] || fail "no reports from der1"
  [ "$(count 'too many initiators' "$ev1")" = 0 ] || fail "der1's peer table was full"
}

# The relayed request: der2 is the attacker. Its own broker client (der2's
# hop certificate, in place of the der2 DER) takes the request the control
# center sends to der2 and publishes it to der1 under its own name.
relay_run() { # type port
  local relay_pid i
  [ -n "$INJ" ] || fail "$case_ needs the inject tool"
  rm -f "$P"/*-events.jsonl "$P"/cc.csv "$T/relay.ready"
  if [ "$1" = mqtt ]; then
    "$INJ" 127.0.0.1 "$2" "$P/hop-ca/ca.crt" "$P/der2/hop.crt" "$P/der2/hop.key" --relay \
      "gridseal/der2@localhost/+/req" "gridseal/der1@localhost/der2@localhost/req" \
      "$T/relay.ready" 30 >"$T/relay.out" 2>&1 &
  else
    "$INJ" localhost "$2" "$P/hop-ca/ca.crt" "$P/der2/hop.crt" "$P/der2/hop.key" der2@localhost \
      relay der2@localhost der1@localhost "$T/relay.ready" 30 >"$T/relay.out" 2>&1 &
  fi
  relay_pid=$!
  for i in $(seq 100); do [ -f "$T/relay.ready" ] && break; sleep 0.1; done
  [ -f "$T/relay.ready" ] || fail "relay client not ready: $(cat "$T/relay.out")"
  for i in 1 3; do
    "$G" der --config "$P/der$i.conf" --transport "$1" >"$T/der$i.out" 2>&1 &
    pids+=($!)
  done
  sleep 0.5
  # der2 never answers: the cc may end with its association to der2 failed
  timeout 60 "$G" cc --config "$P/cc.conf" --transport "$1" --run-for 5 </dev/null \
    >"$T/cc.out" 2>&1 || true
  wait "$relay_pid" || fail "relay failed: $(cat "$T/relay.out")"
  ders_stop
  local ev1=$P/der1-events.jsonl ok refused
  ok=$(count '"event":"handshake-ok"' "$ev1")
  # der1's refusal: transport-identity-mismatch (and its handshake-failed),
  # or, before any signature, the request naming another responder (D16)
  refused=$(grep -v '"event":"\(transport-up\|transport-down\|handshake-ok\|handshake-request\)"' \
    "$ev1" | count '"xpeer":"der2@localhost' -)
  echo "$1-relay: $(cat "$T/relay.out"); der1: $ok association(s)," \
    "$refused refusal event(s) via der2@localhost"
  [ "$ok" = 1 ] || fail "der1 made $ok associations (the relayed request must make none)"
  [ "$(count '"event":"handshake-ok".*"xpeer":"der2@localhost' "$ev1")" = 0 ] ||
    fail "der1 associated with the relayed request"
  [ "$refused" -ge 1 ] || fail "der1 did not refuse the relayed request"
  [ "$(count '"event":"handshake-ok".*der1' "$P/cc-events.jsonl")" -ge 1 ] ||
    fail "cc did not associate with der1"
  [ "$(count ',der1,' "$P/cc.csv")" -ge 3 ] || fail "no reports from der1"
}

bash "$src/scripts/lib-hop-pki.sh" "$P" monitor >/dev/null
t0=$(date +%s%N)
case "$case_" in
  mqtt-apps)
    configure mqtt 127.0.0.1:18887 300ms
    mosq_start 18887
    ders_start mqtt
    run_cc mqtt --set der2=7777 --rekey-after 2 --run-for 6
    ders_stop
    check_apps ;;
  amqp-apps)
    configure amqp localhost:15673 300ms
    broker=rabbitmq
    "$src/scripts/amqp-broker" start --pki "$P" --dir "$T/run" --port 15673 --mqtt-port 0 \
      --dist-port 25673 --epmd-port 35673 --node gsamqp3 --users "$USERS" >/dev/null
    ders_start amqp
    run_cc amqp --set der2=7777 --rekey-after 2 --run-for 6
    ders_stop
    check_apps ;;
  mqtt-restart)
    restart_test ;;
  mqtt-aead)
    broker=mosquitto
    aead_run 18889 aead aead >"$T/scan-aead"
    aead_run 18890 integrity-only integrity >"$T/scan-integrity"
    a=$(cat "$T/scan-aead") i=$(cat "$T/scan-integrity")
    echo "aead:           $a"
    echo "integrity-only: $i"
    case "$a" in *"setpoint_ascii=0 setpoint_float=0 hz_float=0"*) ;; *) fail "AEAD leaked: $a" ;; esac
    case "$a" in payloads=0*) fail "monitor saw nothing" ;; esac
    case "$i" in *setpoint_float=0*) fail "integrity-only: set-point bytes not found: $i" ;; esac
    case "$i" in *hz_float=0) fail "integrity-only: measurements not found: $i" ;; esac ;;
  mqtt-flood)
    flood_prepare
    configure mqtt 127.0.0.1:18894 300ms
    broker=mosquitto
    "$src/scripts/mqtt-broker" start --pki "$P" --dir "$T/run" --port 18894 --users "$users" \
      >/dev/null
    flood_run mqtt 18894 ;;
  mqtt-relay)
    configure mqtt 127.0.0.1:18895 300ms
    mosq_start 18895
    relay_run mqtt 18895 ;;
  amqp-attacks)
    flood_prepare
    configure amqp localhost:15674 300ms
    broker=rabbitmq
    "$src/scripts/amqp-broker" start --pki "$P" --dir "$T/run" --port 15674 --mqtt-port 0 \
      --dist-port 25674 --epmd-port 35674 --node gsamqp4 --users "$users" >/dev/null
    flood_run amqp 15674
    relay_run amqp 15674 ;;
  *) echo "unknown case $case_" >&2; exit 2 ;;
esac
echo "$case_: $(( ($(date +%s%N) - t0) / 1000000 )) ms including broker start"
# every event of the run matches the event schema (docs/events.schema.json)
/usr/bin/python3 "$CHECK_EVENTS" --allow-empty "$P"/*-events.jsonl || fail "events that do not match docs/events.schema.json"
