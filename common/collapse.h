/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Promotion on a stock kernel: process_madvise(pidfd, MADV_COLLAPSE)
 * (Linux 6.1+) collapses one 2 MiB region of another process into a huge
 * page, whatever the sysfs THP settings say. It needs PTRACE_MODE_READ
 * and CAP_SYS_NICE over the target, takes its mmap lock and may reclaim:
 * callers budget it. A pidfd pins the process, so a reused pid is never
 * collapsed by mistake.
 */
#ifndef HF_COLLAPSE_H
#define HF_COLLAPSE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "pagemap.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

/*
 * Does this kernel collapse through process_madvise? Collapses a 2 MiB
 * region of our own. 0, -EINVAL (no MADV_COLLAPSE), -ENOSYS (no
 * process_madvise or pidfd_open), or -errno.
 */
int hf_collapse_probe(void);

struct hf_collapse_target {
	pid_t pid;
	int pidfd;
	char comm[16];
	struct hf_pagemap pm;
};

/* Open pidfd, pagemap and kpageflags. 0, -ENOENT (no such process), -errno. */
int hf_collapse_open(struct hf_collapse_target *t, pid_t pid);
void hf_collapse_close(struct hf_collapse_target *t);

/* Is the region at addr mapped by one PMD-sized THP? 1, 0 or -errno (-ESRCH: gone). */
int hf_collapse_is_huge(const struct hf_collapse_target *t, uint64_t addr);

struct hf_collapse_result {
	int err;		/* 0 or -errno of process_madvise */
	uint64_t time_ns;	/* the call's wall time (mmap lock held within) */
	uint64_t end_ns;	/* CLOCK_MONOTONIC when it returned */
	bool huge_after;	/* pagemap + kpageflags say huge afterwards */
};

/* Collapse the 2 MiB region at addr and check the result. */
void hf_collapse_region(const struct hf_collapse_target *t, uint64_t addr,
			struct hf_collapse_result *res);

/* "EAGAIN" for -EAGAIN; "ok" for 0. */
const char *hf_errno_name(int err);

#endif
