// SPDX-License-Identifier: GPL-2.0
/*
 * hpcov: access coverage of each 2 MiB region (HawkEye's access_map),
 * ranked; with --promote, collapse the best regions into huge pages in
 * HawkEye's order, fair across processes by MMU-overhead weight; with
 * --weights alone, hand those weights to the hawkfetch kernel's khugepaged.
 *
 * cmd/hpcov/ holds what only hpcov uses: main.c; coverage, the measuring
 * rounds, from one of two sources: idle (page_idle) or accessmap (the
 * patched kernel's /proc/PID/access_map and scan_order); order, the
 * promotion order as a pure function, with the coverage document it reads
 * back with --from; and rounds, --promote's measure-plan-collapse loop
 * over live processes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "helpers.h"
#include "outfile.h"
#include "cli.h"
#include "kweight.h"
#include "metrics.h"
#include "output.h"
#include "proclist.h"
#include "rounds.h"
#include "thp.h"
#include "targets.h"

static struct args {
	double interval;
	unsigned int rounds;
	bool promote, watch, dry_run, budget_set, interval_set, rounds_set;
	unsigned int budget;
	const char *weights, *from;
	enum hf_promote_order order;
	bool order_set;
} args = { .interval = 1.0, .rounds = 1, .budget = 8 };

enum { OPT_PROMOTE = 0x100, OPT_BUDGET, OPT_WEIGHTS, OPT_FROM, OPT_WATCH, OPT_DRY_RUN,
       OPT_ORDER };

static const struct argp_option options[] = {
	{ "interval", 'i', "SEC", 0, "page_idle: wait SEC seconds between marking and reading; "
	  "with --watch, also between promotion rounds (access_map: only that) (default 1)", 0 },
	{ "rounds", 'n', "N", 0, "page_idle: average the coverage over N rounds (default 1; "
	  "ignored with access_map, already a moving average)", 0 },
	{ NULL, 0, NULL, 0, "Promotion (process_madvise MADV_COLLAPSE):", 1 },
	{ "promote", OPT_PROMOTE, NULL, 0, "Collapse the best regions into huge pages: highest "
	  "bucket over all processes first, processes by weight", 1 },
	{ "order", OPT_ORDER, "ORDER", 0, "Across processes: bucket (default, HawkEye's: "
	  "highest bucket first, round-robin in it) or stride (weight / (1 + promotions), "
	  "buckets ignored)", 1 },
	{ "budget", OPT_BUDGET, "N", 0, "At most N collapses per round (default 8)", 1 },
	{ "weights", OPT_WEIGHTS, "FILE", 0, "Process weights from `mmucost -j` in FILE, or - "
	  "for standard input (default: all equal); with --watch read as they come and "
	  "smoothed, new = 0.8 * old + 0.2 * measured; without --promote, write them to the "
	  "hawkfetch kernel's /proc/PID/khugepaged_weight", 1 },
	{ "from", OPT_FROM, "FILE", 0, "Coverage from a saved `hpcov -j` run in FILE (or -) "
	  "instead of measuring it (no idle page tracking needed)", 1 },
	{ "watch", OPT_WATCH, NULL, 0, "A round every SEC seconds until interrupted (with --from: "
	  "until nothing is left to promote)", 1 },
	{ "dry-run", OPT_DRY_RUN, NULL, 0, "Print the order it would follow, collapse nothing", 1 },
	{ 0 },
};

static const char doc[] =
	"Measure access coverage: how many of each 2 MiB region's 512 base pages a "
	"process touches in an interval, ranked in HawkEye's promotion order; with "
	"--promote, act on it.\v"
	"Source of the coverage (\"source\" in the output): on the hawkfetch kernel with "
	"khugepaged/scan_order set to coverage, khugepaged's own measurement in "
	"/proc/PID/access_map (access_map: a moving average of accessed pages per "
	"measuring window; "
	"ptrace read access suffices; -n is ignored, -i only spaces --watch rounds; a "
	"region is listed once khugepaged has measured it); otherwise it "
	"marks the process's pages idle in /sys/kernel/mm/page_idle/bitmap (PFNs from "
	"/proc/PID/pagemap; root only), waits, and counts the pages no longer idle "
	"(page_idle). Regions fall into HawkEye's 11 buckets of 50 pages by coverage: "
	"min(coverage / 50, 10), so 0-49 pages is bucket 0, 50-99 bucket 1, ..., 500-512 "
	"bucket 10; the highest buckets gain most from a huge page. Regions already mapped by a huge page "
	"are listed as such, not as candidates. Memory content is never read.\n\n"
	"--promote collapses regions with process_madvise(MADV_COLLAPSE): within a process "
	"highest coverage first; across processes, as HawkEye does, the highest non-empty "
	"bucket over all processes first, round-robin (served longest ago first) among the "
	"processes with a region in it; a process whose weight is more than 5% above the "
	"others' there goes first, and processes without a weight come last. With equal "
	"weights, the paper's example order A1, B1, C1, C2, B2, C3, C4, B3, B4, A2, C5, A3. "
	"--order stride gives instead each region to the highest weight / (1 + promotions "
	"so far), whatever the buckets (weights 30 and 10 get promotions 3:1). Regions "
	"already huge and regions with coverage below 512 - khugepaged/max_ptes_none are "
	"skipped.\n\n"
	"--weights with --watch is a stream: each measurement in it (a process of an "
	"mmu_summary or weights document, or an mmucost -j mmu_interval line) updates that "
	"process's weight as HawkEye smooths MMU overhead, new = 0.8 * old + 0.2 * measured "
	"(the first taken as is), so one noisy interval does not reorder promotion; the first "
	"round waits for the first measurement, later rounds take what has arrived. Without "
	"--watch the last mmu_summary or weights document counts, as it is.\n\n"
	"--weights without --promote writes each process's weight from the mmucost -j "
	"document (or {\"type\":\"weights\",\"processes\":[{\"pid\":P,\"weight\":W}]}) to "
	"/proc/PID/khugepaged_weight of the hawkfetch kernel, as round(W * 1000) within "
	"1..1000000 (the MMU overhead in per-mille); -p chooses among its processes. Every "
	"file is opened and every name checked before anything is written.\n\n"
	"Examples:\n"
	"  hpcov --top 20 -A               the 20 best candidates system-wide\n"
	"  hpcov -p 4242 -i 5 -n 3 -j      three 5-second rounds, as JSON\n"
	"  hpcov -p 4242 -j > cov.json; hpcov --promote --from cov.json --budget 4\n"
	"  mmucost -j -p 1 -p 2 | hpcov --promote --weights - -p 1 -p 2 --watch\n"
	"  mmucost -j -p 1 -p 2 -d 5 | hpcov --weights -   khugepaged's weights (patched kernel)";

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'i':
		args.interval = hf_arg_seconds(arg, state);
		args.interval_set = true;
		break;
	case 'n':
		args.rounds = hf_arg_u64(arg, 1, 1000, "round count", state);
		args.rounds_set = true;
		break;
	case OPT_PROMOTE:
		args.promote = true;
		hf_targets.default_all = false;	/* acting takes an explicit target */
		break;
	case OPT_BUDGET:
		args.budget = hf_arg_u64(arg, 1, 1000000, "budget", state);
		args.budget_set = true;
		break;
	case OPT_WEIGHTS:
		args.weights = arg;
		hf_targets.pids_optional = true;	/* without --promote: the file's */
		break;
	case OPT_FROM:
		args.from = arg;
		hf_targets.pids_optional = true;	/* the file names the processes */
		break;
	case OPT_WATCH:
		args.watch = true;
		break;
	case OPT_DRY_RUN:
		args.dry_run = true;
		break;
	case OPT_ORDER:
		if (hf_promote_order_parse(arg, &args.order))
			argp_error(state, "invalid order '%s': expected bucket or stride", arg);
		args.order_set = true;
		break;
	case ARGP_KEY_END:
		if (!args.promote && (args.from || args.watch || args.dry_run || args.budget_set ||
				      args.order_set))
			argp_error(state, "--budget, --order, --from, --watch and --dry-run go with "
				   "--promote");
		if (!args.promote && args.weights &&
		    (hf_targets.all || hf_targets.top || args.interval_set || args.rounds_set))
			argp_error(state, "--weights without --promote writes the file's weights: "
				   "-p PID chooses among its processes; -A, --top, -i and -n do "
				   "not apply");
		if (args.promote && args.weights && !args.from && !hf_targets.all &&
		    !hf_targets.pids.n)
			argp_error(state, "give either -p PID or --all");
		if (args.from && hf_targets.all)
			argp_error(state, "--from names the processes: give -p PID to choose "
				   "among them, not --all");
		if (hf_metrics_wanted() && args.weights && !args.promote)
			argp_error(state, "--weights without --promote writes khugepaged's weights "
				   "and has no metrics (drop --openmetrics and --textfile)");
		if (args.weights && args.from && !strcmp(args.weights, "-") &&
		    !strcmp(args.from, "-"))
			argp_error(state, "--weights and --from cannot both read standard input");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child children[] = {
	HF_TARGETS_CHILD, HF_COMMON_CHILD, HF_METRICS_CHILD, { 0 }
};
static const struct argp argp = { options, parse_opt, NULL, doc, children, NULL, NULL };

/* ---- coverage report ---- */

static const char *vma_name(const struct hf_covscan *r, const struct hf_cov_region *c)
{
	return hf_vma_name(&hf_covscan_target(r, c)->vmas.vma[c->vma]);
}

static void print_plain(const struct hf_covscan *r, const struct hf_cov_region *c, size_t n)
{
	size_t rank = 0;
	char cb[HF_COMM_PAD_LEN];

	if (r->source == HF_COV_ACCESS_MAP)
		printf("# source: access_map (khugepaged's coverage, /proc/PID/access_map)\n");
	else
		printf("# source: page_idle (%u round%s of %.3g s)\n", r->rounds,
		       r->rounds == 1 ? "" : "s", r->interval);
	printf("%5s %7s %-15s %-16s %8s %6s  %s\n", "RANK", "PID", "COMM", "ADDRESS",
	       "COVERAGE", "BUCKET", "VMA");
	for (size_t i = 0; i < n; i++) {
		if (c[i].huge && hf_targets.top)
			break;
		if (!c[i].huge && hf_targets.top && rank == hf_targets.top)
			continue;
		if (c[i].huge)
			printf("%5s %7d %s 0x%-14llx %8s %6s  %s\n", "-", c[i].pid,
			       hf_comm_pad(hf_covscan_target(r, &c[i])->comm, 15, cb), (unsigned long long)c[i].addr,
			       "huge", "-", vma_name(r, &c[i]));
		else
			printf("%5zu %7d %s 0x%-14llx %8u %6u  %s\n", ++rank, c[i].pid,
			       hf_comm_pad(hf_covscan_target(r, &c[i])->comm, 15, cb), (unsigned long long)c[i].addr,
			       c[i].coverage, hf_cov_bucket(c[i].coverage), vma_name(r, &c[i]));
	}
}

static struct json_object *region_json(const struct hf_covscan *r, const struct hf_cov_region *c,
				       size_t rank)
{
	struct json_object *o = json_object_new_object();

	if (rank)
		hf_json_set_u64(o, "rank", rank);
	hf_json_set_u64(o, "pid", c->pid);
	hf_json_set_comm(o, hf_covscan_target(r, c)->comm);
	json_object_object_add(o, "addr", hf_json_addr(c->addr));
	if (rank) {
		hf_json_set_u64(o, "coverage", c->coverage);
		hf_json_set_u64(o, "bucket", hf_cov_bucket(c->coverage));
	}
	hf_json_set_str(o, "vma", vma_name(r, c));
	return o;
}

static void print_json(const struct hf_covscan *r, const struct hf_cov_region *c, size_t n)
{
	struct json_object *o = json_object_new_object();
	struct json_object *cand = json_object_new_array(), *huge = json_object_new_array();
	size_t rank = 0;

	for (size_t i = 0; i < n; i++) {
		if (c[i].huge)
			json_object_array_add(huge, region_json(r, &c[i], 0));
		else if (!hf_targets.top || rank < hf_targets.top)
			json_object_array_add(cand, region_json(r, &c[i], ++rank));
	}
	hf_json_set_str(o, "type", "coverage");
	hf_json_set_str(o, "source", hf_cov_source_name(r->source));
	if (r->source == HF_COV_PAGE_IDLE) {	/* access_map: the kernel's averaging */
		hf_json_set_u64(o, "interval_ms", args.interval * 1000);
		hf_json_set_u64(o, "rounds", args.rounds);
	}
	hf_json_set_u64(o, "buckets", HF_COV_BUCKETS);
	json_object_object_add(o, "candidates", cand);
	json_object_object_add(o, "huge_regions", huge);
	hf_json_emit(stdout, o);
	json_object_put(o);
}

/* ---- metrics (--openmetrics, --textfile) ---- */

/* One process's regions by bucket, as the metrics give them. */
struct cov_proc {
	pid_t pid;
	char comm[HF_COMM_ESC_LEN];		/* escaped (hf_proc_comm_escape()) */
	unsigned int bucket[HF_COV_BUCKETS];	/* regions not yet huge */
	unsigned int huge;			/* regions mapped by a huge page */
	unsigned int planned, promoted, failed;	/* --promote */
	double weight;
};

static void cov_count(struct cov_proc *p, unsigned int coverage, bool huge)
{
	if (huge)
		p->huge++;
	else
		p->bucket[hf_cov_bucket(coverage)]++;
}

/* A family of one unsigned count per process, at offset in struct cov_proc. */
struct proc_family {
	const char *name;
	enum hf_metric_type type;
	const char *help;
	size_t offset;
};

static const struct proc_family huge_family = {
	"hawkfetch_hpcov_huge_regions", HF_GAUGE, "2 MiB regions mapped by a huge page.",
	offsetof(struct cov_proc, huge),
};

static const struct proc_family promote_families[] = {
	{ "hawkfetch_hpcov_planned_regions_total", HF_COUNTER, "Regions hpcov --promote chose "
	  "to collapse (with --dry-run: would have) since it started.",
	  offsetof(struct cov_proc, planned) },
	{ "hawkfetch_hpcov_promoted_regions_total", HF_COUNTER, "Regions hpcov --promote "
	  "collapsed into a huge page since it started.", offsetof(struct cov_proc, promoted) },
	{ "hawkfetch_hpcov_promotion_failures_total", HF_COUNTER, "Collapses by hpcov --promote "
	  "that failed since it started.", offsetof(struct cov_proc, failed) },
};

static void per_process(struct hf_metrics *m, const struct cov_proc *p, size_t n,
			const struct proc_family *f)
{
	char pid[16];

	hf_metrics_family(m, f->name, f->type, NULL, f->help);
	for (size_t i = 0; i < n; i++) {
		unsigned int v = *(const unsigned int *)((const char *)&p[i] + f->offset);

		snprintf(pid, sizeof(pid), "%d", p[i].pid);
		hf_metrics_u64(m, v, "pid", pid, "comm", p[i].comm, NULL);
	}
}

/* The coverage histogram and huge regions per process; the promotion counters. */
static void coverage_metrics(struct hf_metrics *m, const struct cov_proc *p, size_t n,
			     const struct hf_promoter *pr)
{
	char pid[16], bucket[8];

	hf_metrics_family(m, "hawkfetch_hpcov_regions", HF_GAUGE, NULL,
			  "2 MiB regions not mapped by a huge page, by HawkEye's coverage bucket "
			  "(accessed base pages of 512, 50 a bucket: 0 is 0-49, 1 50-99, ..., "
			  "9 450-499, 10 500-512).");
	for (size_t i = 0; i < n; i++) {
		snprintf(pid, sizeof(pid), "%d", p[i].pid);
		for (unsigned int b = 0; b < HF_COV_BUCKETS; b++) {
			snprintf(bucket, sizeof(bucket), "%u", b);
			hf_metrics_u64(m, p[i].bucket[b], "pid", pid, "comm", p[i].comm,
				       "bucket", bucket, NULL);
		}
	}
	per_process(m, p, n, &huge_family);
	if (!pr)
		return;
	for (size_t f = 0; f < ARRAY_SIZE(promote_families); f++)
		per_process(m, p, n, &promote_families[f]);
	hf_metrics_family(m, "hawkfetch_hpcov_weight", HF_GAUGE, NULL,
			  "The weight hpcov --promote shares huge pages by (--weights; 1 "
			  "without).");
	for (size_t i = 0; i < n; i++) {
		snprintf(pid, sizeof(pid), "%d", p[i].pid);
		hf_metrics_double(m, p[i].weight, "pid", pid, "comm", p[i].comm, NULL);
	}
	hf_metrics_family(m, "hawkfetch_hpcov_promotion_rounds_total", HF_COUNTER, NULL,
			  "Promotion rounds since hpcov --promote started.");
	hf_metrics_u64(m, pr->round, NULL);
}

/* Print and/or write the metrics of the processes; HF_EXIT_OK or HF_EXIT_FAIL. */
static int emit_metrics(const struct cov_proc *p, size_t n, const struct hf_promoter *pr)
{
	struct hf_error e;
	struct hf_metrics *m = hf_metrics_new("hpcov");
	int status;

	if (!m)
		abort();
	coverage_metrics(m, p, n, pr);
	status = hf_metrics_emit(m, &e) ? hf_fail(&e) : HF_EXIT_OK;
	hf_metrics_free(m);
	return status;
}

/* A measurement: every process with a region (the histogram ignores --top). */
static int scan_metrics(const struct hf_covscan *r, const struct hf_cov_region *c, size_t n)
{
	struct cov_proc *p = calloc(r->nt + 1, sizeof(*p));
	size_t np = 0;
	int status;

	if (!p)
		abort();
	for (int t = 0; t < r->nt; t++) {
		p[t].pid = r->t[t].pid;
		hf_proc_comm_escape(r->t[t].comm, p[t].comm);
	}
	for (size_t i = 0; i < n; i++)
		cov_count(&p[c[i].owner], c[i].coverage, c[i].huge);
	for (int t = 0; t < r->nt; t++) {
		unsigned int regions = p[t].huge;

		for (unsigned int b = 0; b < HF_COV_BUCKETS; b++)
			regions += p[t].bucket[b];
		if (regions && !r->t[t].gone)
			p[np++] = p[t];
	}
	status = emit_metrics(p, np, NULL);
	free(p);
	return status;
}

static int open_scan(struct hf_covscan *scan)
{
	int err;

	if ((err = hf_covscan_open(scan, &hf_targets.pids, args.interval, hf_targets.all)))
		return err;
	if (!scan->nt) {
		hf_err("no process to measure");
		return scan->status ? scan->status : HF_EXIT_FAIL;
	}
	return HF_EXIT_OK;
}

static int report_coverage(void)
{
	struct hf_covscan scan;
	struct hf_cov_region *ranked;
	size_t n;
	int err, mstatus = HF_EXIT_OK;

	if ((err = open_scan(&scan)))
		return err;
	if (scan.source == HF_COV_ACCESS_MAP) {
		if (args.rounds_set || args.interval_set)
			hf_warn("-i and -n are ignored: the coverage comes from khugepaged's "
				"access_map, already averaged over its scans");
		args.rounds = 1;
	}
	for (unsigned int i = 0; i < args.rounds && !(err = hf_covscan_round(&scan)); i++)
		;
	ranked = hf_covscan_rank(&scan, &n);
	if (!err && (n || !scan.status)) {
		if (hf_metrics_wanted())
			mstatus = scan_metrics(&scan, ranked, n);
		if (hf_opts.json)
			print_json(&scan, ranked, n);
		else if (!hf_opts.openmetrics)	/* the metrics replace the report */
			print_plain(&scan, ranked, n);
	}
	free(ranked);
	hf_covscan_close(&scan);
	return err ? err : scan.status ? scan.status : mstatus;
}

/* ---- promotion ---- */

static int read_file_with(const char *path, int (*reader)(FILE *, const char *, void *, void *,
							     char *, size_t), void *out, void *n)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	char err[512];
	int ret;

	if (!f) {
		hf_err("%s: %s", path, strerror(errno));
		return HF_EXIT_FAIL;
	}
	ret = reader(f, strcmp(path, "-") ? path : "<stdin>", out, n, err, sizeof(err));
	if (f != stdin)
		fclose(f);
	if (ret == -EINVAL)
		hf_err("%s", err);
	else if (ret)
		hf_err("%s: %s", path, strerror(-ret));
	return ret ? HF_EXIT_FAIL : HF_EXIT_OK;
}

static int weights_reader(FILE *f, const char *name, void *out, void *n, char *err, size_t len)
{
	return hf_weights_read(f, name, out, n, err, len);
}

static int coverage_reader(FILE *f, const char *name, void *out, void *n, char *err, size_t len)
{
	return hf_coverage_read(f, name, out, n, err, len);
}

static void print_step_plain(const struct hf_promoter *pr, const struct hf_promote_region *r,
			     size_t i, const struct hf_collapse_result *res)
{
	char cb[HF_COMM_PAD_LEN];

	if (pr->seq == 1)
		printf("%5s %4s %7s %-15s %-16s %8s %6s %9s %-8s %9s %s\n", "ROUND", "#", "PID",
		       "COMM", "ADDRESS", "COVERAGE", "BUCKET", "WEIGHT", "RESULT", "TIME_MS", "HUGE");
	printf("%5u %4u %7d %s 0x%-14llx %8u %6u %9.4g %-8s ", pr->round, pr->seq, r->pid,
	       hf_comm_pad(pr->ps[i].comm, 15, cb), (unsigned long long)r->addr, r->coverage,
	       hf_cov_bucket(r->coverage), pr->proc[i].weight,
	       res ? hf_errno_name(res->err) : "planned");
	if (res)
		printf("%9.3f %s\n", res->time_ns / 1e6, res->huge_after ? "yes" : "no");
	else
		printf("%9s %s\n", "-", "-");
}

static void print_step_json(const struct hf_promoter *pr, const struct hf_promote_region *r,
			    size_t i, const struct hf_collapse_result *res)
{
	struct json_object *o = json_object_new_object();

	hf_json_set_str(o, "type", res ? "collapse" : "planned");
	hf_json_set_u64(o, "round", pr->round);
	hf_json_set_u64(o, "seq", pr->seq);
	hf_json_set_u64(o, "pid", r->pid);
	hf_json_set_comm(o, pr->ps[i].comm);
	json_object_object_add(o, "addr", hf_json_addr(r->addr));
	hf_json_set_u64(o, "coverage", r->coverage);
	hf_json_set_u64(o, "bucket", hf_cov_bucket(r->coverage));
	json_object_object_add(o, "weight", json_object_new_double(pr->proc[i].weight));
	if (res) {
		hf_json_set_str(o, "result", hf_errno_name(res->err));
		json_object_object_add(o, "errno", json_object_new_int(-res->err));
		hf_json_set_u64(o, "time_ns", res->time_ns);
		hf_json_set_u64(o, "elapsed_ns", res->end_ns - pr->start_ns);
		json_object_object_add(o, "huge_after", json_object_new_boolean(res->huge_after));
	}
	hf_json_emit(stdout, o);
	json_object_put(o);
}

/* --openmetrics: the metrics after each round replace the plain lines. */
static void report_nothing(const struct hf_promoter *pr, const struct hf_promote_region *r,
			   size_t i, const struct hf_collapse_result *res)
{
	(void)pr; (void)r; (void)i; (void)res;
}

/* After a round: the processes still promoted, their regions and counters. */
static int promote_metrics(const struct hf_promoter *pr)
{
	struct cov_proc *p = calloc(pr->nproc + 1, sizeof(*p));
	size_t np = 0;
	int status;

	if (!p)
		abort();
	for (size_t i = 0; i < pr->nproc; i++) {
		if (pr->proc[i].exited)
			continue;
		p[np] = (struct cov_proc){ .pid = pr->proc[i].pid, .weight = pr->proc[i].weight,
			.planned = pr->proc[i].granted, .promoted = pr->ps[i].promoted,
			.failed = pr->ps[i].failed };
		hf_proc_comm_escape(pr->ps[i].comm, p[np].comm);
		np++;
	}
	for (size_t j = 0; j < pr->nreg; j++)
		for (size_t i = 0; i < np; i++)
			if (p[i].pid == pr->reg[j].pid) {
				cov_count(&p[i], pr->reg[j].coverage, pr->reg[j].huge);
				break;
			}
	status = emit_metrics(p, np, pr);
	free(p);
	return status;
}

static enum hf_cov_source coverage_source(const struct hf_promoter *pr)
{
	return pr->live ? pr->scan.source : HF_COV_FILE;
}

static void print_summary(const struct hf_promoter *pr)
{
	char cb[HF_COMM_PAD_LEN];
	struct json_object *o, *procs;

	if (!hf_opts.json) {
		printf("# %u rounds: %u promoted, %u failed; skipped in the last round: %zu "
		       "already huge, %zu with coverage < %u (max_ptes_none %d); coverage source: "
		       "%s; order: %s\n", pr->round, pr->promoted, pr->failed, pr->skips.huge,
		       pr->skips.low_coverage, pr->pol.min_coverage, pr->max_ptes_none,
		       hf_cov_source_name(coverage_source(pr)), hf_promote_order_name(pr->pol.order));
		for (size_t i = 0; i < pr->nproc; i++)
			printf("# pid %d (%s): weight %.4g, %u planned, %u promoted, %u failed\n",
			       pr->proc[i].pid, hf_comm_pad(pr->ps[i].comm, 0, cb), pr->proc[i].weight,
			       pr->proc[i].granted, pr->ps[i].promoted, pr->ps[i].failed);
		return;
	}
	o = json_object_new_object();
	procs = json_object_new_array();
	hf_json_set_str(o, "type", "promote_summary");
	hf_json_set_str(o, "source", hf_cov_source_name(coverage_source(pr)));
	json_object_object_add(o, "dry_run", json_object_new_boolean(args.dry_run));
	hf_json_set_u64(o, "rounds", pr->round);
	hf_json_set_u64(o, "budget", pr->pol.budget);
	hf_json_set_str(o, "order", hf_promote_order_name(pr->pol.order));
	hf_json_set_u64(o, "min_coverage", pr->pol.min_coverage);
	json_object_object_add(o, "max_ptes_none", json_object_new_int(pr->max_ptes_none));
	hf_json_set_u64(o, "promoted", pr->promoted);
	hf_json_set_u64(o, "failed", pr->failed);
	hf_json_set_u64(o, "skipped_huge", pr->skips.huge);
	hf_json_set_u64(o, "skipped_low_coverage", pr->skips.low_coverage);
	for (size_t i = 0; i < pr->nproc; i++) {
		struct json_object *p = json_object_new_object();

		hf_json_set_u64(p, "pid", pr->proc[i].pid);
		hf_json_set_comm(p, pr->ps[i].comm);
		json_object_object_add(p, "weight", json_object_new_double(pr->proc[i].weight));
		hf_json_set_u64(p, "planned", pr->proc[i].granted);
		hf_json_set_u64(p, "promoted", pr->ps[i].promoted);
		hf_json_set_u64(p, "failed", pr->ps[i].failed);
		json_object_array_add(procs, p);
	}
	json_object_object_add(o, "processes", procs);
	hf_json_emit(stdout, o);
	json_object_put(o);
}

/* Root, and a kernel whose process_madvise knows MADV_COLLAPSE. */
static int check_can_collapse(void)
{
	int err;

	if (geteuid()) {
		hf_err("--promote needs root: CAP_SYS_NICE for process_madvise and "
		       "CAP_SYS_ADMIN for the page frames in /proc/PID/pagemap");
		return HF_EXIT_NOPERM;
	}
	err = hf_collapse_probe();
	if (err == -ENOSYS) {
		hf_err("this kernel cannot collapse on request: pidfd_open or process_madvise is "
		       "not implemented (Linux 5.10 has them; MADV_COLLAPSE needs 6.1)");
		return HF_EXIT_NOFEATURE;
	}
	if (err == -EINVAL) {
		hf_err("this kernel cannot collapse on request: process_madvise rejects "
		       "MADV_COLLAPSE with EINVAL (Linux 6.1 or later has it)");
		return HF_EXIT_NOFEATURE;
	}
	if (err)
		hf_err("probing MADV_COLLAPSE: %s", strerror(-err));
	return err ? HF_EXIT_FAIL : HF_EXIT_OK;
}

/*
 * --watch --weights: the weights are a stream (mmucost -j's interval lines
 * as they come, or documents appended to a file), smoothed as they arrive;
 * the first round waits for the first of them.
 */
static int open_feed(struct hf_promoter *pr)
{
	static struct hf_weights_feed feed;	/* pr->feed, for the whole run */
	int fd = strcmp(args.weights, "-") ? open(args.weights, O_RDONLY | O_CLOEXEC) :
					     STDIN_FILENO;

	if (fd < 0) {
		hf_err("%s: %s", args.weights, strerror(errno));
		return HF_EXIT_FAIL;
	}
	if (hf_weights_feed_init(&feed, fd, fd ? args.weights : "<stdin>"))
		abort();
	pr->feed = &feed;
	return hf_promoter_feed(pr, true);
}

static int promote_setup(struct hf_promoter *pr)
{
	struct hf_thp_policy thp;
	int err;

	hf_thp_policy_read(&thp);
	pr->max_ptes_none = thp.max_ptes_none;
	pr->pol = (struct hf_promote_policy){ args.budget,
		hf_promote_min_coverage(thp.max_ptes_none), HF_PROMOTE_TIE, args.order };
	pr->weights_name = args.weights;
	pr->from_name = args.from;
	pr->dry_run = args.dry_run;
	pr->stop = &hf_stop;
	pr->report = hf_opts.json ? print_step_json : hf_opts.openmetrics ? report_nothing :
		     print_step_plain;
	/* --dry-run --from reads nothing but its files: no root, no kernel support. */
	pr->live = !args.from;
	if ((!args.dry_run || pr->live) && (err = check_can_collapse()))
		return err;
	if (args.weights && args.watch)
		err = open_feed(pr);
	else if (args.weights)
		err = read_file_with(args.weights, weights_reader, &pr->w, &pr->nw);
	if (err)
		return err;
	if (pr->live) {
		if ((err = open_scan(&pr->scan)))
			return err;
		pr->scan.stop = &hf_stop;
		for (int t = 0; t < pr->scan.nt; t++)
			if (!pr->scan.t[t].gone)
				hf_promoter_add(pr, pr->scan.t[t].pid, pr->scan.t[t].comm);
	} else if ((err = read_file_with(args.from, coverage_reader, &pr->reg, &pr->nreg)) ||
		   (err = hf_promoter_collect(pr, &hf_targets.pids))) {
		return err;
	}
	/* A dry run checks what the real run checks: pids, names, huge regions. */
	return pr->live && args.dry_run ? HF_EXIT_OK : hf_promoter_open(pr);
}

static int run_promote(void)
{
	struct hf_promoter pr = { .start_ns = hf_now_ns() };
	int err = promote_setup(&pr), mstatus = HF_EXIT_OK;

	hf_catch_stop_signals();
	while (!err && !hf_stop) {
		size_t planned;

		if (pr.live && (err = hf_promoter_measure(&pr)))
			break;
		if (pr.feed && pr.round && (err = hf_promoter_feed(&pr, false)))
			break;
		hf_promoter_refresh(&pr);
		planned = hf_stop ? 0 : hf_promoter_round(&pr);
		if (hf_metrics_wanted() && promote_metrics(&pr))
			mstatus = HF_EXIT_FAIL;
		if (!args.watch || (!pr.live && (!planned || args.dry_run)))
			break;	/* a file's coverage does not change between rounds */
		if (hf_promoter_all_exited(&pr))
			break;
		if (!pr.live)
			hf_sleep_s(args.interval, &hf_stop);
	}
	if (!err && !hf_opts.openmetrics)	/* else the last round's metrics */
		print_summary(&pr);
	if (!err && pr.failed && !pr.promoted)
		err = HF_EXIT_FAIL;	/* every collapse failed: say so in the status */
	hf_promoter_free(&pr);
	return err ? err : mstatus;
}

/* ---- --weights without --promote: khugepaged's weights ---- */

/* The weights of the -p processes (each must be in the file), else all of them. */
static int select_weights(struct hf_weight *w, size_t *n)
{
	size_t k = 0;

	for (size_t i = 0; i < *n; i++)
		for (size_t j = 0; j < i; j++)
			if (w[j].pid == w[i].pid) {
				hf_err("%s: pid %d is given twice", args.weights, w[i].pid);
				return HF_EXIT_FAIL;
			}
	for (int p = 0; p < hf_targets.pids.n; p++) {
		size_t i = 0;

		while (i < *n && w[i].pid != hf_targets.pids.pid[p])
			i++;
		if (i == *n) {
			hf_err("pid %d: not in %s (no weight for it)", hf_targets.pids.pid[p],
			       args.weights);
			return HF_EXIT_FAIL;
		}
	}
	for (size_t i = 0; i < *n; i++) {
		bool keep = !hf_targets.pids.n;

		for (int p = 0; p < hf_targets.pids.n; p++)
			keep |= w[i].pid == hf_targets.pids.pid[p];
		if (keep)
			w[k++] = w[i];
	}
	*n = k;
	return HF_EXIT_OK;
}

/* All or nothing: every file opened and every name checked, then the writes. */
static int feed_weights(void)
{
	struct hf_error e;
	struct hf_weight *w = NULL;
	struct hf_kweight *k = NULL;
	size_t nw = 0, nk = 0;
	int err;

	if ((err = read_file_with(args.weights, weights_reader, &w, &nw)) ||
	    (err = select_weights(w, &nw)))
		goto out;
	if (!(k = calloc(nw + 1, sizeof(*k)))) {
		err = HF_EXIT_FAIL;
		goto out;
	}
	for (; nk < nw; nk++) {
		if (hf_kweight_open(&k[nk], w[nk].pid, &e)) {
			err = hf_fail(&e);
			goto out;
		}
		if (w[nk].comm[0] && strcmp(w[nk].comm, k[nk].comm)) {
			hf_err("pid %d: runs '%s', but %s measured '%s' (pid reused?); nothing "
			       "written", w[nk].pid, k[nk].comm, args.weights, w[nk].comm);
			err = HF_EXIT_FAIL;
			nk++;
			goto out;
		}
	}
	for (size_t i = 0; i < nk; i++)
		hf_kweight_write(&k[i], w[i].weight, true);
	err = hf_kweight_report(stdout, k, nk, hf_opts.json) ? HF_EXIT_FAIL : HF_EXIT_OK;
out:
	for (size_t i = 0; i < nk; i++)
		hf_kweight_close(&k[i]);
	free(k);
	free(w);
	return err;
}

static int run(int argc, char **argv)
{
	struct hf_error e;
	int err;

	hf_targets.default_all = true;	/* `hpcov --top 20`: every process */
	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((err = hf_targets_expand())) {
		hf_err("/proc: %s", strerror(-err));
		return HF_EXIT_FAIL;
	}
	/* -p: each once; a kernel thread or a zombie is refused before measuring. */
	if (!hf_targets.all && hf_targets_check(&hf_targets.pids, &e))
		return hf_fail(&e);
	if (args.weights && !args.promote)
		return feed_weights();
	return args.promote ? run_promote() : report_coverage();
}

/* The final check of every write to standard output: a full disk is exit 1. */
int main(int argc, char **argv)
{
	hf_stdout_track();
	return hf_stdout_close(run(argc, argv));
}
