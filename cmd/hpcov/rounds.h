/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpcov --promote's rounds: the processes (pidfds, names checked against
 * the coverage source), their regions (from a coverage file or a live
 * covscan), the huge-page check before each plan (promote.h), and the
 * collapses (collapse.h), each handed to a report callback.
 */
#ifndef HF_HPCOV_ROUNDS_H
#define HF_HPCOV_ROUNDS_H

#include <signal.h>
#include <stdbool.h>
#include "cli.h"
#include "collapse.h"
#include "coverage.h"
#include "order.h"
#include "weights.h"

struct hf_promoter_proc {
	struct hf_collapse_target tgt;	/* pidfd < 0: not opened (dry run) */
	char comm[16];
	unsigned int promoted, failed;
};

struct hf_promoter;
/* Called per planned region: res is NULL in a dry run. */
typedef void (*hf_promoter_report)(const struct hf_promoter *pr,
				   const struct hf_promote_region *r, size_t proc,
				   const struct hf_collapse_result *res);

struct hf_promoter {
	/* set by the caller */
	struct hf_promote_policy pol;
	int max_ptes_none;		/* for the reports */
	const char *weights_name;	/* NULL: every process weighs 1 */
	struct hf_weight *w;		/* the weights read from it (feed: feed->w) */
	size_t nw;
	struct hf_weights_feed *feed;	/* --watch: weights as they come, smoothed */
	const char *from_name;		/* the coverage file, for messages */
	bool dry_run, live;
	volatile sig_atomic_t *stop;	/* set by a signal: end the round */
	hf_promoter_report report;
	struct hf_covscan scan;		/* live coverage (no --from) */
	/* the state */
	struct hf_promote_region *reg;
	size_t nreg;
	struct hf_promote_proc *proc;	/* the scheduler's view, parallel to ps */
	struct hf_promoter_proc *ps;
	size_t nproc, proc_cap, ps_cap;
	struct hf_promote_skips skips;	/* of the last round */
	unsigned int round, seq, promoted, failed;
	uint64_t start_ns;		/* CLOCK_MONOTONIC when the run began */
};

/* Add a process with its weight (0 and a warning when the weights lack it). */
void hf_promoter_add(struct hf_promoter *pr, pid_t pid, const char *comm);
/* The processes of pr->reg, or those of only (each must have regions). */
int hf_promoter_collect(struct hf_promoter *pr, const struct hf_pids *only);
/* pidfd and pagemap of each process; an hf_exit status, messages printed. */
int hf_promoter_open(struct hf_promoter *pr);
/*
 * With a weights feed: take in the weights that arrived (wait: block until
 * the first) and give each process its smoothed weight. An hf_exit status,
 * the error printed.
 */
int hf_promoter_feed(struct hf_promoter *pr, bool wait);
/* Mark the regions that are huge by now; drop processes that ended. */
void hf_promoter_refresh(struct hf_promoter *pr);
/* Live: measure a round of coverage (pr->scan) into pr->reg. */
int hf_promoter_measure(struct hf_promoter *pr);
/* Plan and carry out one round; returns the number of regions planned. */
size_t hf_promoter_round(struct hf_promoter *pr);
bool hf_promoter_all_exited(const struct hf_promoter *pr);
void hf_promoter_free(struct hf_promoter *pr);

#endif
