#!/bin/bash
# SPDX-License-Identifier: MIT
# The agent's Go-style endpoints (EMBER_HTTP), read by the real go tool pprof.
. "$(dirname "$0")/../lib.sh"
need "$LIBEMBER" "$PROGS/demo"

# start_agent NAME PROG ARGS...: run PROG with the endpoints on a free port;
# sets PID and PORT.
start_agent() {
	local name=$1; shift
	mkdir -p "$TMP/$name"
	EMBER_OUTPUT=$TMP/$name EMBER_HTTP=127.0.0.1:0 EMBER_VERBOSE=1 LD_PRELOAD=$LIBEMBER \
		"$@" > "$TMP/$name.out" 2> "$TMP/$name.err" &
	PID=$!
	PORT=
	for _ in $(seq 50); do
		PORT=$(sed -n 's/.*serving \/debug\/pprof on .* (port \([0-9]*\)).*/\1/p' "$TMP/$name.err")
		[ -n "$PORT" ] && break
		sleep 0.1
	done
	[ -n "$PORT" ] || not_ok "$name: the agent announced its port" "$(cat "$TMP/$name.err")"
}

start_agent demo "$PROGS/demo" 12
base=http://127.0.0.1:$PORT/debug/pprof
top=$(pprof -top "$base/profile?seconds=2" 2>&1)
expect_match "go tool pprof reads /profile?seconds=2 from a C program" "$top" 'compute_checksum$'
expect_match "the window is 2 s long" "$top" '^Duration: 2'
expect_no_match "pprof asks for nothing else and warns about nothing" "$top" '[Ww]arning|symbol|[Ee]rror'
expect_match "the index lists the profile" "$(curl -s "$base/")" 'href="profile\?seconds=30"'
expect_eq "/cmdline is argv joined by NUL" "$(curl -s "$base/cmdline" | tr '\0' ' ')" "$PROGS/demo 12"
# Two clients at once: a 3 s profile and an immediate cmdline.
t0=$(date +%s.%N)
curl -s -o "$TMP/p3.pb.gz" "$base/profile?seconds=3" & slow=$!
curl -s "$base/cmdline" > /dev/null
t1=$(date +%s.%N)
wait $slow
expect_ge "cmdline answered while a profile was being taken" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a < 2) }')" 1
check "the concurrent 3 s profile is valid" "$EMBER" top "$TMP/p3.pb.gz"
# /symbol: pprof's POST form, with an address taken from a profile.
raw=$(pprof -raw "$TMP/p3.pb.gz" 2>/dev/null)
addr=$(printf '%s\n' "$raw" | awk '/compute_checksum/ && $2 ~ /^0x/ { print $2; exit }')
sym=$(curl -s --data-binary "$addr" -H 'Content-Type: application/octet-stream' "$base/symbol")
expect_match "POST /symbol names the function at an address" "$sym" "^$addr compute_checksum\$"
expect_match "GET /symbol answers num_symbols" "$(curl -s "$base/symbol")" '^num_symbols: 1$'
hdr=$(curl -s -D - -o /dev/null "$base/nosuch")
expect_match "unknown path: 404" "$hdr" '^HTTP/1.1 404'
expect_match "unknown path: Go's error header, so pprof prints the reason" "$hdr" '^X-Go-Pprof: 1'
hdr=$(curl -s -D - -o /dev/null -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)" "$base/")
expect_match "oversized request: 413" "$hdr" '^HTTP/1.1 413'
kill $PID; wait $PID 2>/dev/null

# A program that closes every descriptor at start cannot take the agent's
# socket: its own numbers stay 3 and 4, and the endpoints keep working.
start_agent closefds "$PROGS/close_fds"
sleep 0.5
expect_match "endpoints still serve after the program closed every fd" "$(curl -s "http://127.0.0.1:$PORT/debug/pprof/")" 'ember agent'
wait $PID
expect_eq "the program's own descriptors are still 3 and 4" "$(cat "$TMP/closefds.out")" "new fds: 3 4"

# Port in use: one warning, the program runs on.
start_agent first "$PROGS/exit_modes" return 2000
err=$(EMBER_HTTP=127.0.0.1:$PORT LD_PRELOAD=$LIBEMBER EMBER_OUTPUT=$TMP/second "$PROGS/exit_modes" return 200 2>&1 >/dev/null); rc=$?
expect_eq "port in use: the program still exits 0" "$rc" 0
expect_match "port in use: one warning naming EMBER_HTTP" "$err" "^ember: warning: EMBER_HTTP: 127.0.0.1:$PORT: Address already in use; the /debug/pprof endpoints are off$"
wait $PID
# A daemon's start-up (closefrom(3), then its own files) while a profile is
# being taken: the connection is the agent's, out of the program's way
# (before: it held fd 3, the program's file got 3 after closefrom, and the
# agent closed it when the request ended).
rm -f "$TMP/fdreq.data"
start_agent fdreq "$PROGS/fd_during_request" "$TMP/fdreq.data"
curl -s -o /dev/null --max-time 20 "http://127.0.0.1:$PORT/debug/pprof/profile?seconds=2"
wait "$PID"; rc=$?
expect_eq "profile taken during closefrom: the program exits 0" "$rc" 0
expect_eq "and gets the numbers it gets without the agent, and no errors" "$(cat "$TMP/fdreq.out")" \
	"$(printf 'first open: fd 3\nfile: fd 3')"
expect_eq "and its file holds both halves" "$(cat "$TMP/fdreq.data" 2>/dev/null | tr '\n' ' ')" "hello world "
finish
