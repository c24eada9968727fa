#!/usr/bin/env bash
# node_exporter's textfile collector (Debian's prometheus-node-exporter,
# on 127.0.0.1) reads the files hpbloat, hpcov, mmucost and prezero-ctl
# write with --textfile (root): every tool's series served, no scrape
# error, promtool accepts what is served.
set -u
. "$(dirname "$0")/../lib.sh"
hf_tmp

host_metrics_ready all-metrics-textfile-host hpbloat hpcov mmucost prezero-ctl workloads/thpfill || exit 0
thp=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/mm/transparent_hugepage/enabled)

# A process with THPs for hpbloat's file (none where THP is disabled).
if [ "$thp" != never ]; then
	start a "$BUILD/workloads/thpfill" 0 1 100 511 512 -p 4 || exit 0
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
