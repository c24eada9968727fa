// SPDX-License-Identifier: GPL-2.0
/*
 * The slot table (cmd/fbload/slots.c): no root, no BPF.
 */
#include <stdlib.h>
#include <string.h>
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

static enum slot_state state_of(struct slot_table *t, int64_t slot)
{
	struct slot *s = slot_find(t, 0, slot);

	return s ? s->state : SLOT_ST_UNKNOWN;
}

static enum slot_state page_state(struct slot_table *t, uint32_t pid, uint64_t page)
{
	struct slot *s;

	return slot_page_state(t, pid, page, &s);
}

static void apply(struct slot_table *t, enum fault_kind kind, uint64_t page, int64_t slot)
{
	struct fault_record r = rec(kind, page, slot);

	slot_table_apply(t, &r);
}

static void test_table(void)
{
	struct slot_table *t = slot_table_new();
	struct slot *s;

	CHECK_TRUE("table: an unseen slot and page are unknown",
		   !slot_find(t, 0, 10) && page_state(t, PID, 100) == SLOT_ST_UNKNOWN);
	apply(t, SLOT_SWAPOUT, 100, 10);
	s = slot_find(t, 0, 10);
	CHECK_TRUE("table: swapout: the slot holds the page, in the swap cache",
		   s && s->has_page && s->page == 100 && s->pid == PID &&
		   s->state == SLOT_ST_CACHED && page_state(t, PID, 100) == SLOT_ST_CACHED);
	apply(t, SLOT_UNCACHE, 0, 10);
	CHECK_TRUE("table: uncache: on the device only",
		   state_of(t, 10) == SLOT_ST_SWAPPED && page_state(t, PID, 100) == SLOT_ST_SWAPPED);
	slot_table_fault(t, slot_find(t, 0, 10), PID, 100);
	CHECK_TRUE("table: a fault maps the page (swap count 0)",
		   state_of(t, 10) == SLOT_ST_MAPPED && page_state(t, PID, 100) == SLOT_ST_MAPPED);
	apply(t, SLOT_UNCACHE, 0, 10);
	CHECK_TRUE("table: uncache leaves a mapped slot mapped", state_of(t, 10) == SLOT_ST_MAPPED);
	apply(t, SLOT_FREE, 0, 10);
	CHECK_TRUE("table: slotfree: the slot holds nothing, its page is no longer in it",
		   state_of(t, 10) == SLOT_ST_FREE && page_state(t, PID, 100) == SLOT_ST_FREE);

	apply(t, SLOT_SWAPOUT, 200, 10);
	CHECK_TRUE("table: a reused slot holds the new page only",
		   page_state(t, PID, 200) == SLOT_ST_CACHED && page_state(t, PID, 100) == SLOT_ST_FREE &&
		   page_state(t, PID + 1, 200) == SLOT_ST_UNKNOWN);
	apply(t, SLOT_SWAPOUT, 200, 20);
	s = slot_find(t, 0, 10);
	CHECK_TRUE("table: a page swapped out anew leaves its old slot unreferenced (rejected)",
		   s->state == SLOT_ST_MAPPED && !s->has_page &&
		   page_state(t, PID, 200) == SLOT_ST_CACHED && slot_find(t, 0, 20)->page == 200);

	apply(t, SLOT_UNCACHE, 0, 30);
	apply(t, SLOT_FREE, 0, 31);
	CHECK_TRUE("table: uncache or slotfree of an unseen slot: on the device, or free",
		   state_of(t, 30) == SLOT_ST_SWAPPED && !slot_find(t, 0, 30)->has_page &&
		   state_of(t, 31) == SLOT_ST_FREE);
	apply(t, SLOT_UNCACHE, 0, -1);
	CHECK_TRUE("table: type -1 is device 0; devices are apart; no offset, no slot",
		   slot_find(t, -1, 30) == slot_find(t, 0, 30) && !slot_find(t, 1, 30) &&
		   !slot_find(t, 0, -1));
	slot_table_free(t);
}

/* Many slots and pages: the indexes grow and every one is still found. */
static void test_growth(void)
{
	enum { N = 100000 };
	struct slot_table *t = slot_table_new();
	int bad = 0;

	for (int i = 1; i <= N; i++)
		apply(t, SLOT_SWAPOUT, 1000000 + i * 3, i);
	for (int i = 1; i <= N; i += 2)
		apply(t, SLOT_UNCACHE, 0, i);
	for (int i = 1; i <= N; i++) {
		struct slot *s = slot_find(t, 0, i);

		bad += !s || s->page != (uint64_t)(1000000 + i * 3) ||
		       s->state != (i % 2 ? SLOT_ST_SWAPPED : SLOT_ST_CACHED) ||
		       page_state(t, PID, 1000000 + i * 3) != s->state;
	}
	CHECK("table: 100k slots and pages through growing indexes", !bad, "%d wrong", bad);
	slot_table_free(t);
}

int main(void)
{
	test_table();
	test_growth();
	return UNIT_EXIT();
}
