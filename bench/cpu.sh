#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/cpu.sh - CPU sampling: what ember costs a CPU-bound program at 99 Hz,
# side by side with perf record (frame pointers and DWARF) and gperftools'
# libprofiler in the same hyperfine run; how many samples arrive per CPU
# second against the rate asked for; the agent's added RSS on 16 threads.
. "$(dirname "$0")/lib.sh"
need_cmd hyperfine perf python3 taskset
PROFILER=$(ls /usr/lib/x86_64-linux-gnu/libprofiler.so.0 2>/dev/null || true)
need_file "$LIB" "$WORK/w_cpu" "$PROFILER"
W=$WORK/w_cpu

header "CPU sampling at 99 Hz: w_cpu (1 thread, 30-deep recursion, -O2 without frame pointers), $RUNS runs"
hf cpu --runs "$RUNS" \
	-n base       "$PIN $W" \
	-n ember-cpu  "$PIN env LD_PRELOAD=$LIB EMBER_EVENTS=cpu EMBER_HZ=99 EMBER_OUTPUT=$T/e $W" \
	-n ember-all  "$PIN env LD_PRELOAD=$LIB EMBER_HZ=99 EMBER_OUTPUT=$T/a $W" \
	-n perf-fp    "$PIN perf record -q -e cpu-clock -F 99 -g -o $T/fp.data $W" \
	-n perf-dwarf "$PIN perf record -q -e cpu-clock -F 99 --call-graph dwarf -o $T/dw.data $W" \
	-n gperftools "$PIN env LD_PRELOAD=$PROFILER CPUPROFILE=$T/g.prof CPUPROFILE_FREQUENCY=100 $W"
stats --ember ember- "$RES/cpu.json"
echo "   (ember-all: cpu, heap and syscall profiles on; perf-fp unwinds with frame pointers,"
echo "    which this binary lacks, so its stacks are wrong; perf-dwarf copies 8 KiB of stack per sample)"

echo
echo "== samples delivered per CPU second (ember, w_cpu, one run each)"
printf '   %-8s %-8s %10s %10s %10s %9s\n' Hz threads cpu_s expected samples delivered
for hz in 99 250 1000; do
	for th in 1 2; do
		rm -rf "$T/f" && mkdir "$T/f"
		secs=$($PIN env LD_PRELOAD="$LIB" EMBER_EVENTS=cpu EMBER_HZ=$hz EMBER_OUTPUT="$T/f" \
			"$W" $((4000 / th)) "$th" | awk '{ print $2 }')
		got=$(total_of "$T"/f/cpu.*.pb.gz samples)
		awk -v hz=$hz -v th=$th -v s="$secs" -v got="$got" 'BEGIN {
			printf "   %-8d %-8d %10.3f %10.0f %10d %8.1f%%\n", hz, th, s, hz * s, got, 100 * got / (hz * s) }'
	done
done
echo "   (CPU-time timers fire on the kernel's tick: CONFIG_HZ caps any per-thread signal"
echo "    sampler at HZ samples per CPU second; overruns are counted, so the weight stays right)"

echo
echo "== resident memory, w_cpu with 16 threads (peak RSS, GNU time, median of 3)"
rss() {
	for _ in 1 2 3; do
		/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1
	done | sort -n | sed -n 2p
}
base=$(rss $PIN "$W" 300 16)
cpu=$(rss $PIN env LD_PRELOAD="$LIB" EMBER_EVENTS=cpu EMBER_OUTPUT="$T/r" "$W" 300 16)
all=$(rss $PIN env LD_PRELOAD="$LIB" EMBER_OUTPUT="$T/r" "$W" 300 16)
awk -v b="$base" -v c="$cpu" -v a="$all" 'BEGIN {
	printf "   without ember %7.1f MiB\n   ember (cpu)   %7.1f MiB  (+%.1f MiB)\n   ember (all)   %7.1f MiB  (+%.1f MiB)\n",
		b / 1024, c / 1024, (c - b) / 1024, a / 1024, (a - b) / 1024 }'
