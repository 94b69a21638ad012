#!/bin/bash
# SPDX-License-Identifier: MIT
# The agent must never change what a program does. Each program under
# tests/progs runs without and with libember.so (sampling at the highest
# rate); output and exit status must be identical, nothing may crash or hang,
# and each run leaves a readable profile where it lived long enough.
. "$(dirname "$0")/../lib.sh"
need "$LIBEMBER" "$EMBER" "$PROGS/thread_storm"
export EMBER_HZ=10000 EMBER_INTERVAL=1

# same_behaviour NAME CMD...: compare plain and preloaded runs.
same_behaviour() {
	local name=$1 out; shift
	out=$TMP/$name
	rm -rf "$out" && mkdir -p "$out"
	timeout 120 "$@" > "$out.plain" 2>&1; local rc_plain=$?
	# timeout outside the preload: only the program itself is profiled.
	timeout 120 env EMBER_OUTPUT="$out" LD_PRELOAD="$LIBEMBER" "$@" > "$out.agent" 2>&1
	local rc_agent=$?
	if [ "$rc_plain" = "$rc_agent" ] && cmp -s "$out.plain" "$out.agent"; then
		ok "$name: same output and exit status ($rc_plain) with the agent"
	else
		not_ok "$name: same output and exit status with the agent" \
			"exit $rc_plain without, $rc_agent with" "$(diff "$out.plain" "$out.agent" | head -10)"
	fi
}

# readable NAME DIR [FUNCTION]: every profile in DIR (cpu, heap, syscall: all
# three are on) reads in ember and pprof; FUNCTION is in the CPU profile.
readable() {
	local name=$1 dir=$2 fn=${3:-} f n=0 bad=""
	for f in "$dir"/*.pb.gz; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		"$EMBER" top "$f" > /dev/null 2>&1 || bad="$bad ember:$f"
		pprof -raw "$f" > /dev/null 2> "$TMP/raw.err" || bad="$bad pprof:$f"
		[ -s "$TMP/raw.err" ] && bad="$bad pprof-stderr:$f($(head -c 200 "$TMP/raw.err"))"
	done
	if [ $n -gt 0 ] && [ -z "$bad" ]; then ok "$name: $n profile(s) read by ember top and pprof"
	else not_ok "$name: profiles readable" "found $n, problems:$bad"; fi
	if [ -n "$fn" ]; then
		expect_match "$name: profile shows $fn" "$(cat "$dir"/cpu.*.pb.gz | "$EMBER" top -n 0 - 2>/dev/null; for f in "$dir"/cpu.*.pb.gz; do "$EMBER" top -n 0 "$f"; done)" " $fn\$"
	fi
}

same_behaviour thread_storm "$PROGS/thread_storm" 3000
readable thread_storm "$TMP/thread_storm"
same_behaviour errno "$PROGS/errno_check"
readable errno "$TMP/errno"
same_behaviour own_sigprof "$PROGS/own_sigprof"
readable own_sigprof "$TMP/own_sigprof" main
same_behaviour timers "$PROGS/timers_user"
readable timers "$TMP/timers"
same_behaviour cxx_throw "$PROGS/cxx_throw"
readable cxx_throw "$TMP/cxx_throw" level1
same_behaviour close_fds "$PROGS/close_fds"
readable close_fds "$TMP/close_fds"
same_behaviour dlopen_loop "$PROGS/dlopen_loop" "$PROGS/libdlwork.so" 400
readable dlopen_loop "$TMP/dlopen_loop"

# Every way of making a child. Each child writes its own profile.
for mode in fork fork-exit fork-exec vfork spawn; do
	same_behaviour "children-$mode" "$PROGS/children" "$mode"
	expect_eq "children-$mode: parent and child each wrote a profile" \
		"$(ls "$TMP/children-$mode"/cpu.*.pb.gz 2>/dev/null | wc -l)" 2
	readable "children-$mode" "$TMP/children-$mode"
done
# With EMBER_NO_CHILDREN, exec'd programs are not profiled (forks still are).
rm -rf "$TMP/nochild" && mkdir "$TMP/nochild"
EMBER_NO_CHILDREN=1 agent_run "$TMP/nochild" "$PROGS/children" fork-exec > /dev/null
expect_eq "EMBER_NO_CHILDREN: only the parent of fork+exec wrote a profile" \
	"$(ls "$TMP/nochild"/cpu.*.pb.gz | wc -l)" 1

# Exits that skip the usual path.
same_behaviour exit-return "$PROGS/exit_modes" return 1500
readable exit-return "$TMP/exit-return" exit_modes_work
same_behaviour exit-_exit "$PROGS/exit_modes" _exit 1500
readable exit-_exit "$TMP/exit-_exit" exit_modes_work
same_behaviour exit-abort "$PROGS/exit_modes" abort 1500
readable exit-abort "$TMP/exit-abort" exit_modes_work

# SIGKILL mid-run: the last periodic profile must be there and readable.
rm -rf "$TMP/kill" && mkdir "$TMP/kill"
env EMBER_OUTPUT="$TMP/kill" LD_PRELOAD="$LIBEMBER" "$PROGS/exit_modes" wait > /dev/null & pid=$!
sleep 3.5
kill -9 $pid
wait $pid 2>/dev/null
expect_eq "SIGKILL: the periodic profile exists" "$(ls "$TMP/kill"/cpu.$pid.pb.gz 2>/dev/null)" "$TMP/kill/cpu.$pid.pb.gz"
expect_eq "SIGKILL: no temporary files left" "$(ls -A "$TMP/kill" | grep -c tmp)" 0
readable SIGKILL "$TMP/kill" exit_modes_work
finish
