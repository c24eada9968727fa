/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The access-coverage measurement of hpcov: for each process, the
 * pagemap of every whole 2 MiB region of its VMAs; its present pages
 * marked idle (idle.h), a wait, and the pages no longer idle counted per
 * region. Needs root and /sys/kernel/mm/page_idle.
 */
#ifndef HF_COVSCAN_H
#define HF_COVSCAN_H

#include <signal.h>
#include <stdbool.h>
#include "cli.h"
#include "idle.h"
#include "maps.h"
#include "pagemap.h"

struct hf_cov_snap {
	uint64_t addr;
	int vma;
	bool huge;
	uint64_t head_pfn;
	unsigned int coverage;		/* summed over rounds */
	uint64_t before[HF_HPAGE_NR];
};

struct hf_cov_target {
	pid_t pid;
	char comm[16];
	bool gone;
	struct hf_vmas vmas;
	struct hf_pagemap pm;
	struct hf_cov_snap *snap;
	size_t nsnap;
};

struct hf_covscan {
	struct hf_cov_target *t;
	int nt;
	int idle_fd;
	int status;		/* hf_exit of the worst per-process failure */
	double interval;	/* seconds between marking and reading */
	unsigned int rounds;	/* rounds measured so far */
	bool all;		/* --all: skip unreadable processes quietly */
	volatile sig_atomic_t *stop;	/* optional: cut the wait short when set */
};

/*
 * Open the idle bitmap (an hf_exit status and a message naming what is
 * missing on failure), then the processes; a process that cannot be
 * opened is dropped and recorded in r->status.
 */
int hf_covscan_open(struct hf_covscan *r, const struct hf_pids *pids, double interval, bool all);
/* One round: mark, wait r->interval, read. HF_EXIT_OK or HF_EXIT_FAIL. */
int hf_covscan_round(struct hf_covscan *r);
/* The regions of the live processes, mean coverage, in promotion order. */
struct hf_cov_region *hf_covscan_rank(const struct hf_covscan *r, size_t *n);
void hf_covscan_close(struct hf_covscan *r);

static inline const struct hf_cov_target *hf_covscan_target(const struct hf_covscan *r,
							     const struct hf_cov_region *c)
{
	return &r->t[c->owner];
}

/* Sleep s seconds, resuming after signals unless *stop becomes set. */

#endif
