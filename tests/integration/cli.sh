#!/bin/bash
# SPDX-License-Identifier: MIT
# The ember command line: help, version, usage errors and exit codes.
. "$(dirname "$0")/../lib.sh"
need "$EMBER"

check_status "ember --help exits 0" 0 "$EMBER" --help
expect_match "ember --help lists top" "$("$EMBER" --help)" '^  top '
expect_eq "ember --version" "$("$EMBER" --version)" "ember $(sed -n 's/^VERSION *:= *//p' "$ROOT/Makefile")"
check_status "ember help top exits 0" 0 "$EMBER" help top
expect_match "ember help top shows usage" "$("$EMBER" help top)" '^usage: ember top PROFILE'
expect_match "ember top --help" "$("$EMBER" top --help)" '^usage: ember top'
check_status "no command: usage, exit 2" 2 "$EMBER"
check_status "unknown command: exit 2" 2 "$EMBER" frobnicate
expect_eq "unknown command: message" "$("$EMBER" frobnicate 2>&1)" \
	"ember: unknown command 'frobnicate' (see 'ember --help')"
check_status "unknown global option: exit 2" 2 "$EMBER" --bogus
check_status "help for unknown command: exit 2" 2 "$EMBER" help frobnicate
check_status "top without a profile: exit 2" 2 "$EMBER" top
expect_eq "top without a profile: message" "$("$EMBER" top 2>&1)" \
	"ember: top: missing PROFILE (see 'ember help top')"
check_status "top with a bad option: exit 2" 2 "$EMBER" top --frob x
check_status "top -n not a number: exit 2" 2 "$EMBER" top -n ten x
"$TOOLS/gen_profile" known "$TMP/k.pb.gz"
check_status "prefix 'to' runs top" 0 "$EMBER" to "$TMP/k.pb.gz"
finish
