#!/usr/bin/env bash
# --openmetrics and --textfile of hpbloat, hpcov, mmucost and prezero-ctl
# live (root): hpbloat on processes with THPs of known content, per
# process and per cgroup (a memory cgroup the test makes); hpbloat --watch
# rewriting its textfile every interval; hpcov --promote --watch collapsing
# real regions; mmucost counting software events of a command; prezero-ctl's
# 69 on this kernel. promtool accepts every exposition.
#
# This kernel is locked down, so hpbloat --recover refuses (69). --watch is
# run against a sysroot (HAWKFETCH_SYSROOT) whose /proc/PID entries are the
# real ones, with a low MemAvailable and a plain file for debugfs'
# split_huge_pages: the loop, its rounds and its metrics are real, the
# "splits" are lines written to that file (nothing is split).
set -u
. "$(dirname "$0")/../lib.sh"
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
pids=()
cg=
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "$cg" ] && rmdir "$cg" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if ! need_root; then skip "hawkeye-metrics-host" "needs root"; exit 0; fi
if ! command -v promtool >/dev/null; then
	skip "hawkeye-metrics-host" "promtool missing (Debian package prometheus)"; exit 0
fi
for f in hpbloat hpcov mmucost prezero-ctl workloads/thpfill workloads/touchset workloads/faultthreads; do
	[ -x "$BUILD/$f" ] || { fail "hawkeye-metrics-host" "$BUILD/$f not built"; exit 0; }
done
thp=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/mm/transparent_hugepage/enabled)

# promcheck NAME FILE [N]: one or more expositions (N if given), each ended
# by "# EOF" and accepted by promtool check metrics.
promcheck() {
	local name=$1 file=$2 want=${3:-} n bad=""
	rm -f "$tmp"/expo.*
	awk -v out="$tmp/expo." '{ print > (out n) } /^# EOF$/ { close(out n); n++ }' n=0 "$file"
	n=$(grep -c '^# EOF$' "$file")
	if [ "$n" = 0 ] || [ "$(tail -n1 "$file")" != "# EOF" ]; then
		fail "$name" "not ended by # EOF: $(tail -c 200 "$file")"; return 1
	fi
	for e in "$tmp"/expo.*; do
		promtool check metrics < "$e" > "$tmp/promtool" 2>&1 || bad="$bad $(basename "$e"): $(cat "$tmp/promtool")"
	done
	if [ -n "$bad" ]; then fail "$name" "promtool:$bad"; return 1; fi
	if [ -n "$want" ] && [ "$n" != "$want" ]; then fail "$name" "$n expositions, expected $want"; return 1; fi
	pass "$name: $n exposition(s)"
}

# value FILE SERIES: the series' value in the last exposition of FILE.
# (A label value may hold spaces: the series is the line less its last field.)
value() {
	awk -v s="$2" '/^# EOF$/ { last = cur; cur = ""; next }
		substr($0, 1, length($0) - length($NF) - 1) == s { cur = $NF } END { print last }' "$1"
}
# values FILE SERIES: its value in each exposition, one per line.
values() { awk -v s="$2" 'substr($0, 1, length($0) - length($NF) - 1) == s { print $NF }' "$1"; }

# textfile NAME DIR TOOL: the file is there, mode 0644, alone, and valid.
textfile() {
	local name=$1 f=$2/hawkfetch_$3.prom
	if [ ! -f "$f" ]; then fail "$name" "$f missing: $(ls -A "$2")"; return; fi
	[ "$(stat -c %a "$f")" = 644 ] || { fail "$name" "mode $(stat -c %a "$f")"; return; }
	[ "$(ls -A "$2")" = "hawkfetch_$3.prom" ] || { fail "$name" "left beside it: $(ls -A "$2")"; return; }
	promcheck "$name" "$f" 1
}

# The cgroup a process's memory is charged to, as /proc/PID/cgroup names it.
mem_cgroup() {
	awk -F: '$2 ~ /(^|,)memory(,|$)/ { print substr($0, length($1 $2) + 3); f = 1 }
		END { if (!f) exit 1 }' "/proc/$1/cgroup" || sed -n 's/^0:://p' "/proc/$1/cgroup"
}

# start NAME CMD...: start a workload that prints "ready"; its pid in $NAME.
start() {
	local name=$1; shift
	"$@" > "$tmp/$name.out" 2>&1 &
	pids+=("$!")
	printf -v "$name" %d $!
	for _ in $(seq 300); do grep -qs '^ready' "$tmp/$name.out" && return 0; sleep 0.05; done
	fail "workload-$name" "$* did not start: $(cat "$tmp/$name.out")"
	return 1
}

# ---- hpbloat: per process and per cgroup ----
if [ "$thp" = never ]; then
	skip "hpbloat-metrics" "transparent huge pages are disabled"
else
	# Two processes with 1436 and 1024 zero subpages in 5 and 2 THPs; the
	# second in a memory cgroup of its own (when one can be made).
	start a "$BUILD/workloads/thpfill" 0 1 100 511 512 -p 4 || exit 0
	if [ -d /sys/fs/cgroup/memory ] && mkdir /sys/fs/cgroup/memory/hawkfetch-metrics-$$ 2>/dev/null; then
		cg=/sys/fs/cgroup/memory/hawkfetch-metrics-$$
	elif grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null &&
		mkdir /sys/fs/cgroup/hawkfetch-metrics-$$ 2>/dev/null; then
		cg=/sys/fs/cgroup/hawkfetch-metrics-$$
	fi
	if [ -n "$cg" ]; then
		start b sh -c "echo \$\$ > $cg/cgroup.procs && exec $BUILD/workloads/thpfill 0 0" || exit 0
	else
		start b "$BUILD/workloads/thpfill" 0 0 || exit 0
	fi
	"$BUILD/hpbloat" --openmetrics -p "$a" -p "$b" > "$tmp/bloat.om" 2> "$tmp/err"; rc=$?
	[ $rc = 0 ] && promcheck "hpbloat-live-promtool" "$tmp/bloat.om" 1 ||
		fail "hpbloat-live-promtool" "status $rc: $(cat "$tmp/err")"
	la="pid=\"$a\",comm=\"thpfill\"" lb="pid=\"$b\",comm=\"thpfill\""
	if [ "$(value "$tmp/bloat.om" "hawkfetch_hpbloat_zero_subpages{$la}")" = 1436 ] &&
		[ "$(value "$tmp/bloat.om" "hawkfetch_hpbloat_bloat_bytes{$la}")" = $((1436 * 4096)) ] &&
		[ "$(value "$tmp/bloat.om" "hawkfetch_hpbloat_huge_pages{$la}")" = 5 ] &&
		[ "$(value "$tmp/bloat.om" "hawkfetch_hpbloat_zero_subpages{$lb}")" = 1024 ] &&
		[ "$(value "$tmp/bloat.om" "hawkfetch_hpbloat_huge_pages{$lb}")" = 2 ]; then
		pass "hpbloat-live-per-process"
	else
		fail "hpbloat-live-per-process" "$(grep -v '^#' "$tmp/bloat.om")"
	fi
	# Per cgroup: the sum of the scanned processes charged to it.
	cga=$(mem_cgroup "$a") cgb=$(mem_cgroup "$b")
	if [ "$cga" = "$cgb" ]; then want_a=$((1436 + 1024)); want_b=$want_a; else want_a=1436; want_b=1024; fi
	if [ "$(value "$tmp/bloat.om" "hawkfetch_hpbloat_cgroup_zero_subpages{cgroup=\"$cga\"}")" = $want_a ] &&
		[ "$(value "$tmp/bloat.om" "hawkfetch_hpbloat_cgroup_zero_subpages{cgroup=\"$cgb\"}")" = $want_b ] &&
		[ "$(value "$tmp/bloat.om" "hawkfetch_hpbloat_cgroup_bloat_bytes{cgroup=\"$cgb\"}")" = $((want_b * 4096)) ]; then
		pass "hpbloat-live-per-cgroup: '$cga' and '$cgb'"
	else
		fail "hpbloat-live-per-cgroup" "'$cga', '$cgb': $(grep '^hawkfetch_hpbloat_cgroup' "$tmp/bloat.om")"
	fi
	[ -n "$cg" ] && [ "$cga" != "$cgb" ] && pass "hpbloat-live-two-cgroups" ||
		skip "hpbloat-live-two-cgroups" "no memory cgroup could be made"
	# --top limits the processes, not the cgroups.
	"$BUILD/hpbloat" --openmetrics --top 1 -p "$a" -p "$b" > "$tmp/top.om"
	[ "$(grep -c '^hawkfetch_hpbloat_huge_pages{' "$tmp/top.om")" = 1 ] &&
		[ "$(value "$tmp/top.om" "hawkfetch_hpbloat_huge_pages{$la}")" = 5 ] &&
		[ "$(value "$tmp/top.om" "hawkfetch_hpbloat_cgroup_zero_subpages{cgroup=\"$cgb\"}")" = $want_b ] &&
		pass "hpbloat-live-top" || fail "hpbloat-live-top" "$(grep -v '^#' "$tmp/top.om")"
	# --textfile: the plain report unchanged, the file valid.
	mkdir "$tmp/tf"
	"$BUILD/hpbloat" -p "$a" > "$tmp/plain"
	"$BUILD/hpbloat" -p "$a" --textfile "$tmp/tf" | cmp -s - "$tmp/plain" &&
		pass "hpbloat-textfile-plain-unchanged" || fail "hpbloat-textfile-plain-unchanged" "plain output changed"
	textfile "hpbloat-textfile" "$tmp/tf" hpbloat
	rm -rf "$tmp/tf"
	"$BUILD/hpbloat" -A --openmetrics > "$tmp/all.om" 2> "$tmp/err"
	promcheck "hpbloat-all-promtool" "$tmp/all.om" 1 &&
		grep -q "^hawkfetch_hpbloat_huge_pages{$la} 5$" "$tmp/all.om" &&
		pass "hpbloat-all-finds-workload" || fail "hpbloat-all-finds-workload" "$(grep -c . "$tmp/all.om") lines"

	# A sysroot: the real /proc/PID entries, a fake cgroup file, low memory.
	R=$tmp/root
	mkdir -p "$R/proc/$a" "$R/sys/kernel/mm/transparent_hugepage/khugepaged" "$R/sys/kernel/debug"
	for f in maps pagemap stat status smaps_rollup; do ln -s "/proc/$a/$f" "$R/proc/$a/$f"; done
	ln -s /proc/kpageflags "$R/proc/kpageflags"
	printf '0::/fleet/job "a"\\b\n' > "$R/proc/$a/cgroup"
	printf 'MemTotal:        1000000 kB\nMemAvailable:     100000 kB\n' > "$R/proc/meminfo"
	cp /sys/kernel/mm/transparent_hugepage/enabled "$R/sys/kernel/mm/transparent_hugepage/"
	echo 1 > "$R/sys/kernel/mm/transparent_hugepage/shrink_underused"
	echo 511 > "$R/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none"
	: > "$R/sys/kernel/debug/split_huge_pages"
	HAWKFETCH_SYSROOT=$R "$BUILD/hpbloat" --openmetrics -p "$a" > "$tmp/v2.om" 2> "$tmp/err"
	promcheck "hpbloat-cgroup-v2-escaped-promtool" "$tmp/v2.om" 1 &&
		grep -qF 'hawkfetch_hpbloat_cgroup_zero_subpages{cgroup="/fleet/job \"a\"\\b"} 1436' "$tmp/v2.om" &&
		pass "hpbloat-cgroup-v2-escaped" || fail "hpbloat-cgroup-v2-escaped" "$(grep cgroup= "$tmp/v2.om") $(cat "$tmp/err")"
	printf '3:cpu:/\n2:memory,blkio:/v1/job\n0::/unified\n' > "$R/proc/$a/cgroup"
	HAWKFETCH_SYSROOT=$R "$BUILD/hpbloat" --openmetrics -p "$a" | grep -q 'cgroup="/v1/job"} 5$' &&
		pass "hpbloat-cgroup-v1-memory-first" || fail "hpbloat-cgroup-v1-memory-first" "not the memory controller's"

	# --watch: below --low all the time, a round every interval.
	mkdir "$tmp/tf"
	HAWKFETCH_SYSROOT=$R timeout 20 "$BUILD/hpbloat" --watch -p "$a" -i 0.2 -d 1.3 --openmetrics \
		> "$tmp/watch.om" 2> "$tmp/err"; rc=$?
	if [ $rc = 0 ] && promcheck "hpbloat-watch-promtool" "$tmp/watch.om"; then
		n=$(grep -c '^# EOF$' "$tmp/watch.om")
		rounds=$(values "$tmp/watch.om" hawkfetch_hpbloat_recovery_rounds_total | tr '\n' ' ')
		if [ "$n" -ge 4 ] && [ "$rounds" = "$(seq -s ' ' 1 "$n") " ] &&
			[ "$(value "$tmp/watch.om" hawkfetch_hpbloat_memory_available_ratio)" = 0.1 ] &&
			[ "$(value "$tmp/watch.om" "hawkfetch_hpbloat_zero_subpages{$la}")" = 1436 ] &&
			[ "$(value "$tmp/watch.om" hawkfetch_hpbloat_recovered_bytes_total)" = 0 ] &&
			grep -q "^$a,0x" "$R/sys/kernel/debug/split_huge_pages"; then
			pass "hpbloat-watch-every-interval: $n expositions, rounds $rounds"
		else
			fail "hpbloat-watch-every-interval" "rounds '$rounds' in $n: $(grep -v '^#' "$tmp/watch.om" | tail -8)"
		fi
	else
		fail "hpbloat-watch" "status $rc: $(cat "$tmp/err")"
	fi
	grep -qv '^#\|^hawkfetch_hpbloat_' "$tmp/watch.om" &&
		fail "hpbloat-watch-no-plain" "$(grep -v '^#\|^hawkfetch_hpbloat_' "$tmp/watch.om" | head -3)" ||
		pass "hpbloat-watch-no-plain"
	HAWKFETCH_SYSROOT=$R timeout 20 "$BUILD/hpbloat" --watch -p "$a" -i 0.2 -d 1 --textfile "$tmp/tf" \
		> "$tmp/watch.txt" 2> "$tmp/err"; rc=$?
	[ $rc = 0 ] && grep -q "^Watched" "$tmp/watch.txt" && pass "hpbloat-watch-textfile-keeps-plain" ||
		fail "hpbloat-watch-textfile-keeps-plain" "status $rc: $(cat "$tmp/err")"
	textfile "hpbloat-watch-textfile" "$tmp/tf" hpbloat
	[ "$(value "$tmp/tf/hawkfetch_hpbloat.prom" hawkfetch_hpbloat_recovery_rounds_total)" -ge 4 ] &&
		pass "hpbloat-watch-textfile-last-interval" ||
		fail "hpbloat-watch-textfile-last-interval" "$(grep rounds "$tmp/tf/hawkfetch_hpbloat.prom")"
	rm -rf "$tmp/tf"
	# On this kernel itself: --watch still refuses (69), with metrics too.
	if grep -q '\[integrity\]\|\[confidentiality\]' /sys/kernel/security/lockdown 2>/dev/null; then
		"$BUILD/hpbloat" --watch -A -d 1 --openmetrics > "$tmp/out" 2> "$tmp/err"; rc=$?
		[ $rc = 69 ] && [ ! -s "$tmp/out" ] && grep -q "lockdown" "$tmp/err" &&
			pass "hpbloat-watch-lockdown-69" || fail "hpbloat-watch-lockdown-69" "status $rc: $(cat "$tmp/err")"
	fi
fi

# ---- hpcov --promote --watch: a collapse a round, the counters each round ----
if { [ "$thp" = madvise ] || [ "$thp" = never ]; } && start t "$BUILD/workloads/touchset" -a 64 512 256; then
	awk -v pid="$t" '/^region/ { printf "{\"pid\":%d,\"comm\":\"touchset\",\"addr\":\"%s\",\"coverage\":%d}\n", pid, $2, $3 }' \
		"$tmp/t.out" | jq -s '{type: "coverage", candidates: .}' > "$tmp/cov.json"
	mkdir "$tmp/tf"
	"$BUILD/hpcov" --promote --from "$tmp/cov.json" --budget 1 --watch -i 0.1 --openmetrics \
		--textfile "$tmp/tf" > "$tmp/promote.om" 2> "$tmp/err"; rc=$?
	lt="pid=\"$t\",comm=\"touchset\""
	if [ $rc = 69 ]; then
		skip "hpcov-promote-metrics" "no MADV_COLLAPSE: $(cat "$tmp/err")"
	elif [ $rc = 0 ] && promcheck "hpcov-promote-watch-promtool" "$tmp/promote.om" 4; then
		got=$(values "$tmp/promote.om" "hawkfetch_hpcov_promoted_regions_total{$lt}" | tr '\n' ' ')
		huge=$(values "$tmp/promote.om" "hawkfetch_hpcov_huge_regions{$lt}" | tr '\n' ' ')
		[ "$got" = "1 2 3 3 " ] && [ "$huge" = "1 2 3 3 " ] &&
			[ "$(awk '/^# EOF$/ { last = cur; cur = ""; next } { cur = cur $0 "\n" } END { printf "%s", last }' \
				"$tmp/promote.om" | grep -Ec "^hawkfetch_hpcov_regions\{$lt,bucket=\"[0-9]+\"\} 0$")" = 11 ] &&
			pass "hpcov-promote-watch-counters: promoted $got" ||
			fail "hpcov-promote-watch-counters" "promoted '$got', huge '$huge': $(cat "$tmp/err")"
		textfile "hpcov-promote-watch-textfile" "$tmp/tf" hpcov
		[ "$(value "$tmp/tf/hawkfetch_hpcov.prom" "hawkfetch_hpcov_promoted_regions_total{$lt}")" = 3 ] &&
			pass "hpcov-promote-watch-textfile-last-round" ||
			fail "hpcov-promote-watch-textfile-last-round" "$(grep promoted "$tmp/tf/hawkfetch_hpcov.prom")"
	else
		fail "hpcov-promote-watch" "status $rc: $(cat "$tmp/err")"
	fi
	rm -rf "$tmp/tf"
elif [ "$thp" = always ]; then
	skip "hpcov-promote-metrics" "THP enabled=always here; the test needs madvise or never"
fi
# No idle page tracking on this kernel: 69, the reason, no metrics.
if [ ! -e /sys/kernel/mm/page_idle/bitmap ]; then
	"$BUILD/hpcov" --top 5 --openmetrics > "$tmp/out" 2> "$tmp/err"; rc=$?
	[ $rc = 69 ] && [ ! -s "$tmp/out" ] && grep -q page_idle "$tmp/err" &&
		pass "hpcov-live-no-page-idle-69" || fail "hpcov-live-no-page-idle-69" "status $rc: $(cat "$tmp/err")"
fi

# ---- mmucost: software events of a command, every interval ----
EV=perf::PAGE-FAULTS/perf::TASK-CLOCK
"$BUILD/mmucost" --openmetrics -e $EV -i 0.2 -- "$BUILD/workloads/faultthreads" -t 4 -n 3000 \
	> "$tmp/mmu.out" 2> "$tmp/err"; rc=$?
grep '^#\|^hawkfetch_' "$tmp/mmu.out" > "$tmp/mmu.om"	# not the workload's own lines
lf='comm="faultthreads",event="perf::PAGE-FAULTS"'
if [ $rc = 0 ] && promcheck "mmucost-live-promtool" "$tmp/mmu.om"; then
	faults=$(awk -v e="$lf" 'index($1, e) { v = $2 } END { print v }' "$tmp/mmu.om")
	mono=$(awk -v e="$lf" 'index($1, e) { if ($2 < last) bad = 1; last = $2 } END { print bad ? "no" : "yes" }' "$tmp/mmu.om")
	if [ -n "$faults" ] && [ "$faults" -ge 12000 ] && [ "$faults" -le 14000 ] && [ "$mono" = yes ] &&
		grep -q '^hawkfetch_mmucost_overhead_ratio{pid="[0-9]*",comm="faultthreads",metric="event_ratio"}' "$tmp/mmu.om"; then
		pass "mmucost-live-counters: $faults page faults for 12000 touched pages"
	else
		fail "mmucost-live-counters" "faults '$faults', monotonic $mono: $(grep -v '^#' "$tmp/mmu.om" | tail -4)"
	fi
else
	fail "mmucost-live" "status $rc: $(cat "$tmp/err")"
fi
# -i with --textfile: the file is rewritten while the command runs.
mkdir "$tmp/tf"
"$BUILD/mmucost" --textfile "$tmp/tf" -e $EV -i 0.2 -- timeout 2 sh -c 'while :; do :; done' \
	> "$tmp/plain" 2> "$tmp/err" &
mm=$!
seen=""
while kill -0 $mm 2>/dev/null; do
	v=$(awk '/perf::TASK-CLOCK/ && !/^#/ { print $2 }' "$tmp/tf/hawkfetch_mmucost.prom" 2>/dev/null)
	[ -n "$v" ] && [ "${seen##* }" != "$v" ] && seen="$seen $v"
	sleep 0.05
done
wait $mm; rc=$?
# (124: timeout's status for the busy loop it ended, passed on by mmucost)
[ $rc = 124 ] && [ "$(wc -w <<< "$seen")" -ge 3 ] && pass "mmucost-textfile-rewritten: task-clock$seen" ||
	fail "mmucost-textfile-rewritten" "status $rc, values seen:$seen; $(cat "$tmp/err")"
grep -q '^ *total ' "$tmp/plain" && pass "mmucost-textfile-keeps-plain" || fail "mmucost-textfile-keeps-plain" "$(cat "$tmp/plain")"
textfile "mmucost-textfile" "$tmp/tf" mmucost
rm -rf "$tmp/tf"

# ---- prezero-ctl on this (stock) kernel: 69 kept, the reason on stderr ----
if [ ! -d /sys/kernel/mm/prezero ]; then
	mkdir "$tmp/tf"
	"$BUILD/prezero-ctl" --openmetrics --textfile "$tmp/tf" > "$tmp/out" 2> "$tmp/err"; rc=$?
	[ $rc = 69 ] && [ ! -s "$tmp/out" ] && grep -q "lacks the hawkfetch pre-zeroing patches" "$tmp/err" &&
		[ -z "$(ls -A "$tmp/tf")" ] && pass "prezero-ctl-stock-kernel-metrics-69" ||
		fail "prezero-ctl-stock-kernel-metrics-69" "status $rc: $(cat "$tmp/out" "$tmp/err")"
else
	"$BUILD/prezero-ctl" --openmetrics > "$tmp/pz.om" && promcheck "prezero-ctl-live-promtool" "$tmp/pz.om" 1
fi

# ---- node_exporter's textfile collector reads the four tools' files ----
if command -v prometheus-node-exporter >/dev/null && command -v curl >/dev/null; then
	ne=$tmp/ne
	mkdir "$ne"
	[ -n "${a:-}" ] && "$BUILD/hpbloat" -p "$a" --textfile "$ne" > /dev/null
	mkdir -p "$tmp/thp511/sys/kernel/mm/transparent_hugepage/khugepaged"
	echo 511 > "$tmp/thp511/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none"
	HAWKFETCH_SYSROOT=$tmp/thp511 "$BUILD/hpcov" --promote --dry-run \
		--from tests/fixtures/promote/coverage.json --textfile "$ne" > /dev/null
	"$BUILD/mmucost" --from tests/fixtures/perfstat/skx-interval.csv --textfile "$ne" > /dev/null
	HAWKFETCH_SYSROOT=tests/fixtures/sysroot-prezero "$BUILD/prezero-ctl" --textfile "$ne" > /dev/null
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	prometheus-node-exporter --web.listen-address=127.0.0.1:$port --collector.disable-defaults \
		--collector.textfile --collector.textfile.directory="$ne" > "$tmp/exporter.log" 2>&1 &
	exporter=$!
	pids+=("$exporter")
	for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/metrics" > "$tmp/scrape" && break; sleep 0.1; done
	kill $exporter 2>/dev/null; wait $exporter 2>/dev/null
	# (node_exporter sorts the labels)
	want=('hawkfetch_hpcov_regions{bucket="10",comm="alpha",pid="101"}'
	      'hawkfetch_mmucost_overhead_ratio{metric="walk_cycle_fraction"}'
	      'hawkfetch_prezero_pool_bytes{node="1"}')
	[ -n "${a:-}" ] && want+=("hawkfetch_hpbloat_huge_pages{comm=\"thpfill\",pid=\"$a\"}")
	missing=""
	for w in "${want[@]}"; do grep -qF "$w " "$tmp/scrape" || missing="$missing $w"; done
	if grep -q '^node_textfile_scrape_error 0$' "$tmp/scrape" && [ -z "$missing" ]; then
		pass "node-exporter-textfile-collector: ${#want[@]} tools' files served, no scrape error"
	else
		fail "node-exporter-textfile-collector" "missing:$missing; $(grep textfile_scrape_error "$tmp/scrape") $(tail -3 "$tmp/exporter.log")"
	fi
	grep -E '^(# (HELP|TYPE) )?hawkfetch_(hpbloat|hpcov|mmucost|prezero)_' "$tmp/scrape" > "$tmp/served"
	promtool check metrics < "$tmp/served" > "$tmp/promtool" 2>&1 &&
		pass "node-exporter-served-series-promtool" || fail "node-exporter-served-series-promtool" "$(cat "$tmp/promtool")"
else
	skip "node-exporter-textfile-collector" "prometheus-node-exporter or curl missing (make deps installs them)"
fi
