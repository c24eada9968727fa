#!/usr/bin/env bash
# hpbloat --openmetrics and --textfile live (root): processes with THPs of
# known content, per process and per cgroup (a memory cgroup the test
# makes); --watch rewriting its textfile every interval. promtool accepts
# every exposition.
#
# This kernel is locked down, so hpbloat --recover refuses (69). --watch is
# run against a sysroot (HAWKFETCH_SYSROOT) whose /proc/PID entries are the
# real ones, with a low MemAvailable and a plain file for debugfs'
# split_huge_pages: the loop, its rounds and its metrics are real, the
# "splits" are lines written to that file (nothing is split).
set -u
. "$(dirname "$0")/../lib.sh"
hf_tmp

host_metrics_ready hpbloat-metrics-host hpbloat workloads/thpfill || exit 0
thp=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/mm/transparent_hugepage/enabled)

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
	if [ $rc = 0 ]; then promcheck "hpbloat-live-promtool" "$tmp/bloat.om" 1; else fail "hpbloat-live-promtool" "status $rc: $(cat "$tmp/err")"; fi
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
	if metrics_ok hpbloat-watch $rc "$tmp/watch.om"; then
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
