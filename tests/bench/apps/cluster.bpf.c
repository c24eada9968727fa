// SPDX-License-Identifier: GPL-2.0
/*
 * cluster: the kernel's swap CLUSTER readahead (mm/swap_state.c,
 * swap_cluster_readahead() and swapin_nr_pages()), which 6.12 uses
 * instead of VMA readahead whenever any swap device is rotational (a
 * virtio disk in qemu, a swap file on this machine's disk): a window of
 * swapin_nr_pages() pages, aligned, around the faulting SWAP SLOT. The
 * state is global, as in the kernel: one prev_offset, one hit counter and
 * one last window for every process. Needs traces with swap offsets
 * (fbtrace on the patched kernel). A research prototype for
 * tests/bench/vm-apps.sh, not a built-in policy.
 */
#include "vmlinux.h"
#include "policy.h"

const volatile __u32 page_cluster = 3;

struct cl_state {
	__u64 prev_offset;
	__u64 start;		/* the window being read */
	__u64 off;
	__u32 hits;
	__u32 last_ra;
};

FB_GLOBAL(struct cl_state, cl_state);

static __always_inline void cl_fault(const struct fb_fault *f)
{
	struct cl_state *cl = cl_state_get();

	if (cl && f->hit)
		cl->hits++;
}

static int cl_step(__u32 i, struct fb_prefetch *p)
{
	struct cl_state *cl = cl_state_get();
	__u64 o;

	if (!cl)
		return 1;
	o = cl->start + i;
	if (o != cl->off)
		fb_prefetch_slot(p, o);
	return 0;
}

static __always_inline int cl_prefetch(struct fb_prefetch *p, const struct fb_fault *f)
{
	__u32 max_pages = 1U << (page_cluster > 5 ? 5 : page_cluster), hits, pages;
	__u64 off = f->swap_offset, mask;
	struct cl_state *cl = cl_state_get();

	if (!cl || f->swap_offset < 0 || max_pages <= 1)
		return FB_DONE;
	hits = cl->hits;
	cl->hits = 0;
	pages = hits + 2;
	if (pages == 2) {
		if (off != cl->prev_offset + 1 && off != cl->prev_offset - 1)
			pages = 1;
	} else {
		__u32 r = 4;

		for (int k = 0; k < 8 && r < pages; k++)
			r <<= 1;
		pages = r;
	}
	if (pages > max_pages)
		pages = max_pages;
	if (pages < cl->last_ra / 2)
		pages = cl->last_ra / 2;
	if (!hits)
		cl->prev_offset = off;
	cl->last_ra = pages;
	mask = pages - 1;
	if (!mask)
		return FB_DONE;
	cl->start = off & ~mask;
	if (!cl->start)
		cl->start = 1;		/* the swap header */
	cl->off = off;
	bpf_loop((off | mask) - cl->start + 1 > 32 ? 32 : (off | mask) - cl->start + 1, cl_step, p, 0);
	return FB_DONE;
}

FB_POLICY(cluster, "the kernel's cluster readahead by swap slot (a model)",
	  .fault = cl_fault, .prefetch = cl_prefetch);
