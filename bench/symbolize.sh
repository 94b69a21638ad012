#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/symbolize.sh - time the symbolizer on 100,000 addresses spread over
# the code of libc and libstdc++ (cold and warm caches), with symbol tables
# only and with DWARF where debug files are installed (libc6-dbg gives libc
# DWARF). Run by `make bench-symbolize`; bench/run.sh calls it too.
set -eu
cd "$(dirname "$0")/.."
OUTPUT=${OUTPUT:-build}
BIN=$OUTPUT/bench/symbolize
N=${N:-100000}
if [ ! -x "$BIN" ]; then
	echo "bench/symbolize.sh: $BIN is missing (run make bench-symbolize)" >&2
	exit 1
fi
"$BIN" -n "$N" --symbols-only
echo
"$BIN" -n "$N"
