#!/usr/bin/env bash
# fbtrace's metrics on a real swap workload: `fbtrace --openmetrics` output
# that promtool accepts, with the swap-in counts of the records, per process
# and per cgroup; the kernel's swap-in delay (kernel.task_delayacct=1, set
# here and restored) counted for the workload, and unknown, said once,
# when delay accounting is off; --textfile rewritten every interval,
# atomically (a reader never sees half a file, no temporary file left,
# mode 0644).
. "$(dirname "$0")/../lib.sh"
W=$BUILD/workloads

need_root || { skip fbtrace_metrics "needs root"; exit 0; }
[ -f /proc/sys/kernel/task_delayacct ] ||
	{ skip fbtrace_metrics "the kernel has no kernel.task_delayacct sysctl"; exit 0; }
command -v promtool > /dev/null ||
	{ skip fbtrace_metrics "promtool is not installed (Debian package prometheus)"; exit 0; }
hf_swap_setup 256 32M || { skip fbtrace_metrics "cannot set up swap and a memory cgroup"; exit 0; }
DELAYACCT=$(cat /proc/sys/kernel/task_delayacct)
trap 'echo "$DELAYACCT" > /proc/sys/kernel/task_delayacct; hf_swap_teardown' EXIT
CG=/${HF_CG##*/}	# the cgroup as /proc/PID/cgroup names it

# run NAME FBTRACE-ARGS...: fbtrace on swapseq (its own output in $HF_TMP/wl),
# stdout in $HF_TMP/out, stderr in $HF_TMP/err; sets $pid to swapseq's.
run() {
	local name=$1 rc; shift
	fbtrace "$@" -- sh -c "exec '$W/swapseq' -c '$HF_CG' -n 512 -s 7 -w 1500 > '$HF_TMP/wl'" \
		> "$HF_TMP/out" 2> "$HF_TMP/err"
	rc=$?
	read -r _ pid < <(grep '^pid ' "$HF_TMP/wl")
	if [ $rc -ne 0 ] || [ -z "$pid" ]; then
		fail "$name" "fbtrace/swapseq exited $rc: $(tail -n 3 "$HF_TMP/err")"
		return 1
	fi
}

# sample FILE NAME LABELS: the value of one sample ('' if absent).
sample() {
	awk -v want="$2{$3}" '$1 == want { print $2 }' "$1"
}

# ---- --openmetrics, delay accounting on ----
t=fbtrace_metrics_openmetrics
echo 1 > /proc/sys/kernel/task_delayacct
if run $t --openmetrics -o "$HF_TMP/trace"; then
	m=$HF_TMP/out
	if out=$(promtool check metrics < "$m" 2>&1) && [ "$(tail -n 1 "$m")" = "# EOF" ]; then
		pass "$t: promtool check metrics accepts the $(grep -vc '^#' "$m") samples"
	else
		fail "$t" "promtool: $out"
	fi
	# Every process's counts by kind are its records'.
	bad=$(awk '!/^#/ { n[$2 " " $5]++; pids[$2] } END {
			for (p in pids) for (k in kinds) print p, k, n[p " " k] + 0 }
		BEGIN { kinds["swapin"]; kinds["major"]; kinds["minor"] }' "$HF_TMP/trace" |
		while read -r p k n; do
			got=$(awk -v p="pid=\"$p\"" -v k="kind=\"$k\"}" \
				'$1 ~ /^hawkfetch_fbtrace_faults_total\{/ && index($1, p) && index($1, k) { print $2 }' "$m")
			[ "$got" = "$n" ] || echo "pid $p $k: records $n, metric '${got}'"
		done)
	swapins=$(awk -v p="$pid" '!/^#/ && $2 == p && $5 == "swapin"' "$HF_TMP/trace" | wc -l)
	if [ -z "$bad" ] && [ "$swapins" -ge 512 ]; then
		pass "$t: per-process counts match the records (swapseq $pid: $swapins swap-ins)"
	else
		fail "$t" "${bad:-only $swapins swap-in records of swapseq}"
	fi
	got=$(sample "$m" hawkfetch_fbtrace_cgroup_faults_total "cgroup=\"$CG\",kind=\"swapin\"")
	if [ "$got" = "$swapins" ]; then
		pass "$t: cgroup $CG has the workload's $got swap-ins"
	else
		fail "$t" "cgroup $CG swap-ins: metric '$got', records $swapins: $(grep cgroup_faults "$m")"
	fi
	n=$(grep "^hawkfetch_fbtrace_swapin_delays_total{pid=\"$pid\"," "$m" | awk '{ print $2 }')
	s=$(grep "^hawkfetch_fbtrace_swapin_delay_seconds_total{pid=\"$pid\"," "$m" | awk '{ print $2 }')
	c=$(sample "$m" hawkfetch_fbtrace_cgroup_swapin_delays_total "cgroup=\"$CG\"")
	if [ "${n:-0}" -gt 0 ] && awk -v s="${s:-0}" 'BEGIN { exit !(s > 0) }' && [ "$c" = "$n" ]; then
		pass "$t: swap-in delay with task_delayacct=1: $n swap-ins waited for, $s s (cgroup: $c)"
	else
		fail "$t" "swap-in delay: count '$n', seconds '$s', cgroup count '$c'"
	fi
	if ! grep -q . "$HF_TMP/err"; then pass "$t: nothing on standard error"
	else fail "$t" "stderr: $(head -3 "$HF_TMP/err")"; fi
fi

# ---- JSON summary, delay accounting on ----
t=fbtrace_metrics_json
if run $t -j -o "$HF_TMP/trace.jsonl"; then
	if [ "$(jq -r --argjson p "$pid" --arg cg "$CG" 'select(.type == "summary") |
		(.by_pid[] | select(.pid == $p) | .swapin_delay_count > 0 and .swapin_delay_ns > 0
			and .swapin_delay_mean_ns > 0 and .cgroup == $cg and .by_kind.swapin >= 512),
		(.by_cgroup[] | select(.cgroup == $cg) | .swapin_delay_count > 0 and .processes == 1)' \
		"$HF_TMP/trace.jsonl" | sort -u)" = true ]; then
		pass "$t: by_pid and by_cgroup carry the cgroup and the swap-in delay"
	else
		fail "$t" "summary: $(grep '"summary"' "$HF_TMP/trace.jsonl" | cut -c1-600)"
	fi
fi

# ---- delay accounting off: unknown, said once, no sample ----
t=fbtrace_metrics_delayacct_off
echo 0 > /proc/sys/kernel/task_delayacct
if run $t --openmetrics -o "$HF_TMP/trace"; then
	if [ "$(grep -c 'task_delayacct=1' "$HF_TMP/err")" = 1 ] &&
	   ! grep -q '^hawkfetch_fbtrace[a-z_]*swapin_delay' "$HF_TMP/out" &&
	   promtool check metrics < "$HF_TMP/out" > /dev/null 2>&1; then
		pass "$t: said once how to enable it; no delay samples; promtool accepts the rest"
	else
		fail "$t" "stderr: $(cat "$HF_TMP/err"); delay samples: $(grep '^hawkfetch.*delay' "$HF_TMP/out")"
	fi
fi
if run $t -o "$HF_TMP/trace"; then
	if grep -Eq "^ +$pid swapseq +[0-9]+ +[0-9]+ +[0-9]+ +- +-$" "$HF_TMP/err" &&
	   grep -Eq "^ +[0-9]+ +[0-9]+ +[0-9]+ +- +- +1 $CG$" "$HF_TMP/err"; then
		pass "$t: the plain summary shows the delay as - per process and cgroup"
	else
		fail "$t" "summary: $(cat "$HF_TMP/err")"
	fi
fi

# ---- --textfile every 10 ms, read all along ----
t=fbtrace_metrics_textfile
echo 1 > /proc/sys/kernel/task_delayacct
tf=$HF_TMP/textfile
mkdir "$tf"
prom=$tf/hawkfetch_fbtrace.prom
(
	reads=0 partial=0 versions=0 last=
	while [ ! -e "$HF_TMP/done" ]; do
		[ -f "$prom" ] || continue
		c=$(< "$prom")
		reads=$((reads + 1))
		[[ $c == *$'\n# EOF' ]] || partial=$((partial + 1))
		[ "$c" != "$last" ] && versions=$((versions + 1)) && last=$c
	done
	echo "$reads $partial $versions" > "$HF_TMP/reader"
) &
reader=$!
run $t -o /dev/null -i 0.01 --textfile "$tf"
ok=$?
touch "$HF_TMP/done"
wait "$reader"
if [ $ok = 0 ]; then
	read -r reads partial versions < "$HF_TMP/reader"
	if [ "${reads:-0}" -gt 0 ] && [ "$partial" = 0 ] && [ "$versions" -gt 1 ]; then
		pass "$t: $reads reads while it was rewritten, $versions versions, none partial"
	else
		fail "$t" "reads ${reads:-0}, partial ${partial:-?}, versions ${versions:-0}"
	fi
	leftover=$(find "$tf" -mindepth 1 ! -name hawkfetch_fbtrace.prom)
	mode=$(stat -c %a "$prom" 2>/dev/null)
	if [ -z "$leftover" ] && [ "$mode" = 644 ]; then
		pass "$t: only hawkfetch_fbtrace.prom is left, mode 0644"
	else
		fail "$t" "mode '$mode', left behind: $leftover"
	fi
	got=$(sample "$prom" hawkfetch_fbtrace_cgroup_faults_total "cgroup=\"$CG\",kind=\"swapin\"")
	if promtool check metrics < "$prom" > /dev/null 2>&1 && ! grep -q 'pid=' "$prom" &&
	   [ "${got:-0}" -ge 512 ] &&
	   [ "$(sample "$prom" hawkfetch_fbtrace_cgroup_swapin_delays_total "cgroup=\"$CG\"")" -gt 0 ]; then
		pass "$t: the final file passes promtool, per cgroup only ($got swap-ins in $CG)"
	else
		fail "$t" "final file: $(grep -v '^#' "$prom")"
	fi
fi
