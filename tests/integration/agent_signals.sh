#!/bin/bash
# SPDX-License-Identifier: MIT
# Termination signals (SIGHUP, SIGINT, SIGQUIT, SIGTERM) the program leaves at
# SIG_DFL: the agent writes the final profiles and the program still dies of
# the signal, with the exit status it has without the agent. A program's own
# handler, SIG_IGN and a blocked signal behave exactly as without the agent.
# The programs burn CPU until a real signal from this script ends them;
# EMBER_INTERVAL=0, so any profile comes from the final write.
. "$(dirname "$0")/../lib.sh"
need "$LIBEMBER" "$EMBER" "$PROGS/term_signal"
PROG=$PROGS/term_signal
ulimit -c 0
cd "$TMP" || exit 1
# Background jobs of a non-interactive shell start with SIGINT and SIGQUIT
# ignored (and the agent leaves ignored signals alone): start the programs
# as a terminal would.
DEFSIG="env --default-signal=HUP,INT,QUIT,TERM"
if ! $DEFSIG true 2>/dev/null; then
	skip "termination signals" "env --default-signal (coreutils 8.31) is missing"
	finish
fi
PID=
T0=
RC=
ELAPSED_MS=

# wait_file FILE: wait up to 20 s for FILE to appear.
wait_file() {
	local i
	for i in $(seq 400); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# start NAME AGENT MODE [MS]: start the program (AGENT=1: with the agent,
# profiles in $TMP/NAME) in the background, output in $TMP/NAME.out; PID is
# set once it is ready to be signalled. Extra environment from $XENV.
start() {
	local name=$1 agent=$2 mode=$3 ms=${4:-0} pre=()
	rm -rf "${TMP:?}/$name" "$TMP/$name.pid" && mkdir -p "$TMP/$name"
	[ "$agent" = 1 ] && pre=(EMBER_OUTPUT="$TMP/$name" EMBER_INTERVAL=0 LD_PRELOAD="$LIBEMBER")
	$DEFSIG ${XENV:-} "${pre[@]}" "$PROG" "$mode" "$TMP/$name.pid" "$ms" \
		> "$TMP/$name.out" 2> "${ERR:-$TMP/$name.err}" &
	PID=$!
	T0=
	wait_file "$TMP/$name.pid" || not_ok "$name: the program started" "$(cat "$TMP/$name.err")"
}

# sig SIGNAL: send SIGNAL to PID; the first one since start() starts the clock.
sig() {
	[ -n "$T0" ] || T0=$(date +%s%N)
	kill -"$1" "$PID"
}

# reap: wait at most 10 s for PID to end (then SIGKILL it); sets RC and
# ELAPSED_MS (since the first signal).
reap() {
	local i
	[ -n "$T0" ] || T0=$(date +%s%N)
	# (2>/dev/null: bash would report "Hangup", "Quit" on stderr)
	{
		for i in $(seq 200); do
			kill -0 "$PID" || break
			sleep 0.05
		done
		kill -0 "$PID" && kill -9 "$PID"
		wait "$PID"
	} 2>/dev/null
	RC=$?
	ELAPSED_MS=$((($(date +%s%N) - T0) / 1000000))
}

# readable NAME DIR [FUNCTION]: DIR holds exactly one cpu, heap and syscall
# profile; each reads in ember top and pprof; FUNCTION is in the CPU profile.
readable() {
	local name=$1 dir=$2 fn=${3:-} kind f bad="" cpu
	for kind in cpu heap syscall; do
		f=$(only_profile "$dir" $kind)
		if [ -z "$f" ]; then bad="$bad no-$kind"; continue; fi
		"$EMBER" top "$f" > /dev/null 2>&1 || bad="$bad ember:$kind"
		pprof -raw "$f" > /dev/null 2> "$TMP/raw.err" || bad="$bad pprof:$kind"
		[ -s "$TMP/raw.err" ] && bad="$bad pprof-stderr:$kind($(head -c 200 "$TMP/raw.err"))"
	done
	if [ -z "$bad" ]; then ok "$name: cpu, heap and syscall profiles read by ember top and pprof"
	else not_ok "$name: cpu, heap and syscall profiles readable" "problems:$bad" "$(ls -A "$dir")"; fi
	[ -n "$fn" ] || return 0
	cpu=$(only_profile "$dir" cpu)
	expect_match "$name: ember top shows $fn" "$("$EMBER" top -n 0 "$cpu" 2>&1)" " $fn\$"
	expect_match "$name: pprof shows $fn" "$(pprof -raw "$cpu" 2>&1)" " $fn "
}

# ---- killed by a termination signal -----------------------------------------
for sig in TERM INT HUP QUIT; do
	want=$((128 + $(kill -l $sig)))
	start "plain-$sig" 0 burn
	sleep 0.5
	sig $sig; reap; rc_plain=$RC
	expect_eq "SIG$sig without the agent: exit status $want" "$rc_plain" "$want"
	start "$sig" 1 burn
	sleep "$([ $sig = QUIT ] && echo 1 || echo 2)"
	if [ $sig = TERM ]; then
		# The agent's threads (all but the main one here) block every
		# termination signal, so none can land on them.
		bad=""
		for t in /proc/$PID/task/*; do
			[ "${t##*/}" = "$PID" ] && continue
			blk=$(awk '/^SigBlk:/ { print $2 }' "$t/status")
			[ $((0x$blk & 0x4007)) = $((0x4007)) ] || bad="$bad ${t##*/}:$blk"
		done
		expect_eq "the agent's threads block SIGHUP, SIGINT, SIGQUIT, SIGTERM" "$bad" ""
	fi
	sig $sig; reap
	expect_eq "SIG$sig with the agent: same exit status" "$RC" "$rc_plain"
	expect_eq "SIG$sig: same output with the agent" "$(cat "$TMP/$sig.out")" "$(cat "$TMP/plain-$sig.out")"
	expect_match "SIG$sig: the program saw SIG_DFL with the agent" "$(cat "$TMP/$sig.out")" '^Terminated: default$'
	readable "SIG$sig" "$TMP/$sig" term_signal_burn
	[ -e "$TMP/core" ] && not_ok "SIG$sig: no core file (ulimit -c 0)" && rm -f "$TMP/core"
done

# ---- the program's own handler wins ----------------------------------------
for agent in 0 1; do
	start "own-$agent" $agent own
	sleep 0.5
	sig TERM; reap; rc[$agent]=$RC
done
expect_eq "own SIGTERM handler: exit status 0 without the agent" "${rc[0]}" 0
expect_eq "own SIGTERM handler: same exit status with the agent" "${rc[1]}" 0
expect_eq "own SIGTERM handler: same output with the agent" "$(cat "$TMP/own-1.out")" "$(cat "$TMP/own-0.out")"
expect_match "own SIGTERM handler: sigaction reported SIG_DFL before" "$(cat "$TMP/own-1.out")" \
	'previous SIGTERM action: default, flags plain'
expect_match "own SIGTERM handler: it was called" "$(cat "$TMP/own-1.out")" '^own handler called$'
readable "own SIGTERM handler (normal exit)" "$TMP/own-1"

# ---- SIG_DFL set by the program: sigaction, signal, sigset ----------------
for agent in 0 1; do
	start "dfl-$agent" $agent dfl
	sleep 1
	sig TERM; reap; rc[$agent]=$RC
done
expect_eq "SIG_DFL set by the program: exit status 143 without the agent" "${rc[0]}" 143
expect_eq "SIG_DFL set by the program: same exit status with the agent" "${rc[1]}" 143
expect_eq "SIG_DFL set by the program: sigaction/signal/sigset report the same" \
	"$(cat "$TMP/dfl-1.out")" "$(cat "$TMP/dfl-0.out")"
readable "SIG_DFL set by the program" "$TMP/dfl-1" term_signal_burn

# ---- SIG_IGN inherited: left alone ------------------------------------------
for agent in 0 1; do
	rm -rf "${TMP:?}/ign-$agent" "$TMP/ign-$agent.pid" && mkdir -p "$TMP/ign-$agent"
	pre=()
	[ $agent = 1 ] && pre=(EMBER_OUTPUT="$TMP/ign-$agent" EMBER_INTERVAL=0 LD_PRELOAD="$LIBEMBER")
	(trap '' TERM; exec env --default-signal=HUP,INT,QUIT "${pre[@]}" "$PROG" burn \
		"$TMP/ign-$agent.pid" 1500 > "$TMP/ign-$agent.out" 2>&1) &
	PID=$!
	T0=
	wait_file "$TMP/ign-$agent.pid"
	sig TERM; reap; rc[$agent]=$RC
done
expect_eq "SIGTERM ignored from the start: exit status 0 without the agent" "${rc[0]}" 0
expect_eq "SIGTERM ignored from the start: same exit status with the agent" "${rc[1]}" 0
expect_eq "SIGTERM ignored from the start: same output with the agent" \
	"$(cat "$TMP/ign-1.out")" "$(cat "$TMP/ign-0.out")"
expect_match "SIGTERM ignored from the start: the program saw SIG_IGN" "$(cat "$TMP/ign-1.out")" \
	'^Terminated: ignored$'

# ---- blocked by the program: pending until unblocked -------------------------
for agent in 0 1; do
	start "blocked-$agent" $agent blocked
	sig TERM; reap; rc[$agent]=$RC
done
expect_eq "SIGTERM blocked, then unblocked: exit status 143 without the agent" "${rc[0]}" 143
expect_eq "SIGTERM blocked, then unblocked: same exit status with the agent" "${rc[1]}" 143
expect_eq "SIGTERM blocked, then unblocked: same output with the agent" \
	"$(cat "$TMP/blocked-1.out")" "$(cat "$TMP/blocked-0.out")"
readable "SIGTERM blocked, then unblocked" "$TMP/blocked-1" term_signal_burn

# ---- a forked child killed by SIGTERM writes its own profile -----------------
for agent in 0 1; do
	start "child-$agent" $agent child
	cpid[$agent]=$(cat "$TMP/child-$agent.pid")
	sleep 1
	kill -TERM "${cpid[$agent]}"
	reap; rc[$agent]=$RC
done
expect_eq "forked child killed by SIGTERM: same output with the agent" \
	"$(cat "$TMP/child-1.out")" "$(cat "$TMP/child-0.out")"
expect_eq "forked child killed by SIGTERM: the parent exits 0, agent or not" "${rc[0]} ${rc[1]}" "0 0"
expect_match "forked child killed by SIGTERM: the parent saw it" "$(cat "$TMP/child-1.out")" \
	'^child killed by Terminated$'
f=$TMP/child-1/cpu.${cpid[1]}.pb.gz
expect_match "forked child killed by SIGTERM: its own profile shows term_signal_burn" \
	"$("$EMBER" top -n 0 "$f" 2>&1)" ' term_signal_burn$'

# ---- a writer that cannot finish: the wait is bounded ------------------------
# With EMBER_VERBOSE=1 the writer logs to stderr; the program fills its stderr
# (a pipe nobody reads) first, so the final write blocks for good.
# stall NAME: start the stalling program with a fresh pipe for its stderr.
stall() {
	local fifo=$TMP/$1.fifo
	rm -f "$fifo" && mkfifo "$fifo"
	exec {STALL_FD}<>"$fifo"
	XENV=EMBER_VERBOSE=1 ERR=$fifo start "$1" 1 stall
	sleep 1
}
unstall() { exec {STALL_FD}>&-; }

stall stall-one
sig TERM; reap; unstall
expect_eq "stuck writer: still dies of SIGTERM (143)" "$RC" 143
if [ "$ELAPSED_MS" -ge 1500 ] && [ "$ELAPSED_MS" -le 4500 ]; then
	ok "stuck writer: gave up after the bounded wait (${ELAPSED_MS} ms, bound 2000)"
else
	not_ok "stuck writer: gave up after the bounded wait" "took ${ELAPSED_MS} ms, want 1500-4500"
fi

stall stall-second
sig TERM; sleep 0.5; sig INT; reap; unstall
expect_eq "a second signal while waiting: dies at once, of the first signal (143)" "$RC" 143
if [ "$ELAPSED_MS" -lt 1200 ]; then
	ok "a second signal while waiting: no more waiting (${ELAPSED_MS} ms after the first)"
else
	not_ok "a second signal while waiting: no more waiting" "took ${ELAPSED_MS} ms, want < 1200 (0.5 s between the signals)"
fi

# SIGTERM twice within EM_EXITSIG_DUP_MS (what a process-group kill plus
# ember run's forwarding, or systemd's cgroup kill, delivers): one request,
# the wait goes on. (Apart enough not to merge into one pending signal.)
stall stall-dup
sig TERM; sleep 0.02; sig TERM; reap; unstall
expect_eq "the same request twice: dies of the first signal (143)" "$RC" 143
if [ "$ELAPSED_MS" -ge 1500 ]; then
	ok "the same request twice: the wait went on (${ELAPSED_MS} ms)"
else
	not_ok "the same request twice: the wait went on" "took ${ELAPSED_MS} ms, want >= 1500"
fi
finish
