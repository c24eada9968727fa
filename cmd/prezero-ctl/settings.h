/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Changing and describing pre-zeroing (prezero.h reads the interface):
 * `set` KEY=VALUEs validated before any is written and written all or
 * nothing, the status as one JSON document, and on a stock kernel what it
 * offers instead (THP mode, init_on_alloc/init_on_free).
 */
#ifndef HF_PREZERO_CTL_SETTINGS_H
#define HF_PREZERO_CTL_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "sysfs.h"
#include "thp.h"

/* One `set` KEY=VALUE, or the implied one of enable/disable (arg NULL). */
struct hf_prezero_setting {
	int knob;
	uint64_t value;
	const char *arg;
};

/* Per counter: what it means, for people; its JSON key (unit in the name). */
extern const char *const hf_prezero_counter_note[HF_PZ_NCOUNTERS];
extern const char *const hf_prezero_counter_key[HF_PZ_NCOUNTERS];

/*
 * Each function here that can fail returns 0 or -errno with e filled
 * (common/hf.h's convention).
 *
 * Read the interface (hf_prezero_read); an interface this tree does not
 * know is HF_ERROR_NOFEATURE.
 */
int hf_prezero_load(struct hf_prezero *pz, struct hf_error *e);

/*
 * Check one KEY=VALUE, or every one of argv (a key twice is an error);
 * node_max_kib bounds target_kbytes (UINT64_MAX before the kernel was
 * read). Errors are HF_ERROR_USAGE.
 */
int hf_prezero_parse_setting(const char *arg, uint64_t node_max_kib,
			     struct hf_prezero_setting *s, struct hf_error *e);
int hf_prezero_parse_settings(char **argv, int argc, uint64_t node_max_kib,
			      struct hf_prezero_setting *set, struct hf_error *e);
/* The SIZE of `now` (bytes, rounded up to KiB): from 1 KiB to max_kib. */
int hf_prezero_parse_size(const char *arg, uint64_t max_kib, uint64_t *kib, struct hf_error *e);

/* Forced off by the kernel (disabled_by), and why, for people. */
bool hf_prezero_forced_off(const struct hf_prezero *pz);
const char *hf_prezero_disabled_reason(const char *by);
/* prezeroed / (prezeroed + zeroed); < 0 when there were no THP faults. */
double hf_prezero_hit_rate(uint64_t prezeroed, uint64_t zeroed);
/* Memory of every node, in KiB: the bound of `now`. */
uint64_t hf_prezero_total_kib(const struct hf_prezero *pz);
/* {"type":"prezero_status",...} */
struct json_object *hf_prezero_status_json(const struct hf_prezero *pz);

/*
 * Refuse enabled=1 where the kernel forces pre-zeroing off, then write the
 * settings in knob order (enabled last); if one fails, put back those
 * already written.
 */
int hf_prezero_change(const struct hf_prezero *pz, const struct hf_prezero_setting *set,
		      int n, struct hf_error *e);
/*
 * Explain a failed write (err) of value to file, with what the user typed
 * when that differs (2G for 2097152); returns err.
 */
int hf_prezero_write_error(const char *file, uint64_t value, const char *typed, int err,
			   struct hf_error *e);

/* A stock kernel: its THP mode, and init_on_alloc/init_on_free as booted. */
struct hf_prezero_stock {
	struct hf_thp_policy thp;
	char init_on_alloc[32], init_on_free[32];	/* or "kernel default" */
};
void hf_prezero_stock_read(struct hf_prezero_stock *s);
/* Where init_on_alloc (alloc) or init_on_free came from. */
const char *hf_prezero_init_on_source(const char *value, bool alloc);
/* The error detail: {"missing":...,"stock_kernel":{...}}. */
struct json_object *hf_prezero_stock_json(const struct hf_prezero_stock *s);

#endif
