// SPDX-License-Identifier: GPL-2.0
/*
 * leap: Leap's majority-trend prefetcher (Al Maruf and Chowdhury,
 * "Effectively Prefetching Remote Memory with Leap", USENIX ATC'20).
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
 *   max_window	most pages prefetched on one miss (default 32, max 64)
 */
#include "vmlinux.h"
#include "policy.h"

#define LEAP_HIST_MAX 32	/* a power of two */

const volatile __u32 history = 32;
const volatile __u32 split = 8;
const volatile __u32 max_window = 32;

struct leap_state {
	__s64 delta[LEAP_HIST_MAX];	/* ring of deltas, in pages */
	__u64 last_page;
	__s64 last_delta;
	__u32 head;			/* next slot to write */
	__u32 count;			/* valid deltas, <= history */
	__u32 hits;			/* prefetch hits since the last miss */
	__u32 prev_window;
	__u32 seen;			/* last_page is valid */
	/* scratch of the vote, here rather than on the stack (see policy.h) */
	__s64 vote_cand;
	__u32 vote_votes;
	__u32 vote_count;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct leap_state);
} leap_states SEC(".maps");

static const struct leap_state leap_zero;

static __always_inline __u32 leap_history(void)
{
	return history < 1 ? 1 : history > LEAP_HIST_MAX ? LEAP_HIST_MAX : history;
}

static __always_inline void leap_fault(const struct fb_fault *f)
{
	struct leap_state *s = fb_state(&leap_states, f->pid, &leap_zero);
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

/* Boyer-Moore majority vote, one bpf_loop step per delta, newest first. */
static int leap_vote_step(__u32 j, struct leap_state **sp)
{
	struct leap_state *s = *sp;
	__s64 d = s->delta[(s->head - 1 - j) & (LEAP_HIST_MAX - 1)];

	if (s->vote_votes == 0) {
		s->vote_cand = d;
		s->vote_votes = 1;
	} else if (d == s->vote_cand) {
		s->vote_votes++;
	} else {
		s->vote_votes--;
	}
	return 0;
}

static int leap_count_step(__u32 j, struct leap_state **sp)
{
	struct leap_state *s = *sp;

	s->vote_count += s->delta[(s->head - 1 - j) & (LEAP_HIST_MAX - 1)] == s->vote_cand;
	return 0;
}

/* The majority delta of the n most recent deltas, if there is one. */
static __always_inline bool leap_majority(struct leap_state *s, __u32 n, __s64 *out)
{
	s->vote_votes = 0;
	s->vote_count = 0;
	bpf_loop(n, leap_vote_step, &s, 0);
	if (s->vote_votes == 0)
		return false;
	bpf_loop(n, leap_count_step, &s, 0);
	if (2 * s->vote_count <= n)
		return false;
	*out = s->vote_cand;
	return true;
}

static __always_inline bool leap_find_trend(struct leap_state *s, __s64 *trend)
{
	__u32 hist = leap_history();
	__u32 w = hist / (split ? split : 1);

	if (w < 1)
		w = 1;
	for (int k = 0; k < 6; k++) {		/* 1, 2, 4, ... 32 */
		__u32 n = w < s->count ? w : s->count;

		if (n && leap_majority(s, n, trend))
			return true;
		if (w >= hist || n == s->count)
			return false;
		w *= 2;
		if (w > hist)
			w = hist;
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
	struct leap_state *s = bpf_map_lookup_elem(&leap_states, &f->pid);
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

FB_POLICY(leap, leap_fault, leap_prefetch);
