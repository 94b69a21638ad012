#!/bin/bash
# SPDX-License-Identifier: MIT
# make demo, the README's first command: it must run end to end and show
# what it promises (the demo's own functions in each profile, the files).
. "$(dirname "$0")/../lib.sh"
need "$EMBER" "$LIBEMBER" "$PROGS/demo"

out=$(cd "$ROOT" && OUTPUT=$OUTPUT DEMO_SECONDS=2 DEMO_OUT=$TMP/demo HOME=$TMP bash tests/demo.sh 2>&1); rc=$?
expect_eq "tests/demo.sh exits 0" "$rc" 0
files=$(printf '%s\n' "$out" | sed -n '/^== files/,/^$/p')
for k in cpu heap syscall; do
	expect_match "it lists the $k profile it wrote" "$files" " $k\.[0-9]+\.pb\.gz$"
done
expect_match "and says where they are" "$out" "^Open $TMP/demo/cpu\.html"
cpu=$(printf '%s\n' "$out" | sed -n '/^== where the CPU goes/,/^==/p')
expect_match "CPU top: the checksum worker's hot function" "$cpu" ' compute_checksum$'
expect_match "CPU by thread: the workers by name" "$out" '\): worker-1$'
heap=$(printf '%s\n' "$out" | sed -n '/^== what allocates/,/^==/p')
expect_match "heap top: responses allocated by render_response" "$heap" ' render_response$'
expect_match "heap top: the leaf is malloc" "$heap" ' malloc$'
sys=$(printf '%s\n' "$out" | sed -n '/^== where threads wait/,/^==/p')
expect_match "syscall top: the slow backend wait" "$sys" ' wait_for_backend$'
expect_match "blocking time by system call: clock_nanosleep" "$out" '\): clock_nanosleep$'
for k in cpu heap syscall; do
	check "the $k flame graph (HTML) was written" test -s "$TMP/demo/$k.html"
	check "the $k flame graph (SVG) is SVG" grep -q '<svg' "$TMP/demo/$k.svg"
done
expect_no_match "no errors or warnings" "$out" '^ember: (warning|error)|^ember: [^pv]'
finish
