#!/usr/bin/env bash
# hpcov under hostile input without root (issue 19): bounded memory on
# /dev/zero, a directory as input, kernel threads and zombies refused. Each
# case checks the exit status and one clear line on stderr (and RSS).
set -u
. "$(dirname "$0")/../lib.sh"
hf_tmp

# ---- 1. bounded memory: /dev/zero has no newline ----
if have_time hpcov-hardening-dev-zero; then
	rss hpcov-promote-dev-zero 1 "/dev/zero:1: line longer than 16777216 bytes" \
		"$BUILD/hpcov" --promote --from /dev/zero --dry-run
	rss hpcov-weights-dev-zero 1 "/dev/zero:1: line longer than 16777216 bytes" \
		"$BUILD/hpcov" --weights /dev/zero
fi
run hpcov-weights-directory 1 "$BUILD/hpcov" --weights /
err_has hpcov-weights-directory-message "/: Is a directory"

# ---- 4. kernel threads and zombies are refused before measuring ----
refuses_unmeasurable hpcov
