#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/cpu.sh - CPU sampling: what ember costs a CPU-bound program at 99 Hz,
# side by side with perf record (frame pointers and DWARF) and gperftools'
# libprofiler in the same hyperfine run; what it costs once per process
# (start-up, loading symbols at the first write, the final write), with and
# without glibc's debug file; how many samples arrive per CPU second against
# the rate asked for; the agent's added RSS on 16 threads.
. "$(dirname "$0")/lib.sh"
need_cmd hyperfine perf python3 taskset unshare
PROFILER=$(ls /usr/lib/x86_64-linux-gnu/libprofiler.so.0 2>/dev/null || true)
need_file "$LIB" "$WORK/w_cpu" "$PROFILER"
W=$WORK/w_cpu
ROUNDS=${CPU_ROUNDS:-40000}	# ~10 s of CPU here
CPU_RUNS=${CPU_RUNS:-5}

header "CPU sampling at 99 Hz: w_cpu $ROUNDS (1 thread, 30-deep recursion, -O2 without frame pointers), $CPU_RUNS runs"
hf cpu --runs "$CPU_RUNS" \
	-n base       "$PIN $W $ROUNDS" \
	-n ember-cpu  "$PIN env LD_PRELOAD=$LIB EMBER_EVENTS=cpu EMBER_HZ=99 EMBER_OUTPUT=$T/e $W $ROUNDS" \
	-n ember-all  "$PIN env LD_PRELOAD=$LIB EMBER_HZ=99 EMBER_OUTPUT=$T/a $W $ROUNDS" \
	-n perf-fp    "$PIN perf record -q -e cpu-clock -F 99 -g -o $T/fp.data $W $ROUNDS" \
	-n perf-dwarf "$PIN perf record -q -e cpu-clock -F 99 --call-graph dwarf -o $T/dw.data $W $ROUNDS" \
	-n gperftools "$PIN env LD_PRELOAD=$PROFILER CPUPROFILE=$T/g.prof CPUPROFILE_FREQUENCY=100 $W $ROUNDS"
stats --ember ember- "$RES/cpu.json"
echo "   (ember-all: cpu, heap and syscall profiles on; perf-fp unwinds with frame pointers,"
echo "    which this binary lacks, so its stacks are wrong; perf-dwarf copies 8 KiB of stack per"
echo "    sample; gperftools' setitimer signals stop at ~250 Hz per process, its stacks are"
echo "    frame-pointer walks too)"

echo
# Once per process: start-up, the symbols of the program and libc loaded for
# the first write (DWARF from glibc's debug file when libc6-dbg is installed:
# its sections are zlib-compressed and inflated whole), the final write.
# Without the debug file: /usr/lib/debug hidden in a private mount namespace.
echo "== once per process: w_cpu 40 (~10 ms of CPU), $RUNS runs"
EMPTY=$T/empty && mkdir -p "$EMPTY"
hf cpu-fixed --runs "$RUNS" \
	-n base             "$W 40" \
	-n ember-cpu        "env LD_PRELOAD=$LIB EMBER_EVENTS=cpu EMBER_OUTPUT=$T/x $W 40" \
	-n ember-all        "env LD_PRELOAD=$LIB EMBER_OUTPUT=$T/x $W 40" \
	-n base-nodbg       "unshare -m sh -c \"mount --bind $EMPTY /usr/lib/debug && exec $W 40\"" \
	-n ember-cpu-nodbg  "unshare -m sh -c \"mount --bind $EMPTY /usr/lib/debug && exec env LD_PRELOAD=$LIB EMBER_EVENTS=cpu EMBER_OUTPUT=$T/x $W 40\""
stats --ember ember- "$RES/cpu-fixed.json" | grep -v 'overhead share\|: peer'
echo "   (the -nodbg pair runs with /usr/lib/debug hidden: no DWARF for libc)"

echo
echo "== samples delivered per CPU second (ember, w_cpu, one run each)"
printf '   %-6s %-8s %8s %9s %9s %9s %9s\n' Hz threads cpu_s expected signals expiries delivered
for hz in 99 250 1000; do
	for th in 1 2; do
		rm -rf "$T/f" && mkdir "$T/f"
		secs=$($PIN env LD_PRELOAD="$LIB" EMBER_EVENTS=cpu EMBER_HZ=$hz EMBER_OUTPUT="$T/f" \
			"$W" $((4000 / th)) "$th" | awk '{ print $2 }')
		f=$(ls "$T"/f/cpu.*.pb.gz)
		got=$(total_of "$f" samples)
		sig=$(HOME=$T go tool pprof -raw "$f" 2>/dev/null | sed -n 's/.* \([0-9]*\) CPU samples.*/\1/p' | head -1)
		awk -v hz=$hz -v th=$th -v s="$secs" -v got="$got" -v sig="$sig" 'BEGIN {
			printf "   %-6d %-8d %8.3f %9.0f %9d %9d %8.1f%%\n", hz, th, s, hz * s, sig, got, 100 * got / (hz * s) }'
	done
done
echo "   signals: timer signals handled (one stack each); expiries: what they stand for (a"
echo "   signal delivered late counts the timer's overruns), the samples value in the profile."
echo "   POSIX CPU-time timers are checked at the kernel's tick, so above CONFIG_HZ signals"
echo "   carry overruns; the rate of expiries stays right."

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
nodbg=$(rss unshare -m sh -c "mount --bind $EMPTY /usr/lib/debug && exec $PIN env LD_PRELOAD=$LIB EMBER_OUTPUT=$T/r $W 300 16")
awk -v b="$base" -v c="$cpu" -v a="$all" -v n="$nodbg" 'BEGIN {
	printf "   without ember  %7.1f MiB\n", b / 1024
	printf "   ember (cpu)    %7.1f MiB  (+%.1f MiB)\n", c / 1024, (c - b) / 1024
	printf "   ember (all)    %7.1f MiB  (+%.1f MiB)\n", a / 1024, (a - b) / 1024
	printf "   ember (all), no libc debug file %5.1f MiB  (+%.1f MiB)\n", n / 1024, (n - b) / 1024 }'
echo "   (with libc6-dbg, most of the difference is glibc's DWARF, inflated in memory)"
