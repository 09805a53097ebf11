#!/usr/bin/env bash
# tools/wireshark/gridseal.lua under tshark over captures of real
# associations (wireshark_gen: AEAD, integrity only, encrypt-then-MAC, every
# notice kind), in three link types and over IPv4 and IPv6:
#   - every PDU's kind, assoID, seq, flags, rekey and diag, in order;
#   - the algorithms by name, the MMS write's value decoded by Wireshark's
#     MMS dissector in integrity-only mode;
#   - no malformed packet, no expert error or warning, no Lua error;
#   - broken input (bad frame length, truncated and garbage SecPDUs) is
#     reported as an expert error of the dissector, never as a Lua error;
#   - `gridseal inspect --pcap --json` gives the same field values as the
#     dissector on the same capture (when the CLI is given).
# Exit 77 (ctest: skipped) when tshark/text2pcap are not installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
gen=$1
lua=$2
cli=${3:-}
sample=${4:-}
for tool in tshark text2pcap python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not installed (scripts/deps installs the tshark package)"
    exit 77
  fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work # no personal Wireshark profile or plugins
ts() { tshark -o tcp.check_checksum:TRUE -X lua_script:"$lua" "$@" 2>"$work/tshark.err"; }

fails=0
checked=0
fail() {
  echo "FAIL: $*"
  fails=$((fails + 1))
}
check() { # description, then the command
  local what=$1
  shift
  checked=$((checked + 1))
  if ! "$@"; then
    fail "$what"
  fi
}

# The PDUs, one line each: direction+client port, kind, assoID, seq,
# reqRekey, changedKey, rekey present (R), diag name, encrMode.
summary() {
  ts -r "$1" -Y gridseal -T fields -E separator='|' -E occurrence=a -e tcp.srcport -e tcp.dstport \
    -e gridseal.kind -e gridseal.asso_id -e gridseal.seq -e gridseal.req_rekey \
    -e gridseal.changed_key -e gridseal.rekey -e gridseal.diag_name -e gridseal.encr_mode |
    awk -F'|' '{ d = ($1 == 7001) ? "<" $2 : ">" $1; r = ($8 != "") ? "R" : "-";
                 printf "%s %s %s %s %s %s %s %s %s\n", d, $3, $4, ($5 == "" ? "-" : $5),
                   ($6 == "" ? "-" : $6), ($7 == "" ? "-" : $7), r, ($9 == "" ? "-" : $9),
                   ($10 == "" ? "-" : $10) }'
}

cat >"$work/expected" <<'EOF'
>40001 handshakeReq 1 - - - - - aead
<40001 handshakeAcc 1:1 - - - - - aead
>40001 encrTransfer 1:1 0 0 0 - - -
<40001 encrTransfer 1:1 0 0 0 - - -
>40001 encrTransfer 1:1 1 0 0 R - -
>40001 encrTransfer 1:1 2 0 0 - - -
<40001 encrTransfer 1:1 1 0 1 - - -
<40001 encrTransfer 1:1 2 0 0 - - -
<40001 encrTransfer 1:1 3 1 0 - - -
>40001 encrTransfer 1:1 3 0 0 R - -
>40001 encrTransfer 1:1 4 0 0 - - -
<40001 encrTransfer 1:1 4 0 1 - - -
<40001 encrTransfer 1:1 5 0 0 - - -
>40001 releaseReq 1:1 - - - - - -
<40001 releaseRsp 1:1 - - - - - -
>40002 handshakeReq 1 - - - - - integrity-only
<40002 handshakeAcc 1:1 - - - - - integrity-only
>40002 clearTransfer 1:1 0 0 0 - - -
<40002 clearTransfer 1:1 0 0 0 - - -
>40002 clearTransfer 1:1 1 0 0 R - -
>40002 clearTransfer 1:1 2 0 0 - - -
<40002 clearTransfer 1:1 1 0 1 - - -
<40002 clearTransfer 1:1 2 0 0 - - -
>40002 applAbort 1:1 - - - - - -
>40003 handshakeReq 1 - - - - - encrypt-then-MAC
<40003 handshakeAcc 1:1 - - - - - encrypt-then-MAC
>40003 encrTransfer,encrTransfer 1:1,1:1 0,1 0,0 0,0 - - -
<40003 encrTransfer 1:1 0 0 0 - - -
<40003 encrTransfer 1:1 1 0 0 - - -
>40003 encrTransfer 1:1 2 0 0 R - -
>40003 encrTransfer 1:1 3 0 0 - - -
<40003 encrTransfer 1:1 2 0 1 - - -
<40003 encrTransfer 1:1 3 0 0 - - -
>40003 releaseReq 1:1 - - - - - -
<40003 releaseRsp 1:1 - - - - - -
>40004 handshakeReq 1 - - - - - aead
<40004 applicationReject 1:1 - - - - - -
>40005 handshakeReq 1 - - - - - aead
<40005 handshakeSecReject 1 - - - - too-many-associations -
>40006 handshakeReq 1 - - - - - aead
<40006 handshakeAcc 1:1 - - - - - aead
>40006 handshakeSecAbort 1:1 - - - - peer-not-authorized -
>40007 handshakeReq 1 - - - - - encrypt-then-MAC
<40007 handshakeAcc 1:1 - - - - - encrypt-then-MAC
>40007 encrTransfer 1:1 0 0 0 - - -
<40007 dtSecAbort 1:1 - - - - aes-init-vector-required -
EOF

clean() { # capture: no malformed packet, expert error/warning or Lua error
  local cap=$1 bad=0
  ts -r "$cap" -V >"$work/tree"
  grep -v "Running as user" "$work/tshark.err" >"$work/stderr" || true
  ts -r "$cap" -q -z expert >"$work/expert"
  grep -qE "Malformed|Lua Error|dissector failure" "$work/tree" && bad=1
  grep -qE "^(Errors|Warnings) \(" "$work/expert" && bad=1
  [ -s "$work/stderr" ] && bad=1
  if [ "$bad" -ne 0 ]; then
    grep -E "Malformed|Lua Error|dissector failure" "$work/tree" | head -5
    cat "$work/expert" "$work/stderr"
    return 1
  fi
}

for variant in "eth 4" "sll 4" "null 4" "eth 6" "sll 6"; do
  set -- $variant
  cap="$work/cap-$1-$2.pcap"
  "$gen" "$cap" "$1" "$2"
  summary "$cap" >"$work/got"
  check "$variant: every PDU decoded with the expected fields" diff -u "$work/expected" "$work/got"
  check "$variant: no malformed packet, expert error/warning or Lua error" clean "$cap"
done
cap="$work/cap-eth-4.pcap"

field_is() { # description, display filter, field, expected value
  local got
  checked=$((checked + 1))
  if ! got=$(ts -r "$cap" -Y "$2" -T fields -E occurrence=a -e "$3" | sort -u | paste -sd' '); then
    fail "$1: tshark failed on $3: $(grep -v 'Running as' "$work/tshark.err")"
    return 0
  fi
  if [ "$got" != "$4" ]; then
    fail "$1: $3 is '$got', expected '$4'"
  fi
}

q='tcp.srcport==40001 && gridseal.kind==handshakeReq'
field_is "AEAD request" "$q" gridseal.pp "IEC61850-8-2"
field_is "AEAD request" "$q" gridseal.sig_alg "ecdsa-with-SHA256"
field_is "AEAD request" "$q" gridseal.hmac "hmacWithSHA256"
field_is "AEAD request" "$q" gridseal.dh_group "19"
field_is "AEAD request" "$q" gridseal.version "1"
field_is "AEAD request" "$q" gridseal.aead_alg "aes256-GCM,aes128-GCM,id-alg-AEADChaCha20Poly1305"
field_is "AEAD request" "$q" gridseal.conf_params "applProtected"
field_is "AEAD request" "$q" gridseal.pk_cert_subject "CN=urn:gridseal:cc"
field_is "AEAD request" "$q" mms.localDetailCalling "65000"
q='tcp.dstport==40001 && gridseal.kind==handshakeAcc'
field_is "AEAD acceptance" "$q" gridseal.aead_alg "aes256-GCM"
field_is "AEAD acceptance" "$q" gridseal.pk_cert_subject "CN=urn:gridseal:der1"
q='tcp.port==40001 && gridseal.kind==encrTransfer && gridseal.seq==0'
field_is "AEAD data" "$q" gridseal.auth_alg ""
field_is "AEAD data: 12-octet nonce" "$q and len(gridseal.iv)==12" gridseal.seq "0"
q='tcp.srcport==40002 && gridseal.kind==handshakeReq'
field_is "integrity-only request" "$q" gridseal.icv_alg "hmacWithSHA256,hmacWithSHA384"
field_is "integrity-only request" "$q" gridseal.encr_alg ""
field_is "integrity-only request" "$q" gridseal.conf_params "none"
q='tcp.srcport==40002 && gridseal.kind==clearTransfer && gridseal.seq==0'
field_is "integrity-only write" "$q" gridseal.auth_alg "hmacWithSHA256"
field_is "integrity-only write" "$q" gridseal.iv ""
field_is "integrity-only write, MMS" "$q" mms.confirmedServiceRequest "5"
field_is "integrity-only write, MMS" "$q" mms.itemId 'DWMX1$CO$WMaxSpt$Oper'
# 2500 W = 0x451c4000 (floating-point: exponent width 8, IEEE single).
field_is "integrity-only write, MMS value" "$q" mms.floating_point "08451c4000"
field_is "integrity-only write, MMS" "$q" mms.data.octet-string "434331"
q='tcp.dstport==40002 && gridseal.kind==clearTransfer && gridseal.seq==0'
field_is "integrity-only write response, MMS" "$q" mms.Write_Response_item "1"
q='tcp.srcport==40003 && gridseal.kind==handshakeReq'
field_is "encrypt-then-MAC request" "$q" gridseal.encr_alg "aes256-CBC,aes128-CBC"
q='tcp.dstport==40003 && gridseal.kind==encrTransfer && gridseal.seq==1'
field_is "encrypt-then-MAC data" "$q" gridseal.auth_alg "hmacWithSHA256"
field_is "encrypt-then-MAC data: 16-octet IV" "$q and len(gridseal.iv)==16" gridseal.seq "1"
field_is "encrypt-then-MAC data: 32-octet ICV" "$q and len(gridseal.icv)==32" gridseal.seq "1"
q='gridseal.kind==handshakeSecReject'
field_is "handshakeSecReject" "$q" gridseal.diag "27"
field_is "handshakeSecReject, pkCert (no association yet)" "$q" gridseal.pk_cert_subject \
  "CN=urn:gridseal:der1"
field_is "handshakeSecReject" "$q" gridseal.binding ""
q='gridseal.kind==handshakeSecAbort'
field_is "handshakeSecAbort" "$q" gridseal.diag "26"
q='gridseal.kind==dtSecAbort'
field_is "dtSecAbort" "$q" gridseal.diag "7"
field_is "dtSecAbort: binding of 32 octets" "$q and len(gridseal.binding)==32" gridseal.diag "7"
q='gridseal.kind==applicationReject'
field_is "applicationReject, MMS" "$q" mms.errorClass "8"
q='gridseal.kind==releaseRsp && tcp.dstport==40001'
field_is "releaseRsp, binding" "$q and len(gridseal.binding)==32" gridseal.asso_id "1:1"
# The HandshakeReq of 40001 was split inside its length prefix.
field_is "reassembly" "tcp.srcport==40001 && gridseal.kind==handshakeReq" tcp.reassembled.length \
  "$(ts -r "$cap" -Y "tcp.srcport==40001 && gridseal.kind==handshakeReq" -T fields -e gridseal.frame_len |
    awk '{print $1 + 4}')"

# ---- broken input: expert errors of the dissector, no Lua error ----
broken() { # name, expected expert text, hex of the TCP payload
  local name=$1 want=$2 hex=$3
  echo "$hex" | sed 's/../& /g; s/^/0000 /' >"$work/$name.txt"
  text2pcap -q -T 40100,7001 "$work/$name.txt" "$work/$name.pcap" >/dev/null 2>&1
  ts -r "$work/$name.pcap" -V >"$work/$name.tree"
  checked=$((checked + 1))
  if ! grep -qF -- "$want" "$work/$name.tree" || grep -qE "Lua Error|dissector failure" "$work/$name.tree"; then
    fail "broken input $name: no '$want' (or a Lua error)"
    sed -n '/^gridseal/,$p' "$work/$name.tree"
  fi
}
broken zero_length "frame length 0 outside 1..65536" 00000000a0
broken huge_length "frame length 4294967295 outside 1..65536" ffffffffa0
broken not_secpdu "not a SecPDU alternative (identifier 0x30)" 000000023000
broken unknown_alt "not a SecPDU alternative (identifier 0xab)" 00000002ab00
broken truncated "extends past its container" 00000004a9103000
broken indefinite "indefinite length (not DER)" 00000004a9803000
broken long_len "length of more than 4 octets" 00000004a9850000
broken nonminimal "non-minimal length (not DER)" 00000005a981003000
broken empty_tbp "assoID: missing" 00000006a90430023000
broken bad_asso "assoID: not of the form c or c:s" \
  00000025a9233021301c13063132333a3478180f32303235303130313030303030305a020100040178
broken bad_time "time: not a profile GeneralizedTime" \
  00000024a9223020301b1303313a31181132303235303130313030303030302e305a020100040178
broken false_bool "changedKey: DEFAULT FALSE encoded" \
  00000025a9233021301c1303313a31180f32303235303130313030303030305a020100830100040178
broken short_asso "assoID: not the full form c:s of a ClearToken2" \
  00000020a91e301c3017130131180f32303235303130313030303030305a020100040178

# ---- the reference samples (tests/common/pdu_samples.h): certPath, attCert
# and the diagnostics of every notice kind; their applData is not real MMS,
# so the MMS hand-off is switched off (the gridseal.mms preference) ----
if [ -n "$sample" ]; then
  : >"$work/samples.txt"
  for k in 0 1 2 3 4 5 6 7 8 9 10; do
    "$sample" "$k" >"$work/s$k.der"
    n=$(stat -c %s "$work/s$k.der")
    { printf '%08x' "$n"; xxd -p "$work/s$k.der" | tr -d '\n'; } | sed 's/../& /g; s/^/0000 /' \
      >>"$work/samples.txt"
    printf '\n\n' >>"$work/samples.txt"
  done
  text2pcap -q -F pcap -T 40200,7001 "$work/samples.txt" "$work/samples.pcap" >/dev/null 2>&1
  scap="$work/samples.pcap"
  sf() { # frame number, field, expected
    checked=$((checked + 1))
    local got
    got=$(ts -o gridseal.mms:FALSE -r "$scap" -Y "frame.number==$1" -T fields -E occurrence=a -e "$2")
    [ "$got" = "$3" ] || fail "sample frame $1: $2 is '$got', expected '$3'"
  }
  sf 1 gridseal.cert_path_count 1
  sf 1 gridseal.dh_group 19,31
  sf 1 gridseal.conf_params tlsProtected,applProtected
  sf 4 gridseal.cert_path_count 2
  sf 4 gridseal.diag_name invalid-time-value
  sf 5 gridseal.diag_name invalid-time-value
  sf 6 gridseal.diag_name invalid-time-value
  sf 11 gridseal.rekey ""
  sf 11 gridseal.seq 42
  sf 2 gridseal.att_cert_len 48
  # Another port: by the preference, or by "Decode As".
  text2pcap -q -F pcap -T 40300,9999 "$work/samples.txt" "$work/port9999.pcap" >/dev/null 2>&1
  for how in "-o gridseal.tcp_ports:9990-9999" "-d tcp.port==9999,gridseal"; do
    checked=$((checked + 1))
    # shellcheck disable=SC2086
    n=$(ts -o gridseal.mms:FALSE $how -r "$work/port9999.pcap" -Y gridseal -T fields -e gridseal.kind | wc -l)
    [ "$n" -eq 11 ] || fail "port 9999 with $how: $n SecPDUs, expected 11"
  done
  checked=$((checked + 1))
  n=$(ts -r "$work/port9999.pcap" -Y gridseal -T fields -e gridseal.kind | wc -l)
  [ "$n" -eq 0 ] || fail "port 9999 decoded without being configured"
  # A raw SecPDU, without the framing: the dissector gridseal.secpdu.
  xxd -p "$work/s5.der" | tr -d '\n' | sed 's/../& /g; s/^/0000 /' >"$work/raw5.txt"
  text2pcap -q -P gridseal.secpdu "$work/raw5.txt" "$work/raw5.pcapng" >/dev/null 2>&1
  checked=$((checked + 1))
  got=$(ts -r "$work/raw5.pcapng" -T fields -e gridseal.kind -e gridseal.diag_name)
  [ "$got" = "$(printf 'dtSecAbort\tinvalid-time-value')" ] || fail "raw SecPDU: '$got'"
  ts -o gridseal.mms:FALSE -r "$scap" -V >"$work/samples.tree"
  checked=$((checked + 1))
  if grep -qE "Malformed|Lua Error|dissector failure" "$work/samples.tree"; then
    fail "samples: malformed report"
  fi
fi

# ---- gridseal inspect --pcap --json against the dissector ----
if [ -n "$cli" ]; then
  for variant in "eth 4" "sll 6" "null 4"; do
    set -- $variant
    cap="$work/cap-$1-$2.pcap"
    fields="kind asso_id seq req_rekey changed_key rekey iv icv auth_alg diag diag_name sig_alg hmac
            dh_group dh_public time pp version encr_mode aead_alg encr_alg icv_alg conf_params
            pk_cert_len pk_cert_subject binding appl_data_len signature_len frame_len"
    args=()
    for f in $fields; do args+=(-e "gridseal.$f"); done
    ts -r "$cap" -Y gridseal -T fields -E separator='|' -E occurrence=a -e frame.number "${args[@]}" \
      >"$work/dissector.txt"
    if ! "$cli" inspect --pcap "$cap" --json >"$work/inspect.json" 2>"$work/inspect.err"; then
      fail "inspect --pcap --json $variant failed"
      cat "$work/inspect.err"
      continue
    fi
    checked=$((checked + 1))
    if ! python3 "$here/wireshark_compare.py" "$work/inspect.json" "$work/dissector.txt" $fields; then
      fail "inspect --pcap --json $variant differs from the dissector"
    fi
  done
fi

if [ "$fails" -ne 0 ]; then
  echo "wireshark_tshark: $fails failures ($checked checks)"
  exit 1
fi
echo "wireshark_tshark: $checked checks passed"
