/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counts recorded by `perf stat -x,` (CSV), with or without -I (interval
 * mode, a timestamp first), read into MMU-overhead counts per interval.
 */
#ifndef HF_MMUCOST_PERFSTAT_H
#define HF_MMUCOST_PERFSTAT_H

#include <stdbool.h>
#include <stdio.h>
#include "pmu.h"

struct hf_perfstat_interval {
	bool timed;			/* from perf stat -I */
	double time_s;			/* end of the interval */
	struct hf_mmu_counts counts;
};

/* Called per interval (once for a run without -I); non-zero stops. */
typedef int (*hf_perfstat_cb)(const struct hf_perfstat_interval *iv, void *ctx);

/*
 * Read f to the end. Returns 0, the callback's non-zero value, or -EINVAL
 * with *line set to the number of the first malformed line (-E2BIG: that
 * line is longer than HF_LINE_MAX bytes; -errno: a read error).
 */
int hf_perfstat_read(FILE *f, hf_perfstat_cb cb, void *ctx, int *line);

#endif
