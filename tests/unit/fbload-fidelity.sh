#!/usr/bin/env bash
# Replay with slot records against the kernel, without the kernel: traces
# recorded by `fbtrace -s` in the vm tier's guest while a BPF policy ran
# (tests/fixtures/traces/fidelity-*.txt.gz, from make
# vm-fbload-fidelity-check with FIDELITY_KEEP), each with the kernel's
# counters for that run in its "# kernel:" line. Replayed natively
# (deterministic, no root) through the same policy: accuracy and
# coverage within 3 points, prefetched and rejected within 3 %, as the
# vm tier asserts live; and the same trace without its slot records is
# replayed too, to show what the slot records are worth.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}

for z in tests/fixtures/traces/fidelity-*.txt.gz; do
	t=$(basename "$z" .txt.gz)
	read -r pol kf kp kh kr < <(zcat "$z" | sed -n 's/^# kernel: policy \([^ ]*\) faults \([0-9]*\) prefetched \([0-9]*\) hits \([0-9]*\) rejected \([0-9]*\)$/\1 \2 \3 \4 \5/p')
	p=${pol#bpf_}
	read -r rf rp rh rr slots < <(zcat "$z" | "$B/fbload" -j replay "$p" |
		jq -r '"\(.policies[0] | "\(.faults) \(.prefetched) \(.hits) \(.rejected_requests)") \(.slot_records // 0)"')
	read -r _ np nh _ < <(zcat "$z" | awk '$4 !~ /^(swapout|uncache|slotfree)$/' |
		"$B/fbload" -j replay "$p" | jq -r '.policies[0] | "\(.faults) \(.prefetched) \(.hits) \(.rejected_requests)"')
	ka=$(hf_ratio "$kh" "$kp") kc=$(hf_ratio "$kh" "$kf")
	ra=$(hf_ratio "$rh" "$rp") rc=$(hf_ratio "$rh" "$rf")
	why=$(hf_fidelity_off "$kf $kp $kh $kr" "$rf $rp $rh $rr $slots")
	check "fidelity: $t: replay $ra/$rc (prefetched $rp, rejected $rr) within 3 points and 3 % of the kernel's $ka/$kc ($kp, $kr); without slot records $(hf_ratio "$nh" "$np")/$(hf_ratio "$nh" "$rf")${why:+; off: $why}" \
		[ -z "$why" ]
done
