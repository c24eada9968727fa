#!/usr/bin/env bash
# mmucost as root under hostile conditions (issue 19): a full 64 KiB tmpfs
# as standard output, a comm of invalid UTF-8 in its JSON. Each case checks
# the exit status and one clear line on stderr.
set -u
. "$(dirname "$0")/../lib.sh"
hf_tmp KILL

root_or_skip mmucost-hardening-host "needs root (tmpfs, pagemap)" || exit 0

# ---- 2. a full disk is exit 1 naming standard output ----
if full_tmpfs mmucost-hardening-full-tmpfs; then
	stdout_full mmucost-json-full-tmpfs "$BUILD/mmucost" -j --from tests/fixtures/perfstat/zen.csv
	umount "$tmp/full"
fi

# ---- 6. a comm of invalid UTF-8 (0xff 0xfe) is escaped as \377\376 ----
start_invalid_utf8
if [ -n "$evil" ]; then
	if "$BUILD/mmucost" -e perf::PAGE-FAULTS/perf::TASK-CLOCK -d 0.1 -p "$evil" > /dev/null 2>&1; then
		run mmucost-json-invalid-utf8 0 "$BUILD/mmucost" -j -e perf::PAGE-FAULTS/perf::TASK-CLOCK -d 0.2 -p "$evil"
		json_ok mmucost-json-invalid-utf8-parses "$tmp/out"
		grep -qF '"comm":"\\377\\376ev\\134il\\001"' "$tmp/out" && pass mmucost-json-invalid-utf8-escaped ||
			fail mmucost-json-invalid-utf8-escaped "$(cat "$tmp/out")"
	else
		skip mmucost-json-invalid-utf8 "no software perf events"
	fi
else
	fail mmucost-invalid-utf8-process "the renamed process did not start"
fi
