// SPDX-License-Identifier: GPL-2.0
/*
 * prezero-ctl's work on the patched kernel's interface: settings checked
 * before anything is written and written all or nothing, the status as
 * JSON, and what a stock kernel offers instead.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "helpers.h"
#include "output.h"
#include "settings.h"
#include "procfs.h"

const char *const hf_prezero_counter_note[HF_PZ_NCOUNTERS] = {
	[HF_PZ_NR_FREE_ZEROED]	= "pages free and zeroed now",
	[HF_PZ_ZEROED]		= "pages zeroed by the background thread",
	[HF_PZ_ZEROED_DIRECT]	= "pages zeroed through zero_now_kbytes",
	[HF_PZ_DROPPED]		= "zeroed pages whose mark was dropped unused",
	[HF_PZ_ABORTED]		= "pages whose zeroing stopped (block offlined or isolated)",
	[HF_PZ_THP_PREZEROED]	= "THP faults served an already zeroed page",
	[HF_PZ_THP_ZEROED]	= "THP faults that had to zero the page",
};

/* JSON keys: the vmstat names, with the unit where it is pages. */
const char *const hf_prezero_counter_key[HF_PZ_NCOUNTERS] = {
	[HF_PZ_NR_FREE_ZEROED]	= "nr_free_zeroed_pages",
	[HF_PZ_ZEROED]		= "prezero_zeroed_pages",
	[HF_PZ_ZEROED_DIRECT]	= "prezero_zeroed_direct_pages",
	[HF_PZ_DROPPED]		= "prezero_dropped_pages",
	[HF_PZ_ABORTED]		= "prezero_aborted_pages",
	[HF_PZ_THP_PREZEROED]	= "thp_fault_prezeroed",
	[HF_PZ_THP_ZEROED]	= "thp_fault_zeroed",
};

int hf_prezero_parse_setting(const char *arg, uint64_t node_max_kib, struct hf_prezero_setting *s,
			     struct hf_error *e)
{
	const char *eq = strchr(arg, '=');
	char key[64], range[192];
	int err;

	snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
	s->arg = arg;
	s->knob = hf_prezero_knob_find(key);
	if (s->knob < 0) {
		return hf_error_set(e, HF_ERROR_USAGE, -EINVAL, "set %s: no such KEY '%s' (keys: "
				    "target_kbytes, batch_blocks, sleep_millisecs, nontemporal, enabled)",
				    arg, key);
	}
	hf_prezero_knob_range(s->knob, node_max_kib, range, sizeof(range));
	if (!eq) {
		return hf_error_set(e, HF_ERROR_USAGE, -EINVAL, "set %s: no VALUE (expected "
				    "%s=VALUE, VALUE %s)", arg, key, range);
	}
	err = hf_prezero_knob_parse(s->knob, eq + 1, node_max_kib, &s->value);
	if (err) {
		return hf_error_set(e, HF_ERROR_USAGE, -EINVAL, "set %s: invalid VALUE '%s' for "
				    "%s: %s; expected %s", arg, eq + 1, key,
				    err == -ERANGE ? "out of range" : "not a number", range);
	}
	return 0;
}

int hf_prezero_load(struct hf_prezero *pz, struct hf_error *e)
{
	char what[256];
	int err = hf_prezero_read(pz, what, sizeof(what));

	if (!err)
		return 0;
	if (err == -ENOENT || err == -ENODATA)
		return hf_error_set(e, HF_ERROR_NOFEATURE, err, "%s: missing: the kernel's "
				    "pre-zeroing interface is not the one prezero-ctl %s knows; "
				    "build and boot the kernel of this tree (make kernel)", what,
				    HF_VERSION);
	return hf_error_set(e, err == -EACCES || err == -EPERM ? HF_ERROR_NOPERM :
			    HF_ERROR_RUNTIME, err, "%s: %s", what,
			    err == -EINVAL ? "unparsable" : strerror(-err));
}

/* Parse every KEY=VALUE; a key given twice is an error too. */
int hf_prezero_parse_settings(char **argv, int argc, uint64_t node_max_kib,
			      struct hf_prezero_setting *set, struct hf_error *e)
{
	for (int i = 0; i < argc; i++) {
		if (hf_prezero_parse_setting(argv[i], node_max_kib, &set[i], e))
			return -EINVAL;
		for (int j = 0; j < i; j++)
			if (set[j].knob == set[i].knob)
				return hf_error_set(e, HF_ERROR_USAGE, -EINVAL, "set: KEY %s given "
						    "twice", hf_prezero_knobs[set[i].knob].file);
	}
	return 0;
}

int hf_prezero_parse_size(const char *arg, uint64_t max_kib, uint64_t *kib, struct hf_error *e)
{
	uint64_t bytes;
	int err = hf_parse_size(arg, 1, &bytes);

	*kib = err ? 0 : bytes / 1024 + !!(bytes % 1024);	/* rounded up */
	if (!err && *kib && *kib <= max_kib)
		return 0;
	if (err == -EINVAL)
		return hf_error_set(e, HF_ERROR_USAGE, -EINVAL, "now %s: invalid SIZE: expected a "
				    "size such as 512M or 1G (a bare number is bytes; K, M, G, T suffixes)",
				    arg);
	if (max_kib == UINT64_MAX)
		return hf_error_set(e, HF_ERROR_USAGE, -ERANGE, "now %s: SIZE out of range: "
				    "expected at least 1 KiB and at most the machine's memory",
				    arg);
	return hf_error_set(e, HF_ERROR_USAGE, -ERANGE, "now %s: SIZE out of range: expected from "
			    "1 KiB to %llu KiB", arg, (unsigned long long)max_kib);
}

/* Why the kernel forces pre-zeroing off (disabled_by), for people. */
const char *hf_prezero_disabled_reason(const char *by)
{
	static const char *const reason[][2] = {
		{ "init_on_free", "init_on_free=1 zeroes every page as it is freed" },
		{ "page_poisoning", "page poisoning fills free pages with a pattern" },
		{ "debug_pagealloc", "debug_pagealloc unmaps free pages" },
		{ "kasan", "KASAN poisons free pages" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(reason); i++)
		if (!strcmp(by, reason[i][0]))
			return reason[i][1];
	return "the kernel says so";
}

bool hf_prezero_forced_off(const struct hf_prezero *pz)
{
	return strcmp(pz->disabled_by, "none") != 0;
}

/* Prezeroed / (prezeroed + zeroed); < 0 when there were no THP faults. */
double hf_prezero_hit_rate(uint64_t prezeroed, uint64_t zeroed)
{
	return prezeroed + zeroed ? (double)prezeroed / (prezeroed + zeroed) : -1;
}

uint64_t hf_prezero_total_kib(const struct hf_prezero *pz)
{
	uint64_t pages = 0;

	for (int i = 0; i < pz->nnode; i++)
		pages += pz->node[i].present_pages;
	return pages * HF_PAGE_KIB;
}

/* A rate to 6 significant digits; none (< 0) is null. */
static struct json_object *json_rate(double v)
{
	return v < 0 ? NULL : hf_json_ratio(v);
}

struct json_object *hf_prezero_status_json(const struct hf_prezero *pz)
{
	struct json_object *o = json_object_new_object(), *nodes = json_object_new_array();
	struct json_object *knobs = json_object_new_object(), *ctrs = json_object_new_object();
	const uint64_t *k = pz->knob, *c = pz->counter;

	hf_json_set_str(o, "type", "prezero_status");
	json_object_object_add(o, "enabled", json_object_new_boolean(k[HF_PZ_ENABLED]));
	hf_json_set_str(o, "disabled_by", pz->disabled_by);
	for (int i = 0; i < pz->nnode; i++) {
		struct json_object *n = json_object_new_object();

		hf_json_set_u64(n, "node", pz->node[i].id);
		hf_json_set_u64(n, "zeroed_kib", pz->node[i].zeroed_pages * HF_PAGE_KIB);
		hf_json_set_u64(n, "target_kib", k[HF_PZ_TARGET_KBYTES]);
		hf_json_set_u64(n, "memory_kib", pz->node[i].present_pages * HF_PAGE_KIB);
		json_object_array_add(nodes, n);
	}
	json_object_object_add(o, "nodes", nodes);
	hf_json_set_u64(o, "zeroed_kib", c[HF_PZ_NR_FREE_ZEROED] * HF_PAGE_KIB);
	hf_json_set_u64(knobs, "target_kib", k[HF_PZ_TARGET_KBYTES]);
	hf_json_set_u64(knobs, "batch_blocks", k[HF_PZ_BATCH_BLOCKS]);
	hf_json_set_u64(knobs, "batch_kib", k[HF_PZ_BATCH_BLOCKS] * HF_HPAGE_KIB);
	hf_json_set_u64(knobs, "sleep_ms", k[HF_PZ_SLEEP_MILLISECS]);
	json_object_object_add(knobs, "nontemporal", json_object_new_boolean(k[HF_PZ_NONTEMPORAL]));
	json_object_object_add(o, "knobs", knobs);
	for (int i = 0; i < HF_PZ_NCOUNTERS; i++)
		hf_json_set_u64(ctrs, hf_prezero_counter_key[i], c[i]);
	json_object_object_add(o, "counters", ctrs);
	json_object_object_add(o, "thp_fault_hit_rate",
			       json_rate(hf_prezero_hit_rate(c[HF_PZ_THP_PREZEROED], c[HF_PZ_THP_ZEROED])));
	return o;
}

static void cmdline_or_default(const char *name, char *out, size_t len)
{
	if (hf_kernel_cmdline_param(name, out, len))
		snprintf(out, len, "kernel default");
}

void hf_prezero_stock_read(struct hf_prezero_stock *s)
{
	hf_thp_policy_read(&s->thp);
	cmdline_or_default("init_on_alloc", s->init_on_alloc, sizeof(s->init_on_alloc));
	cmdline_or_default("init_on_free", s->init_on_free, sizeof(s->init_on_free));
}

/* Where init_on_alloc or init_on_free came from. */
const char *hf_prezero_init_on_source(const char *value, bool alloc)
{
	if (strcmp(value, "kernel default"))
		return "from /proc/cmdline";
	return alloc ? "not on /proc/cmdline; CONFIG_INIT_ON_ALLOC_DEFAULT_ON decides" :
		       "not on /proc/cmdline; CONFIG_INIT_ON_FREE_DEFAULT_ON decides";
}

struct json_object *hf_prezero_stock_json(const struct hf_prezero_stock *s)
{
	struct json_object *o = json_object_new_object(), *k = json_object_new_object();

	hf_json_set_str(k, "thp_enabled", s->thp.enabled);
	hf_json_set_str(k, "thp_defrag", s->thp.defrag);
	hf_json_set_str(k, "init_on_alloc", s->init_on_alloc);
	hf_json_set_str(k, "init_on_free", s->init_on_free);
	hf_json_set_str(o, "missing", HF_PREZERO_DIR);
	json_object_object_add(o, "stock_kernel", k);
	return o;
}

int hf_prezero_write_error(const char *file, uint64_t value, const char *typed, int err,
			   struct hf_error *e)
{
	char shown[96];

	if (err == -EACCES || err == -EPERM)
		return hf_error_set(e, HF_ERROR_NOPERM, err, HF_PREZERO_DIR "/%s: %s: writing "
				    "needs root", file, strerror(-err));
	snprintf(shown, sizeof(shown), "%llu", (unsigned long long)value);
	if (typed && strcmp(typed, shown))
		snprintf(shown + strlen(shown), sizeof(shown) - strlen(shown), " (%s)", typed);
	return hf_error_set(e, HF_ERROR_RUNTIME, err, HF_PREZERO_DIR "/%s: the kernel refused "
			    "%s: %s", file, shown, strerror(-err));
}

static int write_knob(const struct hf_prezero_setting *s, struct hf_error *e)
{
	const char *file = hf_prezero_knobs[s->knob].file;
	const char *typed = s->arg ? strchr(s->arg, '=') + 1 : NULL;
	int err = hf_prezero_write(file, s->value);

	if (err)
		return hf_prezero_write_error(file, s->value, typed, err, e);
	hf_debug(HF_PREZERO_DIR "/%s: wrote %llu", file, (unsigned long long)s->value);
	return 0;
}

/*
 * Write the settings in knob order (enabled last). If one fails, put back
 * the ones already written, so that `set` changes all or nothing.
 */
static int apply(const struct hf_prezero *pz, const struct hf_prezero_setting *set, int n,
		 struct hf_error *e)
{
	int written[HF_PZ_NKNOBS], done = 0, status = 0;

	for (int knob = 0; knob < HF_PZ_NKNOBS && !status; knob++) {
		for (int i = 0; i < n && !status; i++) {
			if (set[i].knob != knob)
				continue;
			status = write_knob(&set[i], e);
			if (!status)
				written[done++] = knob;
		}
	}
	while (status && done--) {
		const char *file = hf_prezero_knobs[written[done]].file;
		uint64_t old = pz->knob[written[done]];

		if (hf_prezero_write(file, old))
			hf_warn("could not restore %s=%llu", file, (unsigned long long)old);
		else
			hf_debug(HF_PREZERO_DIR "/%s: restored %llu", file, (unsigned long long)old);
	}
	return status;
}

/* Refuse enabled=1 where the kernel forces pre-zeroing off, before writing anything. */
static int check_forced_off(const struct hf_prezero *pz, const struct hf_prezero_setting *set,
			    int n, struct hf_error *e)
{
	for (int i = 0; i < n; i++)
		if (set[i].knob == HF_PZ_ENABLED && set[i].value && hf_prezero_forced_off(pz))
			return hf_error_set(e, HF_ERROR_RUNTIME, -EPERM, HF_PREZERO_DIR "/enabled: "
					    "cannot write 1: pre-zeroing is forced off by %s "
					    "(disabled_by): %s", pz->disabled_by,
					    hf_prezero_disabled_reason(pz->disabled_by));
	return 0;
}

int hf_prezero_change(const struct hf_prezero *pz, const struct hf_prezero_setting *set, int n,
		      struct hf_error *e)
{
	int err = check_forced_off(pz, set, n, e);

	return err ? err : apply(pz, set, n, e);
}
