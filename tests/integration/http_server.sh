#!/bin/bash
# SPDX-License-Identifier: MIT
# The agent's HTTP server (agent/http.c, driven by tests/tools/http_serve) against real
# clients: curl, go tool pprof (fetch, remote symbolization through POST /symbol, Go's error
# format), raw bytes over bash's /dev/tcp, several clients at once, limits, timeouts, stop,
# and valgrind for leaks.
. "$(dirname "$0")/../lib.sh"
need "$TOOLS/http_serve"
SERVE=$TOOLS/http_serve
NSERVE=0

# serve ARGS...: start http_serve in the background; sets SPID, PORT and SOUT (its stdout).
serve() {
	NSERVE=$((NSERVE + 1))
	SOUT=$TMP/serve.$NSERVE.out
	"$@" > "$SOUT" 2>&1 &
	SPID=$!
	PORT=
	for _ in $(seq 1 300); do
		PORT=$(awk '/^port / {print $2}' "$SOUT")
		[ -n "$PORT" ] && return 0
		kill -0 $SPID 2>/dev/null || break
		sleep 0.1
	done
	not_ok "http_serve started ($*)" "$(cat "$SOUT")"
	exit 1
}
# stop_serve: SIGTERM, then the exit status (waits at most 10 s).
stop_serve() {
	kill -TERM $SPID 2>/dev/null
	for _ in $(seq 1 100); do kill -0 $SPID 2>/dev/null || break; sleep 0.1; done
	kill -0 $SPID 2>/dev/null && kill -KILL $SPID
	wait $SPID
}
# status URL [curl args...]: the HTTP status curl saw.
status() { local u=$1; shift; curl -s -o /dev/null -w '%{http_code}' "$@" "$u"; }
# raw REQUEST: send bytes over /dev/tcp, print the status line's code.
raw() {
	local line=
	exec 3<>/dev/tcp/127.0.0.1/$PORT || return
	(printf '%b' "$1") >&3 2>/dev/null	# a subshell: EPIPE must not end the test
	IFS= read -r -t 5 line <&3
	exec 3<&- 3>&-
	line=${line#HTTP/1.1 }
	printf '%s\n' "${line%% *}"
}

serve "$SERVE" 127.0.0.1:0
U=http://127.0.0.1:$PORT/debug/pprof

# ---- plain requests with curl --------------------------------------------------------------
out=$(curl -s -i "$U/cmdline" | tr -d '\r\0')
expect_match "cmdline: 200" "$out" '^HTTP/1.1 200 OK$'
expect_match "cmdline: text/plain" "$out" '^Content-Type: text/plain; charset=utf-8$'
expect_match "cmdline: nosniff" "$out" '^X-Content-Type-Options: nosniff$'
expect_match "cmdline: Connection: close" "$out" '^Connection: close$'
expect_eq "cmdline: argv joined with NUL" "$(curl -s "$U/cmdline" | od -An -c | tr -s ' \n' ' ')" \
	"$(printf '%s\0%s' "$SERVE" 127.0.0.1:0 | od -An -c | tr -s ' \n' ' ')"
expect_eq "HTTP/1.0 request" "$(status "$U/cmdline" -0)" 200
out=$(curl -s -I "$U/cmdline" | tr -d '\r')
expect_match "HEAD: 200 with the GET's length" "$out" '^Content-Length: [1-9][0-9]*$'
expect_match "index page is HTML" "$(curl -s -i "$U/" | tr -d '\r')" '^Content-Type: text/html'

out=$(curl -s -i "$U/nope" | tr -d '\r')
expect_match "unknown profile: 404" "$out" '^HTTP/1.1 404 Not Found$'
expect_match "unknown profile: X-Go-Pprof" "$out" '^X-Go-Pprof: 1$'
expect_eq "unknown profile: body" "$(curl -s "$U/nope")" "Unknown profile"
expect_eq "path outside /debug/pprof: 404" "$(status "http://127.0.0.1:$PORT/metrics")" 404

expect_eq "symbol GET without addresses" "$(curl -s "$U/symbol")" "num_symbols: 1"
expect_eq "symbol GET with addresses" "$(curl -s "$U/symbol?0x401000+0x999+0x401300")" \
	"$(printf 'num_symbols: 1\n0x401000 main\n0x401300 leaf_b')"
expect_eq "symbol POST" "$(curl -s --data-binary '0x401200+0x401100' "$U/symbol")" \
	"$(printf 'num_symbols: 1\n0x401200 leaf_a\n0x401100 work')"

# ---- go tool pprof ----------------------------------------------------------------------------
t0=$(date +%s.%N)
out=$(pprof -raw "$U/profile?seconds=1" 2>&1)
t1=$(date +%s.%N)
expect_match "pprof -raw fetches the profile" "$out" '^ +30 +300000000: 1 2 3 $'
expect_match "pprof symbolized through POST /symbol" "$out" '^ +1: 0x401200 M=1 leaf_a '
expect_match "pprof: duration" "$out" '^Duration: 1s$'
expect_no_match "pprof prints no warnings" "$out" '[Ww]arning|[Ee]rror|[Ff]ailed'
expect_ge "profile?seconds=1 took a second" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" 1
expect_match "pprof -top" "$(pprof -top "$U/profile?seconds=1" 2>&1)" \
	'^ +300ms 75\.00% 75\.00% +300ms 75\.00%  leaf_a$'
out=$(pprof -raw "$U/profile?seconds=100" 2>&1)
expect_match "pprof shows Go-format errors" "$out" \
	'server response: 400 Bad Request - profile duration exceeds 60 seconds'

# ---- two clients at once -----------------------------------------------------------------------
curl -s -o "$TMP/p3.pb.gz" -w '%{http_code} %{time_total}\n' "$U/profile?seconds=3" \
	> "$TMP/p3.out" &
CPID=$!
sleep 0.3
fast=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "$U/cmdline")
expect_eq "cmdline served during a 3 s profile" "${fast% *}" 200
expect_near "cmdline did not wait for the profile" "${fast#* }" 0 0.5
wait $CPID
read -r code secs < "$TMP/p3.out"
expect_eq "the 3 s profile: 200" "$code" 200
expect_near "the 3 s profile took 3 s" "$secs" 3.2 0.4
expect_match "the 3 s profile reads in pprof" "$(pprof -raw "$TMP/p3.pb.gz" 2>&1)" '^Duration: 3s$'

# ---- bad and oversized requests ----------------------------------------------------------------
expect_eq "PUT: 405" "$(status "$U/cmdline" -X PUT)" 405
expect_match "405 says what is allowed" "$(curl -s -i -X DELETE "$U/cmdline" | tr -d '\r')" \
	'^Allow: GET, HEAD, POST$'
pad=$(head -c 9000 /dev/zero | tr '\0' a)
expect_eq "9000-byte header: 413" "$(status "$U/cmdline" -H "X-Pad: $pad")" 413
head -c 2000000 /dev/zero > "$TMP/2m"
expect_eq "2 MB body: 413" "$(status "$U/symbol" --data-binary @"$TMP/2m")" 413
expect_eq "2 MB body without Expect: 413" \
	"$(status "$U/symbol" --data-binary @"$TMP/2m" -H 'Expect:')" 413
expect_eq "2 MB body with 100-continue: 413" \
	"$(status "$U/symbol" --data-binary @"$TMP/2m" -H 'Expect: 100-continue')" 413
expect_eq "chunked body: 411" \
	"$(status "$U/symbol" --data-binary 0x401000 -H 'Transfer-Encoding: chunked')" 411
expect_eq "garbage request line: 400" "$(raw 'GARBAGE\r\n\r\n')" 400
expect_eq "HTTP/2.0: 505" "$(raw 'GET /debug/pprof/cmdline HTTP/2.0\r\n\r\n')" 505
expect_eq "HTTP/1.1 without Host: 400" "$(raw 'GET /debug/pprof/cmdline HTTP/1.1\r\n\r\n')" 400
expect_eq "bad percent-escape: 400" "$(raw 'GET /debug/pprof/%zz HTTP/1.0\r\n\r\n')" 400
expect_eq "percent-encoded path is decoded" "$(raw 'GET /debug/pprof/cm%64line HTTP/1.0\r\n\r\n')" 200

# Random bytes, ended by a blank line so every request is complete: only error statuses.
bad=0
for i in $(seq 1 200); do
	exec 3<>/dev/tcp/127.0.0.1/$PORT
	(head -c $((RANDOM % 10000 + 1)) /dev/urandom; printf '\r\n\r\n') >&3 2>/dev/null
	line=
	IFS= read -r -t 5 line <&3
	exec 3<&- 3>&-
	code=${line#HTTP/1.1 }
	case ${code%% *} in 400|405|411|413|417|505) ;; *) bad=$((bad + 1)); echo "# $i: $line" ;; esac
done
expect_eq "200 random requests: each got an error status" "$bad" 0
# Clients that vanish: mid-request, and before a response (no SIGPIPE may kill the process).
for i in $(seq 1 50); do
	exec 3<>/dev/tcp/127.0.0.1/$PORT
	head -c $((RANDOM % 3000)) /dev/urandom >&3 2>/dev/null
	exec 3<&- 3>&-
done
curl -s -m 0.3 "$U/profile?seconds=1" > /dev/null
curl -s -m 0.3 "$U/symbol" --data-binary @"$TMP/2m" > /dev/null
sleep 1.5
check "server alive after vanishing clients" kill -0 $SPID
expect_eq "and still serving" "$(status "$U/cmdline")" 200

# Stop with a 30 s profile in flight: it is woken, answered, and the process exits cleanly.
curl -s -w '%{http_code}' -o "$TMP/stopped.body" "$U/profile?seconds=30" > "$TMP/stopped.code" &
CPID=$!
sleep 0.5
t0=$(date +%s.%N)
stop_serve
rc=$?
t1=$(date +%s.%N)
wait $CPID
expect_eq "SIGTERM: clean exit" "$rc" 0
expect_match "SIGTERM: all connections finished" "$(cat "$SOUT")" '^stopped: clean$'
expect_near "stop did not wait for the profile" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" 0.3 0.7
expect_eq "the in-flight profile got 503" "$(cat "$TMP/stopped.code")" 503
expect_eq "with Go's error body" "$(cat "$TMP/stopped.body")" "server stopping"

# ---- limits: connections and slow clients ------------------------------------------------------
serve "$SERVE" -c 2 -t 500 127.0.0.1:0
U=http://127.0.0.1:$PORT/debug/pprof
curl -s -o /dev/null "$U/profile?seconds=2" & C1=$!
curl -s -o /dev/null "$U/profile?seconds=2" & C2=$!
sleep 0.5
out=$(curl -s -i "$U/cmdline" | tr -d '\r')
expect_match "third client over -c 2: 503" "$out" '^HTTP/1.1 503 Service Unavailable$'
expect_match "503 has Retry-After" "$out" '^Retry-After: 1$'
wait $C1 $C2
expect_eq "slots free again after the profiles" "$(status "$U/cmdline")" 200
t0=$(date +%s.%N)
exec 3<>/dev/tcp/127.0.0.1/$PORT
printf 'GET /debug/pprof/cmdline HT' >&3
IFS= read -r -t 5 line <&3
exec 3<&- 3>&-
t1=$(date +%s.%N)
expect_eq "slow client: 408" "$(printf '%s' "$line" | tr -d '\r')" "HTTP/1.1 408 Request Timeout"
expect_near "after the 500 ms timeout" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" 0.5 0.4
stop_serve > /dev/null

# ---- start errors ------------------------------------------------------------------------------
serve "$SERVE" 127.0.0.1:0
out=$("$SERVE" "127.0.0.1:$PORT" 2>&1)
expect_eq "port in use: exit 1, one line" "$?:$out" \
	"1:http_serve: 127.0.0.1:$PORT: Address already in use"
out=$("$SERVE" "example.com:80" 2>&1)
expect_match "host names are refused" "$out" "is not an IP address or localhost"
stop_serve > /dev/null

# ---- valgrind: no leaks, no invalid accesses, through every path above --------------------------
if ! command -v valgrind > /dev/null; then
	skip "valgrind: no leaks or errors" "valgrind not installed"
	finish
fi
serve valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--show-leak-kinds=definite,indirect --error-exitcode=9 "$SERVE" -c 3 -t 2000 127.0.0.1:0
U=http://127.0.0.1:$PORT/debug/pprof
curl -s "$U/cmdline" > /dev/null
curl -s "$U/nope" > /dev/null
curl -s --data-binary '0x401000+0x401100' "$U/symbol" > /dev/null
curl -s -o /dev/null "$U/symbol" --data-binary @"$TMP/2m" -H 'Expect:'
curl -s -o /dev/null "$U/cmdline" -H "X-Pad: $pad"
raw 'GARBAGE\r\n\r\n' > /dev/null
raw 'GET /debug/pprof/cmdline HT' > /dev/null
pprof -raw "$U/profile?seconds=1" > "$TMP/vg.raw" 2>&1
curl -s -o /dev/null "$U/profile?seconds=30" & CPID=$!
sleep 1
stop_serve
rc=$?
wait $CPID
expect_match "under valgrind: pprof still works" "$(cat "$TMP/vg.raw")" 'leaf_a'
if [ $rc = 0 ]; then ok "valgrind: no leaks or errors"; else
	not_ok "valgrind: no leaks or errors" "exit $rc" "$(cat "$SOUT")"; fi
finish
