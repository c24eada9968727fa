/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Physical backing of a process's memory: /proc/PID/pagemap (one u64 per
 * virtual page) and /proc/kpageflags (one u64 per PFN), as documented in
 * the kernel's Documentation/admin-guide/mm/pagemap.rst. PFNs are shown
 * only to CAP_SYS_ADMIN; without it they read as 0.
 */
#ifndef HF_PAGEMAP_H
#define HF_PAGEMAP_H

#include <stdint.h>
#include <sys/types.h>

#include "hf.h"		/* HF_PAGE_SHIFT, HF_HPAGE_SHIFT */

/* pagemap entry bits */
#define PM_PRESENT	(1ULL << 63)
#define PM_SWAP		(1ULL << 62)
#define PM_PFN(e)	((e) & ((1ULL << 55) - 1))
/* A swap entry's slot (PM_SWAP without PM_PRESENT): bits 0-4 and 5-54. */
#define PM_SWAP_TYPE(e)		((unsigned int)((e) & 0x1f))
#define PM_SWAP_OFFSET(e)	(PM_PFN(e) >> 5)

/* kpageflags bit numbers (include/uapi/linux/kernel-page-flags.h) */
enum {
	KPF_COMPOUND_HEAD = 15,
	KPF_COMPOUND_TAIL = 16,
	KPF_HUGE = 17,		/* hugetlbfs, not THP */
	KPF_NOPAGE = 20,
	KPF_THP = 22,
	KPF_ZERO_PAGE = 24,
	KPF_IDLE = 25,
};
#define KPF(bit) (1ULL << (bit))

struct hf_pagemap {
	pid_t pid;
	int pagemap_fd;
	int kpageflags_fd;	/* -1 when not needed or not opened */
};

/*
 * Open /proc/PID/pagemap and, with want_flags, /proc/kpageflags.
 * Returns 0, -ENOENT (no such process), -EACCES, or -errno; on failure
 * *what names the file that failed.
 */
int hf_pagemap_open(struct hf_pagemap *pm, pid_t pid, int want_flags, const char **what);
void hf_pagemap_close(struct hf_pagemap *pm);

/* n entries for the pages from addr. -ESRCH when the process has exited. */
int hf_pagemap_read(const struct hf_pagemap *pm, uint64_t addr, size_t n, uint64_t *ents);
/* n kpageflags words from pfn. */
int hf_kpageflags_read(const struct hf_pagemap *pm, uint64_t pfn, size_t n, uint64_t *flags);

/* How one 2 MiB-aligned virtual region is backed. */
enum hf_region_kind {
	HF_REGION_BASE,		/* base pages (or nothing) */
	HF_REGION_HUGE,		/* one PMD-sized THP, all 512 subpages mapped */
	HF_REGION_HUGE_ZERO,	/* the shared huge zero page */
};

struct hf_region {
	uint64_t addr;
	enum hf_region_kind kind;
	uint64_t head_pfn;	/* first PFN when huge */
	unsigned int present;	/* present base pages, 0..512 */
	uint64_t ent[HF_HPAGE_NR];	/* the region's pagemap entries */
};

/*
 * Read the pagemap entries of the region at addr (2 MiB aligned) and
 * classify it. Returns 0, -ESRCH (process gone), -EPERM (PFNs hidden: the
 * caller lacks CAP_SYS_ADMIN), or -errno.
 */
int hf_region_probe(const struct hf_pagemap *pm, uint64_t addr, struct hf_region *r);

/*
 * Classify from entries and the kpageflags of their PFNs (both 512 long,
 * flags only consulted when the PFNs are contiguous). Pure; unit-tested.
 */
enum hf_region_kind hf_region_kind_of(const uint64_t *ent, const uint64_t *flags);

/* True when 512 entries are present and map 512 contiguous, aligned PFNs. */
int hf_region_contiguous(const uint64_t *ent);

#endif
