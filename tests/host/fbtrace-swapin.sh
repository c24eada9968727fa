#!/usr/bin/env bash
# fbtrace records each swap-in of a known sequence, in order, with the
# right pid and kind, in text and JSON, and agrees with the kernel's count.
. "$(dirname "$0")/../lib.sh"
W=$BUILD/workloads

need_root || { skip fbtrace_swapin "needs root"; exit 0; }
hf_swap_setup 256 32M || { skip fbtrace_swapin "cannot set up swap and a memory cgroup"; exit 0; }

# expected_pages BASE PAGES STRIDE: the page addresses in the order read.
expected_pages() {
	local i
	for ((i = 0; i < $2; i++)); do printf '0x%x\n' $(($1 + (i * $3 % $2) * 4096)); done
}

# Page addresses of swap-in records of PID inside [BASE, BASE+PAGES*4096).
traced_pages() {	# FORMAT FILE PID BASE PAGES
	local fmt=$1 file=$2 pid=$3 lo=$(($4)) hi=$(($4 + $5 * 4096))
	if [ "$fmt" = json ]; then
		jq -r "select(.type == \"fault\" and .pid == $pid and .kind == \"swapin\") | .addr" "$file"
	else
		awk -v pid="$pid" '!/^#/ && $2 == pid && $5 == "swapin" { print $6 }' "$file"
	fi | while read -r a; do
		a=$((a & ~4095))
		[ "$a" -ge "$lo" ] && [ "$a" -lt "$hi" ] && printf '0x%x\n' "$a"
	done
}

for fmt in text json; do
	t=fbtrace_swapin_$fmt
	flag=; [ $fmt = json ] && flag=-j
	fbtrace $flag -o "$HF_TMP/trace" -- "$W/swapseq" -c "$HF_CG" -n 512 -s 7 \
		> "$HF_TMP/out" 2> "$HF_TMP/err"
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "$t" "fbtrace/swapseq exited $rc: $(tail -n 3 "$HF_TMP/err")"
		continue
	fi
	read -r _ pid < <(grep '^pid ' "$HF_TMP/out")
	read -r _ base pages < <(grep '^region ' "$HF_TMP/out")
	read -r _ stride < <(grep '^order ' "$HF_TMP/out")
	read -r _ majflt < <(grep '^majflt ' "$HF_TMP/out")
	expected_pages "$base" "$pages" "$stride" > "$HF_TMP/want"
	traced_pages $fmt "$HF_TMP/trace" "$pid" "$base" "$pages" > "$HF_TMP/got"
	if cmp -s "$HF_TMP/want" "$HF_TMP/got"; then
		pass "$t: $pages swap-ins recorded in order with pid $pid and kind swapin"
	else
		fail "$t" "expected $(wc -l < "$HF_TMP/want") swap-ins in order, got $(wc -l < "$HF_TMP/got"); first difference: $(diff "$HF_TMP/want" "$HF_TMP/got" | grep -m1 '^[<>]')"
	fi
	got=$(wc -l < "$HF_TMP/got")
	if [ "$majflt" = "$got" ]; then
		pass "$t: kernel's majflt count ($majflt) agrees"
	else
		fail "$t" "kernel counted $majflt major faults in the read phase, fbtrace $got"
	fi
	if [ $fmt = json ]; then
		if jq -e . "$HF_TMP/trace" > /dev/null 2>&1 &&
		   [ "$(jq -r .type "$HF_TMP/trace" | sort -u | tr '\n' ' ')" = "fault summary " ]; then
			pass "$t: every line is a JSON object with a type (fault, summary)"
		else
			fail "$t" "invalid JSON Lines output"
		fi
		if [ "$(jq -r 'select(.type == "summary") | .by_kind.swapin >= '"$pages"' and .lost_events == 0' "$HF_TMP/trace")" = true ]; then
			pass "$t: summary counts the swap-ins and no lost events"
		else
			fail "$t" "summary wrong: $(grep summary "$HF_TMP/trace")"
		fi
	else
		if grep -q "^fbtrace: .* faults in .*(swapin [0-9]*, major [0-9]*, minor 0), 0 lost events" "$HF_TMP/err" &&
		   grep -Eq "^ +$pid swapseq +[0-9]+" "$HF_TMP/err"; then
			pass "$t: summary on stderr names the process and no lost events"
		else
			fail "$t" "summary wrong: $(cat "$HF_TMP/err")"
		fi
	fi
done
