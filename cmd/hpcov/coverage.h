/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The access-coverage measurement of hpcov, from one of two sources:
 *
 * - access_map: on the hawkfetch kernel with khugepaged's scan_order set to
 *   coverage, khugepaged's own measurement, read from /proc/PID/access_map
 *   (accessmap.h): no marking, no waiting, no root (ptrace read access).
 * - page_idle: for each process, the pagemap of every whole 2 MiB region
 *   of its VMAs; its present pages marked idle (idle.h), a wait, and the
 *   pages no longer idle counted per region. Needs root and
 *   /sys/kernel/mm/page_idle.
 */
#ifndef HF_HPCOV_COVERAGE_H
#define HF_HPCOV_COVERAGE_H

#include <signal.h>
#include <stdbool.h>
#include "cli.h"
#include "idle.h"
#include "maps.h"
#include "pagemap.h"

enum hf_cov_source {
	HF_COV_PAGE_IDLE,	/* measured here through idle page tracking */
	HF_COV_ACCESS_MAP,	/* khugepaged's, from /proc/PID/access_map */
	HF_COV_FILE,		/* a saved hpcov -j run (hpcov --promote --from) */
};

/* "page_idle", "access_map", "file": the "source" of hpcov's reports. */
const char *hf_cov_source_name(enum hf_cov_source source);

struct hf_cov_snap {
	uint64_t addr;
	int vma;
	bool huge;
	uint64_t head_pfn;
	unsigned int coverage;		/* page_idle: summed over rounds */
	uint64_t before[HF_HPAGE_NR];
};

struct hf_cov_target {
	pid_t pid;
	char comm[16];
	bool gone;
	bool warned_empty;	/* access_map: said that it is empty */
	struct hf_vmas vmas;
	struct hf_pagemap pm;
	struct hf_cov_snap *snap;
	size_t nsnap;
};

struct hf_covscan {
	struct hf_cov_target *t;
	int nt;
	enum hf_cov_source source;	/* HF_COV_PAGE_IDLE or HF_COV_ACCESS_MAP */
	int idle_fd;
	int status;		/* hf_exit of the worst per-process failure */
	double interval;	/* seconds between marking and reading */
	unsigned int rounds;	/* rounds measured so far */
	bool all;		/* --all: skip unreadable processes quietly */
	volatile sig_atomic_t *stop;	/* optional: cut the wait short when set */
};

/*
 * Choose the source: access_map when khugepaged's scan_order is
 * "coverage", else page_idle (its bitmap opened). On failure an hf_exit
 * status and a message naming what is missing (and, on the hawkfetch
 * kernel in address order, the scan_order to write). Then the processes;
 * a process that cannot be opened is dropped and recorded in r->status.
 */
int hf_covscan_open(struct hf_covscan *r, const struct hf_pids *pids, double interval, bool all);
/*
 * One round. page_idle: mark, wait r->interval, read. access_map: read
 * each process's file (after waiting r->interval, except in the first
 * round); its coverage replaces the last round's, since the kernel's is
 * already a moving average. HF_EXIT_OK or HF_EXIT_FAIL.
 */
int hf_covscan_round(struct hf_covscan *r);
/* The regions of the live processes, mean coverage, in promotion order. */
struct hf_cov_region *hf_covscan_rank(const struct hf_covscan *r, size_t *n);
void hf_covscan_close(struct hf_covscan *r);

static inline const struct hf_cov_target *hf_covscan_target(const struct hf_covscan *r,
							     const struct hf_cov_region *c)
{
	return &r->t[c->owner];
}

#endif
