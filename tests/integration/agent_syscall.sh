#!/bin/bash
# SPDX-License-Identifier: MIT
# Syscall profile known answers (tests/progs/sys_known.c): blocking time
# through nanosleep, usleep, read and a contended mutex, and a known number
# of fast calls, against what the program itself measured.
. "$(dirname "$0")/../lib.sh"
need "$LIBEMBER" "$PROGS/sys_known"

ms() { awk -v v="$1" 'BEGIN { printf "%.1f", v / 1e6 }'; }
# delay_ms FUNC / calls FUNC: FUNC's cum value from pprof.
delay_ms() {
	pprof -sample_index=delay -top -cum -nodecount=500 -nodefraction=0 -unit=ms "$prof" 2>/dev/null |
		awk -v f="$1" '$6 == f { v = $4; sub(/ms$/, "", v); print v + 0; found = 1; exit }
		               END { if (!found) print 0 }'
}
calls() {
	pprof -sample_index=calls -top -cum -nodecount=500 -nodefraction=0 "$prof" 2>/dev/null |
		awk -v f="$1" '$6 == f { printf "%.0f\n", $4; found = 1; exit } END { if (!found) print 0 }'
}
truth() { awk -v n="$1" '$1 == "truth" && $2 == n { print $3 }' "$TMP/truth"; }

rm -rf "$TMP/s" && mkdir "$TMP/s"
EMBER_EVENTS=syscall EMBER_SYSCALL_RATE=10us agent_run "$TMP/s" "$PROGS/sys_known" > /dev/null 2> "$TMP/truth"
prof=$(only_profile "$TMP/s" syscall)
[ -n "$prof" ] || { not_ok "sys_known wrote one syscall profile"; finish; }
expect_match "sample types calls/count, delay/nanoseconds" "$(pprof -raw "$prof" 2>&1)" '^calls/count delay/nanoseconds$'
expect_match "pprof's default is delay" "$(pprof -top "$prof" 2>&1)" '^Type: delay$'
t=$(truth nap_nanosleep)
expect_near "nanosleep: the time the program measured ($(ms "$t") ms)" "$(delay_ms nap_nanosleep)" "$(ms "$t")" "$(ms $((t / 10)))"
t=$(truth nap_usleep)
expect_near "usleep: the time the program measured ($(ms "$t") ms)" "$(delay_ms nap_usleep)" "$(ms "$t")" "$(ms $((t / 10)))"
t=$(truth wait_for_pipe)
expect_near "read on a pipe: the time the program measured ($(ms "$t") ms)" "$(delay_ms wait_for_pipe)" "$(ms "$t")" "$(ms $((t / 5)))"
t=$(truth wait_for_lock)
expect_near "contended pthread_mutex_lock ($(ms "$t") ms)" "$(delay_ms wait_for_lock)" "$(ms "$t")" "$(ms $((t / 5)))"
expect_near "fast_writes: ~100000 calls estimated" "$(calls fast_writes)" 100000 15000
expect_eq "nanosleep: exactly 20 calls (long calls are always sampled, weight 1)" "$(calls nap_nanosleep)" 20
tags=$(pprof -tags "$prof" 2>/dev/null)
expect_match "label syscall=clock_nanosleep (the kernel's name)" "$tags" ': clock_nanosleep$'
expect_match "label syscall=read" "$tags" ': read$'
expect_match "label syscall=write" "$tags" ': write$'
expect_match "label syscall=futex (the mutex)" "$tags" ': futex$'
top=$(pprof -sample_index=delay -top -nodecount=50 "$prof" 2>/dev/null)
expect_match "leaf: usleep as the program called it" "$top" '  usleep$'
expect_match "leaf: pthread_mutex_lock" "$top" '  pthread_mutex_lock$'
expect_no_match "no agent frames in the stacks" "$(pprof -traces "$prof" 2>/dev/null)" 'em_|libember'
expect_match "leaf: read, called from wait_for_pipe" \
	"$(pprof -traces -focus=wait_for_pipe "$prof" 2>/dev/null | tr -s ' \n' ' ')" ' read wait_for_pipe '

# Default rate (1 ms): every long sleep is still taken, with weight ~1.
rm -rf "$TMP/d" && mkdir "$TMP/d"
"$EMBER" run -q -e syscall -o "$TMP/d" -- "$PROGS/sys_known" > /dev/null 2> "$TMP/truth"
prof=$(only_profile "$TMP/d" syscall)
t=$(truth nap_nanosleep)
expect_near "ember run, default rate: nanosleep time" "$(delay_ms nap_nanosleep)" "$(ms "$t")" "$(ms $((t / 10)))"
"$EMBER" run -q -e syscall --syscall-rate 5ms -o "$TMP/r" -- "$PROGS/sys_known" > /dev/null 2>&1
expect_match "--syscall-rate sets the period" "$(pprof -raw "$TMP"/r/syscall.*.pb.gz 2>&1)" '^Period: 5000000$'
finish
