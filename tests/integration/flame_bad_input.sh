#!/bin/bash
# SPDX-License-Identifier: MIT
# `ember flame` and bad input: every malformed file gets one line naming the
# file and the problem, exit status 1, and no output file (not even a
# temporary one) is left behind; memory stays bounded. Valid but extreme
# inputs (deep recursion) are drawn, not refused.
. "$(dirname "$0")/../lib.sh"
need "$EMBER" "$TOOLS/bad_profile" "$TOOLS/gen_profile" "$TOOLS/gen_stacks"

# run_bad KIND FILE REGEX [ARGS...]: exit 1, one line "ember: FILE<REGEX>",
# nothing in the output directory, and a previous output file left intact.
run_bad() {
	local kind=$1 f=$2 want=$3 out rc lines dir=$TMP/out-$1; shift 3
	mkdir -p "$dir"
	out=$(/usr/bin/time -f '%M' -o "$TMP/rss" "$EMBER" flame "$f" "$@" -o "$dir/flame.svg" 2>&1); rc=$?
	rss=$(tail -1 "$TMP/rss")
	lines=$(printf '%s\n' "$out" | wc -l)
	if [ $rc = 1 ] && [ "$lines" = 1 ] && printf '%s\n' "$out" | grep -Eq -- "^ember: $f$want"; then
		ok "$kind: exit 1 with one line: ${out#ember: $TMP/}"
	else
		not_ok "$kind: exit 1 with one line matching /$want/" "exit $rc, $lines lines:" "$out"
	fi
	expect_eq "$kind: nothing left in the output directory" "$(ls -A "$dir")" ""
	expect_ge "$kind: peak RSS under 1.3 GiB" $((1350000 - rss)) 0
}

# The pprof reader's checks, through ember flame.
cases='empty|: empty file$
random|: not a pprof profile \(protobuf decoding failed\)$
truncated|: truncated gzip stream$
gzip-garbage|: not a pprof profile \(protobuf decoding failed\)$
no-strings|: the string table is missing
string-range|: function 0 name refers to string 99, but the string table has 5 entries$
dangling-location|: sample 12 refers to location 7, which does not exist$
dangling-mapping|: location 1 refers to mapping 5, which does not exist$
dangling-function|: location 0 line 0 refers to function 9, which does not exist$
duplicate-id|: location 1 repeats id 1 of location 0$
value-count|: sample 3 has 2 values, but the profile has 1 sample types$
bomb|: decompressed size exceeds the 256 MiB cap$
memory-bomb|: decoding needs more than the 1024 MiB memory cap$
zero-samples|: the profile has no samples$
negative-values|: sample 0 has a negative samples value \(-65\); a flame graph needs values >= 0$'
while IFS='|' read -r kind want; do
	"$TOOLS/bad_profile" "$kind" "$TMP/$kind.pb.gz"
	run_bad "$kind" "$TMP/$kind.pb.gz" "$want"
done <<< "$cases"

# Folded text: errors name the line.
printf 'a;b 1\nfoo\n' > "$TMP/noc.folded"
run_bad "folded without a count" "$TMP/noc.folded" ': line 2: no count at the end of the line$'
printf 'a;b 3\na;c -3\n' > "$TMP/neg.folded"
run_bad "folded negative count" "$TMP/neg.folded" ": line 2: count '-3' is negative$"
printf 'a;b -1\n' > "$TMP/neg1.folded"
run_bad "folded negative count on the first line: still folded text" "$TMP/neg1.folded" \
	": line 1: count '-1' is negative$"
printf 'a;b 1\na;b 1.5\n' | gzip -c > "$TMP/dec.folded.gz"
run_bad "gzipped folded, decimal count" "$TMP/dec.folded.gz" ": line 2: count '1.5' is not an integer$"
printf '\n  \n\n' > "$TMP/blank.folded"
run_bad "folded with no stacks" "$TMP/blank.folded" ': no stacks in the file$'
printf 'a;b 1e3\n' > "$TMP/exp.folded"
run_bad "text that fails on its first line" "$TMP/exp.folded" \
	": neither a pprof profile nor folded stacks \(line 1: count '1e3' is not an integer\)$"
printf 'a;b 0\nc 0\n' > "$TMP/zero.folded"
run_bad "all counts zero" "$TMP/zero.folded" ': every samples value is zero; nothing to draw$'
printf 'not a profile\0 at all' > "$TMP/nul.bin"
run_bad "binary that is not pprof" "$TMP/nul.bin" ': not a pprof profile \(protobuf decoding failed\)$'
printf 'hello world\n' | gzip -c > "$TMP/hello.gz"
run_bad "gzip of unrelated text" "$TMP/hello.gz" \
	": neither a pprof profile nor folded stacks \(line 1: count 'world' is not a number\)$"

# Differential folded text (two counts a line) carries its own base.
printf 'a;b 1 2\na;c 3\n' > "$TMP/halfdiff.folded"
run_bad "differential folded, a line with one count" "$TMP/halfdiff.folded" \
	': line 2: one count, but the file is differential \(its first line has two: BASE NEW\)$'
printf 'a;b 1 2\na;c 3 4\n' > "$TMP/diff.folded"
printf 'a;b 5\n' > "$TMP/plain.folded"
run_bad "differential folded with --diff" "$TMP/diff.folded" \
	': differential folded file \(two counts a line\): it has its base already; drop --diff$' \
	--diff "$TMP/plain.folded"
out=$("$EMBER" flame "$TMP/plain.folded" "$TMP/diff.folded" -o "$TMP/mix.svg" 2>&1); rc=$?
expect_eq "differential and plain folded merged: exit 1" "$rc" 1
expect_eq "differential and plain folded merged: the plain file is named" "$out" \
	"ember: $TMP/plain.folded: not differential, but $TMP/diff.folded is (two counts a line); merge differential files only with each other"

# Memory stays bounded on hostile folded text: 140 MB of lines whose every
# frame name is new hits the stacks' 768 MiB cap; more than 256 MiB of text
# is refused before parsing.
awk 'BEGIN { for (i = 0; i < 5000000; i++) printf "u%d;v%d;w%d 1\n", i, i, i }' > "$TMP/hostile.folded"
run_bad "folded text with 15 million distinct names" "$TMP/hostile.folded" \
	': the stacks need more than 768 MiB of memory \(a cap against hostile input\)$'
expect_ge "15 million distinct names: peak RSS under 1 GiB" $((1048576 - rss)) 0
rm -f "$TMP/hostile.folded"
yes 'main;work 1' | head -c 280000000 > "$TMP/huge.folded"
run_bad "folded text over 256 MiB" "$TMP/huge.folded" ': folded text exceeds the 256 MiB cap$'
rm -f "$TMP/huge.folded"

# Types, filters, bases.
"$TOOLS/gen_profile" known "$TMP/k.pb.gz"
run_bad "unknown --type" "$TMP/k.pb.gz" ": no sample type 'nope' \(the profile has: samples, cpu\)$" --type nope
run_bad "--type a folded file lacks" "$TMP/zero.folded" ": no sample type 'cpu' \(the folded file has: samples\)$" --type cpu
run_bad "--focus matching nothing" "$TMP/k.pb.gz" ': no stacks left after --focus/--ignore$' --focus '^nothing$'
out=$("$EMBER" flame "$TMP/k.pb.gz" --diff "$TMP/truncated.pb.gz" -o "$TMP/d.svg" 2>&1); rc=$?
expect_eq "a bad --diff base: exit 1" "$rc" 1
expect_eq "a bad --diff base: the base is named" "$out" "ember: $TMP/truncated.pb.gz: truncated gzip stream"
"$TOOLS/gen_profile" heap "$TMP/h.pb.gz"
out=$("$EMBER" flame "$TMP/k.pb.gz" "$TMP/h.pb.gz" -o "$TMP/m.svg" 2>&1)
expect_eq "merging profiles without the type: the file is named" "$out" \
	"ember: $TMP/h.pb.gz: no sample type 'cpu' (the profile has: alloc_objects, alloc_space, inuse_objects, inuse_space)"
out=$("$EMBER" flame /nonexistent/x.pb.gz -o "$TMP/x.svg" 2>&1)
expect_eq "missing file" "$out" "ember: /nonexistent/x.pb.gz: No such file or directory"
out=$("$EMBER" flame "$TMP" -o "$TMP/x.svg" 2>&1)
expect_eq "directory" "$out" "ember: $TMP: Is a directory"
out=$("$EMBER" flame "$TMP/k.pb.gz" -o /nonexistent/dir/x.svg 2>&1); rc=$?
expect_eq "unwritable output: exit 1" "$rc" 1
expect_eq "unwritable output: message" "$out" "ember: /nonexistent/dir/x.svg: cannot create: No such file or directory"

# Output that is not a regular file is written, never replaced by a file
# (as root, -o /dev/null must not turn the device into a file), and a link
# is followed (the file it points to replaced, the link kept).
"$EMBER" flame "$TMP/k.pb.gz" -o /dev/null --format svg; rc=$?
expect_eq "-o /dev/null: exit 0" "$rc" 0
expect_eq "-o /dev/null: still the character device" "$(stat -c %F /dev/null)" "character special file"
mkdir -p "$TMP/ln" && echo old > "$TMP/ln/real.svg" && ln -sf real.svg "$TMP/ln/link.svg"
"$EMBER" flame "$TMP/k.pb.gz" -o "$TMP/ln/link.svg"
expect_eq "-o through a link: the link stays a link" "$(stat -c %F "$TMP/ln/link.svg")" "symbolic link"
expect_match "-o through a link: the file it points to is the graph" "$(tail -c 7 "$TMP/ln/real.svg")" '</svg>'
expect_eq "-o through a link: nothing else in its directory" "$(ls -A "$TMP/ln" | sort | tr '\n' ' ')" "link.svg real.svg "

# Killed while writing: as soon as the temporary output file appears (a
# 30,000-stack profile written as 8 MB of folded text), SIGTERM. No
# temporary or partial file may be left behind, and it still dies of it.
"$TOOLS/gen_stacks" 30000 "$TMP/big" > /dev/null
mkdir -p "$TMP/kill"
caught=0 leftover=""
for round in 1 2 3; do
	rm -f "$TMP/kill/out.folded"
	"$EMBER" flame "$TMP/big.pb.gz" -o "$TMP/kill/out.folded" 2> /dev/null &
	pid=$!
	while kill -0 "$pid" 2> /dev/null && ! compgen -G "$TMP/kill/.out.folded.tmp.*" > /dev/null; do :; done
	kill -TERM "$pid" 2> /dev/null
	wait "$pid"
	[ $? = 143 ] && caught=$((caught + 1))
	leftover="$leftover$(ls -A "$TMP/kill")"
done
expect_ge "killed while writing its output (exit by SIGTERM)" "$caught" 1
expect_eq "killed while writing: no temporary or partial file left" "$leftover" ""

# A failed run keeps the previous output as it was.
echo previous > "$TMP/keep.svg"
"$EMBER" flame "$TMP/truncated.pb.gz" -o "$TMP/keep.svg" 2>/dev/null
expect_eq "a failure leaves an existing output untouched" "$(cat "$TMP/keep.svg")" previous

# Valid but extreme: deep recursion is cut at 16384 frames, with a warning.
"$TOOLS/bad_profile" deep-recursion "$TMP/deep.pb.gz"
out=$(/usr/bin/time -f '%M' -o "$TMP/rss" "$EMBER" flame "$TMP/deep.pb.gz" -o "$TMP/deep.svg" 2>&1); rc=$?
expect_eq "65536-deep recursion: drawn (exit 0)" "$rc" 0
expect_eq "65536-deep recursion: one warning" "$out" \
	"ember: warning: 1 stack deeper than 16384 frames cut at that depth"
expect_eq "65536-deep recursion: 16385 frames (root + 16384 levels)" \
	"$(grep -c '^<g data-x="' "$TMP/deep.svg")" 16385
expect_ge "65536-deep recursion: peak RSS under 200 MiB" $((200000 - $(tail -1 "$TMP/rss"))) 0
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "%s", (i ? ";" : "") "f" (i % 3); print " 5" }' \
	> "$TMP/deep.folded"
out=$("$EMBER" flame "$TMP/deep.folded" -o "$TMP/deepf.folded" 2>&1); rc=$?
expect_eq "100000-frame folded line: accepted" "$rc" 0
expect_eq "100000-frame folded line: cut to 16384 frames" \
	"$(awk -F';' '{ print NF }' "$TMP/deepf.folded")" 16384
finish
