// SPDX-License-Identifier: GPL-2.0
/*
 * stride: per-stream stride detection, in the manner of a hardware
 * reference-prediction table without program counters.
 *
 * Each process has up to 8 streams: a last page, a stride and a
 * confidence. A fault joins the stream whose last page is nearest, if it
 * is within max_distance pages; otherwise it starts a new stream in the
 * least recently used slot. Joining with the same delta as the stream's
 * stride raises its confidence; another delta becomes the new stride with
 * confidence 0. On a miss, a stream with confidence >= confidence
 * prefetches `degree` pages along its stride.
 *
 * Parameters:
 *   degree		pages prefetched per miss (default 16, 0 to 32)
 *   confidence		repeats of a stride before prefetching (default 2, 0 to 255)
 *   max_distance	largest jump, in pages, still in a stream (default 256)
 */
#include "vmlinux.h"
#include "policy.h"

#define STRIDE_STREAMS 8	/* a power of two: the scan masks its index */

FB_PARAM(__u32, degree, 16, 0, FB_MAX_REQ);
FB_PARAM(__u32, confidence, 2, 0, 255);
FB_PARAM(__u32, max_distance, 256, 0, 0xffffffff);

struct stride_stream {
	__u64 last;
	__s64 stride;
	__u32 conf;
	__u32 used;		/* clock of the last fault in this stream */
};

struct stride_state {
	struct stride_stream s[STRIDE_STREAMS];
	__u32 clock;
	__u32 cur;		/* the stream of the latest fault */
	/* the scan of the streams, kept here rather than on the stack so the
	 * verifier checks one step of it (see policy.h) */
	__u64 page, best_d;
	__u32 best, lru, lru_used;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct stride_state);
} stride_states SEC(".maps");

static const struct stride_state stride_zero;

struct stride_scan {
	struct stride_state *st;
};

/* Stream i: the nearest within max_distance, and the least recently used. */
static int stride_scan_step(__u32 i, struct stride_scan *c)
{
	struct stride_state *st = c->st;
	struct stride_stream *s = &st->s[i & (STRIDE_STREAMS - 1)];
	__u64 d;

	if (!s->used) {			/* never used: the best victim */
		if (st->lru_used) {
			st->lru = i;
			st->lru_used = 0;
		}
		return 0;
	}
	d = fb_absdiff(st->page, s->last);
	if (d <= max_distance && d < st->best_d) {
		st->best = i;
		st->best_d = d;
	}
	if (s->used < st->lru_used) {
		st->lru = i;
		st->lru_used = s->used;
	}
	return 0;
}

static __always_inline void stride_fault(const struct fb_fault *f)
{
	struct stride_state *st = fb_state(&stride_states, f->pid, &stride_zero);
	struct stride_scan c = { .st = st };
	__u64 page = fb_page(f->addr);
	__u32 best, lru;

	if (!st)
		return;
	st->clock++;
	st->page = page;
	st->best_d = ~0ULL;
	st->best = STRIDE_STREAMS;
	st->lru = 0;
	st->lru_used = ~0U;
	bpf_loop(STRIDE_STREAMS, stride_scan_step, &c, 0);
	best = st->best;
	lru = st->lru;
	if (best < STRIDE_STREAMS) {
		struct stride_stream *s = &st->s[best];
		__s64 delta = (__s64)(page - s->last);

		if (delta == s->stride) {
			if (s->conf < 255)
				s->conf++;
		} else {
			s->stride = delta;
			s->conf = 0;
		}
		s->last = page;
		s->used = st->clock;
		st->cur = best;
	} else if (lru < STRIDE_STREAMS) {
		struct stride_stream *s = &st->s[lru];

		s->last = page;
		s->stride = 0;
		s->conf = 0;
		s->used = st->clock;
		st->cur = lru;
	}
}

static __always_inline int stride_prefetch(struct fb_prefetch *p, const struct fb_fault *f)
{
	struct stride_state *st = bpf_map_lookup_elem(&stride_states, &f->pid);
	struct stride_stream *s;
	__u32 cur;

	if (!st)
		return FB_DONE;
	cur = st->cur;
	if (cur >= STRIDE_STREAMS)
		return FB_DONE;
	s = &st->s[cur];
	if (s->stride == 0 || s->conf < confidence)
		return FB_DONE;
	fb_start_plug(p);
	fb_prefetch_run(p, f->addr, s->stride, degree);
	fb_stop_plug(p);
	return FB_DONE;
}

FB_POLICY(stride, "per-stream stride detection",
	  .fault = stride_fault, .prefetch = stride_prefetch);
