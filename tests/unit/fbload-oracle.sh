#!/usr/bin/env bash
# fbload replay --oracle on hand-built traces whose answer is known: the
# oracle (cmd/fbload/oracle.h) knows the future, so with a 32-page budget per
# miss it misses one fault in 33 on any order of distinct pages; a
# smaller buffer caps what a miss can fetch; pages still resident cannot
# be fetched; each policy's coverage is shown as a share of the oracle's.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
fbload=$B/fbload
gen=tests/gentrace.sh
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

# oracle FILE [OPTION...]: "faults prefetched hits evicted" of the oracle
oracle() {
	local f=$1
	shift
	"$fbload" -j replay --oracle "$@" -r "$f" next |
		jq -r '.oracle | "\(.faults) \(.prefetched) \(.hits) \(.evicted_unused)"'
}
# oracle_is NAME WANT FILE [OPTION...]: check "oracle: NAME": oracle FILE
# OPTION... prints WANT.
oracle_is() {
	local name=$1 want=$2
	shift 2
	check "oracle: $name" [ "$(oracle "$@")" = "$want" ]
}

$gen seq 1000 > "$t/seq"
$gen random 1000 > "$t/random"
$gen pages $(for i in $(seq 10); do echo 1 2; done) > "$t/ab"
# 1 2 3 2 4 5: the first miss fetches the first faults of 2, 3, 4 and 5
# but not page 2's second fault (page 2 is faulted only at 1), which is
# a miss that finds nothing left to fetch.
$gen pages 1 2 3 2 4 5 > "$t/refault"

# 1000 distinct pages: misses at 0, 33, ..., 990; the last fetches 9.
oracle_is "sequential: 31 misses, 969 hits, nothing wasted" "1000 969 969 0" "$t/seq"
oracle_is "a random order of distinct pages covers as much as sequential" "1000 969 969 0" "$t/random"
oracle_is "a 1-page buffer: every other fault is a hit" "1000 500 500 0" "$t/random" --buffer 1
oracle_is "a 4-page buffer: 4 hits per miss" "1000 800 800 0" "$t/seq" --buffer 4
oracle_is "two pages alternating, no resident model: every other fault" "20 10 10 0" "$t/ab" --resident 0
oracle_is "one resident page: the other one is fetchable" "20 10 10 0" "$t/ab" --resident 1
oracle_is "both pages resident: only page 2's first fault is fetchable" "20 1 1 0" "$t/ab" --resident 2
oracle_is "a page is fetchable again only after its own fault" "6 4 4 0" "$t/refault" --resident 0

# The same two pages with swap slots: a slot counts as resident with its
# page (replay rejects requests for it alike), the model then holding a
# page and a slot per fault: with one resident page the other page and its
# slot are fetchable, with two neither.
awk '{ $5 = "swapin"; $8 = $6 == "0x1000" ? 10 : 11; $7 = 0; $9 = 0; print }' "$t/ab" > "$t/abslot"
oracle_is "with slots, one resident page: the other one is fetchable" "20 10 10 0" "$t/abslot" --resident 1
oracle_is "with slots, both pages resident: their slots are too" "20 1 1 0" "$t/abslot" --resident 2

out=$("$fbload" replay --oracle -r "$t/seq" next readahead)
head -1 <<<"$out" | grep -q 'COVERAGE OF_ORACLE$'
check "oracle: the text table has an OF_ORACLE column" [ $? -eq 0 ]
grep -Eq '^oracle +1000 +969 +969 +31 +1\.000 +0\.969 +1\.000$' <<<"$out"
check "oracle: the text table ends with the oracle's row" [ $? -eq 0 ]
grep -Eq '^readahead +1000 +666 +665 +335 +0\.998 +0\.665 +0\.686$' <<<"$out"
check "oracle: a policy's share is its hits over the oracle's (665 / 969)" [ $? -eq 0 ]
share=$("$fbload" -j replay --oracle -r "$t/seq" readahead |
	jq -r '.policies[0].share_of_oracle * 1000 | round')
check "oracle: JSON share_of_oracle" [ "$share" = 686 ]
out=$("$fbload" replay -r "$t/seq" next)
! grep -q -e oracle -e OF_ORACLE <<<"$out"
check "oracle: without --oracle the table is as before" [ $? -eq 0 ]
"$fbload" -j replay -r "$t/seq" next | jq -e 'has("oracle") | not' >/dev/null
check "oracle: without --oracle no JSON oracle" [ $? -eq 0 ]
