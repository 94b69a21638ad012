#!/bin/bash
# SPDX-License-Identifier: MIT
# make demo: profile the bundled demo service with `ember run` and show what
# it found: where the profiles are, the top functions, and a flame graph.
set -eu
cd "$(dirname "$0")/.."
OUTPUT=${OUTPUT:-build}
B=$OUTPUT
out=ember-out/demo
secs=${DEMO_SECONDS:-5}

rm -rf "$out" && mkdir -p "$out"
echo "== ember run -o $out -- $B/tests/progs/demo $secs"
echo "   (a producer thread and three workers: parse, checksum, render, write;"
echo "    one request in ten waits 2 ms for a slow backend)"
"$B/ember" run -q -o "$out" -- "$B/tests/progs/demo" "$secs"
cpu=$(ls "$out"/cpu.*.pb.gz)
echo
echo "== ember top $cpu"
"$B/ember" top -n 12 "$cpu"
echo
echo "== by thread (go tool pprof -tags)"
HOME=${TMPDIR:-/tmp} go tool pprof -tags "$cpu" 2>/dev/null | sed -n '/thread:/,/^$/p'
"$B/ember" flame "$cpu" -o "$out/cpu.svg"
"$B/ember" flame "$cpu" -o "$out/cpu.html"
echo "== files"
ls -l "$out" | tail -n +2 | awk '{ printf "   %8d  %s\n", $5, $NF }'
echo
echo "Open $out/cpu.html (or cpu.svg) in a browser, or explore with:"
echo "   go tool pprof -http=: $cpu"
