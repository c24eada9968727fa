// SPDX-License-Identifier: GPL-2.0
/*
 * readahead: the kernel's VMA-based swap readahead (mm/swap_state.c,
 * swap_vma_readahead() with swap_ra_info() and __swapin_nr_pages()),
 * re-expressed as a policy so it is compared on equal terms.
 *
 * On a miss at page F, with P the page of the previous readahead, H the
 * readahead hits since then and W the previous window:
 *   pages = H + 2; if H == 0, pages = 2 only when F is adjacent to P
 *   (F == P +- 1), else 1; otherwise pages rounds up to a power of two
 *   >= 4; pages = min(pages, 2^page_cluster), never below W / 2.
 * A window of 1 reads nothing extra. Otherwise the window is placed
 * forward (F == P + 1: F .. F+pages-1), backward (P == F + 1) or around
 * F (pages-1)/2 pages behind, and clamped to the faulting page's PMD
 * (2 MiB) and to its VMA. Every page of the window but F is requested.
 *
 * Replay knows no VMAs: the window is clamped to the PMD only, the state
 * is kept per process instead of per VMA, and pages the kernel would skip
 * because they are not swapped out (still mapped) are requested anyway.
 *
 * Parameters:
 *   page_cluster	log2 of the largest window (default 3, as
 *			/proc/sys/vm/page-cluster; capped at 5 like the kernel)
 */
#include "vmlinux.h"
#include "policy.h"

#define RA_ORDER_CEILING 5

FB_PARAM(__u32, page_cluster, 3, 0, RA_ORDER_CEILING);

struct ra_state {
	__u64 prev_page;	/* SWAP_RA_ADDR */
	__u32 win;		/* SWAP_RA_WIN */
	__u32 hits;		/* SWAP_RA_HITS */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct ra_state);
} ra_states SEC(".maps");

static const struct ra_state ra_zero;

static __always_inline void ra_fault(const struct fb_fault *f)
{
	struct ra_state *s;

	if (!f->hit)
		return;
	s = fb_state(&ra_states, f->pid, &ra_zero);
	if (s)
		s->hits++;
}

static __always_inline __u32 ra_nr_pages(__u64 prev, __u64 cur, __u32 hits,
					 __u32 max_pages, __u32 prev_win)
{
	__u32 pages = hits + 2, last_ra;

	if (pages == 2) {
		if (cur != prev + 1 && cur != prev - 1)
			pages = 1;
	} else {
		__u32 roundup = 4;

		for (int k = 0; k < 32 && roundup < pages; k++)
			roundup <<= 1;
		pages = roundup;
	}
	if (pages > max_pages)
		pages = max_pages;
	last_ra = prev_win / 2;
	if (pages < last_ra)
		pages = last_ra;
	return pages;
}

static __always_inline int ra_prefetch(struct fb_prefetch *p, const struct fb_fault *f)
{
	struct ra_state *s = fb_state(&ra_states, f->pid, &ra_zero);
	__u32 order = page_cluster < RA_ORDER_CEILING ? page_cluster : RA_ORDER_CEILING;
	__u32 max_win = 1U << order, win, left;
	__u64 fpfn = fb_page(f->addr), pfn, lpfn, rpfn, start, end, pmd;

	if (!s || max_win == 1)
		return FB_DONE;
	pfn = s->prev_page;
	win = ra_nr_pages(pfn, fpfn, s->hits, max_win, s->win);
	s->prev_page = fpfn;
	s->win = win;
	s->hits = 0;
	if (win == 1)
		return FB_DONE;

	if (fpfn == pfn + 1) {
		lpfn = fpfn;
		rpfn = fpfn + win;
	} else if (pfn == fpfn + 1) {
		lpfn = fpfn - win + 1;
		rpfn = fpfn + 1;
	} else {
		left = (win - 1) / 2;
		lpfn = fpfn - left;
		rpfn = fpfn + win - left;
	}
	pmd = fpfn & ~((1ULL << (FB_PMD_SHIFT - FB_PAGE_SHIFT)) - 1);
	start = lpfn > pmd ? lpfn : pmd;
	end = rpfn < pmd + (1ULL << (FB_PMD_SHIFT - FB_PAGE_SHIFT)) ?
	      rpfn : pmd + (1ULL << (FB_PMD_SHIFT - FB_PAGE_SHIFT));
	if (f->vma_end > f->vma_start) {
		if (start < fb_page(f->vma_start))
			start = fb_page(f->vma_start);
		if (end > fb_page(f->vma_end))
			end = fb_page(f->vma_end);
	}
	fb_start_plug(p);
	if (start < fpfn)		/* start .. fpfn-1 */
		fb_prefetch_run(p, (start - 1) << FB_PAGE_SHIFT, 1, fpfn - start);
	if (end > fpfn + 1)		/* fpfn+1 .. end-1 */
		fb_prefetch_run(p, f->addr, 1, end - fpfn - 1);
	fb_stop_plug(p);
	return FB_DONE;
}

FB_POLICY(readahead, "the kernel's VMA-based swap readahead, as a policy",
	  .fault = ra_fault, .prefetch = ra_prefetch);
