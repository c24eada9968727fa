/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Access coverage of 2 MiB regions through idle page tracking
 * (Documentation/admin-guide/mm/idle_page_tracking.rst): mark the PFNs of
 * a process idle in /sys/kernel/mm/page_idle/bitmap, wait, read the bits
 * back; a page no longer idle was accessed. HawkEye's access_map places
 * each region in a bucket by its coverage (accessed base pages, 0..512).
 */
#ifndef HF_HPCOV_IDLE_H
#define HF_HPCOV_IDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The paper's buckets: 50 base pages wide, 0-49 in bucket 0, 50-99 in
 * bucket 1, ..., 450-499 in bucket 9, and 500-512 in bucket 10 (the last
 * one 13 pages wide, so that a fully covered region is in a bucket of its own
 * with the nearly full ones).
 */
#define HF_COV_BUCKET_PAGES 50
#define HF_COV_BUCKETS 11

/* Open the bitmap read-write. 0, -ENOENT (no idle page tracking), -errno. */
int hf_idle_open(int *fd, char *path, size_t len);

/* The PFNs to track, as sorted 64-PFN words of the bitmap. */
struct hf_idle_set {
	uint64_t *word;		/* word index = pfn / 64, sorted, unique */
	uint64_t *mask;		/* the PFNs of ours in that word */
	uint64_t *idle;		/* bits read back */
	size_t n;
	/*
	 * Words from here on lie past the end of memory (PFNs of device
	 * memory, e.g. [vvar]): the bitmap does not track them, and they read
	 * back as idle, so they never count as accessed.
	 */
	size_t tracked;
};

int hf_idle_set_build(struct hf_idle_set *s, const uint64_t *pfn, size_t n);
void hf_idle_set_free(struct hf_idle_set *s);
/* Set the idle bit of every PFN in the set (one write per run of words). */
int hf_idle_mark(int fd, struct hf_idle_set *s);
/* Read the bits of the set back into s->idle. */
int hf_idle_read(int fd, struct hf_idle_set *s);
/* Was this PFN still idle at hf_idle_read()? (false if not in the set) */
bool hf_idle_test(const struct hf_idle_set *s, uint64_t pfn);

/*
 * Accessed base pages of one region (512 pagemap entries before marking
 * and after reading): a page present both times at the same PFN counts if
 * its idle bit was cleared; a page that appeared or moved in between was
 * faulted in, so it counts too.
 */
unsigned int hf_cov_count(const uint64_t *before, const uint64_t *after,
			  const struct hf_idle_set *s);

/* HawkEye's bucket for a coverage: min(coverage / 50, 10), 0 (cold) .. 10 (hot). */
unsigned int hf_cov_bucket(unsigned int coverage);

struct hf_cov_region {
	pid_t pid;
	uint64_t addr;
	unsigned int coverage;
	bool huge;		/* already huge-mapped: not a candidate */
	int owner, vma;		/* the caller's indices: process, VMA */
};

/* Promotion order: candidates before huge; bucket, coverage high first; pid, addr. */
int hf_cov_cmp(const void *a, const void *b);

#endif
