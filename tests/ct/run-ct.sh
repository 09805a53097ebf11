#!/usr/bin/env bash
# run-ct.sh CT_CHECK check|negative SUPP
#   check:    valgrind must report nothing (exit 0)
#   negative: valgrind must report a secret-dependent branch in the control,
#             ct_leaky_equal (tests/ct/ct_leak.c)
set -uo pipefail
BIN=$1 MODE=$2 SUPP=$3
if ! command -v valgrind >/dev/null 2>&1; then
  echo "ct: valgrind not installed; skipped"
  exit 77
fi
args=()
[ "$MODE" = negative ] && args=(--negative)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
valgrind --tool=memcheck --track-origins=yes --error-exitcode=42 --leak-check=no \
  --suppressions="$SUPP" --log-file="$log" "$BIN" "${args[@]}"
rc=$?
cat "$log"
if [ "$MODE" = check ]; then
  [ "$rc" -eq 0 ] && { echo "ct check: clean"; exit 0; }
  echo "ct check: FAILED (exit $rc): secret-dependent branch or index above" >&2
  exit 1
fi
# The control must be reported as itself: a "depends on uninitialised
# value" error whose stack names ct_leaky_equal (a noinline function of its
# own file, so the name survives every optimisation level).
reported() {
  awk '/^==[0-9]+== (Conditional jump or move|Use of uninitialised value)/ { rec = 1; next }
       rec && /^==[0-9]+== *$/ { rec = 0; next }
       rec && /^==[0-9]+== +(at|by) .*ct_leaky_equal/ { found = 1 }
       END { exit found ? 0 : 1 }' "$1"
}
if [ "$rc" -eq 42 ] && reported "$log"; then
  echo "ct negative control: reported as expected"
  exit 0
fi
echo "ct negative control: NOT reported (exit $rc); the check is blind" >&2
exit 1
