#!/usr/bin/env bash
# End to end on the host: fbtrace records a real swap-in workload and its
# trace, piped into fbload, is replayed through the policies.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
W=$B/workloads

need_root || { skip fbload_e2e "needs root"; exit 0; }
[ -x "$W/swapseq" ] || { skip fbload_e2e "$W/swapseq not built"; exit 0; }
hf_swap_setup 256 32M || { skip fbload_e2e "cannot set up swap and a memory cgroup"; exit 0; }

# swapseq reads 1024 swapped-out pages 7 pages apart (mod 1024); its own
# output goes to a file so that only fault records reach the pipe.
"$B/fbtrace" -- sh -c "exec $W/swapseq -c $HF_CG -n 1024 -s 7 > $HF_TMP/out" 2> "$HF_TMP/err" |
	"$B/fbload" -j leap readahead stride > "$HF_TMP/report"
rc=("${PIPESTATUS[@]}")
if [ "${rc[0]}" -ne 0 ] || [ "${rc[1]}" -ne 0 ]; then
	why=$(grep -m1 '^swapseq:' "$HF_TMP/err" || tail -n 3 "$HF_TMP/err")
	fail fbload_e2e "fbtrace exited ${rc[0]}, fbload ${rc[1]}: $why"
	exit 0
fi
pass "fbload_e2e: fbtrace -- swapseq | fbload leap readahead stride"
read -r _ majflt < <(grep '^majflt ' "$HF_TMP/out")
faults=$(jq '.policies[0].faults' "$HF_TMP/report")
# Every read-phase swap-in is a record (plus the few faults of the setup).
check "fbload_e2e: the replay saw the workload's $majflt swap-ins ($faults faults)" \
	[ "$faults" -ge "$majflt" -a "$majflt" -ge 1000 ]
leap=$(jq '.policies[] | select(.policy == "leap") | .coverage' "$HF_TMP/report")
ra=$(jq '.policies[] | select(.policy == "readahead") | .coverage' "$HF_TMP/report")
check "fbload_e2e: leap follows swapseq's 7-page stride (coverage $leap > 0.8)" \
	awk -v c="$leap" 'BEGIN { exit !(c > 0.8) }'
check "fbload_e2e: readahead does not (coverage $ra < 0.2)" awk -v c="$ra" 'BEGIN { exit !(c < 0.2) }'
