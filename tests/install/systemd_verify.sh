#!/usr/bin/env bash
# The systemd units as installed (dist/systemd, docs/SERVICE.md): each passes
# `systemd-analyze verify` with no diagnostic at all (an unknown or misspelt
# directive is only a warning there, so any output fails this test), and its
# `systemd-analyze security --offline` exposure stays at or below
# GS_UNIT_EXPOSURE_MAX. A unit with a misspelt directive must fail the same
# check (the check's own self-test).
# Usage: systemd_verify.sh BUILD_DIR WORK_DIR
set -euo pipefail
build=$1
work=$2
max=${GS_UNIT_EXPOSURE_MAX:-2.0}
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not found (package systemd)"; exit 1; }

rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
units=$work/prefix/lib/systemd/system
man_opt=--man=no
if command -v man >/dev/null; then
  export MANPATH=$work/prefix/share/man
  man_opt=--man=yes
fi

# verify UNIT_FILE: 0 when systemd-analyze accepts it silently.
verify() {
  local out rc=0
  out=$(systemd-analyze verify "$man_opt" "$1" 2>&1) || rc=$?
  if [ $rc -ne 0 ] || [ -n "$out" ]; then
    printf '%s: systemd-analyze verify (rc %d):\n%s\n' "$1" "$rc" "$out"
    return 1
  fi
}

fail=0
for u in gridseal-der@.service gridseal-cc.service; do
  [ -f "$units/$u" ] || { echo "not installed: $units/$u"; exit 1; }
  # A template is checked as an instance of itself.
  f=$units/$u
  if [[ $u == *@.service ]]; then
    f=$work/${u%@.service}@der1.service
    cp "$units/$u" "$f"
  fi
  grep -q "^ExecStart=$work/prefix/bin/gridseal " "$f" || { echo "$f: ExecStart is not the installed CLI"; fail=1; }
  verify "$f" || fail=1
  score=$(systemd-analyze security --offline=yes "$f" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  [ -n "$score" ] || { echo "$f: no exposure level"; fail=1; continue; }
  echo "$u: verify ok, exposure $score (max $max)"
  awk -v s="$score" -v m="$max" 'BEGIN { exit !(s <= m) }' || { echo "$f: exposure $score above $max"; fail=1; }
done

# Self-test: a misspelt directive is caught.
bad=$work/gridseal-bad@der1.service
sed 's/^UMask=/UMsk=/' "$units/gridseal-der@.service" >"$bad"
if verify "$bad" >/dev/null; then
  echo "self-test: a unit with a misspelt directive passed the check"
  fail=1
fi
exit $fail
