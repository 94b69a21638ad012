#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/run.sh - run every test and print one summary line at the end:
#   N passed, N failed, N skipped
# Unit tests are cmocka binaries (build/tests/unit/test_*), run with TAP output.
# Integration tests are tests/integration/*.sh, which print TAP via tests/lib.sh.
# With SAN=1 only the unit tests run (preloading an agent under ASan is not
# meaningful: ASan interposes malloc too).
# TESTS=pattern limits the run to tests whose name matches.
set -u
cd "$(dirname "$0")/.."
OUTPUT=${OUTPUT:-build}
export OUTPUT
SAN=${SAN:-0}
FILTER=${TESTS:-}
passed=0 failed=0 skipped=0
failures=()
LOG=$OUTPUT/test-logs
rm -rf "$LOG" && mkdir -p "$LOG"

# tally NAME LOGFILE STATUS: count TAP lines of one test program.
tally() {
	local name=$1 log=$2 status=$3 p=0 f=0 s=0 line
	while IFS= read -r line; do
		case $line in
		"not ok "*) f=$((f + 1)); failures+=("$name: ${line#not ok }")
			    echo "  FAIL  $name: ${line#not ok }" ;;
		"ok "*"# SKIP"*|"ok "*"# skip"*) s=$((s + 1))
			    echo "  SKIP  $name: ${line#ok } " | sed 's/ # SKIP / (/; s/ $/)/' ;;
		"ok "*) p=$((p + 1)) ;;
		esac
	done < "$log"
	if [ "$status" != 0 ] && [ $f = 0 ]; then
		f=1; failures+=("$name: exited with status $status")
		echo "  FAIL  $name: exited with status $status"
	fi
	if [ $f -gt 0 ]; then
		grep -E '^#' "$log" | head -n 60 | sed 's/^/        /'
	fi
	printf '  %-5s %s (%d passed, %d failed, %d skipped)\n' \
		"$([ $f = 0 ] && echo ok || echo FAIL)" "$name" $p $f $s
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

run_one() {
	local name=$1 tmo=$2; shift 2
	local log=$LOG/${name//\//_}.log status
	timeout -k 10 "$tmo" "$@" > "$log" 2>&1
	status=$?
	[ $status = 124 ] && echo "not ok - timed out after ${tmo}s" >> "$log"
	tally "$name" "$log" $status
}

echo "unit tests:"
for t in "$OUTPUT"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	name=unit/$(basename "$t")
	[ -n "$FILTER" ] && [[ $name != *$FILTER* ]] && continue
	CMOCKA_MESSAGE_OUTPUT=TAP run_one "$name" 300 "$t"
done

if [ "$SAN" != 1 ]; then
	echo "integration tests:"
	for t in tests/integration/*.sh; do
		[ -f "$t" ] || continue
		name=integration/$(basename "$t" .sh)
		[ -n "$FILTER" ] && [[ $name != *$FILTER* ]] && continue
		run_one "$name" 900 bash "$t"
	done
fi

echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "failures (logs in $LOG/):"
	printf '  %s\n' "${failures[@]}"
fi
if [ $skipped -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ $failed = 0 ]
