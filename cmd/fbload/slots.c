// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "slots.h"

/*
 * Slots in an array, in order of first sight, found through an open
 * addressing index; pages through a second one, each naming its slot.
 * Nothing is ever deleted: a freed slot stays as FREE, and a page whose
 * slot moved on stays pointing at it (replay_slots_page_state() sees it is no
 * longer there). Both grow by doubling at half full; memory follows the
 * slots and pages the trace names, not its length.
 */
struct page_ref {
	uint64_t page;
	uint32_t pid;
	uint32_t slot;		/* index + 1; 0: empty entry */
};

struct replay_slots {
	struct replay_slot *slot;
	uint32_t nslots;
	size_t cap;
	uint32_t *index;	/* slot index + 1 by (type, offset); 0: empty */
	uint32_t index_mask;
	struct page_ref *page;	/* by (pid, page) */
	uint32_t npages, page_mask;
	uint32_t *pids;		/* with a swapout: their swapped pages are all known */
	size_t npids, pids_cap;
};

#define INITIAL 1024

static inline uint64_t mix(uint64_t x)
{
	return (x * 0x9E3779B97F4A7C15ULL) >> 20;
}

static inline uint64_t slot_hash(int type, int64_t offset)
{
	return mix((uint64_t)offset ^ (uint64_t)type << 56);
}

static inline uint64_t page_hash(uint32_t pid, uint64_t page)
{
	return mix(page ^ (uint64_t)pid << 40);
}

struct replay_slots *replay_slots_new(void)
{
	struct replay_slots *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->index = calloc(INITIAL, sizeof(*t->index));
	t->page = calloc(INITIAL, sizeof(*t->page));
	if (!t->index || !t->page) {
		replay_slots_free(t);
		return NULL;
	}
	t->index_mask = t->page_mask = INITIAL - 1;
	return t;
}

void replay_slots_free(struct replay_slots *t)
{
	if (!t)
		return;
	free(t->slot);
	free(t->index);
	free(t->page);
	free(t->pids);
	free(t);
}

/* The index entry of (type, offset): its slot's, or the empty one it would take. */
static uint32_t *index_at(const struct replay_slots *t, uint32_t *index, uint32_t mask,
			  int type, int64_t offset)
{
	for (uint64_t i = slot_hash(type, offset);; i++) {
		uint32_t *e = &index[i & mask];

		if (!*e || (t->slot[*e - 1].offset == offset && t->slot[*e - 1].type == type))
			return e;
	}
}

static struct page_ref *page_at(struct page_ref *refs, uint32_t mask, uint32_t pid,
				uint64_t page)
{
	for (uint64_t i = page_hash(pid, page);; i++) {
		struct page_ref *p = &refs[i & mask];

		if (!p->slot || (p->page == page && p->pid == pid))
			return p;
	}
}

/* Room for one more slot: the array and, at half full, a twice larger index. */
static int slot_room(struct replay_slots *t)
{
	if (t->nslots == UINT32_MAX - 1 || HF_GROW(t->slot, t->cap, t->nslots + 1))
		return -ENOMEM;
	if ((t->nslots + 1) * 2 > t->index_mask + 1) {
		uint32_t mask = t->index_mask * 2 + 1;
		uint32_t *index = mask > t->index_mask ? calloc(mask + 1, sizeof(*index)) : NULL;

		if (!index)
			return -ENOMEM;
		for (uint32_t i = 0; i < t->nslots; i++)
			*index_at(t, index, mask, t->slot[i].type, t->slot[i].offset) = i + 1;
		free(t->index);
		t->index = index;
		t->index_mask = mask;
	}
	return 0;
}

static int page_room(struct replay_slots *t)
{
	uint32_t mask = t->page_mask * 2 + 1;
	struct page_ref *refs;

	if ((t->npages + 1) * 2 <= t->page_mask + 1)
		return 0;
	refs = mask > t->page_mask ? calloc(mask + 1, sizeof(*refs)) : NULL;
	if (!refs)
		return -ENOMEM;
	for (uint32_t i = 0; i <= t->page_mask; i++)
		if (t->page[i].slot)
			*page_at(refs, mask, t->page[i].pid, t->page[i].page) = t->page[i];
	free(t->page);
	t->page = refs;
	t->page_mask = mask;
	return 0;
}

/* A device's slot as replay keys it: an unknown type is the first device. */
static inline int slot_type(int type)
{
	return type > 0 ? type : 0;
}

struct replay_slot *replay_slot_find(const struct replay_slots *t, int type, int64_t offset)
{
	uint32_t e = *index_at(t, t->index, t->index_mask, slot_type(type), offset);

	return e ? &t->slot[e - 1] : NULL;
}

/* The slot (type, offset), new (FREE, no page) if unseen; NULL on ENOMEM. */
static struct replay_slot *slot_get(struct replay_slots *t, int type, int64_t offset, bool *seen)
{
	struct replay_slot *s = replay_slot_find(t, type, offset);

	*seen = s;
	if (s)
		return s;
	if (slot_room(t))
		return NULL;
	type = slot_type(type);
	s = &t->slot[t->nslots++];
	*s = (struct replay_slot){ .offset = offset, .type = type, .state = REPLAY_SLOT_FREE };
	*index_at(t, t->index, t->index_mask, type, offset) = t->nslots;
	return s;
}

/*
 * Slot s now holds page (pid, page) in this state. The page's old slot,
 * if another, holds it no longer: no page table entry counts that slot
 * any more, so a request for it is rejected (MAPPED) until it is freed.
 */
static int slot_bind(struct replay_slots *t, struct replay_slot *s, uint32_t pid, uint64_t page,
		     enum replay_slot_state state)
{
	struct page_ref *p;

	if (page_room(t))
		return -ENOMEM;
	p = page_at(t->page, t->page_mask, pid, page);
	if (p->slot && &t->slot[p->slot - 1] != s) {
		struct replay_slot *old = &t->slot[p->slot - 1];

		if (old->has_page && old->pid == pid && old->page == page) {
			old->has_page = false;
			if (old->state != REPLAY_SLOT_FREE)
				old->state = REPLAY_SLOT_MAPPED;
		}
	}
	if (!p->slot)
		t->npages++;
	*p = (struct page_ref){ .page = page, .pid = pid, .slot = s - t->slot + 1 };
	s->page = page;
	s->pid = pid;
	s->has_page = true;
	s->state = state;
	return 0;
}

/* Has pid a swapout record? Few processes swap in a trace: a linear look. */
static bool pid_known(const struct replay_slots *t, uint32_t pid)
{
	for (size_t i = 0; i < t->npids; i++)
		if (t->pids[i] == pid)
			return true;
	return false;
}

static int pid_note(struct replay_slots *t, uint32_t pid)
{
	if (pid_known(t, pid))
		return 0;
	if (HF_GROW(t->pids, t->pids_cap, t->npids + 1))
		return -ENOMEM;
	t->pids[t->npids++] = pid;
	return 0;
}

int replay_slots_apply(struct replay_slots *t, const struct fault_record *r)
{
	struct replay_slot *s;
	bool seen;

	if (r->swap_offset < 0)		/* names no slot: nothing to learn */
		return 0;
	s = slot_get(t, r->swap_type, r->swap_offset, &seen);
	if (!s)
		return -ENOMEM;
	switch (r->kind) {
	case SLOT_SWAPOUT:
		if (pid_note(t, r->pid))
			return -ENOMEM;
		return slot_bind(t, s, r->pid, replay_vpage(r->addr), REPLAY_SLOT_CACHED);
	case SLOT_UNCACHE:
		/* in use, on the device only; a mapped or freed slot stays so */
		if (!seen || s->state == REPLAY_SLOT_CACHED)
			s->state = REPLAY_SLOT_SWAPPED;
		return 0;
	case SLOT_FREE:
		s->state = REPLAY_SLOT_FREE;
		s->has_page = false;
		return 0;
	default:
		return 0;
	}
}

int replay_slots_fault(struct replay_slots *t, struct replay_slot *s, uint32_t pid, uint64_t page)
{
	return slot_bind(t, s, pid, page, REPLAY_SLOT_MAPPED);
}

enum replay_slot_state replay_slots_page_state(const struct replay_slots *t, uint32_t pid,
					       uint64_t page, struct replay_slot **sp)
{
	const struct page_ref *p = page_at(t->page, t->page_mask, pid, page);
	struct replay_slot *s = p->slot ? &t->slot[p->slot - 1] : NULL;

	*sp = NULL;
	if (!s)		/* never swapped out, if the trace shows pid's swap-outs */
		return pid_known(t, pid) ? REPLAY_SLOT_FREE : REPLAY_SLOT_UNKNOWN;
	if (!s->has_page || s->pid != pid || s->page != page)
		return REPLAY_SLOT_FREE;
	*sp = s;
	return s->state;
}
