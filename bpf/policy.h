/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The FetchBPF policy API: write a swap-in prefetching policy once, run it
 * in the patched kernel (struct_ops "fetchbpf_ops") and in fbload's replay:
 * as BPF (a SEC("syscall") program run with BPF_PROG_TEST_RUN on any
 * kernel) and as ordinary C (the native engine: no root, no BPF).
 *
 *	#include "vmlinux.h"
 *	#include "policy.h"
 *
 *	FB_PARAM(__u32, pages, 8, 1, 32);	// a parameter: fbload -o pages=16
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
 * Compile the same source three times: plain for the kernel, with
 * -DFB_REPLAY for BPF replay and with -DFB_NATIVE as C for native replay
 * (the Makefile does all three for bpf/policies/). Parameters are declared
 * with FB_PARAM(TYPE, NAME, DEFAULT, MIN, MAX) (or without the range:
 * any value of TYPE), an unsigned integer: a `const
 * volatile` global in .rodata for BPF (set by fbload before load), a
 * global fbload sets by name in the native build; names starting with
 * "fb_" are internal. Per-process state belongs in BPF maps keyed by
 * f->pid (fb_state()); the native build has array, hash and LRU hash
 * maps. Loops: use bpf_loop() (fb_prefetch_run() does for the common
 * case), and keep what a loop carries from step to step in a map value
 * rather than on the stack; the verifier then checks one step instead of
 * following every value, and the count of instructions it checks does not
 * grow with the loop (fbload list -v shows it; built-in policies stay
 * below 100,000, a tenth of the kernel's limit).
 */
#ifndef HF_POLICY_H
#define HF_POLICY_H

#ifdef FB_NATIVE
#include "policy_native.h"	/* the BPF API in user space */
#else
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

/*
 * A parameter, set by fbload before load (policy_native.h: the native
 * one). With a range, its bounds are globals too (fb_min_NAME and
 * fb_max_NAME, read by fbload through BTF as the parameter).
 */
#define FB__PARAM3(type, name, init) const volatile type name = (init)
#define FB__PARAM5(type, name, init, lo, hi)				\
	const volatile type fb_min_##name = (lo);			\
	const volatile type fb_max_##name = (hi);			\
	const volatile type name = (init)
#endif
/* FB_PARAM(TYPE, NAME, DEFAULT) or FB_PARAM(TYPE, NAME, DEFAULT, MIN, MAX) */
#define FB__PARAM_PICK(_1, _2, _3, _4, _5, which, ...) which
#define FB_PARAM(...) FB__PARAM_PICK(__VA_ARGS__, FB__PARAM5, FB__PARAM_NO4,	\
				     FB__PARAM3, FB__PARAM_NO2, FB__PARAM_NO1)(__VA_ARGS__)

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

/*
 * Per-process state: look up, creating a zeroed entry on first use. A
 * macro, so that the native build sees the map's declared type.
 */
#define fb_state(map, pid, zero) ({					\
	__u32 fb__pid = (pid);						\
	void *fb__v = bpf_map_lookup_elem(map, &fb__pid);		\
									\
	if (!fb__v) {							\
		bpf_map_update_elem(map, &fb__pid, zero, BPF_NOEXIST);	\
		fb__v = bpf_map_lookup_elem(map, &fb__pid);		\
	}								\
	fb__v;								\
})

/*
 * State shared by every fault, one value of @vtype in an array map of one
 * entry: FB_GLOBAL(struct my_state, my_state) declares the map my_state
 * and my_state_get(), which returns the value (NULL only to the verifier).
 */
#define FB_GLOBAL(vtype, name)						\
struct {								\
	__uint(type, BPF_MAP_TYPE_ARRAY);				\
	__uint(max_entries, 1);						\
	__type(key, __u32);						\
	__type(value, vtype);						\
} name SEC(".maps");							\
									\
static __always_inline vtype *name##_get(void)				\
{									\
	__u32 fb__zero = 0;						\
									\
	return bpf_map_lookup_elem(&name, &fb__zero);			\
}

#endif /* HF_POLICY_H */
