// SPDX-License-Identifier: GPL-2.0
/*
 * prezero-ctl: control and observe asynchronous pre-zeroing of free memory.
 *
 * cmd/prezero-ctl/ holds what only prezero-ctl uses: main.c (the verbs),
 * sysfs (the patched kernel's /sys/kernel/mm/prezero knobs and counters,
 * read) and settings (KEY=VALUE changes validated, then written all or
 * nothing; the status report).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "helpers.h"
#include "outfile.h"
#include "targets.h"
#include "cli.h"
#include "metrics.h"
#include "output.h"
#include "settings.h"
#include "procfs.h"

#define MIB(kib) ((double)(kib) / 1024)

/* ---- command line ---- */

static int cmd_status(void), cmd_enable(void), cmd_disable(void);
static int cmd_set(void), cmd_now(void), cmd_watch(void);

static const struct hf_verb verbs[] = {
	{ "status", cmd_status, 0, 0, "status" },
	{ "enable", cmd_enable, 0, 0, "enable" },
	{ "disable", cmd_disable, 0, 0, "disable" },
	{ "set", cmd_set, 1, HF_PZ_NKNOBS, "set KEY=VALUE..." },
	{ "now", cmd_now, 1, 1, "now SIZE" },
	{ "watch", cmd_watch, 0, 0, "watch [-i SEC] [-n COUNT]" },
};

static struct args {
	const struct hf_verb *verb;
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

static const struct hf_verb *find_verb(const char *name)
{
	return hf_verb_find(verbs, ARRAY_SIZE(verbs), name);
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
	struct hf_prezero_setting set[HF_PZ_NKNOBS];
	struct hf_error e = { .msg = "" };
	uint64_t kib;

	if (args.argc < args.verb->min_args || args.argc > args.verb->max_args)
		snprintf(e.msg, sizeof(e.msg), "%s: %s (usage: %s)", args.verb->name,
			 args.argc < args.verb->min_args ? "missing argument" : "too many arguments",
			 args.verb->usage);
	else if (args.watch_opts && args.verb->run != cmd_watch)
		snprintf(e.msg, sizeof(e.msg), "-i and -n go with watch");
	else if (hf_metrics_wanted() && args.verb->run != cmd_status && args.verb->run != cmd_watch)
		snprintf(e.msg, sizeof(e.msg), "--openmetrics and --textfile go with status and watch");
	else if (args.verb->run == cmd_set)
		hf_prezero_parse_settings(args.argv, args.argc, UINT64_MAX, set, &e);
	else if (args.verb->run == cmd_now)
		hf_prezero_parse_size(args.argv[0], UINT64_MAX, &kib, &e);
	if (*e.msg)
		usage_error(state, e.msg);
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

static const struct argp_child children[] = { HF_COMMON_CHILD, HF_METRICS_CHILD, { 0 } };
static const struct argp argp = {
	options, parse_opt,
	"[status]\nenable | disable\nset KEY=VALUE...\nnow SIZE\nwatch [-i SEC] [-n COUNT]",
	doc, children, NULL, NULL,
};

/* ---- a kernel without the patches ---- */

static void print_stock(const struct hf_prezero_stock *s)
{
	printf("This kernel has no pre-zeroing. What it offers instead:\n"
	       "  THP enabled      %-16s (/sys/kernel/mm/transparent_hugepage/enabled)\n"
	       "  THP defrag       %-16s (/sys/kernel/mm/transparent_hugepage/defrag)\n"
	       "  init_on_alloc    %-16s (%s)\n"
	       "  init_on_free     %-16s (%s)\n"
	       "Each THP fault zeroes its 2 MiB page in the faulting thread "
	       "(twice with init_on_alloc=1).\n", s->thp.enabled, s->thp.defrag,
	       s->init_on_alloc, hf_prezero_init_on_source(s->init_on_alloc, true),
	       s->init_on_free, hf_prezero_init_on_source(s->init_on_free, false));
}

static int no_prezero(int err)
{
	struct hf_prezero_stock s;

	if (err != -ENOENT && err != -ENOTDIR) {
		hf_err("%s: %s", HF_PREZERO_DIR, strerror(-err));
		return err == -EACCES ? HF_EXIT_NOPERM : HF_EXIT_FAIL;
	}

	hf_prezero_stock_read(&s);
	if (!hf_opts.json && !hf_opts.openmetrics)	/* stdout holds metrics or nothing */
		print_stock(&s);
	hf_err_detail(hf_prezero_stock_json(&s), "%s: %s: this kernel lacks the hawkfetch "
		      "pre-zeroing patches (kernel-patches/); build and boot the patched kernel "
		      "(make kernel)", HF_PREZERO_DIR, strerror(-err));
	return HF_EXIT_NOFEATURE;
}

/* ---- metrics (--openmetrics, --textfile) ---- */

/* The status as metrics: print and/or write them. HF_EXIT_OK or HF_EXIT_FAIL. */
static int emit_metrics(const struct hf_prezero *pz)
{
	struct hf_error e;
	struct hf_metrics *m = hf_metrics_new("prezero-ctl");
	const uint64_t *k = pz->knob, *c = pz->counter;
	char node[16];
	int status;

	if (!m)
		abort();
	hf_metrics_family(m, "hawkfetch_prezero_enabled", HF_GAUGE, NULL,
			  "1 when the background zeroing thread is enabled (knob enabled).");
	hf_metrics_u64(m, k[HF_PZ_ENABLED], NULL);
	hf_metrics_family(m, "hawkfetch_prezero_forced_off", HF_GAUGE, NULL,
			  "1 when the kernel forces pre-zeroing off; reason: disabled_by "
			  "(init_on_free, page_poisoning, debug_pagealloc, kasan; none when 0).");
	hf_metrics_u64(m, hf_prezero_forced_off(pz), "reason", pz->disabled_by, NULL);
	hf_metrics_family(m, "hawkfetch_prezero_pool_bytes", HF_GAUGE, "bytes",
			  "Free memory zeroed ahead and not yet used, per NUMA node.");
	for (int i = 0; i < pz->nnode; i++) {
		snprintf(node, sizeof(node), "%d", pz->node[i].id);
		hf_metrics_u64(m, pz->node[i].zeroed_pages * HF_PAGE_SIZE, "node", node, NULL);
	}
	hf_metrics_family(m, "hawkfetch_prezero_target_bytes", HF_GAUGE, "bytes",
			  "Zeroed free memory the thread keeps per NUMA node (knob target_kbytes).");
	for (int i = 0; i < pz->nnode; i++) {
		snprintf(node, sizeof(node), "%d", pz->node[i].id);
		hf_metrics_u64(m, k[HF_PZ_TARGET_KBYTES] * 1024, "node", node, NULL);
	}
	hf_metrics_family(m, "hawkfetch_prezero_batch_bytes", HF_GAUGE, "bytes",
			  "Memory zeroed per wake-up of the thread (knob batch_blocks, 2 MiB each).");
	hf_metrics_u64(m, k[HF_PZ_BATCH_BLOCKS] * HF_HPAGE_SIZE, NULL);
	hf_metrics_family(m, "hawkfetch_prezero_sleep_seconds", HF_GAUGE, "seconds",
			  "Pause between the thread's batches (knob sleep_millisecs).");
	hf_metrics_double(m, k[HF_PZ_SLEEP_MILLISECS] / 1e3, NULL);
	hf_metrics_family(m, "hawkfetch_prezero_nontemporal", HF_GAUGE, NULL,
			  "1 when zeroing uses non-temporal stores (knob nontemporal).");
	hf_metrics_u64(m, k[HF_PZ_NONTEMPORAL], NULL);
	hf_metrics_family(m, "hawkfetch_prezero_zeroed_bytes_total", HF_COUNTER, "bytes",
			  "Memory zeroed by the background thread since boot (prezero_zeroed).");
	hf_metrics_u64(m, c[HF_PZ_ZEROED] * HF_PAGE_SIZE, NULL);
	hf_metrics_family(m, "hawkfetch_prezero_zeroed_direct_bytes_total", HF_COUNTER, "bytes",
			  "Memory zeroed through zero_now_kbytes (prezero-ctl now) since boot "
			  "(prezero_zeroed_direct).");
	hf_metrics_u64(m, c[HF_PZ_ZEROED_DIRECT] * HF_PAGE_SIZE, NULL);
	hf_metrics_family(m, "hawkfetch_prezero_dropped_bytes_total", HF_COUNTER, "bytes",
			  "Zeroed free memory whose mark was dropped unused since boot "
			  "(prezero_dropped).");
	hf_metrics_u64(m, c[HF_PZ_DROPPED] * HF_PAGE_SIZE, NULL);
	hf_metrics_family(m, "hawkfetch_prezero_aborted_bytes_total", HF_COUNTER, "bytes",
			  "Memory whose zeroing stopped because its block was being isolated "
			  "(memory offlining, alloc_contig_range) since boot (prezero_aborted).");
	hf_metrics_u64(m, c[HF_PZ_ABORTED] * HF_PAGE_SIZE, NULL);
	hf_metrics_family(m, "hawkfetch_prezero_thp_faults_total", HF_COUNTER, NULL,
			  "THP faults since boot: served a pre-zeroed page (result prezeroed, "
			  "thp_fault_prezeroed) or zeroing it in the fault (zeroed, "
			  "thp_fault_zeroed).");
	hf_metrics_u64(m, c[HF_PZ_THP_PREZEROED], "result", "prezeroed", NULL);
	hf_metrics_u64(m, c[HF_PZ_THP_ZEROED], "result", "zeroed", NULL);
	status = hf_metrics_emit(m, &e) ? hf_fail(&e) : HF_EXIT_OK;
	hf_metrics_free(m);
	return status;
}

/* ---- status ---- */

static void print_state(const struct hf_prezero *pz)
{
	if (hf_prezero_forced_off(pz))
		printf("pre-zeroing: forced off by %s (%s); it cannot be enabled\n",
		       pz->disabled_by, hf_prezero_disabled_reason(pz->disabled_by));
	else
		printf("pre-zeroing: %s\n", pz->knob[HF_PZ_ENABLED] ? "enabled" : "disabled");
}

static void print_nodes(const struct hf_prezero *pz)
{
	uint64_t target = pz->knob[HF_PZ_TARGET_KBYTES];

	printf("\nzeroed free memory per node:\n%6s %12s %12s %7s\n", "NODE", "ZEROED_MIB",
	       "TARGET_MIB", "FILL");
	for (int i = 0; i < pz->nnode; i++) {
		uint64_t kib = pz->node[i].zeroed_pages * HF_PAGE_KIB;

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
	       (unsigned long long)(k[HF_PZ_BATCH_BLOCKS] * HF_HPAGE_KIB / 1024),
	       (unsigned long long)k[HF_PZ_SLEEP_MILLISECS], (unsigned long long)k[HF_PZ_NONTEMPORAL],
	       k[HF_PZ_NONTEMPORAL] ? "non-temporal stores (movnti + sfence)" : "clear_page");
}

static void print_counters(const struct hf_prezero *pz)
{
	const uint64_t *c = pz->counter;
	double rate = hf_prezero_hit_rate(c[HF_PZ_THP_PREZEROED], c[HF_PZ_THP_ZEROED]);

	printf("\ncounters (/proc/vmstat):\n");
	for (int i = 0; i < HF_PZ_NCOUNTERS; i++)
		printf("  %-22s %12llu  %s\n", hf_prezero_counter_name[i],
		       (unsigned long long)c[i], hf_prezero_counter_note[i]);
	if (rate < 0)
		printf("THP fault hit rate: - (no THP faults yet)\n");
	else
		printf("THP fault hit rate: %.1f%% (%llu of %llu served pre-zeroed)\n", rate * 100,
		       (unsigned long long)c[HF_PZ_THP_PREZEROED],
		       (unsigned long long)(c[HF_PZ_THP_PREZEROED] + c[HF_PZ_THP_ZEROED]));
}

static int cmd_status(void)
{
	struct hf_prezero pz;
	struct hf_error e;
	int status = HF_EXIT_OK;

	if (hf_prezero_load(&pz, &e))
		return hf_fail(&e);
	if (hf_metrics_wanted())
		status = emit_metrics(&pz);
	if (hf_opts.json) {
		struct json_object *o = hf_prezero_status_json(&pz);

		hf_json_emit(stdout, o);
		json_object_put(o);
	} else if (!hf_opts.openmetrics) {	/* else the metrics replace the status */
		print_state(&pz);
		print_nodes(&pz);
		print_knobs(&pz);
		print_counters(&pz);
	}
	hf_prezero_free(&pz);
	return status;
}

/* ---- enable, disable, set ---- */

static int set_enabled(uint64_t on)
{
	struct hf_prezero_setting s = { HF_PZ_ENABLED, on, NULL };
	struct hf_prezero pz;
	struct hf_error e;
	int status = HF_EXIT_OK;

	if (hf_prezero_load(&pz, &e))
		return hf_fail(&e);
	if (hf_prezero_change(&pz, &s, 1, &e))
		status = hf_fail(&e);
	hf_prezero_free(&pz);
	return status;
}

static int cmd_enable(void) { return set_enabled(1); }
static int cmd_disable(void) { return set_enabled(0); }

static int cmd_set(void)
{
	struct hf_prezero_setting set[HF_PZ_NKNOBS];
	struct hf_prezero pz;
	struct hf_error e;
	int status = HF_EXIT_OK;

	if (hf_prezero_load(&pz, &e))
		return hf_fail(&e);
	/* Again, now with the real bound of target_kbytes. */
	if (hf_prezero_parse_settings(args.argv, args.argc, hf_prezero_node_max_kib(&pz), set, &e) ||
	    hf_prezero_change(&pz, set, args.argc, &e))
		status = hf_fail(&e);
	hf_prezero_free(&pz);
	return status;
}

/* ---- now ---- */

static void print_now(uint64_t asked_kib, uint64_t zeroed_kib, uint64_t ns, uint64_t pool_pages)
{
	double s = ns / 1e9;

	if (hf_opts.json) {
		struct json_object *o = json_object_new_object();

		hf_json_set_str(o, "type", "prezero_now");
		hf_json_set_u64(o, "requested_kib", asked_kib);
		hf_json_set_u64(o, "zeroed_kib", zeroed_kib);
		hf_json_set_u64(o, "time_ns", ns);
		hf_json_set_u64(o, "pool_kib", pool_pages * HF_PAGE_KIB);
		hf_json_emit(stdout, o);
		json_object_put(o);
		return;
	}
	printf("zeroed %llu KiB (%.1f MiB) of %llu KiB asked in %.3f s", (unsigned long long)zeroed_kib,
	       MIB(zeroed_kib), (unsigned long long)asked_kib, s);
	if (s > 0 && zeroed_kib)
		printf(" (%.2f GiB/s)", zeroed_kib / s / (1 << 20));
	printf("; zeroed free memory now %.1f MiB\n", MIB(pool_pages * HF_PAGE_KIB));
}

/* Zero in this process's context: the write returns when the kernel is done. */
static int cmd_now(void)
{
	uint64_t before[HF_PZ_NCOUNTERS], after[HF_PZ_NCOUNTERS], kib, t0, t1;
	struct hf_prezero pz;
	struct hf_error e;
	char msg[512];
	int status;

	if (hf_prezero_load(&pz, &e))
		return hf_fail(&e);
	status = hf_prezero_parse_size(args.argv[0], hf_prezero_total_kib(&pz), &kib, &e);
	memcpy(before, pz.counter, sizeof(before));
	hf_prezero_free(&pz);
	if (status)
		return hf_fail(&e);
	t0 = hf_now_ns();
	if ((status = hf_prezero_write("zero_now_kbytes", kib))) {
		hf_prezero_write_error("zero_now_kbytes", kib, args.argv[0], status, &e);
		return hf_fail(&e);
	}
	t1 = hf_now_ns();
	if ((status = hf_prezero_read_counters(after, msg, sizeof(msg)))) {
		hf_err("%s: %s", msg, strerror(-status));
		return HF_EXIT_FAIL;
	}
	print_now(kib, (after[HF_PZ_ZEROED_DIRECT] - before[HF_PZ_ZEROED_DIRECT]) * HF_PAGE_KIB,
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
	rate = hf_prezero_hit_rate(d[HF_PZ_THP_PREZEROED], d[HF_PZ_THP_ZEROED]);
	if (hf_opts.json) {
		struct json_object *o = json_object_new_object();

		hf_json_set_str(o, "type", label ? "prezero_summary" : "prezero_interval");
		hf_json_set_u64(o, "time_ns", end_ns);
		hf_json_set_u64(o, "interval_ns", ns);
		hf_json_set_u64(o, "zeroed_pages", d[HF_PZ_ZEROED]);
		json_object_object_add(o, "zeroed_pages_per_sec", hf_json_ratio(d[HF_PZ_ZEROED] / s));
		hf_json_set_u64(o, "zeroed_direct_pages", d[HF_PZ_ZEROED_DIRECT]);
		hf_json_set_u64(o, "dropped_pages", d[HF_PZ_DROPPED]);
		hf_json_set_u64(o, "aborted_pages", d[HF_PZ_ABORTED]);
		hf_json_set_u64(o, "thp_fault_prezeroed", d[HF_PZ_THP_PREZEROED]);
		hf_json_set_u64(o, "thp_fault_zeroed", d[HF_PZ_THP_ZEROED]);
		json_object_object_add(o, "thp_fault_hit_rate",
				       rate < 0 ? NULL : hf_json_ratio(rate));
		hf_json_set_u64(o, "pool_kib", b[HF_PZ_NR_FREE_ZEROED] * HF_PAGE_KIB);
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
	       hit, MIB(b[HF_PZ_NR_FREE_ZEROED] * HF_PAGE_KIB));
}

static int read_counters(uint64_t *c)
{
	char what[256];
	int err = hf_prezero_read_counters(c, what, sizeof(what));

	if (err)
		hf_err("%s: %s", what, err == -ENODATA ? "missing" : strerror(-err));
	return err ? HF_EXIT_FAIL : HF_EXIT_OK;
}

/*
 * With metrics: everything read again (knobs, nodes) and the metrics
 * written; a failed write sets *mstatus and watching goes on.
 */
static int read_with_metrics(uint64_t *c, int *mstatus)
{
	struct hf_prezero pz;
	struct hf_error e;

	if (hf_prezero_load(&pz, &e))
		return hf_fail(&e);
	memcpy(c, pz.counter, sizeof(pz.counter));
	if (emit_metrics(&pz))
		*mstatus = HF_EXIT_FAIL;
	hf_prezero_free(&pz);
	return HF_EXIT_OK;
}

static int cmd_watch(void)
{
	uint64_t first[HF_PZ_NCOUNTERS], prev[HF_PZ_NCOUNTERS], cur[HF_PZ_NCOUNTERS];
	uint64_t step = args.interval * 1e9, start, t, n = 0;
	struct hf_prezero pz;
	struct hf_error e;
	int status, mstatus = HF_EXIT_OK;

	if (hf_prezero_load(&pz, &e))
		return hf_fail(&e);
	memcpy(first, pz.counter, sizeof(first));
	memcpy(prev, first, sizeof(prev));
	hf_prezero_free(&pz);
	hf_catch_stop_signals();
	if (!hf_opts.json && !hf_opts.openmetrics)
		printf("%9s %10s %10s %10s %13s %10s %6s %9s\n", "TIME_S", "ZEROED/S", "DIRECT/S",
		       "DROPPED/S", "THP_PREZEROED", "THP_ZEROED", "HIT%", "POOL_MIB");
	start = t = hf_now_ns();
	/* Absolute deadlines, so that the intervals do not drift. */
	while ((!args.count || n < args.count) && hf_sleep_until(start + (n + 1) * step, &hf_stop)) {
		uint64_t now = hf_now_ns();

		status = hf_metrics_wanted() ? read_with_metrics(cur, &mstatus) : read_counters(cur);
		if (status)
			break;
		if (!hf_opts.openmetrics)	/* else the metrics replace the rows */
			print_interval(NULL, now - start, now - t, prev, cur);
		memcpy(prev, cur, sizeof(prev));
		t = now;
		n++;
	}
	if (n > 1 && !hf_opts.openmetrics)
		print_interval("total", t - start, t - start, first, prev);
	return status ? status : mstatus;
}

static int run(int argc, char **argv)
{
	int err;

	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((err = hf_prezero_probe()))
		return no_prezero(err);
	return args.verb->run();
}

/* The final check of every write to standard output: a full disk is exit 1. */
int main(int argc, char **argv)
{
	hf_stdout_track();
	return hf_stdout_close(run(argc, argv));
}
