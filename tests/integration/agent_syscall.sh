#!/bin/bash
# SPDX-License-Identifier: MIT
# Syscall profile known answers (tests/progs/sys_known.c): blocking time
# through nanosleep, usleep, read and a contended mutex, and a known number
# of fast calls, against what the program itself measured.
. "$(dirname "$0")/../lib.sh"
need "$LIBEMBER" "$PROGS/sys_known" "$PROGS/sys_fortify" "$PROGS/sys_waits"

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

# A program built with -D_FORTIFY_SOURCE=2 (as Debian builds its packages)
# calls __read_chk, __recv_chk, __poll_chk, __open_2, ... instead of read,
# recv, poll and open: the same blocking time is found, named as called.
expect_eq "sys_fortify was built to call the fortified functions" \
	"$(nm -D "$PROGS/sys_fortify" | grep -oE '__(read|pread|recv|recvfrom|poll|ppoll)_chk|__open_2' | sort | tr '\n' ' ')" \
	"__open_2 __poll_chk __ppoll_chk __pread_chk __read_chk __recv_chk __recvfrom_chk "
rm -rf "$TMP/f" && mkdir "$TMP/f"
EMBER_EVENTS=syscall EMBER_SYSCALL_RATE=10us agent_run "$TMP/f" "$PROGS/sys_fortify" "$TMP/fifo" > /dev/null 2> "$TMP/truth"
prof=$(only_profile "$TMP/f" syscall)
traces=$(pprof -traces "$prof" 2>/dev/null | tr -s ' \n' ' ')
for part in read:__read_chk:read recv:__recv_chk:recvfrom recvfrom:__recvfrom_chk:recvfrom \
	poll:__poll_chk:poll ppoll:__ppoll_chk:ppoll open:__open_2:openat; do
	IFS=: read -r what leaf sys <<< "$part"
	t=$(truth "via_$what")
	expect_near "fortified $what: the time the program measured ($(ms "$t") ms)" \
		"$(delay_ms "via_$what")" "$(ms "$t")" "$(ms $((t / 5)))"
	# (the header's inline wrapper shows as an inline frame between them)
	expect_match "fortified $what: the leaf is $leaf, called from via_$what" "$traces" \
		" $leaf ([a-z]+ \(inline\) )?via_$what "
	expect_match "fortified $what: label syscall=$sys" \
		"$(pprof -tags -focus="^via_$what\$" "$prof" 2>/dev/null)" ": $sys\$"
done
# 1000 fast preads at a 10 us rate: a few dozen sampled (none at all has a
# chance of about e^-20).
expect_match "fortified pread: the leaf is __pread_chk, label pread64" \
	"$(pprof -traces -focus='^via_pread$' "$prof" 2>/dev/null | tr -s ' \n' ' ')" \
	'syscall: pread64 .* __pread_chk ([a-z]+ \(inline\) )?via_pread '


# Waits that are not I/O: locks, semaphores, C++'s timed condition waits,
# joins, children, signals and file locks. Each blocks a known time; the
# program sees the same with and without the agent (errno after a sem_wait
# that waited, a thread cancelled inside sem_wait).
rm -rf "$TMP/w" && mkdir "$TMP/w"
plain=$("$PROGS/sys_waits" "$TMP/lockfile" 2>/dev/null)
with=$(EMBER_EVENTS=syscall EMBER_SYSCALL_RATE=10us agent_run "$TMP/w" "$PROGS/sys_waits" "$TMP/lockfile" 2> "$TMP/truth")
expect_eq "sys_waits: the same output with the agent" "$with" "$plain"
expect_match "sys_waits: errno is the program's after a sem_wait that waited" "$with" 'as the program left it$'
expect_match "sys_waits: a thread cancelled in sem_wait ends cancelled" "$with" 'sem_wait: cancelled$'
# Its forked children write profiles of their own: the parent's is the one
# with main's callees in it.
prof=""
for f in "$TMP"/w/syscall.*.pb.gz; do
	pprof -top -cum -nodecount=200 "$f" 2>/dev/null | grep -q ' wait_sem$' && prof=$f
done
traces=$(pprof -traces "$prof" 2>/dev/null | tr -s ' \n' ' ')
for part in wait_mutex_timed:pthread_mutex_timedlock:futex wait_rwlock_rd:pthread_rwlock_rdlock:futex \
	wait_rwlock_wr:pthread_rwlock_wrlock:futex wait_sem:sem_wait:futex \
	wait_sem_timeout:sem_timedwait:futex wait_cond_clock:pthread_cond_clockwait:futex \
	wait_join:pthread_timedjoin_np:futex wait_child:waitpid:wait4 \
	wait_signal:sigtimedwait:rt_sigtimedwait wait_pause:pause:pause wait_flock:flock:flock \
	wait_fcntl:fcntl:fcntl; do
	IFS=: read -r fn leaf sys <<< "$part"
	t=$(truth "$fn")
	expect_near "$leaf: the time the program measured in $fn ($(ms "$t") ms)" \
		"$(delay_ms "$fn")" "$(ms "$t")" "$(ms $((t / 5)))"
	expect_match "$leaf: the leaf, called from $fn" "$traces" " $leaf $fn "
	expect_match "$leaf: label syscall=$sys" "$(pprof -tags -focus="^$fn\$" "$prof" 2>/dev/null)" ": $sys\$"
done
expect_match "preadv: timed too (label preadv)" "$(pprof -tags -focus='^fast_preadv$' "$prof" 2>/dev/null)" ': preadv$'

# Default rate (1 ms): every long sleep is still taken, with weight ~1.
rm -rf "$TMP/d" && mkdir "$TMP/d"
"$EMBER" run -q -e syscall -o "$TMP/d" -- "$PROGS/sys_known" > /dev/null 2> "$TMP/truth"
prof=$(only_profile "$TMP/d" syscall)
t=$(truth nap_nanosleep)
expect_near "ember run, default rate: nanosleep time" "$(delay_ms nap_nanosleep)" "$(ms "$t")" "$(ms $((t / 10)))"
"$EMBER" run -q -e syscall --syscall-rate 5ms -o "$TMP/r" -- "$PROGS/sys_known" > /dev/null 2>&1
expect_match "--syscall-rate sets the period" "$(pprof -raw "$TMP"/r/syscall.*.pb.gz 2>&1)" '^Period: 5000000$'
finish
