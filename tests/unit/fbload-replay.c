// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the replay engine (cmd/fbload/replay.c): no root, no BPF. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fbload/replay.h"
#include "unit.h"


static struct pbuf_key K(uint64_t page)
{
	return (struct pbuf_key){ .page = page, .pid = 1 };
}

static void test_lru(void)
{
	struct pbuf *b = pbuf_new(3);
	uint64_t ev = 0;
	bool ok;

	ok = pbuf_insert(b, K(1), &ev) == 1 && pbuf_insert(b, K(2), &ev) == 1 &&
	     pbuf_insert(b, K(3), &ev) == 1 && pbuf_insert(b, K(4), &ev) == 1;
	CHECK_TRUE("pbuf: inserts", ok && pbuf_size(b) == 3);
	CHECK_TRUE("pbuf: the least recently used page is evicted", ev == 1 && !pbuf_contains(b, K(1)));
	CHECK_TRUE("pbuf: a second request refreshes, not inserts", pbuf_insert(b, K(2), &ev) == 0);
	pbuf_insert(b, K(5), &ev);
	CHECK_TRUE("pbuf: refreshed page survives, older one goes",
	      ev == 2 && pbuf_contains(b, K(2)) && !pbuf_contains(b, K(3)));
	CHECK_TRUE("pbuf: a hit consumes the page", pbuf_take(b, K(4)) && !pbuf_take(b, K(4)));
	CHECK_TRUE("pbuf: pid is part of the key",
	      !pbuf_contains(b, (struct pbuf_key){ .page = 2, .pid = 2 }));
	CHECK_TRUE("pbuf: claim once per generation",
	      pbuf_claim(b, K(2), 7) && !pbuf_claim(b, K(2), 7) && pbuf_claim(b, K(2), 8));
	pbuf_free(b);
}

/* Against a naive model: an array in LRU order, most recent first. */
static void test_model(void)
{
	enum { CAP = 64, OPS = 200000 };
	uint64_t model[CAP], ev = 0, model_ev = 0;
	int n = 0, bad = 0;
	struct pbuf *b = pbuf_new(CAP);

	srand(42);
	for (int op = 0; op < OPS && !bad; op++) {
		uint64_t page = rand() % 256;
		int at = -1;

		for (int i = 0; i < n; i++)
			if (model[i] == page)
				at = i;
		if (rand() % 3) {		/* insert */
			int r = pbuf_insert(b, K(page), &ev);

			if (at >= 0) {
				memmove(model + 1, model, at * sizeof(*model));
				bad |= r != 0;
			} else {
				if (n == CAP) {
					n--;
					model_ev++;
				}
				memmove(model + 1, model, n * sizeof(*model));
				n++;
				bad |= r != 1;
			}
			model[0] = page;
		} else {			/* fault */
			bool hit = pbuf_take(b, K(page));

			bad |= hit != (at >= 0);
			if (at >= 0) {
				memmove(model + at, model + at + 1, (n - at - 1) * sizeof(*model));
				n--;
			}
		}
		bad |= (int)pbuf_size(b) != n || ev != model_ev;
	}
	for (int i = 0; i < n; i++)
		bad |= !pbuf_contains(b, K(model[i]));
	CHECK_TRUE("pbuf: 200k random operations agree with a naive LRU", !bad);
	pbuf_free(b);
}

/*
 * A policy in C with the glue's contract: a record is a hit for the policy
 * when it was buffered at batch start; a miss requests the next 2 pages.
 */
static int next2(void *ctx, struct fb_replay_batch *b)
{
	b->n_out = 0;
	for (uint32_t i = 0; i < b->n_in; i++) {
		b->hit[i] = b->in[i].flags & FB_REPLAY_BUFFERED;
		b->nreq[i] = 0;
		if (b->hit[i])
			continue;
		for (int k = 1; k <= 2; k++)
			b->out[b->n_out++] = (b->in[i].addr >> 12) + k;
		b->nreq[i] = 2;
	}
	return 0;
}

static void run_seq(struct replay_lane *l, int n, uint32_t batch)
{
	struct fault_record r[FB_REPLAY_BATCH];
	int done = 0;

	while (done < n) {
		uint32_t k = 0;

		for (; k < batch && done < n; k++, done++) {
			fault_record_clear(&r[k]);
			r[k].pid = 1;
			r[k].kind = FAULT_MAJOR;
			r[k].addr = (uint64_t)(100 + done) << 12;
		}
		replay_lane_batch(l, r, k);
	}
}

static void test_lane(void)
{
	static struct fb_replay_batch batch;
	struct replay_lane l;

	/* Batch 1: exact. Pages 100..108: miss(101,102) hit hit miss(104,105) ... */
	replay_lane_init(&l, "next2", next2, NULL, &batch, 16, 0);
	run_seq(&l, 9, 1);
	CHECK_TRUE("lane: faults", l.st.faults == 9);
	CHECK_TRUE("lane: hits and prefetched, batch 1", l.st.hits == 6 && l.st.prefetched == 6);
	CHECK_TRUE("lane: accuracy and coverage",
	      replay_accuracy(&l.st) == 1.0 && replay_coverage(&l.st) == 6.0 / 9);
	CHECK_TRUE("lane: batch 1 has no hit-flag mismatches", l.st.feedback_diff == 0);
	replay_lane_free(&l);

	/* One batch: this C policy does not see in-batch prefetches (the BPF
	 * glue does); the engine still counts true hits and the mismatches. */
	replay_lane_init(&l, "next2", next2, NULL, &batch, 16, 0);
	run_seq(&l, 9, 9);
	CHECK_TRUE("lane: in-batch mismatches counted",
	      l.st.faults == 9 && l.st.hits == 8 && l.st.feedback_diff == 8);
	CHECK_TRUE("lane: redundant requests", l.st.prefetched == 10 && l.st.redundant == 8);
	replay_lane_free(&l);

	/* Capacity 1: the second prefetched page evicts the first. */
	replay_lane_init(&l, "next2", next2, NULL, &batch, 1, 0);
	run_seq(&l, 3, 1);
	CHECK_TRUE("lane: eviction under a tiny buffer", l.st.evicted >= 1 && l.st.hits == 0);
	replay_lane_free(&l);

	/* A resident model: pages faulted in are mapped, requests for them rejected. */
	replay_lane_init(&l, "next2", next2, NULL, &batch, 16, 16);
	{
		struct fault_record r[2];

		for (int i = 0; i < 2; i++) {
			fault_record_clear(&r[i]);
			r[i].pid = 1;
			r[i].kind = FAULT_MAJOR;
			r[i].addr = (uint64_t)(101 - i) << 12;	/* 101, then 100 */
		}
		replay_lane_batch(&l, r, 1);
		replay_lane_batch(&l, r + 1, 1);	/* requests 101 (resident) and 102 (buffered) */
	}
	CHECK_TRUE("lane: requests for resident pages are rejected",
	      l.st.rejected == 1 && l.st.redundant == 1 && l.st.prefetched == 2);
	replay_lane_free(&l);
}

/* Requests the next swap slot (bpf_prefetch_physical_page in the kernel). */
static int next_slot(void *ctx, struct fb_replay_batch *b)
{
	b->n_out = 0;
	for (uint32_t i = 0; i < b->n_in; i++) {
		b->hit[i] = b->in[i].flags & FB_REPLAY_BUFFERED;
		b->nreq[i] = !b->hit[i];
		if (!b->hit[i])
			b->out[b->n_out++] = FB_REPLAY_PHYS | (uint64_t)(b->in[i].swap_offset + 1);
	}
	return 0;
}

static void test_slots(void)
{
	static struct fb_replay_batch batch;
	struct fault_record r[3];
	struct replay_lane l;
	/* Scattered addresses, consecutive slots: slot 101, requested by the
	 * first fault, is the second fault; the third misses and asks for 103. */
	const uint64_t addr[3] = { 0x7000000, 0x1000, 0x5550000 };

	replay_lane_init(&l, "next-slot", next_slot, NULL, &batch, 16, 16);
	for (int i = 0; i < 3; i++) {
		fault_record_clear(&r[i]);
		r[i].pid = 7;
		r[i].kind = FAULT_SWAPIN;
		r[i].addr = addr[i];
		r[i].swap_offset = 100 + i;
		replay_lane_batch(&l, &r[i], 1);
	}
	CHECK_TRUE("lane: swap-slot requests hit faults on those slots",
	      l.st.faults == 3 && l.st.hits == 1 && l.st.prefetched == 2);
	replay_lane_free(&l);

	/* Slot 104 is faulted, then slot 103 asks for it: its page is mapped,
	 * the request is rejected as one for the page would be. */
	replay_lane_init(&l, "next-slot", next_slot, NULL, &batch, 16, 16);
	for (int i = 0; i < 2; i++) {
		r[i].swap_offset = 104 - i;
		replay_lane_batch(&l, &r[i], 1);
	}
	CHECK_TRUE("lane: a request for a resident page's swap slot is rejected",
	      l.st.rejected == 1 && l.st.prefetched == 1);
	replay_lane_free(&l);
}

/* Leap-like: on a miss (not a swap-cache hit), the next 8 swap slots. */
static int next8_slots(void *ctx, struct fb_replay_batch *b)
{
	b->n_out = 0;
	for (uint32_t i = 0; i < b->n_in; i++) {
		b->hit[i] = b->in[i].flags & FB_REPLAY_BUFFERED;
		b->nreq[i] = 0;
		if (b->hit[i] || (b->in[i].flags & FB_REPLAY_CACHED))
			continue;
		for (int k = 1; k <= 8; k++, b->nreq[i]++)
			b->out[b->n_out++] = FB_REPLAY_PHYS | (uint64_t)(b->in[i].swap_offset + k);
	}
	return 0;
}

static void step(struct replay_lane *l, enum fault_kind kind, uint64_t page, int64_t slot)
{
	struct fault_record r;

	fault_record_clear(&r);
	r.pid = r.tid = 9;
	r.kind = kind;
	r.addr = kind == SLOT_UNCACHE || kind == SLOT_FREE ? 0 : page << 12;
	r.swap_type = 0;
	r.swap_offset = slot;
	if (fault_kind_is_slot(kind))
		replay_lane_slot(l, &r);
	else
		replay_lane_batch(l, &r, 1);
}

/*
 * A sequential walk with slot records: pages 100..163 swapped out to
 * slots 1..64; 1..56 leave the swap cache, 57..60 are freed (unmapped),
 * 61..64 stay cached. The pages of slots 1..56 fault back in order, but
 * for the page of slot 33, unmapped after its slot was read ahead, and
 * slot 33 then holds page 900, which faults last.
 */
static void test_slot_walk(void)
{
	static struct fb_replay_batch batch;
	struct replay_lane l;

	replay_lane_init(&l, "next8", next8_slots, NULL, &batch, 4096, 4096);
	for (int i = 1; i <= 64; i++)
		step(&l, SLOT_SWAPOUT, 99 + i, i);
	for (int i = 1; i <= 56; i++)
		step(&l, SLOT_UNCACHE, 0, i);
	for (int i = 57; i <= 60; i++)
		step(&l, SLOT_FREE, 0, i);
	for (int i = 1; i <= 56; i++) {
		if (i == 33)
			continue;
		step(&l, FAULT_SWAPIN, 99 + i, i);
		if (i == 28) {	/* slots 29..36 are read ahead now */
			step(&l, SLOT_FREE, 0, 33);
			step(&l, SLOT_SWAPOUT, 900, 33);
			step(&l, SLOT_UNCACHE, 0, 33);
		}
	}
	step(&l, FAULT_SWAPIN, 900, 33);	/* asks 34..41: mapped */
	CHECK("lane: slot walk: misses every 9th, hits only for the slot's own page",
	      l.st.faults == 56 && l.st.hits == 48 && l.st.prefetched == 49 &&
	      l.st.evicted == 1, "faults %llu hits %llu prefetched %llu evicted %llu",
	      (unsigned long long)l.st.faults, (unsigned long long)l.st.hits,
	      (unsigned long long)l.st.prefetched, (unsigned long long)l.st.evicted);
	CHECK("lane: slot walk: free and mapped slots rejected, cached ones not counted",
	      l.st.rejected == 12 && l.st.redundant == 3 && !l.st.feedback_diff,
	      "rejected %llu redundant %llu mismatches %llu", (unsigned long long)l.st.rejected,
	      (unsigned long long)l.st.redundant, (unsigned long long)l.st.feedback_diff);
	replay_lane_free(&l);
}

int main(void)
{
	test_lru();
	test_model();
	test_lane();
	test_slots();
	test_slot_walk();
	return UNIT_EXIT();
}
