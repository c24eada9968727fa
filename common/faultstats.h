/* SPDX-License-Identifier: GPL-2.0 */
/* Fault counts by kind and by process, for the summary a trace ends with. */
#ifndef HF_FAULTSTATS_H
#define HF_FAULTSTATS_H

#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>
#include "record.h"

struct fault_stats_pid {
	int32_t pid;		/* 0: empty slot */
	char comm[FAULT_COMM_LEN];
	uint64_t count[FAULT_KIND_COUNT];
};

struct fault_stats {
	uint64_t total[FAULT_KIND_COUNT];
	struct fault_stats_pid *slot;	/* open addressing, power-of-two size */
	unsigned int nslots, npids;
};

void fault_stats_add(struct fault_stats *st, const struct fault_record *r);
uint64_t fault_stats_sum(const struct fault_stats *st);
/* Processes by descending fault count; caller frees. */
struct fault_stats_pid **fault_stats_sorted(const struct fault_stats *st);
void fault_stats_free(struct fault_stats *st);

/* "by_kind" and "by_pid" members added to obj. */
void fault_stats_to_json(const struct fault_stats *st, struct json_object *obj);
/* A table of processes, at most max_rows of them. */
void fault_stats_print(const struct fault_stats *st, FILE *out, unsigned int max_rows);

#endif
