/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory bloat: zero-filled 4 KiB subpages inside the 2 MiB transparent
 * huge pages of a process, found without faulting, splitting or
 * collapsing anything (pagemap + kpageflags to find the huge pages, process_vm_readv per cache-sized chunk to read their content).
 */
#ifndef HF_HPBLOAT_SCAN_H
#define HF_HPBLOAT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "maps.h"
#include "thp.h"

struct hf_bloat_region {
	uint64_t addr;
	uint32_t vma;			/* index into hf_bloat_proc.vma */
	uint16_t zero_subpages;		/* 0..512 */
	bool would_split;		/* by the stock THP shrinker */
};

/* Counters kept per VMA and per process alike. */
struct hf_bloat_count {
	uint64_t huge_pages;		/* PMD-mapped THPs scanned */
	uint64_t huge_zero_pages;	/* mappings of the shared huge zero page */
	uint64_t zero_subpages;
	uint64_t would_split;		/* THPs the shrinker would split */
	uint64_t would_free_subpages;	/* zero subpages it would free doing so */
};

struct hf_bloat_vma {
	struct hf_vma vma;
	struct hf_bloat_count c;
};

struct hf_bloat_proc {
	pid_t pid;
	char comm[16];
	struct hf_bloat_vma *vma;	/* only VMAs holding huge pages */
	int nvma;
	size_t vma_cap;
	struct hf_bloat_region *region;
	size_t nregion, region_cap;
	struct hf_bloat_count c;
	uint64_t changed;		/* huge pages that changed under the scan */
	uint64_t scanned_bytes;
	uint64_t scan_ns;
};

struct hf_bloat_scanner {
	const struct hf_thp_policy *policy;
	void *buf;			/* one chunk */
	size_t chunk;			/* bytes per process_vm_readv, divides 2 MiB */
};

int hf_bloat_scanner_init(struct hf_bloat_scanner *s, const struct hf_thp_policy *policy,
			  size_t chunk);
void hf_bloat_scanner_free(struct hf_bloat_scanner *s);

/*
 * Scan one process. Returns 0, or -ENOENT (no such process), -ESRCH (it
 * exited during the scan), -EACCES/-EPERM (privileges; *what names the
 * file or call), or -errno. The result is valid only on 0.
 */
int hf_bloat_scan(struct hf_bloat_scanner *s, pid_t pid, struct hf_bloat_proc *p,
		  const char **what);
void hf_bloat_proc_free(struct hf_bloat_proc *p);

/* Count the zero 4 KiB pages in len bytes (page-aligned buffer). */
unsigned int hf_bloat_count_zero(const void *mem, size_t len);

/* Add a scanned huge page with this many zero subpages to a counter. */
void hf_bloat_count_add(struct hf_bloat_count *c, const struct hf_thp_policy *policy,
			unsigned int zero_subpages);

#endif
