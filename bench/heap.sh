#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/heap.sh - allocation profiling: what ember's malloc hooks cost a
# malloc-heavy program (two threads, 16-271 byte blocks, nothing else in
# the loop) at the default rate, beside heaptrack in the same run; ember at
# rate 1 (every allocation) for scale; and the hook's fast path in
# instructions per malloc+free pair (callgrind: exact and repeatable).
. "$(dirname "$0")/lib.sh"
need_cmd hyperfine heaptrack python3 valgrind
need_file "$LIB" "$WORK/w_malloc"
W=$WORK/w_malloc
# Two threads want two CPUs: not pinned here.
HPIN=${HEAP_PIN:-}

PIN=$HPIN header "allocation profiling: w_malloc (2 threads x 10M malloc+free), $RUNS runs"
hf heap --runs "$RUNS" \
	-n base       "$HPIN $W" \
	-n ember-heap "$HPIN env LD_PRELOAD=$LIB EMBER_EVENTS=heap EMBER_OUTPUT=$T/h $W" \
	-n ember-all  "$HPIN env LD_PRELOAD=$LIB EMBER_OUTPUT=$T/a $W"
stats --ember ember- "$RES/heap.json"
echo "   (ember-heap: sampled at the default 512 KiB; ember-all: cpu and syscall profiles too)"

echo
PEER_RUNS=${PEER_RUNS:-3}
PIN=$HPIN header "the same workload beside heaptrack and ember recording every allocation, $PEER_RUNS runs"
hf heap-peers --runs "$PEER_RUNS" \
	-n base        "$HPIN $W" \
	-n ember-rate1 "$HPIN env LD_PRELOAD=$LIB EMBER_EVENTS=heap EMBER_HEAP_RATE=1 EMBER_OUTPUT=$T/x $W" \
	-n heaptrack   "$HPIN heaptrack -o $T/ht $W"
stats --ember ember- "$RES/heap-peers.json"
stats --ember ember- "$RES/heap.json" "$RES/heap-peers.json" | sed -n '/overhead share/,$p' | grep -v rate1

echo
echo "== instructions per malloc+free pair (callgrind, 1 thread x 200000 pairs)"
ins() {
	rm -f "$T/cg.out"
	"$@" valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" "$W" 200000 1 > /dev/null 2>&1
	awk '/^summary:/ { print $2 }' "$T/cg.out"
}
i0=$(ins env)
i1=$(ins env LD_PRELOAD="$LIB" EMBER_EVENTS=heap EMBER_OUTPUT="$T/cg")
awk -v a="$i0" -v b="$i1" 'BEGIN {
	printf "   without ember %6.1f per pair\n   ember (heap)  %6.1f per pair  (+%.1f, including start-up and exit)\n",
		a / 200000, b / 200000, (b - a) / 200000 }'
