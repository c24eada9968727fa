#!/usr/bin/env bash
# Swap-in delay against swap-in counts (issue #21): what fbtrace's
# per-process delay (the kernel's delay accounting) adds to the fault
# counts. A 4096-page workload in a 32 MiB memory cgroup over a swap file
# reads its pages back sequentially (stride 1) and scattered (stride 97),
# with the kernel's readahead off (page-cluster 0) and at its default (3);
# ROUNDS runs of each (default 3), medians. Reported per configuration:
# swap-in faults traced, the kernel's swap-in delay count and total, the
# mean wait per delayed swap-in, and the workload's run time. Root.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
ROUNDS=${ROUNDS:-3}
need_root || { skip swapin-delay "needs root (swap, a memory cgroup, BPF)"; exit 0; }
hf_swap_setup 256 32M || { skip swapin-delay "cannot set up swap and a memory cgroup"; exit 0; }
delayacct=$(cat /proc/sys/kernel/task_delayacct)
trap 'echo "$delayacct" > /proc/sys/kernel/task_delayacct; echo "$HF_PAGE_CLUSTER" > /proc/sys/vm/page-cluster; hf_swap_teardown' EXIT
echo 1 > /proc/sys/kernel/task_delayacct

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
printf '%-8s %-6s %8s %8s %12s %10s %8s\n' PATTERN RA SWAPINS DELAYS DELAY_MS MEAN_US TIME_S
for stride in 1 97; do
	for pc in 0 3; do
		echo $pc > /proc/sys/vm/page-cluster
		: > "$HF_TMP/runs"
		for r in $(seq "$ROUNDS"); do
			start=$(date +%s.%N)
			"$B/fbtrace" -j -o "$HF_TMP/trace" -- sh -c \
				"exec $B/workloads/swapseq -c $HF_CG -n 4096 -s $stride > /dev/null" \
				2>/dev/null
			end=$(date +%s.%N)
			# the summary is the stream's last line
			tail -n 1 "$HF_TMP/trace" | jq -r --arg t "$(echo "$end - $start" | bc)" \
				'[.by_pid[] | select(.comm == "swapseq")][0] |
				"\(.by_kind.swapin) \(.swapin_delay_count // 0) \((.swapin_delay_ns // 0) / 1e6) \((.swapin_delay_mean_ns // 0) / 1e3) \($t)"' \
				>> "$HF_TMP/runs"
		done
		row=""
		for col in 1 2 3 4 5; do row+=" $(awk -v c=$col '{ print $c }' "$HF_TMP/runs" | median)"; done
		set -- $row
		printf '%-8s %-6s %8d %8d %12.2f %10.1f %8.2f\n' "stride$stride" "pc$pc" "$1" "$2" "$3" "$4" "$5"
	done
done
pass "swapin-delay: benchmark ran ($ROUNDS rounds per configuration)"
