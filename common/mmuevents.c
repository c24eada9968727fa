// SPDX-License-Identifier: GPL-2.0
/*
 * mmucost's events: the page-walk set of this CPU's PMU or the user's -e
 * list, encoded by libpfm4, and why perf_event_open refused one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "hf.h"
#include "mmuevents.h"
#include "procfs.h"

static void known_pmus(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; hf_mmu_eventsets[i]; i++)
		for (int j = 0; hf_mmu_eventsets[i]->pmus[j] && n < len; j++)
			n += snprintf(buf + n, len - n, " %s", hf_mmu_eventsets[i]->pmus[j]);
}

/* The PMU to use: --pmu, or the one libpfm4 detects; an exit status on failure. */
int hf_mmu_pick_pmu(const char *pmu, char *name, size_t len,
		    const struct hf_mmu_eventset **set)
{
	char known[512];

	known_pmus(known, sizeof(known));
	if (pmu)
		snprintf(name, len, "%s", pmu);
	else if (hf_pmu_detected(name, len)) {
		hf_err("libpfm4 recognises no core PMU on this CPU; name one with --pmu "
		       "(known:%s)", known);
		return HF_EXIT_NOFEATURE;
	}
	*set = hf_mmu_eventset_for(name);
	if (*set)
		return HF_EXIT_OK;
	hf_err("PMU %s: no page-walk events known for it (known:%s)", name, known);
	return pmu ? HF_EXIT_USAGE : HF_EXIT_NOFEATURE;
}

static int no_pmu(void)
{
	char cpu[64] = "unknown";

	hf_pmu_detected(cpu, sizeof(cpu));
	hf_err("no hardware PMU: the kernel exposes no CPU performance counters "
	       "(/sys/bus/event_source/devices/cpu is missing; perf sees software events only), "
	       "usual in a VM without PMU passthrough (CPU model per libpfm4: %s). "
	       "Run on bare metal or with a virtual PMU (e.g. qemu -cpu host, KVM), count "
	       "software events with -e (e.g. perf::PAGE-FAULTS/perf::TASK-CLOCK), or compute "
	       "the report from recorded counts with --from FILE", cpu);
	return HF_EXIT_NOFEATURE;
}

/* The page-walk set of this CPU's PMU. */
int hf_mmu_events_hw(struct hf_mmu_events *ev, const char *pmu_name)
{
	const struct hf_mmu_eventset *set;
	char pmu[64];
	int err;

	if (!hf_pmu_kernel_has_cpu_pmu())
		return no_pmu();
	if ((err = hf_mmu_pick_pmu(pmu_name, pmu, sizeof(pmu), &set)))
		return err;
	ev->metric = set->metric;
	for (int i = 0; i < HF_MMU_NROLES; i++) {
		if (!set->event[i])
			continue;
		if ((err = hf_pmu_encode(pmu, set->event[i], &ev->attr[ev->nev]))) {
			hf_err("%s::%s: %s", pmu, set->event[i], hf_pmu_strerror(err));
			return HF_EXIT_FAIL;
		}
		ev->name[ev->nev] = set->event[i];
		ev->role[ev->nev++] = i;
	}
	return HF_EXIT_OK;
}

/* -e: the user's events; a name libpfm4 does not know is a usage error. */
int hf_mmu_events_user(struct hf_mmu_events *ev, char *const *event, int n)
{
	for (int i = 0; i < n; i++) {
		int err = hf_pmu_encode_name(event[i], &ev->attr[i]);

		if (err) {
			hf_err("-e: event '%s': %s (libpfm4 names: perf::PAGE-FAULTS, "
			       "perf::TASK-CLOCK, perf::CYCLES, skx::DTLB_LOAD_MISSES:WALK_ACTIVE, ...)",
			       event[i], hf_pmu_strerror(err));
			return HF_EXIT_USAGE;
		}
		ev->name[i] = event[i];
	}
	ev->nev = n;
	return HF_EXIT_OK;
}

int hf_mmu_events_open_error(const struct hf_mmu_events *evs, pid_t pid, int err, int ev,
			     pid_t tid)
{
	if (ev < 0) {
		hf_err("pid %d: %s", pid, hf_proc_task_strerror(err));
		return HF_EXIT_FAIL;
	}
	hf_err("pid %d (thread %d): perf_event_open %s: %s%s", pid, tid, evs->name[ev],
	       strerror(-err), err == -EACCES || err == -EPERM ?
	       " (needs root or CAP_PERFMON, or a lower kernel.perf_event_paranoid)" :
	       err == -ENOENT || err == -EOPNOTSUPP || err == -ENODEV ?
	       " (this kernel or machine cannot count it: no hardware PMU? software events "
	       "such as perf::PAGE-FAULTS count everywhere)" : "");
	if (err == -EACCES || err == -EPERM)
		return HF_EXIT_NOPERM;
	return err == -ENOENT || err == -EOPNOTSUPP || err == -ENODEV ? HF_EXIT_NOFEATURE :
	       HF_EXIT_FAIL;
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
