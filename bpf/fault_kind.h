/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kinds of record in a fault trace, defined once for fbtrace.bpf.c
 * (the kind of each event it emits) and user space (record.h).
 *
 * Faults come first: FAULT_KIND_COUNT bounds the per-kind fault counters.
 * Slot records (format v2) follow: what happened to a swap slot, so that
 * replay knows which slot holds which page and whether it is cached.
 */
#ifndef HF_FAULT_KIND_H
#define HF_FAULT_KIND_H

enum fault_kind {
	FAULT_MINOR,
	FAULT_MAJOR,
	FAULT_SWAPIN,
	FAULT_KIND_COUNT,
	/* an anonymous page (pid, addr) was unmapped into a swap slot */
	SLOT_SWAPOUT = FAULT_KIND_COUNT,
	/* the page in a slot left the swap cache: only the slot holds it now */
	SLOT_UNCACHE,
	/* a slot was freed: it holds nothing */
	SLOT_FREE,
	RECORD_KIND_COUNT,
};

static inline int fault_kind_is_slot(int kind)
{
	return kind >= SLOT_SWAPOUT && kind < RECORD_KIND_COUNT;
}

#endif
