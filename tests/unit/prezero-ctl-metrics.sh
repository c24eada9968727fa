#!/usr/bin/env bash
# prezero-ctl --openmetrics and --textfile on fixture sysroots, without
# root: promtool accepts every exposition, the numbers are the ones the
# JSON output gives, the textfile appears atomically (mode 0644, no
# temporary file left, never half written) and is rewritten every interval
# by watch, the plain output stays as it was, a stock kernel is 69; the
# combinations that make no sense are refused (64) and write nothing.
set -u
. "$(dirname "$0")/../lib.sh"
FIX=tests/fixtures
hf_tmp

need_promtool "prezero-ctl-metrics" || exit 0

# ---- command lines ----
metrics_options_refused prezero-ctl
cp -r "$FIX/sysroot-prezero" "$tmp/pzroot"
knobs() { cat "$tmp/pzroot/sys/kernel/mm/prezero/"*; }
before=$(knobs)
for verb in "set batch_blocks=8" enable disable "now 1M"; do
	# shellcheck disable=SC2086
	HAWKFETCH_SYSROOT=$tmp/pzroot status "prezero-ctl-openmetrics-$verb" 64 \
		"$BUILD/prezero-ctl" --openmetrics $verb
done
[ "$(knobs)" = "$before" ] && pass "prezero-ctl-openmetrics-refused-writes-nothing" ||
	fail "prezero-ctl-openmetrics-refused-writes-nothing" "knobs changed"

# ---- prezero-ctl status and watch ----
export HAWKFETCH_SYSROOT=$FIX/sysroot-prezero
P=$BUILD/prezero-ctl
"$P" --openmetrics > "$tmp/pz.om"; rc=$?
if [ $rc = 0 ]; then promcheck "prezero-ctl-status-promtool" "$tmp/pz.om" 1; else fail "prezero-ctl-status-promtool" "status $rc"; fi
"$P" status --openmetrics | cmp -s - "$tmp/pz.om" && pass "prezero-ctl-status-verb" || fail "prezero-ctl-status-verb" "differs"
"$P" -j > "$tmp/pz.json"
want=$(jq -r '(.nodes[] | "hawkfetch_prezero_pool_bytes{node=\"\(.node)\"} \(.zeroed_kib * 1024)",
	"hawkfetch_prezero_target_bytes{node=\"\(.node)\"} \(.target_kib * 1024)"),
	"hawkfetch_prezero_enabled \(if .enabled then 1 else 0 end)",
	"hawkfetch_prezero_forced_off{reason=\"\(.disabled_by)\"} 0",
	"hawkfetch_prezero_batch_bytes \(.knobs.batch_kib * 1024)",
	"hawkfetch_prezero_sleep_seconds \(.knobs.sleep_ms / 1000)",
	"hawkfetch_prezero_nontemporal \(if .knobs.nontemporal then 1 else 0 end)",
	"hawkfetch_prezero_zeroed_bytes_total \(.counters.prezero_zeroed_pages * 4096)",
	"hawkfetch_prezero_zeroed_direct_bytes_total \(.counters.prezero_zeroed_direct_pages * 4096)",
	"hawkfetch_prezero_dropped_bytes_total \(.counters.prezero_dropped_pages * 4096)",
	"hawkfetch_prezero_aborted_bytes_total \(.counters.prezero_aborted_pages * 4096)",
	"hawkfetch_prezero_thp_faults_total{result=\"prezeroed\"} \(.counters.thp_fault_prezeroed)",
	"hawkfetch_prezero_thp_faults_total{result=\"zeroed\"} \(.counters.thp_fault_zeroed)"' \
	"$tmp/pz.json" 2>&1 | sort)
got=$(grep -v '^#' "$tmp/pz.om" | sort)
[ "$got" = "$want" ] && pass "prezero-ctl-status-values" || fail "prezero-ctl-status-values" "$(diff <(echo "$want") <(echo "$got"))"
mkdir "$tmp/tf"
"$P" --textfile "$tmp/tf" | cmp -s - "$FIX/prezero/status.expected" && pass "prezero-ctl-textfile-plain-unchanged" ||
	fail "prezero-ctl-textfile-plain-unchanged" "plain status changed"
textfile "prezero-ctl-textfile" "$tmp/tf" prezero-ctl
cmp -s "$tmp/tf/hawkfetch_prezero-ctl.prom" "$tmp/pz.om" && pass "prezero-ctl-textfile-is-exposition" ||
	fail "prezero-ctl-textfile-is-exposition" "differs from --openmetrics"
rm -rf "$tmp/tf"
"$P" watch -i 0.05 -n 3 --openmetrics > "$tmp/watch.om"; rc=$?
if [ $rc = 0 ]; then promcheck "prezero-ctl-watch-promtool" "$tmp/watch.om" 3; else fail "prezero-ctl-watch-promtool" "status $rc"; fi
grep -q TIME_S "$tmp/watch.om" && fail "prezero-ctl-watch-no-plain" "plain rows on stdout" || pass "prezero-ctl-watch-no-plain"
# watch rewrites the file every interval: a counter changed meanwhile shows.
mkdir "$tmp/tf"
HAWKFETCH_SYSROOT=$tmp/pzroot "$P" watch -i 0.1 -n 8 --textfile "$tmp/tf" > "$tmp/watch.txt" &
bg=$!
for _ in $(seq 50); do [ -f "$tmp/tf/hawkfetch_prezero-ctl.prom" ] && break; sleep 0.05; done
sed -i 's/^prezero_zeroed \([0-9]*\)/prezero_zeroed 999999/' "$tmp/pzroot/proc/vmstat"
wait $bg; rc=$?; bg=
[ $rc = 0 ] && [ "$(value "$tmp/tf/hawkfetch_prezero-ctl.prom" hawkfetch_prezero_zeroed_bytes_total)" = $((999999 * 4096)) ] &&
	pass "prezero-ctl-watch-textfile-rewritten" ||
	fail "prezero-ctl-watch-textfile-rewritten" "status $rc: $(grep zeroed_bytes "$tmp/tf/hawkfetch_prezero-ctl.prom")"
[ "$(grep -c '^ *[0-9.]* ' "$tmp/watch.txt")" -ge 8 ] && pass "prezero-ctl-watch-textfile-keeps-rows" ||
	fail "prezero-ctl-watch-textfile-keeps-rows" "$(cat "$tmp/watch.txt")"
textfile "prezero-ctl-watch-textfile" "$tmp/tf" prezero-ctl
# A reader never sees a partial file while watch rewrites it every 10 ms.
lines=$(wc -l < "$tmp/tf/hawkfetch_prezero-ctl.prom")
"$P" watch -i 0.01 -n 300 --textfile "$tmp/tf" > /dev/null &
bg=$!
reads=0 torn=0
while kill -0 $bg 2>/dev/null; do
	if content=$(cat "$tmp/tf/hawkfetch_prezero-ctl.prom" 2>/dev/null); then
		reads=$((reads + 1))
		[ "$(wc -l <<< "$content")" = "$lines" ] && [ "${content##*$'\n'}" = "# EOF" ] || torn=$((torn + 1))
	fi
done
wait $bg; bg=
[ $torn = 0 ] && [ $reads -ge 10 ] && [ "$(ls -A "$tmp/tf")" = hawkfetch_prezero-ctl.prom ] &&
	pass "prezero-ctl-textfile-never-partial ($reads reads)" ||
	fail "prezero-ctl-textfile-never-partial" "$torn of $reads reads torn; dir: $(ls -A "$tmp/tf")"
rm -rf "$tmp/tf"
# A stock kernel: 69 kept, the reason on stderr, nothing on stdout, no file.
mkdir "$tmp/tf"
HAWKFETCH_SYSROOT=$FIX/sysroot-stock status "prezero-ctl-stock-openmetrics" 69 "$P" --openmetrics --textfile "$tmp/tf"
[ ! -s "$tmp/out" ] && grep -q "lacks the hawkfetch pre-zeroing patches" "$tmp/err" && [ -z "$(ls -A "$tmp/tf")" ] &&
	pass "prezero-ctl-stock-says-why" || fail "prezero-ctl-stock-says-why" "stdout $(head -c 200 "$tmp/out"), stderr $(cat "$tmp/err")"
HAWKFETCH_SYSROOT=$FIX/sysroot-stock status "prezero-ctl-stock-watch-openmetrics" 69 "$P" watch --openmetrics
unset HAWKFETCH_SYSROOT
rm -rf "$tmp/tf"
