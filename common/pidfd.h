/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Acting on another process through a pidfd, which pins the process so a
 * reused PID cannot redirect the action: pidfd_open(2) and
 * process_madvise(2), called by number (glibc 2.36 wraps neither).
 * hpcov collapses with it (MADV_COLLAPSE), hpbloat splits
 * (MADV_SPLIT_UNDERUSED).
 */
#ifndef HF_PIDFD_H
#define HF_PIDFD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A pidfd, or -1 with errno set (ESRCH: no such process). */
int hf_pidfd_open(pid_t pid);

/* advice on [addr, addr + len) of the pidfd's process: 0 or -errno. */
int hf_process_madvise(int pidfd, uint64_t addr, size_t len, int advice);

#endif
