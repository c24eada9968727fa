// SPDX-License-Identifier: GPL-2.0
/*
 * The slot table (cmd/fbload/slots.c) and a replay lane's rules for the
 * slots it knows (cmd/fbload/replay.c), one kernel rule at a time
 * (kernel-patches/0002: fetchbpf_resolve, fetchbpf_read_ahead,
 * __fetchbpf_fault): no root, no BPF.
 */
#include <stdlib.h>
#include <string.h>
#include "fbload/replay.h"
#include "fbload/slots.h"
#include "unit.h"

#define PID 7

/* A record: a slot record, or a swap-in fault, of page `page` of PID. */
static struct fault_record rec(enum fault_kind kind, uint64_t page, int64_t slot)
{
	struct fault_record r;

	fault_record_clear(&r);
	r.pid = r.tid = PID;
	r.kind = kind;
	r.addr = record_kind_has_addr(kind) ? page << 12 : 0;
	r.swap_type = 0;
	r.swap_offset = slot;
	return r;
}

static enum replay_slot_state state_of(struct replay_slots *t, int64_t slot)
{
	struct replay_slot *s = replay_slot_find(t, 0, slot);

	return s ? s->state : REPLAY_SLOT_UNKNOWN;
}

static enum replay_slot_state page_state(struct replay_slots *t, uint32_t pid, uint64_t page)
{
	struct replay_slot *s;

	return replay_slots_page_state(t, pid, page, &s);
}

static void apply(struct replay_slots *t, enum fault_kind kind, uint64_t page, int64_t slot)
{
	struct fault_record r = rec(kind, page, slot);

	replay_slots_apply(t, &r);
}

static void test_table(void)
{
	struct replay_slots *t = replay_slots_new();
	struct replay_slot *s;

	CHECK_TRUE("table: an unseen slot and page are unknown",
		   !replay_slot_find(t, 0, 10) && page_state(t, PID, 100) == REPLAY_SLOT_UNKNOWN);
	apply(t, SLOT_SWAPOUT, 100, 10);
	CHECK_TRUE("table: a page no swapout named is not swapped out, once its process has "
		   "swapouts; another process's is unknown",
		   page_state(t, PID, 999) == REPLAY_SLOT_FREE &&
		   page_state(t, PID + 1, 999) == REPLAY_SLOT_UNKNOWN);
	s = replay_slot_find(t, 0, 10);
	CHECK_TRUE("table: swapout: the slot holds the page, in the swap cache",
		   s && s->has_page && s->page == 100 && s->pid == PID &&
		   s->state == REPLAY_SLOT_CACHED && page_state(t, PID, 100) == REPLAY_SLOT_CACHED);
	apply(t, SLOT_UNCACHE, 0, 10);
	CHECK_TRUE("table: uncache: on the device only",
		   state_of(t, 10) == REPLAY_SLOT_SWAPPED && page_state(t, PID, 100) == REPLAY_SLOT_SWAPPED);
	replay_slots_fault(t, replay_slot_find(t, 0, 10), PID, 100);
	CHECK_TRUE("table: a fault maps the page (swap count 0)",
		   state_of(t, 10) == REPLAY_SLOT_MAPPED && page_state(t, PID, 100) == REPLAY_SLOT_MAPPED);
	apply(t, SLOT_UNCACHE, 0, 10);
	CHECK_TRUE("table: uncache leaves a mapped slot mapped", state_of(t, 10) == REPLAY_SLOT_MAPPED);
	apply(t, SLOT_FREE, 0, 10);
	CHECK_TRUE("table: slotfree: the slot holds nothing, its page is no longer in it",
		   state_of(t, 10) == REPLAY_SLOT_FREE && page_state(t, PID, 100) == REPLAY_SLOT_FREE);

	apply(t, SLOT_SWAPOUT, 200, 10);
	CHECK_TRUE("table: a reused slot holds the new page only",
		   page_state(t, PID, 200) == REPLAY_SLOT_CACHED && page_state(t, PID, 100) == REPLAY_SLOT_FREE &&
		   page_state(t, PID + 1, 200) == REPLAY_SLOT_UNKNOWN);
	apply(t, SLOT_SWAPOUT, 200, 20);
	s = replay_slot_find(t, 0, 10);
	CHECK_TRUE("table: a page swapped out anew leaves its old slot unreferenced (rejected)",
		   s->state == REPLAY_SLOT_MAPPED && !s->has_page &&
		   page_state(t, PID, 200) == REPLAY_SLOT_CACHED && replay_slot_find(t, 0, 20)->page == 200);

	apply(t, SLOT_UNCACHE, 0, 30);
	apply(t, SLOT_FREE, 0, 31);
	CHECK_TRUE("table: uncache or slotfree of an unseen slot: on the device, or free",
		   state_of(t, 30) == REPLAY_SLOT_SWAPPED && !replay_slot_find(t, 0, 30)->has_page &&
		   state_of(t, 31) == REPLAY_SLOT_FREE);
	apply(t, SLOT_UNCACHE, 0, -1);
	CHECK_TRUE("table: type -1 is device 0; devices are apart; no offset, no slot",
		   replay_slot_find(t, -1, 30) == replay_slot_find(t, 0, 30) && !replay_slot_find(t, 1, 30) &&
		   !replay_slot_find(t, 0, -1));
	replay_slots_free(t);
}

/* Many slots and pages: the indexes grow and every one is still found. */
static void test_growth(void)
{
	enum { N = 100000 };
	struct replay_slots *t = replay_slots_new();
	int bad = 0;

	for (int i = 1; i <= N; i++)
		apply(t, SLOT_SWAPOUT, 1000000 + i * 3, i);
	for (int i = 1; i <= N; i += 2)
		apply(t, SLOT_UNCACHE, 0, i);
	for (int i = 1; i <= N; i++) {
		struct replay_slot *s = replay_slot_find(t, 0, i);

		bad += !s || s->page != (uint64_t)(1000000 + i * 3) ||
		       s->state != (i % 2 ? REPLAY_SLOT_SWAPPED : REPLAY_SLOT_CACHED) ||
		       page_state(t, PID, 1000000 + i * 3) != s->state;
	}
	CHECK("table: 100k slots and pages through growing indexes", !bad, "%d wrong", bad);
	replay_slots_free(t);
}

/* ---- a lane's rules ---- */

/* What the test policy asks on a miss: slots around the fault's, or pages after it. */
struct ask {
	int64_t slot[4];	/* offsets from the fault's slot; 0: none */
	int pages;		/* the next pages by address */
};

/* A policy with the glue's contract (policy_glue.h), FB_REPLAY_CACHED included. */
static int asker(void *ctx, struct fb_replay_batch *b)
{
	const struct ask *a = ctx;

	b->n_out = 0;
	for (uint32_t i = 0; i < b->n_in; i++) {
		const struct fb_replay_rec *in = &b->in[i];

		b->hit[i] = in->flags & FB_REPLAY_BUFFERED;
		b->nreq[i] = 0;
		if (b->hit[i] || (in->flags & FB_REPLAY_CACHED))
			continue;
		for (int k = 0; k < 4 && a->slot[k]; k++, b->nreq[i]++)
			b->out[b->n_out++] = FB_REPLAY_PHYS | (uint64_t)(in->swap_offset + a->slot[k]);
		for (int k = 1; k <= a->pages; k++, b->nreq[i]++)
			b->out[b->n_out++] = (in->addr >> 12) + k;
	}
	return 0;
}

static struct fb_replay_batch batch;

static void lane(struct replay_lane *l, struct ask *a)
{
	replay_lane_init(l, "asker", asker, a, &batch, 64, 0);
}

/* Feed r: a slot record to the table, a fault as a batch of one. */
static void feed(struct replay_lane *l, enum fault_kind kind, uint64_t page, int64_t slot)
{
	struct fault_record r = rec(kind, page, slot);

	if (fault_kind_is_slot(kind))
		replay_lane_slot(l, &r);
	else
		replay_lane_batch(l, &r, 1);
}

/* Pages 100.. swapped out to slots 1.. (count n), uncached unless cached. */
static void swap_out(struct replay_lane *l, int n, bool cached)
{
	for (int i = 1; i <= n; i++)
		feed(l, SLOT_SWAPOUT, 99 + i, i);
	for (int i = 1; i <= n && !cached; i++)
		feed(l, SLOT_UNCACHE, 0, i);
}

#define ST(x) (unsigned long long)l.st.x

static void test_lane_rules(void)
{
	struct ask next4 = { .slot = { 1, 2, 3, 4 } }, around = { .slot = { -1, 1 } };
	struct ask pages2 = { .pages = 2 };
	struct replay_lane l;

	/* Requests for slots on the device are read; their faults hit. */
	lane(&l, &next4);
	swap_out(&l, 8, false);
	feed(&l, FAULT_SWAPIN, 100, 1);
	feed(&l, FAULT_SWAPIN, 101, 2);
	CHECK("lane: a swapped-out slot is prefetched and hit", l.st.prefetched == 4 &&
	      l.st.hits == 1 && !l.st.rejected && !l.st.redundant, "prefetched %llu hits %llu "
	      "rejected %llu redundant %llu", ST(prefetched), ST(hits), ST(rejected), ST(redundant));
	replay_lane_free(&l);

	/* Free slots (slotfree) and slot 0 (the swap header) are rejected. */
	lane(&l, &around);
	swap_out(&l, 4, false);
	feed(&l, SLOT_FREE, 0, 2);
	feed(&l, FAULT_SWAPIN, 100, 1);		/* asks 0 and 2 */
	CHECK("lane: requests for a free slot and slot 0 are rejected",
	      l.st.rejected == 2 && !l.st.prefetched, "rejected %llu prefetched %llu",
	      ST(rejected), ST(prefetched));
	/* A mapped slot (faulted in: swap count 0) is rejected too. */
	feed(&l, FAULT_SWAPIN, 102, 3);		/* asks 2 (free) and 4 */
	feed(&l, FAULT_SWAPIN, 103, 4);		/* hit */
	feed(&l, SLOT_SWAPOUT, 150, 5);
	feed(&l, SLOT_UNCACHE, 0, 5);
	feed(&l, FAULT_SWAPIN, 150, 5);		/* asks 4 (mapped) and 6 (never named) */
	CHECK("lane: a request for a mapped slot is rejected, and for a slot no record named "
	      "(free)", l.st.rejected == 5 &&
	      l.st.hits == 1 && l.st.prefetched == 1, "rejected %llu hits %llu prefetched %llu",
	      ST(rejected), ST(hits), ST(prefetched));
	replay_lane_free(&l);

	/* Slots still in the swap cache: requests count nothing; faults are
	 * swap-cache hits without a prefetch call, not prefetch hits. */
	lane(&l, &next4);
	swap_out(&l, 5, true);
	feed(&l, SLOT_UNCACHE, 0, 1);
	feed(&l, FAULT_SWAPIN, 100, 1);
	feed(&l, FAULT_SWAPIN, 101, 2);
	CHECK("lane: cached slots: requests neither prefetched nor rejected, faults no hits",
	      l.st.redundant == 4 && !l.st.prefetched && !l.st.rejected && !l.st.hits &&
	      l.st.faults == 2 && l.batch->in[0].flags == FB_REPLAY_CACHED && !l.batch->nreq[0],
	      "redundant %llu prefetched %llu hits %llu flags %u", ST(redundant), ST(prefetched),
	      ST(hits), l.batch->in[0].flags);
	replay_lane_free(&l);

	/* A prefetched slot that is uncached before its fault leaves the buffer. */
	lane(&l, &next4);
	swap_out(&l, 5, false);
	feed(&l, FAULT_SWAPIN, 100, 1);
	feed(&l, SLOT_UNCACHE, 0, 2);
	feed(&l, SLOT_FREE, 0, 3);
	feed(&l, FAULT_SWAPIN, 101, 2);
	CHECK("lane: uncache and slotfree evict a prefetched slot's page",
	      l.st.evicted == 2 && !l.st.hits, "evicted %llu hits %llu", ST(evicted), ST(hits));
	replay_lane_free(&l);

	/* A slot freed and reused by another page gives that page no hit. */
	lane(&l, &next4);
	swap_out(&l, 5, false);
	feed(&l, FAULT_SWAPIN, 100, 1);		/* prefetches 2..5 */
	feed(&l, SLOT_SWAPOUT, 300, 3);		/* no slotfree seen: replaced all the same */
	feed(&l, SLOT_UNCACHE, 0, 3);
	feed(&l, FAULT_SWAPIN, 300, 3);
	feed(&l, FAULT_SWAPIN, 103, 4);
	CHECK("lane: a reused slot's old read-ahead is no hit; the right page's is",
	      l.st.evicted == 1 && l.st.hits == 1 && l.st.faults == 3,
	      "evicted %llu hits %llu", ST(evicted), ST(hits));
	replay_lane_free(&l);

	/* Virtual requests: by the page's slot state; a read page is found by slot. */
	lane(&l, &pages2);
	swap_out(&l, 3, false);
	feed(&l, SLOT_SWAPOUT, 103, 4);		/* cached */
	feed(&l, FAULT_SWAPIN, 100, 1);		/* asks 101 and 102 */
	feed(&l, FAULT_SWAPIN, 102, 3);		/* hit */
	feed(&l, FAULT_SWAPIN, 101, -1);	/* no slot in the record: found by page */
	CHECK("lane: page requests follow the page's slot; hits by page or slot",
	      l.st.prefetched == 2 && l.st.hits == 2 && !l.st.rejected, "prefetched %llu "
	      "hits %llu rejected %llu", ST(prefetched), ST(hits), ST(rejected));
	feed(&l, SLOT_SWAPOUT, 200, 9);
	feed(&l, SLOT_UNCACHE, 0, 9);
	feed(&l, FAULT_SWAPIN, 200, 9);		/* asks 201, 202: never swapped out */
	feed(&l, SLOT_SWAPOUT, 150, 10);
	feed(&l, SLOT_UNCACHE, 0, 10);
	feed(&l, FAULT_SWAPIN, 150, 10);	/* nothing is known after it */
	feed(&l, SLOT_SWAPOUT, 50, 11);
	feed(&l, SLOT_UNCACHE, 0, 11);
	feed(&l, FAULT_SWAPIN, 50, 11);		/* asks 51, 52: never swapped out */
	feed(&l, SLOT_UNCACHE, 0, 2);
	feed(&l, FAULT_SWAPIN, 99, 12);		/* unknown slot; asks 100 (mapped), 101 (mapped) */
	CHECK("lane: a request for a mapped page is rejected, and for a page of a process with "
	      "swapouts that none named (never swapped out)",
	      l.st.rejected == 8 && l.st.prefetched == 2, "rejected %llu prefetched %llu",
	      ST(rejected), ST(prefetched));
	replay_lane_free(&l);
}

int main(void)
{
	test_table();
	test_growth();
	test_lane_rules();
	return UNIT_EXIT();
}
