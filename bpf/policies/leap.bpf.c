// SPDX-License-Identifier: GPL-2.0
/*
 * leap: Leap (Al Maruf and Chowdhury, "Effectively Prefetching Remote
 * Memory with Leap", USENIX ATC'20) as published (SymbioticLab/Leap,
 * mm/swap_state.c), the same algorithm as the kernel's native "leap":
 *
 *  - History: one system-wide ring of the swap offsets of the last 32
 *    swap-in faults and of their deltas.
 *  - FindTrend: a Boyer-Moore majority vote over the newest 8 deltas;
 *    without a strict majority the window doubles, up to all 32.
 *  - The window, as Leap's swapin_nr_pages(): the prefetch hits since the
 *    last miss plus 2, rounded up to a power of two of at least 4, at most
 *    max_window (the kernel's 1 << page_cluster: 8 by default), never
 *    below half the previous window.
 *  - With a trend, window - 1 slots along it from the faulting one.
 *    Without, cluster readahead: the window-aligned block of slots around
 *    the faulting one.
 *
 * Traces of stock kernels carry no swap offsets: replay then runs the
 * same algorithm on virtual page numbers. Concurrent faults update the
 * history without a lock (the native policy takes one): a lost update
 * only blurs the history.
 *
 * Parameters:
 *   max_window	the largest window, in pages (default 8, 1 to 33)
 */
#include "vmlinux.h"
#include "policy.h"

#define LEAP_HISTORY 32U	/* Leap's init_swap_trend(32), a power of two */

FB_PARAM(__u32, max_window, 8, 1, FB_MAX_REQ + 1);

struct leap_state {
	__s64 offset[LEAP_HISTORY];
	__s64 delta[LEAP_HISTORY];
	__u32 head;		/* next slot to write */
	__u32 size;		/* valid entries */
	__u32 hits;		/* prefetch hits since the last miss */
	__u32 last_window;
	/* FindTrend's scratch, in memory where the verifier does not
	 * follow every value through the loops (see policy.h) */
	__s64 cand;
	__u32 maj, count;
};

FB_GLOBAL(struct leap_state, leap_state);

/* The swap slot, or the virtual page where the trace has no slot. */
static __always_inline __s64 leap_key(const struct fb_fault *f)
{
	return f->swap_offset >= 0 ? f->swap_offset : (__s64)fb_page(f->addr);
}

/* The i-th newest entry of the ring, from 0. */
static __always_inline __u32 leap_prev(const struct leap_state *s, __u32 i)
{
	return (s->head - 1 - i) & (LEAP_HISTORY - 1);
}

static __always_inline void leap_fault(const struct fb_fault *f)
{
	struct leap_state *s = leap_state_get();
	__s64 key = leap_key(f);

	if (!s)
		return;
	s->delta[s->head & (LEAP_HISTORY - 1)] =
		s->size ? key - s->offset[leap_prev(s, 0)] : 0;
	s->offset[s->head & (LEAP_HISTORY - 1)] = key;
	s->head = (s->head + 1) & (LEAP_HISTORY - 1);
	if (s->size < LEAP_HISTORY)
		s->size++;
	if (f->hit)
		s->hits++;
}

/*
 * Leap's find_trend_in_region(): a majority of the newest size deltas.
 * bpf_loop() steps, so that the verifier checks one step, not each one.
 */
struct leap_scan {
	struct leap_state *s;
};

static int leap_vote_step(__u32 i, struct leap_scan *c)
{
	struct leap_state *s = c->s;
	volatile struct leap_state *v = s;

	if (s->delta[leap_prev(s, v->maj)] == s->delta[leap_prev(s, i + 1)]) {
		v->count++;
	} else if (--v->count == 0) {
		v->maj = i + 1;
		v->count = 1;
	}
	return 0;
}

static int leap_count_step(__u32 i, struct leap_scan *c)
{
	struct leap_state *s = c->s;
	volatile struct leap_state *v = s;

	if (s->delta[leap_prev(s, i)] == v->cand)
		v->count++;
	return 0;
}

static __always_inline bool leap_trend_in(struct leap_state *s, __u32 size)
{
	volatile struct leap_state *v = s;
	struct leap_scan c = { .s = s };

	v->maj = 0;
	v->count = 1;
	bpf_loop(size - 1, leap_vote_step, &c, 0);
	v->cand = s->delta[leap_prev(s, v->maj)];
	v->count = 0;
	bpf_loop(size, leap_count_step, &c, 0);
	return v->count > size / 2;
}

/* Leap's swapin_nr_pages(). */
static __always_inline __u32 leap_window(struct leap_state *s)
{
	__u32 limit = max_window > FB_MAX_REQ + 1 ? FB_MAX_REQ + 1 : max_window;
	__u32 want = s->hits + 2, pages = 4;

	s->hits = 0;
	if (limit <= 1)
		return 1;
	while (pages < want && pages < FB_MAX_REQ + 1)
		pages <<= 1;
	if (pages > limit)
		pages = limit;
	if (pages < s->last_window / 2)
		pages = s->last_window / 2;
	s->last_window = pages;
	return pages;
}

/* Queue slots (or virtual pages) base + i * step, i < n, but skip. */
struct leap_run {
	struct fb_prefetch *p;
	__s64 base, step, skip;
	bool slots;
};

static int leap_run_step(__u32 i, struct leap_run *r)
{
	__s64 key = r->base + (__s64)i * r->step;

	if (key <= 0 || key == r->skip)
		return 0;
	if (r->slots)
		return fb_prefetch_slot(r->p, key) == -ENOSPC;
	return fb_prefetch_page(r->p, (__u64)key << FB_PAGE_SHIFT) == -ENOSPC;
}

static __always_inline int leap_prefetch(struct fb_prefetch *p, const struct fb_fault *f)
{
	struct leap_state *s = leap_state_get();
	__s64 key = leap_key(f);
	struct leap_run r = { .p = p, .skip = key, .slots = f->swap_offset >= 0 };
	__u32 window;

	if (!s)
		return FB_DONE;
	window = leap_window(s);
	fb_start_plug(p);
	if (leap_trend_in(s, LEAP_HISTORY / 4) || leap_trend_in(s, LEAP_HISTORY / 2) ||
	    leap_trend_in(s, LEAP_HISTORY)) {
		r.base = key;		/* window - 1 slots along the trend */
		r.step = s->cand;
		if (r.step)
			bpf_loop(window, leap_run_step, &r, 0);
	} else if (window > 1) {
		r.base = key & ~(__s64)(window - 1);	/* the aligned cluster */
		r.step = 1;
		bpf_loop(window, leap_run_step, &r, 0);
	}
	fb_stop_plug(p);
	return FB_DONE;
}

FB_POLICY(leap, "Leap as published: swap-offset trend, else cluster readahead",
	  .fault = leap_fault, .prefetch = leap_prefetch);
