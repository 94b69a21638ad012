#!/bin/bash
# SPDX-License-Identifier: MIT
# The agent must never change what a program does. Each program under
# tests/progs runs without and with libember.so (sampling at the highest
# rate); output and exit status must be identical, nothing may crash or hang,
# and each run leaves a readable profile where it lived long enough.
. "$(dirname "$0")/../lib.sh"
need "$LIBEMBER" "$EMBER" "$PROGS/thread_storm" "$PROGS/fd_reuse" "$PROGS/close_fds" "$PROGS/phdr_loop"
export EMBER_HZ=10000 EMBER_INTERVAL=1

# same_behaviour NAME CMD...: compare plain and preloaded runs. AGENT_SAYS, if
# set, is a line the agent is documented to print in this run: it must be in
# the preloaded output exactly once, and is left out of the comparison.
same_behaviour() {
	local name=$1 out said; shift
	out=$TMP/$name
	rm -rf "$out" && mkdir -p "$out"
	timeout 120 "$@" > "$out.plain" 2>&1; local rc_plain=$?
	# timeout outside the preload: only the program itself is profiled.
	timeout 120 env EMBER_OUTPUT="$out" LD_PRELOAD="$LIBEMBER" "$@" > "$out.agent" 2>&1
	local rc_agent=$?
	if [ -n "${AGENT_SAYS:-}" ]; then
		said=$(grep -cxF -- "$AGENT_SAYS" "$out.agent")
		expect_eq "$name: the agent printed '$AGENT_SAYS' once" "$said" 1
		grep -vxF -- "$AGENT_SAYS" "$out.agent" > "$out.agent.rest"
		mv "$out.agent.rest" "$out.agent"
	fi
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
# The same through each libc function that installs a handler without
# calling sigaction by name (glibc uses its internal one): the agent must
# still move off SIGPROF, and the previous handler must read as the default.
for api in signal bsd_signal ssignal sysv_signal __sysv_signal sigset; do
	same_behaviour "own_sigprof-$api" "$PROGS/own_sigprof" "$api"
	expect_match "own_sigprof-$api: no SIGPROF of the agent's reached the program" \
		"$(cat "$TMP/own_sigprof-$api.agent")" '^SIGPROF after the itimer stopped: 0$'
done
readable own_sigprof-sysv_signal "$TMP/own_sigprof-sysv_signal" main
# siginterrupt, sysv_signal, sigignore, sighold on SIGPROF and SIGTERM: the
# program sees what it sees without the agent, and underneath, the kernel
# keeps the sampler's handler restarting system calls and never blocked.
same_behaviour sig_apis "$PROGS/sig_apis"
# SIGPROF raised at SIG_DFL kills the program, with the agent on it too
# (before: the agent's handler swallowed it); SIGPROF ignored stays ignored
# across exec (before: the agent kept its handler and the new program died).
same_behaviour sig_apis-raise "$PROGS/sig_apis" raise
expect_eq "sig_apis raise: killed by SIGPROF (155), as without the agent" \
	"$(EMBER_OUTPUT=$TMP/raise LD_PRELOAD="$LIBEMBER" "$PROGS/sig_apis" raise > /dev/null 2>&1; echo $?)" 155
EMBER_NO_CHILDREN=1 same_behaviour sig_apis-ignexec "$PROGS/sig_apis" ignexec
expect_match "sig_apis ignexec: the exec'd program survives its SIGPROF" \
	"$(cat "$TMP/sig_apis-ignexec.agent")" '^survived SIGPROF after exec$'
EMBER_OUTPUT=$TMP/sig_apis LD_PRELOAD="$LIBEMBER" "$PROGS/sig_apis" kernel > "$TMP/sig_apis.kernel" 2>&1
expect_eq "sig_apis: the sampler's handler is never reset, never loses SA_RESTART, never blocked" \
	"$(grep '^kernel' "$TMP/sig_apis.kernel" | grep -vc 'SIGPROF handled, restart=yes, blocked=no$')" 0
expect_eq "sig_apis: the kernel was read three times" "$(grep -c '^kernel' "$TMP/sig_apis.kernel")" 3
# Threads on 16 KiB stacks, 4 KiB of it in use: the agent's handler and
# hooks run on that stack too. libunwind's walk needs more than is left, so
# those stacks are not walked, and say so.
same_behaviour tiny_stack "$PROGS/tiny_stack" 4
readable tiny_stack "$TMP/tiny_stack"
expect_match "tiny_stack: its samples say the stack was not walked, and why" \
	"$(pprof -top -nodecount=50 "$(only_profile "$TMP/tiny_stack" cpu)" 2>/dev/null)" \
	' \[not unwound: too little stack left\]$'
expect_match "tiny_stack: and the profile counts them" \
	"$(pprof -raw "$(only_profile "$TMP/tiny_stack" cpu)" 2>/dev/null)" ' [1-9][0-9]* not unwound \(little stack left\)'
same_behaviour timers "$PROGS/timers_user"
readable timers "$TMP/timers"
same_behaviour cxx_throw "$PROGS/cxx_throw"
readable cxx_throw "$TMP/cxx_throw" level1
same_behaviour close_fds "$PROGS/close_fds"
readable close_fds "$TMP/close_fds"
same_behaviour dlopen_loop "$PROGS/dlopen_loop" "$PROGS/libdlwork.so" 400
readable dlopen_loop "$TMP/dlopen_loop"

# closefrom, close_range and dup2 over every descriptor, with the HTTP
# endpoint on so the agent has descriptors of its own (from 900 up) among the
# program's. The program plants descriptors around them and checks that each
# was closed, then works with new ones.
for mode in closefrom close_range; do
	EMBER_HTTP=127.0.0.1:0 same_behaviour "close_fds-$mode" "$PROGS/close_fds" "$mode"
	readable "close_fds-$mode" "$TMP/close_fds-$mode" close_fds_burn
done
# dup2 onto the endpoint's number takes it: the agent gives the endpoint up
# with one warning, the only line it may add.
AGENT_SAYS="ember: warning: the program reused the HTTP endpoint's descriptor; /debug/pprof is off" \
	EMBER_HTTP=127.0.0.1:0 same_behaviour close_fds-dup2 "$PROGS/close_fds" dup2
readable close_fds-dup2 "$TMP/close_fds-dup2" close_fds_burn
# After closefrom(3) the endpoint still answers, while the program burns CPU.
rm -rf "$TMP/cf-http" && mkdir "$TMP/cf-http"
timeout 60 env EMBER_OUTPUT="$TMP/cf-http" EMBER_HTTP=127.0.0.1:0 EMBER_VERBOSE=1 \
	LD_PRELOAD="$LIBEMBER" "$PROGS/close_fds" closefrom > "$TMP/cf-http.out" 2> "$TMP/cf-http.err" &
pid=$!
port=
for _ in $(seq 100); do
	if grep -q '^closefrom: ' "$TMP/cf-http.out"; then
		port=$(sed -n 's/.*serving \/debug\/pprof on .* (port \([0-9]*\)).*/\1/p' "$TMP/cf-http.err")
		break
	fi
	sleep 0.1
done
if [ -n "$port" ]; then
	expect_match "close_fds-closefrom: the HTTP endpoint answers after closefrom(3)" \
		"$(curl -s --max-time 10 "http://127.0.0.1:$port/debug/pprof/")" 'ember agent'
	wait $pid
else
	not_ok "close_fds-closefrom: the HTTP endpoint answers after closefrom(3)" \
		"no 'closefrom:' line or no port within 10 s" "$(cat "$TMP/cf-http.out" "$TMP/cf-http.err")"
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
fi

# dl_iterate_phdr and dladdr in a loop while another thread dlopens and
# dlcloses: samples land inside the loader while it holds its locks.
same_behaviour phdr_loop "$PROGS/phdr_loop" "$PROGS/libdlwork.so"
readable phdr_loop "$TMP/phdr_loop" phdr_round

# A program that closes everything from 3 up and reuses the numbers while
# the agent writes as often as it can: neither may see the other's files.
same_behaviour fd_reuse "$PROGS/fd_reuse" 2
readable fd_reuse "$TMP/fd_reuse"

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
# main() ends with pthread_exit(): the process ends when its last thread
# does (before: the agent's threads kept it alive for ever, unkillable by
# SIGTERM). same_behaviour's timeout (120 s) would catch a hang; 20 s here.
rm -rf "$TMP/exit-pthread" && mkdir -p "$TMP/exit-pthread"
out=$(timeout -k 5 20 env EMBER_OUTPUT="$TMP/exit-pthread" EMBER_HTTP=127.0.0.1:0 LD_PRELOAD="$LIBEMBER" \
	"$PROGS/exit_modes" pthread_exit 500 2>&1); rc=$?
expect_eq "main thread's pthread_exit: the process ends with status 0 when its worker does" "$rc" 0
expect_eq "main thread's pthread_exit: its output is the program's" "$out" "$(printf 'exit_modes pthread_exit\nworker done')"
readable exit-pthread "$TMP/exit-pthread" exit_modes_work

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
