#!/usr/bin/env bash
# Prefetch quality on replay (fbload(8)): constant strides of 1..64 pages,
# forward and reverse, 20k faults each; random access; with readahead's
# numbers beside leap's on every pattern.
# Targets: leap accuracy >= 0.9 and coverage >= 0.9 on every stride; on
# random access leap prefetches <= 10% as many pages as there are faults.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
N=${N:-20000}
need_root || { skip fbload-quality "needs root to load BPF programs"; exit 0; }

printf '%-22s %9s %9s %9s   %9s %9s %9s\n' PATTERN LEAP_ACC LEAP_COV LEAP_PF RA_ACC RA_COV RA_PF
worst_acc=1 worst_cov=1 bad=
row() {	# NAME GENTRACE-ARGS...
	local name=$1 j
	shift
	j=$(tests/gentrace.sh "$@" | "$B/fbload" -j leap readahead) || { fail "fbload-quality" "$name: fbload failed"; return; }
	jq -r --arg n "$name" '[.policies[] | {(.policy): .}] | add |
		"\($n) \(.leap.accuracy) \(.leap.coverage) \(.leap.prefetched) \(.readahead.accuracy) \(.readahead.coverage) \(.readahead.prefetched) \(.leap.faults)"' <<<"$j"
}
while read -r name la lc lp ra rc rp faults; do
	printf '%-22s %9.3f %9.3f %9d   %9.3f %9.3f %9d\n' "$name" "$la" "$lc" "$lp" "$ra" "$rc" "$rp"
	case $name in
	stride*)
		if awk -v a="$la" -v c="$lc" 'BEGIN { exit !(a >= 0.9 && c >= 0.9) }'; then :; else bad="$bad $name"; fi
		worst_acc=$(awk -v a="$la" -v w="$worst_acc" 'BEGIN { print (a < w ? a : w) }')
		worst_cov=$(awk -v a="$lc" -v w="$worst_cov" 'BEGIN { print (a < w ? a : w) }')
		;;
	random*)
		random_ratio=$(awk -v p="$lp" -v f="$faults" 'BEGIN { printf "%.4f", p / f }')
		;;
	esac
done < <(
	for k in $(seq 1 64); do row "stride+$k" stride "$N" "$k"; row "stride-$k" stride "$N" "-$k"; done
	row "sequential" seq "$N"
	row "interleaved-x4" interleave "$N" 4
	row "passes-x4" passes "$N" 4
	row "random" random "$N"
)
echo
echo "leap on strides 1..64 pages, both directions: worst accuracy $worst_acc, worst coverage $worst_cov"
echo "leap on random access: prefetched / faults = $random_ratio"
if [ -z "$bad" ]; then pass "fbload-quality: leap accuracy and coverage >= 0.9 on all 128 strides"
else fail "fbload-quality" "leap below 0.9 on:$bad"; fi
if awk -v r="$random_ratio" 'BEGIN { exit !(r <= 0.10) }'; then
	pass "fbload-quality: leap prefetches $random_ratio pages per fault on random access (<= 0.10)"
else
	fail "fbload-quality" "leap prefetches $random_ratio pages per fault on random access (> 0.10)"
fi
