#!/usr/bin/env bash
# scripts/check-symbols against a made-up installation, so that the check
# itself is known to fail where it must: a library exporting gs_declared
# (declared GS_EXPORT in its header), gs_undeclared (declared nowhere) and
# gs_x_test_hook (a test hook, even though declared) must fail with both
# offenders named and the declared name not; the same library without the
# two offenders must pass.
set -euo pipefail
src=${1:?usage: symbols_selftest.sh SRC_DIR}
cc=${CC:-cc}
export GS_SYMBOLS_PENDING=/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/p/include/gridseal" "$tmp/p/lib"
cat >"$tmp/p/include/gridseal/fake.h" <<'H'
#define GS_EXPORT __attribute__((visibility("default")))
/* GS_EXPORT int gs_in_a_comment(void); */
GS_EXPORT int gs_declared(void);
GS_EXPORT int gs_x_test_hook(int a,
                             int b);
H
cat >"$tmp/bad.c" <<'C'
#define GS_EXPORT __attribute__((visibility("default")))
GS_EXPORT int gs_declared(void) { return 1; }
GS_EXPORT int gs_undeclared(void) { return 2; }
GS_EXPORT int gs_x_test_hook(int a, int b) { return a + b; }
GS_EXPORT int gs_in_a_comment(void) { return 3; }
int gs_hidden(void) { return 4; }
C
"$cc" -shared -fPIC -fvisibility=hidden -o "$tmp/p/lib/libgridseal-fake.so.0" "$tmp/bad.c"
set +e
out=$("$src/scripts/check-symbols" "$tmp/p" 2>&1)
rc=$?
set -e
echo "$out"
fail() { echo "symbols_selftest: $*" >&2; exit 1; }
[ $rc -eq 1 ] || fail "expected exit 1 for a leaking library, got $rc"
grep -q 'gs_undeclared: not declared GS_EXPORT' <<<"$out" || fail "gs_undeclared not reported"
grep -q 'gs_in_a_comment: not declared GS_EXPORT' <<<"$out" || fail "a declaration inside a comment counted"
grep -q 'gs_x_test_hook: test hook exported' <<<"$out" || fail "test hook not reported"
if grep -q 'gs_declared:' <<<"$out"; then fail "gs_declared reported"; fi
if grep -q 'gs_hidden' <<<"$out"; then fail "hidden gs_hidden reported"; fi

printf '%s\n' '#define GS_EXPORT __attribute__((visibility("default")))' \
  'GS_EXPORT int gs_declared(void) { return 1; }' >"$tmp/good.c"
"$cc" -shared -fPIC -fvisibility=hidden -o "$tmp/p/lib/libgridseal-fake.so.0" "$tmp/good.c"
"$src/scripts/check-symbols" "$tmp/p" || fail "a clean library failed"
echo "symbols_selftest: ok"
