#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/syscall.sh - syscall timing: what ember costs a syscall-heavy loop
# (1-byte writes to /dev/null, the `dd bs=1` worst case) beside perf trace
# and strace -c in the same run, and the wrapper's cost in instructions
# per call (callgrind).
. "$(dirname "$0")/lib.sh"
need_cmd hyperfine perf strace python3 valgrind
need_file "$LIB" "$WORK/w_write"
W=$WORK/w_write
N=${SYSCALL_N:-1000000}

header "syscall timing: w_write ($N 1-byte writes to /dev/null), $RUNS runs"
hf syscall --runs "$RUNS" \
	-n base          "$PIN $W $N" \
	-n ember-syscall "$PIN env LD_PRELOAD=$LIB EMBER_EVENTS=syscall EMBER_OUTPUT=$T/s $W $N" \
	-n ember-all     "$PIN env LD_PRELOAD=$LIB EMBER_OUTPUT=$T/a $W $N"
stats --ember ember- "$RES/syscall.json"

echo
PEER_RUNS=${PEER_RUNS:-3}
header "the same loop beside perf trace -s and strace -c, $PEER_RUNS runs"
hf syscall-peers --runs "$PEER_RUNS" \
	-n base          "$PIN $W $N" \
	-n ember-syscall "$PIN env LD_PRELOAD=$LIB EMBER_EVENTS=syscall EMBER_OUTPUT=$T/s $W $N" \
	-n perf-trace    "$PIN perf trace -s -o $T/pt.txt $W $N" \
	-n strace        "$PIN strace -f -c -o $T/st.txt $W $N"
stats --ember ember- "$RES/syscall-peers.json"

echo
echo "== instructions per write() (callgrind, 200000 calls)"
ins() {
	rm -f "$T/cg.out"
	"$@" valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" "$W" 200000 > /dev/null 2>&1
	awk '/^summary:/ { print $2 }' "$T/cg.out"
}
i0=$(ins env)
i1=$(ins env LD_PRELOAD="$LIB" EMBER_EVENTS=syscall EMBER_OUTPUT="$T/cg")
awk -v a="$i0" -v b="$i1" 'BEGIN {
	printf "   without ember %6.1f per call (user space only)\n   ember (syscall) %4.1f per call  (+%.1f, including start-up and exit)\n",
		a / 200000, b / 200000, (b - a) / 200000 }'
