// SPDX-License-Identifier: GPL-2.0
/*
 * streams: several concurrent streams per process, like a CPU's stream
 * prefetcher, with readahead's locality when no stream is confident.
 *
 * Each process has a table of STREAMS_N streams: the last page, a stride
 * (in pages, either direction), a confidence and the prefetch hits since
 * the stream's last miss. Every fault (hit or miss) joins a stream: first
 * one whose next page (last + stride) is this page, else the one whose
 * last page is nearest within max_distance pages, else it replaces the
 * least recently used stream. The same delta again raises the stream's
 * confidence; another delta becomes its stride with confidence 0 (a hit
 * on a page the stream itself prefetched keeps its confidence).
 *
 * On a miss in a stream with confidence >= confidence, the stream
 * prefetches along its stride. Its window follows Leap's rule: hits since
 * the stream's last miss, plus one, rounded up to a power of two, at least
 * min_window, at most degree, never below half the previous window.
 *
 * No confident stream: when locality shows (see streams_locality()), the
 * policy returns FB_FALLBACK and the kernel does its own readahead around
 * the fault (cluster readahead by swap slot when
 * a swap device is rotational, as a virtio disk is; VMA readahead
 * otherwise), so that locality the stream table cannot see (pages evicted
 * together) is still caught. Replay cannot run the kernel's readahead: its
 * prediction for this policy covers the streams' prefetches only.
 *
 * The defaults favour accuracy (tuned on the traces of make vm-bench-apps:
 * two repeats before a stream prefetches, short windows, streams at most
 * 16 pages apart).
 *
 * Parameters:
 *   degree		most pages along a stream per miss (default 16, 0 to 32)
 *   min_window		pages along a newly confident stream (default 4, 1 to 32)
 *   confidence		repeats of a stride before prefetching (default 2, 0 to 255)
 *   max_distance	largest jump, in pages, still in a stream (default 16)
 */
#include "vmlinux.h"
#include "policy.h"

#define STREAMS_N 8	/* a power of two: the scan masks its index */

FB_PARAM(__u32, degree, 16, 0, FB_MAX_REQ);
FB_PARAM(__u32, min_window, 4, 1, FB_MAX_REQ);
FB_PARAM(__u32, confidence, 2, 0, 255);
FB_PARAM(__u32, max_distance, 16, 0, 0xffffffff);

struct streams_stream {
	__u64 last;		/* page of its latest fault */
	__s64 stride;		/* pages */
	__u32 conf;
	__u32 used;		/* clock of its latest fault; 0: free */
	__u32 hits;		/* prefetch hits since its last miss */
	__u32 win;		/* its previous window */
};

struct streams_state {
	struct streams_stream s[STREAMS_N];
	__u32 clock;
	__u32 cur;		/* the stream of the latest fault */
	__s64 last_off;		/* swap slot of the latest miss */
	__u32 lhits;		/* hits since then no stream predicted */
	/* the scan of the streams, kept here rather than on the stack so the
	 * verifier checks one step of it (see policy.h) */
	__u64 page, best_d;
	__u32 best, next, lru, lru_used;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct streams_state);
} streams_states SEC(".maps");

static const struct streams_state streams_zero;

struct streams_scan {
	struct streams_state *st;
};

/*
 * Stream i: the first that predicted this page, the nearest within
 * max_distance, and the least recently used.
 */
static int streams_scan_step(__u32 i, struct streams_scan *sc)
{
	struct streams_state *st = sc->st;
	struct streams_stream *c = &st->s[i & (STREAMS_N - 1)];
	__u64 d;

	if (!c->used) {
		if (st->lru_used) {
			st->lru = i;
			st->lru_used = 0;
		}
		return 0;
	}
	if (c->stride && st->page == c->last + c->stride && st->next == STREAMS_N)
		st->next = i;
	d = fb_absdiff(st->page, c->last);
	if (d && d <= max_distance && d < st->best_d) {
		st->best = i;
		st->best_d = d;
	}
	if (c->used < st->lru_used) {
		st->lru = i;
		st->lru_used = c->used;
	}
	return 0;
}

static __always_inline void streams_fault(const struct fb_fault *f)
{
	struct streams_state *st = fb_state(&streams_states, f->pid, &streams_zero);
	struct streams_scan sc = { .st = st };
	__u64 page = fb_page(f->addr);
	__u32 best, next, lru;
	struct streams_stream *s;

	if (!st)
		return;
	st->clock++;
	if (!st->clock)
		st->clock = 1;
	st->page = page;
	st->best_d = ~0ULL;
	st->best = st->next = STREAMS_N;
	st->lru = 0;
	st->lru_used = ~0U;
	bpf_loop(STREAMS_N, streams_scan_step, &sc, 0);
	best = st->best;
	next = st->next;
	lru = st->lru;
	if (next < STREAMS_N)
		best = next;
	/* a hit that no confident stream predicted: the kernel's readahead's */
	if (f->hit && (next >= STREAMS_N || st->s[next & (STREAMS_N - 1)].conf < confidence))
		st->lhits++;
	if (best < STREAMS_N) {
		s = &st->s[best];
		__s64 delta = (__s64)(page - s->last);

		if (delta == s->stride) {
			if (s->conf < 255)
				s->conf++;
		} else if (!f->hit) {
			s->stride = delta;
			s->conf = 0;
		}
		/* a hit out of order within the stream's own window (pages
		 * it prefetched) says nothing against its stride */
		if (f->hit && s->hits < 0xffff)
			s->hits++;
		s->last = page;
		s->used = st->clock;
		st->cur = best;
	} else if (lru < STREAMS_N) {
		s = &st->s[lru];
		s->last = page;
		s->stride = 0;
		s->conf = 0;
		s->hits = 0;
		s->win = 0;
		s->used = st->clock;
		st->cur = lru;
	}
}

static __always_inline __u32 streams_window(__u32 hits, __u32 prev, __u32 lo, __u32 hi)
{
	__u32 w = 1;

	for (int k = 0; k < 6 && w < hits + 1; k++)
		w <<= 1;
	if (w < lo)
		w = lo;
	if (w < prev / 2)
		w = prev / 2;
	if (w > hi)
		w = hi;
	return w;
}

/*
 * No confident stream: leave the fault to the kernel's readahead only when
 * locality shows (a hit no stream predicted since the previous miss, or a
 * slot next to the previous miss's, the kernel's own test when it has no
 * hits). The kernel counts the streams' hits as its own readahead hits and
 * would otherwise read its widest window around every random fault.
 */
static __always_inline int streams_locality(struct streams_state *st, const struct fb_fault *f)
{
	__s64 d = f->swap_offset - st->last_off;
	bool near = st->lhits || d == 1 || d == -1 || f->swap_offset < 0;

	return near ? FB_FALLBACK : FB_DONE;
}

static __always_inline int streams_prefetch(struct fb_prefetch *p, const struct fb_fault *f)
{
	struct streams_state *st = bpf_map_lookup_elem(&streams_states, &f->pid);
	struct streams_stream *s;
	__u32 cur, w, hi;
	int ret;

	if (!st)
		return FB_FALLBACK;
	cur = st->cur;
	s = &st->s[cur & (STREAMS_N - 1)];
	if (cur >= STREAMS_N || s->stride == 0 || s->conf < confidence) {
		ret = streams_locality(st, f);
		st->last_off = f->swap_offset;
		st->lhits = 0;
		return ret;
	}
	st->last_off = f->swap_offset;
	st->lhits = 0;
	hi = degree > FB_MAX_REQ ? FB_MAX_REQ : degree;
	w = streams_window(s->hits, s->win, min_window, hi);
	s->win = w;
	s->hits = 0;
	fb_start_plug(p);
	fb_prefetch_run(p, f->addr, s->stride, w);
	fb_stop_plug(p);
	return FB_DONE;
}

FB_POLICY(streams, "concurrent streams per process, else the kernel's readahead near locality",
	  .fault = streams_fault, .prefetch = streams_prefetch);
