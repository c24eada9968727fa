/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpbloat's report: the bloat of several processes scanned with one
 * hf_bloat_scanner (bloat.h), totalled, and ranked by zero subpages per
 * process, per VMA or per 2 MiB region.
 */
#ifndef HF_HPBLOAT_REPORT_H
#define HF_HPBLOAT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "scan.h"
#include "cli.h"
#include "thp.h"

struct hf_bloat_report {
	struct hf_thp_policy policy;
	struct hf_bloat_proc *proc;
	int nproc;
	size_t cap;
	struct hf_bloat_count total;
	uint64_t scanned_bytes, scan_ns;
	/*
	 * The processes that could not be scanned, each also named on
	 * stderr: with -j they go into the one document (an "errors" field,
	 * or the error document when nothing was scanned), never as
	 * documents of their own.
	 */
	struct hf_bloat_error {
		pid_t pid;		/* 0: not about one process */
		char msg[256];
	} *err;
	int nerr;
	size_t errcap;
};

/*
 * Scan every pid into rep. With skip_unreadable (--all, a cgroup), a
 * process that cannot be read is skipped (all: and one without huge pages
 * too), else it is an error named on stderr and kept in rep->err (a
 * kernel thread or a zombie too). Returns the worst hf_exit status.
 */
int hf_bloat_report_scan(struct hf_bloat_report *rep, struct hf_bloat_scanner *s,
			 const struct hf_pids *pids, bool all, bool skip_unreadable);
void hf_bloat_report_free(struct hf_bloat_report *rep);

enum hf_bloat_rows { HF_BLOAT_BY_PROC, HF_BLOAT_BY_VMA, HF_BLOAT_BY_REGION };

struct hf_bloat_row {
	const struct hf_bloat_proc *proc;
	const struct hf_bloat_vma *vma;		/* VMA and region rows */
	const struct hf_bloat_region *region;	/* region rows */
	uint64_t zero;				/* the ranking key */
};

/* The rows, most zero subpages first, cut to top (0: all); free() them. */
struct hf_bloat_row *hf_bloat_report_rank(const struct hf_bloat_report *rep,
					  enum hf_bloat_rows by, size_t top, size_t *n);

#endif
