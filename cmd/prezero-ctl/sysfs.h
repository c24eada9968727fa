/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HawkEye's asynchronous pre-zeroing as the patched kernel exposes it:
 * knobs in /sys/kernel/mm/prezero/ (one value per file), counters in
 * /proc/vmstat, the zeroed free memory per zone in /proc/zoneinfo. Paths
 * are rooted at $HAWKFETCH_SYSROOT (procfs.h), so fixture trees stand in.
 */
#ifndef HF_PREZERO_CTL_SYSFS_H
#define HF_PREZERO_CTL_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HF_PREZERO_DIR "/sys/kernel/mm/prezero"

/*
 * The writable knobs, in the order `set` writes them: enabled last, so
 * the thread starts with the new settings.
 */
enum hf_prezero_knob {
	HF_PZ_TARGET_KBYTES,
	HF_PZ_BATCH_BLOCKS,
	HF_PZ_SLEEP_MILLISECS,
	HF_PZ_NONTEMPORAL,
	HF_PZ_ENABLED,
	HF_PZ_NKNOBS,
};

struct hf_prezero_knob_info {
	const char *file;	/* under HF_PREZERO_DIR, also the KEY of `set` */
	bool size;		/* KiB; takes K, M, G, T suffixes */
	bool node_max;		/* upper bound: the largest node's memory */
	uint64_t min, max;
};
extern const struct hf_prezero_knob_info hf_prezero_knobs[HF_PZ_NKNOBS];

/* /proc/vmstat lines prezero-ctl reads; the last is the stock kernel's. */
enum hf_prezero_counter {
	HF_PZ_NR_FREE_ZEROED,		/* pages free and marked zeroed, now */
	HF_PZ_ZEROED,			/* zeroed by the background thread */
	HF_PZ_ZEROED_DIRECT,		/* zeroed through zero_now_kbytes */
	HF_PZ_DROPPED,			/* marks dropped unused */
	HF_PZ_ABORTED,			/* pages of zeroings an isolation stopped */
	HF_PZ_THP_PREZEROED,		/* PMD THP faults served a zeroed page */
	HF_PZ_THP_ZEROED,		/* PMD THP faults that zeroed */
	HF_PZ_NCOUNTERS,
};
extern const char *const hf_prezero_counter_name[HF_PZ_NCOUNTERS];

struct hf_prezero_node {
	int id;
	uint64_t zeroed_pages;		/* nr_free_zeroed over its zones */
	uint64_t present_pages;		/* its memory */
};

struct hf_prezero {
	uint64_t knob[HF_PZ_NKNOBS];
	char disabled_by[32];		/* "none" or the reason it is forced off */
	uint64_t counter[HF_PZ_NCOUNTERS];
	struct hf_prezero_node *node;
	int nnode;
};

/* Is the interface there? 0, or -errno of HF_PREZERO_DIR. */
int hf_prezero_probe(void);

/*
 * Read everything once: knobs, vmstat, zoneinfo. On failure returns -errno
 * and names the file or line that failed in what.
 */
int hf_prezero_read(struct hf_prezero *pz, char *what, size_t len);
/* Only the counters (for watch). */
int hf_prezero_read_counters(uint64_t counter[HF_PZ_NCOUNTERS], char *what, size_t len);
void hf_prezero_free(struct hf_prezero *pz);

/*
 * Parsers of whole files. vmstat: returns 0, or -ENODATA with *missing
 * set to the first counter absent. zoneinfo: per node, in file order;
 * -EINVAL without nodes, -ENODATA without nr_free_zeroed lines.
 */
int hf_prezero_parse_vmstat(const char *buf, uint64_t counter[HF_PZ_NCOUNTERS],
			    int *missing);
int hf_prezero_parse_zoneinfo(const char *buf, struct hf_prezero_node **node, int *nnode);

/* The largest node's memory in KiB: the bound of target_kbytes. */
uint64_t hf_prezero_node_max_kib(const struct hf_prezero *pz);

/* The knob named KEY, or -1. */
int hf_prezero_knob_find(const char *key);
/* Parse and range-check a VALUE for a knob: 0, -EINVAL or -ERANGE. */
int hf_prezero_knob_parse(int knob, const char *value, uint64_t node_max_kib, uint64_t *out);
/* The valid values, for an error message: "an integer from 1 to 1024". */
void hf_prezero_knob_range(int knob, uint64_t node_max_kib, char *buf, size_t len);

/* Write "value\n" to a file under HF_PREZERO_DIR: 0 or -errno. */
int hf_prezero_write(const char *file, uint64_t value);

#endif
