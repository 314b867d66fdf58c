#!/bin/sh
# Runs every test suite and prints one summary line: "N passed, N failed, N skipped".
# Suites speak TAP: cmocka unit tests (CMOCKA_MESSAGE_OUTPUT=TAP), Python conformance
# tests (tests/conformance/tap.py) and tmux-driven console tests (tests/tui/*.sh).
# A suite that exits non-zero without reporting a failure, or reports fewer results
# than it planned, counts as one failure: a test that cannot run is never a pass.
# Environment: TARMAC_BIN (binary under test), TARMAC_BUILD (build dir),
# TARMAC_REQUIRE_CONFORMANCE=1 (CI: a skipped conformance test is a failure),
# TEST_FILTER (substring of suite names to run).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
: "${TARMAC_BIN:=$top/tarmac}"
: "${TARMAC_BUILD:=$top/build/rel}"
: "${TARMAC_SIGV4_DIR:=$top/../shared/testdata/sigv4}"
: "${TEST_TIMEOUT:=600}"
export TARMAC_BIN TARMAC_BUILD TARMAC_SIGV4_DIR TARMAC_TOP="$top"
export LANG=C.UTF-8 TZ=UTC
# A sanitizer report makes the process exit 99, which no test expects.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:exitcode=99}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}"

log_dir="$TARMAC_BUILD/test-logs"
mkdir -p "$log_dir"
pass=0 fail=0 skip=0
failed_suites=""

run_suite() {  # name, command...
    name=$1; shift
    case "$name" in *"${TEST_FILTER:-}"*) ;; *) return 0 ;; esac
    out="$log_dir/$name.tap"
    mkdir -p "$(dirname "$out")"
    CMOCKA_MESSAGE_OUTPUT=TAP timeout -k 10 "$TEST_TIMEOUT" "$@" > "$out" 2>&1
    rc=$?
    p=$(grep -c '^ok ' "$out")
    s=$(grep -c '^not ok .*# SKIP' "$out")
    f=$(grep '^not ok ' "$out" | grep -vc '# SKIP')
    plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$out" | head -n 1)
    if [ "${TARMAC_REQUIRE_CONFORMANCE:-0}" = 1 ] && [ "$s" -gt 0 ] && grep -q '^# REQUIRED' "$out"; then
        f=$((f + s)); s=0
        echo "  $name: skipped tests are required here (TARMAC_REQUIRE_CONFORMANCE=1)"
    fi
    note=""
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1; note=" (exit $rc without a reported failure)"
    fi
    if [ -n "$plan" ] && [ $((p + s + f)) -lt "$plan" ]; then
        f=$((f + plan - p - s - f)); note="$note (planned $plan)"
    fi
    if [ -z "$plan" ] && [ $((p + s + f)) -eq 0 ]; then
        f=1; note=" (ran no test)"
    fi
    pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
    status=ok; [ "$f" -gt 0 ] && status=FAIL
    printf '%-36s %4s  %d passed, %d failed, %d skipped%s\n' "$name" "$status" "$p" "$f" "$s" "$note"
    if [ "$f" -gt 0 ]; then
        failed_suites="$failed_suites $name"
        grep -E '^(not ok|#)' "$out" | grep -v '# SKIP' | head -n 40 | sed 's/^/    /'
        [ $rc -ne 0 ] && tail -n 20 "$out" | sed 's/^/    | /'
    fi
    # What was skipped and why, one line per reason: "N skipped: moto not installed ...".
    sed -n 's/^not ok [0-9][0-9]*.*# SKIP *//p' "$out" | sort | uniq -c |
        sed 's/^ *\([0-9][0-9]*\) \(.*\)/    \1 skipped: \2/'
    grep '^# SKIP' "$out" | head -n 5 | sed 's/^/    /'
}

for t in "$TARMAC_BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run_suite "unit/$(basename "$t")" "$t"
done
for t in "$top"/tests/conformance/test_*.py; do
    [ -f "$t" ] || continue
    run_suite "conformance/$(basename "$t" .py)" python3 "$top/tests/conformance/tap.py" "$t"
done
for t in "$top"/tests/tui/test_*.sh; do
    [ -f "$t" ] || continue
    run_suite "tui/$(basename "$t" .sh)" sh "$t"
done

[ -n "$failed_suites" ] && echo "failed suites:$failed_suites (logs in $log_dir)"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
