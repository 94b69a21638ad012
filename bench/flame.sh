#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/flame.sh - how `ember flame` scales: 1k, 10k and 100k unique stacks
# of depth 8 to 64 (~10 samples each, so 100k stacks are ~1,000,000 samples
# and ~25 MB of folded text; tests/tools/gen_stacks), from folded text and
# from pprof, to SVG (and to HTML for reference).
#
#   bench/flame.sh [RUNS]      (default 5; run `make progs` first)
#
# Wall time is the median of RUNS runs (bash's EPOCHREALTIME around each);
# peak memory is the largest maximum RSS GNU time reports over the runs.
# Not part of `make test`: timings depend on the machine.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$ROOT/${OUTPUT:-build}
RUNS=${1:-5}
EMBER=$B/ember
GEN=$B/tests/tools/gen_stacks
[ -x "$EMBER" ] && [ -x "$GEN" ] || { echo "bench/flame.sh: run make progs first" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/flame.sh: needs GNU time (apt-get install time)" >&2; exit 1; }
W=$(mktemp -d /tmp/ember-flame-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

# measure INPUT OUTPUT: prints "median_wall_seconds median_cpu_seconds max_rss_mib".
# CPU time (user + system) is shown too: on a busy machine it is the steadier figure.
measure() {
	local in=$1 out=$2 walls=() cpus=() rss=0 t0 t1 r i
	for ((i = 0; i < RUNS; i++)); do
		t0=$EPOCHREALTIME
		/usr/bin/time -f '%U %S %M' -o "$W/time" "$EMBER" flame "$in" -o "$out"
		t1=$EPOCHREALTIME
		walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
		read -r u sy r < <(tail -1 "$W/time")
		cpus+=("$(awk -v u="$u" -v s="$sy" 'BEGIN { printf "%.2f", u + s }')")
		[ "$r" -gt "$rss" ] && rss=$r
	done
	printf '%s %s %s\n' "$(median "${walls[@]}")" "$(median "${cpus[@]}")" \
		"$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')"
}
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '%s, %s runs each: median wall and CPU time, peak RSS\n' "$(uname -srm)" "$RUNS"
printf '%s\n\n' "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //') ($(nproc) CPUs)"
printf '| %7s | %9s | %-6s | %9s | %-6s | %8s | %6s | %9s | %8s | %9s |\n' stacks samples input "in size" output wall cpu "peak RSS" "frames" "out size"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' --------: ----------: ------- ----------: ------- ---------: -------: ----------: ---------: ----------:
for n in 1000 10000 100000; do
	"$GEN" "$n" "$W/s$n"
	samples=$(awk '{ s += $NF } END { print s }' "$W/s$n.folded")
	for fmt in folded pb.gz; do
		in=$W/s$n.$fmt
		for out in svg folded html; do
			[ "$out" = html ] && [ "$fmt" = folded ] && continue
			read -r t cpu m < <(measure "$in" "$W/out.$out")
			case $out in
			svg) frames=$(grep -c '^<g data-x=' "$W/out.svg") ;;
			folded) frames=$(wc -l < "$W/out.folded") ;;
			html) frames=$(awk '/"nodes":\[/ { on = 1 } on { n++ } on && /\],$/ { print n; exit }' "$W/out.html") ;;
			esac
			printf '| %7s | %9s | %-6s | %6.1f MB | %-6s | %7.3fs | %5.2fs | %5.1f MiB | %8s | %6.1f MB |\n' \
				"$n" "$samples" "${fmt%.gz}" "$(stat -c %s "$in" | awk '{ print $1 / 1e6 }')" "$out" \
				"$t" "$cpu" "$m" "$frames" "$(stat -c %s "$W/out.$out" | awk '{ print $1 / 1e6 }')"
		done
	done
done
cat <<'NOTE'

frames: rectangles in the SVG (those at least --min-width 0.1 px wide), lines
in the folded output, frames kept in the HTML (the widest 250,000 at most).
An SVG costs the input's parsing and merging (linear in the input: see the
folded rows) plus about a microsecond per frame drawn. With ~10 samples per
stack, 10k stacks give the most frames: their deep frames (10 of 100k
samples) are still wider than 0.1 px; at 100k stacks (10 of 1M) they are not.
NOTE
