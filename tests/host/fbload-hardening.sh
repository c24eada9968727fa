#!/usr/bin/env bash
# fbload writing to a full disk (issue 19): a 64 KiB tmpfs, nearly full or
# filling up, must give exit 1 and "standard output: No space left on
# device", never a silent success with a cut or empty file. Needs root to
# mount the tmpfs. (The cases without root: tests/unit/fbload-hardening.sh.)
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
fbload=$B/fbload
need_root || { skip "fbload hardening (full disk)" "needs root to mount a tmpfs"; exit 0; }
work=$(mktemp -d)
full=$work/full
mkdir "$full"
trap 'umount "$full" 2>/dev/null; rm -rf "$work"' EXIT
if ! mount -t tmpfs -o size=64k tmpfs "$full"; then
	skip "fbload hardening (full disk)" "cannot mount a tmpfs"; exit 0
fi
tests/gentrace.sh seq 20000 > "$work/seq"

# one_line_enospc RC: exit 1 and exactly the one stderr line
one_line_enospc() {
	[ "$1" -eq 1 ] && [ "$(wc -l < "$work/err")" -eq 1 ] &&
		grep -q "^fbload: standard output: No space left on device$" "$work/err"
}

# -- the disk fills while --decisions writes (20000 lines, ~600 KiB)
"$fbload" --decisions replay -r "$work/seq" leap > "$full/d.txt" 2> "$work/err"; rc=$?
one_line_enospc $rc
check "full disk: --decisions filling a 64 KiB tmpfs exits 1, 'No space left on device' (rc $rc)" \
	[ $? -eq 0 ]
rm -f "$full/d.txt"

# -- -j replay onto an already full disk: the document does not fit
head -c 1M /dev/zero > "$full/filler" 2>/dev/null
"$fbload" -j replay -r "$work/seq" leap > "$full/r.json" 2> "$work/err"; rc=$?
one_line_enospc $rc
check "full disk: -j replay > full/r.json exits 1, 'No space left on device' (rc $rc)" [ $? -eq 0 ]
"$fbload" -j --decisions replay -r "$work/seq" leap > "$full/dj.json" 2> "$work/err"; rc=$?
one_line_enospc $rc
check "full disk: -j --decisions > full/dj.json exits 1 (rc $rc)" [ $? -eq 0 ]
rm -f "$full"/*

# -- with room, the same command succeeds and the document is JSON
"$fbload" -j replay -r "$work/seq" leap > "$full/r.json" 2> "$work/err"; rc=$?
[ $rc -eq 0 ] && [ ! -s "$work/err" ] &&
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["policies"][0]["faults"] == 20000' \
		< "$full/r.json"
check "full disk: with room, -j replay > full/r.json succeeds with one JSON document (rc $rc)" \
	[ $? -eq 0 ]
