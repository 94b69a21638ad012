#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/run.sh - every benchmark, one after another (`make bench`). Each
# prints its own table; the whole output is also kept in
# build/bench/results/summary.txt, and each hyperfine run's JSON beside it.
set -eu
cd "$(dirname "$0")/.."
B=${OUTPUT:-build}
mkdir -p "$B/bench/results"
{
	echo "ember benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
	for b in aggregate symbolize cpu heap syscall redis flame; do
		echo
		bash "bench/$b.sh"
	done
} 2>&1 | tee "$B/bench/results/summary.txt"
