#!/bin/bash
# SPDX-License-Identifier: MIT
# The unwind cache (agent/unwind_cache.h): stacks walked with the rules the
# writer compiled from each module's CFI must be the stacks libunwind finds.
# EMBER_UNWIND=verify walks every stack both ways and counts the stacks that
# came out the same and those that did not, in the profile's comment. Also:
# most stacks stop needing libunwind once their addresses are learned.
. "$(dirname "$0")/../lib.sh"
need "$LIBEMBER" "$PROGS/cpu_split" "$PROGS/thread_split" "$PROGS/symcpp" "$PROGS/cxx_throw" \
	"$PROGS/sys_known" "$PROGS/own_stack" "$PROGS/own_sigprof" "$PROGS/dlopen_loop" \
	"$PROGS/libdlwork.so" "$PROGS/demo"

# comment_num PROFILE REGEX: the number before REGEX in the agent's comment.
comment_num() {
	pprof -raw "$1" 2>/dev/null | sed -n "s/.* \([0-9][0-9]*\) $2.*/\1/p" | head -1
}

# verify NAME MIN_SAME CMD...: run CMD with EMBER_UNWIND=verify. The
# counters cover every stack of the process (CPU, heap and syscall hooks):
# none differed, and at least MIN_SAME were walked both ways (0: stacks that
# never reach the cache, where only "none differed" can be checked).
verify() {
	local name=$1 min=$2 dir=$TMP/verify-$1 prof same diff
	shift 2
	rm -rf "$dir" && mkdir -p "$dir"
	EMBER_UNWIND=verify EMBER_HZ=500 agent_run "$dir" "$@" > /dev/null 2>&1
	prof=$(only_profile "$dir" cpu)
	same=$(comment_num "$prof" 'stacks walked the same with cached rules')
	diff=$(comment_num "$prof" 'differently')
	[ "$min" = 0 ] ||
		expect_ge "$name: stacks walked with cached rules and checked against libunwind" \
			"${same:-0}" "$min"
	expect_eq "$name: none of them differed" "${diff:-missing}" 0
}

verify cpu_split 100 "$PROGS/cpu_split" 1000
verify thread_split 100 "$PROGS/thread_split"
verify symcpp 50 "$PROGS/symcpp"
verify cxx_throw 50 "$PROGS/cxx_throw"
verify sys_known 20 "$PROGS/sys_known"
# CPU, heap and syscall samples for two seconds: the hooks' stacks too.
verify demo 300 "$PROGS/demo" 2
# Its own SIGPROF handler runs on the sampled stacks: signal frames, which
# the cached rules leave to libunwind.
verify own_sigprof 1 "$PROGS/own_sigprof"
# Objects loaded and unloaded 300 times: rules of an unloaded object must
# never be used for the next one loaded at its address (each dlclose
# empties the cache, so few stacks are walked both ways here).
verify dlopen_loop 0 "$PROGS/dlopen_loop" "$PROGS/libdlwork.so" 300
# Generated code without unwind information: no rule, libunwind says where
# the stack stops; nothing to compare, nothing may differ.
rm -rf "$TMP/own" && mkdir "$TMP/own"
EMBER_UNWIND=verify EMBER_EVENTS=cpu agent_run "$TMP/own" "$PROGS/own_stack" > /dev/null 2>&1
expect_eq "own_stack: no stack differed" \
	"$(comment_num "$(only_profile "$TMP/own" cpu)" differently)" 0

# EMBER_UNWIND=cached (the default): after the first stacks, libunwind is
# rarely needed. cpu_split's stacks repeat: nearly every one is cached.
# CPU timers fire on the kernel's tick (CONFIG_HZ, 250 here, as low as 100
# elsewhere): 2 s of CPU gives at least 200 signals; the rest are overruns
# folded into the samples taken. 150 is enough for the 90% below to mean
# something without depending on the tick.
rm -rf "$TMP/cached" && mkdir "$TMP/cached"
EMBER_HZ=250 EMBER_EVENTS=cpu agent_run "$TMP/cached" "$PROGS/cpu_split" 2000 > /dev/null
prof=$(only_profile "$TMP/cached" cpu)
total=$(comment_num "$prof" 'CPU samples')
slow=$(comment_num "$prof" 'stacks walked by libunwind')
expect_ge "cpu_split: samples taken" "${total:-0}" 150
expect_ge "cpu_split: at least 90% of its stacks walked with cached rules" \
	"$(( ${total:-0} * 9 / 10 ))" "${slow:-999999}"
expect_match "and the profile is the same: burn_a under main" \
	"$(pprof -top -cum -nodecount=30 "$prof" 2>/dev/null)" ' burn_a$'

# EMBER_UNWIND=libunwind: every stack goes to libunwind.
rm -rf "$TMP/lu" && mkdir "$TMP/lu"
EMBER_UNWIND=libunwind EMBER_HZ=500 EMBER_EVENTS=cpu agent_run "$TMP/lu" "$PROGS/cpu_split" 500 > /dev/null
prof=$(only_profile "$TMP/lu" cpu)
expect_eq "EMBER_UNWIND=libunwind: every stack walked by libunwind" \
	"$(comment_num "$prof" 'stacks walked by libunwind')" "$(comment_num "$prof" 'CPU samples')"

finish
