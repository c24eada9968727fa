#!/usr/bin/env bash
# Issue #22's bar for a winning policy, on the corpus of real programs'
# swap-in traces (tests/fixtures/corpus), replayed natively (deterministic,
# no root): on every trace adaptive's coverage is at least the better of
# leap's and readahead's, and its accuracy at least readahead's - 0.01;
# on a random permutation it prefetches at most 0.1 pages per fault; no
# policy's coverage exceeds the oracle's.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
fbload=$B/fbload
WIN=adaptive
POLICIES="leap readahead streams stride next $WIN"

for z in tests/fixtures/corpus/*.txt.gz; do
	t=$(basename "$z" .txt.gz)
	j=$(zcat "$z" | "$fbload" -j replay --oracle $POLICIES) ||
		{ fail "corpus: $t" "fbload failed"; continue; }
	read -r lc rc ra wc wa over < <(jq -r --arg w $WIN 'def r: . * 10000 | round / 10000;
		([.policies[] | {(.policy): .}] | add) as $p |
		"\($p.leap.coverage | r) \($p.readahead.coverage | r) \($p.readahead.accuracy | r) \($p[$w].coverage | r) \($p[$w].accuracy | r) \([.policies[] | select(.share_of_oracle > 1) | .policy] | join(","))"' <<<"$j")
	awk -v l="$lc" -v r="$rc" -v w="$wc" 'BEGIN { exit !(w >= l && w >= r) }'
	check "corpus: $t: $WIN covers $wc, at least leap's $lc and readahead's $rc" [ $? -eq 0 ]
	awk -v r="$ra" -v w="$wa" 'BEGIN { exit !(w >= r - 0.01) }'
	check "corpus: $t: $WIN's accuracy $wa is at least readahead's $ra - 0.01" [ $? -eq 0 ]
	check "corpus: $t: no policy's coverage exceeds the oracle's${over:+ ($over does)}" [ -z "$over" ]
done

tests/gentrace.sh random 20000 > "${TMPDIR:-/tmp}/corpus-random.$$"
pf=$("$fbload" -j replay -r "${TMPDIR:-/tmp}/corpus-random.$$" $WIN | jq '.policies[0].prefetched / .policies[0].faults')
rm -f "${TMPDIR:-/tmp}/corpus-random.$$"
awk -v p="$pf" 'BEGIN { exit !(p <= 0.1) }'
check "corpus: $WIN prefetches $pf pages per fault on a random permutation (<= 0.1)" [ $? -eq 0 ]
