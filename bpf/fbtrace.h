/* SPDX-License-Identifier: GPL-2.0 */
/* The event fbtrace.bpf.c hands to user space, and its counters. */
#ifndef FBTRACE_H
#define FBTRACE_H

#include "fault_kind.h"

#define FBTRACE_COMM_LEN 16

/* fbtrace.bpf.c's names for the kinds. */
#define FBTRACE_MINOR	FAULT_MINOR
#define FBTRACE_MAJOR	FAULT_MAJOR
#define FBTRACE_SWAPIN	FAULT_SWAPIN

struct fbtrace_event {
	__u64 time_ns;
	__u64 addr;
	__s64 swap_offset;	/* -1: unknown (stock kernel) */
	__u32 pid;
	__u32 tid;
	__s32 swap_type;	/* -1: unknown */
	__u8 kind;		/* enum fault_kind */
	__s8 cache_hit;		/* -1: unknown */
	__u16 nr;		/* slot records: slots from swap_offset on */
	char comm[FBTRACE_COMM_LEN];
};

/*
 * Slots of the per-CPU "counters" array. FBTRACE_SLOTS_UNTRACKED: swap
 * slots of traced pages that did not fit in the slot map (their later
 * events are lost).
 */
enum fbtrace_counter { FBTRACE_LOST, FBTRACE_SLOTS_UNTRACKED, FBTRACE_NR_COUNTERS };

/* A slot's key in the map of traced slots, which user space fills too. */
static inline __u64 fbtrace_slot_key(__u32 type, __u64 offset)
{
	return (__u64)type << 48 | offset;
}

#endif
