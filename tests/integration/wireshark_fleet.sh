#!/usr/bin/env bash
# A loopback capture of a short real TCP fleet run (gridseal der x2 +
# gridseal cc, integrity only, a set-point and a key update), decoded by
# tools/wireshark/gridseal.lua under tshark without a malformed packet or
# an expert error/warning, and by `gridseal inspect --pcap --json` with the
# same field values. Needs capture rights on lo (dumpcap as root or with
# its capabilities): skipped (exit 77) with a message otherwise.
# Usage: wireshark_fleet.sh GRIDSEAL LUA WORKDIR PORTBASE
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
G=$1 LUA=$2 WORK=$3 BASE=$4
for tool in tshark dumpcap python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not installed (scripts/deps installs the tshark package)"
    exit 77
  fi
done
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
export HOME=$WORK
fail() {
  echo "FAIL (wireshark_fleet): $*"
  for f in *.out; do
    [ -f "$f" ] && { echo "==== $f"; tail -20 "$f"; }
  done
  exit 1
}
ports="$((BASE + 1))-$((BASE + 2))"

# Capture rights: the capture on lo must start; without the rights the
# test is skipped, any other failure of dumpcap is one.
dumpcap -P -i lo -f "tcp portrange $ports" -w cap.pcap >dumpcap.out 2>&1 &
DUMPCAP=$!
PIDS="$PIDS $DUMPCAP"
i=0
while ! grep -q "^Capturing on" dumpcap.out 2>/dev/null; do
  if ! kill -0 "$DUMPCAP" 2>/dev/null; then
    if grep -qiE "permission|not permitted|privileges" dumpcap.out; then
      echo "SKIP: no capture rights on lo: $(head -c 300 dumpcap.out)"
      exit 77
    fi
    fail "dumpcap did not start: $(head -c 300 dumpcap.out)"
  fi
  i=$((i + 1))
  [ $i -le 50 ] || fail "dumpcap did not start capturing"
  sleep 0.1
done
sleep 0.3

"$G" pki init pki --ders 2 >/dev/null || fail "pki init"
for n in 1 2; do
  sed -i "s/127\.0\.0\.1:700$n\$/127.0.0.1:$((BASE + n))/" pki/*.conf
done
sed -i 's/^report_interval = .*/report_interval = 1s/; s/^reconnect_max = .*/reconnect_max = 1s/' \
  pki/*.conf
sed -i 's/^mode = .*/mode = integrity-only/; s/^encryption_policy = .*/encryption_policy = optional/' \
  pki/*.conf
for n in 1 2; do
  "$G" der --config "pki/der$n.conf" --events "der$n.jsonl" >"der$n.out" 2>&1 &
  PIDS="$PIDS $!"
  i=0
  while ! grep -q listening "der$n.out" 2>/dev/null; do
    i=$((i + 1))
    [ $i -le 50 ] || fail "der$n did not start"
    sleep 0.1
  done
done
"$G" cc --config pki/cc.conf --events cc.jsonl --run-for 6 --set der2=2500 --rekey-after 3 \
  </dev/null >cc.out 2>&1 ||
  fail "cc exited with $?"
sleep 0.5
kill -INT "$DUMPCAP"
wait "$DUMPCAP" || true
[ -s cap.pcap ] || fail "no capture written"

ts() { tshark -o "gridseal.tcp_ports:$ports" -X lua_script:"$LUA" "$@" 2>tshark.err; }
fails=0
bad() {
  echo "FAIL: $*"
  fails=$((fails + 1))
}
ts -r cap.pcap -V >tree.txt
ts -r cap.pcap -q -z expert >expert.txt
if grep -qE "Malformed|Lua Error|dissector failure" tree.txt || grep -qE "^(Errors|Warnings) \(" expert.txt ||
  grep -v "Running as user" tshark.err | grep -q .; then
  grep -E "Malformed|Lua Error|dissector failure" tree.txt | head -5
  cat expert.txt tshark.err
  bad "tshark reports a malformed packet, an expert error/warning or a Lua error"
fi
ts -r cap.pcap -Y gridseal -T fields -E occurrence=a -e gridseal.kind | tr ',' '\n' | sort | uniq -c \
  >kinds.txt
for k in handshakeReq handshakeAcc clearTransfer releaseReq releaseRsp; do
  n=$(awk -v k="$k" '$2 == k { print $1 }' kinds.txt)
  [ "${n:-0}" -ge 2 ] || bad "expected >= 2 $k (one per DER), got ${n:-0}"
done
n=$(ts -r cap.pcap -Y 'gridseal.changed_key == 1' -T fields -e frame.number | wc -l)
[ "$n" -ge 2 ] || bad "expected a changedKey PDU from each DER, got $n"
n=$(ts -r cap.pcap -Y 'gridseal.rekey' -T fields -e frame.number | wc -l)
[ "$n" -ge 2 ] || bad "expected a rekey value to each DER, got $n"
# The set-point write of 2500 W (0x451c4000), decoded by the MMS dissector.
ts -r cap.pcap -Y 'gridseal.kind == "clearTransfer" && mms.itemId contains "WMaxSpt"' -T fields \
  -e mms.floating_point >write.txt
grep -q "^08451c4000" write.txt || bad "no MMS write of 2500 W decoded ($(head -c 100 write.txt))"
ts -r cap.pcap -Y 'gridseal.kind == "clearTransfer"' -T fields -e gridseal.auth_alg | sort -u >auth.txt
[ "$(cat auth.txt)" = "hmacWithSHA256" ] || bad "clearTransfer authenticators: $(cat auth.txt)"

fields="kind asso_id seq req_rekey changed_key rekey iv icv auth_alg diag diag_name sig_alg hmac
        dh_group dh_public time pp version encr_mode aead_alg encr_alg icv_alg conf_params
        pk_cert_len pk_cert_subject binding appl_data_len signature_len frame_len responder"
args=()
for f in $fields; do args+=(-e "gridseal.$f"); done
ts -r cap.pcap -Y gridseal -T fields -E separator='|' -E occurrence=a -e frame.number "${args[@]}" \
  >dissector.txt
"$G" inspect --pcap cap.pcap --port "$ports" --json >inspect.json 2>inspect.err ||
  bad "inspect --pcap failed: $(head -c 300 inspect.err)"
python3 "$here/wireshark_compare.py" inspect.json dissector.txt $fields ||
  bad "inspect --pcap --json differs from the dissector"

/usr/bin/python3 "$here/check_events.py" cc.jsonl der1.jsonl der2.jsonl >events.check 2>&1 || {
  echo "FAIL: events that do not match docs/events.schema.json"
  cat events.check
  fails=$((fails + 1))
}

if [ "$fails" -ne 0 ]; then
  echo "wireshark_fleet: $fails failures"
  exit 1
fi
echo "wireshark_fleet: $(wc -l <dissector.txt) frames with SecPDUs decoded, $(tr -d ' ' <kinds.txt | paste -sd' ')"
