#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/fuzz/run.sh FUZZER SECONDS - fuzz the pprof reader from the seed corpus.
# New inputs go to build/fuzz/corpus (not committed); crashes to build/fuzz/.
# Exits non-zero if libFuzzer finds a crash, leak, timeout or OOM.
set -eu
fuzzer=$1 secs=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(dirname "$fuzzer")
mkdir -p "$work/corpus"
echo "  FUZZ      pprof reader for ${secs}s (corpus: $work/corpus)"
if "$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	-print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$here/corpus" \
	> "$work/fuzz.log" 2>&1; then
	grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$work/fuzz.log" | sed 's/^/  /'
	echo "  fuzz: no findings in ${secs}s"
else
	tail -n 40 "$work/fuzz.log"
	echo "ember: fuzz: libFuzzer reported a finding (see $work/fuzz.log)" >&2
	exit 1
fi
