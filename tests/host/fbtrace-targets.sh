#!/usr/bin/env bash
# fbtrace's targets: a command (file-backed major faults told apart from
# swap-ins), -p PID (ends with its target), -c CGROUP (only its members),
# the whole system (JSON Lines); SIGINT ends a trace cleanly.
. "$(dirname "$0")/../lib.sh"
W=$BUILD/workloads

need_root || { skip fbtrace_targets "needs root"; exit 0; }
hf_swap_setup 256 32M || { skip fbtrace_targets "cannot set up swap and a memory cgroup"; exit 0; }

# count_in_region FILE PID KIND BASE PAGES: text records of PID and KIND in the region.
count_in_region() {
	local lo=$(($4)) hi=$(($4 + $5 * 4096)) n=0 a
	while read -r a; do
		a=$((a)); [ "$a" -ge "$lo" ] && [ "$a" -lt "$hi" ] && n=$((n + 1))
	done < <(awk -v pid="$2" -v kind="$3" '!/^#/ && $2 == pid && $5 == kind { print $6 }' "$1")
	echo $n
}

# member_outsider KIND: "N M" for a cgroup's member and a process outside it
# (each a workload whose pid, and the member's region, are in $HF_TMP/out and
# $HF_TMP/out2): N, the member's records of KIND in its region; M, the
# outsider's records; both in $HF_TMP/trace.
member_outsider() {
	local pid base pages other n
	read -r _ pid < <(grep '^pid ' "$HF_TMP/out")
	read -r _ base pages < <(grep '^region ' "$HF_TMP/out")
	read -r _ other < <(grep '^pid ' "$HF_TMP/out2")
	n=$(count_in_region "$HF_TMP/trace" "$pid" "$1" "$base" "$pages")
	echo "${n:-none}" "$(awk -v p="$other" '$2 == p' "$HF_TMP/trace" | wc -l)"
}

# wait_for_header FILE: fbtrace writes the header once its probes are attached.
# (Remove FILE before starting fbtrace.)
wait_for_header() {
	for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done
	return 1
}

# 1. A command with file-backed major faults: kind "major", never "swapin".
t=fbtrace_command_file_major
fbtrace -o "$HF_TMP/trace" -- "$W/filemaj" -f "$HF_TMP/data" -n 256 > "$HF_TMP/out" 2> "$HF_TMP/err"
read -r _ pid < <(grep '^pid ' "$HF_TMP/out")
read -r _ base pages < <(grep '^region ' "$HF_TMP/out")
read -r _ majflt < <(grep '^majflt ' "$HF_TMP/out")
major=$(count_in_region "$HF_TMP/trace" "$pid" major "$base" "$pages")
swapin=$(count_in_region "$HF_TMP/trace" "$pid" swapin "$base" "$pages")
if [ "$major" = "$pages" ] && [ "$swapin" = 0 ] && [ "$majflt" = "$pages" ]; then
	pass "$t: $pages file-backed major faults, none mistaken for swap-ins"
else
	fail "$t" "want $pages major/0 swapin (kernel majflt $majflt), got $major major/$swapin swapin"
fi

# 1b. The command's children are traced too (the shell forks filemaj).
t=fbtrace_command_children
fbtrace -o "$HF_TMP/trace" -- sh -c "\"$W/filemaj\" -f \"$HF_TMP/data\" -n 64; true" \
	> "$HF_TMP/out" 2> "$HF_TMP/err"
read -r _ pid < <(grep '^pid ' "$HF_TMP/out")
read -r _ base pages < <(grep '^region ' "$HF_TMP/out")
major=$(count_in_region "$HF_TMP/trace" "$pid" major "$base" "$pages")
if [ "$major" = 64 ]; then pass "$t: 64 major faults of the command's child $pid"
else fail "$t" "got $major of 64 faults of child $pid"; fi

# 2. -p PID: attaches to a running process and ends when it exits.
t=fbtrace_pid
rm -f "$HF_TMP/go" "$HF_TMP/trace"
"$W/filemaj" -f "$HF_TMP/data-pid" -n 128 -w "$HF_TMP/go" > "$HF_TMP/out" &
wl=$!
fbtrace -p $wl -o "$HF_TMP/trace" 2> "$HF_TMP/err" &
tr=$!
if wait_for_header "$HF_TMP/trace"; then
	touch "$HF_TMP/go"
	wait $wl
	timeout 10 tail --pid=$tr -f /dev/null; rc=$?
	read -r _ base pages < <(grep '^region ' "$HF_TMP/out")
	major=$(count_in_region "$HF_TMP/trace" $wl major "$base" "$pages")
	if [ $rc = 0 ] && [ "$major" = 128 ]; then
		pass "$t: 128 major faults of pid $wl, trace ended with the process"
	else
		fail "$t" "got $major of 128 faults ($(grep majflt "$HF_TMP/out")); fbtrace still running: $([ $rc = 0 ] && echo no || echo yes); $(head -c 300 "$HF_TMP/err")"
	fi
else
	fail "$t" "fbtrace did not start: $(cat "$HF_TMP/err")"; kill $wl
fi
kill $tr 2>/dev/null; wait $tr 2>/dev/null

# 3. -c CGROUP: members only; SIGINT stops it with a summary and nothing left loaded.
t=fbtrace_cgroup
rm -f "$HF_TMP/trace"
fbtrace -c "$HF_CG" -o "$HF_TMP/trace" 2> "$HF_TMP/err" &
tr=$!
if wait_for_header "$HF_TMP/trace"; then
	"$W/swapseq" -c "$HF_CG" -n 256 -s 5 > "$HF_TMP/out"
	"$W/filemaj" -f "$HF_TMP/data" -n 64 > "$HF_TMP/out2"	# outside the cgroup
	sleep 0.3
	kill -INT $tr; wait $tr; rc=$?
	read -r swapin outside < <(member_outsider swapin)
	if [ "$swapin" = 256 ] && [ "$outside" = 0 ]; then
		pass "$t: 256 swap-ins of the member, none of the process outside"
	else
		fail "$t" "member swap-ins $swapin/256, records of the outsider $outside"
	fi
	if [ $rc = 0 ] && grep -q "^fbtrace: [0-9]* faults in" "$HF_TMP/err"; then
		pass "fbtrace_sigint: SIGINT ends the trace with status 0 and a summary"
	else
		fail fbtrace_sigint "status $rc, stderr: $(cat "$HF_TMP/err")"
	fi
	n=$(bpf_progs_named on_major_fault)
	if [ "$n" = 0 ]; then pass "fbtrace_sigint: no BPF program left loaded"
	else fail fbtrace_sigint "$n on_major_fault programs still loaded"; fi
else
	fail "$t" "fbtrace did not start: $(cat "$HF_TMP/err")"; kill $tr
fi

# 4. The whole system, every fault, JSON Lines: each line parses and has a type.
t=fbtrace_system_json
fbtrace -a -j -d 1 -o "$HF_TMP/trace" 2> "$HF_TMP/err" &
tr=$!
sleep 0.3; ls -R /usr/share > /dev/null
wait $tr; rc=$?
lines=$(wc -l < "$HF_TMP/trace")
bad=$(jq -c 'select((.type == "fault" or .type == "summary") | not)' "$HF_TMP/trace" 2>&1 | wc -l)
minor=$(jq -r 'select(.type == "fault" and .kind == "minor") | .pid' "$HF_TMP/trace" | sort -u | wc -l)
if [ $rc = 0 ] && [ "$lines" -gt 10 ] && [ "$bad" = 0 ] && [ "$minor" -ge 2 ] &&
   [ "$(tail -n 1 "$HF_TMP/trace" | jq -r .type)" = summary ]; then
	pass "$t: $lines valid JSON lines, minor faults of $minor processes, summary last"
else
	fail "$t" "status $rc, $lines lines, $bad invalid, minor faults from $minor pids"
fi

# 5. A cgroup v2 directory (the unified hierarchy, wherever it is mounted).
t=fbtrace_cgroup_v2
v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
if [ -z "$v2" ]; then
	skip "$t" "no cgroup2 mount"
else
	cg2=$v2/hawkfetch-test-$$
	mkdir "$cg2"
	rm -f "$HF_TMP/trace"
	fbtrace -c "$cg2" -o "$HF_TMP/trace" 2> "$HF_TMP/err" &
	tr=$!
	if wait_for_header "$HF_TMP/trace"; then
		sh -c "echo \$\$ > $cg2/cgroup.procs && exec \"$W/filemaj\" -f \"$HF_TMP/data\" -n 32" > "$HF_TMP/out"
		"$W/filemaj" -f "$HF_TMP/data2" -n 16 > "$HF_TMP/out2"
		sleep 0.3; kill -INT $tr; wait $tr
		read -r major outside < <(member_outsider major)
		if [ "$major" = 32 ] && [ "$outside" = 0 ]; then
			pass "$t: 32 major faults of the member, none of the outsider"
		else
			fail "$t" "member faults $major/32, outsider records $outside"
		fi
	else
		fail "$t" "fbtrace did not start: $(cat "$HF_TMP/err")"; kill $tr
	fi
	rmdir "$cg2"
fi
