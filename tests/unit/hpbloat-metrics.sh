#!/usr/bin/env bash
# hpbloat --openmetrics and --textfile: the combinations that make no sense
# are refused (64) without root; as root, the scan of this shell passes
# promtool with its cgroup and process labels.
set -u
. "$(dirname "$0")/../lib.sh"
hf_tmp

need_promtool "hpbloat-metrics" || exit 0

# ---- command lines ----
metrics_options_refused hpbloat
status "hpbloat-openmetrics-regions" 64 "$BUILD/hpbloat" --openmetrics -r -p 1
status "hpbloat-openmetrics-vmas" 64 "$BUILD/hpbloat" --openmetrics --vmas -p 1
status "hpbloat-textfile-one-off-recover" 64 "$BUILD/hpbloat" --textfile "$tmp" --recover -p 1

# ---- hpbloat: the scan of this shell (root: pagemap PFNs) ----
if need_root; then
	"$BUILD/hpbloat" --openmetrics -p $$ > "$tmp/bloat.om" 2> "$tmp/err"; rc=$?
	if [ $rc = 0 ]; then promcheck "hpbloat-openmetrics-promtool" "$tmp/bloat.om" 1; else fail "hpbloat-openmetrics-promtool" "status $rc: $(cat "$tmp/err")"; fi
	mcg=$(mem_cgroup $$)
	grep -qF "hawkfetch_hpbloat_cgroup_huge_pages{cgroup=\"$mcg\"}" "$tmp/bloat.om" &&
		grep -qF "hawkfetch_hpbloat_bloat_bytes{pid=\"$$\",comm=\"$(cat /proc/$$/comm)\"}" "$tmp/bloat.om" &&
		pass "hpbloat-openmetrics-labels" || fail "hpbloat-openmetrics-labels" "cgroup $mcg: $(grep -v '^#' "$tmp/bloat.om")"
else
	skip "hpbloat-openmetrics" "needs root (page frame numbers); tests/host/hpbloat-metrics.sh covers it"
fi
