// SPDX-License-Identifier: GPL-2.0
/*
 * mmucost: MMU overhead (page-walk cycles / unhalted cycles) from hardware
 * counters, or any ratio of libpfm4 events (-e), per process; the JSON
 * summary is the weights file of hpcov --promote, and --feed hands the
 * weights to the hawkfetch kernel's khugepaged.
 *
 * cmd/mmucost/ holds what only mmucost uses: main.c, pmu (which libpfm4
 * events measure page walks on which PMU), events (the set counted, or the
 * user's -e list), counters (perf events over every thread of a process)
 * and perfstat (counts recorded by `perf stat -x,`, for --from).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "helpers.h"
#include "outfile.h"
#include "proclist.h"
#include "targets.h"
#include "cli.h"
#include "kweight.h"
#include "metrics.h"
#include "output.h"
#include "counters.h"
#include "perfstat.h"
#include "events.h"
#include "procfs.h"
#include "weights.h"

#define MAX_EVENTS HF_MMU_MAX_EVENTS

static struct args {
	struct hf_pids pids;
	double interval, duration;
	const char *from;
	const char *pmu;
	bool list_events, feed, interval_set;
	char **command;
	const char *events;		/* -e as given */
	char *event[MAX_EVENTS];	/* numerators, then the denominator */
	int nevents;
} args = { .interval = 1.0 };

enum { OPT_FROM = 0x100, OPT_LIST, OPT_PMU, OPT_FEED };

static const struct argp_option options[] = {
	{ "pid", 'p', "PID", 0, "Measure this process (all its threads); repeatable", 0 },
	{ "events", 'e', "NUM[,NUM...]/DENOM", 0, "Count these libpfm4 events instead and report "
	  "sum(NUM) / DENOM, e.g. perf::PAGE-FAULTS/perf::TASK-CLOCK (software events need no "
	  "PMU)", 0 },
	{ "interval", 'i', "SEC", 0, "Report every SEC seconds (default 1); given with --feed, "
	  "also write the smoothed weights every SEC seconds", 0 },
	{ "duration", 'd', "SEC", 0, "Stop after SEC seconds", 0 },
	{ "from", OPT_FROM, "FILE", 0, "Compute the report from counts recorded by "
	  "`perf stat -x,` (with or without -I) in FILE, or - for standard input", 0 },
	{ "list-events", OPT_LIST, NULL, 0, "List the events and their raw encodings", 0 },
	{ "pmu", OPT_PMU, "NAME", 0, "With --list-events: a libpfm4 PMU name (skx, spr, "
	  "hsw_ep, amd64_fam19h_zen3, ...) instead of this CPU's", 0 },
	{ "feed", OPT_FEED, NULL, 0, "At the end, write each process's overhead of the whole "
	  "run as its khugepaged weight, in per-mille (at least 1), to /proc/PID/khugepaged_weight "
	  "(hawkfetch kernel; CAP_SYS_NICE; opened before counting starts); with -i SEC, after "
	  "every interval, smoothed: 0.8 * the weight before + 0.2 * the interval's overhead", 0 },
	{ 0 },
};

static const char doc[] =
	"Measure MMU overhead: the share of unhalted cycles spent in page walks.\v"
	"Counts page-walk cycles for loads, stores and instruction fetches, and unhalted "
	"cycles, with perf_event_open and events encoded by libpfm4 for this CPU, over every "
	"thread of each process. AMD CPUs have no page-walk cycle event: there the report is "
	"page walks per 1000 instructions, which is not a cycle fraction. With -e the events "
	"are yours, including libpfm4's perf:: software events, so it runs without a hardware "
	"PMU. A command after '--' is started and measured with its children; mmucost then "
	"exits with the command's status. With -j the last line is {\"type\":\""
	HF_WEIGHTS_DOC_TYPE "\",\"processes\":[{\"pid\":...,\"weight\":...}]}: the overhead of "
	"the whole run per process, the weights file of hpcov(8)'s promotion. With --feed "
	"those weights also go to the hawkfetch kernel's khugepaged: round(overhead * 1000), "
	"1..1000000, written to /proc/PID/khugepaged_weight when counting ends (files opened "
	"before it starts, so a reused pid never gets the weight) and reported on stdout "
	"(with -j a {\"type\":\"khugepaged_weights\"} line before the summary). --feed with "
	"-i SEC feeds them periodically instead: after every interval each process's weight "
	"becomes 0.8 * its weight before + 0.2 * the interval's overhead (the first interval's "
	"as is; an interval without a base count leaves it), as HawkEye smooths MMU overhead "
	"so that one noisy interval does not reorder promotion; the report at the end gives "
	"the last weights written.\n\n"
	"Examples:\n"
	"  mmucost -p 4242                     every second, until interrupted\n"
	"  mmucost -i 5 -d 60 -j -- ./workload\n"
	"  mmucost -j -p 1 -p 2 -d 5 > weights.json   per-process weights for hpcov\n"
	"  mmucost --feed -p 1 -p 2 -d 5       the same weights into khugepaged (patched kernel)\n"
	"  mmucost --feed -i 5 -p 1 -p 2       every 5 s, smoothed, until interrupted\n"
	"  mmucost -e perf::PAGE-FAULTS/perf::TASK-CLOCK -p 4242\n"
	"  mmucost --list-events --pmu skx     events and raw encodings for Skylake-SP\n"
	"  perf stat -x, -I 1000 -e ... -p 4242 2> counts.csv; mmucost --from counts.csv";

/* "A,B/C" -> args.event = { A, B, C }; argp_error on anything else. */
static void parse_events(const char *spec, struct argp_state *state)
{
	char *copy = strdup(spec), *slash = copy ? strchr(copy, '/') : NULL, *tok, *save;

	if (!slash || strchr(slash + 1, '/') || !slash[1] || slash == copy)
		argp_error(state, "invalid events '%s': expected NUM[,NUM...]/DENOM, e.g. "
			   "perf::PAGE-FAULTS/perf::TASK-CLOCK", spec);
	*slash = '\0';
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (args.nevents == MAX_EVENTS - 1)
			argp_error(state, "invalid events '%s': at most %d numerators", spec,
				   MAX_EVENTS - 1);
		args.event[args.nevents++] = tok;
	}
	if (!args.nevents)
		argp_error(state, "invalid events '%s': no numerator event", spec);
	args.event[args.nevents++] = slash + 1;
	args.events = spec;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'p':
		hf_pids_add(&args.pids, hf_arg_pid(arg, state));
		break;
	case 'e':
		parse_events(arg, state);
		break;
	case 'i':
		args.interval = hf_arg_seconds(arg, state);
		args.interval_set = true;
		break;
	case 'd':
		args.duration = hf_arg_seconds(arg, state);
		break;
	case OPT_FROM:
		args.from = arg;
		break;
	case OPT_LIST:
		args.list_events = true;
		break;
	case OPT_PMU:
		args.pmu = arg;
		break;
	case OPT_FEED:
		args.feed = true;
		break;
	case ARGP_KEY_ARGS:
		args.command = state->argv + state->next;
		break;
	case ARGP_KEY_END:
		if (!!args.pids.n + !!args.command + !!args.from + args.list_events != 1)
			argp_error(state, "give one of -p PID, -- COMMAND, --from FILE, --list-events");
		if (args.pmu && !args.list_events)
			argp_error(state, "--pmu goes with --list-events");
		if (args.events && (args.from || args.list_events))
			argp_error(state, "-e goes with -p PID or -- COMMAND");
		if (args.feed && (args.from || args.list_events))
			argp_error(state, "--feed goes with -p PID or -- COMMAND");
		if (hf_metrics_wanted() && args.list_events)
			argp_error(state, "--list-events lists encodings and has no metrics (drop "
				   "--openmetrics and --textfile)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child children[] = { HF_COMMON_CHILD, HF_METRICS_CHILD, { 0 } };
static const struct argp argp = { options, parse_opt, "[-- COMMAND [ARG...]]", doc,
				  children, NULL, NULL };

/* ---- reporting ---- */

/* One report line; time_s < 0: a whole run; p: the process (live only). */
static void print_interval(double time_s, const struct hf_pc_proc *p, const struct hf_mmu_counts *c)
{
	struct hf_mmu_result r;
	bool ok = hf_mmu_compute(c, &r) == 0;
	char when[32] = "total";

	if (hf_opts.json) {
		struct json_object *o = hf_mmu_counts_json(HF_WEIGHTS_INTERVAL_TYPE, time_s, p, c);

		hf_json_emit(stdout, o);
		json_object_put(o);
		return;
	}
	if (time_s >= 0)
		snprintf(when, sizeof(when), "%.3f", time_s);
	printf("%10s ", when);
	if (p)
		printf("%7d ", p->pid);
	if (!ok)
		printf("%14s %14s  (no base count: cycles or instructions missing)\n", "-", "-");
	else if (r.metric == HF_MMU_CYCLE_FRACTION)
		printf("%14llu %14llu %13.2f%%\n", (unsigned long long)r.walk,
		       (unsigned long long)r.base, r.value * 100);
	else
		printf("%14llu %14llu %14.3f\n", (unsigned long long)r.walk,
		       (unsigned long long)r.base, r.value);
}

static void print_header(enum hf_mmu_metric metric, bool pid)
{
	const char *pidcol = pid ? "     PID " : "";

	if (hf_opts.json)
		return;
	if (metric == HF_MMU_CYCLE_FRACTION)
		printf("%10s %s%14s %14s %14s\n", "TIME_S", pidcol, "WALK_CYCLES", "CYCLES",
		       "MMU_OVERHEAD");
	else
		printf("# AMD: page walks per 1000 instructions (no page-walk cycle event; "
		       "not a cycle fraction)\n%10s %s%14s %14s %14s\n", "TIME_S", pidcol, "WALKS",
		       "INSTRUCTIONS", "WALKS_PKI");
}

/* ---- metrics (--openmetrics, --textfile) ---- */

static int metrics_status = HF_EXIT_OK;	/* HF_EXIT_FAIL once a write failed */

/* One process's numbers (p NULL: --from's, which has no process). */
struct msample {
	const struct hf_pc_proc *p;
	bool have_ratio;
	double ratio;			/* the overhead of the last interval */
	const char *metric;		/* which ratio it is */
	int nev;
	const char *event[MAX_EVENTS];
	uint64_t count[MAX_EVENTS];	/* since the start */
};

/* The overhead of counts by role, in base units (walks per instruction on AMD). */
static void ratio_of_counts(struct msample *s, const struct hf_mmu_counts *c)
{
	struct hf_mmu_result r;

	s->have_ratio = !hf_mmu_compute(c, &r);
	s->metric = r.metric == HF_MMU_CYCLE_FRACTION ? "walk_cycle_fraction" :
		    "walks_per_instruction";
	s->ratio = r.metric == HF_MMU_CYCLE_FRACTION ? r.value : r.value / 1000;
}

/* Counts by role, as counters named by their roles. */
static void counts_by_role(struct msample *s, const struct hf_mmu_counts *c)
{
	for (int i = 0; i < HF_MMU_NROLES; i++)
		if (c->have & 1u << i) {
			s->event[s->nev] = hf_mmu_role_key[i];
			s->count[s->nev++] = c->v[i];
		}
}

static void sample_labels(struct hf_metrics *m, const struct msample *s, bool counter, int e)
{
	char pid[16], comm[HF_COMM_ESC_LEN];

	if (!s->p) {
		if (counter)
			hf_metrics_u64(m, s->count[e], "event", s->event[e], NULL);
		else
			hf_metrics_double(m, s->ratio, "metric", s->metric, NULL);
		return;
	}
	snprintf(pid, sizeof(pid), "%d", s->p->pid);
	hf_proc_comm_escape(s->p->comm, comm);
	if (counter)
		hf_metrics_u64(m, s->count[e], "pid", pid, "comm", comm, "event",
			       s->event[e], NULL);
	else
		hf_metrics_double(m, s->ratio, "pid", pid, "comm", comm, "metric",
				  s->metric, NULL);
}

static void emit_metrics(const struct msample *s, int n)
{
	struct hf_error error;
	struct hf_metrics *m = hf_metrics_new("mmucost");

	if (!m)
		abort();
	hf_metrics_family(m, "hawkfetch_mmucost_overhead_ratio", HF_GAUGE, NULL,
			  "MMU overhead in the last interval: page-walk cycles / unhalted cycles "
			  "(metric walk_cycle_fraction), page walks / instructions on AMD "
			  "(walks_per_instruction), or sum(NUM) / DENOM of -e (event_ratio).");
	for (int i = 0; i < n; i++)
		if (s[i].have_ratio)
			sample_labels(m, &s[i], false, 0);
	hf_metrics_family(m, "hawkfetch_mmucost_events_total", HF_COUNTER, NULL,
			  "Events counted since mmucost started (--from: in the file so far), by "
			  "page-walk role (load_walk_cycles, cycles, ...) or as -e named them.");
	for (int i = 0; i < n; i++)
		for (int e = 0; e < s[i].nev; e++)
			sample_labels(m, &s[i], true, e);
	if (hf_metrics_emit(m, &error))
		metrics_status = hf_fail(&error);
	hf_metrics_free(m);
}

/* ---- --from FILE ---- */

struct from_state {
	bool header;			/* MMU counts were found */
	struct hf_mmu_counts total;	/* the file's so far, for the counters */
};

static int from_interval(const struct hf_perfstat_interval *iv, void *ctx)
{
	struct from_state *st = ctx;
	struct hf_mmu_result r;
	struct msample s = { 0 };

	if (!st->header && !hf_opts.openmetrics) {
		hf_mmu_compute(&iv->counts, &r);
		print_header(r.metric, false);
	}
	st->header = true;
	if (!hf_opts.openmetrics)
		print_interval(iv->timed ? iv->time_s : -1, NULL, &iv->counts);
	if (!hf_metrics_wanted())
		return 0;
	for (int i = 0; i < HF_MMU_NROLES; i++)
		st->total.v[i] += iv->counts.v[i];
	st->total.have |= iv->counts.have;
	ratio_of_counts(&s, &iv->counts);
	counts_by_role(&s, &st->total);
	emit_metrics(&s, 1);
	return 0;
}

static int run_from(void)
{
	FILE *f = strcmp(args.from, "-") ? fopen(args.from, "re") : stdin;
	struct from_state st = { 0 };
	int line, err;

	if (!f) {
		hf_err("%s: %s", args.from, strerror(errno));
		return HF_EXIT_FAIL;
	}
	err = hf_perfstat_read(f, from_interval, &st, &line);
	if (f != stdin)
		fclose(f);
	if (err == -EINVAL) {
		hf_err("%s:%d: not a line of `perf stat -x,` output", args.from, line);
		return HF_EXIT_FAIL;
	}
	if (err == -E2BIG) {
		hf_err("%s:%d: line longer than %d bytes", args.from, line, HF_LINE_MAX);
		return HF_EXIT_FAIL;
	}
	if (err < 0) {
		hf_err("%s:%d: %s", args.from, line, strerror(-err));
		return HF_EXIT_FAIL;
	}
	if (!st.header) {
		hf_err("%s: no page-walk or cycle counts found (expected events such as "
		       "dtlb_load_misses.walk_active and cycles)", args.from);
		return HF_EXIT_FAIL;
	}
	return metrics_status;
}

/* ---- --list-events ---- */

static int list_events(const char *pmu, const struct hf_mmu_eventset *set)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();

	if (!hf_opts.json)
		printf("PMU %s: %s\n%-20s %-6s %-12s %s\n", pmu,
		       set->metric == HF_MMU_CYCLE_FRACTION ? "walk cycles / unhalted cycles" :
		       "page walks per 1000 instructions", "ROLE", "TYPE", "CONFIG", "EVENT");
	for (int i = 0; i < HF_MMU_NROLES; i++) {
		struct perf_event_attr attr;
		struct json_object *e;
		int err;

		if (!set->event[i])
			continue;
		if ((err = hf_pmu_encode(pmu, set->event[i], &attr))) {
			hf_err("%s::%s: %s", pmu, set->event[i], hf_pmu_strerror(err));
			json_object_put(o);
			json_object_put(arr);
			return HF_EXIT_FAIL;
		}
		if (!hf_opts.json) {
			printf("%-20s %-6u 0x%-10llx %s::%s\n", hf_mmu_role_key[i], attr.type,
			       (unsigned long long)attr.config, pmu, set->event[i]);
			continue;
		}
		e = json_object_new_object();
		hf_json_set_str(e, "role", hf_mmu_role_key[i]);
		json_object_object_add(e, "event", json_object_new_string(set->event[i]));
		hf_json_set_u64(e, "type", attr.type);
		json_object_object_add(e, "config", hf_json_addr(attr.config));
		json_object_array_add(arr, e);
	}
	if (hf_opts.json) {
		hf_json_set_str(o, "type", "events");
		hf_json_set_str(o, "pmu", pmu);
		hf_json_set_str(o, "metric", hf_mmu_metric_key(set->metric));
		json_object_object_add(o, "events", arr);
		hf_json_emit(stdout, o);
	}
	json_object_put(o);
	return HF_EXIT_OK;
}

/* ---- live counting ---- */

struct live {
	struct hf_pc_set set;		/* the processes */
	struct hf_mmu_events ev;
	double start;
	struct hf_kweight *kw;		/* --feed: parallel to set.proc */
};

/* Do all the events count user space only already (:u)? */
static bool user_only(const struct hf_mmu_events *ev)
{
	for (int i = 0; i < ev->nev; i++)
		if (!ev->attr[i].exclude_kernel)
			return false;
	return true;
}

static int paranoid(void)
{
	char buf[32];

	return hf_read_file("/proc/sys/kernel/perf_event_paranoid", buf, sizeof(buf)) > 0 ?
	       atoi(buf) : -1;
}

static int open_procs(struct live *l)
{
	int ev = -1, err;
	pid_t pid, tid;

	err = hf_pc_set_open(&l->set, &args.pids, l->ev.attr, l->ev.nev, &pid, &ev, &tid);
	/*
	 * kernel.perf_event_paranoid 2 (the default) lets an unprivileged user
	 * count user space only: do that (as the events' :u would) rather
	 * than fail, and say so.
	 */
	if ((err == -EACCES || err == -EPERM) && geteuid() != 0 && !user_only(&l->ev)) {
		int first = err;

		for (int i = 0; i < l->ev.nev; i++)
			l->ev.attr[i].exclude_kernel = l->ev.attr[i].exclude_hv = 1;
		hf_pc_set_reset(&l->set);
		err = hf_pc_set_open(&l->set, &args.pids, l->ev.attr, l->ev.nev, &pid, &ev, &tid);
		if (!err)
			hf_warn("counting user space only (as the events' :u would): "
				"kernel.perf_event_paranoid=%d lets this user count no kernel events",
				paranoid());
		else if (err == -EACCES || err == -EPERM)
			err = first;
	}
	if (err) {
		struct hf_error e;

		hf_mmu_events_open_error(&l->ev, pid, err, ev, tid, &e);
		return hf_fail(&e);
	}
	return HF_EXIT_OK;
}

/*
 * A percentage in plain decimals, never an exponent: four significant
 * digits for small values (0.0007671), two decimals from 1 up.
 */
static const char *percent(double v, char *buf, size_t len)
{
	int decimals = 2;

	for (double x = v; x > 0 && x < 1 && decimals < 12; x *= 10)
		decimals++;		/* 0.5: 3; 0.0007671: 6, so 4 digits show */
	if (v > 0 && v < 1)
		decimals++;
	snprintf(buf, len, "%.*f", decimals, v);
	return buf;
}

static void print_ratio(const struct live *l, double time_s, const struct hf_pc_proc *p,
			const uint64_t *count)
{
	uint64_t num, den;
	char when[32] = "total", pct[32];

	hf_mmu_events_ratio(&l->ev, count, &num, &den);
	if (time_s >= 0)
		snprintf(when, sizeof(when), "%.3f", time_s);
	if (den)
		printf("%10s %7d %14llu %14llu %14s\n", when, p->pid, (unsigned long long)num,
		       (unsigned long long)den, percent(100.0 * num / den, pct, sizeof(pct)));
	else
		printf("%10s %7d %14llu %14llu %14s\n", when, p->pid, (unsigned long long)num,
		       0ULL, "-");
}

static void report(const struct live *l, double time_s, const struct hf_pc_proc *p,
		   const uint64_t *count)
{
	struct hf_mmu_counts c;

	if (hf_opts.json) {
		struct json_object *o = hf_mmu_events_json(&l->ev, time_s, p, count);

		hf_json_emit(stdout, o);
		json_object_put(o);
	} else if (args.events) {
		print_ratio(l, time_s, p, count);
	} else {
		c = hf_mmu_events_counts(&l->ev, count);
		print_interval(time_s, p, &c);
	}
}

static void live_header(const struct live *l)
{
	if (hf_opts.json || hf_opts.openmetrics)
		return;
	if (!args.events) {
		print_header(l->ev.metric, true);
		return;
	}
	printf("# sum(%.*s) / %s, in percent%s\n%10s %7s %14s %14s %14s\n",
	       (int)(strrchr(args.events, '/') - args.events), args.events,
	       l->ev.name[l->ev.nev - 1], user_only(&l->ev) ? "; user space only" : "",
	       "TIME_S", "PID", "NUMERATOR", "DENOMINATOR", "RATIO_%");
}

/* The whole run per process: the weights hpcov --promote reads. */
static void summary(const struct live *l, double now)
{
	struct json_object *o, *procs;

	if (hf_opts.openmetrics)
		return;		/* the last interval's metrics stand */
	if (!hf_opts.json) {
		for (int i = 0; i < l->set.nproc; i++)
			report(l, -1, &l->set.proc[i], l->set.proc[i].total);
		return;
	}
	o = json_object_new_object();
	procs = json_object_new_array();
	hf_json_set_str(o, "type", HF_WEIGHTS_DOC_TYPE);
	hf_json_set_u64(o, "duration_ns", (now - l->start) * 1e9 + 0.5);
	if (args.events)
		hf_json_set_str(o, "events", args.events);
	for (int i = 0; i < l->set.nproc; i++) {
		struct json_object *p = hf_mmu_events_json(&l->ev, -1, &l->set.proc[i],
							 l->set.proc[i].total);

		hf_weights_set(p, "mmu_overhead");
		json_object_array_add(procs, p);
	}
	json_object_object_add(o, "processes", procs);
	hf_json_emit(stdout, o);
	json_object_put(o);
}

/* --feed: the files, opened before counting (all or nothing). */
static int feed_open(struct live *l)
{
	struct hf_error e;

	if (!(l->kw = calloc(l->set.nproc + 1, sizeof(*l->kw))))
		return HF_EXIT_FAIL;
	for (int i = 0; i < l->set.nproc; i++)
		l->kw[i].fd = -1;
	for (int i = 0; i < l->set.nproc; i++)
		if (hf_kweight_open(&l->kw[i], l->set.proc[i].pid, &e))
			return hf_fail(&e);
	return HF_EXIT_OK;
}

/*
 * --feed -i: after an interval, each process's weight moves a fifth of the
 * way to the interval's overhead (hf_weight_smooth()); the first is taken
 * as is, and an interval without a base count leaves the weight as it was.
 */
static void feed_interval(const struct live *l, uint64_t (*delta)[MAX_EVENTS])
{
	for (int i = 0; i < l->set.nproc; i++) {
		struct hf_kweight *k = &l->kw[i];
		double v;

		if (!hf_mmu_events_overhead(&l->ev, delta[i], &v))
			continue;
		if (k->have_value)
			v = hf_weight_smooth(k->overhead, v);
		memcpy(k->comm, l->set.proc[i].comm, sizeof(k->comm));
		hf_kweight_write(k, v, true);
	}
}

/*
 * --feed: write the whole run's overhead of each process, then report;
 * with -i the intervals wrote the weights already: only the report.
 */
static int feed_write(const struct live *l)
{
	for (int i = 0; i < l->set.nproc; i++) {
		const struct hf_pc_proc *p = &l->set.proc[i];
		double v;
		bool ok = hf_mmu_events_overhead(&l->ev, p->total, &v);

		memcpy(l->kw[i].comm, p->comm, sizeof(l->kw[i].comm));
		if (!args.interval_set)
			hf_kweight_write(&l->kw[i], v, ok);
		else if (!l->kw[i].done)
			hf_kweight_write(&l->kw[i], 0, false);	/* no interval had a value */
	}
	/* With --openmetrics stdout holds only metrics: the writes go to stderr. */
	return hf_kweight_report(hf_opts.openmetrics ? stderr : stdout, l->kw, l->set.nproc,
				 hf_opts.json) ? HF_EXIT_FAIL : HF_EXIT_OK;
}

static void feed_close(struct live *l)
{
	for (int i = 0; l->kw && i < l->set.nproc; i++)
		hf_kweight_close(&l->kw[i]);
	free(l->kw);
	l->kw = NULL;
}

/* The metrics of an interval: its overhead, and the counts since the start. */
static void live_metrics(const struct live *l, uint64_t (*delta)[MAX_EVENTS])
{
	struct msample *s = calloc(l->set.nproc + 1, sizeof(*s));

	if (!s)
		abort();
	for (int i = 0; i < l->set.nproc; i++) {
		const struct hf_pc_proc *p = &l->set.proc[i];

		s[i].p = p;
		if (!l->ev.user) {
			struct hf_mmu_counts d = hf_mmu_events_counts(&l->ev, delta[i]);
			struct hf_mmu_counts t = hf_mmu_events_counts(&l->ev, p->total);

			ratio_of_counts(&s[i], &d);
			counts_by_role(&s[i], &t);
			continue;
		}
		s[i].metric = "event_ratio";
		s[i].have_ratio = hf_mmu_events_overhead(&l->ev, delta[i], &s[i].ratio);
		/* An event given twice counts the same: one series. */
		for (int e = 0; e < l->ev.nev; e++) {
			int k = 0;

			while (k < s[i].nev && strcmp(s[i].event[k], l->ev.name[e]))
				k++;
			if (k < s[i].nev)
				continue;
			s[i].event[s[i].nev] = l->ev.name[e];
			s[i].count[s[i].nev++] = p->total[e];
		}
	}
	emit_metrics(s, l->set.nproc);
	free(s);
}

static void sample(struct live *l, double time_s)
{
	uint64_t (*delta)[MAX_EVENTS] = calloc(l->set.nproc + 1, sizeof(*delta));

	if (!delta)
		abort();
	for (int i = 0; i < l->set.nproc; i++) {
		hf_pc_sample(&l->set.proc[i], delta[i]);
		if (!hf_opts.openmetrics)	/* else the metrics replace the lines */
			report(l, time_s, &l->set.proc[i], delta[i]);
	}
	if (hf_metrics_wanted())
		live_metrics(l, delta);
	if (l->kw && args.interval_set)
		feed_interval(l, delta);
	free(delta);
}

/* Can cmd be run as execvp() would find it? 0 or errno (before any counting). */
static int command_runnable(const char *cmd)
{
	const char *path = getenv("PATH"), *p;
	struct stat st;
	char buf[4096];
	int err = ENOENT;

	if (strchr(cmd, '/')) {
		if (stat(cmd, &st))
			return errno;
		return S_ISDIR(st.st_mode) ? EISDIR : access(cmd, X_OK) ? errno : 0;
	}
	for (p = path && *path ? path : "/bin:/usr/bin"; p; p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL) {
		int len = strchr(p, ':') ? (int)(strchr(p, ':') - p) : (int)strlen(p);

		snprintf(buf, sizeof(buf), "%.*s%s%s", len, p, len ? "/" : "", cmd);
		if (!stat(buf, &st) && !S_ISDIR(st.st_mode)) {
			if (!access(buf, X_OK))
				return 0;
			err = EACCES;
		}
	}
	return err;
}

static int start_command(struct live *l)
{
	int err = command_runnable(args.command[0]);

	/* As a shell: 127 not found, 126 found but not runnable; no counting. */
	if (err) {
		hf_err("%s: %s", args.command[0], err == ENOENT && !strchr(args.command[0], '/') ?
		       "command not found" : strerror(err));
		return err == ENOENT ? 127 : 126;
	}
	err = hf_pc_set_command(&l->set, args.command);

	if (err) {
		hf_err("starting %s: %s", args.command[0], strerror(-err));
		return HF_EXIT_FAIL;
	}
	return HF_EXIT_OK;
}

/* How often the sleep checks that the command or processes still run. */
#define WAKE_S 0.05

/* Count until the end; with --feed, the weights' status. */
static int count_loop(struct live *l)
{
	int err = HF_EXIT_OK;

	live_header(l);
	l->start = hf_now_s();
	hf_pc_set_go(&l->set);
	for (unsigned long n = 1; !hf_stop; n++) {
		double due = l->start + n * args.interval;
		bool alive, last;

		/*
		 * Sleep until the earliest of the next interval, the deadline
		 * (-d) and the end of the command or processes, checked every
		 * WAKE_S: an interval longer than the run never delays its end,
		 * and the last, partial interval is reported.
		 */
		if (args.duration && due > l->start + args.duration)
			due = l->start + args.duration;
		while ((alive = hf_pc_set_alive(&l->set)) && !hf_stop && hf_now_s() < due) {
			double left = due - hf_now_s();

			hf_sleep_s(left < WAKE_S ? left : WAKE_S, &hf_stop);
		}
		last = !alive || (args.duration && hf_now_s() - l->start >= args.duration);
		sample(l, hf_now_s() - l->start);
		if (last)
			break;
	}
	if (l->kw && hf_opts.json)
		err = feed_write(l);	/* the summary stays the last line */
	summary(l, hf_now_s());
	if (l->kw && !hf_opts.json)
		err = feed_write(l);
	return err;
}

static int run_live(void)
{
	struct live l = { .set = HF_PC_SET_INIT };
	struct hf_error e;
	int status, err;

	if (hf_targets_check(&args.pids, &e))	/* kernel threads, zombies, -p twice */
		return hf_fail(&e);
	if (args.events ? hf_mmu_events_user(&l.ev, args.event, args.nevents, &e) :
			  hf_mmu_events_hw(&l.ev, args.pmu, &e))
		return hf_fail(&e);
	err = args.command ? start_command(&l) : HF_EXIT_OK;
	if (!err)
		err = open_procs(&l);
	if (!err && args.feed)
		err = feed_open(&l);
	if (!err) {
		hf_catch_stop_signals();
		err = count_loop(&l);
	}
	feed_close(&l);
	status = hf_pc_set_close(&l.set);
	/* With a command, its status once counting (and writing metrics) went well. */
	if (err || metrics_status)
		return err ? err : metrics_status;
	return status < 0 ? HF_EXIT_OK : status;
}

static int run(int argc, char **argv)
{
	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (hf_pmu_init()) {
		hf_err("libpfm4 failed to initialise");
		return HF_EXIT_FAIL;
	}
	if (args.from)
		return run_from();
	if (args.list_events) {
		const struct hf_mmu_eventset *set;
		char pmu[64];
		struct hf_error e;

		if (hf_mmu_pick_pmu(args.pmu, pmu, sizeof(pmu), &set, &e))
			return hf_fail(&e);
		return list_events(pmu, set);
	}
	return run_live();
}

/* The final check of every write to standard output: a full disk is exit 1. */
int main(int argc, char **argv)
{
	hf_stdout_track();
	return hf_stdout_close(run(argc, argv));
}
