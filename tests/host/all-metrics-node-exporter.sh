#!/usr/bin/env bash
# End to end into Prometheus' own parts: Debian's prometheus-node-exporter
# runs on 127.0.0.1 with its textfile collector on a directory the
# hawkfetch tools write with --textfile while a swap workload runs; curl
# scrapes it and finds hawkfetch's series, with their labels, and counters
# that increase. The test stops the exporter it started.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
export PATH="$PWD/$B:$PATH"
for c in prometheus-node-exporter curl promtool; do
	command -v $c >/dev/null || { skip metrics-e2e "$c missing (make deps installs it)"; exit 0; }
done
need_root || { skip metrics-e2e "needs root (swap, a memory cgroup)"; exit 0; }
hf_swap_setup 256 32M || { skip metrics-e2e "cannot set up swap and a memory cgroup"; exit 0; }
dir=$HF_TMP/textfile
mkdir "$dir"
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; hf_swap_teardown; }
trap cleanup EXIT

# A free port on 127.0.0.1, then the exporter with only the textfile collector.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
prometheus-node-exporter --web.listen-address=127.0.0.1:$port --collector.disable-defaults \
	--collector.textfile --collector.textfile.directory="$dir" > "$HF_TMP/exporter.log" 2>&1 &
pids+=($!)
scrape() { curl -sf "http://127.0.0.1:$port/metrics"; }
for i in $(seq 50); do scrape >/dev/null && break; sleep 0.1; done
scrape >/dev/null || { fail metrics-e2e "node_exporter did not answer: $(tail -3 "$HF_TMP/exporter.log")"; exit 0; }

# value NAME: the sample of a series without labels (or the first one).
value() { scrape | awk -v n="$1" '$1 == n || index($1, n "{") == 1 { print $2; exit }'; }

delayacct=$(cat /proc/sys/kernel/task_delayacct)
echo 1 > /proc/sys/kernel/task_delayacct
cleanup() {
	kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null
	echo "$delayacct" > /proc/sys/kernel/task_delayacct
	hf_swap_teardown
}
fbload stats -i 0.2 --textfile "$dir" > /dev/null 2>&1 &
pids+=($!)
fbtrace -c "$HF_CG" -i 0.2 --textfile "$dir" -o /dev/null > /dev/null 2>&1 &
pids+=($!)
sleep 1
for i in $(seq 50); do [ -n "$(value hawkfetch_swap_in_pages_total)" ] && break; sleep 0.1; done
before=$(value hawkfetch_swap_in_pages_total)
"$B/workloads/swapseq" -c "$HF_CG" -n 2048 -s 1 > /dev/null 2>&1
sleep 1
after=$(value hawkfetch_swap_in_pages_total)
errors=$(value node_textfile_scrape_error)
[ -n "$before" ] && [ "${after:-0}" -gt "$before" ] && [ "$errors" = 0 ]
check "metrics-e2e: node_exporter serves fbload's hawkfetch_swap_in_pages_total, rising $before -> $after across a 2048-page swap workload (textfile errors: $errors)" \
	[ $? -eq 0 ]
scrape | grep -E '^(# (HELP|TYPE) )?hawkfetch_' | promtool check metrics
check "metrics-e2e: the scraped hawkfetch series pass promtool" [ $? -eq 0 ]

# fbtrace's per-cgroup series: the workload's cgroup, its swap-ins and delay.
cg=/${HF_CG#/sys/fs/cgroup/*/}
[ -d /sys/fs/cgroup/memory ] || cg=/${HF_CG#/sys/fs/cgroup/}
series() { scrape | awk -v s="$1" 'index($1, s) == 1 { print $2; exit }'; }
faults=$(series "hawkfetch_fbtrace_cgroup_faults_total{cgroup=\"$cg\",kind=\"swapin\"}")
delay=$(series "hawkfetch_fbtrace_cgroup_swapin_delays_total{cgroup=\"$cg\"}")
[ "${faults:-0}" -ge 2048 ] && [ "${delay:-0}" -gt 0 ]
check "metrics-e2e: node_exporter serves fbtrace's per-cgroup series for $cg: ${faults:-none} swap-ins, ${delay:-none} swap-in delays" \
	[ $? -eq 0 ]
