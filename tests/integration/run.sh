#!/bin/bash
# SPDX-License-Identifier: MIT
# ember run: options become the agent's settings, the program's exit status
# (or the signal that killed it) is ember's, and usage errors exit 2.
. "$(dirname "$0")/../lib.sh"
need "$EMBER" "$LIBEMBER" "$PROGS/exit_modes"

cd "$TMP" || exit 1
out=$("$EMBER" run -F 199 --interval 1 -- "$PROGS/exit_modes" return 500 2>"$TMP/err")
expect_eq "ember run passes the program's output through" "$out" "exit_modes return"
check_status "exit status 0" 0 "$EMBER" run -q -- "$PROGS/exit_modes" return 100
expect_match "default output directory ./ember-out" "$(ls ember-out)" '^cpu\.[0-9]+\.pb\.gz$'
expect_match "the profiles are listed at the end" "$(cat "$TMP/err")" '^ember: profiles: .*ember-out/cpu\.[0-9]+\.pb\.gz$'
"$EMBER" run -q -F 199 -o "$TMP/f199" -- "$PROGS/exit_modes" return 300 > /dev/null
expect_match "-F sets the period" "$(pprof -raw "$TMP"/f199/cpu.*.pb.gz 2>&1)" '^Period: 5025125$'
check_status "the program's exit status is ember's (_exit 5)" 5 "$EMBER" run -q -o "$TMP/o5" -- "$PROGS/exit_modes" _exit 100
"$EMBER" run -q -o "$TMP/oa" -- "$PROGS/exit_modes" abort 100 > /dev/null 2>&1; rc=$?
expect_eq "a program killed by SIGABRT: ember dies the same way (128+6)" "$rc" 134
check_status "-o DIR" 0 "$EMBER" run -q -o "$TMP/custom dir" -- "$PROGS/exit_modes" return 100
expect_match "profiles land in -o DIR (a path with a space)" "$(ls "$TMP/custom dir")" '^cpu\.'
check_status "a missing program: 127" 127 "$EMBER" run -q -- /nonexistent/prog
expect_eq "a missing program: one line" "$("$EMBER" run -q -- /nonexistent/prog 2>&1)" \
	"ember: run: /nonexistent/prog: No such file or directory"
check_status "no command: usage error" 2 "$EMBER" run
check_status "-F 0: usage error" 2 "$EMBER" run -F 0 -- true
check_status "bad -e: usage error" 2 "$EMBER" run -e gpu -- true
expect_match "bad -e: the agent's own message" "$("$EMBER" run -e gpu -- true 2>&1)" "EMBER_EVENTS: unknown event 'gpu'"
check_status "bad --http: usage error" 2 "$EMBER" run --http nowhere -- true
check_status "unknown option: usage error" 2 "$EMBER" run --frobnicate -- true
expect_match "ember help run documents the options" "$("$EMBER" help run)" '--no-children'
# Options after CMD belong to CMD.
expect_eq "CMD's own options are left alone" "$("$EMBER" run -q -o "$TMP/x" -- /bin/echo -F 5 -o x)" "-F 5 -o x"
# --no-children: the exec'd child writes nothing, the parent does.
"$EMBER" run -q --no-children -o "$TMP/nc" -- "$PROGS/children" fork-exec > /dev/null
expect_eq "--no-children: one CPU profile (the parent's)" "$(ls "$TMP"/nc/cpu.* | wc -l)" 1
"$EMBER" run -q -o "$TMP/wc" -- "$PROGS/children" fork-exec > /dev/null
expect_eq "without it: two CPU profiles" "$(ls "$TMP"/wc/cpu.* | wc -l)" 2

# ---- signals sent to ember reach CMD -----------------------------------------
need "$PROGS/term_signal"
ulimit -c 0
# run_bg NAME MODE MS [ember run options]: start `ember run` in the background
# on term_signal MODE (MS: how long it burns, 0 = until killed); EPID is
# ember, CPID the program once it is ready.
run_bg() {
	local name=$1 mode=$2 ms=$3 i; shift 3
	rm -rf "${TMP:?}/$name" "$TMP/$name.pid"
	${PRE:-} "$EMBER" run -o "$TMP/$name" --interval 0 "$@" -- "$PROGS/term_signal" "$mode" \
		"$TMP/$name.pid" "$ms" > "$TMP/$name.out" 2> "$TMP/$name.err" &
	EPID=$!
	CPID=
	for i in $(seq 400); do
		[ -e "$TMP/$name.pid" ] && CPID=$(cat "$TMP/$name.pid") && break
		sleep 0.05
	done
	[ -n "$CPID" ] || not_ok "$name: the program started" "$(cat "$TMP/$name.err")"
}
# reap_bg: wait at most 10 s for ember (then SIGKILL it and the program); RC.
reap_bg() {
	local i
	{
		for i in $(seq 200); do
			kill -0 "$EPID" || break
			sleep 0.05
		done
		kill -0 "$EPID" && kill -9 "$EPID" "$CPID"
		wait "$EPID"
	} 2>/dev/null
	RC=$?
}
# no_orphan NAME: the program is gone (and killed if it is not).
no_orphan() {
	if kill -0 "$CPID" 2>/dev/null; then
		not_ok "$1: the program did not outlive ember" "pid $CPID still runs"
		kill -9 "$CPID"
	else
		ok "$1: the program did not outlive ember"
	fi
}

run_bg fwd-term burn 0
sleep 1.5
kill -TERM "$EPID"; reap_bg
expect_eq "SIGTERM to ember: it dies of it like the program (143)" "$RC" 143
no_orphan "SIGTERM to ember"
expect_match "SIGTERM to ember: the profiles are listed" "$(cat "$TMP/fwd-term.err")" \
	"^ember: profiles: .*/fwd-term/cpu\.$CPID\.pb\.gz\$"
expect_match "SIGTERM to ember: the final profile shows the program's function" \
	"$("$EMBER" top -n 0 "$TMP/fwd-term/cpu.$CPID.pb.gz" 2>&1)" ' term_signal_burn$'

# A process-group kill (timeout(1), a shell's job control): the program gets
# the signal from the sender and from ember; still one final write.
PRE=setsid run_bg fwd-group burn 0
sleep 1.5
kill -TERM -- "-$EPID"; reap_bg
expect_eq "SIGTERM to ember's process group: 143" "$RC" 143
no_orphan "SIGTERM to ember's process group"
expect_match "SIGTERM to ember's process group: the final profile shows the program's function" \
	"$("$EMBER" top -n 0 "$TMP/fwd-group/cpu.$CPID.pb.gz" 2>&1)" ' term_signal_burn$'

for s in HUP USR1; do
	run_bg "fwd-$s" burn 0 -q
	kill -$s "$EPID"; reap_bg
	expect_eq "SIG$s to ember: passed on, ember dies of it like the program" "$RC" \
		$((128 + $(kill -l $s)))
	no_orphan "SIG$s to ember"
done

# SIGINT from kill(1), not from a terminal: passed on. (Background jobs of a
# script start with SIGINT ignored; env gives ember the default back.)
if env --default-signal=INT true 2>/dev/null; then
	PRE="env --default-signal=INT" run_bg fwd-int burn 0 -q
	kill -INT "$EPID"; reap_bg
	expect_eq "SIGINT to ember (kill, not a terminal): passed on (130)" "$RC" 130
	no_orphan "SIGINT to ember"
else
	skip "SIGINT to ember (kill, not a terminal)" "env --default-signal (coreutils 8.31) is missing"
fi
# ... and stays ignored when ember starts with it ignored, as CMD does then.
run_bg fwd-int-ign burn 1000 -q
kill -INT "$EPID"; reap_bg
expect_eq "SIGINT ignored by ember's parent: CMD ignores it too and exits 0" "$RC" 0

# A program that handles SIGTERM: ember waits for it and exits with its status.
run_bg fwd-own own 0 -q
kill -TERM "$EPID"; reap_bg
expect_eq "SIGTERM to ember, the program handles it: ember exits with its status (0)" "$RC" 0
expect_match "SIGTERM to ember, the program handles it: its handler ran" \
	"$(cat "$TMP/fwd-own.out")" '^own handler called$'
finish
