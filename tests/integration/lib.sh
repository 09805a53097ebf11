# Shared by the integration scripts (POSIX sh; source it after `set -eu`):
#   . "$(dirname "$0")/lib.sh"
#   gs_work DIR     a fresh, empty work directory, entered; every PID added
#                   to $PIDS is killed (SIGKILL) when the script exits, then
#                   the command in $GS_ON_EXIT runs (e.g. a broker's stop)
#   fail MSG        "FAIL (SCEN): MSG", then each file matching $FAIL_FILES
#                   (default "*.out *.jsonl"; at most $FAIL_LINES lines of
#                   each, default 200), exit 1
#   count PATTERN FILE                 matching lines; 0 when FILE is missing
#   expect_ge|expect_le|expect_eq N PATTERN FILE WHAT
#   expect_none PATTERN FILE WHAT
#   wait_for PATTERN FILE SECONDS WHAT a line matching PATTERN in FILE
#   check_events FILE...               every line matches docs/events.schema.json
# SCEN (the scenario named in a failure) may be set before or after.
GS_IT_DIR=$(cd "$(dirname "$0")" && pwd)
CHECK_EVENTS="$GS_IT_DIR/check_events.py" # the event schema check
PIDS=""
FAIL_FILES=${FAIL_FILES:-"*.out *.jsonl"}
FAIL_LINES=${FAIL_LINES:-200}

gs_cleanup() {
  for p in $PIDS; do
    kill -9 "$p" 2>/dev/null || true
  done
  if [ -n "${GS_ON_EXIT:-}" ]; then
    eval "$GS_ON_EXIT" || true
  fi
}

gs_work() {
  trap gs_cleanup EXIT INT TERM
  rm -rf "$1"
  mkdir -p "$1"
  cd "$1" || exit 1
}

fail() {
  echo "FAIL (${SCEN:-$(basename "$0" .sh)}): $*"
  for f in $FAIL_FILES; do
    [ -f "$f" ] && { echo "==== $f"; tail -n "$FAIL_LINES" "$f"; }
  done
  exit 1
}

count() {
  c=$(grep -c -- "$1" "$2" 2>/dev/null) || true
  echo "${c:-0}"
}

expect_ge() {
  c=$(count "$2" "$3")
  [ "$c" -ge "$1" ] || fail "$4: expected >= $1 lines matching '$2' in $3, got $c"
}

expect_le() {
  c=$(count "$2" "$3")
  [ "$c" -le "$1" ] || fail "$4: expected <= $1 lines matching '$2' in $3, got $c"
}

expect_eq() {
  c=$(count "$2" "$3")
  [ "$c" -eq "$1" ] || fail "$4: expected $1 lines matching '$2' in $3, got $c"
}

expect_none() {
  c=$(count "$1" "$2")
  [ "$c" -eq 0 ] || fail "$3: expected no line matching '$1' in $2, got $c"
}

wait_for() {
  i=0
  while [ "$(count "$1" "$2")" -eq 0 ]; do
    i=$((i + 1))
    [ $i -le $(($3 * 10)) ] || fail "$4: no line matching '$1' in $2 after $3 s"
    sleep 0.1
  done
}

check_events() {
  /usr/bin/python3 "$CHECK_EVENTS" "$@" || fail "events that do not match docs/events.schema.json"
}
