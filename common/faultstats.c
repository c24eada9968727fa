// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include "faultstats.h"
#include "output.h"

static struct fault_stats_pid *find_slot(struct fault_stats_pid *slot,
					 unsigned int nslots, int32_t pid)
{
	unsigned int i = (uint32_t)pid * 2654435761u & (nslots - 1);

	while (slot[i].pid && slot[i].pid != pid)
		i = (i + 1) & (nslots - 1);
	return &slot[i];
}

static void grow(struct fault_stats *st)
{
	unsigned int n = st->nslots ? st->nslots * 2 : 64;
	struct fault_stats_pid *slot = calloc(n, sizeof(*slot));

	if (!slot)
		abort();
	for (unsigned int i = 0; i < st->nslots; i++)
		if (st->slot[i].pid)
			*find_slot(slot, n, st->slot[i].pid) = st->slot[i];
	free(st->slot);
	st->slot = slot;
	st->nslots = n;
}

void fault_stats_add(struct fault_stats *st, const struct fault_record *r)
{
	struct fault_stats_pid *p;

	st->total[r->kind]++;
	if (!r->pid)
		return;
	if ((st->npids + 1) * 2 > st->nslots)
		grow(st);
	p = find_slot(st->slot, st->nslots, r->pid);
	if (!p->pid) {
		p->pid = r->pid;
		st->npids++;
	}
	memcpy(p->comm, r->comm, sizeof(p->comm));
	p->count[r->kind]++;
}

uint64_t fault_stats_sum(const struct fault_stats *st)
{
	uint64_t sum = 0;

	for (int k = 0; k < FAULT_KIND_COUNT; k++)
		sum += st->total[k];
	return sum;
}

static uint64_t pid_total(const struct fault_stats_pid *p)
{
	return p->count[FAULT_MINOR] + p->count[FAULT_MAJOR] + p->count[FAULT_SWAPIN];
}

static int by_count_desc(const void *a, const void *b)
{
	const struct fault_stats_pid *x = *(void *const *)a, *y = *(void *const *)b;
	uint64_t tx = pid_total(x), ty = pid_total(y);

	if (tx != ty)
		return tx < ty ? 1 : -1;
	return x->pid - y->pid;
}

struct fault_stats_pid **fault_stats_sorted(const struct fault_stats *st)
{
	struct fault_stats_pid **v = calloc(st->npids + 1, sizeof(*v));
	unsigned int n = 0;

	if (!v)
		abort();
	for (unsigned int i = 0; i < st->nslots; i++)
		if (st->slot[i].pid)
			v[n++] = &st->slot[i];
	qsort(v, n, sizeof(*v), by_count_desc);
	return v;
}

void fault_stats_free(struct fault_stats *st)
{
	free(st->slot);
	memset(st, 0, sizeof(*st));
}

static struct json_object *kinds_json(const uint64_t *count)
{
	struct json_object *o = json_object_new_object();

	for (int k = 0; k < FAULT_KIND_COUNT; k++)
		hf_json_set_u64(o, fault_kind_name(k), count[k]);
	return o;
}

void fault_stats_to_json(const struct fault_stats *st, struct json_object *obj)
{
	struct fault_stats_pid **v = fault_stats_sorted(st);
	struct json_object *arr = json_object_new_array();

	json_object_object_add(obj, "by_kind", kinds_json(st->total));
	for (unsigned int i = 0; i < st->npids; i++) {
		struct json_object *p = json_object_new_object();
		char comm[FAULT_COMM_LEN + 1] = { 0 };

		memcpy(comm, v[i]->comm, FAULT_COMM_LEN);
		json_object_object_add(p, "pid", json_object_new_int(v[i]->pid));
		hf_json_set_str(p, "comm", comm);
		json_object_object_add(p, "by_kind", kinds_json(v[i]->count));
		json_object_array_add(arr, p);
	}
	json_object_object_add(obj, "by_pid", arr);
	free(v);
}

void fault_stats_print(const struct fault_stats *st, FILE *out, unsigned int max_rows)
{
	struct fault_stats_pid **v = fault_stats_sorted(st);

	if (st->npids)
		fprintf(out, "%8s %-16s %10s %10s %10s\n", "PID", "COMM", "SWAPIN", "MAJOR", "MINOR");
	for (unsigned int i = 0; i < st->npids && i < max_rows; i++)
		fprintf(out, "%8d %-16.16s %10llu %10llu %10llu\n", v[i]->pid, v[i]->comm,
			(unsigned long long)v[i]->count[FAULT_SWAPIN],
			(unsigned long long)v[i]->count[FAULT_MAJOR],
			(unsigned long long)v[i]->count[FAULT_MINOR]);
	if (st->npids > max_rows)
		fprintf(out, "%8s (%u more processes)\n", "...", st->npids - max_rows);
	free(v);
}
