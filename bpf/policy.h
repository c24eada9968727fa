/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The FetchBPF policy API: write a swap-in prefetching policy once, run it
 * in the patched kernel (struct_ops "fetchbpf_ops") and in fbload's replay
 * (a SEC("syscall") program run with BPF_PROG_TEST_RUN on any kernel).
 *
 *	#include "vmlinux.h"
 *	#include "policy.h"
 *
 *	const volatile __u32 pages = 8;		// a parameter: fbload -o pages=16
 *
 *	static __always_inline int mine_prefetch(struct fb_prefetch *p,
 *						 const struct fb_fault *f)
 *	{
 *		fb_prefetch_run(p, f->addr, 1, pages);	// the next `pages` pages
 *		return FB_DONE;
 *	}
 *
 *	FB_POLICY(mine, "the next pages after the fault",
 *		  .prefetch = mine_prefetch);
 *
 * FB_POLICY(NAME, DESCRIPTION, callbacks): NAME has at most 11 characters
 * (the kernel knows the policy as bpf_NAME), `fbload list` shows the
 * DESCRIPTION. Two callbacks, by name:
 *
 *   .fault	optional; runs once per swap-in fault of the process's own
 *		memory, hit or miss in the swap cache (the prefetch buffer),
 *		to keep history (a fault the kernel retries while its page is
 *		read is reported once);
 *   .prefetch	runs on a miss, where the kernel's swapin_readahead() would
 *		decide: queue pages with the request calls below and return
 *		FB_DONE, or FB_FALLBACK to let the kernel do its own readahead.
 *
 * Compile the same source twice: plain for the kernel and with -DFB_REPLAY
 * for replay (the Makefile does). Parameters are `const volatile` globals
 * (.rodata), set by fbload before load; names starting with "fb_" are
 * internal. Per-process state belongs in BPF maps keyed by f->pid
 * (fb_state()). Loops: use bpf_loop() (fb_prefetch_run() does for the
 * common case), and keep counters a loop carries in a map value rather
 * than on the stack; the verifier then checks one step instead of
 * following every value.
 */
#ifndef HF_POLICY_H
#define HF_POLICY_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define FB_PAGE_SHIFT	12
#define FB_PAGE_SIZE	(1ULL << FB_PAGE_SHIFT)
#define FB_PMD_SHIFT	21

#include "fb_replay.h"	/* FB_MAX_REQ, and the replay batch */

#ifndef ENOSPC
#define ENOSPC 28
#endif
#ifndef EINVAL
#define EINVAL 22
#endif

enum fb_verdict {
	FB_DONE = 0,		/* the policy decided (possibly: nothing) */
	FB_FALLBACK = 1,	/* let the kernel's readahead decide */
};

/* What a policy sees of one swap-in fault. */
struct fb_fault {
	__u64 addr;		/* faulting virtual address */
	__s64 swap_offset;	/* the swap slot, -1 when unknown (replay of stock traces) */
	__u64 vma_start;	/* the VMA, 0/0 when unknown (replay) */
	__u64 vma_end;
	__u32 pid;		/* thread-group id of the process that owns the memory */
	__u32 hit;		/* 1: a prefetch hit, the first use of a page read ahead */
};

/* The fault's request queue, handed to .prefetch. */
struct fb_prefetch;

static __always_inline __u64 fb_page(__u64 addr)
{
	return addr >> FB_PAGE_SHIFT;
}

/* |a - b|, e.g. the distance in pages between two faults. */
static __always_inline __u64 fb_absdiff(__u64 a, __u64 b)
{
	return a > b ? a - b : b - a;
}

/*
 * The request calls (in policy_glue.h), for .prefetch only; at most
 * FB_MAX_REQ requests per fault, then -ENOSPC:
 *
 *   int fb_prefetch_page(struct fb_prefetch *p, __u64 addr);
 *	the page holding virtual address addr, in the faulting VMA
 *   int fb_prefetch_slot(struct fb_prefetch *p, __u64 swap_offset);
 *	a slot of the faulting page's swap device
 *   void fb_start_plug(struct fb_prefetch *p), fb_stop_plug(p);
 *	submit the requests between them in one block plug
 */
#include "policy_glue.h"

/*
 * Queue count (<= FB_MAX_REQ) pages along a stride: addr + i * stride
 * pages for i = 1..count, stopping when the per-fault budget is spent.
 * A bpf_loop, so the verifier checks one step, not every unrolled one.
 */
struct fb_run_ctx {
	struct fb_prefetch *p;
	__u64 addr;
	__s64 stride;
};

static int fb_run_step(__u32 i, struct fb_run_ctx *c)
{
	__u64 off = (__u64)((__s64)(i + 1) * c->stride) << FB_PAGE_SHIFT;

	return fb_prefetch_page(c->p, c->addr + off) == -ENOSPC;
}

static __always_inline void fb_prefetch_run(struct fb_prefetch *p, __u64 addr, __s64 stride,
					     __u32 count)
{
	struct fb_run_ctx c = { .p = p, .addr = addr, .stride = stride };

	if (count && stride)
		bpf_loop(count > FB_MAX_REQ ? FB_MAX_REQ : count, fb_run_step, &c, 0);
}

/* Per-process state: look up, creating a zeroed entry on first use. */
static __always_inline void *fb_state(void *map, __u32 pid, const void *zero)
{
	void *v = bpf_map_lookup_elem(map, &pid);

	if (v)
		return v;
	bpf_map_update_elem(map, &pid, zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, &pid);
}

#endif /* HF_POLICY_H */
