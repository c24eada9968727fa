/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MMU-overhead counters through libpfm4: which events measure page walks
 * on which PMU, their perf_event_attr encodings (also for PMUs that are
 * not present), and the arithmetic on recorded counts.
 */
#ifndef HF_MMUCOST_PMU_H
#define HF_MMUCOST_PMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
/* libpfm4 brings its own perf_event.h; <linux/perf_event.h> would clash. */
#include <perfmon/pfmlib_perf_event.h>

enum hf_mmu_role {
	HF_MMU_LOAD_WALK_CYCLES,	/* Intel: cycles a load page walk is active */
	HF_MMU_STORE_WALK_CYCLES,
	HF_MMU_IFETCH_WALK_CYCLES,
	HF_MMU_CYCLES,			/* unhalted core cycles */
	HF_MMU_DATA_WALKS,		/* AMD: data TLB misses that walk */
	HF_MMU_IFETCH_WALKS,
	HF_MMU_INSTRUCTIONS,		/* retired instructions */
	HF_MMU_NROLES,
};

/* snake_case names, used as JSON keys: "load_walk_cycles" ... */
extern const char *const hf_mmu_role_key[HF_MMU_NROLES];

enum hf_mmu_metric {
	HF_MMU_CYCLE_FRACTION,		/* walk cycles / unhalted cycles */
	HF_MMU_WALKS_PER_KINSN,		/* page walks per 1000 instructions */
};

/* The events of one PMU family, by role (NULL: not used). */
struct hf_mmu_eventset {
	const char *const *pmus;	/* libpfm4 PMU names, NULL-terminated */
	enum hf_mmu_metric metric;
	const char *event[HF_MMU_NROLES];
};

/* The event set for a libpfm4 PMU name, or NULL if none is known. */
const struct hf_mmu_eventset *hf_mmu_eventset_for(const char *pmu);
/* Every known set, NULL-terminated (for --list-events and raw decoding). */
extern const struct hf_mmu_eventset *const hf_mmu_eventsets[];

/* Initialise libpfm4, allowing encodings for PMUs not present. 0 or -EIO. */
int hf_pmu_init(void);

/*
 * The core PMU libpfm4 detects on this CPU (from CPUID), even when the
 * kernel exposes no counters for it. 0, or -ENODEV when none is detected.
 */
int hf_pmu_detected(char *name, size_t len);

/* Does the kernel expose a hardware CPU PMU (sysfs event_source "cpu")? */
bool hf_pmu_kernel_has_cpu_pmu(void);

/*
 * Encode "EVENT" for libpfm4 PMU pmu into a perf_event_attr (type,
 * config, config1). Returns 0 or a negative libpfm4 error (hf_pmu_strerror).
 */
int hf_pmu_encode(const char *pmu, const char *event, struct perf_event_attr *attr);
const char *hf_pmu_strerror(int err);
/* The same for a full libpfm4 name: "perf::PAGE-FAULTS", "skx::...", "cycles". */
int hf_pmu_encode_name(const char *event, struct perf_event_attr *attr);

/* Counts gathered for one interval, by role. */
struct hf_mmu_counts {
	uint64_t v[HF_MMU_NROLES];
	unsigned int have;		/* bit (1 << role) set when counted */
};

struct hf_mmu_result {
	enum hf_mmu_metric metric;
	uint64_t walk;			/* walk cycles or walks, summed */
	uint64_t base;			/* cycles or instructions */
	double value;			/* fraction, or walks per 1000 instructions */
};

/*
 * MMU overhead from counts: walk cycles / cycles when walk-cycle events
 * and cycles were counted, otherwise walks per kilo-instruction. Returns
 * 0, or -ENODATA when the counts hold neither pair (or the base is 0).
 */
int hf_mmu_compute(const struct hf_mmu_counts *c, struct hf_mmu_result *r);

/*
 * The role of an event as perf or libpfm4 names it ("cycles",
 * "dtlb_load_misses.walk_active", "cpu/dtlb_load_misses.walk_active/u",
 * "skx::DTLB_LOAD_MISSES:WALK_ACTIVE", or a raw "r1001008" matching a
 * known encoding). Returns the role or -1.
 */
int hf_mmu_role_of(const char *event);

#endif
