#!/bin/bash
# SPDX-License-Identifier: MIT
# Every malformed profile gets one line naming the file and the problem,
# exit status 1, no crash, bounded time and memory.
. "$(dirname "$0")/../lib.sh"
need "$EMBER" "$TOOLS/bad_profile"

# kind|expected message (regex)
cases='empty|: empty file$
random|: not a pprof profile \(protobuf decoding failed\)$
truncated|: truncated gzip stream$
gzip-garbage|: not a pprof profile \(protobuf decoding failed\)$
no-strings|: the string table is missing
string0|: string 0 must be ""
string-range|: function 0 name refers to string 99, but the string table has 5 entries$
dangling-location|: sample 12 refers to location 7, which does not exist$
dangling-mapping|: location 1 refers to mapping 5, which does not exist$
dangling-function|: location 0 line 0 refers to function 9, which does not exist$
id-zero|: mapping 0 has id 0, which is reserved$
duplicate-id|: location 1 repeats id 1 of location 0$
value-count|: sample 3 has 2 values, but the profile has 1 sample types$
no-sample-types|: the profile has 13 samples but no sample types$
bomb|: decompressed size exceeds the 256 MiB cap$
memory-bomb|: decoding needs more than the 1024 MiB memory cap$'

while IFS='|' read -r kind want; do
	f=$TMP/$kind.pb.gz
	"$TOOLS/bad_profile" "$kind" "$f"
	out=$(/usr/bin/time -f '%M' -o "$TMP/rss" "$EMBER" top "$f" 2>&1 >/dev/null); rc=$?
	rss=$(cat "$TMP/rss" | tail -1)
	lines=$(printf '%s\n' "$out" | wc -l)
	if [ $rc = 1 ] && [ "$lines" = 1 ] && printf '%s\n' "$out" | grep -Eq "^ember: $f$want"; then
		ok "$kind: exit 1 with one line: ${out#ember: $TMP/}"
	else
		not_ok "$kind: exit 1 with one line matching /$want/" "exit $rc, $lines lines:" "$out"
	fi
	# No input may take more than ~1.3 GiB, whatever it claims (caps: 256 MiB
	# decompressed + 1 GiB decoded).
	expect_ge "$kind: peak RSS under 1.3 GiB" $((1350000 - rss)) 0
done <<< "$cases"

# Valid but odd inputs are accepted.
for kind in zero-samples negative-values raw-valid; do
	"$TOOLS/bad_profile" "$kind" "$TMP/$kind.pb"
	check_status "$kind: accepted" 0 "$EMBER" top "$TMP/$kind.pb"
done
out=$("$EMBER" top /nonexistent/x.pb.gz 2>&1); rc=$?
expect_eq "missing file: exit 1" "$rc" 1
expect_eq "missing file: message" "$out" "ember: /nonexistent/x.pb.gz: No such file or directory"
out=$("$EMBER" top "$TMP" 2>&1)
expect_eq "directory: message" "$out" "ember: $TMP: Is a directory"
"$TOOLS/gen_profile" known "$TMP/k.pb.gz"
out=$("$EMBER" top --type nope "$TMP/k.pb.gz" 2>&1); rc=$?
expect_eq "unknown --type: exit 1" "$rc" 1
expect_eq "unknown --type: message names the types" "$out" \
	"ember: $TMP/k.pb.gz: no sample type 'nope' (the profile has: samples, cpu)"
finish
