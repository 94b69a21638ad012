#!/bin/bash
# SPDX-License-Identifier: MIT
# ember run: options become the agent's settings, the program's exit status
# (or the signal that killed it) is ember's, and usage errors exit 2.
. "$(dirname "$0")/../lib.sh"
need "$EMBER" "$LIBEMBER" "$PROGS/exit_modes"

cd "$TMP" || exit 1
out=$("$EMBER" run -F 199 --interval 1 -- "$PROGS/exit_modes" return 500 2>"$TMP/err")
expect_eq "ember run passes the program's output through" "$out" "exit_modes return"
check_status "exit status 0" 0 "$EMBER" run -q -- "$PROGS/exit_modes" return 100
expect_match "default output directory ./ember-out" "$(ls ember-out)" '^cpu\.[0-9]+\.pb\.gz$'
expect_match "the profiles are listed at the end" "$(cat "$TMP/err")" '^ember: profiles: .*ember-out/cpu\.[0-9]+\.pb\.gz$'
"$EMBER" run -q -F 199 -o "$TMP/f199" -- "$PROGS/exit_modes" return 300 > /dev/null
expect_match "-F sets the period" "$(pprof -raw "$TMP"/f199/cpu.*.pb.gz 2>&1)" '^Period: 5025125$'
check_status "the program's exit status is ember's (_exit 5)" 5 "$EMBER" run -q -o "$TMP/o5" -- "$PROGS/exit_modes" _exit 100
"$EMBER" run -q -o "$TMP/oa" -- "$PROGS/exit_modes" abort 100 > /dev/null 2>&1; rc=$?
expect_eq "a program killed by SIGABRT: ember dies the same way (128+6)" "$rc" 134
check_status "-o DIR" 0 "$EMBER" run -q -o "$TMP/custom dir" -- "$PROGS/exit_modes" return 100
expect_match "profiles land in -o DIR (a path with a space)" "$(ls "$TMP/custom dir")" '^cpu\.'
check_status "a missing program: 127" 127 "$EMBER" run -q -- /nonexistent/prog
expect_eq "a missing program: one line" "$("$EMBER" run -q -- /nonexistent/prog 2>&1)" \
	"ember: run: /nonexistent/prog: No such file or directory"
check_status "no command: usage error" 2 "$EMBER" run
check_status "-F 0: usage error" 2 "$EMBER" run -F 0 -- true
check_status "bad -e: usage error" 2 "$EMBER" run -e gpu -- true
expect_match "bad -e: the agent's own message" "$("$EMBER" run -e gpu -- true 2>&1)" "EMBER_EVENTS: unknown event 'gpu'"
check_status "bad --http: usage error" 2 "$EMBER" run --http nowhere -- true
check_status "unknown option: usage error" 2 "$EMBER" run --frobnicate -- true
expect_match "ember help run documents the options" "$("$EMBER" help run)" '--no-children'
# Options after CMD belong to CMD.
expect_eq "CMD's own options are left alone" "$("$EMBER" run -q -o "$TMP/x" -- /bin/echo -F 5 -o x)" "-F 5 -o x"
# --no-children: the exec'd child writes nothing, the parent does.
"$EMBER" run -q --no-children -o "$TMP/nc" -- "$PROGS/children" fork-exec > /dev/null
expect_eq "--no-children: one CPU profile (the parent's)" "$(ls "$TMP"/nc/cpu.* | wc -l)" 1
"$EMBER" run -q -o "$TMP/wc" -- "$PROGS/children" fork-exec > /dev/null
expect_eq "without it: two CPU profiles" "$(ls "$TMP"/wc/cpu.* | wc -l)" 2
finish
