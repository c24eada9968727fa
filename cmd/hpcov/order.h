/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HawkEye's promotion order, as a pure function: which 2 MiB regions of
 * which processes get the next huge pages under a budget, and the readers
 * of its inputs (hpcov -j coverage, mmucost -j weights).
 *
 * Within a process: highest access coverage first (then lower address).
 * Across processes, two orders (struct hf_promote_policy's order):
 *
 * HF_PROMOTE_BUCKET (the default, HawkEye's): the highest non-empty bucket
 * (hf_cov_bucket(), 50 pages wide) over all processes goes first; among the
 * processes with a region in it, the one with clearly the highest weight
 * (MMU overhead) is served, "clearly" meaning more than HF_PROMOTE_TIE (5 %)
 * above the next; processes within 5 % of the highest take turns,
 * round-robin: the one served longest ago (never served first, then input
 * order) goes next. Processes with weight 0 (none given) come after all
 * weighted ones. With equal weights this is the paper's example: A1, B1,
 * C1, C2, B2, C3, C4, B3, B4, A2, C5, A3.
 *
 * HF_PROMOTE_STRIDE (hpcov --order stride, hpcov's order before it
 * followed the paper's): buckets are ignored; each grant goes to the
 * process with the highest effective weight,
 *
 *	effective weight = weight / (1 + promotions granted so far),
 *
 * so a huge page "pays off" part of the overhead that earned it, and two
 * processes with weights 30 and 10 receive promotions 3:1 (stride
 * scheduling), round-robin within the same 5 % band.
 */
#ifndef HF_HPCOV_ORDER_H
#define HF_HPCOV_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define HF_PROMOTE_TIE 0.05

struct hf_promote_region {
	pid_t pid;
	uint64_t addr;
	unsigned int coverage;	/* accessed base pages, 0..512 */
	bool huge;		/* already mapped by a huge page: never planned */
	char comm[16];		/* as the coverage source named the process */
};

struct hf_promote_proc {
	pid_t pid;
	double weight;		/* >= 0; MMU overhead or any measure of it */
	unsigned int granted;	/* promotions planned so far (kept across plans) */
	uint64_t last_served;	/* grant clock at its last grant; 0: never */
	bool exited;		/* gets nothing more */
};

enum hf_promote_order { HF_PROMOTE_BUCKET, HF_PROMOTE_STRIDE };

struct hf_promote_policy {
	unsigned int budget;		/* regions per plan */
	unsigned int min_coverage;	/* skip regions below: 512 - max_ptes_none */
	double tie;			/* round-robin band, e.g. HF_PROMOTE_TIE */
	enum hf_promote_order order;	/* across processes; 0: HawkEye's */
};

/* "bucket" or "stride" into *order: 0, or -EINVAL. */
int hf_promote_order_parse(const char *s, enum hf_promote_order *order);
const char *hf_promote_order_name(enum hf_promote_order order);

struct hf_promote_skips {
	size_t huge, low_coverage, unknown_pid;
};

/*
 * Plan up to pol->budget promotions. order[] (room for pol->budget
 * entries) receives indices into reg; proc[].granted and last_served are
 * advanced, so successive plans stay fair. Regions of a pid not in proc
 * are skipped. Returns the number of entries in order.
 */
size_t hf_promote_plan(const struct hf_promote_region *reg, size_t nreg,
		       struct hf_promote_proc *proc, size_t nproc,
		       const struct hf_promote_policy *pol, size_t *order,
		       struct hf_promote_skips *skips);

/* The minimum coverage for a max_ptes_none (negative: unknown, assume 511). */
unsigned int hf_promote_min_coverage(int max_ptes_none);

/* ---- the coverage document (hpcov -j) read back ---- */

/*
 * Read hpcov -j output ({"type":"coverage","candidates":[...],
 * "huge_regions":[...]}). Returns 0, -EINVAL with err naming the line and
 * field, or -errno.
 */
int hf_coverage_read(FILE *f, const char *name, struct hf_promote_region **r, size_t *n,
		     char *err, size_t errlen);

#endif
