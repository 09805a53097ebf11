#!/usr/bin/env bash
# Our MMS encoder's PDUs (from mms_tshark_gen) decoded by Wireshark's MMS
# dissector: text2pcap -P mms, then tshark -V. Asserts the decoded fields
# and that no PDU is malformed or raises an expert-info warning or error.
# Exit 77 (ctest: skipped) when tshark/text2pcap are not installed.
set -euo pipefail
gen=$1
for tool in tshark text2pcap; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not installed (scripts/deps installs the tshark package)"
    exit 77
  fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$gen" >"$work/pdus.txt"

fails=0
checked=0
decode() { # name hex -> $work/name.tree
  local name=$1 hex=$2
  echo "$hex" | sed 's/../& /g; s/^/0000 /' >"$work/$name.txt"
  text2pcap -q -P mms "$work/$name.txt" "$work/$name.pcapng" >/dev/null 2>&1
  tshark -r "$work/$name.pcapng" -V 2>/dev/null | sed -n '/^MMS/,$p' >"$work/$name.tree"
  tshark -r "$work/$name.pcapng" -q -z expert 2>/dev/null >"$work/$name.expert"
}
expect() { # name line...: every line must appear (fixed string, trimmed)
  local name=$1
  shift
  for want in "$@"; do
    checked=$((checked + 1))
    if ! sed 's/^ *//' "$work/$name.tree" | grep -qxF -- "$want"; then
      echo "FAIL $name: missing '$want'"
      fails=$((fails + 1))
    fi
  done
}

while read -r name hex; do
  decode "$name" "$hex"
  if grep -q "Malformed" "$work/$name.tree" || grep -qE "^(Errors|Warnings) \(" "$work/$name.expert"; then
    echo "FAIL $name: dissector reports a malformed PDU or an expert error/warning"
    cat "$work/$name.tree" "$work/$name.expert"
    fails=$((fails + 1))
  fi
done <"$work/pdus.txt"

expect initiate_request "initiate-RequestPDU" "localDetailCalling: 65000" \
  "proposedMaxServOutstandingCalling: 5" "proposedMaxServOutstandingCalled: 5" \
  "proposedDataStructureNestingLevel: 10" "proposedVersionNumber: 1" \
  "proposedParameterCBB: f100" "1... .... = str1: True" "...1 .... = valt: True" \
  ".... 1... = read: True" ".... .1.. = write: True" \
  ".... ...1 = informationReport: True" "...1 .... = conclude: True"
expect initiate_response "initiate-ResponsePDU" "localDetailCalled: 65000" \
  "negociatedMaxServOutstandingCalling: 5" "negociatedVersionNumber: 1" \
  "servicesSupportedCalled: 6e08000000000000000110"
expect read_request "confirmed-RequestPDU" "invokeID: 7" "confirmedServiceRequest: read (4)" \
  "listOfVariable: 3 items" "domainId: DER1" "itemId: MMXU1\$MX\$TotW\$mag\$f" \
  "itemId: DGEN1\$ST\$DEROpSt\$stVal" "itemId: MMXU1\$MX\$TotW"
expect read_response "confirmed-ResponsePDU" "invokeID: 7" "confirmedServiceResponse: read (4)" \
  "listOfAccessResult: 3 items" "success: floating-point (7)" "integer: 2" \
  "structure: 3 items" "utc-time: Jun 21, 2026 12:00:00.000000000 UTC"
# 2500 W = 0x451c4000 (floating-point: exponent width 8, IEEE single).
expect write_request "confirmed-RequestPDU" "invokeID: 8" "confirmedServiceRequest: write (5)" \
  "domainId: DER1" "itemId: DWMX1\$CO\$WMaxSpt\$Oper" "structure: 6 items" \
  "floating-point: 08451c4000" "octet-string: 434331" "unsigned: 3" "boolean: False" \
  "utc-time: Jun 21, 2026 12:00:00.000000000 UTC"
expect write_response "confirmed-ResponsePDU" "invokeID: 8" "confirmedServiceResponse: write (5)" \
  "Write-Response item: success (1)"
expect write_denied "invokeID: 9" "Write-Response item: failure (0)" \
  "failure: object-access-denied (3)"
expect write_value_invalid "invokeID: 10" "failure: object-value-invalid (11)"
expect confirmed_error "confirmed-ErrorPDU" "invokeID: 11" "errorClass: access (7)" \
  "access: object-access-denied (3)"
expect information_report "unconfirmed-PDU" "unconfirmedService: informationReport (0)" \
  "variableListName: vmd-specific (0)" "vmd-specific: RPT" "listOfAccessResult: 12 items" \
  "visible-string: DER1/LLN0\$RP\$urcbMeas01" "visible-string: DER1/LLN0\$Measurements" \
  "floating-point: 08451c4000" "integer: 3" "utc-time: Jun 21, 2026 12:01:00.000000000 UTC"
expect conclude_request "conclude-RequestPDU"
expect conclude_response "conclude-ResponsePDU"
expect reject "rejectPDU" "originalInvokeID: 12" "rejectReason: confirmed-requestPDU (1)" \
  "confirmed-requestPDU: value-out-of-range (9)"

n=$(wc -l <"$work/pdus.txt")
if [ "$fails" -ne 0 ]; then
  echo "mms_tshark: $fails failures"
  exit 1
fi
echo "mms_tshark: $n PDUs decoded by tshark without errors, $checked fields matched"
