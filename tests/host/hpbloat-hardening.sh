#!/usr/bin/env bash
# hpbloat as root under hostile conditions (issue 19): a full 64 KiB tmpfs
# as standard output, one JSON document with the failures inside it, a
# pid given twice, a comm of invalid UTF-8. Each case checks the exit
# status and one clear line on stderr.
set -u
. "$(dirname "$0")/../lib.sh"
hf_tmp KILL

root_or_skip hpbloat-hardening-host "needs root (tmpfs, pagemap)" || exit 0

# ---- 2. a full disk is exit 1 naming standard output ----
if full_tmpfs hpbloat-hardening-full-tmpfs; then
	stdout_full hpbloat-json-full-tmpfs "$BUILD/hpbloat" -A -j
	stdout_full hpbloat-full-tmpfs "$BUILD/hpbloat" -A
	umount "$tmp/full"
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
start_invalid_utf8
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
else
	fail hpbloat-invalid-utf8-process "the renamed process did not start"
fi
