#!/usr/bin/env bash
# prezero-ctl under hostile conditions without root (issue 19): a full
# standard output is exit 1 with one clear line on stderr.
set -u
. "$(dirname "$0")/../lib.sh"
hf_tmp

# ---- 2. a full standard output is an error, never a silent success ----
if [ -w /dev/full ]; then
	run prezero-ctl-json-dev-full 1 sh -c "HAWKFETCH_SYSROOT=tests/fixtures/sysroot-prezero \"\$0\" -j status > /dev/full" "$BUILD/prezero-ctl"
	err_has prezero-ctl-json-dev-full-message "standard output: No space left on device"
else
	skip prezero-ctl-hardening-dev-full "no writable /dev/full"
fi
