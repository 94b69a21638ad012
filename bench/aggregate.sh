#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/aggregate.sh - lib's pprof builder: 1,000,000 samples over 50,000
# unique stacks of depth 30, aggregated, gzip-encoded and written, as the
# agent's writer does each interval. Median of 3 runs' totals is the figure.
. "$(dirname "$0")/lib.sh"
need_file "$B/bench/aggregate"
PIN= header "pprof aggregation: 1,000,000 samples, 50,000 unique stacks, depth 30"
for i in 1 2 3; do
	"$B/bench/aggregate" -o "$T/agg.pb.gz" > "$T/agg.$i"
done
cat "$T/agg.2"
echo "   totals of 3 runs (cpu ms): $(awk '/total/ { printf "%s ", $3 }' "$T"/agg.?)"
