// SPDX-License-Identifier: GPL-2.0
/* prezero-ctl: control and observe asynchronous pre-zeroing of free memory. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "bpfutil.h"
#include "cli.h"
#include "output.h"
#include "pagemap.h"
#include "prezero.h"
#include "procfs.h"
#include "thp.h"

#define PAGE_KIB (HF_PAGE_SIZE / 1024)
#define BLOCK_KIB (HF_HPAGE_SIZE / 1024)
#define MIB(kib) ((double)(kib) / 1024)

/* ---- command line ---- */

struct verb {
	const char *name;
	int min_args, max_args;
	int (*run)(void);
	const char *usage;
};

static int cmd_status(void), cmd_enable(void), cmd_disable(void);
static int cmd_set(void), cmd_now(void), cmd_watch(void);

static const struct verb verbs[] = {
	{ "status", 0, 0, cmd_status, "status" },
	{ "enable", 0, 0, cmd_enable, "enable" },
	{ "disable", 0, 0, cmd_disable, "disable" },
	{ "set", 1, HF_PZ_NKNOBS, cmd_set, "set KEY=VALUE..." },
	{ "now", 1, 1, cmd_now, "now SIZE" },
	{ "watch", 0, 0, cmd_watch, "watch [-i SEC] [-n COUNT]" },
};

/* One `set` KEY=VALUE, or the implied one of enable/disable. */
struct setting {
	int knob;
	uint64_t value;
	const char *arg;
};

static struct args {
	const struct verb *verb;
	char **argv;
	int argc;
	double interval;
	uint64_t count;
	bool watch_opts;
} args = { .interval = 1.0 };

static const struct argp_option options[] = {
	{ "interval", 'i', "SEC", 0, "watch: report every SEC seconds (default 1)", 0 },
	{ "count", 'n', "COUNT", 0, "watch: stop after COUNT reports", 0 },
	{ 0 },
};

static const char doc[] =
	"Control and observe asynchronous pre-zeroing of free memory (HawkEye).\v"
	"Commands:\n"
	"  status               (default) on or off and why, zeroed memory per node\n"
	"                       against its target, knobs, counters, THP hit rate\n"
	"  enable, disable      start or stop the background zeroing thread\n"
	"  set KEY=VALUE...     set knobs, all validated before any is written:\n"
	"                       target_kbytes (KiB per node; K, M, G, T suffixes),\n"
	"                       batch_blocks (1-1024 2 MiB blocks per wake-up),\n"
	"                       sleep_millisecs (1-60000), nontemporal (0 or 1),\n"
	"                       enabled (0 or 1)\n"
	"  now SIZE             zero up to SIZE of free memory now, in this process's\n"
	"                       context (its CPU time is charged to this cgroup)\n"
	"  watch                rates per interval, like vmstat\n\n"
	"Needs the hawkfetch pre-zeroing kernel patches (make kernel); on any other "
	"kernel it shows the THP mode and init_on_alloc/init_on_free and exits 69. "
	"Changing anything needs root.\n\n"
	"Examples:\n"
	"  prezero-ctl                             the status\n"
	"  prezero-ctl set target_kbytes=1G batch_blocks=32\n"
	"  prezero-ctl enable; prezero-ctl now 512M\n"
	"  prezero-ctl watch -i 2 -n 10 -j";

static const struct verb *find_verb(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (!strcmp(name, verbs[i].name))
			return &verbs[i];
	return NULL;
}

/*
 * Check one KEY=VALUE of `set`; node_max_kib bounds target_kbytes
 * (UINT64_MAX before the kernel was read). On error fills msg, returns -1.
 */
static int parse_setting(const char *arg, uint64_t node_max_kib, struct setting *s,
			 char *msg, size_t len)
{
	const char *eq = strchr(arg, '=');
	char key[64], range[192];
	int err;

	snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
	s->arg = arg;
	s->knob = hf_prezero_knob_find(key);
	if (s->knob < 0) {
		snprintf(msg, len, "set %s: no such KEY '%s' (keys: target_kbytes, batch_blocks, "
			 "sleep_millisecs, nontemporal, enabled)", arg, key);
		return -1;
	}
	hf_prezero_knob_range(s->knob, node_max_kib, range, sizeof(range));
	if (!eq) {
		snprintf(msg, len, "set %s: no VALUE (expected %s=VALUE, VALUE %s)", arg, key, range);
		return -1;
	}
	err = hf_prezero_knob_parse(s->knob, eq + 1, node_max_kib, &s->value);
	if (err) {
		snprintf(msg, len, "set %s: invalid VALUE '%s' for %s: %s; expected %s", arg,
			 eq + 1, key, err == -ERANGE ? "out of range" : "not a number", range);
		return -1;
	}
	return 0;
}

/* Parse every KEY=VALUE; a key given twice is an error too. */
static int parse_settings(uint64_t node_max_kib, struct setting *set, char *msg, size_t len)
{
	for (int i = 0; i < args.argc; i++) {
		if (parse_setting(args.argv[i], node_max_kib, &set[i], msg, len))
			return -1;
		for (int j = 0; j < i; j++) {
			if (set[j].knob == set[i].knob) {
				snprintf(msg, len, "set: KEY %s given twice", hf_prezero_knobs[set[i].knob].file);
				return -1;
			}
		}
	}
	return 0;
}

static int parse_now_size(uint64_t max_kib, uint64_t *kib, char *msg, size_t len)
{
	int err = hf_parse_kib(args.argv[0], kib);

	if (!err && *kib && *kib <= max_kib)
		return 0;
	if (err == -EINVAL)
		snprintf(msg, len, "now %s: invalid SIZE: expected a size such as 512M or 1G "
			 "(a bare number is KiB; K, M, G, T suffixes)", args.argv[0]);
	else if (max_kib == UINT64_MAX)
		snprintf(msg, len, "now %s: SIZE out of range: expected at least 1 KiB and at "
			 "most the machine's memory", args.argv[0]);
	else
		snprintf(msg, len, "now %s: SIZE out of range: expected from 1 KiB to %llu KiB",
			 args.argv[0], (unsigned long long)max_kib);
	return -1;
}

/* argp_error (exit 64), and in JSON mode the error object on stdout too. */
static void usage_error(struct argp_state *state, const char *msg)
{
	if (hf_opts.json)
		hf_json_error(stdout, msg, NULL);
	argp_error(state, "%s", msg);
}

/* What can be checked without the kernel, so that bad input is always 64. */
static void check_args(struct argp_state *state)
{
	struct setting set[HF_PZ_NKNOBS];
	char msg[512] = "";
	uint64_t kib;

	if (args.argc < args.verb->min_args || args.argc > args.verb->max_args)
		snprintf(msg, sizeof(msg), "%s: %s (usage: %s)", args.verb->name,
			 args.argc < args.verb->min_args ? "missing argument" : "too many arguments",
			 args.verb->usage);
	else if (args.watch_opts && args.verb->run != cmd_watch)
		snprintf(msg, sizeof(msg), "-i and -n go with watch");
	else if (args.verb->run == cmd_set)
		parse_settings(UINT64_MAX, set, msg, sizeof(msg));
	else if (args.verb->run == cmd_now)
		parse_now_size(UINT64_MAX, &kib, msg, sizeof(msg));
	if (*msg)
		usage_error(state, msg);
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'i':
		args.interval = hf_arg_seconds(arg, state);
		args.watch_opts = true;
		break;
	case 'n':
		args.count = hf_arg_u64(arg, 1, UINT32_MAX, "COUNT", state);
		args.watch_opts = true;
		break;
	case ARGP_KEY_ARG:
		if (args.verb) {
			args.argv[args.argc++] = arg;
			break;
		}
		if (!(args.verb = find_verb(arg)))
			argp_error(state, "unknown command '%s' (status, enable, disable, set, now, "
				   "watch)", arg);
		args.argv = calloc(state->argc, sizeof(*args.argv));
		if (!args.argv)
			abort();
		break;
	case ARGP_KEY_END:
		if (!args.verb)
			args.verb = &verbs[0];
		check_args(state);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child children[] = { HF_COMMON_CHILD, { 0 } };
static const struct argp argp = {
	options, parse_opt,
	"[status]\nenable | disable\nset KEY=VALUE...\nnow SIZE\nwatch [-i SEC] [-n COUNT]",
	doc, children, NULL, NULL,
};

/* ---- a kernel without the patches ---- */

struct stock {
	struct hf_thp_policy thp;
	char init_on_alloc[32], init_on_free[32];
};

static void cmdline_or_default(const char *name, char *out, size_t len)
{
	if (hf_kernel_cmdline_param(name, out, len))
		snprintf(out, len, "kernel default");
}

/* Where init_on_alloc or init_on_free came from. */
static const char *init_on_source(const char *value, bool alloc)
{
	if (strcmp(value, "kernel default"))
		return "from /proc/cmdline";
	return alloc ? "not on /proc/cmdline; CONFIG_INIT_ON_ALLOC_DEFAULT_ON decides" :
		       "not on /proc/cmdline; CONFIG_INIT_ON_FREE_DEFAULT_ON decides";
}

static void print_stock(const struct stock *s)
{
	printf("This kernel has no pre-zeroing. What it offers instead:\n"
	       "  THP enabled      %-16s (/sys/kernel/mm/transparent_hugepage/enabled)\n"
	       "  THP defrag       %-16s (/sys/kernel/mm/transparent_hugepage/defrag)\n"
	       "  init_on_alloc    %-16s (%s)\n"
	       "  init_on_free     %-16s (%s)\n"
	       "Each THP fault zeroes its 2 MiB page in the faulting thread "
	       "(twice with init_on_alloc=1).\n", s->thp.enabled, s->thp.defrag,
	       s->init_on_alloc, init_on_source(s->init_on_alloc, true),
	       s->init_on_free, init_on_source(s->init_on_free, false));
}

static struct json_object *stock_json(const struct stock *s)
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

static int no_prezero(int err)
{
	struct stock s;

	if (err != -ENOENT && err != -ENOTDIR) {
		hf_err("%s: %s", HF_PREZERO_DIR, strerror(-err));
		return err == -EACCES ? HF_EXIT_NOPERM : HF_EXIT_FAIL;
	}

	hf_thp_policy_read(&s.thp);
	cmdline_or_default("init_on_alloc", s.init_on_alloc, sizeof(s.init_on_alloc));
	cmdline_or_default("init_on_free", s.init_on_free, sizeof(s.init_on_free));
	if (!hf_opts.json)
		print_stock(&s);
	hf_err_detail(stock_json(&s), "%s: %s: this kernel lacks the hawkfetch pre-zeroing "
		      "patches (kernel-patches/); build and boot the patched kernel (make kernel)",
		      HF_PREZERO_DIR, strerror(-err));
	return HF_EXIT_NOFEATURE;
}

/* Read the interface; a failure is explained and turned into an exit status. */
static int read_prezero(struct hf_prezero *pz)
{
	char what[256];
	int err = hf_prezero_read(pz, what, sizeof(what));

	if (!err)
		return HF_EXIT_OK;
	if (err == -ENOENT || err == -ENODATA) {
		hf_err("%s: missing: the kernel's pre-zeroing interface is not the one "
		       "prezero-ctl %s knows; build and boot the kernel of this tree (make kernel)",
		       what, HF_VERSION);
		return HF_EXIT_NOFEATURE;
	}
	hf_err("%s: %s", what, err == -EINVAL ? "unparsable" : strerror(-err));
	return err == -EACCES || err == -EPERM ? HF_EXIT_NOPERM : HF_EXIT_FAIL;
}

/* ---- status ---- */

static const char *const counter_note[HF_PZ_NCOUNTERS] = {
	[HF_PZ_NR_FREE_ZEROED]	= "pages free and zeroed now",
	[HF_PZ_ZEROED]		= "pages zeroed by the background thread",
	[HF_PZ_ZEROED_DIRECT]	= "pages zeroed through zero_now_kbytes",
	[HF_PZ_DROPPED]		= "zeroed pages whose mark was dropped unused",
	[HF_PZ_THP_PREZEROED]	= "THP faults served an already zeroed page",
	[HF_PZ_THP_ZEROED]	= "THP faults that had to zero the page",
};

/* JSON keys: the vmstat names, with the unit where it is pages. */
static const char *const counter_key[HF_PZ_NCOUNTERS] = {
	[HF_PZ_NR_FREE_ZEROED]	= "nr_free_zeroed_pages",
	[HF_PZ_ZEROED]		= "prezero_zeroed_pages",
	[HF_PZ_ZEROED_DIRECT]	= "prezero_zeroed_direct_pages",
	[HF_PZ_DROPPED]		= "prezero_dropped_pages",
	[HF_PZ_THP_PREZEROED]	= "thp_fault_prezeroed",
	[HF_PZ_THP_ZEROED]	= "thp_fault_zeroed",
};

/* Why the kernel forces pre-zeroing off (disabled_by), for people. */
static const char *disabled_reason(const char *by)
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

static bool forced_off(const struct hf_prezero *pz)
{
	return strcmp(pz->disabled_by, "none") != 0;
}

/* Prezeroed / (prezeroed + zeroed); < 0 when there were no THP faults. */
static double hit_rate(uint64_t prezeroed, uint64_t zeroed)
{
	return prezeroed + zeroed ? (double)prezeroed / (prezeroed + zeroed) : -1;
}

static struct json_object *json_rate(double v)
{
	char buf[32];

	if (v < 0)
		return NULL;
	snprintf(buf, sizeof(buf), "%.6g", v);
	return json_object_new_double_s(v, buf);
}

static void print_state(const struct hf_prezero *pz)
{
	if (forced_off(pz))
		printf("pre-zeroing: forced off by %s (%s); it cannot be enabled\n",
		       pz->disabled_by, disabled_reason(pz->disabled_by));
	else
		printf("pre-zeroing: %s\n", pz->knob[HF_PZ_ENABLED] ? "enabled" : "disabled");
}

static void print_nodes(const struct hf_prezero *pz)
{
	uint64_t target = pz->knob[HF_PZ_TARGET_KBYTES];

	printf("\nzeroed free memory per node:\n%6s %12s %12s %7s\n", "NODE", "ZEROED_MIB",
	       "TARGET_MIB", "FILL");
	for (int i = 0; i < pz->nnode; i++) {
		uint64_t kib = pz->node[i].zeroed_pages * PAGE_KIB;

		printf("%6d %12.1f %12.1f ", pz->node[i].id, MIB(kib), MIB(target));
		if (target)
			printf("%6.1f%%\n", 100.0 * kib / target);
		else
			printf("%7s\n", "-");
	}
}

static void print_knobs(const struct hf_prezero *pz)
{
	const uint64_t *k = pz->knob;

	printf("\nknobs (" HF_PREZERO_DIR "):\n"
	       "  enabled          %-10llu %s\n"
	       "  target_kbytes    %-10llu %.1f MiB of zeroed free memory per node\n"
	       "  batch_blocks     %-10llu %llu MiB zeroed per wake-up\n"
	       "  sleep_millisecs  %-10llu between batches\n"
	       "  nontemporal      %-10llu %s\n",
	       (unsigned long long)k[HF_PZ_ENABLED],
	       k[HF_PZ_ENABLED] ? "the background thread zeroes free memory" : "no background zeroing",
	       (unsigned long long)k[HF_PZ_TARGET_KBYTES],
	       MIB(k[HF_PZ_TARGET_KBYTES]), (unsigned long long)k[HF_PZ_BATCH_BLOCKS],
	       (unsigned long long)(k[HF_PZ_BATCH_BLOCKS] * BLOCK_KIB / 1024),
	       (unsigned long long)k[HF_PZ_SLEEP_MILLISECS], (unsigned long long)k[HF_PZ_NONTEMPORAL],
	       k[HF_PZ_NONTEMPORAL] ? "non-temporal stores (movnti + sfence)" : "clear_page");
}

static void print_counters(const struct hf_prezero *pz)
{
	const uint64_t *c = pz->counter;
	double rate = hit_rate(c[HF_PZ_THP_PREZEROED], c[HF_PZ_THP_ZEROED]);

	printf("\ncounters (/proc/vmstat):\n");
	for (int i = 0; i < HF_PZ_NCOUNTERS; i++)
		printf("  %-22s %12llu  %s\n", hf_prezero_counter_name[i],
		       (unsigned long long)c[i], counter_note[i]);
	if (rate < 0)
		printf("THP fault hit rate: - (no THP faults yet)\n");
	else
		printf("THP fault hit rate: %.1f%% (%llu of %llu served pre-zeroed)\n", rate * 100,
		       (unsigned long long)c[HF_PZ_THP_PREZEROED],
		       (unsigned long long)(c[HF_PZ_THP_PREZEROED] + c[HF_PZ_THP_ZEROED]));
}

static struct json_object *status_json(const struct hf_prezero *pz)
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
		hf_json_set_u64(n, "zeroed_kib", pz->node[i].zeroed_pages * PAGE_KIB);
		hf_json_set_u64(n, "target_kib", k[HF_PZ_TARGET_KBYTES]);
		hf_json_set_u64(n, "memory_kib", pz->node[i].present_pages * PAGE_KIB);
		json_object_array_add(nodes, n);
	}
	json_object_object_add(o, "nodes", nodes);
	hf_json_set_u64(o, "zeroed_kib", c[HF_PZ_NR_FREE_ZEROED] * PAGE_KIB);
	hf_json_set_u64(knobs, "target_kib", k[HF_PZ_TARGET_KBYTES]);
	hf_json_set_u64(knobs, "batch_blocks", k[HF_PZ_BATCH_BLOCKS]);
	hf_json_set_u64(knobs, "batch_kib", k[HF_PZ_BATCH_BLOCKS] * BLOCK_KIB);
	hf_json_set_u64(knobs, "sleep_ms", k[HF_PZ_SLEEP_MILLISECS]);
	json_object_object_add(knobs, "nontemporal", json_object_new_boolean(k[HF_PZ_NONTEMPORAL]));
	json_object_object_add(o, "knobs", knobs);
	for (int i = 0; i < HF_PZ_NCOUNTERS; i++)
		hf_json_set_u64(ctrs, counter_key[i], c[i]);
	json_object_object_add(o, "counters", ctrs);
	json_object_object_add(o, "thp_fault_hit_rate",
			       json_rate(hit_rate(c[HF_PZ_THP_PREZEROED], c[HF_PZ_THP_ZEROED])));
	return o;
}

static int cmd_status(void)
{
	struct hf_prezero pz;
	int status = read_prezero(&pz);

	if (status)
		return status;
	if (hf_opts.json) {
		struct json_object *o = status_json(&pz);

		hf_json_emit(stdout, o);
		json_object_put(o);
	} else {
		print_state(&pz);
		print_nodes(&pz);
		print_knobs(&pz);
		print_counters(&pz);
	}
	hf_prezero_free(&pz);
	return HF_EXIT_OK;
}

/* ---- enable, disable, set ---- */

/*
 * Explain a failed write of value to file, with what the user typed when
 * that differs (2G for 2097152); returns the exit status.
 */
static int write_error(const char *file, uint64_t value, const char *typed, int err)
{
	char shown[96];

	if (err == -EACCES || err == -EPERM) {
		hf_err(HF_PREZERO_DIR "/%s: %s: writing needs root", file, strerror(-err));
		return HF_EXIT_NOPERM;
	}
	snprintf(shown, sizeof(shown), "%llu", (unsigned long long)value);
	if (typed && strcmp(typed, shown))
		snprintf(shown + strlen(shown), sizeof(shown) - strlen(shown), " (%s)", typed);
	hf_err(HF_PREZERO_DIR "/%s: the kernel refused %s: %s", file, shown, strerror(-err));
	return HF_EXIT_FAIL;
}

static int write_knob(const struct setting *s)
{
	const char *file = hf_prezero_knobs[s->knob].file;
	const char *typed = s->arg ? strchr(s->arg, '=') + 1 : NULL;
	int err = hf_prezero_write(file, s->value);

	if (err)
		return write_error(file, s->value, typed, err);
	hf_debug(HF_PREZERO_DIR "/%s: wrote %llu", file, (unsigned long long)s->value);
	return HF_EXIT_OK;
}

/*
 * Write the settings in knob order (enabled last). If one fails, put back
 * the ones already written, so that `set` changes all or nothing.
 */
static int apply(const struct hf_prezero *pz, const struct setting *set, int n)
{
	int written[HF_PZ_NKNOBS], done = 0, status = HF_EXIT_OK;

	for (int knob = 0; knob < HF_PZ_NKNOBS && !status; knob++) {
		for (int i = 0; i < n && !status; i++) {
			if (set[i].knob != knob)
				continue;
			status = write_knob(&set[i]);
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
static int check_forced_off(const struct hf_prezero *pz, const struct setting *set, int n)
{
	for (int i = 0; i < n; i++) {
		if (set[i].knob == HF_PZ_ENABLED && set[i].value && forced_off(pz)) {
			hf_err(HF_PREZERO_DIR "/enabled: cannot write 1: pre-zeroing is forced off "
			       "by %s (disabled_by): %s", pz->disabled_by,
			       disabled_reason(pz->disabled_by));
			return HF_EXIT_FAIL;
		}
	}
	return HF_EXIT_OK;
}

static int change(const struct hf_prezero *pz, const struct setting *set, int n)
{
	int status = check_forced_off(pz, set, n);

	return status ? status : apply(pz, set, n);
}

static int set_enabled(uint64_t on)
{
	struct setting s = { HF_PZ_ENABLED, on, NULL };
	struct hf_prezero pz;
	int status = read_prezero(&pz);

	if (status)
		return status;
	status = change(&pz, &s, 1);
	hf_prezero_free(&pz);
	return status;
}

static int cmd_enable(void) { return set_enabled(1); }
static int cmd_disable(void) { return set_enabled(0); }

static int cmd_set(void)
{
	struct setting set[HF_PZ_NKNOBS];
	struct hf_prezero pz;
	char msg[512];
	int status = read_prezero(&pz);

	if (status)
		return status;
	/* Again, now with the real bound of target_kbytes. */
	if (parse_settings(hf_prezero_node_max_kib(&pz), set, msg, sizeof(msg))) {
		hf_err("%s", msg);
		status = HF_EXIT_USAGE;
	} else {
		status = change(&pz, set, args.argc);
	}
	hf_prezero_free(&pz);
	return status;
}

/* ---- now ---- */

static uint64_t total_memory_kib(const struct hf_prezero *pz)
{
	uint64_t pages = 0;

	for (int i = 0; i < pz->nnode; i++)
		pages += pz->node[i].present_pages;
	return pages * PAGE_KIB;
}

static void print_now(uint64_t asked_kib, uint64_t zeroed_kib, uint64_t ns, uint64_t pool_pages)
{
	double s = ns / 1e9;

	if (hf_opts.json) {
		struct json_object *o = json_object_new_object();

		hf_json_set_str(o, "type", "prezero_now");
		hf_json_set_u64(o, "requested_kib", asked_kib);
		hf_json_set_u64(o, "zeroed_kib", zeroed_kib);
		hf_json_set_u64(o, "time_ns", ns);
		hf_json_set_u64(o, "pool_kib", pool_pages * PAGE_KIB);
		hf_json_emit(stdout, o);
		json_object_put(o);
		return;
	}
	printf("zeroed %llu KiB (%.1f MiB) of %llu KiB asked in %.3f s", (unsigned long long)zeroed_kib,
	       MIB(zeroed_kib), (unsigned long long)asked_kib, s);
	if (s > 0 && zeroed_kib)
		printf(" (%.2f GiB/s)", zeroed_kib / s / (1 << 20));
	printf("; zeroed free memory now %.1f MiB\n", MIB(pool_pages * PAGE_KIB));
}

/* Zero in this process's context: the write returns when the kernel is done. */
static int cmd_now(void)
{
	uint64_t before[HF_PZ_NCOUNTERS], after[HF_PZ_NCOUNTERS], kib, t0, t1;
	struct hf_prezero pz;
	char msg[512];
	int status = read_prezero(&pz);

	if (status)
		return status;
	if (parse_now_size(total_memory_kib(&pz), &kib, msg, sizeof(msg))) {
		hf_err("%s", msg);
		status = HF_EXIT_USAGE;
	}
	memcpy(before, pz.counter, sizeof(before));
	hf_prezero_free(&pz);
	if (status)
		return status;
	t0 = hf_now_ns();
	if ((status = hf_prezero_write("zero_now_kbytes", kib)))
		return write_error("zero_now_kbytes", kib, args.argv[0], status);
	t1 = hf_now_ns();
	if ((status = hf_prezero_read_counters(after, msg, sizeof(msg)))) {
		hf_err("%s: %s", msg, strerror(-status));
		return HF_EXIT_FAIL;
	}
	print_now(kib, (after[HF_PZ_ZEROED_DIRECT] - before[HF_PZ_ZEROED_DIRECT]) * PAGE_KIB,
		  t1 - t0, after[HF_PZ_NR_FREE_ZEROED]);
	return HF_EXIT_OK;
}

/* ---- watch ---- */

/* One row: the deltas from a to b over ns, ending end_ns after the start. */
static void print_interval(const char *label, uint64_t end_ns, uint64_t ns,
			   const uint64_t *a, const uint64_t *b)
{
	uint64_t d[HF_PZ_NCOUNTERS];
	double s = ns / 1e9, rate;
	char when[32], hit[16] = "-";

	for (int i = 0; i < HF_PZ_NCOUNTERS; i++)
		d[i] = b[i] - a[i];
	rate = hit_rate(d[HF_PZ_THP_PREZEROED], d[HF_PZ_THP_ZEROED]);
	if (hf_opts.json) {
		struct json_object *o = json_object_new_object();

		hf_json_set_str(o, "type", label ? "prezero_summary" : "prezero_interval");
		hf_json_set_u64(o, "time_ns", end_ns);
		hf_json_set_u64(o, "interval_ns", ns);
		hf_json_set_u64(o, "zeroed_pages", d[HF_PZ_ZEROED]);
		json_object_object_add(o, "zeroed_pages_per_sec", json_rate(d[HF_PZ_ZEROED] / s));
		hf_json_set_u64(o, "zeroed_direct_pages", d[HF_PZ_ZEROED_DIRECT]);
		hf_json_set_u64(o, "dropped_pages", d[HF_PZ_DROPPED]);
		hf_json_set_u64(o, "thp_fault_prezeroed", d[HF_PZ_THP_PREZEROED]);
		hf_json_set_u64(o, "thp_fault_zeroed", d[HF_PZ_THP_ZEROED]);
		json_object_object_add(o, "thp_fault_hit_rate", json_rate(rate));
		hf_json_set_u64(o, "pool_kib", b[HF_PZ_NR_FREE_ZEROED] * PAGE_KIB);
		hf_json_emit(stdout, o);
		json_object_put(o);
		return;
	}
	snprintf(when, sizeof(when), "%.3f", end_ns / 1e9);
	if (rate >= 0)
		snprintf(hit, sizeof(hit), "%.1f", rate * 100);
	printf("%9s %10.0f %10.0f %10.0f %13llu %10llu %6s %9.1f\n", label ? label : when,
	       d[HF_PZ_ZEROED] / s, d[HF_PZ_ZEROED_DIRECT] / s, d[HF_PZ_DROPPED] / s,
	       (unsigned long long)d[HF_PZ_THP_PREZEROED], (unsigned long long)d[HF_PZ_THP_ZEROED],
	       hit, MIB(b[HF_PZ_NR_FREE_ZEROED] * PAGE_KIB));
}

/* Sleep until the absolute time deadline_ns; false when a stop signal came. */
static bool sleep_until(uint64_t deadline_ns)
{
	struct timespec ts = { deadline_ns / 1000000000ULL, deadline_ns % 1000000000ULL };

	while (!hf_stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	return !hf_stop;
}

static int read_counters(uint64_t *c)
{
	char what[256];
	int err = hf_prezero_read_counters(c, what, sizeof(what));

	if (err)
		hf_err("%s: %s", what, err == -ENODATA ? "missing" : strerror(-err));
	return err ? HF_EXIT_FAIL : HF_EXIT_OK;
}

static int cmd_watch(void)
{
	uint64_t first[HF_PZ_NCOUNTERS], prev[HF_PZ_NCOUNTERS], cur[HF_PZ_NCOUNTERS];
	uint64_t step = args.interval * 1e9, start, t, n = 0;
	struct hf_prezero pz;
	int status = read_prezero(&pz);

	if (status)
		return status;
	memcpy(first, pz.counter, sizeof(first));
	memcpy(prev, first, sizeof(prev));
	hf_prezero_free(&pz);
	hf_catch_stop_signals();
	if (!hf_opts.json)
		printf("%9s %10s %10s %10s %13s %10s %6s %9s\n", "TIME_S", "ZEROED/S", "DIRECT/S",
		       "DROPPED/S", "THP_PREZEROED", "THP_ZEROED", "HIT%", "POOL_MIB");
	start = t = hf_now_ns();
	/* Absolute deadlines, so that the intervals do not drift. */
	while ((!args.count || n < args.count) && sleep_until(start + (n + 1) * step)) {
		uint64_t now = hf_now_ns();

		if ((status = read_counters(cur)))
			break;
		print_interval(NULL, now - start, now - t, prev, cur);
		memcpy(prev, cur, sizeof(prev));
		t = now;
		n++;
	}
	if (n > 1)
		print_interval("total", t - start, t - start, first, prev);
	return status;
}

int main(int argc, char **argv)
{
	int err;

	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((err = hf_prezero_probe()))
		return no_prezero(err);
	return args.verb->run();
}
