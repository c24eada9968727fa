// SPDX-License-Identifier: GPL-2.0
/*
 * mmucost's events: the page-walk set of this CPU's PMU or the user's -e
 * list, encoded by libpfm4, and why perf_event_open refused one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "hf.h"
#include "events.h"
#include "output.h"
#include "proclist.h"
#include "procfs.h"
#include "weights.h"

static void known_pmus(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; hf_mmu_eventsets[i]; i++)
		for (int j = 0; hf_mmu_eventsets[i]->pmus[j] && n < len; j++)
			n += snprintf(buf + n, len - n, " %s", hf_mmu_eventsets[i]->pmus[j]);
}

/* The PMU to use: --pmu, or the one libpfm4 detects. */
int hf_mmu_pick_pmu(const char *pmu, char *name, size_t len,
		    const struct hf_mmu_eventset **set, struct hf_error *e)
{
	char known[512];

	known_pmus(known, sizeof(known));
	if (pmu)
		snprintf(name, len, "%s", pmu);
	else if (hf_pmu_detected(name, len))
		return hf_error_set(e, HF_ERROR_NOFEATURE, -ENODEV, "libpfm4 recognises no core "
				    "PMU on this CPU; name one with --pmu (known:%s)", known);
	*set = hf_mmu_eventset_for(name);
	if (*set)
		return 0;
	return hf_error_set(e, pmu ? HF_ERROR_USAGE : HF_ERROR_NOFEATURE, -ENOENT, "PMU %s: no "
			    "page-walk events known for it (known:%s)", name, known);
}

static int no_pmu(struct hf_error *e)
{
	char cpu[64] = "unknown";

	hf_pmu_detected(cpu, sizeof(cpu));
	return hf_error_set(e, HF_ERROR_NOFEATURE, -ENODEV, "no hardware PMU: the kernel exposes "
			    "no CPU performance counters (/sys/bus/event_source/devices/cpu is "
			    "missing; perf sees software events only), usual in a VM without PMU "
			    "passthrough (CPU model per libpfm4: %s). Run on bare metal or with a "
			    "virtual PMU (e.g. qemu -cpu host, KVM), count software events with -e "
			    "(e.g. perf::PAGE-FAULTS/perf::TASK-CLOCK), or compute the report from "
			    "recorded counts with --from FILE", cpu);
}

/* The page-walk set of this CPU's PMU. */
int hf_mmu_events_hw(struct hf_mmu_events *ev, const char *pmu_name, struct hf_error *e)
{
	const struct hf_mmu_eventset *set;
	char pmu[64];
	int err;

	if (!hf_pmu_kernel_has_cpu_pmu())
		return no_pmu(e);
	if ((err = hf_mmu_pick_pmu(pmu_name, pmu, sizeof(pmu), &set, e)))
		return err;
	ev->metric = set->metric;
	for (int i = 0; i < HF_MMU_NROLES; i++) {
		if (!set->event[i])
			continue;
		if ((err = hf_pmu_encode(pmu, set->event[i], &ev->attr[ev->nev])))
			return hf_error_set(e, HF_ERROR_RUNTIME, -EINVAL, "%s::%s: %s", pmu,
					    set->event[i], hf_pmu_strerror(err));
		ev->name[ev->nev] = set->event[i];
		ev->role[ev->nev++] = i;
	}
	return 0;
}

/* -e: the user's events; a name libpfm4 does not know is a usage error. */
int hf_mmu_events_user(struct hf_mmu_events *ev, char *const *event, int n, struct hf_error *e)
{
	for (int i = 0; i < n; i++) {
		int err = hf_pmu_encode_name(event[i], &ev->attr[i]);

		if (err)
			return hf_error_set(e, HF_ERROR_USAGE, -EINVAL, "-e: event '%s': %s (libpfm4 "
					    "names: perf::PAGE-FAULTS, perf::TASK-CLOCK, perf::CYCLES, "
					    "skx::DTLB_LOAD_MISSES:WALK_ACTIVE, ...)", event[i],
					    hf_pmu_strerror(err));
		ev->name[i] = event[i];
	}
	ev->nev = n;
	ev->user = true;
	return 0;
}

int hf_mmu_events_open_error(const struct hf_mmu_events *evs, pid_t pid, int err, int ev,
			     pid_t tid, struct hf_error *e)
{
	enum hf_error_kind kind = HF_ERROR_RUNTIME;

	if (ev < 0)
		return hf_error_set(e, kind, err, "pid %d: %s", pid, hf_proc_task_strerror(err));
	if (err == -EACCES || err == -EPERM)
		kind = HF_ERROR_NOPERM;
	else if (err == -ENOENT || err == -EOPNOTSUPP || err == -ENODEV)
		kind = HF_ERROR_NOFEATURE;
	return hf_error_set(e, kind, err, "pid %d (thread %d): perf_event_open %s: %s%s", pid, tid,
			    evs->name[ev], strerror(-err), kind == HF_ERROR_NOPERM ?
			    " (needs root or CAP_PERFMON, or a lower kernel.perf_event_paranoid)" :
			    kind == HF_ERROR_NOFEATURE ?
			    " (this kernel or machine cannot count it: no hardware PMU? software "
			    "events such as perf::PAGE-FAULTS count everywhere)" : "");
}

struct hf_mmu_counts hf_mmu_events_counts(const struct hf_mmu_events *ev, const uint64_t *count)
{
	struct hf_mmu_counts c = { 0 };

	for (int e = 0; e < ev->nev; e++) {
		c.v[ev->role[e]] += count[e];
		c.have |= 1u << ev->role[e];
	}
	return c;
}

void hf_mmu_events_ratio(const struct hf_mmu_events *ev, const uint64_t *count, uint64_t *num,
			 uint64_t *den)
{
	*num = 0;
	for (int e = 0; e < ev->nev - 1; e++)
		*num += count[e];
	*den = count[ev->nev - 1];
}

bool hf_mmu_events_overhead(const struct hf_mmu_events *ev, const uint64_t *count, double *v)
{
	struct hf_mmu_counts c;
	struct hf_mmu_result r;
	uint64_t num, den;

	if (ev->user) {
		hf_mmu_events_ratio(ev, count, &num, &den);
		*v = den ? (double)num / den : 0;
		return den;
	}
	c = hf_mmu_events_counts(ev, count);
	if (hf_mmu_compute(&c, &r))
		return false;
	*v = r.value;
	return true;
}

/* ---- JSON: interval lines and the summary entries hpcov reads as weights ---- */

const char *hf_mmu_metric_key(enum hf_mmu_metric m)
{
	return m == HF_MMU_CYCLE_FRACTION ? "walk_cycle_fraction" : "walks_per_kilo_instruction";
}

static void json_set_proc(struct json_object *o, const struct hf_pc_proc *p)
{
	hf_json_set_u64(o, "pid", p->pid);
	hf_json_set_comm(o, p->comm);
}

/* The counts and the overhead of one interval (or a whole run) as JSON. */
struct json_object *hf_mmu_counts_json(const char *type, double time_s, const struct hf_pc_proc *p,
				       const struct hf_mmu_counts *c)
{
	struct json_object *o = json_object_new_object();
	struct hf_mmu_result r;
	bool ok = hf_mmu_compute(c, &r) == 0;

	if (type)
		hf_json_set_str(o, "type", type);
	if (time_s >= 0)
		hf_json_set_u64(o, "time_ns", time_s * 1e9 + 0.5);
	if (p)
		json_set_proc(o, p);
	for (int i = 0; i < HF_MMU_NROLES; i++)
		if (c->have & 1u << i)
			hf_json_set_u64(o, hf_mmu_role_key[i], c->v[i]);
	hf_json_set_str(o, "metric", hf_mmu_metric_key(r.metric));
	json_object_object_add(o, "mmu_overhead", ok ? hf_json_ratio(r.value) : NULL);
	return o;
}

/* -e: sum(NUM) / DENOM over counts by event. */
static void ratio_json(struct json_object *o, const struct hf_mmu_events *evs, const uint64_t *count)
{
	struct json_object *ev = json_object_new_object();
	uint64_t num, den;

	hf_mmu_events_ratio(evs, count, &num, &den);
	for (int e = 0; e < evs->nev; e++)
		json_object_object_add(ev, evs->name[e], hf_json_u64(count[e]));
	json_object_object_add(o, "events", ev);
	hf_json_set_u64(o, "numerator", num);
	hf_json_set_u64(o, "denominator", den);
	hf_json_set_str(o, "metric", "event_ratio");
	json_object_object_add(o, "mmu_overhead", den ? hf_json_ratio((double)num / den) : NULL);
}

/* One process's counts, as an interval line (time_s >= 0) or a summary entry. */
struct json_object *hf_mmu_events_json(const struct hf_mmu_events *ev, double time_s,
				       const struct hf_pc_proc *p, const uint64_t *count)
{
	struct json_object *o;

	if (ev->user) {
		o = json_object_new_object();
		if (time_s >= 0) {
			hf_json_set_str(o, "type", HF_WEIGHTS_INTERVAL_TYPE);
			hf_json_set_u64(o, "time_ns", time_s * 1e9 + 0.5);
		}
		json_set_proc(o, p);
		ratio_json(o, ev, count);
	} else {
		struct hf_mmu_counts c = hf_mmu_events_counts(ev, count);

		o = hf_mmu_counts_json(time_s >= 0 ? HF_WEIGHTS_INTERVAL_TYPE : NULL, time_s, p,
				       &c);
	}
	return o;
}
