#!/bin/bash
# SPDX-License-Identifier: MIT
# Known answers, read back with go tool pprof: a CPU split across functions
# (one inside glibc's qsort, all without frame pointers) and across threads.
# Tolerances are generous (sampling error at ~250 samples/s is a few percent).
. "$(dirname "$0")/../lib.sh"
need "$LIBEMBER" "$PROGS/cpu_split" "$PROGS/thread_split" "$PROGS/thread_exit" "$PROGS/malloc_burn"

rm -rf "$TMP/split" && mkdir "$TMP/split"
EMBER_HZ=250 agent_run "$TMP/split" "$PROGS/cpu_split" 3000 > /dev/null
prof=$(only_profile "$TMP/split" cpu)
[ -n "$prof" ] || { not_ok "cpu_split wrote one profile"; finish; }
expect_near "burn_a has 50% of CPU" "$(pprof_cum_pct "$prof" burn_a)" 50 10
expect_near "burn_b has 25% of CPU" "$(pprof_cum_pct "$prof" burn_b)" 25 8
expect_near "compare_ints (under qsort) has 25% of CPU" "$(pprof_cum_pct "$prof" compare_ints)" 25 8
expect_near "sort_work is the caller of that qsort time" "$(pprof_cum_pct "$prof" sort_work)" 25 8
expect_eq "every sample's stack reaches main" "$(pprof_cum_pct "$prof" main)" 100
top=$(pprof -top -nodecount=200 "$prof" 2>&1)
expect_no_match "no truncated-stack marker frames" "$top" '\[truncated'
expect_match "stacks cross glibc's qsort" "$(pprof -traces "$prof" 2>/dev/null)" 'qsort'
# The qsort samples go main -> sort_work -> (glibc) -> compare_ints.
expect_match "compare_ints is reached through qsort from sort_work" \
	"$(pprof -traces -focus=compare_ints "$prof" 2>/dev/null | tr -s ' \n' ' ')" \
	'compare_ints .*qsort.* sort_work main'
total_ms=$(pprof -top "$prof" 2>/dev/null | sed -n 's/.*Total samples = \([0-9.]*\)\(m\?s\).*/\1 \2/p' |
	awk '{ print ($2 == "s") ? $1 * 1000 : $1 }')
expect_near "CPU total ~3000 ms (samples x period)" "$total_ms" 3000 600
samples=$(pprof -top -sample_index=samples "$prof" 2>/dev/null | sed -n 's/.*Total samples = \([0-9]*\).*/\1/p')
expect_ge "sampling delivered >= 80% of 250 Hz x 3 s" "$samples" 600

rm -rf "$TMP/threads" && mkdir "$TMP/threads"
EMBER_HZ=250 agent_run "$TMP/threads" "$PROGS/thread_split" > /dev/null
prof=$(only_profile "$TMP/threads" cpu)
tags=$(pprof -tags "$prof" 2>/dev/null)
pct() { printf '%s\n' "$tags" | awk -v t="$1" '$NF == t { gsub(/[()%]/, "", $2); print $2; exit }'; }
expect_near "worker-1 has 800/1400 = 57% of CPU" "$(pct worker-1)" 57.1 8
expect_near "worker-2 has 400/1400 = 29% of CPU" "$(pct worker-2)" 28.6 7
expect_near "worker-3 has 200/1400 = 14% of CPU" "$(pct worker-3)" 14.3 6
expect_match "samples carry a numeric tid label" "$tags" '^ *tid:'
expect_match "the thread functions are named" "$(pprof -top "$prof" 2>/dev/null)" 'burn_for'

# 100 threads of 10 ms CPU each, four at a time, each named job-<i>, each
# freeing a block from a pthread key destructor. Their CPU is all there
# (before: each lost what it used after its last scheduler tick, ~40% of it
# here), every sample carries its thread's name (before: a thread gone from
# /proc by the time its samples were read became "?"), and the blocks freed
# by the destructors are not in use (before: frees after the agent's own
# destructor were not seen, 100 MiB stayed "in use").
rm -rf "$TMP/exit" && mkdir "$TMP/exit"
EMBER_HZ=250 EMBER_HEAP_RATE=1 EMBER_EVENTS=cpu,heap agent_run "$TMP/exit" "$PROGS/thread_exit" 100 10 > /dev/null
prof=$(only_profile "$TMP/exit" cpu)
total_ms=$(pprof -top "$prof" 2>/dev/null | sed -n 's/.*Total samples = \([0-9.]*\)\(m\?s\).*/\1 \2/p' |
	awk '{ print ($2 == "s") ? $1 * 1000 : $1 }')
expect_near "short threads: CPU total ~1000 ms (100 x 10 ms)" "$total_ms" 1000 100
tags=$(pprof -tags "$prof" 2>/dev/null)
expect_eq "short threads: no sample without its thread's name" "$(printf '%s\n' "$tags" | grep -c ': ?$')" 0
expect_ge "short threads: the named threads are there" "$(printf '%s\n' "$tags" | grep -c ': job-[0-9]*$')" 90
expect_match "short threads: CPU owed at a thread's end is under its start routine, and says so" \
	"$(pprof -traces "$prof" 2>/dev/null | tr -s ' \n' ' ')" \
	' job_main \[CPU just before the thread ended: not sampled\] '
heap=$(only_profile "$TMP/exit" heap)
expect_eq "short threads: blocks freed by a key destructor are not in use" \
	"$(pprof -top -sample_index=inuse_space -nodecount=100 "$heap" 2>/dev/null | grep -c 'job_keep_block')" 0
expect_match "short threads: and they were allocated (100 MiB)" \
	"$(pprof -top -sample_index=alloc_space -nodecount=100 "$heap" 2>/dev/null)" '100(\.[0-9]*)?MB .*job_keep_block'
# Every allocation unwound (EMBER_HEAP_RATE=1): most of the CPU is the
# profiler's own. The profile keeps it (before: samples that landed in the
# agent were dropped, and 40% of the rest had libunwind's getcontext as
# their leaf) and shows it as such, under the program's function that
# called malloc where that is known.
rm -rf "$TMP/burn" && mkdir "$TMP/burn"
EMBER_HZ=250 EMBER_HEAP_RATE=1 EMBER_EVENTS=cpu,heap agent_run "$TMP/burn" "$PROGS/malloc_burn" 1000 > /dev/null
prof=$(only_profile "$TMP/burn" cpu)
total_ms=$(pprof -top "$prof" 2>/dev/null | sed -n 's/.*Total samples = \([0-9.]*\)\(m\?s\).*/\1 \2/p' |
	awk '{ print ($2 == "s") ? $1 * 1000 : $1 }')
expect_ge "rate 1: the CPU profile keeps >= 70% of the 1000 ms (the rest dropped, and counted)" \
	"${total_ms%.*}" 700
top=$(pprof -top -nodecount=100 "$prof" 2>/dev/null)
expect_match "rate 1: the profiler's own work is a frame of its own" "$top" ' \[ember: the profiler.s own work\]$'
expect_no_match "rate 1: no libunwind frame in the program's stacks" "$top" '_U(L)?x86_64|getcontext'
expect_match "rate 1: the profiler's work sits under the program's function that allocated" \
	"$(pprof -traces "$prof" 2>/dev/null | tr -s ' \n' ' ')" '\[ember: the profiler.s own work\] alloc_churn main '
finish
