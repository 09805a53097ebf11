#!/usr/bin/env bash
# Connection visibility of `gridseal der` and `gridseal cc` with real servers
# (docs/CLI.md "Transport status"): every failure is named with its address
# and reason, on stderr and as an event; a failure is printed once (N
# attempts, one line, N events); reconnection is reported; a duplicate
# identity stops one instance with exit code 4.
#   conn.sh CASE GRIDSEAL PORT
# CASE: down-xmpp  der with Prosody down: refused + address within 3 s, one
#                  line for many attempts, then Prosody starts: reconnected
#       down-mqtt  the same with Mosquitto
#       down-amqp  the same with RabbitMQ, then a wrong tls_ca names the
#                  verify failure
#       down-tcp   cc dialling a DER that is not running, then the DER starts
#       tls-xmpp   wrong tls_ca: the verify problem; the E2E certificate as
#                  hop certificate: the SASL EXTERNAL refusal (Prosody)
#       tls-mqtt   the same with Mosquitto (the broker's TLS refusal)
#       dup-xmpp   two der with the same config on Prosody: one stops with
#                  exit code 4 and the conflict message, the other stays
#                  and associates with a cc
#       dup-mqtt   the same with Mosquitto (client id taken over)
# PORT: the server's port (RabbitMQ also uses PORT+10000 and PORT+20000; tcp:
# the DER's listen port). Every process started here is stopped on exit.
set -euo pipefail
CHECK_EVENTS="$(cd "$(dirname "$0")" && pwd)/check_events.py" # the event schema check
case_=$1 G=$2 PORT=$3
src=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/gs-conn.XXXXXX)
P=$T/pki
# the server's run directory: a directory of its own under /tmp, which the
# server's user can reach (T is mode 0700)
RUN=$(mktemp -d /tmp/gs-conn-run.XXXXXX)
pids=() server=""
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  case $server in
    prosody) "$src/scripts/xmpp-server" stop prosody --dir "$RUN" >/dev/null 2>&1 || true ;;
    mosquitto) "$src/scripts/mqtt-broker" stop --dir "$RUN" >/dev/null 2>&1 || true ;;
    rabbitmq) "$src/scripts/amqp-broker" stop --dir "$RUN" >/dev/null 2>&1 || true ;;
  esac
  [ -n "${GS_KEEP:-}" ] && echo "kept $T $RUN" >&2 || rm -rf "$T" "$RUN"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
  echo "FAIL ($case_): $*" >&2
  for f in "$T"/*.err "$T"/*.out "$T"/*.jsonl; do
    [ -f "$f" ] && { echo "--- $f" >&2; tail -n 12 "$f" >&2; }
  done
  exit 1
}
count() { # count PATTERN FILE (fixed string): matching lines, 0 if none
  local c
  c=$(grep -cF -- "$1" "$2" 2>/dev/null) || true
  echo "${c:-0}"
}
wait_for() { # wait_for SECONDS PATTERN FILE WHAT: poll every 0.1 s until the deadline
  local end=$(($(date +%s%N) / 1000000 + $1 * 1000))
  while [ "$(count "$2" "$3")" -eq 0 ]; do
    [ $(($(date +%s%N) / 1000000)) -lt $end ] || fail "$4: no '$2' in $3 within $1 s"
    sleep 0.1
  done
}
wait_count() { # wait_count SECONDS N PATTERN FILE WHAT: at least N matching lines
  local end=$(($(date +%s%N) / 1000000 + $1 * 1000))
  while [ "$(count "$3" "$4")" -lt "$2" ]; do
    [ $(($(date +%s%N) / 1000000)) -lt $end ] ||
      fail "$5: fewer than $2 lines '$3' in $4 within $1 s ($(count "$3" "$4"))"
    sleep 0.1
  done
}
expect() { # expect N PATTERN FILE WHAT: exactly N matching lines
  local c
  c=$(count "$2" "$3")
  [ "$c" -eq "$1" ] || fail "$4: expected $1 lines '$2' in $3, got $c"
}

"$G" pki init "$P" --ders 1 >/dev/null
USERS_XMPP="cc der1"
USERS_BROKER="cc@localhost der1@localhost"

# The configs of `pki init`, pointed at the server under test: its type and
# address, fast reconnects (many failed attempts in a few seconds), the
# transport's default replay mode.
configure() { # type server
  local f
  for f in "$P"/cc.conf "$P"/der1.conf; do
    sed -i -e "s/^type = .*/type = $1/" -e "s/^server = .*/server = $2/" -e '/^replay = /d' \
      -e 's/^reconnect_min = .*/reconnect_min = 100ms/' \
      -e 's/^reconnect_max = .*/reconnect_max = 400ms/' \
      -e 's/^report_interval = .*/report_interval = 1s/' "$f"
  done
}

start_server() { # kind
  server=$1
  case $1 in
    prosody)
      "$src/scripts/xmpp-server" start prosody --pki "$P" --dir "$RUN" --port "$PORT" \
        --users "$USERS_XMPP" >"$T/server.out" 2>&1 || fail "prosody did not start"
      ;;
    mosquitto)
      "$src/scripts/mqtt-broker" start --pki "$P" --dir "$RUN" --port "$PORT" \
        --users "$USERS_BROKER" >"$T/server.out" 2>&1 || fail "mosquitto did not start"
      ;;
    rabbitmq)
      "$src/scripts/amqp-broker" start --pki "$P" --dir "$RUN" --port "$PORT" --mqtt-port 0 \
        --users "$USERS_BROKER" >"$T/server.out" 2>&1 || fail "rabbitmq did not start"
      ;;
  esac
}

stop_server() {
  case $server in
    prosody) "$src/scripts/xmpp-server" stop prosody --dir "$RUN" >/dev/null 2>&1 ;;
    mosquitto) "$src/scripts/mqtt-broker" stop --dir "$RUN" >/dev/null 2>&1 ;;
    rabbitmq) "$src/scripts/amqp-broker" stop --dir "$RUN" >/dev/null 2>&1 ;;
  esac
}

start_node() { # name role config [extra args]: stdout NAME.out, stderr NAME.err, events NAME.jsonl
  local name=$1 role=$2 conf=$3
  shift 3
  "$G" "$role" --config "$conf" --events "$T/$name.jsonl" "$@" >"$T/$name.out" 2>"$T/$name.err" &
  pids+=($!)
  last_pid=$!
}

# The server is down: the failure with "refused" and the address within 3 s,
# on stderr and as an event; many attempts, one line; then the server comes
# up and the reconnection is reported (line and event).
down_case() { # type kind event-prefix [host]
  local type=$1 kind=$2 ev=$3 addr="${4:-127.0.0.1}:$PORT"
  configure "$type" "$addr"
  start_node der1 der "$P/der1.conf"
  wait_for 3 "der1: $type: not connected (" "$T/der1.err" "failure line"
  wait_for 3 "\"event\":\"$ev-disconnected\",\"diag\":\"refused\"" "$T/der1.jsonl" "failure event"
  grep -F "der1: $type: not connected (" "$T/der1.err" | grep -F "$addr" | grep -qi "refused" ||
    fail "the failure line names neither $addr nor the refusal"
  grep -F "$ev-disconnected" "$T/der1.jsonl" | head -n 1 | grep -qF "$addr" ||
    fail "the failure event does not name $addr"
  # the flood rule: N failed attempts, N events, one line
  wait_count 15 8 "\"event\":\"$ev-disconnected\"" "$T/der1.jsonl" "one event per attempt"
  expect 1 "not connected (" "$T/der1.err" "one line for all the attempts"
  expect 0 "still not connected" "$T/der1.err" "no summary within the first minute"
  start_server "$kind"
  # never connected before: "connected to ADDR as WHO after N failed attempts (T s)"
  wait_for 30 "der1: $type: connected to " "$T/der1.err" "connection line"
  grep -F "der1: $type: connected to " "$T/der1.err" | grep -F "$addr" |
    grep -qE "after [0-9]+ failed attempts \([0-9]+\.[0-9] s\)" ||
    fail "the connection line does not say where and after how many attempts"
  wait_for 3 "\"event\":\"$ev-connected\"" "$T/der1.jsonl" "connected event"
  grep -F "\"event\":\"$ev-connected\"" "$T/der1.jsonl" | grep -qF "failed attempts" ||
    fail "the connected event does not report the failed attempts"
  # the server goes away and comes back: the loss, then "reconnected"
  stop_server
  wait_for 10 "\"event\":\"$ev-disconnected\",\"diag\":\"lost\"" "$T/der1.jsonl" "loss event"
  wait_for 3 "der1: $type: not connected (connection to " "$T/der1.err" "loss line"
  start_server "$kind"
  wait_for 30 "der1: $type: reconnected to " "$T/der1.err" "reconnection line"
  grep -F "der1: $type: reconnected to " "$T/der1.err" | grep -qF "$addr" ||
    fail "the reconnection line does not say where"
  grep -F "\"event\":\"$ev-connected\"" "$T/der1.jsonl" | grep -qF "reconnected to" ||
    fail "the connected event does not report the reconnection"
  kill -0 "$last_pid" 2>/dev/null || fail "der1 is not running"
}

# A bad hop setting: the line and the event name the problem within 3 s.
bad_hop() { # name type event-prefix diag pattern sed-expression
  local name=$1 type=$2 ev=$3 diag=$4 pat=$5
  sed -e "$6" "$P/der1.conf" >"$P/$name.conf"
  start_node "$name" der "$P/$name.conf"
  local pid=$last_pid
  wait_for 3 "\"event\":\"$ev-disconnected\",\"diag\":\"$diag\"" "$T/$name.jsonl" "$name event"
  wait_for 3 "der1: $type: not connected (" "$T/$name.err" "$name line"
  grep -F "der1: $type: not connected (" "$T/$name.err" | grep -qF -- "$pat" ||
    fail "$name: the line does not say '$pat'"
  grep -F "\"diag\":\"$diag\"" "$T/$name.jsonl" | head -n 1 | grep -qF -- "$pat" ||
    fail "$name: the event does not say '$pat'"
  kill "$pid" 2>/dev/null || true
}

# Two instances of der1: the older one is kicked off, says so and exits 4;
# the other stays connected and associates with the control center.
dup_case() { # type kind event-prefix pattern
  local type=$1 kind=$2 ev=$3 pat=$4
  configure "$type" "127.0.0.1:$PORT"
  start_server "$kind"
  start_node a der "$P/der1.conf"
  local pa=$last_pid
  wait_for 10 "\"event\":\"$ev-connected\"" "$T/a.jsonl" "first instance connected"
  start_node b der "$P/der1.conf"
  local pb=$last_pid
  local end=$(($(date +%s) + 20))
  while kill -0 "$pa" 2>/dev/null; do
    [ "$(date +%s)" -lt $end ] || fail "the first instance did not stop"
    sleep 0.1
  done
  local rc=0
  wait "$pa" || rc=$?
  [ "$rc" -eq 4 ] || fail "the first instance exited $rc, not 4"
  grep -F "der1: $type: another instance is " "$T/a.err" | grep -qF -- "$pat" ||
    fail "the first instance does not say why it stops"
  grep -F "; stopping" "$T/a.err" >/dev/null || fail "no 'stopping'"
  wait_for 3 "\"event\":\"$ev-conflict\",\"diag\":\"conflict\"" "$T/a.jsonl" "conflict event"
  kill -0 "$pb" 2>/dev/null || fail "the second instance stopped too"
  start_node cc cc "$P/cc.conf" --run-for 8
  wait_for 20 "\"event\":\"handshake-ok\"" "$T/b.jsonl" "the second instance associates"
  kill -0 "$pb" 2>/dev/null || fail "the second instance is not running"
  expect 0 "another instance" "$T/b.err" "the second instance saw no conflict"
}

case $case_ in
  down-xmpp) down_case xmpp prosody xmpp ;;
  down-mqtt) down_case mqtt mosquitto mqtt ;;
  down-amqp)
    # AMQP: the broker certificate's DNS name (librabbitmq checks it)
    down_case amqp rabbitmq amqp localhost
    bad_hop badca amqp amqp tls-verify "certificate verify failed" \
      "s|^tls_ca = .*|tls_ca = $P/e2e-ca/ca.crt|"
    bad_hop e2ecert amqp amqp tls-client-cert "refused our client certificate" \
      "s|^tls_cert = .*|tls_cert = $P/der1/e2e.crt|; s|^tls_key = .*|tls_key = $P/der1/e2e.key|"
    ;;
  down-tcp)
    configure tcp "127.0.0.1:$PORT"
    sed -i -e "s/^listen = .*/listen = 127.0.0.1:$PORT/" "$P/der1.conf"
    sed -i -e "s/^connect = .*/connect = 127.0.0.1:$PORT/" "$P/cc.conf"
    start_node cc cc "$P/cc.conf"
    wait_for 3 "cc: tcp: der1: not connected (connect to 127.0.0.1:$PORT: " "$T/cc.err" \
      "failure line"
    grep -F "cc: tcp: der1: not connected" "$T/cc.err" | grep -qi "refused" ||
      fail "the failure line does not name the refusal"
    wait_for 3 "\"event\":\"tcp-error\",\"xpeer\":\"der1\",\"diag\":\"refused\"" "$T/cc.jsonl" \
      "failure event"
    grep -F "tcp-error" "$T/cc.jsonl" | head -n 1 | grep -qF "127.0.0.1:$PORT" ||
      fail "the failure event does not name the address"
    wait_count 15 8 "\"event\":\"tcp-error\"" "$T/cc.jsonl" "one event per attempt"
    expect 1 "not connected (" "$T/cc.err" "one line for all the attempts"
    start_node der1 der "$P/der1.conf"
    wait_for 15 "cc: tcp: der1: connected to 127.0.0.1:$PORT after " "$T/cc.err" \
      "connection line"
    grep -F "cc: tcp: der1: connected to" "$T/cc.err" |
      grep -qE "after [0-9]+ failed attempts \([0-9]+\.[0-9] s\)" || fail "no attempt count"
    wait_for 3 "\"event\":\"tcp-connected\",\"xpeer\":\"der1\"" "$T/cc.jsonl" "connected event"
    wait_for 15 "\"event\":\"handshake-ok\"" "$T/cc.jsonl" "association after the connect"
    ;;
  tls-xmpp)
    configure xmpp "127.0.0.1:$PORT"
    start_server prosody
    bad_hop badca xmpp xmpp tls-verify "TLS: server certificate verify failed: " \
      "s|^tls_ca = .*|tls_ca = $P/e2e-ca/ca.crt|"
    bad_hop e2ecert xmpp xmpp auth "SASL EXTERNAL failure" \
      "s|^tls_cert = .*|tls_cert = $P/der1/e2e.crt|; s|^tls_key = .*|tls_key = $P/der1/e2e.key|"
    grep -F "der1: xmpp: not connected (" "$T/e2ecert.err" |
      grep -qF "did not accept the client certificate $P/der1/e2e.crt" ||
      fail "the refusal does not name the client certificate"
    ;;
  tls-mqtt)
    configure mqtt "127.0.0.1:$PORT"
    start_server mosquitto
    bad_hop badca mqtt mqtt tls-verify "certificate verify failed" \
      "s|^tls_ca = .*|tls_ca = $P/e2e-ca/ca.crt|"
    bad_hop e2ecert mqtt mqtt tls-client-cert "refused our client certificate" \
      "s|^tls_cert = .*|tls_cert = $P/der1/e2e.crt|; s|^tls_key = .*|tls_key = $P/der1/e2e.key|"
    ;;
  dup-xmpp) dup_case xmpp prosody xmpp "logged in as der1@localhost/IEC" ;;
  dup-mqtt) dup_case mqtt mosquitto mqtt "connected as der1@localhost" ;;
  *) fail "unknown case" ;;
esac
echo "PASS ($case_)"
# every event of the run matches the event schema (docs/events.schema.json)
/usr/bin/python3 "$CHECK_EVENTS" --allow-empty "$T"/*.jsonl || fail "events that do not match docs/events.schema.json"
