#!/bin/bash
# SPDX-License-Identifier: MIT
# ember symbolize end to end: each build of the test program (frame pointers
# or not, PIE or not, stripped with its debug file found by build id or by
# debuglink, C++) runs, prints the pprof addresses of known frames, and a
# profile of those bare addresses is symbolized; ember top and go tool pprof
# must then show the right functions, files, lines and inline frames.
. "$(dirname "$0")/../lib.sh"
need "$EMBER" "$TOOLS/raw_profile" "$PROGS/symprog" "$PROGS/libsymlib.so" "$PROGS/symcpp"

# line FILE MARKER: the line number of the marker comment in a source file.
line() { grep -n -- "$2" "$ROOT/$1" | head -n 1 | cut -d: -f1; }
C=tests/progs/symprog.c L=tests/progs/symlib/symlib.c X=tests/progs/symcpp.cc
L_LEAF=$(line $C '@leaf') L_CALL_LEAF=$(line $C '@call-leaf')
L_CALL_HELPER=$(line $C '@call-helper') L_CALL_MIDDLE=$(line $C '@call-middle')
L_CALL_ENTRY=$(line $C '@call-entry')
L_LIB_LEAF=$(line $L '@lib-leaf') L_LIB_CALL_LEAF=$(line $L '@lib-call-leaf')
L_LIB_CALL_HELPER=$(line $L '@lib-call-helper')

PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

# start NAME CMD...: run a test program, wait for "ready", set PID, EXE, LIB.
start() {
	local name=$1 out=$TMP/$1.out i; shift
	"$@" 60 > "$out" 2>&1 &
	for i in $(seq 200); do grep -q '^ready' "$out" && break; sleep 0.05; done
	PID=$(awk '/^pid / {print $2}' "$out")
	EXE=$(awk '/^stack exe/ {s = $3; for (i = 4; i <= NF; i++) s = s "," $i; print s}' "$out")
	LIB=$(awk '/^stack lib/ {s = $3; for (i = 4; i <= NF; i++) s = s "," $i; print s}' "$out")
	PIDS+=("$PID")
}
stop() { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }

# The rows of ember top for a symbolized symprog profile (exe 300ms, lib 100ms).
check_symprog_top() {
	local v=$1 top=$2
	expect_match "$v: top: sym_leaf flat 300ms" "$top" '^ +300ms +75\.00% +75\.00% +300ms +75\.00%  sym_leaf$'
	expect_match "$v: top: symlib_leaf flat 100ms" "$top" '^ +100ms +25\.00% +100\.00% +100ms +25\.00%  symlib_leaf$'
	expect_match "$v: top: inlined sym_helper has its own row" "$top" '^ +0 +0\.00% +100\.00% +300ms +75\.00%  sym_helper$'
	expect_match "$v: top: sym_middle cum 300ms" "$top" '^ +0 +0\.00% +100\.00% +300ms +75\.00%  sym_middle$'
	expect_match "$v: top: main cum 400ms" "$top" '^ +0 +0\.00% +100\.00% +400ms +100\.00%  main$'
	expect_match "$v: top: symlib_entry cum 100ms" "$top" '^ +0 +0\.00% +100\.00% +100ms +25\.00%  symlib_entry$'
}

# pprof -raw: names, files and lines of every frame, inline frames innermost first.
check_symprog_raw() {
	local v=$1 raw=$2
	expect_match "$v: pprof: sym_leaf at its line" "$raw" " M=1 sym_leaf /.*/$C:$L_LEAF "
	expect_match "$v: pprof: inlined sym_helper at the call of sym_leaf" "$raw" " M=1 sym_helper /.*/$C:$L_CALL_LEAF "
	expect_match "$v: pprof: ...inside sym_middle at the call of sym_helper" \
		"$(printf '%s\n' "$raw" | grep -A1 ' sym_helper ')" "^ +sym_middle /.*/$C:$L_CALL_HELPER "
	expect_match "$v: pprof: main at the call of sym_middle" "$raw" " main /.*/$C:$L_CALL_MIDDLE "
	expect_match "$v: pprof: main at the call into the library" "$raw" " main /.*/$C:$L_CALL_ENTRY "
	expect_match "$v: pprof: symlib_leaf" "$raw" " symlib_leaf /.*/$L:$L_LIB_LEAF "
	expect_match "$v: pprof: inlined symlib_helper" "$raw" " symlib_helper /.*/$L:$L_LIB_CALL_LEAF "
	expect_match "$v: pprof: ...inside symlib_entry" \
		"$(printf '%s\n' "$raw" | grep -A1 ' symlib_helper ')" "^ +symlib_entry /.*/$L:$L_LIB_CALL_HELPER "
	expect_match "$v: pprof: mapping with build id and all four flags" "$raw" \
		"^[0-9]+: 0x[0-9a-f]+/0x[0-9a-f]+/0x[0-9a-f]+ .*/$v [0-9a-f]{40} \[FN\]\[FL\]\[LN\]\[IN\]$"
	expect_no_match "$v: pprof: no warnings" "$raw" '[Ww]arning|[Ee]rror'
}

export EMBER_DEBUG_DIRS=$PROGS/debug-root
for v in symprog symprog-nofp symprog-nopie symprog-stripped-id symprog-stripped-link; do
	start "$v" "$PROGS/$v"
	"$TOOLS/raw_profile" "$PID" "$TMP/$v.raw.pb.gz" "30:$EXE" "10:$LIB"
	expect_match "$v: unsymbolized profile shows file+offset" "$("$EMBER" top "$TMP/$v.raw.pb.gz")" \
		"^ +300ms +75\.00% +75\.00% +300ms +75\.00%  $v\+0x[0-9a-f]+$"
	out=$("$EMBER" symbolize "$TMP/$v.raw.pb.gz" -o "$TMP/$v.pb.gz" --pid "$PID" 2>&1)
	expect_eq "$v: symbolize --pid resolves every location" "$out" \
		"symbolized 7 of 7 locations (0 already had lines, 0 unresolved) -> $TMP/$v.pb.gz"
	check_symprog_top "$v" "$("$EMBER" top "$TMP/$v.pb.gz")"
	check_symprog_raw "$v" "$(pprof -raw "$TMP/$v.pb.gz" 2>&1)"
	expect_match "$v: pprof -top shows the inline frame" "$(pprof -top "$TMP/$v.pb.gz" 2>&1)" \
		'^ +0 +0% +100% +300ms +75\.00%  sym_helper \(inline\)$'
	stop
	# The binary is still on disk: the mapping's own path works without --pid.
	out=$("$EMBER" symbolize "$TMP/$v.raw.pb.gz" -o "$TMP/$v.file.pb.gz" 2>&1)
	expect_match "$v: symbolize from the mapping's file" "$out" '^symbolized 7 of 7 locations'
	expect_eq "$v: same table either way" "$("$EMBER" top "$TMP/$v.file.pb.gz" | tail -n +4)" \
		"$("$EMBER" top "$TMP/$v.pb.gz" | tail -n +4)"
done

# Without its debug directory, the build-id variant stays unresolved, named
# file+offset, and keeps its build id for pprof to find it later.
unset EMBER_DEBUG_DIRS
v=symprog-stripped-id
out=$("$EMBER" symbolize "$TMP/$v.raw.pb.gz" -o "$TMP/$v.nodbg.pb.gz" 2>&1)
# Unresolved: sym_leaf, sym_middle and main's two calls (lib and libc resolve).
expect_eq "$v without debug dir: 4 unresolved" "$out" \
	"symbolized 3 of 7 locations (0 already had lines, 4 unresolved) -> $TMP/$v.nodbg.pb.gz"
top=$("$EMBER" top "$TMP/$v.nodbg.pb.gz")
expect_match "$v without debug dir: leaf is $v+0xoffset" "$top" "^ +300ms +75\.00% +75\.00% +300ms +75\.00%  $v\+0x[0-9a-f]+$"
expect_match "$v without debug dir: the library still resolves" "$top" '  symlib_leaf$'
raw=$(pprof -raw "$TMP/$v.nodbg.pb.gz" 2>&1)
expect_match "$v without debug dir: build id kept, no has_* flags" "$raw" "/$v [0-9a-f]{40} *$"
out=$("$EMBER" symbolize "$TMP/$v.raw.pb.gz" -o "$TMP/$v.dir.pb.gz" --debug-dir "$PROGS/debug-root" 2>&1)
expect_match "$v: --debug-dir finds it" "$out" '^symbolized 7 of 7 locations'

# Stripped with no debug file anywhere: unresolved, but nothing fails.
export EMBER_DEBUG_DIRS=$PROGS/debug-root
v=symprog-stripped-bare
start "$v" "$PROGS/$v"
"$TOOLS/raw_profile" "$PID" "$TMP/$v.raw.pb.gz" "30:$EXE" "10:$LIB"
out=$("$EMBER" symbolize "$TMP/$v.raw.pb.gz" -o "$TMP/$v.pb.gz" --pid "$PID" 2>&1)
expect_eq "$v: 4 unresolved" "$out" "symbolized 3 of 7 locations (0 already had lines, 4 unresolved) -> $TMP/$v.pb.gz"
top=$("$EMBER" top "$TMP/$v.pb.gz")
expect_match "$v: main's call into the library is $v+0xoffset" "$top" \
	"^ +0 +0\.00% +100\.00% +100ms +25\.00%  $v\+0x[0-9a-f]+$"
expect_match "$v: libc's frame resolves" "$top" '(__libc_start_call_main|libc\.so\.6\+0x[0-9a-f]+)$'

# --binary: the mapped file is gone, a copy is given, matched by build id and,
# without build ids, by base name. A copy of another build is not used.
mkdir -p "$TMP/run" "$TMP/copy" "$TMP/other"
cp "$PROGS/symprog" "$PROGS/libsymlib.so" "$TMP/run/"
start run "$TMP/run/symprog"
"$TOOLS/raw_profile" "$PID" "$TMP/bin.raw.pb.gz" "30:$EXE" "10:$LIB"
"$TOOLS/raw_profile" --no-build-id "$PID" "$TMP/bin.noid.raw.pb.gz" "30:$EXE" "10:$LIB"
stop
cp "$TMP/run/symprog" "$TMP/copy/symprog"
cp "$PROGS/symprog-nofp" "$TMP/other/symprog"
cp "$TMP/run/libsymlib.so" "$TMP/copy/"
rm -r "$TMP/run"
out=$("$EMBER" symbolize "$TMP/bin.raw.pb.gz" -o "$TMP/bin.pb.gz" 2>&1)
expect_match "mapped files deleted: each is reported once" "$out" "^ember: warning: $TMP/run/symprog: No such file or directory$"
expect_match "mapped files deleted: unresolved" "$out" '^symbolized 1 of 7 locations .*6 unresolved'
out=$("$EMBER" symbolize "$TMP/bin.raw.pb.gz" -o "$TMP/bin.pb.gz" \
	--binary "$TMP/other/symprog" --binary "$TMP/copy/symprog" --binary "$TMP/copy/libsymlib.so" 2>&1)
expect_match "--binary matched by build id" "$out" '^symbolized 7 of 7 locations'
check_symprog_top "--binary" "$("$EMBER" top "$TMP/bin.pb.gz")"
out=$("$EMBER" symbolize "$TMP/bin.noid.raw.pb.gz" -o "$TMP/bin.noid.pb.gz" \
	-b "$TMP/copy/symprog" -b "$TMP/copy/libsymlib.so" 2>&1)
expect_match "--binary matched by base name without build ids" "$out" '^symbolized 7 of 7 locations'
raw=$(pprof -raw "$TMP/bin.noid.pb.gz" 2>&1)
expect_match "the build id read from the file is recorded" "$raw" "/run/symprog [0-9a-f]{40} \[FN\]"
mkdir -p "$TMP/run" && cp "$PROGS/symprog-nofp" "$TMP/run/symprog"
out=$("$EMBER" symbolize "$TMP/bin.raw.pb.gz" -o "$TMP/bin.bad.pb.gz" 2>&1)
expect_match "a different build at the mapped path is refused, in one line" "$out" \
	"^ember: warning: $TMP/run/symprog: build id mismatch \(profile has [0-9a-f]{40}, $TMP/run/symprog has [0-9a-f]{40}\); not used$"
expect_match "...and its addresses stay unresolved" "$("$EMBER" top "$TMP/bin.bad.pb.gz")" '  symprog\+0x[0-9a-f]+$'

# Corrupt files where the mappings point: one line each, no crash, exit 0.
head -c 200 "$PROGS/libsymlib.so" > "$TMP/run/libsymlib.so"
printf 'not an ELF file\n' > "$TMP/run/symprog"
out=$("$EMBER" symbolize "$TMP/bin.noid.raw.pb.gz" -o "$TMP/bin.corrupt.pb.gz" 2>&1); rc=$?
expect_eq "corrupt mapped files: exit 0" "$rc" 0
expect_match "corrupt mapped files: the binary is named" "$out" \
	"^ember: warning: $TMP/run/symprog: not usable for symbols \(not an ELF executable or shared library\)$"
expect_match "corrupt mapped files: the truncated library is named" "$out" \
	"^ember: warning: $TMP/run/libsymlib.so: not usable for symbols \(malformed ELF headers\)$"
expect_eq "corrupt mapped files: three lines (two files and the summary)" "$(printf '%s\n' "$out" | wc -l)" 3

# A deleted binary still resolves through /proc/PID/map_files.
mkdir -p "$TMP/del"
cp "$PROGS/symprog" "$PROGS/libsymlib.so" "$TMP/del/"
start del "$TMP/del/symprog"
rm "$TMP/del/symprog"
expect_match "deleted: maps show it deleted" "$(cat /proc/$PID/maps)" "$TMP/del/symprog \(deleted\)$"
"$TOOLS/raw_profile" "$PID" "$TMP/del.raw.pb.gz" "30:$EXE" "10:$LIB"
out=$("$EMBER" symbolize "$TMP/del.raw.pb.gz" -o "$TMP/del.pb.gz" --pid "$PID" 2>&1)
expect_match "deleted: resolved through map_files" "$out" '^symbolized 7 of 7 locations'
check_symprog_top deleted "$("$EMBER" top "$TMP/del.pb.gz")"
expect_match "deleted: mapping path without ' (deleted)'" "$(pprof -raw "$TMP/del.pb.gz" 2>&1)" \
	"^[0-9]+: .* $TMP/del/symprog [0-9a-f]{40} \[FN\]"
stop

# A program in another mount namespace: its binary's path exists only there.
mkdir -p "$TMP/ctr" "$TMP/mnt"
cp "$PROGS/symprog" "$PROGS/libsymlib.so" "$TMP/ctr/"
if unshare -m --propagation private true 2>/dev/null; then
	start ctr unshare -m --propagation private sh -c \
		"mount --bind '$TMP/ctr' '$TMP/mnt' && SYMPROG_LIB='$TMP/mnt/libsymlib.so' exec '$TMP/mnt/symprog' \"\$0\""
	if [ -n "$PID" ]; then
		expect_match "container: maps name the namespace's path" "$(cat /proc/$PID/maps)" " $TMP/mnt/symprog$"
		expect_eq "container: that path does not exist here" "$(ls "$TMP/mnt")" ""
		"$TOOLS/raw_profile" "$PID" "$TMP/ctr.raw.pb.gz" "30:$EXE" "10:$LIB"
		out=$("$EMBER" symbolize "$TMP/ctr.raw.pb.gz" -o "$TMP/ctr.pb.gz" --pid "$PID" 2>&1)
		expect_match "container: resolved through /proc/PID/root" "$out" '^symbolized 7 of 7 locations'
		check_symprog_top container "$("$EMBER" top "$TMP/ctr.pb.gz")"
		check_symprog_raw symprog "$(pprof -raw "$TMP/ctr.pb.gz" 2>&1)"
		stop
	else
		not_ok "container: the program started" "$(cat "$TMP/ctr.out")"
	fi
else
	skip "container: symbolize through /proc/PID/root" "unshare -m not permitted here"
fi

# C++: names demangled into Function.name, the mangled name kept as system name.
start symcpp "$PROGS/symcpp"
"$TOOLS/raw_profile" "$PID" "$TMP/cpp.raw.pb.gz" "10:$EXE"
"$EMBER" symbolize "$TMP/cpp.raw.pb.gz" -o "$TMP/cpp.pb.gz" --pid "$PID" > /dev/null 2>&1
stop
top=$("$EMBER" top "$TMP/cpp.pb.gz")
expect_match "c++: top shows the demangled method" "$top" '^ +100ms +100\.00% +100\.00% +100ms +100\.00%  ember_test::Widget<int>::spin\(int, unsigned long\*\)$'
expect_match "c++: an inline function is qualified" "$top" '  ember_test::twice$'
raw=$(pprof -raw "$TMP/cpp.pb.gz" 2>&1)
expect_match "c++: pprof keeps the mangled system name" "$raw" \
	"ember_test::Widget<int>::spin\(int, unsigned long\*\) /.*/$X:$(line $X '@cpp-leaf') s=[0-9]+\(_ZN10ember_test6WidgetIiE4spinEiPm\)"
expect_match "c++: run_widget under the inlined twice()" "$(printf '%s\n' "$raw" | grep -A1 ' ember_test::twice ')" \
	"^ +ember_test::run_widget\(unsigned long\*\) /.*/$X:$(line $X '@cpp-call-twice') "

# Kernel addresses: only with --kallsyms (or --pid), from the given table.
printf 'ffffffff81000000 T _stext\nffffffff81001010 T do_one\nffffffff81001080 t other\n' > "$TMP/kallsyms"
start kern "$PROGS/symprog"
"$TOOLS/raw_profile" "$PID" "$TMP/kern.raw.pb.gz" "5:0xffffffff81001020,$EXE"
stop
"$EMBER" symbolize "$TMP/kern.raw.pb.gz" -o "$TMP/kern.none.pb.gz" > /dev/null 2>&1
expect_match "kernel: without --kallsyms the address stays bare" "$("$EMBER" top "$TMP/kern.none.pb.gz")" '  0xffffffff81001020$'
"$EMBER" symbolize "$TMP/kern.raw.pb.gz" -o "$TMP/kern.pb.gz" --kallsyms "$TMP/kallsyms" > /dev/null 2>&1
expect_match "kernel: --kallsyms names it" "$("$EMBER" top "$TMP/kern.pb.gz")" '^ +50ms +100\.00% +100\.00% +50ms +100\.00%  do_one$'

# Usage and errors.
check_status "symbolize without -o: usage error" 2 "$EMBER" symbolize "$TMP/kern.raw.pb.gz"
expect_eq "symbolize without -o: message" "$("$EMBER" symbolize "$TMP/kern.raw.pb.gz" 2>&1)" \
	"ember: symbolize: missing -o OUT (see 'ember help symbolize')"
check_status "symbolize --pid 0: usage error" 2 "$EMBER" symbolize x -o y --pid 0
out=$("$EMBER" symbolize "$TMP/kern.raw.pb.gz" -o "$TMP/x.pb.gz" --pid 999999999 2>&1); rc=$?
expect_eq "symbolize --pid of no process: exit 1" "$rc" 1
expect_eq "symbolize --pid of no process: message" "$out" "ember: --pid 999999999: no such process"
out=$("$EMBER" symbolize /nonexistent.pb.gz -o "$TMP/x.pb.gz" 2>&1); rc=$?
expect_eq "symbolize of a missing profile: exit 1 and one line" "$rc:$out" \
	"1:ember: /nonexistent.pb.gz: No such file or directory"
expect_match "ember help symbolize" "$("$EMBER" help symbolize)" '^usage: ember symbolize PROFILE -o OUT'
finish
