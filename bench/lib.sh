# SPDX-License-Identifier: MIT
# bench/lib.sh - shared by the benchmark scripts (sourced, not run).
# Sets B (build dir), LIB (libember.so), WORK (workload dir), RES (results,
# kept), T (scratch, removed at exit); RUNS and WARMUP come from the
# environment (a quick look: RUNS=3 make bench).
set -eu
cd "$(dirname "$0")/.."
B=${OUTPUT:-build}
LIB=$PWD/$B/libember.so
EMBER=$PWD/$B/ember
WORK=$PWD/$B/bench/work
RES=$PWD/$B/bench/results
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
mkdir -p "$RES"
T=$(mktemp -d /tmp/ember-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
# Everything pinned to one CPU ("contended": the profiler's own threads and
# processes compete with the workload, as on a busy production host).
PIN=${PIN:-taskset -c 1}

need_cmd() {
	for c in "$@"; do
		command -v "$c" > /dev/null || { echo "bench: $c is missing (make deps-bench)" >&2; exit 1; }
	done
}
need_file() {
	for f in "$@"; do
		[ -e "$f" ] || { echo "bench: $f is missing (make bench builds it)" >&2; exit 1; }
	done
}
# hf NAME ARGS...: hyperfine into $RES/NAME.json, quiet; stats printed after.
hf() {
	local name=$1; shift
	hyperfine --shell=none --style=none --warmup "$WARMUP" --export-json "$RES/$name.json" "$@" \
		> "$RES/$name.log" 2>&1 || { cat "$RES/$name.log" >&2; return 1; }
}
stats() { python3 bench/hyperstat.py "$@"; }
# steady NAME ROUNDS WORKLOAD N NAME=PREFIX...: every arm runs "PREFIX
# WORKLOAD N/200", then "PREFIX WORKLOAD N", round robin (interleave.py),
# and the stats take each arm's short run out of its full one
# (hyperstat.py --fixed): the steady state, apart from one-time costs.
# The baseline arm is "base"; its PREFIX may be empty.
steady() {
	local name=$1 rounds=$2 work=$3 n=$4 a short=() full=()
	shift 4
	for a in "$@"; do
		short+=("${a%%=*}=${a#*=} $work $(( n / 200 ))")
		full+=("${a%%=*}=${a#*=} $work $n")
	done
	python3 bench/interleave.py --rounds "$rounds" --export-json "$RES/$name-fixed.json" "${short[@]}"
	python3 bench/interleave.py --rounds "$rounds" --export-json "$RES/$name.json" "${full[@]}"
	stats --ember ember- --fixed "$RES/$name-fixed.json" "$RES/$name.json"
}
header() {
	echo "== $1"
	echo "   $(uname -r), $(nproc) CPUs, clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo ?), pinned: ${PIN:-no}"
}
# samples_total PROFILE TYPE: the profile's total for a sample type.
total_of() {
	"$EMBER" top --type "$2" -n 1 "$1" | sed -n 's/.*Total = \([0-9.]*\).*/\1/p'
}
