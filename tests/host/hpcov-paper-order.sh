#!/usr/bin/env bash
# The HawkEye paper's examples, reproduced by the tools from fixed input
# (no root, no kernel support: hpcov --promote --dry-run --from FILE).
#
# Promotion order across processes: three processes A, B and C with
# similar MMU overhead, their regions in the 50-page buckets of
# tests/fixtures/promote/paper-figure2.json (A1, B1, C1 in bucket 10; C2
# in 9; B2, C3 in 8; C4 in 7; B3, B4 in 6; A2, C5 in 5; A3 in 4), must be
# promoted in the paper's order A1, B1, C1, C2, B2, C3, C4, B3, B4, A2, C5, A3.
# Region i of process X lies at 0x7X00000000 + i * 2 MiB, so the name is
# read back from the address.
set -u
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
FIG=tests/fixtures/promote/paper-figure2.json
PAPER="A1 B1 C1 C2 B2 C3 C4 B3 B4 A2 C5 A3"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[ -x "$BUILD/hpcov" ] || { fail "hpcov-paper-order" "$BUILD/hpcov not built"; exit 0; }
# khugepaged's max_ptes_none at its default, 511: every region with coverage >= 1 counts.
mkdir -p "$tmp/thp/sys/kernel/mm/transparent_hugepage/khugepaged"
echo 511 > "$tmp/thp/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none"
plan() { HAWKFETCH_SYSROOT=$tmp/thp "$BUILD/hpcov" --promote --dry-run --from "$FIG" "$@"; }
# label: addresses on stdin ("0x7a0000400000") -> names ("A2"), on one line.
label() {
	while read -r a; do
		printf '%s%d ' "$(printf %s "${a:3:1}" | tr a-c A-C)" $(( (a >> 21) & 0xff ))
	done | sed 's/ $//'
}
# names: the planned regions of -j output, by name.
names() { jq -r 'select(.type == "planned") | .addr' | label; }

got=$(plan --budget 12 -j 2> "$tmp/err" | names)
[ "$got" = "$PAPER" ] && pass "hpcov-paper-order: $got" ||
	fail "hpcov-paper-order" "got '$got', want '$PAPER': $(cat "$tmp/err")"

# The plain report lists the same order (the README shows it).
got=$(plan --budget 12 2>/dev/null | awk '$1 ~ /^[0-9]+$/ { print $5 }' | label)
want=$PAPER
[ "$got" = "$want" ] && pass "hpcov-paper-order-plain" || fail "hpcov-paper-order-plain" "got '$got'"

# Weights within 5 % of each other are "similar": the same order.
printf '{"type":"weights","processes":[{"pid":4101,"weight":0.102},{"pid":4102,"weight":0.104},{"pid":4103,"weight":0.1}]}\n' > "$tmp/near.json"
got=$(plan --budget 12 --weights "$tmp/near.json" -j 2>/dev/null | names)
[ "$got" = "$PAPER" ] && pass "hpcov-paper-order-weights-within-5pct" ||
	fail "hpcov-paper-order-weights-within-5pct" "got '$got'"

# C clearly higher (20 %): C first wherever it shares a bucket; buckets still first.
printf '{"type":"weights","processes":[{"pid":4101,"weight":0.1},{"pid":4102,"weight":0.1},{"pid":4103,"weight":0.12}]}\n' > "$tmp/heavy.json"
got=$(plan --budget 12 --weights "$tmp/heavy.json" -j 2>/dev/null | names)
want="C1 A1 B1 C2 C3 B2 C4 B3 B4 C5 A2 A3"
[ "$got" = "$want" ] && pass "hpcov-paper-order-clearly-higher-first" ||
	fail "hpcov-paper-order-clearly-higher-first" "got '$got', want '$want'"

# The budget splits the order, never changes it: 5 now, the rest next time.
got=$(plan --budget 5 -j 2>/dev/null | names)
[ "$got" = "A1 B1 C1 C2 B2" ] && pass "hpcov-paper-order-budget" ||
	fail "hpcov-paper-order-budget" "got '$got'"

# --order stride, the order before: strict turns by weight / (1 + grants), buckets ignored.
got=$(plan --budget 12 --order stride -j 2>/dev/null | names)
want="A1 B1 C1 A2 B2 C2 A3 B3 C3 B4 C4 C5"
[ "$got" = "$want" ] && pass "hpcov-stride-order-ignores-buckets" ||
	fail "hpcov-stride-order-ignores-buckets" "got '$got', want '$want'"

# ---- smoothed weights: new = 0.8 * old + 0.2 * measured ----
# Weights fed on standard input (a file: all of it is there at the first
# round, so the result is exact): A, B and C at 0.1 three times, then one
# step of C to 0.12. Smoothed, C is 0.104, within 5 % of the others: the
# paper's order still. One plan without --watch takes the last document as
# it is: C at 0.12 is clearly higher and goes first in its buckets.
w() { printf '{"type":"weights","processes":[{"pid":4101,"weight":0.1},{"pid":4102,"weight":0.1},{"pid":4103,"weight":%s}]}\n' "$1"; }
{ w 0.1; w 0.1; w 0.1; w 0.12; } > "$tmp/step.jsonl"
plan --budget 12 --watch --weights - -j < "$tmp/step.jsonl" > "$tmp/smooth.json" 2> "$tmp/err"
got=$(names < "$tmp/smooth.json")
cw=$(jq -s 'last | .processes[] | select(.pid == 4103) | .weight' "$tmp/smooth.json")
if [ "$got" = "$PAPER" ] && jq -en "($cw - 0.104) | fabs < 1e-9" >/dev/null; then
	pass "hpcov-weights-smoothed-step: C 0.1 -> 0.12 weighs $cw, order unchanged"
else
	fail "hpcov-weights-smoothed-step" "C weighs '$cw' (want 0.104), order '$got': $(cat "$tmp/err")"
fi
got=$(plan --budget 12 --weights - -j < "$tmp/step.jsonl" 2>/dev/null | names)
[ "$got" = "C1 A1 B1 C2 C3 B2 C4 B3 B4 C5 A2 A3" ] && pass "hpcov-weights-one-plan-unsmoothed" ||
	fail "hpcov-weights-one-plan-unsmoothed" "got '$got'"
# The step held for ten more intervals, as mmucost -j interval records of C:
# 0.12 - 0.016 * 0.8^10 = 0.11828..., clearly above 0.1 now: C first.
{ cat "$tmp/step.jsonl"; for _ in $(seq 10); do
	echo '{"type":"mmu_interval","time_ns":1000000000,"pid":4103,"comm":"C","metric":"event_ratio","mmu_overhead":0.12}'
done; } > "$tmp/held.jsonl"
plan --budget 12 --watch --weights - -j < "$tmp/held.jsonl" > "$tmp/held.json" 2> "$tmp/err"
got=$(names < "$tmp/held.json")
cw=$(jq -s 'last | .processes[] | select(.pid == 4103) | .weight' "$tmp/held.json")
if [ "$got" = "C1 A1 B1 C2 C3 B2 C4 B3 B4 C5 A2 A3" ] &&
	jq -en "($cw - (0.12 - 0.016 * pow(0.8; 10))) | fabs < 1e-9" >/dev/null; then
	pass "hpcov-weights-smoothed-step-held: C weighs $cw, first in its buckets"
else
	fail "hpcov-weights-smoothed-step-held" "C weighs '$cw', order '$got': $(cat "$tmp/err")"
fi
# Bad input in the stream: exit 1, the line named.
{ w 0.1; echo '{"type":"weights","processes":[{"pid":4101,"weight":-1}]}'; } > "$tmp/bad.jsonl"
plan --watch --weights - < "$tmp/bad.jsonl" > /dev/null 2> "$tmp/err"; rc=$?
[ $rc = 1 ] && grep -q "<stdin>:2: processes\[0\].weight: must be a finite number >= 0" "$tmp/err" &&
	pass "hpcov-weights-stream-bad-line" || fail "hpcov-weights-stream-bad-line" "status $rc: $(cat "$tmp/err")"
