#!/bin/bash
# SPDX-License-Identifier: MIT
# Profiles written by lib are read back by go tool pprof (the reference
# reader) and by ember top, with exact expected values.
. "$(dirname "$0")/../lib.sh"
need "$EMBER" "$TOOLS/gen_profile"

"$TOOLS/gen_profile" known "$TMP/known.pb.gz"
raw=$(pprof -raw "$TMP/known.pb.gz" 2>&1)
expect_match "pprof -raw reads the sample types" "$raw" '^samples/count cpu/nanoseconds$'
expect_match "pprof -raw: 30 samples of main;work;leaf_a aggregated" "$raw" '^ +30 +300000000: 1 2 3 $'
expect_match "pprof -raw: inline frames stay in one location, innermost first" \
	"$(printf '%s\n' "$raw" | grep -A1 ' 4: 0x401300')" 'inlined_helper helper.h:6'
expect_match "pprof -raw: caller line follows the inlined one" "$raw" '^ +leaf_b demo.c:41'
expect_match "pprof -raw: label kept" "$raw" 'thread:\[worker-2\]'
expect_match "pprof -raw: mapping with build id and all has_* flags" "$raw" \
	'^1: 0x400000/0x500000/0x0 /usr/bin/demo 0123456789abcdef0123456789abcdef01234567 \[FN\]\[FL\]\[LN\]\[IN\]'
expect_match "pprof -raw: period" "$raw" '^Period: 10000000$'
expect_no_match "pprof prints no warnings" "$raw" '[Ww]arning|[Ee]rror'

top=$(pprof -top "$TMP/known.pb.gz" 2>&1)
expect_match "pprof -top: leaf_a flat 350ms" "$top" '^ +350ms 77\.78% 77\.78% +350ms 77\.78%  leaf_a$'
expect_match "pprof -top: main cum 450ms" "$top" '^ +0 +0% +100% +450ms +100%  main$'
expect_match "pprof -top: inlined frame" "$top" '100ms 22\.22%  inlined_helper \(inline\)$'

etop=$("$EMBER" top "$TMP/known.pb.gz" 2>&1)
expect_match "ember top: leaf_a flat 350ms" "$etop" '^ +350ms +77\.78% +77\.78% +350ms +77\.78%  leaf_a$'
expect_match "ember top: inlined_helper flat 100ms" "$etop" '^ +100ms +22\.22% +100\.00% +100ms +22\.22%  inlined_helper$'
expect_match "ember top: main cum 450ms" "$etop" '^ +0 +0\.00% +100\.00% +450ms +100\.00%  main$'
expect_match "ember top: work cum 400ms" "$etop" '450ms 100\.00%|400ms +88\.89%  work$'
expect_match "ember top: header" "$etop" '^Duration: 1s, Total samples = 450ms \(45\.00%\)$'
etop=$("$EMBER" top --type samples "$TMP/known.pb.gz" 2>&1)
expect_match "ember top --type samples counts" "$etop" '^ +35 +77\.78% +77\.78% +35 +77\.78%  leaf_a$'
etop=$("$EMBER" top --cum -n 2 "$TMP/known.pb.gz" 2>&1)
expect_eq "ember top --cum -n 2 shows main then work" \
	"$(printf '%s\n' "$etop" | awk '/flat%/ {on=1; next} on {print $NF}' | tr '\n' ' ')" "main work "

# A raw (not gzipped) profile reads the same way.
gunzip -c "$TMP/known.pb.gz" > "$TMP/known.pb"
expect_eq "ember top reads raw protobuf" "$("$EMBER" top "$TMP/known.pb" | tail -n +3)" \
	"$("$EMBER" top "$TMP/known.pb.gz" | tail -n +3)"
expect_match "pprof reads raw protobuf" "$(pprof -top "$TMP/known.pb" 2>&1)" 'leaf_a'
expect_match "ember top reads stdin" "$("$EMBER" top - < "$TMP/known.pb.gz")" 'leaf_a$'

# Heap layout: pprof picks inuse_space by default, and -sample_index by name.
"$TOOLS/gen_profile" heap "$TMP/heap.pb.gz"
expect_match "pprof: heap default is inuse_space" "$(pprof -top "$TMP/heap.pb.gz" 2>&1)" '^Type: inuse_space$'
expect_match "pprof: -sample_index=alloc_space" \
	"$(pprof -sample_index=alloc_space -top "$TMP/heap.pb.gz" 2>&1)" '4MB +100% +100% +4MB +100%  alloc_big'
expect_match "ember top: heap default inuse_space in MiB" "$("$EMBER" top "$TMP/heap.pb.gz")" \
	'^ +1MiB +100\.00% +100\.00% +1MiB +100\.00%  alloc_big$'
expect_match "ember top --type alloc_space" "$("$EMBER" top --type alloc_space "$TMP/heap.pb.gz")" \
	'^ +4MiB .*alloc_big$'

# Aggregation at scale stays consistent through pprof.
"$TOOLS/gen_profile" bench "$TMP/big.pb.gz" 20000 1000 30 > /dev/null
expect_match "pprof reads a 1000-stack profile" "$(pprof -raw "$TMP/big.pb.gz" 2>&1 | grep -Ec '^ +[0-9]+ +[0-9]+: ')" '^1000$'
finish
