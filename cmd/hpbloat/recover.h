/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bloat recovery: give the zero-filled 4 KiB subpages of transparent huge
 * pages back to the system, using only kernel mechanisms that decide what
 * is zero while the huge page is unmapped (so no concurrent write can be
 * lost). Best first:
 *
 *   madvise   process_madvise(MADV_SPLIT_UNDERUSED) on each 2 MiB region
 *             (the hawkfetch kernel patch 0010)
 *   debugfs   "PID,0xSTART,0xEND" written to /sys/kernel/debug/split_huge_pages
 *             (stock 6.12+; refused under kernel lockdown)
 *
 * Both split the THP; the 6.12 split path maps zero-filled subpages to the
 * shared zero page and frees them. Never MADV_DONTNEED/MADV_FREE: a check
 * in user space followed by a free loses the writes in between.
 */
#ifndef HF_HPBLOAT_RECOVER_H
#define HF_HPBLOAT_RECOVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>
#include "scan.h"
#include "cli.h"

#ifndef MADV_SPLIT_UNDERUSED
#define MADV_SPLIT_UNDERUSED 26
#endif

enum hf_recover_mech {
	HF_RECOVER_NONE,
	HF_RECOVER_MADVISE,
	HF_RECOVER_DEBUGFS,
};

struct hf_recover_env {
	enum hf_recover_mech mech;
	int debugfs_fd;			/* split_huge_pages, open for writing */
	uint64_t zero_pfn;		/* PFN of the shared zero page; 0: unknown */
	char why[1024];			/* HF_RECOVER_NONE: why, and what works instead */
};

/* Name of a mechanism for output: "madvise", "debugfs", "none". */
const char *hf_recover_mech_name(enum hf_recover_mech m);

/*
 * Find the best mechanism (want: HF_RECOVER_NONE), or check that the one
 * wanted works. Returns HF_EXIT_OK, or HF_EXIT_NOFEATURE with
 * env->mech == HF_RECOVER_NONE and env->why saying why (kernel lockdown,
 * no debugfs, a kernel that does not remap zero subpages on split) and
 * naming what works instead; nothing is printed.
 */
int hf_recover_probe(struct hf_recover_env *env, const struct hf_thp_policy *policy,
		     enum hf_recover_mech want);
void hf_recover_env_close(struct hf_recover_env *env);

/* The default --min-zero: a region promotion (512 - max_ptes_none) keeps. */
unsigned int hf_recover_default_min_zero(const struct hf_thp_policy *policy);
/*
 * Why the default floor leaves so little, when it is 512 (max_ptes_none
 * 511, the kernel's default, or unreadable) and --min-zero was not given:
 * a sentence for the user naming the two ways to recover more (a lower
 * max_ptes_none, or --watch under memory pressure). false: no hint.
 */
bool hf_recover_floor_hint(const struct hf_thp_policy *policy, bool min_zero_given,
			   char *buf, size_t len);
/*
 * With MADV_SPLIT_UNDERUSED, the kernel splits only huge pages with
 * transparent_hugepage/split_underused_min_zero zero subpages or more:
 * when that is above @min_zero, a sentence saying so and how to lower it.
 * false: no hint.
 */
bool hf_recover_threshold_hint(const struct hf_recover_env *env,
			       const struct hf_thp_policy *policy, unsigned int min_zero,
			       char *buf, size_t len);

/* A 2 MiB region chosen for recovery. */
struct hf_recover_region {
	pid_t pid;
	int proc;			/* index into hf_recover_run.proc */
	uint64_t addr;
	unsigned int zero;		/* zero subpages when scanned */
	int status;			/* 0 done, -errno: the call failed */
	bool split;			/* no longer a huge page afterwards */
	unsigned int returned;		/* subpages now mapping the zero page */
};

struct hf_recover_proc {
	pid_t pid;
	char comm[16];
	uint64_t rss_anon_kib[2];	/* before, after */
	uint64_t anon_huge_kib[2];
	uint64_t regions, regions_split, zero_subpages, returned;
	int error;			/* -errno when the process failed */
	int pidfd;
};

struct hf_recover_run {
	struct hf_recover_proc *proc;
	int nproc;
	struct hf_recover_region *region;
	size_t nregion;
	uint64_t candidates;		/* regions at or above min_zero */
	uint64_t zero_subpages, returned, regions_split;
	uint64_t time_ns;
};

/*
 * Choose regions from scanned processes: those with at least min_zero
 * zero subpages, most zero subpages first, until budget zero subpages
 * are chosen (0: no budget).
 */
int hf_recover_plan(struct hf_recover_run *run, const struct hf_bloat_proc *procs, int nproc,
		    unsigned int min_zero, uint64_t budget);

/* Carry the plan out; fills in the results. Returns 0 or -errno (setup). */
int hf_recover_execute(struct hf_recover_env *env, struct hf_recover_run *run);
void hf_recover_run_free(struct hf_recover_run *run);

/* RssAnon (status) and AnonHugePages (smaps_rollup) of pid in KiB. */
int hf_proc_anon_kib(pid_t pid, uint64_t *rss_anon, uint64_t *anon_huge);

/* The run as JSON objects ("processes" and "regions" arrays, "total"). */
void hf_recover_run_json(struct json_object *o, const struct hf_recover_run *run, bool dry_run);
/* hpbloat --recover's JSON document (type "recover"). */
struct json_object *hf_recover_doc_json(const struct hf_recover_run *run,
					const struct hf_recover_env *env, bool dry_run,
					unsigned int min_zero, uint64_t budget);

/* ---- memory watermarks (--watch) ---- */

struct hf_mem_state {
	uint64_t total_kib, avail_kib;	/* of the system, or of the cgroup's limit */
	double avail_pct;
	double psi_some_avg10;		/* -1 when PSI is absent */
};

/*
 * Memory available: MemAvailable / MemTotal, or for a cgroup with a limit
 * (v2 memory.max, v1 memory.limit_in_bytes) limit - usage over limit.
 * cgroup may be NULL. 0 or -errno.
 */
int hf_mem_state_read(const char *cgroup, struct hf_mem_state *m);

#endif
