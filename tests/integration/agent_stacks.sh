#!/bin/bash
# SPDX-License-Identifier: MIT
# What the agent's profiles say about their own stacks: symbolized in the
# process (functions, files and lines, build ids), so pprof needs neither
# the binary nor the network; and a stack cut short ends in a frame that
# says why, never silently.
. "$(dirname "$0")/../lib.sh"
need "$LIBEMBER" "$PROGS/cpu_split" "$PROGS/own_stack" "$PROGS/dlopen_loop" "$PROGS/libdlwork.so"

# Symbolized in the process: run a copy of the program, delete it, then read.
mkdir -p "$TMP/bin" "$TMP/sym"
cp "$PROGS/cpu_split" "$TMP/bin/cpu_split"
build_id=$(readelf -n "$TMP/bin/cpu_split" | sed -n 's/^ *Build ID: *//p')
EMBER_HZ=250 EMBER_EVENTS=cpu agent_run "$TMP/sym" "$TMP/bin/cpu_split" 1000 > /dev/null
rm -f "$TMP/bin/cpu_split"
prof=$(only_profile "$TMP/sym" cpu)
[ -n "$prof" ] || { not_ok "cpu_split wrote one CPU profile"; finish; }
raw=$(pprof -raw "$prof" 2>&1)
expect_match "sample types samples/count, cpu/nanoseconds" "$raw" '^samples/count cpu/nanoseconds$'
expect_match "period type cpu/nanoseconds, 1e9/250 ns" "$(printf '%s\n' "$raw" | tr '\n' ' ')" 'PeriodType: cpu nanoseconds Period: 4000000 '
expect_match "the program's mapping carries its build id" "$raw" "cpu_split $build_id"
expect_match "the program's mapping says its functions are resolved" "$raw" "cpu_split $build_id \[FN"
expect_match "libc's mapping too" "$raw" 'libc\.so\.6 [0-9a-f]+ \[FN'
lines=$(pprof -top -lines -nodecount=20 "$prof" 2>&1)
expect_match "file and line of burn_a's loop, with the binary gone" "$lines" ' burn_a .*cpu_split\.c:[0-9]+$'
expect_no_match "pprof has nothing to complain about (no local symbolization)" "$(pprof -top "$prof" 2>&1 >/dev/null)" '.'
expect_match "the thread label is the thread's name" "$(pprof -tags "$prof" 2>/dev/null)" 'cpu_split'

# cum% of a frame whose name has spaces (the marker frames).
marker_pct() {
	pprof -top -cum -nodecount=200 "$1" 2>/dev/null |
		awk -v f="$2" 'index($0, f) { sub("%", "", $5); print $5; exit }'
}

# EMBER_MAX_DEPTH: every stack of cpu_split is deeper than 4 frames.
rm -rf "$TMP/depth" && mkdir "$TMP/depth"
EMBER_HZ=250 EMBER_EVENTS=cpu EMBER_MAX_DEPTH=4 agent_run "$TMP/depth" "$PROGS/cpu_split" 1000 > /dev/null
prof=$(only_profile "$TMP/depth" cpu)
expect_eq "EMBER_MAX_DEPTH=4: every stack ends in the marker frame" \
	"$(marker_pct "$prof" '[truncated: EMBER_MAX_DEPTH reached]')" 100
expect_eq "EMBER_MAX_DEPTH=4: _start is out of reach" "$(pprof_cum_pct "$prof" _start)" ""
cut=$(pprof -raw "$prof" 2>/dev/null | sed -n 's/.* \([0-9]*\) cut at EMBER_MAX_DEPTH.*/\1/p' | head -1)
expect_ge "the profile's comment counts the cut stacks" "${cut:-0}" 100

# Code without unwind information, on a stack of its own (JIT, coroutines).
rm -rf "$TMP/own" && mkdir "$TMP/own"
out=$(EMBER_HZ=250 EMBER_EVENTS=cpu agent_run "$TMP/own" "$PROGS/own_stack" 2>&1)
expect_eq "own_stack runs unchanged under the agent" "$out" "own_stack done"
prof=$(only_profile "$TMP/own" cpu)
expect_ge "unwinding out of generated code on its own stack says it stopped" \
	"$(marker_pct "$prof" '[truncated: unwinding stopped]')" 90
trunc=$(pprof -raw "$prof" 2>/dev/null | sed -n 's/.* \([0-9]*\) truncated stacks.*/\1/p' | head -1)
expect_ge "the profile's comment counts the truncated stacks" "${trunc:-0}" 100
expect_no_match "no frame is guessed below the generated code" "$(pprof -top -nodecount=50 "$prof" 2>/dev/null)" ' (main|run_generated)$'

# A library dlopen'ed after the agent started and never closed (a plugin):
# its functions are named (the writer re-reads the maps for an address in
# none of them) and its stacks reach main.
rm -rf "$TMP/dl" && mkdir "$TMP/dl"
EMBER_HZ=500 EMBER_EVENTS=cpu agent_run "$TMP/dl" "$PROGS/dlopen_loop" "$PROGS/libdlwork.so" 3000 keep > /dev/null
prof=$(only_profile "$TMP/dl" cpu)
expect_ge "dlopen'ed library: dl_work is named, with most of the CPU" "$(pprof_cum_pct "$prof" dl_work)" 80
expect_ge "and its stacks reach main" "$(pprof_cum_pct "$prof" main)" 95
finish
