#!/usr/bin/env bash
# hpbloat without root: its command line, the man page and completion in
# step with --help.
set -u
. "$(dirname "$0")/../lib.sh"
hf_tmp

status "hpbloat-help" 0 "$BUILD/hpbloat" --help
status "hpbloat-version" 0 "$BUILD/hpbloat" --version
status "hpbloat-no-target" 64 "$BUILD/hpbloat"
status "hpbloat-bad-option" 64 "$BUILD/hpbloat" --no-such-option
status "hpbloat-bad-pid" 64 "$BUILD/hpbloat" -p abc
status "hpbloat-regions-and-vmas" 64 "$BUILD/hpbloat" -p 1 -r --vmas

# Man page and completion stay in step with --help.
help_documented hpbloat
