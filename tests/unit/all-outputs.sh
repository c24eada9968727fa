#!/usr/bin/env bash
# Every tool's plain and JSON output on fixtures, byte for byte against
# tests/fixtures/outputs/ (util-linux style): what a user or a script reads
# must not change by accident (a refactoring, a move of files). After a
# deliberate change, rewrite the expected files with
#   UPDATE=1 BUILD=build bash tests/unit/all-outputs.sh
# and review the diff. Needs no root: fixture sysroots, recorded traces and
# counts, the native replay engine.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
EXP=tests/fixtures/outputs
FIX=tests/fixtures
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# Sysfs trees with khugepaged's max_ptes_none at 511 and 256.
for m in 511 256; do
	mkdir -p "$tmp/thp$m/sys/kernel/mm/transparent_hugepage/khugepaged"
	echo $m > "$tmp/thp$m/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none"
done
tests/gentrace.sh seq 5000 > "$tmp/seq"
tests/gentrace.sh interleave 5000 3 > "$tmp/interleave"
tests/gentrace-mix.sh 17 3000 > "$tmp/mix"
tests/gentrace.sh -j stride 3000 -5 > "$tmp/stride.jsonl"
# Replay's timing fields vary from run to run: jq drops them.

# out NAME CMD...: CMD's stdout and exit status, against $EXP/NAME.
out() {
	local name=$1; shift
	{ "$@" 2>/dev/null; echo "exit $?"; } > "$tmp/got"
	if [ -n "${UPDATE:-}" ]; then
		cp "$tmp/got" "$EXP/$name"
		pass "outputs: $name recorded"
	elif diff -u "$EXP/$name" "$tmp/got" > "$tmp/diff"; then
		pass "outputs: $name"
	else
		fail "outputs: $name" "$(head -40 "$tmp/diff")"
	fi
}

for t in fbtrace fbload hpbloat hpcov mmucost prezero-ctl; do
	out "$t-help.txt" "$B/$t" --help
done

# fbload: replay (native engine), decisions, parameters, list without FetchBPF
out fbload-replay-seq.txt "$B/fbload" replay -r "$tmp/seq" leap readahead stride next streams
out fbload-replay-mix.txt "$B/fbload" replay -r "$tmp/mix" -b 64 --resident 16 \
	leap readahead stride next streams
out fbload-replay-interleave.json bash -c "'$B/fbload' -j replay -r '$tmp/interleave' \
	-o leap.max_window=16 -o stride.degree=8 leap stride streams | jq -c 'del(.duration_ns, .records_per_sec, .source)'"
out fbload-replay-jsonl.json bash -c "'$B/fbload' -j --batch 7 replay leap next < '$tmp/stride.jsonl' |
	jq -c 'del(.duration_ns, .records_per_sec)'"
out fbload-decisions-mix.txt "$B/fbload" --decisions --batch 1 -r "$tmp/mix" leap streams
out fbload-decisions-hand.json bash -c "'$B/fbload' -j --decisions -r $FIX/traces/leap-hand.txt leap |
	jq -c 'del(.duration_ns, .records_per_sec)'"
# a v2 trace with slot records: batch 1 and the slot rules, text and JSON
out fbload-replay-slots.txt "$B/fbload" replay -r $FIX/traces/slots-walk.txt \
	leap readahead stride next streams adaptive
out fbload-replay-slots.json bash -c "'$B/fbload' -j replay -r $FIX/traces/slots-walk.txt leap next |
	jq -c 'del(.duration_ns, .records_per_sec)'"
HAWKFETCH_SYSROOT=$FIX/sysroot-stock out fbload-list.txt "$B/fbload" list
HAWKFETCH_SYSROOT=$FIX/sysroot-stock out fbload-list.json "$B/fbload" -j list

# mmucost: recorded perf stat counts
for f in skx-interval skx-raw zen; do
	out "mmucost-from-$f.txt" "$B/mmucost" --from "$FIX/perfstat/$f.csv"
	out "mmucost-from-$f.json" "$B/mmucost" -j --from "$FIX/perfstat/$f.csv"
done

# hpcov: promotion plans from a recorded coverage file, with and without weights
for m in 511 256; do
	HAWKFETCH_SYSROOT=$tmp/thp$m out "hpcov-plan-$m.txt" "$B/hpcov" --promote --dry-run \
		--from $FIX/promote/coverage.json --budget 12
	HAWKFETCH_SYSROOT=$tmp/thp$m out "hpcov-plan-$m-weights.json" "$B/hpcov" -j --promote \
		--dry-run --from $FIX/promote/coverage.json --weights $FIX/promote/weights.json
done
HAWKFETCH_SYSROOT=$FIX/sysroot out hpcov-no-page-idle.txt "$B/hpcov" --top 20

# prezero-ctl: the patched kernel's and a stock kernel's interfaces
for root in sysroot-prezero sysroot-stock; do
	HAWKFETCH_SYSROOT=$FIX/$root out "prezero-ctl-$root.txt" "$B/prezero-ctl" status
	HAWKFETCH_SYSROOT=$FIX/$root out "prezero-ctl-$root.json" "$B/prezero-ctl" -j status
done
