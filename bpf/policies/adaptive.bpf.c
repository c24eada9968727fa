// SPDX-License-Identifier: GPL-2.0
/*
 * adaptive: swap-slot readahead whose floor is earned by its own hits, nothing on random access.
 *
 * Per process, in swap-slot space (virtual pages when the trace has no
 * slots). On a miss it reads a window of W slots: along the process's
 * stride when its last two deltas agree and are at most 64 slots (the
 * round robin of streams far apart is no stride), else the aligned block
 * around the faulting slot. W follows the kernel's rule (__swapin_nr_pages():
 * the hits since the last miss plus two, rounded up to a power of two of
 * at least 4, at most max_window, never below half the previous window),
 * but a miss with no hit since the last one reads min_window slots only
 * when the process's prefetches have paid off lately (prefetch hits over
 * pages requested, both halved whenever the requests pass 64, at least
 * threshold / 1024) or the miss is next to the previous one; otherwise
 * it reads nothing. Slots faulted in the last `recent` faults (a
 * direct-mapped table of 16,384 entries) are not requested again: their
 * pages are mapped now, the swap cache holds them or the slot is free.
 *
 * Why it wins where Leap and readahead lose (the corpus of real programs,
 * tests/fixtures/corpus, replayed natively; tests/unit/fbload-corpus.sh):
 *  - Leap reads at least 4 slots on every miss, whatever they earned: 3
 *    wasted pages per fault on random access (59,517 pages for 20,000
 *    random faults), and accuracy lost wherever misses are partly random.
 *    Here the floor is earned by measured hits and lost once a few
 *    windows go unused, so a random permutation reads next to nothing
 *    (11 pages for 20,000 faults), while on the corpus its windows are as
 *    wide as Leap's: coverage 0.53 to 0.85 against Leap's 0.49 to 0.81.
 *  - Per process, a stride of slots is followed forward instead of the
 *    block around the fault, and the history is the process's own, so
 *    other processes' faults do not blur it (Leap's is system-wide).
 *  - The kernel's readahead by virtual address (replay's readahead) does
 *    not see the locality swap has and addresses lack: pages evicted
 *    together get neighbouring slots and come back together (a heap
 *    walked in another order than it was laid out, a hash, a B-tree),
 *    and its window falls to nothing after one miss without hits. On the
 *    corpus it covers 0.21 to 0.59; this policy 0.53 to 0.85, at an
 *    accuracy no more than 0.006 below readahead's (sort: 0.988 against
 *    0.994, within the bar of 0.01) and up to 0.13 above it (python).
 *  - Slots faulted in the last 32 faults are not requested again (their
 *    pages are mapped; replay's resident model would reject most of them
 *    anyway, the kernel would read nothing): fewer wasted requests in the
 *    kernel, where a request costs a swap-cache lookup even when it reads
 *    nothing.
 * Where it is weakest: cc1's arenas (accuracy 0.56, as readahead's and
 * Leap's), and 12 to 35 % of the oracle's coverage is still unclaimed.
 *
 * Parameters:
 *   max_window	largest window, in pages (default 8, 1 to 33)
 *   min_window	window of a miss with no hit while prefetches pay off
 *		(default 8, 1 to 33)
 *   threshold	hit share, in 1/1024, that earns min_window (default 64)
 *   recent	faults for which a faulted slot is not requested (default 32)
 */
#include "vmlinux.h"
#include "policy.h"

FB_PARAM(__u32, max_window, 8, 1, FB_MAX_REQ + 1);
FB_PARAM(__u32, min_window, 8, 1, FB_MAX_REQ + 1);
FB_PARAM(__u32, threshold, 64, 0, 1024);
FB_PARAM(__u32, recent, 32, 0, 0xffffffff);

struct ad_state {
	__s64 last;		/* key (slot, or page) of the latest fault */
	__s64 delta;		/* its delta from the one before */
	__s64 prev_miss;	/* key of the latest miss */
	__u32 agree;		/* faults in a row with the same delta */
	__u32 hits;		/* prefetch hits since the latest miss */
	__u32 win;		/* the latest miss's window */
	__u32 asked, paid;	/* pages requested and prefetch hits, halved past 64 */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct ad_state);
} ad_states SEC(".maps");

static const struct ad_state ad_zero;

/*
 * Slots (or pages) faulted in the last `recent` faults, in a
 * direct-mapped table: requesting one again would read a page that is
 * mapped now (the kernel finds it in the swap cache, or the slot freed),
 * so the windows skip them.
 */
#define AD_SEEN 16384	/* a power of two */
#define AD_STRIDE 64	/* the largest stride followed, in slots or pages */

struct ad_seen {
	__u64 key;	/* slot, or page and process; + 1, 0: empty */
	__u64 clock;	/* fault count when it was faulted */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, AD_SEEN);
	__type(key, __u32);
	__type(value, struct ad_seen);
} ad_seen SEC(".maps");

FB_GLOBAL(__u64, ad_clock);

static __always_inline __u64 ad_seen_key(__s64 key, __u32 pid, bool slots)
{
	return (slots ? (__u64)key : (__u64)key ^ ((__u64)pid << 45)) + 1;
}

static __always_inline struct ad_seen *ad_seen_slot(__u64 k)
{
	__u32 i = ((k * 0x9E3779B97F4A7C15ULL) >> 40) & (AD_SEEN - 1);

	return bpf_map_lookup_elem(&ad_seen, &i);
}

/* The swap slot, or the virtual page where the trace has no slot. */
static __always_inline __s64 ad_key(const struct fb_fault *f)
{
	return f->swap_offset >= 0 ? f->swap_offset : (__s64)fb_page(f->addr);
}

static __always_inline void ad_fault(const struct fb_fault *f)
{
	struct ad_state *s = fb_state(&ad_states, f->pid, &ad_zero);
	__s64 key = ad_key(f), d;

	__u64 seen = ad_seen_key(key, f->pid, f->swap_offset >= 0), *now = ad_clock_get();
	struct ad_seen *e = ad_seen_slot(seen);

	if (now) {
		*now += 1;
		if (e) {
			e->key = seen;
			e->clock = *now;
		}
	}
	if (!s)
		return;
	d = key - s->last;
	if (d && d == s->delta) {
		if (s->agree < 255)
			s->agree++;
	} else {
		s->agree = 0;
	}
	s->delta = d;
	s->last = key;
	if (f->hit && s->hits < 0xffff) {
		s->hits++;
		s->paid++;
	}
}

/* The kernel's __swapin_nr_pages(), with a floor the process earned. */
static __always_inline __u32 ad_window(struct ad_state *s, __s64 key)
{
	__u32 hi = max_window > FB_MAX_REQ + 1 ? FB_MAX_REQ + 1 : max_window;
	__u32 pages = s->hits + 2;
	__s64 d = key - s->prev_miss;

	if (pages == 2) {
		/* no hit: the floor if earned or the miss is next to the last */
		if (d == 1 || d == -1 || (__u64)s->paid * 1024 >= (__u64)s->asked * threshold)
			pages = min_window;
		else
			pages = 1;
	} else {
		__u32 up = 4;

		for (int k = 0; k < 6 && up < pages; k++)
			up <<= 1;
		pages = up;
	}
	if (pages > hi)
		pages = hi;
	if (pages < s->win / 2)
		pages = s->win / 2;
	s->win = pages;
	s->hits = 0;
	return pages;
}

/* Queue slots (or virtual pages) base + i * step, i < n, but skip. */
struct ad_run {
	struct fb_prefetch *p;
	__s64 base, step, skip;
	__u64 now;
	__u32 asked;
	__u32 pid;
	bool slots;
};

static int ad_run_step(__u32 i, struct ad_run *r)
{
	__s64 key = r->base + (__s64)i * r->step;
	int err;

	__u64 seen = ad_seen_key(key, r->pid, r->slots);
	struct ad_seen *e;

	if (key <= 0 || key == r->skip)
		return 0;
	e = ad_seen_slot(seen);
	if (e && e->key == seen && r->now - e->clock < recent)
		return 0;
	if (r->slots)
		err = fb_prefetch_slot(r->p, key);
	else
		err = fb_prefetch_page(r->p, (__u64)key << FB_PAGE_SHIFT);
	if (err == -ENOSPC)
		return 1;
	if (!err)
		r->asked++;
	return 0;
}

static __always_inline int ad_prefetch(struct fb_prefetch *p, const struct fb_fault *f)
{
	struct ad_state *s = fb_state(&ad_states, f->pid, &ad_zero);
	__s64 key = ad_key(f);
	struct ad_run r = { .p = p, .skip = key, .pid = f->pid, .slots = f->swap_offset >= 0 };
	__u32 w;

	__u64 *now = ad_clock_get();

	if (!s || !now)
		return FB_DONE;
	r.now = *now;
	w = ad_window(s, key);
	s->prev_miss = key;
	if (w > 1) {
		fb_start_plug(p);
		if (s->agree && s->delta && s->delta <= AD_STRIDE && s->delta >= -AD_STRIDE) {
			r.base = key;		/* w - 1 along the stride */
			r.step = s->delta;
		} else {
			r.base = key - (__s64)((__u64)key % w);	/* the aligned block */
			r.step = 1;
		}
		bpf_loop(w, ad_run_step, &r, 0);
		fb_stop_plug(p);
	}
	s->asked += r.asked;
	if (s->asked > 64) {
		s->asked /= 2;
		s->paid /= 2;
	}
	return FB_DONE;
}

FB_POLICY(adaptive, "swap-slot readahead whose floor is earned by its own hits, nothing on random access",
	  .fault = ad_fault, .prefetch = ad_prefetch);
