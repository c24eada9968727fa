/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fbtrace -s with -p or -c: the pages the traced processes had already
 * swapped out when the trace began, as swapout slot records, so that the
 * trace names every page of theirs in a swap slot (replay takes a traced
 * process's slot records as complete). Read from /proc/PID/maps and
 * /proc/PID/pagemap once the tracepoints are attached: a page swapped out
 * meanwhile is seen twice, which replay takes as once.
 */
#ifndef HF_FBTRACE_SLOTSNAP_H
#define HF_FBTRACE_SLOTSNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cli.h"
#include "maps.h"
#include "record.h"

/* Pagemap entries read at a time: 16 MiB of address space in 32 KiB. */
#define SLOTSNAP_BATCH 4096

/*
 * Swap types below this are swap devices whatever the kernel's config:
 * MAX_SWAPFILES is 23 to 32, and the types above it are migration,
 * device-private, hwpoison and marker entries, which pagemap shows as
 * swap entries too.
 */
#define SLOTSNAP_SWAP_TYPES 23

/*
 * Does the kernel swap this VMA's pages out as the process's own? Its
 * private memory: anonymous ([heap], [stack], [anon:NAME] too) and the
 * copied-on-write pages of private file mappings; not shared memory,
 * whose pages tmpfs swaps out, nor [vdso], [vvar] and [vsyscall].
 */
bool slotsnap_vma_wanted(const struct hf_vma *vma);

/*
 * The swapout records of n pagemap entries of the pages from addr: for
 * each page in a swap slot, a copy of *tmpl with its addr, swap_type and
 * swap_offset, in out (room for n). Returns how many. *hidden counts the
 * swap entries whose slot pagemap hides (offset 0, the swap header: it
 * shows slots only to CAP_SYS_ADMIN). Pure.
 */
size_t slotsnap_records(const uint64_t *ent, size_t n, uint64_t addr,
			const struct fault_record *tmpl, struct fault_record *out,
			uint64_t *hidden);

typedef int (*slotsnap_emit_fn)(void *ctx, const struct fault_record *r);

struct slotsnap {
	int slots_fd;		/* the BPF map of traced slots, filled; -1: none */
	int pids_fd;		/* -c: the BPF map of the cgroup's processes; -1: none */
	slotsnap_emit_fn emit;	/* nonzero stops the snapshot */
	void *ctx;
	uint64_t records;	/* emitted */
	uint64_t untracked;	/* slots that did not fit in slots_fd */
	uint64_t hidden;	/* swap entries whose slot pagemap hid */
};

/*
 * Snapshot the processes of pids (a thread stands for its process; each
 * is done once, fbtrace never): every one goes into pids_fd first, then
 * for each of their pages in a swap slot the slot goes into slots_fd and
 * its record to emit. A process that exits meanwhile is skipped, one that
 * cannot be read is warned about. 0, emit's error, or -ENOMEM.
 */
int slotsnap_run(struct slotsnap *ss, const struct hf_pids *pids);

#endif
