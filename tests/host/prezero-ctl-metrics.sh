#!/usr/bin/env bash
# prezero-ctl --openmetrics and --textfile on this kernel (root): on a
# stock kernel 69 kept with the reason and no file; with the pre-zeroing
# patches, promtool accepts the exposition.
set -u
. "$(dirname "$0")/../lib.sh"
hf_tmp

host_metrics_ready prezero-ctl-metrics-host prezero-ctl || exit 0

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
