#!/usr/bin/env bash
# hpbloat's scan rate over huge-mapped memory against a plain zero-check
# loop over the same memory (in the target, thpfill -b), in the same run.
# The two are interleaved, RUNS times (thpfill times its loop again on
# SIGUSR1): this machine's speed drifts between seconds, so each hpbloat
# run is compared with the loop timed just before it; the median of those
# ratios is reported, with the best rate of each.
# Targets: >= 2 GB/s on one core, and >= 0.8 of the plain loop.
#   MIB=2048 RUNS=5 bash tests/bench/hawkeye-hpbloat.sh
set -u
BUILD=${BUILD:-build}
MIB=${MIB:-2048}
RUNS=${RUNS:-5}
out=$(mktemp)
trap 'kill $wl 2>/dev/null; rm -f "$out"' EXIT

[ "$(id -u)" = 0 ] || { echo "SKIP: hpbloat-bench: needs root"; exit 0; }
# thpfill -b: a THP area with every other subpage written (last byte), then
# a word-at-a-time zero check over it, timed in-process.
taskset -c 0 "$BUILD/workloads/thpfill" -b "$MIB" > "$out" &
wl=$!
for _ in $(seq 600); do grep -q '^ready' "$out" && break; sleep 0.1; done
best=0 bestbase=0 ratios=
for i in $(seq "$RUNS"); do
	if [ "$i" -gt 1 ]; then	# the first baseline came with "ready"
		kill -USR1 "$wl"
		for _ in $(seq 600); do
			[ "$(grep -c '^baseline_gbps' "$out")" -ge "$i" ] && break
			sleep 0.1
		done
	fi
	base=$(awk '/^baseline_gbps/ { v = $2 } END { print v }' "$out")
	read -r bytes ns huge < <(taskset -c 0 "$BUILD/hpbloat" -p "$wl" -j |
		jq -r '.total | "\(.scanned_bytes) \(.scan_time_ns) \(.huge_pages)"')
	rate=$(awk -v b="$bytes" -v n="$ns" 'BEGIN { printf "%.2f", b / n }')
	ratio=$(awk -v a="$rate" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
	echo "hpbloat: $huge huge pages, $bytes bytes in $ns ns: $rate GB/s; plain loop just before: $base GB/s; ratio $ratio"
	best=$(awk -v a="$rate" -v b="$best" 'BEGIN { print (a > b) ? a : b }')
	bestbase=$(awk -v a="$base" -v b="$bestbase" 'BEGIN { print (a > b) ? a : b }')
	ratios="$ratios $ratio"
done
median=$(printf '%s\n' $ratios | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
echo "RESULT hpbloat_scan_gbps=$best baseline_zero_check_gbps=$bestbase ratio_median=$median size_mib=$MIB runs=$RUNS"
awk -v a="$best" 'BEGIN { exit !(a >= 2) }' && echo "PASS: hpbloat-scan-rate" ||
	echo "FAIL: hpbloat-scan-rate: $best GB/s < 2 GB/s"
awk -v a="$median" 'BEGIN { exit !(a >= 0.8) }' && echo "PASS: hpbloat-vs-plain-loop" ||
	echo "FAIL: hpbloat-vs-plain-loop: $median < 0.8"
