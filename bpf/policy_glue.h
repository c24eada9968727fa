/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The glue behind bpf/policy.h: what FB_POLICY() expands to and how the
 * request calls are carried out, for the three builds of a policy source:
 * plain for the kernel (struct_ops "fetchbpf_ops"), and for fbload's
 * replay with -DFB_REPLAY (a SEC("syscall") program run with
 * BPF_PROG_TEST_RUN) or -DFB_NATIVE (ordinary C in fbload). Both replay
 * builds share one step per record, so they decide alike by construction
 * where the policy does. Policies include policy.h, never this file.
 */
#ifndef HF_POLICY_GLUE_H
#define HF_POLICY_GLUE_H

/* The callbacks and the name and description fbload reads from .rodata. */
struct fb_callbacks {
	void (*fault)(const struct fb_fault *f);
	int (*prefetch)(struct fb_prefetch *p, const struct fb_fault *f);
};

/* The compilers fold the calls through this constant into direct calls. */
#ifdef FB_NATIVE
#define FB_DEFINE(NAME, DESC, ...)					\
static const struct fb_callbacks fb__cb = { __VA_ARGS__ }
#else
#define FB_DEFINE(NAME, DESC, ...)					\
static const struct fb_callbacks fb__cb = { __VA_ARGS__ };		\
const char fb_policy_name[] SEC(".rodata") = #NAME;			\
const char fb_policy_desc[] SEC(".rodata") = DESC
#endif

/* ---------------------------------------------------------------------
 * Replay: the glue fbload runs over batches of records, as BPF with
 * BPF_PROG_TEST_RUN or natively.
 * ------------------------------------------------------------------- */
#if defined(FB_REPLAY) || defined(FB_NATIVE)

#include "fb_replay.h"

struct fb_prefetch {
	struct fb_replay_batch *b;
	__u32 pid;
	__u32 rec;		/* index of the faulting record in the batch */
};

/*
 * Pages queued earlier in the same batch, so that a fault on one of them is
 * a hit for the policy as it would be in the kernel. Tagged with the batch
 * generation so nothing needs clearing between batches.
 */
#define FB_INFLIGHT_SLOTS 16384
struct fb_inflight {
	__u64 page;
	__u32 pid;
	__u32 gen;
};
static struct fb_inflight fb_inflight[FB_INFLIGHT_SLOTS];
static __u32 fb_gen;

static __always_inline __u32 fb_inflight_slot(__u32 pid, __u64 page)
{
	__u64 h = (page ^ ((__u64)pid << 40)) * 0x9E3779B97F4A7C15ULL;

	return (h >> 40) & (FB_INFLIGHT_SLOTS - 1);
}

static __always_inline int fb_queue(struct fb_prefetch *p, __u64 val, __u64 page)
{
	struct fb_replay_batch *b = p->b;
	__u32 k = b->n_out;
	struct fb_inflight *e;

	__u32 rec = p->rec & (FB_REPLAY_BATCH - 1);

	/* Counters live in the map value, not on the stack: the verifier does
	 * not follow their exact values through bpf_loop callbacks. */
	if (b->nreq[rec] >= FB_MAX_REQ || k >= FB_REPLAY_OUT)
		return -ENOSPC;
	b->out[k] = val;
	b->n_out = k + 1;
	b->nreq[rec]++;
	e = &fb_inflight[fb_inflight_slot(p->pid, page)];
	e->page = page;
	e->pid = p->pid;
	e->gen = fb_gen;
	return 0;
}

/* Queue the page holding virtual address addr: 0, -ENOSPC beyond the bound. */
static __always_inline int fb_prefetch_page(struct fb_prefetch *p, __u64 addr)
{
	__u64 page = fb_page(addr);

	if (page > FB_REPLAY_PAGE_MASK)	/* not a user address: the kernel rejects it */
		return -EINVAL;
	return fb_queue(p, page, page);
}

/* Queue a swap slot of the faulting page's swap device. */
static __always_inline int fb_prefetch_slot(struct fb_prefetch *p, __u64 swap_offset)
{
	__u64 off = swap_offset & FB_REPLAY_PAGE_MASK;

	return fb_queue(p, FB_REPLAY_PHYS | off, FB_REPLAY_PHYS | off);
}

/* Group the reads for the block layer; nothing to do in replay. */
static __always_inline void fb_start_plug(struct fb_prefetch *p) { }
static __always_inline void fb_stop_plug(struct fb_prefetch *p) { }

static __always_inline bool fb_inflight_take(__u32 pid, __u64 page)
{
	struct fb_inflight *e = &fb_inflight[fb_inflight_slot(pid, page)];

	if (e->gen != fb_gen || e->page != page || e->pid != pid)
		return false;
	e->gen = 0;
	return true;
}

/* One record of the batch: its hit, its history, and on a miss its requests. */
#define FB_REPLAY_STEP							\
struct fb_loop_ctx { struct fb_replay_batch *b; };			\
									\
static int fb_replay_one(__u32 fb__i, struct fb_loop_ctx *fb__lc)	\
{									\
	struct fb_replay_batch *fb__b = fb__lc->b;			\
	struct fb_replay_rec *fb__in;					\
	struct fb_fault fb__f = {};					\
	__u64 fb__page;							\
	__u32 fb__flags;						\
	bool fb__hit;							\
									\
	if (fb__i >= FB_REPLAY_BATCH)					\
		return 1;						\
	fb__in = &fb__b->in[fb__i];					\
	fb__f.addr = fb__in->addr;					\
	fb__f.swap_offset = fb__in->swap_offset;			\
	fb__f.pid = fb__in->pid;					\
	fb__page = fb_page(fb__f.addr) & FB_REPLAY_PAGE_MASK;		\
	fb__flags = fb__in->flags;					\
	fb__hit = fb__flags & FB_REPLAY_BUFFERED;			\
	if (!fb__flags) {	/* neither buffered nor cached at batch start */ \
		fb__hit = fb_inflight_take(fb__f.pid, fb__page);	\
		if (!fb__hit && fb__f.swap_offset >= 0)			\
			fb__hit = fb_inflight_take(fb__f.pid, FB_REPLAY_PHYS | \
				(fb__f.swap_offset & FB_REPLAY_PAGE_MASK)); \
	}								\
	fb__f.hit = fb__hit;						\
	if (fb__cb.fault)						\
		fb__cb.fault(&fb__f);					\
	fb__b->nreq[fb__i] = 0;						\
	fb__b->hit[fb__i] = fb__hit;					\
	/* a swap-cache hit, prefetched or not, does not prefetch */	\
	if (!fb__hit && !(fb__flags & FB_REPLAY_CACHED)) {		\
		struct fb_prefetch fb__p = { .b = fb__b, .pid = fb__f.pid, .rec = fb__i }; \
									\
		fb__cb.prefetch(&fb__p, &fb__f);			\
	}								\
	return 0;							\
}									\
									\
/* The batch's records in order; a new generation of in-flight pages. */ \
static __always_inline void fb_replay_batch_run(struct fb_replay_batch *fb__b) \
{									\
	struct fb_loop_ctx fb__lc = { .b = fb__b };			\
	__u32 fb__n;							\
									\
	fb_gen++;							\
	if (!fb_gen)							\
		fb_gen = 1;						\
	fb__b->n_out = 0;						\
	fb__n = fb__b->n_in;						\
	if (fb__n > FB_REPLAY_BATCH)					\
		fb__n = FB_REPLAY_BATCH;				\
	bpf_loop(fb__n, fb_replay_one, &fb__lc, 0);			\
}

#ifdef FB_NATIVE

/* The policy as fbload's native engine sees it: fb_native_NAME. */
#define FB_POLICY(NAME, DESC, ...)					\
FB_DEFINE(NAME, DESC, __VA_ARGS__);					\
FB_REPLAY_STEP								\
									\
static void fb_native_reset(void)					\
{									\
	fb_native_maps_reset(&fb_native_maps);				\
	fb_native_params_reset();					\
	memset(fb_inflight, 0, sizeof(fb_inflight));			\
	fb_gen = 0;							\
}									\
									\
static int fb_native_run(struct fb_replay_batch *fb__b)		\
{									\
	fb_replay_batch_run(fb__b);					\
	return fb_native_maps.error;					\
}									\
									\
const struct fb_native_policy fb_native_##NAME = {			\
	.name = #NAME,							\
	.params = fb_native_params,					\
	.nparams = &fb_native_nparams,					\
	.maps = &fb_native_maps,					\
	.reset = fb_native_reset,					\
	.run = fb_native_run,						\
}

#else /* FB_REPLAY */

/* The batch, shared with fbload: an mmapped array of one element. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct fb_replay_batch);
} fb_batch SEC(".maps");

#define FB_POLICY(NAME, DESC, ...)					\
FB_DEFINE(NAME, DESC, __VA_ARGS__);					\
FB_REPLAY_STEP								\
									\
SEC("syscall")								\
int fb_replay(void *ctx)						\
{									\
	__u32 fb__zero = 0;						\
	struct fb_replay_batch *fb__b = bpf_map_lookup_elem(&fb_batch, &fb__zero); \
									\
	if (!fb__b)							\
		return 1;						\
	fb_replay_batch_run(fb__b);					\
	return 0;							\
}									\
char LICENSE[] SEC("license") = "GPL"

#endif /* FB_NATIVE */

/* ---------------------------------------------------------------------
 * Kernel: struct_ops fetchbpf_ops, as defined by the FetchBPF patches.
 * CO-RE relocates the context fields against the running kernel's BTF.
 * ------------------------------------------------------------------- */
#else

/*
 * struct fetchbpf_ctx and fetchbpf_ops come from bpf/vmlinux.h, dumped from
 * the patched kernel (make vmlinux-h): defined once, by the kernel.
 */
#ifndef HF_VMLINUX_FETCHBPF
#error "bpf/vmlinux.h is not from a FetchBPF kernel: run make vmlinux-h"
#endif

/* Not in the 6.12 series: the VMA, read only where the kernel has it. */
struct fetchbpf_ctx___vma {
	unsigned long vma_start;
	unsigned long vma_end;
} __attribute__((preserve_access_index));

extern int bpf_prefetch_virtual_page(struct fetchbpf_ctx *ctx, unsigned long addr) __ksym;
extern int bpf_prefetch_physical_page(struct fetchbpf_ctx *ctx,
				      unsigned long swap_offset) __ksym;
extern int bpf_start_block_plug(struct fetchbpf_ctx *ctx) __ksym;
extern int bpf_stop_block_plug(struct fetchbpf_ctx *ctx) __ksym;

/* The kernel bounds the requests per fault itself (-ENOSPC beyond). */
struct fb_prefetch {
	struct fetchbpf_ctx *ctx;
};

static __always_inline int fb_prefetch_page(struct fb_prefetch *p, __u64 addr)
{
	return bpf_prefetch_virtual_page(p->ctx, addr & ~(FB_PAGE_SIZE - 1));
}

static __always_inline int fb_prefetch_slot(struct fb_prefetch *p, __u64 swap_offset)
{
	return bpf_prefetch_physical_page(p->ctx, swap_offset);
}

static __always_inline void fb_start_plug(struct fb_prefetch *p)
{
	bpf_start_block_plug(p->ctx);
}

static __always_inline void fb_stop_plug(struct fb_prefetch *p)
{
	bpf_stop_block_plug(p->ctx);
}

/* Direct reads of the trusted context, relocated by CO-RE. */
static __always_inline void fb_fault_from(struct fb_fault *f, struct fetchbpf_ctx *ctx)
{
	struct fetchbpf_ctx___vma *v = (void *)ctx;

	f->addr = ctx->address;
	f->swap_offset = ctx->swap_offset;
	f->pid = ctx->pid;
	f->hit = ctx->prefetch_hit;
	if (bpf_core_field_exists(v->vma_start)) {
		f->vma_start = v->vma_start;
		f->vma_end = v->vma_end;
	}
}

#define FB_POLICY(NAME, DESC, ...)					\
FB_DEFINE(NAME, DESC, __VA_ARGS__);					\
_Static_assert(sizeof("bpf_" #NAME) <= sizeof(((struct fetchbpf_ops *)0)->name), \
	       "a policy name has at most 11 characters");		\
									\
SEC("struct_ops/fault")							\
void BPF_PROG(fb_fault, struct fetchbpf_ctx *fb__kctx)			\
{									\
	struct fb_fault fb__f = {};					\
									\
	fb_fault_from(&fb__f, fb__kctx);				\
	if (fb__cb.fault)						\
		fb__cb.fault(&fb__f);					\
}									\
									\
SEC("struct_ops/prefetch")						\
int BPF_PROG(fb_prefetch, struct fetchbpf_ctx *fb__kctx)		\
{									\
	struct fb_prefetch fb__p = { .ctx = fb__kctx };			\
	struct fb_fault fb__f = {};					\
									\
	fb_fault_from(&fb__f, fb__kctx);				\
	return fb__cb.prefetch(&fb__p, &fb__f);				\
}									\
									\
SEC("struct_ops/init")							\
int BPF_PROG(fb_init)							\
{									\
	return 0;							\
}									\
									\
SEC("struct_ops/exit")							\
void BPF_PROG(fb_exit)							\
{									\
}									\
									\
SEC(".struct_ops")							\
struct fetchbpf_ops fb_ops = {						\
	.fault = (void *)fb_fault,					\
	.prefetch = (void *)fb_prefetch,				\
	.init = (void *)fb_init,					\
	.exit = (void *)fb_exit,					\
	.name = "bpf_" #NAME,	/* apart from native policies */	\
};									\
char LICENSE[] SEC("license") = "GPL"

#endif /* FB_REPLAY || FB_NATIVE */

#endif /* HF_POLICY_GLUE_H */
