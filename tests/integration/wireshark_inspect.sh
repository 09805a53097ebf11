#!/usr/bin/env bash
# `gridseal inspect` beyond one PDU: several SecPDUs back to back, the TCP
# framing (--framed, raw and hex), a capture (--pcap, text and --json), the
# usage errors (exit 2) and bad framed and capture input (exit 1, one clear
# message naming the file and the problem).
# Usage: wireshark_inspect.sh GRIDSEAL SAMPLE_PDU WIRESHARK_GEN
set -euo pipefail
G=$1 SAMPLE=$2 GEN=$3
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fails=0
ok() { printf 'ok   %s\n' "$1"; }
bad() {
  printf 'FAIL %s\n' "$1"
  fails=$((fails + 1))
}
# expect_fail NAME EXIT REGEX cmd...: exit code and a message on stderr
expect_fail() {
  local name=$1 code=$2 re=$3
  shift 3
  local rc=0
  "$@" >"$W/out" 2>"$W/err" || rc=$?
  if [ "$rc" -eq "$code" ] && grep -Eq -e "$re" "$W/err"; then
    ok "$name"
  else
    bad "$name (exit $rc, stderr: $(head -c 300 "$W/err"))"
  fi
}
frame() { # DER file -> framed octets on stdout
  local n
  n=$(stat -c %s "$1")
  printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n >> 24 & 255)) $((n >> 16 & 255)) \
    $((n >> 8 & 255)) $((n & 255)))"
  cat "$1"
}

"$SAMPLE" 0 >"$W/hsreq.der"
"$SAMPLE" 5 >"$W/abort.der"
"$SAMPLE" mms >"$W/mms.der"

# ---- several SecPDUs back to back, and --framed ----
cat "$W/hsreq.der" "$W/abort.der" "$W/mms.der" >"$W/three.der"
"$G" inspect "$W/three.der" >"$W/o1"
[ "$(grep -c '^SecPDU ' "$W/o1")" -eq 3 ] && grep -q "SecPDU dtSecAbort" "$W/o1" &&
  grep -q "diag: 10 (invalid-time-value)" "$W/o1" && ok "three SecPDUs back to back" ||
  bad "three SecPDUs back to back"
{ frame "$W/hsreq.der"; frame "$W/abort.der"; frame "$W/mms.der"; } >"$W/three.framed"
"$G" inspect --framed "$W/three.framed" >"$W/o2"
grep -q "SecPDU handshakeReq (.* octets, framed)" "$W/o2" && [ "$(grep -c '^SecPDU ' "$W/o2")" -eq 3 ] &&
  ok "--framed, three frames" || bad "--framed, three frames"
xxd -p "$W/three.framed" >"$W/three.hex"
"$G" inspect --framed --json <"$W/three.hex" >"$W/o3"
python3 - "$W/o3" "$(stat -c %s "$W/hsreq.der")" <<'EOF' && ok "--framed --json from hex on stdin" || bad "--framed --json"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["index"] for r in recs] == [1, 2, 3], recs
assert [r["kind"] for r in recs] == ["handshakeReq", "dtSecAbort", "clearTransfer"]
assert recs[0]["frame_len"] == int(sys.argv[2])
assert recs[1]["diag"] == 10 and recs[1]["diag_name"] == "invalid-time-value"
assert recs[2]["seq"] == 7 and recs[2]["mms"] == "confirmed-RequestPDU"
assert recs[2]["auth_alg"] == "hmacWithSHA256" and recs[2]["req_rekey"] is False
EOF

# ---- bad framed input ----
printf '\x00\x00' >"$W/short.framed"
expect_fail "--framed: truncated length" 1 "short.framed: offset 0: truncated frame length \(2 of 4 octets\)" \
  "$G" inspect --framed "$W/short.framed"
printf '\x00\x00\x00\x00\xa9' >"$W/zero.framed"
expect_fail "--framed: length 0" 1 "zero.framed: offset 0: frame length 0 outside 1..65536" \
  "$G" inspect --framed "$W/zero.framed"
{ frame "$W/abort.der"; printf '\x7f\xff\xff\xff\xa9\x00'; } >"$W/huge.framed"
expect_fail "--framed: huge length after a good frame" 1 \
  "huge.framed: offset [0-9]+: frame length 2147483647 outside 1..65536" "$G" inspect --framed "$W/huge.framed"
grep -q "SecPDU dtSecAbort" "$W/out" && ok "--framed: the good frame before the bad one is shown" ||
  bad "--framed: good frame before the bad one"
{ frame "$W/abort.der"; } | head -c 50 >"$W/cut.framed"
expect_fail "--framed: truncated body" 1 "cut.framed: offset 0: truncated frame \(46 of [0-9]+ octets\)" \
  "$G" inspect --framed "$W/cut.framed"
{ printf '\x00\x00\x00\x02\x30\x00'; } >"$W/notsec.framed"
expect_fail "--framed: a frame that is no SecPDU" 1 "notsec.framed: cannot decode SecPDU \(framed input, 2 octets\)" \
  "$G" inspect --framed "$W/notsec.framed"

# ---- --pcap ----
"$GEN" "$W/fleet.pcap" eth 4
"$G" inspect --pcap "$W/fleet.pcap" >"$W/o4"
grep -q "^frame 5  .*  127.0.0.2:40001 -> 127.0.0.1:7001$" "$W/o4" &&
  [ "$(grep -c '^SecPDU ' "$W/o4")" -eq 47 ] && grep -q "diag: 27 (too-many-associations)" "$W/o4" &&
  ok "--pcap: 47 SecPDUs with their frames" || bad "--pcap text ($(grep -c '^SecPDU ' "$W/o4") SecPDUs)"
"$G" inspect --pcap "$W/fleet.pcap" --json >"$W/o5"
python3 - "$W/o5" <<'EOF' && ok "--pcap --json" || bad "--pcap --json"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 47, len(recs)
kinds = {r["kind"] for r in recs}
assert len(kinds) == 11, kinds
w = [r for r in recs if r["kind"] == "clearTransfer" and r["seq"] == 0 and r["dst"].endswith(":7001")]
assert len(w) == 1 and w[0]["mms"] == "confirmed-RequestPDU", w
assert all(r["frame_len"] > 0 and "src" in r for r in recs)
EOF
expect_fail "--pcap --port with no SecPDU there" 1 "fleet.pcap: no SecPDU on TCP ports 8000-8001" \
  "$G" inspect --pcap "$W/fleet.pcap" --port 8000-8001
expect_fail "--pcap: not a capture" 1 "hsreq.der: not a pcap capture: bad magic a0" \
  "$G" inspect --pcap "$W/hsreq.der"
head -c 130 "$W/fleet.pcap" >"$W/cut.pcap"
expect_fail "--pcap: truncated record" 1 "cut.pcap: record 2: truncated \(20 of 54 octets\)" "$G" inspect --pcap "$W/cut.pcap"
head -c 20 "$W/fleet.pcap" >"$W/tiny.pcap"
expect_fail "--pcap: truncated file header" 1 "tiny.pcap: not a pcap capture: 20 octets" \
  "$G" inspect --pcap "$W/tiny.pcap"
expect_fail "--pcap: missing file" 1 "nope.pcap: cannot open" "$G" inspect --pcap "$W/nope.pcap"
# A capture whose first data segment of a connection is lost: the
# direction's error is reported, and the other directions still decode.
python3 - "$W/fleet.pcap" "$W/gap.pcap" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
out, off, rec = [d[:24]], 24, 0
while off < len(d):
    n = int.from_bytes(d[off + 8:off + 12], "little")
    rec += 1
    if rec != 7:  # the first encrTransfer of 40001
        out.append(d[off:off + 16 + n])
    off += 16 + n
open(sys.argv[2], "wb").write(b"".join(out))
EOF
expect_fail "--pcap: missing segment" 1 \
  "gap.pcap: frame 8, 127.0.0.2:40001 -> 127.0.0.1:7001: TCP segment missing: [0-9]+ octets not in the capture" \
  "$G" inspect --pcap "$W/gap.pcap"
[ "$(grep -c '^SecPDU ' "$W/out")" -gt 30 ] && ok "--pcap: later directions still decode" ||
  bad "--pcap: later directions after a gap"

# ---- usage errors: exit 2 ----
expect_fail "unknown option" 2 "inspect: unknown option '--frames'" "$G" inspect --frames x
expect_fail "--pcap without a file" 2 "inspect: option '--pcap' needs a value" "$G" inspect --pcap
expect_fail "--pcap and FILE" 2 "inspect: --pcap FILE takes no other input" \
  "$G" inspect --pcap "$W/fleet.pcap" "$W/hsreq.der"
expect_fail "--pcap and --framed" 2 "inspect: --pcap FILE takes no other input and no --framed" \
  "$G" inspect --pcap "$W/fleet.pcap" --framed
expect_fail "--port without --pcap" 2 "inspect: --port applies to --pcap only" \
  "$G" inspect --port 7001 "$W/hsreq.der"
expect_fail "--port out of range" 2 "inspect: --port: '70000' is not a port" \
  "$G" inspect --pcap "$W/fleet.pcap" --port 70000
expect_fail "--port reversed" 2 "inspect: --port: '7099-7001' is not a port" \
  "$G" inspect --pcap "$W/fleet.pcap" --port 7099-7001
expect_fail "two files" 2 "inspect: expected at most one FILE" "$G" inspect a b

if [ "$fails" -ne 0 ]; then
  echo "wireshark_inspect: $fails failures"
  exit 1
fi
echo "wireshark_inspect: all passed"
