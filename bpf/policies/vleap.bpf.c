// SPDX-License-Identifier: GPL-2.0
/*
 * vleap: Leap's majority trend (Al Maruf and Chowdhury, "Effectively
 * Prefetching Remote Memory with Leap", USENIX ATC'20) per process and in
 * virtual addresses, where the published leap (leap.bpf.c) keeps one
 * system-wide history of swap offsets and falls back to cluster
 * readahead. Kept to measure whether the variant earns its keep.
 *
 * Per process, a ring of the last `history` fault-address deltas (in
 * pages). On a miss:
 *
 *  1. FindTrend: Boyer-Moore majority vote over the most recent
 *     history/split deltas; without a strict majority (more than half),
 *     the window doubles (8, 16, ...) up to the whole history. The first
 *     majority delta found is the trend; none found: no trend.
 *  2. Window size: with Ch prefetch hits since the last miss,
 *       Ch == 0: 1 if this fault's delta equals the trend, else 0
 *       Ch >  0: Ch + 1 rounded up to a power of two
 *     clamped to max_window, and never below half the previous window
 *     (smooth shrinking).
 *  3. With a trend and a window W > 0, prefetch the W pages
 *     addr + trend, addr + 2*trend, ..., addr + W*trend.
 *     No trend: nothing extra.
 *
 * Parameters:
 *   history	deltas kept per process (default 32, max 32)
 *   split	initial vote window = history / split (default 8: 4 deltas)
 *   max_window	most pages prefetched on one miss (default 32, max 32: the kernel's bound per fault)
 */
#include "vmlinux.h"
#include "policy.h"

#define LEAP_HIST_MAX 32	/* a power of two */

const volatile __u32 history = 32;
const volatile __u32 split = 8;
const volatile __u32 max_window = 32;

#define LEAP_WINDOWS 6		/* 1, 2, 4, 8, 16, 32 deltas */

/* FindTrend's scratch: in the map value, where the verifier does not
 * follow every value through the loops (see policy.h). */
struct leap_vote {
	__s64 cand;
	__u32 n[LEAP_WINDOWS];		/* deltas in each window */
	__u32 votes;
	__u32 count;			/* occurrences of cand in the window */
	__u32 k;			/* the window being voted on */
};

struct leap_state {
	__s64 delta[LEAP_HIST_MAX];	/* ring of deltas, in pages */
	__u64 last_page;
	__s64 last_delta;
	__u32 head;			/* next slot to write */
	__u32 count;			/* valid deltas, <= history */
	__u32 hits;			/* prefetch hits since the last miss */
	__u32 prev_window;
	__u32 seen;			/* last_page is valid */
	struct leap_vote vote;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct leap_state);
} vleap_states SEC(".maps");

static const struct leap_state leap_zero;

static __always_inline __u32 leap_history(void)
{
	return history < 1 ? 1 : history > LEAP_HIST_MAX ? LEAP_HIST_MAX : history;
}

static __always_inline void leap_fault(const struct fb_fault *f)
{
	struct leap_state *s = fb_state(&vleap_states, f->pid, &leap_zero);
	__u64 page = fb_page(f->addr);

	if (!s)
		return;
	if (f->hit)
		s->hits++;
	if (s->seen) {
		s->last_delta = (__s64)(page - s->last_page);
		s->delta[s->head & (LEAP_HIST_MAX - 1)] = s->last_delta;
		s->head = (s->head + 1) & (LEAP_HIST_MAX - 1);
		if (s->count < leap_history())
			s->count++;
	}
	s->last_page = page;
	s->seen = 1;
}

/*
 * FindTrend. The vote windows all start at the newest delta, so a single
 * Boyer-Moore scan serves them all: when the scan reaches the end of a
 * window, its candidate is counted over that window; a strict majority is
 * the trend, otherwise the scan goes on into the next (doubled) window.
 */
/* One step of counting the candidate over a window (a bpf_loop callback). */
static int leap_count_step(__u32 i, struct leap_state **sp)
{
	struct leap_state *s = *sp;
	volatile struct leap_vote *v = &s->vote;

	if (s->delta[(s->head - 1 - i) & (LEAP_HIST_MAX - 1)] == v->cand)
		v->count++;
	return 0;
}

static __always_inline bool leap_find_trend(struct leap_state *s, __s64 *trend)
{
	__u32 hist = leap_history(), w = hist / (split ? split : 1), count = s->count;
	volatile struct leap_vote *v = &s->vote;	/* in memory, never a constant */
	__u32 nw = 0;

	if (w < 1)
		w = 1;
	/* Window sizes: w, 2w, ... up to the history, each cut to the deltas there are. */
	for (int k = 0; k < LEAP_WINDOWS; k++) {
		v->n[k] = w < count ? w : count;
		if (nw == k && v->n[k]) {
			nw = k + 1;
			if (w >= hist || v->n[k] == count)
				break;
		}
		w *= 2;
		if (w > hist)
			w = hist;
	}
	if (!nw)
		return false;
	/* One Boyer-Moore scan; at the end of each window, count its candidate. */
	v->votes = 0;
	v->k = 0;
	for (__u32 j = 0; j < LEAP_HIST_MAX; j++) {
		__s64 d = s->delta[(s->head - 1 - j) & (LEAP_HIST_MAX - 1)];
		__u32 k = v->k;

		if (k >= nw || k >= LEAP_WINDOWS)
			break;
		if (v->votes == 0) {
			v->cand = d;
			v->votes = 1;
		} else if (d == v->cand) {
			v->votes++;
		} else {
			v->votes--;
		}
		if (j + 1 != v->n[k])
			continue;
		/* No votes left: no majority (Boyer-Moore), nothing to count. */
		v->count = 0;
		if (v->votes)
			bpf_loop(j + 1, leap_count_step, &s, 0);
		if (2 * v->count > j + 1) {
			*trend = v->cand;
			return true;
		}
		v->k = k + 1;
	}
	return false;
}

static __always_inline __u32 leap_window(struct leap_state *s, bool has_trend, __s64 trend)
{
	__u32 limit = max_window > FB_MAX_REQ ? FB_MAX_REQ : max_window;
	__u32 w;

	if (s->hits == 0) {
		w = has_trend && s->count && s->last_delta == trend ? 1 : 0;
	} else {
		w = 1;
		while (w < s->hits + 1 && w < FB_MAX_REQ)
			w <<= 1;
	}
	if (w > limit)
		w = limit;
	if (w < s->prev_window / 2)
		w = s->prev_window / 2;
	s->prev_window = w;
	s->hits = 0;
	return w;
}

static __always_inline int leap_prefetch(struct fb_prefetch *p, const struct fb_fault *f)
{
	struct leap_state *s = bpf_map_lookup_elem(&vleap_states, &f->pid);
	__s64 trend = 0;
	bool has_trend;
	__u32 w;

	if (!s)
		return FB_DONE;
	has_trend = leap_find_trend(s, &trend);
	w = leap_window(s, has_trend, trend);
	if (!has_trend || trend == 0)
		return FB_DONE;
	fb_start_plug(p);
	fb_prefetch_run(p, f->addr, trend, w);
	fb_stop_plug(p);
	return FB_DONE;
}

FB_POLICY(vleap, "Leap's trend per process, in virtual pages, no fallback",
	  .fault = leap_fault, .prefetch = leap_prefetch);
