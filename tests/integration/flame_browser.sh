#!/bin/bash
# SPDX-License-Identifier: MIT
# ember's flame graphs in a real browser: Debian's chromium, headless, driven
# over the DevTools protocol by tests/browser/flame_browser.py (python3
# stdlib only, no network). Frame widths, zoom by click, search with the
# matched share, type switching, the function table and the large-profile
# renderer are checked; screenshots go to build/browser/ for people.
. "$(dirname "$0")/../lib.sh"
need "$EMBER" "$TOOLS/gen_profile" "$TOOLS/gen_stacks" "$TOOLS/bad_profile"

if ! command -v chromium > /dev/null; then
	skip "flame graphs in a browser" "chromium not installed (make deps-test installs it)"
	finish
fi
if ! command -v python3 > /dev/null; then
	skip "flame graphs in a browser" "python3 not installed (make deps-test installs it)"
	finish
fi
"$TOOLS/gen_profile" known "$TMP/known.pb.gz"
"$TOOLS/gen_profile" shapes "$TMP/shapes.pb.gz"
"$TOOLS/gen_stacks" 20000 "$TMP/big"
check "svg of the known profile" "$EMBER" flame "$TMP/known.pb.gz" -o "$TMP/known.svg"
check "svg of the known profile, 200 px wide" "$EMBER" flame "$TMP/known.pb.gz" --width 200 -o "$TMP/narrow.svg"
check "html of the two-type profile" "$EMBER" flame "$TMP/shapes.pb.gz" -o "$TMP/shapes.html"
check "html of a 20000-stack profile" "$EMBER" flame "$TMP/big.pb.gz" -o "$TMP/big.html"
printf 'main;work;grow 30\nmain;work;shrink 10\nmain;same 20\n' > "$TMP/new.folded"
printf 'main;work;grow 10\nmain;work;shrink 30\nmain;same 20\n' > "$TMP/base.folded"
check "html of a diff" "$EMBER" flame "$TMP/new.folded" --diff "$TMP/base.folded" -o "$TMP/diff.html"
"$TOOLS/bad_profile" deep-recursion "$TMP/deep.pb.gz"
check "html of a 65536-deep recursion (cut at 16384)" "$EMBER" flame "$TMP/deep.pb.gz" -o "$TMP/deep.html"
SHOTS=$B/browser
rm -rf "$SHOTS"
python3 "$ROOT/tests/browser/flame_browser.py" "$TMP/known.svg" "$TMP/narrow.svg" "$TMP/shapes.html" "$TMP/big.html" \
	"$TMP/deep.html" "$TMP/diff.html" "$SHOTS" > "$TMP/browser.log" 2>&1
rc=$?
cat "$TMP/browser.log"
expect_eq "the browser session ended cleanly" "$rc" 0
for shot in flame-svg.png flame-svg-zoomed.png flame-html.png flame-html-zoomed.png; do
	if [ -s "$SHOTS/$shot" ] && [ "$(head -c 8 "$SHOTS/$shot" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
		ok "screenshot build/browser/$shot saved"
	else
		not_ok "screenshot build/browser/$shot saved"
	fi
done
finish
