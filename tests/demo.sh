#!/bin/bash
# SPDX-License-Identifier: MIT
# make demo: profile the bundled demo service with `ember run` and show what
# it found: where the profiles are, the top functions, and a flame graph.
set -eu
cd "$(dirname "$0")/.."
OUTPUT=${OUTPUT:-build}
B=$OUTPUT
out=${DEMO_OUT:-ember-out/demo}
secs=${DEMO_SECONDS:-5}

rm -rf "$out" && mkdir -p "$out"
echo "== ember run -o $out -- $B/tests/progs/demo $secs"
echo "   (a producer thread and three workers: parse, checksum, render, write;"
echo "    one request in ten waits 2 ms for a slow backend)"
"$B/ember" run -q -o "$out" -- "$B/tests/progs/demo" "$secs"
cpu=$(ls "$out"/cpu.*.pb.gz)
heap=$(ls "$out"/heap.*.pb.gz)
sys=$(ls "$out"/syscall.*.pb.gz)
echo
echo "== where the CPU goes: ember top $cpu"
"$B/ember" top -n 10 "$cpu"
echo
echo "== CPU by thread (go tool pprof -tags)"
HOME=${TMPDIR:-/tmp} go tool pprof -tags "$cpu" 2>/dev/null | sed -n '/thread:/,/^$/p'
echo "== what allocates: ember top --type alloc_space --cum $heap"
"$B/ember" top -n 8 --cum --type alloc_space "$heap"
echo
echo "== where threads wait in the kernel: ember top --cum $sys"
"$B/ember" top -n 10 --cum "$sys"
echo
echo "== blocking time by system call (go tool pprof -tags)"
HOME=${TMPDIR:-/tmp} go tool pprof -tags "$sys" 2>/dev/null | sed -n '/syscall:/,/^$/p'
# The demo frees every response, so the heap graphs show what was allocated.
for k in cpu heap syscall; do
	f=$(ls "$out"/$k.*.pb.gz)
	t=; [ $k = heap ] && t="--type alloc_space"
	"$B/ember" flame $t "$f" -o "$out/$k.svg"
	"$B/ember" flame $t "$f" -o "$out/$k.html"
done
echo "== files"
ls -l "$out" | tail -n +2 | awk '{ printf "   %8d  %s\n", $5, $NF }'
echo
echo "Open $out/cpu.html, heap.html or syscall.html in a browser, or explore with:"
echo "   go tool pprof -http=: $cpu"
