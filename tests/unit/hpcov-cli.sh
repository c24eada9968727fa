#!/usr/bin/env bash
# hpcov without root: its command line, the man page and completion in step
# with --help; --promote and --weights: command lines, the readers of
# coverage and weights files, the dry-run order (fixture trees).
set -u
. "$(dirname "$0")/../lib.sh"
hf_tmp

status "hpcov-help" 0 "$BUILD/hpcov" --help
status "hpcov-version" 0 "$BUILD/hpcov" --version
status "hpcov-bad-option" 64 "$BUILD/hpcov" --no-such-option
status "hpcov-bad-interval" 64 "$BUILD/hpcov" -p 1 -i 0
status "hpcov-pid-and-all" 64 "$BUILD/hpcov" -p 1 -A
# `hpcov --top 20` with no target measures every process (here: no page_idle, 69, not a usage error)
HAWKFETCH_SYSROOT=tests/fixtures/sysroot status "hpcov-no-target-is-all" 69 "$BUILD/hpcov" --top 20

# Man page and completion stay in step with --help.
help_documented hpcov

# ---- hpcov --promote: command lines, readers, dry-run order ----
PFX=tests/fixtures/promote
status "hpcov-promote-options-need-promote" 64 "$BUILD/hpcov" -p 1 --budget 3
status "hpcov-promote-dry-run-needs-promote" 64 "$BUILD/hpcov" -p 1 --dry-run
status "hpcov-promote-from-and-all" 64 "$BUILD/hpcov" --promote --from "$PFX/coverage.json" -A
status "hpcov-promote-both-stdin" 64 "$BUILD/hpcov" --promote --from - --weights -
status "hpcov-promote-bad-budget" 64 "$BUILD/hpcov" --promote --from "$PFX/coverage.json" --budget 0
status "hpcov-promote-no-target" 64 "$BUILD/hpcov" --promote
status "hpcov-promote-order-needs-promote" 64 "$BUILD/hpcov" -p 1 --order stride
status "hpcov-promote-bad-order" 64 "$BUILD/hpcov" --promote --from "$PFX/coverage.json" --order paper
grep -q "invalid order 'paper': expected bucket or stride" "$tmp/err" &&
	pass "hpcov-promote-bad-order-named" || fail "hpcov-promote-bad-order-named" "$(cat "$tmp/err")"
grep -q -- "--budget, --order, --from, --watch and --dry-run go with --promote" <(
	"$BUILD/hpcov" -p 1 --watch 2>&1) && pass "hpcov-promote-usage-message" ||
	fail "hpcov-promote-usage-message" "no message naming --promote"

# Sysfs trees with max_ptes_none 511 (the default: floor 1) and 256 (floor 256).
for m in 511 256; do
	mkdir -p "$tmp/thp$m/sys/kernel/mm/transparent_hugepage/khugepaged"
	echo $m > "$tmp/thp$m/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none"
done
dry() { HAWKFETCH_SYSROOT=$tmp/thp${MPN:-511} "$BUILD/hpcov" --promote --dry-run --from "$PFX/coverage.json" "$@"; }
# --order stride: weights 30 and 10, budget 8: 6 and 2, each process in descending coverage.
if dry --order stride --weights "$PFX/weights.json" -j > "$tmp/plan.json" 2> "$tmp/err" &&
	jq -e -s '[.[] | select(.type == "planned")] as $p |
		($p | length) == 8 and
		([$p[] | select(.pid == 101)] | length) == 6 and
		([$p[] | select(.pid == 101) | .coverage]) == [512, 448, 384, 320, 256, 192]' \
		"$tmp/plan.json" >/dev/null &&
	jq -e -s '[.[] | select(.type == "planned") | select(.pid == 202) | .coverage] == [500, 450]' \
		"$tmp/plan.json" >/dev/null; then
	pass "hpcov-promote-dry-run-stride-3-to-1"
else
	fail "hpcov-promote-dry-run-stride-3-to-1" "$(cat "$tmp/plan.json" "$tmp/err")"
fi
# The default, HawkEye's order: the highest bucket over both first; weight 30 is
# clearly above 10, so alpha goes first in each bucket both have a region in.
if dry --weights "$PFX/weights.json" -j | jq -e -s '[.[] | select(.type == "planned") |
	[.pid, .coverage]] == [[101, 512], [202, 500], [202, 450], [101, 448], [202, 400],
	[101, 384], [202, 350], [101, 320]]' >/dev/null; then
	pass "hpcov-promote-dry-run-bucket-weights"
else
	fail "hpcov-promote-dry-run-bucket-weights" "$(dry --weights "$PFX/weights.json" 2>&1)"
fi
# mmucost -j output saved before its types were renamed ("interval", "summary"):
# the same weights, the same plan.
dry --weights "$PFX/weights.json" -j > "$tmp/new.json" 2>&1
dry --weights "$PFX/weights-old-names.json" -j > "$tmp/old.json" 2>&1
grep -q '"type":"planned"' "$tmp/new.json" && cmp -s "$tmp/new.json" "$tmp/old.json" &&
	pass "hpcov-promote-weights-old-type-names" ||
	fail "hpcov-promote-weights-old-type-names" "$(diff "$tmp/new.json" "$tmp/old.json" | head)"
# Every coverage >= 256 planned when the budget allows, none below; the huge one skipped.
if MPN=256 dry --budget 100 -j | jq -e -s 'last | .type == "promote_summary" and
	.min_coverage == 256 and .skipped_huge == 1 and .skipped_low_coverage == 8 and
	([.processes[].planned] | add) == 10' >/dev/null &&
	MPN=256 dry --budget 100 -j | jq -e -s '[.[] | select(.type == "planned") | .coverage] |
	min == 256' >/dev/null; then
	pass "hpcov-promote-dry-run-max-ptes-none-floor"
else
	fail "hpcov-promote-dry-run-max-ptes-none-floor" "$(MPN=256 dry --budget 100 -j 2>&1 | tail -1)"
fi
# Equal weights (no --weights): bucket 10 in turns, then beta's 450 alone in bucket 9,
# then bucket 8 in turns again, alpha first (served longer ago).
if dry --budget 4 -j | jq -e -s '[.[] | select(.type == "planned") | [.pid, .coverage]] ==
	[[101, 512], [202, 500], [202, 450], [101, 448]]' >/dev/null; then
	pass "hpcov-promote-dry-run-equal-weights"
else
	fail "hpcov-promote-dry-run-equal-weights" "$(dry --budget 4 2>&1)"
fi
dry --budget 2 -p 202 -j | jq -e -s '[.[] | select(.type == "planned") | .pid] == [202, 202]' \
	>/dev/null && pass "hpcov-promote-dry-run-pid-filter" ||
	fail "hpcov-promote-dry-run-pid-filter" "$(dry --budget 2 -p 202 2>&1)"
status "hpcov-promote-pid-not-in-file" 1 dry -p 4242
grep -q "pid 4242: not in $PFX/coverage.json" "$tmp/err" && pass "hpcov-promote-pid-not-in-file-named" ||
	fail "hpcov-promote-pid-not-in-file-named" "$(cat "$tmp/err")"

# Malformed input: exit 1, the file, line and field named.
printf '{"type":"coverage",\n"candidates":[{"pid":1,"addr":"0x201000","coverage":3}]}\n' > "$tmp/bad-cov.json"
printf '{"type":"mmu_interval"}\n{"type":"mmu_summary","processes":[{"pid":1,"weight":-3}]}\n' > "$tmp/bad-w.json"
printf '{"type":"error","message":"no hardware PMU"}\n' > "$tmp/err-w.json"
status "hpcov-promote-bad-coverage" 1 dry --from "$tmp/bad-cov.json"
grep -q "bad-cov.json:1: candidates\[0\].addr: \"0x201000\" is not a 2 MiB-aligned" "$tmp/err" &&
	pass "hpcov-promote-bad-coverage-named" || fail "hpcov-promote-bad-coverage-named" "$(cat "$tmp/err")"
status "hpcov-promote-bad-weights" 1 dry --weights "$tmp/bad-w.json"
grep -q "bad-w.json:2: processes\[0\].weight: must be a finite number >= 0" "$tmp/err" &&
	pass "hpcov-promote-bad-weights-named" || fail "hpcov-promote-bad-weights-named" "$(cat "$tmp/err")"
status "hpcov-promote-weights-from-failed-mmucost" 1 dry --weights "$tmp/err-w.json"
grep -q "reported an error: no hardware PMU" "$tmp/err" && pass "hpcov-promote-weights-error-line" ||
	fail "hpcov-promote-weights-error-line" "$(cat "$tmp/err")"
status "hpcov-promote-missing-file" 1 dry --weights "$tmp/none.json"
dry --order stride --weights - < "$PFX/weights.json" | grep -q "weight 30, 6 planned" &&
	pass "hpcov-promote-weights-stdin" || fail "hpcov-promote-weights-stdin" "no 6 planned for weight 30"

# Collapsing needs root: 77 and the reason (as an unprivileged user).
as_user() { if need_root; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi; }
as_user "$BUILD/hpcov" --promote --from "$PFX/coverage.json" > /dev/null 2> "$tmp/err"; rc=$?
[ $rc = 77 ] && grep -q "needs root" "$tmp/err" && pass "hpcov-promote-not-root" ||
	fail "hpcov-promote-not-root" "status $rc: $(cat "$tmp/err")"

# --weights without --promote (khugepaged's weights): the file names the processes.
status "hpcov-weights-and-all" 64 "$BUILD/hpcov" --weights "$PFX/weights.json" -A
status "hpcov-weights-and-top" 64 "$BUILD/hpcov" --weights "$PFX/weights.json" --top 3
status "hpcov-weights-and-interval" 64 "$BUILD/hpcov" --weights "$PFX/weights.json" -i 2
status "hpcov-weights-and-rounds" 64 "$BUILD/hpcov" --weights "$PFX/weights.json" -n 2
status "hpcov-promote-weights-no-target" 64 "$BUILD/hpcov" --promote --weights "$PFX/weights.json"
# A malformed weights file is named before any kernel file is touched.
status "hpcov-weights-bad-file" 1 "$BUILD/hpcov" --weights "$tmp/bad-w.json"
grep -q "bad-w.json:2: processes\[0\].weight: must be a finite number >= 0" "$tmp/err" &&
	pass "hpcov-weights-bad-file-named" || fail "hpcov-weights-bad-file-named" "$(cat "$tmp/err")"
status "hpcov-weights-pid-not-in-file" 1 "$BUILD/hpcov" --weights "$PFX/weights.json" -p 4242
grep -q "pid 4242: not in $PFX/weights.json (no weight for it)" "$tmp/err" &&
	pass "hpcov-weights-pid-not-in-file-named" || fail "hpcov-weights-pid-not-in-file-named" "$(cat "$tmp/err")"
printf '{"type":"weights","processes":[{"pid":7,"weight":1},{"pid":7,"weight":2}]}\n' > "$tmp/dup-w.json"
status "hpcov-weights-pid-twice" 1 "$BUILD/hpcov" --weights "$tmp/dup-w.json"
