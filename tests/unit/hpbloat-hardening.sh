#!/usr/bin/env bash
# hpbloat under hostile input without root (issue 19): kernel threads and
# zombies refused before measuring, with one clear line on stderr. (The
# root cases: tests/host/hpbloat-hardening.sh.)
set -u
. "$(dirname "$0")/../lib.sh"
hf_tmp

# ---- 4. kernel threads and zombies are refused before measuring ----
kthread=$(kernel_thread)
make_zombie
if [ -n "$zombie" ]; then
	run hpbloat-zombie 1 "$BUILD/hpbloat" -p "$zombie"
	err_has hpbloat-zombie-message "pid $zombie (sleep): a zombie: it has exited"
fi
if [ -n "$kthread" ]; then
	run hpbloat-kernel-thread 1 "$BUILD/hpbloat" -p "$kthread"
	err_has hpbloat-kernel-thread-message "a kernel thread, which has no user address space"
fi
reap_zombie
