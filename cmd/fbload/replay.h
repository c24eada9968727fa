/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Replay of fault records through prefetch policies: the simulated
 * prefetch buffer (a fixed-capacity LRU of prefetched pages; a fault on a
 * buffered page is a hit and consumes it) and the accounting behind
 * accuracy = hits / prefetched and coverage = hits / faults.
 *
 * The policy itself runs elsewhere (its BPF replay program, see policy.h
 * and bpf/fb_replay.h); this file only needs a function that fills a
 * batch's verdicts, so it is tested without BPF.
 *
 * With slot records (trace format v2) a lane also keeps a slot table
 * (slots.h) and, for the slots and pages it knows, decides as the kernel
 * does: a request for a free or mapped slot is rejected, one for a page
 * in the swap cache reads nothing, one for a page on the device only is
 * read (buffered); a fault on a slot cached but not read ahead is a
 * swap-cache hit, no prefetch hit (FB_REPLAY_CACHED: no .prefetch), and
 * a slot's buffered page leaves the buffer when the slot is uncached,
 * freed or reused. What it does not know keeps the buffer and the
 * --resident model.
 */
#ifndef HF_FBLOAD_REPLAY_H
#define HF_FBLOAD_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "fb_replay.h"
#include "helpers.h"
#include "record.h"
#include "slots.h"

/* ---- the buffer ---- */

struct pbuf_key {
	uint64_t page;		/* virtual page number, or FB_REPLAY_PHYS | swap offset */
	uint32_t pid;		/* 0 for swap offsets */
};

struct pbuf;
struct pbuf *pbuf_new(uint32_t capacity);
void pbuf_free(struct pbuf *b);
uint32_t pbuf_size(const struct pbuf *b);
bool pbuf_contains(const struct pbuf *b, struct pbuf_key k);
/* Remove k if buffered: true on a hit. */
bool pbuf_take(struct pbuf *b, struct pbuf_key k);
/*
 * Buffer k as the most recently used page: 1 when it was not there,
 * 0 when it was (it moves to the front). *evicted counts pages pushed out
 * unused by the capacity limit.
 */
int pbuf_insert(struct pbuf *b, struct pbuf_key k, uint64_t *evicted);
/*
 * Is k buffered and not yet claimed in this generation? Marks it claimed:
 * a page is a hit for at most its first fault in a batch.
 */
bool pbuf_claim(struct pbuf *b, struct pbuf_key k, uint32_t gen);

/* ---- the accounting ---- */

struct replay_stats {
	uint64_t faults;
	uint64_t hits;
	uint64_t prefetched;	/* pages newly put in the buffer */
	uint64_t redundant;	/* requests for a buffered, swap-cached or the faulting page */
	uint64_t rejected;	/* requests for resident pages (not swapped out) or free slots */
	uint64_t evicted;	/* prefetched pages evicted before any use */
	uint64_t feedback_diff;	/* records whose hit flag, as the policy saw it, was wrong */
};

static inline double replay_accuracy(const struct replay_stats *s)
{
	return hf_ratio(s->hits, s->prefetched);
}

static inline double replay_coverage(const struct replay_stats *s)
{
	return hf_ratio(s->hits, s->faults);
}

/*
 * A policy's batch function: given b->in[0..n_in), fill hit[], nreq[] and
 * out[] (n_out) as policy.h's replay glue does. 0 or -errno.
 */
typedef int (*replay_run_fn)(void *ctx, struct fb_replay_batch *b);

/* Called per record when set: the hit, and the requests its miss made. */
typedef void (*replay_record_fn)(void *ctx, const struct fault_record *r, bool hit,
				 const uint64_t *req, uint32_t nreq);

/* One policy's lane through a replay: its own buffer and counters. */
struct replay_lane {
	replay_record_fn on_record;	/* optional */
	void *record_ctx;
	const char *name;
	replay_run_fn run;
	void *ctx;
	struct fb_replay_batch *batch;	/* where run() reads and writes */
	struct pbuf *buf;		/* with the resident model in its table */
	uint32_t resident;		/* recently faulted pages modelled; 0: none */
	bool slots;			/* a fault had a swap slot: the model holds them too */
	struct replay_slots *table;	/* from the first slot record on */
	int err;			/* -ENOMEM from the table */
	uint32_t gen;
	struct replay_stats st;
};

/*
 * capacity: the prefetch buffer, in pages. resident: how many of the most
 * recently faulted pages count as still mapped, so that requests for them
 * (and for their swap slots) are rejected as the kernel rejects pages
 * that are not swapped out
 * (0: not modelled).
 */
int replay_lane_init(struct replay_lane *l, const char *name, replay_run_fn run, void *ctx,
		     struct fb_replay_batch *batch, uint32_t capacity, uint32_t resident);
void replay_lane_free(struct replay_lane *l);

/*
 * Run n (<= FB_REPLAY_BATCH) records through the lane: fill the batch with
 * the records and their "buffered" hints, run the policy, then replay its
 * requests through the buffer in record order. 0 or -errno from run().
 */
int replay_lane_batch(struct replay_lane *l, const struct fault_record *recs, uint32_t n);
/*
 * A slot record, in trace order between the faults (no fault, not given
 * to the policy): the buffer drops what the slot held, then the table
 * learns it. 0 or -ENOMEM.
 */
int replay_lane_slot(struct replay_lane *l, const struct fault_record *r);

/*
 * Faults a replay counts: swap-ins and major faults; minor ones with all.
 * Slot records are no faults.
 */
static inline bool replay_wants(const struct fault_record *r, bool all)
{
	return !fault_kind_is_slot(r->kind) && (all || r->kind != FAULT_MINOR || r->cache_hit == 1);
}

#endif
