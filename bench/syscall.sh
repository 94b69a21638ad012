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
N=${SYSCALL_N:-20000000}	# ~6 s here
SYS_RUNS=${SYSCALL_RUNS:-8}
PEER_N=${SYSCALL_PEER_N:-500000}

# Round robin, with the one-time cost taken out (steady, in lib.sh).
header "syscall timing: w_write ($N 1-byte writes to /dev/null), $SYS_RUNS rounds, interleaved"
steady syscall "$SYS_RUNS" "$W" "$N" \
	"base=$PIN" \
	"ember-timing=$PIN env LD_PRELOAD=$LIB EMBER_EVENTS=syscall EMBER_SYSCALL_RATE=3600s EMBER_OUTPUT=$T/n" \
	"ember-syscall=$PIN env LD_PRELOAD=$LIB EMBER_EVENTS=syscall EMBER_OUTPUT=$T/s" \
	"ember-all=$PIN env LD_PRELOAD=$LIB EMBER_OUTPUT=$T/a"
echo "   (ember-timing: every call timed, a sample every hour of blocking; ember-syscall: the"
echo "    default 1 ms rate; ember-all: cpu and heap profiles too)"

echo
PEER_RUNS=${PEER_RUNS:-3}
header "w_write ($PEER_N writes) beside perf trace -s and strace -c, $PEER_RUNS runs"
hf syscall-peers --runs "$PEER_RUNS" \
	-n base          "$PIN $W $PEER_N" \
	-n ember-syscall "$PIN env LD_PRELOAD=$LIB EMBER_EVENTS=syscall EMBER_OUTPUT=$T/s $W $PEER_N" \
	-n perf-trace    "$PIN perf trace -s -o $T/pt.txt $W $PEER_N" \
	-n strace        "$PIN strace -f -c -o $T/st.txt $W $PEER_N"
stats --ember ember- "$RES/syscall-peers.json"

echo
echo "== user-space instructions per write() (callgrind; the difference between 400000 and"
echo "   200000 calls, so start-up and exit cancel out)"
ins() {
	rm -f "$T/cg.out"
	"${@:2}" valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" "$W" "$1" > /dev/null 2>&1
	awk '/^summary:/ { print $2 }' "$T/cg.out"
}
per_call() { awk -v a="$(ins 200000 "$@")" -v b="$(ins 400000 "$@")" 'BEGIN { printf "%.1f", (b - a) / 200000 }'; }
p0=$(per_call env)
p1=$(per_call env LD_PRELOAD="$LIB" EMBER_EVENTS=syscall EMBER_OUTPUT="$T/cg")
awk -v a="$p0" -v b="$p1" 'BEGIN {
	printf "   without ember   %6.1f per call\n   ember (syscall) %6.1f per call  (+%.1f)\n", a, b, b - a }'
echo "   (the wrapper itself is ~37 of them; ~29 more are glibc's: with the agent's threads the"
echo "    process is multi-threaded, and glibc then brackets every cancellation-point call with"
echo "    __pthread_enable/disable_asynccancel; the rest is the sampled path amortized)"
