#!/bin/bash
# SPDX-License-Identifier: MIT
# Heap profile known answers (tests/progs/heap_known.c), read back with
# go tool pprof: bytes and objects allocated per site, and what is still in
# use when the program exits, sampled and exact.
. "$(dirname "$0")/../lib.sh"
need "$LIBEMBER" "$PROGS/heap_known"

MiB=1048576
# value TYPE FUNC: FUNC's cum value in bytes or objects (-unit=B prints bytes).
value() {
	pprof -sample_index="$1" -top -cum -nodecount=500 -nodefraction=0 -unit=B "$prof" 2>/dev/null |
		awk -v f="$2" '$6 == f { v = $4; sub(/B$/, "", v); printf "%.0f\n", v; found = 1; exit }
		               END { if (!found) print 0 }'
}

# dropped: the records the profile itself says were dropped (ring full).
dropped() {
	pprof -raw "$prof" 2>/dev/null | sed -n 's/.* \([0-9]*\) dropped (ring full).*/\1/p' | head -1
}
# exact DESC GOT WANT UNIT: GOT == WANT, or within the drops the profile
# reports (each dropped record is at most one UNIT).
exact() {
	local d; d=$(dropped)
	if [ "${d:-0}" = 0 ]; then expect_eq "$1" "$2" "$3"
	else expect_near "$1 ($d records reported dropped)" "$2" "$3" $(( d * $4 )); fi
}

# Sampled at 16 KiB: every 64 KiB block has a 98% chance, 64 B objects 0.4%.
rm -rf "$TMP/s" && mkdir "$TMP/s"
EMBER_EVENTS=heap EMBER_HEAP_RATE=16384 agent_run "$TMP/s" "$PROGS/heap_known" > /dev/null
prof=$(only_profile "$TMP/s" heap)
[ -n "$prof" ] || { not_ok "heap_known wrote one heap profile"; finish; }
raw=$(pprof -raw "$prof" 2>&1)
expect_match "sample types in Go's order" "$raw" '^alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes$'
expect_match "period is the sampling rate in space/bytes" "$raw" '^PeriodType: space bytes$'
expect_match "pprof's default is inuse_space" "$(pprof -top "$prof" 2>&1)" '^Type: inuse_space$'
expect_no_match "pprof prints no warnings" "$(pprof -top "$prof" 2>&1 >/dev/null)" '.'
expect_near "keep_blocks: 12.5 MiB allocated" "$(value alloc_space keep_blocks)" $((25 * MiB / 2)) $((3 * MiB))
expect_near "keep_blocks: 12.5 MiB in use" "$(value inuse_space keep_blocks)" $((25 * MiB / 2)) $((3 * MiB))
expect_near "keep_blocks: 200 objects in use" "$(value inuse_objects keep_blocks)" 200 40
expect_near "churn_blocks: 12.5 MiB allocated" "$(value alloc_space churn_blocks)" $((25 * MiB / 2)) $((3 * MiB))
expect_eq "churn_blocks: nothing in use (freed at once)" "$(value inuse_space churn_blocks)" 0
expect_near "calloc_table: 12.5 MiB in use (calloc)" "$(value inuse_space calloc_table)" $((25 * MiB / 2)) $((3 * MiB))
expect_eq "grow_buffer: the last 16 MiB block in use (realloc)" "$(value inuse_space grow_buffer)" $((16 * MiB))
expect_near "grow_buffer: every realloc counted (2056 MiB)" "$(value alloc_space grow_buffer)" 2155872256 215587225
expect_near "handed_off: 12.5 MiB allocated" "$(value alloc_space handed_off)" $((25 * MiB / 2)) $((3 * MiB))
expect_eq "handed_off: nothing in use (freed by another thread)" "$(value inuse_space handed_off)" 0
expect_near "small_objects: ~100000 objects estimated from ~390 samples" "$(value alloc_objects small_objects)" 100000 25000
expect_near "small_objects: 6.1 MiB in use" "$(value inuse_space small_objects)" 6400000 1600000
expect_match "the leaf is the allocation function (calloc)" \
	"$(pprof -traces -focus=calloc_table "$prof" 2>/dev/null | tr -s ' \n' ' ')" ' calloc calloc_table main '
expect_match "the leaf is the allocation function (malloc)" \
	"$(pprof -traces -focus=keep_blocks "$prof" 2>/dev/null | tr -s ' \n' ' ')" ' malloc keep_blocks main '
expect_match "the leaf is the allocation function (realloc)" \
	"$(pprof -traces -focus=grow_buffer "$prof" 2>/dev/null | tr -s ' \n' ' ')" ' realloc grow_buffer main '
expect_no_match "no agent frames in the stacks" "$(pprof -traces "$prof" 2>/dev/null)" 'em_|_slow|realloc_as|libember'

# EMBER_HEAP_RATE=1: every allocation recorded, exact values.
rm -rf "$TMP/x" && mkdir "$TMP/x"
EMBER_EVENTS=heap EMBER_HEAP_RATE=1 agent_run "$TMP/x" "$PROGS/heap_known" > /dev/null
prof=$(only_profile "$TMP/x" heap)
exact "rate 1: keep_blocks exactly 200 objects" "$(value alloc_objects keep_blocks)" 200 1
exact "rate 1: keep_blocks exactly 12.5 MiB" "$(value alloc_space keep_blocks)" 13107200 65536
exact "rate 1: small_objects exactly 100000 objects" "$(value alloc_objects small_objects)" 100000 1
exact "rate 1: small_objects exactly 6400000 B in use" "$(value inuse_space small_objects)" 6400000 64
exact "rate 1: calloc_table exactly 13107200 B in use" "$(value inuse_space calloc_table)" 13107200 131072
exact "rate 1: grow_buffer exactly 256 reallocs" "$(value alloc_objects grow_buffer)" 256 1
exact "rate 1: grow_buffer exactly 2155872256 B allocated" "$(value alloc_space grow_buffer)" 2155872256 16777216
exact "rate 1: handed_off nothing in use" "$(value inuse_objects handed_off)" 0 1
exact "rate 1: tiny_blocks exactly 2000 objects (malloc(0) and malloc(1) too)" \
	"$(value alloc_objects tiny_blocks)" 2000 1
exact "rate 1: tiny_blocks exactly 1000 B" "$(value alloc_space tiny_blocks)" 1000 1

expect_eq "glibc serves blocks without another allocator (usable size 24)" \
	"$(agent_run "$TMP/glibc" "$PROGS/usable_size")" 24

# Whatever allocator is underneath: jemalloc (Debian's libjemalloc2, as redis
# uses) and tcmalloc (libtcmalloc-minimal4) loaded after the agent, so the
# wrappers forward to them. Exact values at rate 1.
for alloc in jemalloc:libjemalloc.so.2:libjemalloc2 tcmalloc:libtcmalloc_minimal.so.4:libtcmalloc-minimal4; do
	name=${alloc%%:*}; rest=${alloc#*:}; lib=/usr/lib/x86_64-linux-gnu/${rest%%:*}; pkg=${rest#*:}
	if [ ! -e "$lib" ]; then
		skip "heap profile over $name" "$lib is missing (Debian package $pkg)"
		continue
	fi
	rm -rf "$TMP/$name" && mkdir "$TMP/$name"
	out=$(EMBER_OUTPUT=$TMP/$name EMBER_EVENTS=heap EMBER_HEAP_RATE=1 LD_PRELOAD="$LIBEMBER $lib" \
		"$PROGS/heap_known" 2>&1)
	expect_eq "$name underneath: the program runs unchanged" "$out" "heap_known done"
	prof=$(only_profile "$TMP/$name" heap)
	exact "$name underneath: keep_blocks exactly 200 objects in use" "$(value inuse_objects keep_blocks)" 200 1
	exact "$name underneath: small_objects exactly 6400000 B in use" "$(value inuse_space small_objects)" 6400000 64
	exact "$name underneath: handed_off nothing in use" "$(value inuse_objects handed_off)" 0 1
	# glibc answers 24 for a 1-byte block, jemalloc and tcmalloc 8.
	expect_eq "$name underneath: it really serves the program's blocks" \
		"$(EMBER_OUTPUT=$TMP/$name LD_PRELOAD="$LIBEMBER $lib" "$PROGS/usable_size")" 8
done

# The heap paths under programs that fork, thread, dlopen and catch signals
# are covered by agent_safety.sh (all events are on by default).
finish
