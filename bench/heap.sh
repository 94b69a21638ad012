#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/heap.sh - allocation profiling: what ember's malloc hooks cost a
# malloc-heavy program (two threads, 16-271 byte blocks, nothing else in
# the loop) at the default rate, beside heaptrack in the same run; ember at
# rate 1 (every allocation) for scale; and the hook's fast path in
# instructions per malloc+free pair (callgrind: exact and repeatable).
# The once-per-process cost (start-up, exit, the final write) is measured
# with the main figure and taken out of it there.
. "$(dirname "$0")/lib.sh"
need_cmd hyperfine heaptrack python3 valgrind
need_file "$LIB" "$WORK/w_malloc" "$WORK/w_malloc_mixed"
W=$WORK/w_malloc
# Two threads want two CPUs: not pinned here.
HPIN=${HEAP_PIN:-}
OPS=${HEAP_OPS:-200000000}	# ~5 s here: start-up and exit weigh little
HEAP_RUNS=${HEAP_RUNS:-10}
PEER_OPS=${HEAP_PEER_OPS:-10000000}

# The main figure: arms run round robin (bench/interleave.py), so the
# neighbours' comings and goings hit every arm alike; and what each arm
# costs once (start-up, the first samples' symbolization, which inflates
# glibc's compressed DWARF when libc6-dbg is installed, the final write and
# exit) is taken out: the same arms with 1/200 of the work run first, and
# the steady state is the ratio of the differences, what a long-running
# program pays per allocation (steady, in lib.sh).
PIN=$HPIN header "allocation profiling: w_malloc (2 threads x $OPS malloc+free), $HEAP_RUNS rounds, interleaved"
steady heap "$HEAP_RUNS" "$W" "$OPS" \
	"base=$HPIN" \
	"ember-hooks=$HPIN env LD_PRELOAD=$LIB EMBER_EVENTS=heap EMBER_HEAP_RATE=1099511627776 EMBER_OUTPUT=$T/n" \
	"ember-heap=$HPIN env LD_PRELOAD=$LIB EMBER_EVENTS=heap EMBER_OUTPUT=$T/h" \
	"ember-all=$HPIN env LD_PRELOAD=$LIB EMBER_OUTPUT=$T/a"
echo "   (ember-hooks: the wrappers alone, a sample every TiB; ember-heap: sampled at the default"
echo "    512 KiB, about $(( OPS * 2 * 144 / 524288 / 1000 ))k samples here; ember-all: cpu and syscall profiles too)"

echo
MIXED_OPS=${HEAP_MIXED_OPS:-10000000}
PIN=$HPIN header "w_malloc_mixed (2 threads x $MIXED_OPS: 16 B-64 KiB from 1000 call stacks, 30% kept), $HEAP_RUNS runs"
hf heap-mixed --runs "$HEAP_RUNS" \
	-n base        "$HPIN $WORK/w_malloc_mixed $MIXED_OPS" \
	-n ember-hooks "$HPIN env LD_PRELOAD=$LIB EMBER_EVENTS=heap EMBER_HEAP_RATE=1099511627776 EMBER_OUTPUT=$T/n $WORK/w_malloc_mixed $MIXED_OPS" \
	-n ember-heap  "$HPIN env LD_PRELOAD=$LIB EMBER_EVENTS=heap EMBER_OUTPUT=$T/m $WORK/w_malloc_mixed $MIXED_OPS"
stats --ember ember- "$RES/heap-mixed.json"
echo "   (~60 GB/s of mostly untouched blocks: ~90k samples a second at 512 KiB, the sampled"
echo "    path's worst case; a sample costs ~4.5k instructions in all)"

echo
PEER_RUNS=${PEER_RUNS:-3}
PIN=$HPIN header "w_malloc (2 x $PEER_OPS) beside heaptrack (which records every call), and ember sampled and at rate 1, $PEER_RUNS runs"
hf heap-peers --runs "$PEER_RUNS" \
	-n base        "$HPIN $W $PEER_OPS" \
	-n ember-heap  "$HPIN env LD_PRELOAD=$LIB EMBER_EVENTS=heap EMBER_OUTPUT=$T/h $W $PEER_OPS" \
	-n ember-rate1 "$HPIN env LD_PRELOAD=$LIB EMBER_EVENTS=heap EMBER_HEAP_RATE=1 EMBER_OUTPUT=$T/x $W $PEER_OPS" \
	-n heaptrack   "$HPIN heaptrack -o $T/ht $W $PEER_OPS"
stats --ember ember- "$RES/heap-peers.json"

echo
echo "== instructions per malloc+free pair (callgrind, 1 thread; the difference between"
echo "   400000 and 200000 pairs, so start-up and exit cancel out)"
ins() {
	rm -f "$T/cg.out"
	"${@:3}" valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" "$W" "$1" 1 "$2" > /dev/null 2>&1
	awk '/^summary:/ { print $2 }' "$T/cg.out"
}
# per_pair KEEP ENV...: KEEP blocks of 4 KiB live throughout (see w_malloc.c).
per_pair() { awk -v a="$(ins 200000 "$@")" -v b="$(ins 400000 "$@")" 'BEGIN { printf "%.1f", (b - a) / 200000 }'; }
p0=$(per_pair 0 env)
p1=$(per_pair 0 env LD_PRELOAD="$LIB" EMBER_EVENTS=heap EMBER_OUTPUT="$T/cg")
k0=$(per_pair 4096 env)
k1=$(per_pair 4096 env LD_PRELOAD="$LIB" EMBER_EVENTS=heap EMBER_OUTPUT="$T/cg")
awk -v a="$p0" -v b="$p1" -v c="$k0" -v d="$k1" 'BEGIN {
	printf "   without ember %6.1f per pair\n", a
	printf "   ember (heap)  %6.1f per pair  (+%.1f, +%.0f%%: the hooks, and the sampled path amortized)\n", b, b - a, 100 * (b - a) / a
	printf "   with 16 MiB kept live (sampled blocks always live, every free checked):\n"
	printf "   without ember %6.1f per pair\n", c
	printf "   ember (heap)  %6.1f per pair  (+%.1f, +%.0f%%)\n", d, d - c, 100 * (d - c) / c }'

