#!/usr/bin/env bash
# hpcov --promote --dry-run as root (issue 19): a dry run checks what the
# real run checks (a dead pid, a reused pid, offline planning, a region
# already huge). Each case checks the exit status and one clear line on
# stderr.
set -u
. "$(dirname "$0")/../lib.sh"
hf_tmp KILL

root_or_skip hpcov-hardening-host "needs root (a real --promote run's checks)" || exit 0

# ---- 7. hpcov --promote --from --dry-run checks what the real run checks ----
# cov FILE PID:COMM:ADDR...: a coverage document with those candidates.
cov() {
	local out=$1; shift
	python3 -c '
import json, sys
c = [{"rank": i + 1, "pid": int(p), "comm": n, "addr": a, "coverage": 512}
     for i, (p, n, a) in enumerate(x.split(":") for x in sys.argv[1:])]
print(json.dumps({"type": "coverage", "candidates": c, "huge_regions": []}))' "$@" > "$out"
}
self_comm=$(cat /proc/$$/comm)
gone=$(sh -c 'echo $$')
cov "$tmp/cov-dead.json" "$$:$self_comm:0x7f0000200000" "$gone:ghost:0x7f0000400000"
run hpcov-dry-run-dead-pid 1 "$BUILD/hpcov" --promote --dry-run --from "$tmp/cov-dead.json"
err_has hpcov-dry-run-dead-pid-message "pid $gone: no such process"
cov "$tmp/cov-comm.json" "$$:$self_comm:0x7f0000200000" "1:not-init-xyz:0x7f0000400000"
run hpcov-dry-run-comm-mismatch 1 "$BUILD/hpcov" --promote --dry-run --from "$tmp/cov-comm.json"
err_has hpcov-dry-run-comm-mismatch-message "measured 'not-init-xyz' (pid reused?)"
cov "$tmp/cov-offline.json" "$gone:ghost:0x7f0000200000"
run hpcov-dry-run-offline 0 "$BUILD/hpcov" --promote --dry-run --from "$tmp/cov-offline.json" -j
err_has hpcov-dry-run-offline-warning "planning offline, unchecked"
# A region already mapped by a huge page is not planned (thpfill: 1 THP).
if [ -x "$BUILD/workloads/thpfill" ] && ! grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled; then
	"$BUILD/workloads/thpfill" 512 > "$tmp/wl" 2>&1 &
	pids+=($!); wl=$!
	for _ in $(seq 100); do grep -q '^ready' "$tmp/wl" && break; sleep 0.1; done
	addr=$(awk '/^region/ {print $2; exit}' "$tmp/wl")
	if [ -n "$addr" ] && "$BUILD/hpbloat" -p $wl -r -j | grep -q "\"addr\":\"$addr\""; then
		cov "$tmp/cov-huge.json" "$wl:$(cat /proc/$wl/comm):$addr"
		run hpcov-dry-run-already-huge 0 "$BUILD/hpcov" --promote --dry-run -j --from "$tmp/cov-huge.json"
		python3 -c '
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
assert not [d for d in docs if d.get("type") == "promotion"], docs
s = [d for d in docs if d["type"] == "promote_summary"][0]
assert s["processes"][0]["planned"] == 0 and s["skipped_huge"] == 1, s' "$tmp/out" 2> "$tmp/pyerr" &&
			pass hpcov-dry-run-already-huge-not-planned ||
			fail hpcov-dry-run-already-huge-not-planned "$(tail -1 "$tmp/pyerr"): $(head -c 400 "$tmp/out")"
	else
		skip hpcov-dry-run-already-huge "thpfill got no huge page"
	fi
else
	skip hpcov-dry-run-already-huge "no thpfill or THP disabled"
fi
