#!/usr/bin/env bash
# hpbloat, hpcov, mmucost as root under hostile conditions (issue 19): a
# full 64 KiB tmpfs as standard output, kernel threads and zombies as
# targets, duplicate pids, one JSON document, a comm of invalid UTF-8.
# Each case checks the exit status and one clear line on stderr.
set -u
. "$(dirname "$0")/../lib.sh"
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do { kill -9 "$p"; wait "$p"; } 2>/dev/null; done
	mountpoint -q "$tmp/full" && umount "$tmp/full"
	rm -rf "$tmp"
}
trap cleanup EXIT

if ! need_root; then skip "hawkeye-hardening-host" "needs root (tmpfs, pagemap)"; exit 0; fi

run() {
	local name=$1 want=$2 rc lines; shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"; rc=$?
	lines=$(wc -l < "$tmp/err")
	if [ "$rc" != "$want" ]; then
		fail "$name" "status $rc, expected $want: $(head -c 300 "$tmp/err")"
	elif [ "$want" != 0 ] && [ "$lines" != 1 ]; then
		fail "$name" "$lines lines on stderr, expected one: $(head -c 300 "$tmp/err")"
	else
		pass "$name"
	fi
}
err_has() {
	grep -qF -- "$2" "$tmp/err" && pass "$1" || fail "$1" "no '$2' in: $(head -c 300 "$tmp/err")"
}
json_ok() {
	python3 -c 'import json,sys
for l in open(sys.argv[1], "rb"):
    json.loads(l)' "$2" 2> "$tmp/pyerr" && pass "$1" || fail "$1" "$(tail -1 "$tmp/pyerr")"
}

# ---- 2. a full disk is exit 1 naming standard output ----
mkdir "$tmp/full"
if mount -t tmpfs -o size=64k tmpfs "$tmp/full" 2>/dev/null; then
	cat /dev/zero > "$tmp/full/fill" 2>/dev/null
	run hpbloat-json-full-tmpfs 1 sh -c "\"\$0\" -A -j > $tmp/full/b.json" "$BUILD/hpbloat"
	err_has hpbloat-json-full-tmpfs-message "standard output: No space left on device"
	run hpbloat-full-tmpfs 1 sh -c "\"\$0\" -A > $tmp/full/b.txt" "$BUILD/hpbloat"
	err_has hpbloat-full-tmpfs-message "standard output: No space left on device"
	run mmucost-json-full-tmpfs 1 sh -c "\"\$0\" -j --from tests/fixtures/perfstat/zen.csv > $tmp/full/w.json" "$BUILD/mmucost"
	err_has mmucost-json-full-tmpfs-message "standard output: No space left on device"
	umount "$tmp/full"
else
	skip hardening-full-tmpfs "cannot mount a tmpfs"
fi

# ---- 5. hpbloat -j: one document, the failures inside it ----
gone=$(sh -c 'echo $$')
run hpbloat-json-one-document 1 "$BUILD/hpbloat" -j -p $$ -p "$gone"
json_ok hpbloat-json-one-document-parses "$tmp/out"
[ "$(wc -l < "$tmp/out")" = 1 ] && python3 -c '
import json,sys
d = json.load(open(sys.argv[1]))
assert d["type"] == "bloat", d
assert [p["pid"] for p in d["processes"]] == [int(sys.argv[2])], d
assert d["errors"] == [{"pid": int(sys.argv[3]), "message": "pid %s: no such process" % sys.argv[3]}], d
' "$tmp/out" $$ "$gone" && pass hpbloat-json-errors-field || fail hpbloat-json-errors-field "$(cat "$tmp/out")"
err_has hpbloat-json-one-document-stderr "pid $gone: no such process"
"$BUILD/hpbloat" -j -p "$gone" -p 999999999 > "$tmp/out" 2> "$tmp/err"
[ "$(wc -l < "$tmp/out")" = 1 ] && python3 -c '
import json,sys
d = json.load(open(sys.argv[1]))
assert d["type"] == "error" and len(d["errors"]) == 2, d' "$tmp/out" &&
	pass hpbloat-json-all-failed-one-document || fail hpbloat-json-all-failed-one-document "$(cat "$tmp/out")"

# ---- 7. a pid given twice is reported once ----
"$BUILD/hpbloat" -j -p $$ -p $$ > "$tmp/out" 2> "$tmp/err"
python3 -c '
import json,sys
d = json.load(open(sys.argv[1]))
assert [p["pid"] for p in d["processes"]] == [int(sys.argv[2])], d' "$tmp/out" $$ &&
	pass hpbloat-duplicate-pid || fail hpbloat-duplicate-pid "$(head -c 300 "$tmp/out")"

# ---- 6. a comm of invalid UTF-8 (0xff 0xfe) is escaped as \377\376 ----
python3 -c '
import ctypes, os, sys, time
ctypes.CDLL(None).prctl(15, ctypes.c_char_p(b"\xff\xfeev\\il\x01"), 0, 0, 0)
open(sys.argv[1], "w").write("%d\n" % os.getpid())
time.sleep(30)' "$tmp/evil.pid" &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/evil.pid" ] && break; sleep 0.1; done
evil=$(cat "$tmp/evil.pid" 2>/dev/null)
want='\377\376ev\134il\001'
if [ -n "$evil" ]; then
	run hpbloat-json-invalid-utf8 0 "$BUILD/hpbloat" -j -p "$evil"
	json_ok hpbloat-json-invalid-utf8-parses "$tmp/out"
	python3 -c 'import json,sys
assert json.load(open(sys.argv[1]))["processes"][0]["comm"] == sys.argv[2]' "$tmp/out" "$want" &&
		pass hpbloat-json-invalid-utf8-escaped || fail hpbloat-json-invalid-utf8-escaped "$(cat "$tmp/out")"
	run hpbloat-plain-invalid-utf8 0 "$BUILD/hpbloat" -p "$evil"
	grep -qF "$evil $want " "$tmp/out" && ! grep -q $'\xff' "$tmp/out" &&
		pass hpbloat-plain-invalid-utf8-escaped || fail hpbloat-plain-invalid-utf8-escaped "$(cat -v "$tmp/out")"
	run hpbloat-openmetrics-invalid-utf8 0 "$BUILD/hpbloat" --openmetrics -p "$evil"
	! grep -q $'\xff' "$tmp/out" && pass hpbloat-openmetrics-invalid-utf8 ||
		fail hpbloat-openmetrics-invalid-utf8 "raw bytes in the metrics"
	if "$BUILD/mmucost" -e perf::PAGE-FAULTS/perf::TASK-CLOCK -d 0.1 -p "$evil" > /dev/null 2>&1; then
		run mmucost-json-invalid-utf8 0 "$BUILD/mmucost" -j -e perf::PAGE-FAULTS/perf::TASK-CLOCK -d 0.2 -p "$evil"
		json_ok mmucost-json-invalid-utf8-parses "$tmp/out"
		grep -qF '"comm":"\\377\\376ev\\134il\\001"' "$tmp/out" && pass mmucost-json-invalid-utf8-escaped ||
			fail mmucost-json-invalid-utf8-escaped "$(cat "$tmp/out")"
	else
		skip mmucost-json-invalid-utf8 "no software perf events"
	fi
else
	fail hardening-invalid-utf8-process "the renamed process did not start"
fi

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
