#!/usr/bin/env bash
# Replay speed (fbload(8)): records per second on one core (taskset -c 0),
# streaming a text trace of 1M faults, for each policy, on a sequential and
# a random trace; and peak memory, which must not depend on the trace length.
# Target (issue #11): >= 5M records/s for leap on the sequential trace;
# the script fails below 1M. The rate counts the whole streaming loop
# (parsing, the BPF runs, the buffer), not the one-time load of the policy.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
N=${N:-1000000}
need_root || { skip fbload-speed "needs root to load BPF programs"; exit 0; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

tests/gentrace.sh seq "$N" > "$tmp/seq"
tests/gentrace.sh random "$N" > "$tmp/random"
printf '%-10s %-10s %14s %12s\n' POLICY TRACE RECORDS/S PEAK_RSS_KIB
for trace in seq random; do
	for p in leap readahead stride next; do
		best=0
		for try in 1 2 3; do
			r=$(/usr/bin/time -f %M -o "$tmp/rss" taskset -c 0 "$B/fbload" -j -r "$tmp/$trace" "$p" |
				jq .records_per_sec)
			[ "$r" -gt "$best" ] && best=$r
		done
		printf '%-10s %-10s %14d %12d\n' "$p" "$trace" "$best" "$(cat "$tmp/rss")"
		[ "$p" = leap ] && eval "leap_$trace=$best"
	done
done
for trace in seq random; do
	eval "r=\$leap_$trace"
	if [ "$r" -ge 1000000 ]; then pass "fbload-speed: leap replays $r records/s on one core ($trace)"
	else fail "fbload-speed" "leap replays $r records/s on one core ($trace), below 1M"; fi
done
