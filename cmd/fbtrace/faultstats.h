/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault counts by kind, by process and by cgroup, with each process's
 * swap-in delay, for the summary a trace ends with: plain text, JSON or
 * metrics for Prometheus.
 */
#ifndef HF_FBTRACE_FAULTSTATS_H
#define HF_FBTRACE_FAULTSTATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>
#include "record.h"

struct hf_metrics;

/* Where a process's swap-in delay came from. */
enum fault_delay_state {
	FAULT_DELAY_UNKNOWN,	/* never read */
	FAULT_DELAY_LIVE,	/* read while the process existed */
	FAULT_DELAY_LEADER,	/* its first thread's exit was reported */
	FAULT_DELAY_FINAL,	/* the whole process's exit was reported */
};

struct fault_stats_pid {
	int32_t pid;		/* 0: empty slot */
	char comm[FAULT_COMM_LEN];
	uint64_t count[FAULT_KIND_COUNT];
	char *cgroup;		/* its cgroup's path; NULL: not known */
	bool gone;		/* known to have exited */
	uint8_t delay_state;	/* enum fault_delay_state */
	uint64_t delay_count;	/* swap-ins waited for (delay accounting) */
	uint64_t delay_ns;	/* and the time waited */
};

struct fault_stats {
	uint64_t total[FAULT_KIND_COUNT];
	struct fault_stats_pid *slot;	/* open addressing, power-of-two size */
	unsigned int nslots, npids;
};

/* The processes of one cgroup, summed. */
struct fault_stats_cgroup {
	const char *cgroup;	/* NULL: not known (the process left first) */
	unsigned int nprocs;
	uint64_t count[FAULT_KIND_COUNT];
	bool delay_known;	/* of at least one of its processes */
	uint64_t delay_count, delay_ns;	/* over the processes whose delay is known */
};

/*
 * Count a fault; returns its process's entry (NULL for pid 0). A slot
 * record (or any kind past the faults) is no fault: NULL, nothing counted.
 */
struct fault_stats_pid *fault_stats_add(struct fault_stats *st, const struct fault_record *r);
/* The entry of pid, or NULL. */
struct fault_stats_pid *fault_stats_find(const struct fault_stats *st, int32_t pid);
/* Set (a copy of) p's cgroup path. */
void fault_stats_set_cgroup(struct fault_stats_pid *p, const char *cgroup);
uint64_t fault_stats_sum(const struct fault_stats *st);

/*
 * Swap-in delays (from the kernel's delay accounting, taskstats.h)
 * only grow, as Prometheus counters must: each reading keeps the larger
 * of old and new. fault_stats_delay_live() takes a reading of process
 * p's whole thread group while it exists.
 */
void fault_stats_delay_live(struct fault_stats_pid *p, uint64_t count, uint64_t ns);
/*
 * An exit notification: of a whole thread group when group (its last
 * task exited: final), else of task id of thread group tgid (0: unknown),
 * which counts only when it is the group's first task (id == tgid) and
 * then is all of a single-threaded process. Ignored for untraced ids.
 */
void fault_stats_delay_exit(struct fault_stats *st, bool group, int32_t id, int32_t tgid,
			    uint64_t count, uint64_t ns);
/* Processes by descending fault count; caller frees. */
struct fault_stats_pid **fault_stats_sorted(const struct fault_stats *st);
/*
 * Cgroups by descending fault count, *n of them; caller frees the array
 * (the names belong to st).
 */
struct fault_stats_cgroup *fault_stats_cgroups(const struct fault_stats *st, unsigned int *n);
void fault_stats_free(struct fault_stats *st);


/* "by_kind", "by_pid" and "by_cgroup" members added to obj. */
void fault_stats_to_json(const struct fault_stats *st, struct json_object *obj);
/* The "by_cgroup" member alone. */
void fault_stats_cgroups_to_json(const struct fault_stats *st, struct json_object *obj);
/* A table of processes, at most max_rows of them. */
void fault_stats_print(const struct fault_stats *st, FILE *out, unsigned int max_rows);
/* A table of cgroups, at most max_rows of them. */
void fault_stats_print_cgroups(const struct fault_stats *st, FILE *out, unsigned int max_rows);

/*
 * The metric families: faults and swap-in delay per process (if
 * per_process) and per cgroup, and the lost events.
 */
void fault_stats_metrics(const struct fault_stats *st, struct hf_metrics *m, uint64_t lost,
			 bool per_process);

#endif
