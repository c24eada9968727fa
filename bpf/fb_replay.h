/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The replay batch: shared memory (an mmapped BPF array) between fbload
 * and a policy's SEC("syscall") replay program. fbload fills in[] and
 * n_in, runs the program once per batch with BPF_PROG_TEST_RUN, and reads
 * back, per record, whether the policy saw a hit and how many requests it
 * queued (in order, in out[]).
 */
#ifndef FB_REPLAY_H
#define FB_REPLAY_H

#define FB_REPLAY_BATCH		512
/* Requests per fault: the kernel's FETCHBPF_MAX_REQUESTS (max_requests in sysfs). */
#define FB_MAX_REQ		32
#define FB_REPLAY_OUT		(FB_REPLAY_BATCH * FB_MAX_REQ)

/* in[].flags: the page was in the simulated buffer when the batch began. */
#define FB_REPLAY_BUFFERED	1
/*
 * in[].flags: the page was in the swap cache, but not read ahead by the
 * policy (slot records say so): a swap-cache hit that is no prefetch hit.
 * As in the kernel, .fault sees a miss (hit false) and .prefetch is not
 * called.
 */
#define FB_REPLAY_CACHED	2

/* out[]: a virtual page number, or a swap offset with this bit set. */
#define FB_REPLAY_PHYS		(1ULL << 63)
#define FB_REPLAY_PAGE_MASK	((1ULL << (57 - 12)) - 1)	/* 5-level paging: 57-bit addresses */

struct fb_replay_rec {
	__u64 addr;
	__s64 swap_offset;	/* -1: unknown */
	__u32 pid;
	__u32 flags;
};

struct fb_replay_batch {
	__u32 n_in;			/* records in in[] */
	__u32 n_out;			/* requests in out[] */
	struct fb_replay_rec in[FB_REPLAY_BATCH];
	__u8 hit[FB_REPLAY_BATCH];	/* the hit flag the policy saw */
	__u8 nreq[FB_REPLAY_BATCH];	/* requests queued for this record */
	__u64 out[FB_REPLAY_OUT];
};

#endif
