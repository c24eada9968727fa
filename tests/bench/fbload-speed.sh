#!/usr/bin/env bash
# Replay speed (fbload(8)): records per second on one core (taskset -c 0),
# streaming a text trace of 1M faults, for each policy and each replay
# engine (native: the policy compiled into fbload; bpf: its BPF build run
# with BPF_PROG_TEST_RUN, as root), on a sequential and a random trace;
# and peak memory, which must not depend on the trace length.
# Targets (issue #17): the native engine replays leap at >= 20M records/s
# on the sequential trace and >= 5M on the random one; the BPF engine no
# slower than before the native engine existed (10.99M and 1.61M). The
# script fails only below 1M (something broke). The rate counts the whole
# streaming loop (parsing, the policy, the buffer), not the one-time load.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
N=${N:-1000000}
TRIES=${TRIES:-5}
engines="native"
need_root && engines="native bpf"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

tests/gentrace.sh seq "$N" > "$tmp/seq"
tests/gentrace.sh random "$N" > "$tmp/random"
printf '%-8s %-10s %-8s %14s %12s\n' ENGINE POLICY TRACE RECORDS/S PEAK_RSS_KIB
for engine in $engines; do
	for trace in seq random; do
		for p in leap readahead stride next streams; do
			best=0
			for try in $(seq "$TRIES"); do
				r=$(/usr/bin/time -f %M -o "$tmp/rss" taskset -c 0 "$B/fbload" \
					--engine $engine -j -r "$tmp/$trace" "$p" | jq .records_per_sec)
				[ "$r" -gt "$best" ] && best=$r
			done
			printf '%-8s %-10s %-8s %14d %12d\n' $engine "$p" "$trace" "$best" \
				"$(cat "$tmp/rss")"
			[ "$p" = leap ] && eval "leap_${engine}_$trace=$best"
		done
	done
done
for engine in $engines; do
	for trace in seq random; do
		eval "r=\$leap_${engine}_$trace"
		if [ "$r" -ge 1000000 ]; then
			pass "fbload-speed: leap replays $r records/s on one core ($engine, $trace)"
		else
			fail "fbload-speed" "leap replays $r records/s on one core ($engine, $trace), below 1M"
		fi
	done
done
