#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/redis.sh - a real service: redis-server's throughput under
# redis-benchmark, without and with ember (all three profiles, default
# rates), alternating runs so drift hits both; and its RSS at the end.
. "$(dirname "$0")/lib.sh"
need_cmd redis-server redis-benchmark redis-cli python3
need_file "$LIB"
ROUNDS=${REDIS_ROUNDS:-5}
REQ=${REDIS_REQUESTS:-200000}

# one MODE: start redis (plain or under ember), benchmark, print
# "MODE TEST RPS" lines and "MODE rss KB", shut down.
one() {
	local mode=$1 port=$(( 20000 + RANDOM % 20000 )) pid
	if [ "$mode" = ember ]; then
		env LD_PRELOAD="$LIB" EMBER_OUTPUT="$T/prof" redis-server --port $port --save "" \
			--appendonly no --dir "$T" > "$T/redis.log" 2>&1 &
	else
		redis-server --port $port --save "" --appendonly no --dir "$T" > "$T/redis.log" 2>&1 &
	fi
	pid=$!
	for _ in $(seq 100); do
		redis-cli -p $port ping 2>/dev/null | grep -q PONG && break
		sleep 0.1
	done
	redis-benchmark -p $port -n "$REQ" -c 50 -t set,get,lpush,lpop --csv 2>/dev/null |
		tr -d '"' | awk -F, -v m=$mode '$1 ~ /^(SET|GET|LPUSH|LPOP)$/ { print m, $1, $2 }'
	echo "$mode rss $(awk '/^VmRSS/ { print $2 }' /proc/$pid/status)"
	redis-cli -p $port shutdown nosave > /dev/null 2>&1 || true
	wait $pid 2>/dev/null || true
}

header "redis-server under redis-benchmark (-n $REQ -c 50), $ROUNDS alternating rounds"
for r in $(seq "$ROUNDS"); do
	one plain
	one ember
done > "$RES/redis.txt"
python3 - "$RES/redis.txt" <<'PY'
import statistics, sys
rps, rss = {}, {}
for line in open(sys.argv[1]):
    mode, what, v = line.split()
    if what == "rss":
        rss.setdefault(mode, []).append(int(v))
    else:
        rps.setdefault((mode, what), []).append(float(v))
print(f"  {'test':<8} {'plain rps':>12} {'ember rps':>12} {'ember/plain':>12}")
ratios = []
for t in ("SET", "GET", "LPUSH", "LPOP"):
    p = statistics.median(rps.get(("plain", t), [0]))
    e = statistics.median(rps.get(("ember", t), [0]))
    if p:
        ratios.append(e / p)
        print(f"  {t:<8} {p:>12.0f} {e:>12.0f} {e / p:>12.3f}")
if ratios:
    print(f"  geometric mean of ember/plain: {statistics.geometric_mean(ratios):.3f}")
for m in ("plain", "ember"):
    if m in rss:
        print(f"  {m} RSS at the end: {statistics.median(rss[m]) / 1024:.1f} MiB")
PY
