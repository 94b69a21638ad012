#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/lib.sh - helpers for integration tests. Source it, call the checks,
# and let tests/run.sh count the TAP lines they print:
#   ok N - desc | not ok N - desc | ok N - desc # SKIP skipped: reason
# Diagnostic lines start with '#'. A test must assert something real: every
# check compares an observed value with an expected one.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUTPUT=${OUTPUT:-build}
case $OUTPUT in /*) B=$OUTPUT ;; *) B=$ROOT/$OUTPUT ;; esac
EMBER=$B/ember
LIBEMBER=$B/libember.so
PROGS=$B/tests/progs
TOOLS=$B/tests/tools
T_N=0
T_FAILED=0
TMP=$(mktemp -d /tmp/ember-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

ok() { T_N=$((T_N + 1)); echo "ok $T_N - $1"; }
not_ok() {
	T_N=$((T_N + 1)); T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_N - $1"; shift
	local l
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /' | head -n 40; done
}
skip() { T_N=$((T_N + 1)); echo "ok $T_N - $1 # SKIP skipped: $2"; }

# check DESC CMD...: passes when CMD exits 0.
check() {
	local desc=$1 out; shift
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "command: $*" "$out"; fi
}
# check_fails DESC STATUS CMD...: passes when CMD exits with STATUS.
check_status() {
	local desc=$1 want=$2 out rc; shift 2
	out=$("$@" 2>&1); rc=$?
	if [ "$rc" = "$want" ]; then ok "$desc"; else not_ok "$desc" "command: $*" "exit $rc, wanted $want" "$out"; fi
}
# expect_eq DESC GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $2" "want: $3"; fi
}
# expect_match DESC TEXT REGEX (grep -E)
expect_match() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then ok "$1"; else not_ok "$1" "no line matches /$3/ in:" "$2"; fi
}
expect_no_match() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then not_ok "$1" "unexpected /$3/ in:" "$2"; else ok "$1"; fi
}
# expect_near DESC GOT WANT TOL: |GOT-WANT| <= TOL (numbers, may be decimals)
expect_near() {
	if awk -v g="$2" -v w="$3" -v t="$4" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(g != "" && d <= t) }'; then
		ok "$1 ($2 ~ $3 +- $4)"
	else
		not_ok "$1" "got $2, want $3 +- $4"
	fi
}
# expect_ge DESC GOT MIN
expect_ge() {
	if awk -v g="$2" -v m="$3" 'BEGIN { exit !(g != "" && g + 0 >= m + 0) }'; then ok "$1 ($2 >= $3)"; else not_ok "$1" "got '$2', want >= $3"; fi
}

# pprof: the reference reader. Writes nothing under $HOME.
pprof() {
	HOME=$TMP PPROF_TMPDIR=$TMP/pprof go tool pprof "$@"
}

# Require the agent/CLI to exist; a missing build is a failure, not a skip.
need() {
	local f
	for f in "$@"; do
		if [ ! -e "$f" ]; then not_ok "prerequisite $f exists" "run make first"; exit 1; fi
	done
}

finish() { exit 0; }

# ---- agent helpers ----------------------------------------------------------
# agent_run OUTDIR CMD...: run CMD with libember.so preloaded, profiles in OUTDIR.
agent_run() {
	local out=$1; shift
	EMBER_OUTPUT=$out LD_PRELOAD=$LIBEMBER "$@"
}
# The one profile of KIND in DIR whose pid is not in the exclusions, if exactly one.
only_profile() {
	local dir=$1 kind=$2 files
	files=$(ls "$dir"/"$kind".*.pb.gz 2>/dev/null)
	[ "$(printf '%s\n' "$files" | grep -c .)" = 1 ] && printf '%s\n' "$files"
}
# pprof_pct PROFILE FUNC [pprof options]: FUNC's cum% in pprof -top (number only).
pprof_cum_pct() {
	local prof=$1 fn=$2; shift 2
	pprof -top -cum -nodecount=200 "$@" "$prof" 2>/dev/null |
		awk -v f="$fn" '$6 == f { sub("%", "", $5); print $5; exit }'
}
pprof_flat_pct() {
	local prof=$1 fn=$2; shift 2
	pprof -top -nodecount=200 "$@" "$prof" 2>/dev/null |
		awk -v f="$fn" '$6 == f { sub("%", "", $2); print $2; exit }'
}
