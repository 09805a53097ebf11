#!/usr/bin/env bash
# Runs one publish/subscribe integration test against its own broker.
#   pubsub-run.sh CASE BINDIR
# CASE: mqtt-exchange | mqtt-acl | mqtt-takeover | mqtt-restart | mqtt-crash |
#       mqtt-reconnect | mqtt-transport
#       (Mosquitto)
#       rabbit-amqp | rabbit-mqtt                 (RabbitMQ)
# The broker, its PKI and run directory live in a temporary directory that
# the exit trap stops and removes, whatever happens.
set -euo pipefail
case_=$1 bin=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/gs-pubsub.XXXXXX)
broker=""
cleanup() {
  if [ "$broker" = mosquitto ]; then "$src/scripts/mqtt-broker" stop --dir "$T/run" || true; fi
  if [ "$broker" = rabbitmq ]; then "$src/scripts/amqp-broker" stop --dir "$T/run" || true; fi
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

bash "$src/scripts/lib-hop-pki.sh" "$T/pki" cc der1 der2
USERS="cc@localhost der1@localhost der2@localhost"

mosq_start() { # port [--persist]
  broker=mosquitto
  "$src/scripts/mqtt-broker" start --pki "$T/pki" --dir "$T/run" --port "$1" \
    --users "$USERS" ${2:-}
}

# RabbitMQ's permissions (scripts/amqp-broker) against der2's own client:
# refused with ACCESS_REFUSED wherever der2 would act for someone else.
amqp_acl() { # port
  local inj="$bin/inject_amqp" a rc out
  a=(localhost "$1" "$T/pki/hop-ca/ca.crt" "$T/pki/der2/hop.crt" "$T/pki/der2/hop.key"
    der2@localhost)
  printf 'forged PDU' >"$T/forged.pdu"
  expect() { # want-rc what cmd...
    local want=$1 what=$2
    shift 2
    rc=0
    out=$("$inj" "${a[@]}" "$@" 2>&1) || rc=$?
    echo "amqp-acl: $what: $out"
    [ "$rc" = "$want" ] || { echo "FAIL: $what: exit $rc, expected $want" >&2; exit 1; }
  }
  expect 3 "der2 publishes on cc's up topic to der1 (amq.topic)" publish amq.topic \
    "gridseal.der1@localhost.cc@localhost.up" - - "$T/forged.pdu"
  expect 3 "der2 publishes on der1's down topic (amq.topic)" publish amq.topic \
    "gridseal.der1@localhost.cc@localhost.down" - - "$T/forged.pdu"
  expect 3 "der2 sends a request under cc's name (amq.topic)" publish amq.topic \
    "gridseal.der1@localhost.cc@localhost.req" - - "$T/forged.pdu"
  expect 3 "der2 writes straight into der1's queue (default exchange)" publish "" \
    "gridseal.der1@localhost" - - "$T/forged.pdu"
  expect 3 "der2 consumes der1's queue" consume "gridseal.der1@localhost"
  expect 3 "der2 declares der1's queue" declare "gridseal.der1@localhost"
  expect 3 "der2 consumes der1's MQTT session queue" consume "mqtt-subscription-der1@localhostqos1"
  expect 4 "der2 publishes to der1 with user_id cc@localhost" publish gridseal der1@localhost \
    "gridseal/der1@localhost/cc@localhost/up" cc@localhost "$T/forged.pdu"
  case "$out" in *"code 406"*) ;; *) echo "FAIL: user_id forgery not refused with 406" >&2; exit 1 ;; esac
  # the control: der2's own topic is allowed (so the refusals above are the ACL's)
  rc=0
  out=$("$inj" "${a[@]}" publish amq.topic "gridseal.der1@localhost.der2@localhost.up" - - \
    "$T/forged.pdu" 2>&1) || rc=$?
  echo "amqp-acl: der2 publishes on its own up topic to der1: $out"
  [ "$rc" = 0 ] || [ "$rc" = 1 ] && case "$out" in *confirmed* | *returned*) ;; *) false ;; esac ||
    { echo "FAIL: der2's own topic refused" >&2; exit 1; }
}

t0=$(date +%s%N)
case "$case_" in
  mqtt-exchange)
    mosq_start 18883
    "$bin/pubsub_mqtt" exchange "$T/pki" 18883 ;;
  mqtt-acl)
    mosq_start 18884
    "$bin/pubsub_mqtt" acl "$T/pki" 18884 ;;
  mqtt-takeover)
    mosq_start 18892
    "$bin/pubsub_mqtt" takeover "$T/pki" 18892 ;;
  mqtt-transport)
    mosq_start 18893
    "$bin/pubsub_transport" mqtt "$T/pki" 18893 ;;
  mqtt-restart)
    mosq_start 18885 --persist
    restart="$src/scripts/mqtt-broker stop --dir $T/run && \
$src/scripts/mqtt-broker start --pki $T/pki --dir $T/run --port 18885 --users '$USERS' --persist >/dev/null"
    "$bin/pubsub_mqtt" restart "$T/pki" 18885 "$restart" ;;
  mqtt-crash)
    mosq_start 18886 --persist
    restart="$src/scripts/mqtt-broker kill --dir $T/run && \
$src/scripts/mqtt-broker start --pki $T/pki --dir $T/run --port 18886 --users '$USERS' --persist >/dev/null"
    "$bin/pubsub_mqtt" crash "$T/pki" 18886 "$restart" ;;
  mqtt-reconnect)
    mosq_start 18891 --persist
    kill="$src/scripts/mqtt-broker kill --dir $T/run"
    start="$src/scripts/mqtt-broker start --pki $T/pki --dir $T/run --port 18891 --users '$USERS' \
--persist >/dev/null"
    "$bin/pubsub_mqtt" reconnect "$T/pki" 18891 "$kill" "$start" ;;
  rabbit-amqp)
    broker=rabbitmq
    "$src/scripts/amqp-broker" start --pki "$T/pki" --dir "$T/run" \
      --port 15671 --mqtt-port 18900 --dist-port 25671 --node gsamqp1 --users "$USERS"
    "$bin/pubsub_amqp" basic "$T/pki" 15671
    "$bin/pubsub_amqp" redeliver "$T/pki" 15671
    amqp_acl 15671 ;;
  rabbit-mqtt)
    broker=rabbitmq
    "$src/scripts/amqp-broker" start --pki "$T/pki" --dir "$T/run" \
      --port 15672 --mqtt-port 18901 --dist-port 25672 --node gsamqp2 --users "$USERS"
    "$bin/pubsub_mqtt" exchange "$T/pki" 18901
    "$bin/pubsub_mqtt" takeover "$T/pki" 18901 rabbitmq ;;
  *) echo "unknown case $case_" >&2; exit 2 ;;
esac
echo "$case_: $(( ($(date +%s%N) - t0) / 1000000 )) ms including broker start"
