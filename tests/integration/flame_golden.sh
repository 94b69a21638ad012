#!/bin/bash
# SPDX-License-Identifier: MIT
# Golden tests: for the fixed inputs in tests/golden, `ember flame` writes
# SVG and folded output that is byte-for-byte what is checked in. With
# REGEN=1 (make regen-golden) the expected files are rewritten instead.
# docs/flame-example.svg must be the golden demo.svg, so the docs stay true.
. "$(dirname "$0")/../lib.sh"
need "$EMBER"
G=$ROOT/tests/golden
REGEN=${REGEN:-0}

golden() {
	local want=$1 got; shift
	got=$TMP/out.${want##*.}
	# Run from the golden directory so no temporary path reaches the output.
	if ! out=$(cd "$G" && "$EMBER" flame "$@" -o "$got" 2>&1); then
		not_ok "$want: ember flame $*" "$out"
		return
	fi
	if [ "$REGEN" = 1 ]; then
		cp "$got" "$G/$want"
		echo "# rewrote tests/golden/$want"
		return
	fi
	if cmp -s "$got" "$G/$want"; then
		ok "$want is byte-for-byte stable"
	else
		not_ok "$want differs from tests/golden/$want (make regen-golden to review)" \
			"$(diff "$G/$want" "$got" | head -n 20)"
	fi
}

. "$G/cases.sh"

if [ "$REGEN" = 1 ]; then
	cp "$G/demo.svg" "$ROOT/docs/flame-example.svg"
	echo "# rewrote docs/flame-example.svg"
else
	if cmp -s "$G/demo.svg" "$ROOT/docs/flame-example.svg"; then
		ok "docs/flame-example.svg is the golden demo.svg"
	else
		not_ok "docs/flame-example.svg is stale (make regen-golden)"
	fi
	# Running twice gives the same bytes (nothing depends on time or memory).
	(cd "$G" && "$EMBER" flame demo.folded known.pb.gz --type samples -o "$TMP/a.svg" \
		&& "$EMBER" flame demo.folded known.pb.gz --type samples -o "$TMP/b.svg")
	check "the same inputs twice give identical SVGs" cmp "$TMP/a.svg" "$TMP/b.svg"
fi
finish
