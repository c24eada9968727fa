/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The events mmucost counts: the page-walk set of a PMU (pmu.h) with the
 * role of each, or the user's -e NUM[,NUM...]/DENOM list, encoded for
 * perf_event_open by libpfm4. Failures are explained (printed) and
 * returned as hf_exit statuses.
 */
#ifndef HF_MMUCOST_EVENTS_H
#define HF_MMUCOST_EVENTS_H

#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>
#include "counters.h"
#include "pmu.h"

#define HF_MMU_MAX_EVENTS 9		/* -e: up to 8 numerators and a denominator */

struct hf_mmu_events {
	struct perf_event_attr attr[HF_MMU_MAX_EVENTS];
	const char *name[HF_MMU_MAX_EVENTS];
	int role[HF_MMU_MAX_EVENTS];	/* hf_mmu_role; with -e unused */
	int nev;
	enum hf_mmu_metric metric;
	bool user;			/* -e: the user's events, a ratio */
};

/*
 * Each returns 0 or -errno with e filled (common/hf.h's convention).
 * The PMU: pmu if given, else the one libpfm4 detects; and its event set.
 */
int hf_mmu_pick_pmu(const char *pmu, char *name, size_t len,
		    const struct hf_mmu_eventset **set, struct hf_error *e);
/* The page-walk set of pmu (NULL: this CPU's); needs a hardware PMU. */
int hf_mmu_events_hw(struct hf_mmu_events *ev, const char *pmu, struct hf_error *e);
/* The user's events, numerators then the denominator; unknown ones: HF_ERROR_USAGE. */
int hf_mmu_events_user(struct hf_mmu_events *ev, char *const *event, int n, struct hf_error *e);
/* Explain a failed hf_pc_set_open() err (ev < 0: the process, not an event). */
int hf_mmu_events_open_error(const struct hf_mmu_events *evs, pid_t pid, int err, int ev,
			     pid_t tid, struct hf_error *e);
/* Counts by event summed by role, for hf_mmu_compute(). */
struct hf_mmu_counts hf_mmu_events_counts(const struct hf_mmu_events *ev,
					  const uint64_t *count);
/* -e: sum of the numerators and the denominator. */
void hf_mmu_events_ratio(const struct hf_mmu_events *ev, const uint64_t *count, uint64_t *num,
			 uint64_t *den);
/*
 * The value hpcov and khugepaged weigh a process by (the summary's
 * "mmu_overhead" and "weight"): the overhead of the page-walk set, or -e's
 * sum(NUM) / DENOM. false when there is no base count (nothing to divide by).
 */
bool hf_mmu_events_overhead(const struct hf_mmu_events *ev, const uint64_t *count, double *v);

/* "walk_cycle_fraction" or "walks_per_kilo_instruction". */
const char *hf_mmu_metric_key(enum hf_mmu_metric m);
/*
 * One process's counts as JSON: an "mmu_interval" line (time_s >= 0), or,
 * without a type, an entry of the "mmu_summary". hf_mmu_counts_json() takes
 * counts by role (p may be NULL), hf_mmu_events_json() counts by event.
 */
struct json_object *hf_mmu_counts_json(const char *type, double time_s, const struct hf_pc_proc *p,
				       const struct hf_mmu_counts *c);
struct json_object *hf_mmu_events_json(const struct hf_mmu_events *ev, double time_s,
				       const struct hf_pc_proc *p, const uint64_t *count);

#endif
