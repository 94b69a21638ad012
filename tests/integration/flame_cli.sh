#!/bin/bash
# SPDX-License-Identifier: MIT
# `ember flame` end to end: formats, types and units, widths, merging, diffs,
# filters, thread roots, folded-format portability, self-containment and
# usage errors, on profiles with known contents.
. "$(dirname "$0")/../lib.sh"
need "$EMBER" "$TOOLS/gen_profile"
cd "$TMP" || exit 1
"$TOOLS/gen_profile" known k.pb.gz
"$TOOLS/gen_profile" heap h.pb.gz

# frames FILE: the <title> of every frame, one per line
frames() { grep -o '^<g data-x="[^>]*><title>[^<]*' "$1" | sed 's/.*<title>//'; }
# width FILE TITLE_PREFIX: the width attribute of that frame's rect
width() { grep -F "<title>$2" "$1" | head -1 | sed 's/.*<rect [^>]*width="\([0-9.]*\)".*/\1/'; }

# ---- help and usage ----------------------------------------------------------
expect_match "ember --help lists flame" "$("$EMBER" --help)" '^  flame '
expect_match "ember help flame" "$("$EMBER" help flame)" '^usage: ember flame PROFILE\.\.\.'
check_status "flame without a profile: exit 2" 2 "$EMBER" flame
check_status "flame with a bad option: exit 2" 2 "$EMBER" flame --frob k.pb.gz
expect_eq "unknown output extension: usage error" "$("$EMBER" flame k.pb.gz -o x.png 2>&1)" \
	"ember: flame: cannot tell the format of 'x.png'; name it .svg, .html or .folded, or use --format (see 'ember help flame')"
check_status "--format bogus: exit 2" 2 "$EMBER" flame k.pb.gz --format png -o x
check_status "--width 5: exit 2" 2 "$EMBER" flame k.pb.gz --width 5 -o x.svg
check_status "--min-width abc: exit 2" 2 "$EMBER" flame k.pb.gz --min-width abc -o x.svg
"$EMBER" flame k.pb.gz -o UPPER.SVG
expect_match "-o NAME.SVG: the extension in capitals is SVG too" "$(head -c 200 UPPER.SVG)" '<svg '
check_status "--min-width as wide as the image: exit 2" 2 "$EMBER" flame k.pb.gz --min-width 1200 -o x.svg
out=$("$EMBER" flame k.pb.gz --width 300 -o w.html 2>&1)
expect_eq "--width with HTML output: a warning that it applies to SVG" "$out" \
	"ember: warning: --width and --min-width apply to SVG only; the HTML viewer fits its window and merges frames narrower than a pixel at every zoom"
expect_match "bad --focus regex: usage error naming it" "$("$EMBER" flame k.pb.gz --focus 'a(' -o x.svg 2>&1)" \
	"^ember: flame: --focus: bad regular expression 'a\(': "
check_status "bad --ignore regex: exit 2" 2 "$EMBER" flame k.pb.gz --ignore '[' -o x.svg
expect_eq "usage errors write nothing" "$(ls x.* 2>/dev/null)" ""

# ---- SVG: the known profile ------------------------------------------------------
check "SVG written" "$EMBER" flame k.pb.gz -o k.svg
expect_eq "SVG: every frame with value and share of the total" "$(frames k.svg)" \
"all (450ms, 100.00%)
main (450ms, 100.00%)
leaf_a (50ms, 11.11%)
work (400ms, 88.89%)
leaf_a (300ms, 66.67%)
leaf_b (100ms, 22.22%)
inlined_helper (100ms, 22.22%)"
expect_eq "SVG: work is 400/450 of 1180 px" "$(width k.svg 'work (')" 1048.9
expect_eq "SVG: leaf_a under main is 50/450 of 1180 px" "$(width k.svg 'leaf_a (50ms')" 131.1
expect_match "SVG: subtitle with type, duration and total" "$(cat k.svg)" \
	'<text id="subtitle" [^>]*>Type: cpu, Duration: 1s, Total: 450ms</text>'
expect_match "SVG: inlined frame in the aqua palette" "$(grep 'inlined_helper (' k.svg)" \
	'fill="rgb\([0-9]{2,3},(1[6-9][0-9]|2[0-2][0-9]),(1[6-9][0-9]|2[0-2][0-9])\)"'
check "SVG: well-formed XML" python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' k.svg
expect_no_match "SVG: loads nothing from anywhere (no href/src)" "$(cat k.svg)" '(href|src)='
"$EMBER" flame k.pb.gz > stdout.svg
check "no -o writes the SVG to stdout (not a terminal)" cmp k.svg stdout.svg
"$EMBER" flame k.pb.gz -o - > dash.svg
check "-o - writes the SVG to stdout" cmp k.svg dash.svg

if command -v script > /dev/null; then
	expect_match "SVG to a terminal: refused with a hint" \
		"$(script -qec "$EMBER flame k.pb.gz" /dev/null 2>&1)" \
		"not writing SVG to a terminal; use -o FILE or a pipe"
else
	skip "SVG to a terminal: refused" "script(1) not installed"
fi

# ---- types and units ---------------------------------------------------------------
"$EMBER" flame k.pb.gz --type samples -o s.svg
expect_match "--type samples: counts" "$(frames s.svg)" '^main \(45 samples, 100\.00%\)$'
"$EMBER" flame h.pb.gz -o h.svg
expect_match "heap: default type is the last (inuse_space), in MiB" "$(frames h.svg)" '^alloc_big \(1MiB, 100\.00%\)$'
"$EMBER" flame h.pb.gz --type alloc_space -o ha.svg
expect_match "--type alloc_space" "$(frames ha.svg)" '^alloc_big \(4MiB, 100\.00%\)$'
"$EMBER" flame h.pb.gz --type space -o hs.svg
check "--type space means inuse_space, as in pprof" cmp h.svg hs.svg

# ---- geometry options ----------------------------------------------------------------
"$EMBER" flame k.pb.gz --width 600 --icicle --title 'A <title> & more' -o i.svg
expect_match "--width 600" "$(head -3 i.svg)" '<svg version="1.1" width="600"'
expect_match "--icicle: the root is the top row" "$(grep 'all (450ms' i.svg)" 'y="60.0"'
expect_match "--title is escaped" "$(cat i.svg)" '<text id="title" [^>]*>A &lt;title&gt; &amp; more</text>'
"$EMBER" flame k.pb.gz --min-width 200 -o mw.svg
expect_eq "--min-width 200 leaves out frames narrower than 200 px (leaf_a, 131 px)" \
	"$(frames mw.svg | wc -l)" 6

# ---- folded --------------------------------------------------------------------------
"$EMBER" flame k.pb.gz -o k.folded
expect_eq "folded: root first, one space, integer values" "$(cat k.folded)" \
"main;leaf_a 50000000
main;work;leaf_a 300000000
main;work;leaf_b;inlined_helper_[i] 100000000"
expect_eq "folded: every line fits speedscope's ^(.*) (\\d+)\$" \
	"$(grep -cvE '^[^ ].* [0-9]+$' k.folded)" 0
"$EMBER" flame k.folded -o k2.folded
check "folded -> folded is the identity" cmp k.folded k2.folded
"$EMBER" flame k.pb.gz --type samples -o ks.folded
"$EMBER" flame ks.folded -o ks.svg
"$EMBER" flame k.pb.gz --type samples -o kp.svg
expect_eq "pprof and its folded form draw the same frames and colours" \
	"$(grep '^<g data-x' ks.svg)" "$(grep '^<g data-x' kp.svg)"
"$EMBER" flame k.pb.gz --format folded -o k.txt
check "--format folded overrides the extension" cmp k.folded k.txt

# ---- merging, diffs, filters, threads ------------------------------------------------
"$EMBER" flame k.pb.gz k.pb.gz -o kk.svg
expect_match "two profiles merge: values add" "$(frames kk.svg)" '^main \(900ms, 100\.00%\)$'
expect_match "two profiles merge: subtitle says so" "$(cat kk.svg)" 'Duration: 2s, Total: 900ms, 2 profiles merged<'
"$EMBER" flame ks.folded k.pb.gz --type samples -o mix.folded
expect_match "folded and pprof merge by type name" "$(cat mix.folded)" '^main;work;leaf_a 60$'
printf 'main;work;leaf_a 10\nmain;leaf_a 10\nmain;other 10\n' > base.folded
"$EMBER" flame ks.folded --diff base.folded -o d.svg
expect_match "--diff: both values and the change in the tooltip" "$(frames d.svg)" \
	'^leaf_a \(30 samples, 66\.67%; base 10 samples, 33\.33%; \+33\.33%\)$'
expect_match "--diff: grown frames are red" "$(grep 'leaf_b (' d.svg)" 'fill="rgb\(255,[0-9]+,[0-9]+\)"'
expect_match "--diff: shrunk frames are blue" "$(grep '<title>leaf_a (5 samples' d.svg)" \
	'fill="rgb\([0-9]+,[0-9]+,255\)"'
expect_match "--diff: unchanged frames are neutral" "$(grep '<title>main (45' d.svg)" 'fill="rgb\(245,245,245\)"'
"$EMBER" flame ks.folded --diff base.folded -o d.folded
expect_match "--diff folded: difffolded layout (base, then new)" "$(cat d.folded)" '^main;work;leaf_a 10 30$'
expect_match "--diff folded: stacks only in the base keep a 0" "$(cat d.folded)" '^main;other 10 0$'
# Differential folded input (difffolded.pl's layout, which flamegraph.pl
# draws as a diff) carries its own base: the same picture as --diff.
"$EMBER" flame d.folded -o d2.svg
expect_eq "differential folded input: drawn exactly as with --diff" "$(cmp d.svg d2.svg && echo same)" same
"$EMBER" flame d.folded -o d2.folded
expect_eq "differential folded input: written back unchanged" "$(cmp d.folded d2.folded && echo same)" same
"$EMBER" flame k.pb.gz --focus '^work$' --ignore 'leaf_b' -o f.folded
expect_eq "--focus keeps stacks through work, --ignore drops leaf_b" "$(cat f.folded)" \
	"main;work;leaf_a 300000000"
"$EMBER" flame k.pb.gz --by-thread -o t.folded
expect_eq "--by-thread: the thread label is the root frame" "$(cut -d';' -f1 t.folded | tr '\n' ' ')" \
	"main worker-1 worker-2 "
out=$("$EMBER" flame ks.folded --by-thread -o t2.svg 2>&1)
expect_eq "--by-thread on folded input: a warning" "$out" \
	"ember: warning: --by-thread: folded input has no thread labels; its stacks are drawn as they are"

# ---- HTML ----------------------------------------------------------------------------
check "HTML written" "$EMBER" flame h.pb.gz -o h.html
cat > data.py <<'PY'
import json, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
d = json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', html, re.S).group(1))
print(" ".join(t["name"] for t in d["types"]), d["types"][d["sel"]]["name"], len(d["nodes"]) // (2 + d["ncols"]))
PY
expect_eq "HTML: every sample type, inuse_space first, 3 frames" "$(python3 data.py h.html)" \
	"alloc_objects alloc_space inuse_objects inuse_space inuse_space 3"
expect_match "HTML: a policy that forbids network access" "$(cat h.html)" \
	"Content-Security-Policy\" content=\"default-src 'none'"
expect_no_match "HTML: no URL anywhere" "$(cat h.html)" 'https?://'
"$EMBER" flame k.pb.gz --diff k.pb.gz -o kd.html
expect_match "HTML diff: base totals embedded" "$(cat kd.html)" '"total":450000000,"base":450000000'

# ---- inputs: stdin, raw pprof, profiles Go wrote -----------------------------------------
"$EMBER" flame k.pb.gz -o ref.folded
"$EMBER" flame - -o stdin.folded < k.pb.gz
expect_eq "'-' reads the profile from stdin" "$(cmp ref.folded stdin.folded && echo same)" same
gunzip -c k.pb.gz > k.pb
"$EMBER" flame k.pb -o raw.folded
expect_eq "a raw (not gzipped) pprof profile is read the same" "$(cmp ref.folded raw.folded && echo same)" same
pprof -proto k.pb.gz > go.pb.gz 2> /dev/null
"$EMBER" flame go.pb.gz -o go.folded
expect_eq "the same profile re-encoded by go tool pprof (Go's encoder) draws the same" \
	"$(cmp ref.folded go.folded && echo same)" same
# Profiles from Go's runtime itself (runtime/pprof): CPU and allocations.
if command -v go > /dev/null; then
	(cd "$ROOT/tests/progs/goprof" && GO111MODULE=off go build -o "$TMP/goprof" main.go) &&
		"$TMP/goprof" gocpu.pb.gz goheap.pb.gz
	"$EMBER" flame gocpu.pb.gz -o gocpu.folded
	spin=$(awk '/main\.spin$|main\.spin / { s += $NF } { t += $NF } END { if (t) printf "%d", 100 * s / t }' gocpu.folded)
	expect_ge "Go runtime CPU profile: main.spin has most of the time" "${spin:-0}" 80
	expect_match "Go runtime CPU profile: main.spin under main.main under runtime.main" \
		"$(cat gocpu.folded)" '^runtime\.main;main\.main;.*main\.spin [0-9]+$'
	"$EMBER" flame goheap.pb.gz --type alloc_space -o goheap.folded
	bytes=$(awk '/;main\.alloc / { s += $NF } END { print s + 0 }' goheap.folded)
	expect_near "Go runtime allocation profile: main.alloc made 1000 x 4096 bytes" "$bytes" 4096000 4096
	"$EMBER" flame goheap.pb.gz -o goheap.svg
	expect_match "Go's allocs profile: its default_sample_type (alloc_space) is the default" \
		"$(grep -o "Type: [a-z_]*" goheap.svg | head -1)" '^Type: alloc_space$'
else
	skip "profiles written by Go's runtime" "go is not installed (make deps installs golang-go)"
fi

# ---- atomic output -----------------------------------------------------------------------
mkdir out && "$EMBER" flame k.pb.gz -o out/a.svg && "$EMBER" flame k.pb.gz -o out/a.svg
expect_eq "rewriting an output leaves no temporary files" "$(ls -A out)" "a.svg"
finish
