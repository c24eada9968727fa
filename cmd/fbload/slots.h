/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The swap slots a trace's slot records (format v2) tell of, for replay:
 * which slot holds which page (process, virtual page number), and each
 * slot's state as the kernel sees it when a policy's request comes
 * (kernel-patches/0002: fetchbpf_resolve(), fetchbpf_read_ahead()):
 *
 *   FREE	the slot holds nothing (slotfree): a request is rejected
 *   CACHED	its page is in the swap cache, swapped out and not yet
 *		uncached: a request reads nothing and is not counted
 *   SWAPPED	its page is on the device only (uncache): a request reads it
 *   MAPPED	its page was faulted back in (the swap-in dropped the swap
 *		count to 0): a request is rejected
 *
 * A page read ahead by a replay lane is CACHED too, but that is the
 * lane's buffer (replay.h), which evicts it: the table holds what the
 * trace says, the lane adds its own reads. A slot the table has not seen
 * is unknown here; a lane takes it as free (fbtrace -s names every slot
 * its traced processes use). A page of a process without swapout records
 * is unknown, and replay keeps its model without slots for it.
 */
#ifndef HF_FBLOAD_SLOTS_H
#define HF_FBLOAD_SLOTS_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "fb_replay.h"
#include "record.h"

enum replay_slot_state {
	REPLAY_SLOT_UNKNOWN,
	REPLAY_SLOT_FREE,
	REPLAY_SLOT_CACHED,
	REPLAY_SLOT_SWAPPED,
	REPLAY_SLOT_MAPPED,
};

struct replay_slot {
	int64_t offset;
	uint64_t page;		/* virtual page number of the page it holds */
	uint32_t pid;		/* of that page's process */
	uint8_t type;		/* the swap device */
	uint8_t state;		/* enum replay_slot_state */
	bool has_page;		/* page and pid are known */
};

struct replay_slots;
struct replay_slots *replay_slots_new(void);
void replay_slots_free(struct replay_slots *t);

/* Apply a slot record (swapout, uncache, slotfree). 0 or -ENOMEM. */
int replay_slots_apply(struct replay_slots *t, const struct fault_record *r);
/*
 * A swap-in fault of page (pid, page) on slot s: s holds that page, and
 * it is mapped now. 0 or -ENOMEM.
 */
int replay_slots_fault(struct replay_slots *t, struct replay_slot *s, uint32_t pid, uint64_t page);

/*
 * The slot (type, offset; type -1: device 0), or NULL when the table has
 * not seen it. Valid until the next replay_slots_apply().
 */
struct replay_slot *replay_slot_find(const struct replay_slots *t, int type, int64_t offset);
/*
 * Where page (pid, page) is: the state of the slot holding it (*s set);
 * REPLAY_SLOT_FREE (*s NULL) when its slot holds it no longer (freed, or
 * reused by another page: the page is mapped or gone), or when no slot
 * record named it but pid has swapout records: a trace of fbtrace -s
 * holds all of a traced process's swap-outs (those before the trace
 * began too), so the page was never swapped out (mapped, untouched, or
 * outside any mapping), and the kernel rejects a request for it;
 * REPLAY_SLOT_UNKNOWN when neither the page nor pid was named.
 */
enum replay_slot_state replay_slots_page_state(const struct replay_slots *t, uint32_t pid,
					       uint64_t page, struct replay_slot **s);

/* The virtual page number of an address, as replay keys pages. */
static inline uint64_t replay_vpage(uint64_t addr)
{
	return (addr >> 12) & FB_REPLAY_PAGE_MASK;
}

#endif
