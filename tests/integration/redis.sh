#!/bin/bash
# SPDX-License-Identifier: MIT
# A real service: redis-server (Debian's, with jemalloc) under ember run,
# driven by redis-benchmark. Its CPU, heap and syscall profiles must show
# redis's own functions and where it waits.
. "$(dirname "$0")/../lib.sh"
need "$EMBER" "$LIBEMBER"
for b in redis-server redis-benchmark redis-cli; do
	command -v $b > /dev/null || { skip "redis under ember" "$b is not installed (make deps-test)"; finish; }
done

port=$(( 20000 + RANDOM % 20000 ))
out=$TMP/redis
"$EMBER" run -q -o "$out" --heap-rate 65536 --interval 2 -- \
	redis-server --port $port --save "" --appendonly no --dir "$TMP" > "$TMP/redis.log" 2>&1 &
run_pid=$!
for _ in $(seq 50); do
	redis-cli -p $port ping 2>/dev/null | grep -q PONG && break
	sleep 0.2
done
check "redis-server answers under the agent" sh -c "redis-cli -p $port ping | grep -q PONG"
bench=$(redis-benchmark -p $port -n 50000 -c 20 -q -t set,get,lpush 2>&1 | tr '\r' '\n' | grep 'requests per second')
expect_eq "redis-benchmark completes all three tests" "$(printf '%s\n' "$bench" | grep -c 'requests per second')" 3
redis-cli -p $port shutdown nosave > /dev/null 2>&1
wait $run_pid; rc=$?
expect_eq "redis-server shuts down cleanly (status 0)" "$rc" 0

prof=$(only_profile "$out" cpu)
[ -n "$prof" ] || { not_ok "redis wrote one CPU profile"; finish; }
expect_match "CPU: processCommand is in the profile" "$(pprof -top -nodecount=500 -nodefraction=0 "$prof" 2>/dev/null)" ' processCommand$'
# Debian's redis-server is stripped: aeProcessEvents is exported as a
# 19-byte stub that jumps to its body, a local aeProcessEvents.part.0 whose
# name went with .symtab. The symbolizer names that body aeProcessEvents.part
# from the stub's jump and the body's FDE (lib/symtab.h), so the whole path
# from main to the command reads as redis's own functions.
expect_match "CPU: processCommand runs under aeProcessEvents (its body, .part) in aeMain" \
	"$(pprof -traces -focus=processCommand "$prof" 2>/dev/null | tr -s ' \n' ' ')" 'processCommand processInputBuffer readQueryFromClient .*aeProcessEvents\.part aeMain main'
expect_match "CPU: redis's request path (readQueryFromClient)" "$(pprof -top -cum -nodecount=500 -nodefraction=0 "$prof" 2>/dev/null)" ' readQueryFromClient$'

prof=$(only_profile "$out" syscall)
tags=$(pprof -tags "$prof" 2>/dev/null)
expect_match "syscall: epoll_wait time" "$tags" ': epoll_wait$'
expect_match "syscall: read time" "$tags" ': read$'
expect_match "syscall: write time" "$tags" ': write$'
expect_match "syscall: epoll_wait is waited in from the event loop (aeProcessEvents)" \
	"$(pprof -traces -focus=epoll_wait "$prof" 2>/dev/null | tr -s ' \n' ' ')" 'epoll_wait .*aeProcessEvents\.part aeMain main'

prof=$(only_profile "$out" heap)
top=$(pprof -sample_index=alloc_space -top -cum -nodecount=500 -nodefraction=0 "$prof" 2>/dev/null)
expect_match "heap: allocations are attributed to redis code (call/processCommand)" "$top" ' (call|processCommand)$'
expect_match "heap: the list pushed by LPUSH is in use" \
	"$(pprof -sample_index=inuse_space -top -cum -nodecount=500 -nodefraction=0 "$prof" 2>/dev/null)" ' (lpushCommand|pushGenericCommand|listTypePush|quicklistPush.*)$'
for k in cpu heap syscall; do
	expect_no_match "pprof reads the $k profile without a warning" \
		"$(pprof -top "$(only_profile "$out" $k)" 2>&1 >/dev/null)" '.'
done
finish
