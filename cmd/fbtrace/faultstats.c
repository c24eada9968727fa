// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include "faultstats.h"
#include "metrics.h"
#include "output.h"
#include "proclist.h"

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

struct fault_stats_pid *fault_stats_add(struct fault_stats *st, const struct fault_record *r)
{
	struct fault_stats_pid *p;

	if ((unsigned int)r->kind >= FAULT_KIND_COUNT)	/* the arrays count faults only */
		return NULL;
	st->total[r->kind]++;
	if (!r->pid)
		return NULL;
	if ((st->npids + 1) * 2 > st->nslots)
		grow(st);
	p = find_slot(st->slot, st->nslots, r->pid);
	if (!p->pid) {
		p->pid = r->pid;
		st->npids++;
	}
	memcpy(p->comm, r->comm, sizeof(p->comm));
	p->count[r->kind]++;
	return p;
}

struct fault_stats_pid *fault_stats_find(const struct fault_stats *st, int32_t pid)
{
	struct fault_stats_pid *p;

	if (!pid || !st->nslots)
		return NULL;
	p = find_slot(st->slot, st->nslots, pid);
	return p->pid ? p : NULL;
}

void fault_stats_set_cgroup(struct fault_stats_pid *p, const char *cgroup)
{
	if (p->cgroup && !strcmp(p->cgroup, cgroup))
		return;
	free(p->cgroup);
	p->cgroup = strdup(cgroup);
	if (!p->cgroup)
		abort();
}

static void set_delay(struct fault_stats_pid *p, uint64_t count, uint64_t ns,
		      enum fault_delay_state state)
{
	bool first = p->delay_state == FAULT_DELAY_UNKNOWN;

	if (first || count > p->delay_count)
		p->delay_count = count;
	if (first || ns > p->delay_ns)
		p->delay_ns = ns;
	if (state > p->delay_state)
		p->delay_state = state;
}

void fault_stats_delay_live(struct fault_stats_pid *p, uint64_t count, uint64_t ns)
{
	set_delay(p, count, ns, FAULT_DELAY_LIVE);
}

void fault_stats_delay_exit(struct fault_stats *st, bool group, int32_t id, int32_t tgid,
			    uint64_t count, uint64_t ns)
{
	struct fault_stats_pid *p = fault_stats_find(st, id);

	if (!p)
		return;		/* not traced, or a thread's own id */
	if (group) {
		set_delay(p, count, ns, FAULT_DELAY_FINAL);
		p->gone = true;
	} else if ((!tgid || tgid == id) && p->delay_state != FAULT_DELAY_FINAL) {
		set_delay(p, count, ns, FAULT_DELAY_LEADER);
	}
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

/* Processes by cgroup (unknown last), for grouping. */
static int by_cgroup(const void *a, const void *b)
{
	const struct fault_stats_pid *x = *(void *const *)a, *y = *(void *const *)b;

	if (!x->cgroup || !y->cgroup)
		return !x->cgroup - !y->cgroup;
	return strcmp(x->cgroup, y->cgroup);
}

static uint64_t cgroup_total(const struct fault_stats_cgroup *c)
{
	return c->count[FAULT_MINOR] + c->count[FAULT_MAJOR] + c->count[FAULT_SWAPIN];
}

static int cgroup_by_count_desc(const void *a, const void *b)
{
	const struct fault_stats_cgroup *x = a, *y = b;
	uint64_t tx = cgroup_total(x), ty = cgroup_total(y);

	if (tx != ty)
		return tx < ty ? 1 : -1;
	if (!x->cgroup || !y->cgroup)
		return !x->cgroup - !y->cgroup;
	return strcmp(x->cgroup, y->cgroup);
}

struct fault_stats_cgroup *fault_stats_cgroups(const struct fault_stats *st, unsigned int *n)
{
	struct fault_stats_pid **v = fault_stats_sorted(st);
	struct fault_stats_cgroup *cg = calloc(st->npids + 1, sizeof(*cg));
	unsigned int ncg = 0;

	if (!cg)
		abort();
	qsort(v, st->npids, sizeof(*v), by_cgroup);
	for (unsigned int i = 0; i < st->npids; i++) {
		const struct fault_stats_pid *p = v[i];
		struct fault_stats_cgroup *c = &cg[ncg ? ncg - 1 : 0];

		if (!ncg || by_cgroup(&v[i - 1], &v[i])) {
			c = &cg[ncg++];
			c->cgroup = p->cgroup;
		}
		c->nprocs++;
		for (int k = 0; k < FAULT_KIND_COUNT; k++)
			c->count[k] += p->count[k];
		if (p->delay_state != FAULT_DELAY_UNKNOWN) {
			c->delay_known = true;
			c->delay_count += p->delay_count;
			c->delay_ns += p->delay_ns;
		}
	}
	free(v);
	qsort(cg, ncg, sizeof(*cg), cgroup_by_count_desc);
	*n = ncg;
	return cg;
}

void fault_stats_free(struct fault_stats *st)
{
	for (unsigned int i = 0; i < st->nslots; i++)
		free(st->slot[i].cgroup);
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

/* The swap-in delay members; none when it is not known. */
static void delay_json(struct json_object *o, bool known, uint64_t count, uint64_t ns)
{
	if (!known)
		return;
	hf_json_set_u64(o, "swapin_delay_ns", ns);
	hf_json_set_u64(o, "swapin_delay_count", count);
	if (count)
		hf_json_set_u64(o, "swapin_delay_mean_ns", ns / count);
}

void fault_stats_cgroups_to_json(const struct fault_stats *st, struct json_object *obj)
{
	unsigned int n;
	struct fault_stats_cgroup *cg = fault_stats_cgroups(st, &n);
	struct json_object *arr = json_object_new_array();

	for (unsigned int i = 0; i < n; i++) {
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "cgroup", cg[i].cgroup ?
				       json_object_new_string(cg[i].cgroup) : NULL);
		hf_json_set_u64(c, "processes", cg[i].nprocs);
		json_object_object_add(c, "by_kind", kinds_json(cg[i].count));
		delay_json(c, cg[i].delay_known, cg[i].delay_count, cg[i].delay_ns);
		json_object_array_add(arr, c);
	}
	json_object_object_add(obj, "by_cgroup", arr);
	free(cg);
}

void fault_stats_to_json(const struct fault_stats *st, struct json_object *obj)
{
	struct fault_stats_pid **v = fault_stats_sorted(st);
	struct json_object *arr = json_object_new_array();

	json_object_object_add(obj, "by_kind", kinds_json(st->total));
	for (unsigned int i = 0; i < st->npids; i++) {
		struct json_object *p = json_object_new_object();
		char comm[HF_COMM_ESC_LEN];

		hf_proc_comm_escape(v[i]->comm, comm);
		json_object_object_add(p, "pid", json_object_new_int(v[i]->pid));
		hf_json_set_str(p, "comm", comm);
		json_object_object_add(p, "by_kind", kinds_json(v[i]->count));
		if (v[i]->cgroup)
			hf_json_set_str(p, "cgroup", v[i]->cgroup);
		delay_json(p, v[i]->delay_state != FAULT_DELAY_UNKNOWN, v[i]->delay_count,
			   v[i]->delay_ns);
		json_object_array_add(arr, p);
	}
	json_object_object_add(obj, "by_pid", arr);
	free(v);
	fault_stats_cgroups_to_json(st, obj);
}

/* " DELAY_MS MEAN_US": total in ms and mean per swap-in in us; "-" unknown. */
static void print_delay(FILE *out, bool known, uint64_t count, uint64_t ns)
{
	if (!known)
		fprintf(out, " %12s %10s", "-", "-");
	else if (!count)
		fprintf(out, " %12.3f %10s", ns / 1e6, "-");
	else
		fprintf(out, " %12.3f %10.1f", ns / 1e6, (double)ns / count / 1e3);
}

void fault_stats_print(const struct fault_stats *st, FILE *out, unsigned int max_rows)
{
	struct fault_stats_pid **v = fault_stats_sorted(st);
	char comm[HF_COMM_ESC_LEN];
	size_t w = 16;		/* the COMM column: its widest escaped name */

	for (unsigned int i = 0; i < st->npids && i < max_rows; i++) {
		size_t n = hf_proc_comm_escape(v[i]->comm, comm);

		if (n > w)
			w = n;
	}
	if (st->npids)
		fprintf(out, "%8s %-*s %10s %10s %10s %12s %10s\n", "PID", (int)w, "COMM",
			"SWAPIN", "MAJOR", "MINOR", "DELAY_MS", "MEAN_US");
	for (unsigned int i = 0; i < st->npids && i < max_rows; i++) {
		/* padded by characters, not bytes: UTF-8 names keep the columns */
		size_t n = hf_proc_comm_escape(v[i]->comm, comm);

		fprintf(out, "%8d %s%*s %10llu %10llu %10llu", v[i]->pid, comm, (int)(w - n), "",
			(unsigned long long)v[i]->count[FAULT_SWAPIN],
			(unsigned long long)v[i]->count[FAULT_MAJOR],
			(unsigned long long)v[i]->count[FAULT_MINOR]);
		print_delay(out, v[i]->delay_state != FAULT_DELAY_UNKNOWN, v[i]->delay_count,
			    v[i]->delay_ns);
		fputc('\n', out);
	}
	if (st->npids > max_rows)
		fprintf(out, "%8s (%u more processes)\n", "...", st->npids - max_rows);
	free(v);
}

void fault_stats_print_cgroups(const struct fault_stats *st, FILE *out, unsigned int max_rows)
{
	unsigned int n;
	struct fault_stats_cgroup *cg = fault_stats_cgroups(st, &n);

	if (n)
		fprintf(out, "%10s %10s %10s %12s %10s %6s %s\n", "SWAPIN", "MAJOR", "MINOR",
			"DELAY_MS", "MEAN_US", "PROCS", "CGROUP");
	for (unsigned int i = 0; i < n && i < max_rows; i++) {
		fprintf(out, "%10llu %10llu %10llu", (unsigned long long)cg[i].count[FAULT_SWAPIN],
			(unsigned long long)cg[i].count[FAULT_MAJOR],
			(unsigned long long)cg[i].count[FAULT_MINOR]);
		print_delay(out, cg[i].delay_known, cg[i].delay_count, cg[i].delay_ns);
		fprintf(out, " %6u %s\n", cg[i].nprocs, cg[i].cgroup ? cg[i].cgroup : "-");
	}
	if (n > max_rows)
		fprintf(out, "%10s (%u more cgroups)\n", "...", n - max_rows);
	free(cg);
}

/* Label value of an unknown cgroup (a real one starts with '/'). */
#define NO_CGROUP "-"

void fault_stats_metrics(const struct fault_stats *st, struct hf_metrics *m, uint64_t lost,
			 bool per_process)
{
	unsigned int n;
	struct fault_stats_cgroup *cg = fault_stats_cgroups(st, &n);

	if (per_process) {
		struct fault_stats_pid **v = fault_stats_sorted(st);
		char pid[16], comm[HF_COMM_ESC_LEN];

		hf_metrics_family(m, "hawkfetch_fbtrace_faults_total", HF_COUNTER, NULL,
				  "Page faults traced, by process and kind "
				  "(swapin, major, minor).");
		for (unsigned int i = 0; i < st->npids; i++) {
			snprintf(pid, sizeof(pid), "%d", v[i]->pid);
			hf_proc_comm_escape(v[i]->comm, comm);
			for (int k = 0; k < FAULT_KIND_COUNT; k++)
				hf_metrics_u64(m, v[i]->count[k], "pid", pid, "comm", comm,
					       "kind", fault_kind_name(k), NULL);
		}
		hf_metrics_family(m, "hawkfetch_fbtrace_swapin_delay_seconds_total", HF_COUNTER,
				  "seconds", "Time the process's tasks waited for swap-ins, from "
				  "the kernel's delay accounting (taskstats swapin_delay_total).");
		for (unsigned int i = 0; i < st->npids; i++) {
			if (v[i]->delay_state == FAULT_DELAY_UNKNOWN)
				continue;
			snprintf(pid, sizeof(pid), "%d", v[i]->pid);
			hf_proc_comm_escape(v[i]->comm, comm);
			hf_metrics_double(m, v[i]->delay_ns / 1e9, "pid", pid, "comm", comm, NULL);
		}
		hf_metrics_family(m, "hawkfetch_fbtrace_swapin_delays_total", HF_COUNTER, NULL,
				  "Swap-ins the process's tasks waited for, from the kernel's "
				  "delay accounting (taskstats swapin_count).");
		for (unsigned int i = 0; i < st->npids; i++) {
			if (v[i]->delay_state == FAULT_DELAY_UNKNOWN)
				continue;
			snprintf(pid, sizeof(pid), "%d", v[i]->pid);
			hf_proc_comm_escape(v[i]->comm, comm);
			hf_metrics_u64(m, v[i]->delay_count, "pid", pid, "comm", comm, NULL);
		}
		free(v);
	}
	hf_metrics_family(m, "hawkfetch_fbtrace_cgroup_faults_total", HF_COUNTER, NULL,
			  "Page faults traced, by cgroup of the faulting process and kind.");
	for (unsigned int i = 0; i < n; i++)
		for (int k = 0; k < FAULT_KIND_COUNT; k++)
			hf_metrics_u64(m, cg[i].count[k], "cgroup",
				       cg[i].cgroup ? cg[i].cgroup : NO_CGROUP,
				       "kind", fault_kind_name(k), NULL);
	hf_metrics_family(m, "hawkfetch_fbtrace_cgroup_swapin_delay_seconds_total", HF_COUNTER,
			  "seconds", "Time the traced processes of a cgroup waited for "
			  "swap-ins, from the kernel's delay accounting.");
	for (unsigned int i = 0; i < n; i++)
		if (cg[i].delay_known)
			hf_metrics_double(m, cg[i].delay_ns / 1e9, "cgroup",
					  cg[i].cgroup ? cg[i].cgroup : NO_CGROUP, NULL);
	hf_metrics_family(m, "hawkfetch_fbtrace_cgroup_swapin_delays_total", HF_COUNTER, NULL,
			  "Swap-ins the traced processes of a cgroup waited for, from the "
			  "kernel's delay accounting.");
	for (unsigned int i = 0; i < n; i++)
		if (cg[i].delay_known)
			hf_metrics_u64(m, cg[i].delay_count, "cgroup",
				       cg[i].cgroup ? cg[i].cgroup : NO_CGROUP, NULL);
	hf_metrics_family(m, "hawkfetch_fbtrace_lost_events_total", HF_COUNTER, NULL,
			  "Fault records lost because the ring buffer was full.");
	hf_metrics_u64(m, lost, NULL);
	free(cg);
}
