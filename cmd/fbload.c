// SPDX-License-Identifier: GPL-2.0
/*
 * fbload: attach FetchBPF prefetch policies to the patched kernel, list and
 * detach them, read their counters; and replay fault records through
 * policies on any kernel to predict their accuracy and coverage.
 */
#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "clock.h"
#include "bpfutil.h"
#include "cli.h"
#include "feature.h"
#include "output.h"
#include "policylib.h"
#include "procfs.h"
#include "record.h"
#include "replay.h"
#include "policies.h"

#define MAX_POLICIES 16
#define MAX_SETS 64
#define MAX_PARAMS 16

/* ---- built-in policies (bpf/policies/, embedded by mk/fbload.mk) ---- */

struct builtin {
	const char *name;
	const void *(*replay_elf)(size_t *size);
	const void *(*kern_elf)(size_t *size);
};

static const struct builtin builtins[] = { FB_BUILTIN_POLICIES };

static const char *builtin_summary(const char *name)
{
	static const struct { const char *name, *text; } text[] = {
		{ "leap", "Leap: majority trend of fault deltas, window grows with hits" },
		{ "readahead", "the kernel's VMA-based swap readahead, as a policy" },
		{ "stride", "per-stream stride detection" },
		{ "next", "the next N pages after the fault" },
		{ "streams", "several strided streams per process, else the kernel's readahead" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(text); i++)
		if (!strcmp(text[i].name, name))
			return text[i].text;
	return "";
}

static const struct builtin *find_builtin(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(builtins); i++)
		if (!strcmp(builtins[i].name, name))
			return &builtins[i];
	return NULL;
}

static bool is_path(const char *s)
{
	size_t n = strlen(s);

	return strchr(s, '/') || (n > 2 && !strcmp(s + n - 2, ".o"));
}

/* ---- signals ---- */

/*
 * SIGINT, SIGTERM, SIGHUP end a replay and print what was counted. Fed by
 * a pipe (fbtrace -p PID | fbload leap), the first Ctrl-C also reaches the
 * writer, which flushes its last records and closes the pipe: fbload reads
 * on to the end, and stops at once only on a second signal.
 */
static volatile sig_atomic_t stops;
static int stops_needed = 1;

static void on_stop(int sig)
{
	stops++;
}

static void catch_stops(bool from_pipe)
{
	struct sigaction sa = { .sa_handler = on_stop, .sa_flags = SA_RESTART };
	struct stat st;

	if (from_pipe && fstat(STDIN_FILENO, &st) == 0 && S_ISFIFO(st.st_mode))
		stops_needed = 2;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* ---- libbpf's messages ---- */

#define VERIFIER_TAIL 20

/*
 * Like hf_libbpf_init()'s printer, but a verifier log (thousands of lines
 * for a large program) is cut to its last lines, which hold the reason,
 * unless -v asks for all of it.
 */
static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *msg, *log, *end;
	int lines = 0;

	if (level == LIBBPF_DEBUG && !hf_opts.verbose)
		return 0;
	if (vasprintf(&msg, fmt, ap) < 0)
		return 0;
	log = strstr(msg, "-- BEGIN PROG LOAD LOG --\n");
	end = log ? strstr(log, "-- END PROG LOAD LOG --") : NULL;
	if (hf_opts.verbose || !end) {
		fputs(msg, stderr);
		free(msg);
		return 0;
	}
	log += strlen("-- BEGIN PROG LOAD LOG --\n");
	for (char *c = end - 1; c > log; c--) {
		if (*c == '\n' && ++lines > VERIFIER_TAIL) {
			fprintf(stderr, "%.*s[... verifier log cut to its last %d lines; -v shows "
				"all ...]\n%s", (int)(log - msg), msg, VERIFIER_TAIL, c + 1);
			free(msg);
			return 0;
		}
	}
	fputs(msg, stderr);
	free(msg);
	return 0;
}

/* ---- options ---- */

enum mode { MODE_AUTO, MODE_ATTACH, MODE_REPLAY, MODE_LIST, MODE_DETACH, MODE_STATS };

static struct args {
	enum mode mode;
	const char *replay;
	const char *sets[MAX_SETS];
	int nsets;
	const char *policies[MAX_POLICIES];
	int npolicies;
	uint32_t buffer_pages;
	uint32_t resident;
	uint32_t batch;
	bool all_faults;
	bool decisions;
} args = { .buffer_pages = 4096, .resident = 4096, .batch = FB_REPLAY_BATCH };

enum { OPT_DETACH = 0x100, OPT_STATS, OPT_BATCH, OPT_DECISIONS, OPT_RESIDENT };

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Replay (any kernel):", 2 },
	{ "replay", 'r', "FILE", 0, "Replay fault records from FILE ('-': standard input) "
	  "through the POLICYs", 0 },
	{ "buffer", 'b', "PAGES", 0, "Capacity of the simulated prefetch buffer in pages "
	  "(default 4096)", 0 },
	{ "resident", OPT_RESIDENT, "PAGES", 0, "The last PAGES faulted pages count as still "
	  "mapped: requests for them are rejected, as the kernel skips pages that are not "
	  "swapped out (default 4096; 0: off)", 0 },
	{ "all-faults", 'a', NULL, 0, "Replay minor faults too (default: swap-ins, major "
	  "faults and swap-cache hits)", 0 },
	{ "batch", OPT_BATCH, "N", 0, "Records per BPF run, 1 to 512 (default 512; 1 gives "
	  "the policy exact hit flags under eviction pressure)", 0 },
	{ "decisions", OPT_DECISIONS, NULL, 0, "Print every fault: hit or miss, and the pages "
	  "its miss requested", 0 },
	{ NULL, 0, NULL, 0, "Policies:", 3 },
	{ "set", 'o', "[POLICY.]KEY=VALUE", 0, "Set a policy parameter (repeatable)", 0 },
	{ NULL, 0, NULL, 0, "The patched kernel:", 4 },
	{ "attach", 'A', NULL, 0, "Attach POLICY even when standard input is not a terminal", 0 },
	{ "list", 'l', NULL, 0, "List the built-in policies and what is attached", 0 },
	{ "detach", OPT_DETACH, NULL, 0, "Detach the attached policy (or the POLICYs named)", 0 },
	{ "stats", OPT_STATS, NULL, 0, "Accuracy and coverage from the kernel's counters", 0 },
	{ 0 },
};

static const char doc[] =
	"Load FetchBPF swap-in prefetch policies, or replay a fault trace through them.\v"
	"POLICY is a built-in name (leap, readahead, stride, next) or the path of a "
	"policy object (./mypolicy.bpf.o). With --replay, or when standard input is not "
	"a terminal, the fault records are replayed through every POLICY on the running "
	"kernel (no patched kernel needed) and compared side by side. Otherwise the one "
	"POLICY is attached to the patched kernel and stays attached after fbload exits.\n\n"
	"Examples:\n"
	"  fbtrace -p 4242 | fbload leap                 what Leap would catch, live\n"
	"  fbload --replay trace.txt leap readahead stride\n"
	"  fbload -j -r trace.jsonl -o leap.max_window=16 leap next\n"
	"  fbload leap                                   attach Leap (patched kernel)\n"
	"  fbload --stats                                its accuracy and coverage";

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	enum mode m = MODE_AUTO;

	switch (key) {
	case 'r':
		args.replay = arg;
		m = MODE_REPLAY;
		break;
	case 'b':
		args.buffer_pages = hf_arg_u64(arg, 1, 1U << 26, "buffer size", state);
		break;
	case 'a':
		args.all_faults = true;
		break;
	case OPT_BATCH:
		args.batch = hf_arg_u64(arg, 1, FB_REPLAY_BATCH, "batch size", state);
		break;
	case OPT_RESIDENT:
		args.resident = hf_arg_u64(arg, 0, 1U << 26, "resident pages", state);
		break;
	case OPT_DECISIONS:
		args.decisions = true;
		break;
	case 'o':
		if (!strchr(arg, '=') || arg[0] == '=')
			argp_error(state, "-o %s: expected KEY=VALUE or POLICY.KEY=VALUE", arg);
		if (args.nsets == MAX_SETS)
			argp_error(state, "more than %d -o options", MAX_SETS);
		args.sets[args.nsets++] = arg;
		break;
	case 'A':
		m = MODE_ATTACH;
		break;
	case 'l':
		m = MODE_LIST;
		break;
	case OPT_DETACH:
		m = MODE_DETACH;
		break;
	case OPT_STATS:
		m = MODE_STATS;
		break;
	case ARGP_KEY_ARG:
		if (args.npolicies == MAX_POLICIES)
			argp_error(state, "more than %d policies", MAX_POLICIES);
		if (!is_path(arg) && !find_builtin(arg))
			argp_error(state, "%s: no such policy (built in: leap, readahead, stride, "
				   "next; or a path to a .bpf.o)", arg);
		args.policies[args.npolicies++] = arg;
		break;
	case ARGP_KEY_END:
		if (args.mode == MODE_AUTO)
			args.mode = args.replay ? MODE_REPLAY : isatty(STDIN_FILENO) ?
				    MODE_ATTACH : MODE_REPLAY;
		if ((args.mode == MODE_ATTACH || args.mode == MODE_REPLAY) && !args.npolicies)
			argp_error(state, "no POLICY given");
		if (args.mode == MODE_ATTACH && args.npolicies > 1)
			argp_error(state, "one policy can be attached at a time "
				   "(several are compared with --replay)");
		if ((args.mode == MODE_LIST || args.mode == MODE_STATS) && args.npolicies)
			argp_error(state, "--list and --stats take no POLICY");
		if (args.mode == MODE_REPLAY && !args.replay)
			args.replay = "-";
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	if (m != MODE_AUTO) {
		if (args.mode != MODE_AUTO && args.mode != m)
			argp_error(state, "--replay, --attach, --list, --detach and --stats "
				   "exclude each other");
		args.mode = m;
	}
	return 0;
}

static const struct argp_child children[] = { HF_COMMON_CHILD, { 0 } };
static const struct argp argp = {
	options, parse_opt,
	"POLICY...\n--replay FILE POLICY...\n--list | --detach [POLICY] | --stats",
	doc, children, NULL, NULL,
};

/* ---- opening policies and their parameters ---- */

static int open_policy(struct fb_policy *p, const char *name, bool replay)
{
	const struct builtin *b;
	const void *elf;
	size_t size;

	if (is_path(name)) {
		char sibling[PATH_MAX];
		size_t len = strlen(name);

		/* X.bpf.o for replay: its replay build X.replay.bpf.o, if there. */
		if (replay && len > 6 && !strcmp(name + len - 6, ".bpf.o") &&
		    (len < 13 || strcmp(name + len - 13, ".replay.bpf.o")) &&
		    snprintf(sibling, sizeof(sibling), "%.*s.replay.bpf.o", (int)(len - 6),
			     name) < (int)sizeof(sibling) && access(sibling, R_OK) == 0) {
			hf_debug("%s: replaying its replay build %s", name, sibling);
			name = sibling;
		}
		return fb_policy_open_file(p, name, replay);
	}
	b = find_builtin(name);
	elf = replay ? b->replay_elf(&size) : b->kern_elf(&size);
	return fb_policy_open_mem(p, name, elf, size, replay);
}

static bool has_param(const struct fb_policy *p, const char *key)
{
	struct fb_param params[MAX_PARAMS];
	int n = fb_policy_params(p, params, MAX_PARAMS);

	for (int i = 0; i < n; i++)
		if (!strcmp(params[i].name, key))
			return true;
	return false;
}

/* Apply every -o to the policies it names (or that have the key). */
static int apply_sets(struct fb_policy *pol, int n)
{
	for (int s = 0; s < args.nsets; s++) {
		char buf[256], *eq, *key, *dot;
		const char *only = NULL;
		int applied = 0, err;

		snprintf(buf, sizeof(buf), "%s", args.sets[s]);
		eq = strchr(buf, '=');
		*eq = '\0';
		key = buf;
		dot = strrchr(buf, '.');
		if (dot) {
			*dot = '\0';
			only = buf;
			key = dot + 1;
		}
		for (int i = 0; i < n; i++) {
			if (only && strcmp(only, pol[i].name))
				continue;
			if (!only && n > 1 && !has_param(&pol[i], key))
				continue;
			if ((err = fb_policy_set(&pol[i], key, eq + 1)))
				return err;
			applied++;
		}
		if (!applied) {
			hf_err("-o %s: %s", args.sets[s], only ?
			       "no such policy on the command line" : "no policy has this parameter");
			return HF_EXIT_USAGE;
		}
	}
	return HF_EXIT_OK;
}

static struct json_object *params_json(const struct fb_policy *p)
{
	struct fb_param params[MAX_PARAMS];
	struct json_object *o = json_object_new_object();
	int n = fb_policy_params(p, params, MAX_PARAMS);

	for (int i = 0; i < n; i++)
		hf_json_set_u64(o, params[i].name, params[i].value);
	return o;
}

static void params_text(const struct fb_policy *p, char *buf, size_t len)
{
	struct fb_param params[MAX_PARAMS];
	int n = fb_policy_params(p, params, MAX_PARAMS);

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		size_t used = strlen(buf);

		snprintf(buf + used, len - used, "%s%.40s=%llu", i ? " " : "", params[i].name,
			 (unsigned long long)params[i].value);
	}
}

/* ---- replay ---- */

struct replay_run {
	struct fb_policy pol[MAX_POLICIES];
	struct replay_lane lane[MAX_POLICIES];
	int n;
	uint64_t records, skipped, duration_ns;
};

static int feed(struct replay_run *run, const struct fault_record *recs, uint32_t n)
{
	for (int i = 0; i < run->n; i++) {
		int err = replay_lane_batch(&run->lane[i], recs, n);

		if (err) {
			hf_err("%s: running the replay program: %s", run->pol[i].name,
			       strerror(-err));
			return HF_EXIT_FAIL;
		}
	}
	return HF_EXIT_OK;
}

static int replay_stream(struct replay_run *run, FILE *in, const char *name)
{
	static struct fault_record recs[FB_REPLAY_BATCH];
	struct record_reader *rd = record_reader_new(in, name);
	uint32_t n = 0;
	int ret = 0, err = HF_EXIT_OK;
	uint64_t start = hf_now_ns();

	if (!rd) {
		hf_err("%s: %s", name, strerror(errno));
		return HF_EXIT_FAIL;
	}
	while (stops < stops_needed && (ret = record_read(rd, &recs[n])) > 0) {
		if (!replay_wants(&recs[n], args.all_faults)) {
			run->skipped++;
			continue;
		}
		run->records++;
		if (++n == args.batch) {
			if ((err = feed(run, recs, n)))
				break;
			n = 0;
		}
	}
	if (!err && ret < 0) {
		hf_err("%s", record_reader_error(rd));
		err = HF_EXIT_FAIL;
	}
	if (!err && n)
		err = feed(run, recs, n);
	run->duration_ns = hf_now_ns() - start;
	record_reader_free(rd);
	return err;
}

static struct json_object *stats_json(const struct replay_stats *s)
{
	struct json_object *o = json_object_new_object();

	hf_json_set_u64(o, "faults", s->faults);
	hf_json_set_u64(o, "prefetched", s->prefetched);
	hf_json_set_u64(o, "hits", s->hits);
	hf_json_set_u64(o, "misses", s->faults - s->hits);
	json_object_object_add(o, "accuracy", json_object_new_double(replay_accuracy(s)));
	json_object_object_add(o, "coverage", json_object_new_double(replay_coverage(s)));
	hf_json_set_u64(o, "redundant_requests", s->redundant);
	hf_json_set_u64(o, "rejected_requests", s->rejected);
	hf_json_set_u64(o, "evicted_unused", s->evicted);
	hf_json_set_u64(o, "hit_flag_mismatches", s->feedback_diff);
	return o;
}

static void print_replay(const struct replay_run *run)
{
	double rate = run->duration_ns ? run->records * 1e9 / run->duration_ns : 0;

	if (hf_opts.json) {
		struct json_object *o = json_object_new_object();
		struct json_object *arr = json_object_new_array();

		hf_json_set_str(o, "type", "replay");
		hf_json_set_str(o, "source", strcmp(args.replay, "-") ? args.replay : "stdin");
		hf_json_set_u64(o, "buffer_pages", args.buffer_pages);
		hf_json_set_u64(o, "resident_pages", args.resident);
		hf_json_set_u64(o, "records", run->records);
		hf_json_set_u64(o, "skipped_records", run->skipped);
		hf_json_set_u64(o, "duration_ns", run->duration_ns);
		hf_json_set_u64(o, "records_per_sec", (uint64_t)rate);
		for (int i = 0; i < run->n; i++) {
			struct json_object *p = stats_json(&run->lane[i].st);

			hf_json_set_str(p, "policy", run->pol[i].name);
			json_object_object_add(p, "parameters", params_json(&run->pol[i]));
			json_object_array_add(arr, p);
		}
		json_object_object_add(o, "policies", arr);
		hf_json_emit(stdout, o);
		json_object_put(o);
		return;
	}
	printf("%-12s %10s %10s %10s %10s %8s %8s\n", "POLICY", "FAULTS", "PREFETCHED",
	       "HITS", "MISSES", "ACCURACY", "COVERAGE");
	for (int i = 0; i < run->n; i++) {
		const struct replay_stats *s = &run->lane[i].st;

		printf("%-12s %10llu %10llu %10llu %10llu %8.3f %8.3f\n", run->pol[i].name,
		       (unsigned long long)s->faults, (unsigned long long)s->prefetched,
		       (unsigned long long)s->hits, (unsigned long long)(s->faults - s->hits),
		       replay_accuracy(s), replay_coverage(s));
	}
	if (!run->records)
		hf_warn("no fault records to replay%s", run->skipped ?
			" (only minor faults; -a replays them)" : "");
	hf_debug("%llu records (%llu skipped) in %.3f s: %.0f records/s per policy lane, "
		 "buffer %u pages", (unsigned long long)run->records,
		 (unsigned long long)run->skipped, run->duration_ns / 1e9, rate,
		 args.buffer_pages);
	for (int i = 0; i < run->n; i++) {
		const struct replay_stats *s = &run->lane[i].st;

		if (s->feedback_diff)
			hf_debug("%s: %llu faults were hits the policy saw as misses or back "
				 "(buffer evictions within a batch; --batch 1 is exact)",
				 run->pol[i].name, (unsigned long long)s->feedback_diff);
	}
}

/* --decisions: one line (or JSON object) per replayed fault. */
static void print_decision(void *ctx, const struct fault_record *r, bool hit,
			   const uint64_t *req, uint32_t nreq)
{
	const char *policy = ctx;

	if (hf_opts.json) {
		struct json_object *o = json_object_new_object();
		struct json_object *arr = json_object_new_array();

		hf_json_set_str(o, "type", "decision");
		hf_json_set_str(o, "policy", policy);
		hf_json_set_u64(o, "pid", r->pid);
		json_object_object_add(o, "addr", hf_json_addr(r->addr));
		json_object_object_add(o, "hit", json_object_new_boolean(hit));
		for (uint32_t i = 0; i < nreq; i++)
			json_object_array_add(arr, req[i] & FB_REPLAY_PHYS ?
					      hf_json_u64(req[i] & FB_REPLAY_PAGE_MASK) :
					      hf_json_addr(req[i] << 12));
		json_object_object_add(o, "prefetch", arr);
		hf_json_emit(stdout, o);
		json_object_put(o);
		return;
	}
	printf("%s %d 0x%llx %s", policy, r->pid, (unsigned long long)r->addr,
	       hit ? "hit" : "miss");
	for (uint32_t i = 0; i < nreq; i++) {
		if (req[i] & FB_REPLAY_PHYS)
			printf(" slot:%llu", (unsigned long long)(req[i] & FB_REPLAY_PAGE_MASK));
		else
			printf(" 0x%llx", (unsigned long long)(req[i] << 12));
	}
	putchar('\n');
}

static int do_replay(void)
{
	struct replay_run *run = calloc(1, sizeof(*run));
	FILE *in = stdin;
	int err = HF_EXIT_OK;

	if (!run)
		return HF_EXIT_FAIL;
	if ((err = hf_require_bpf_privileges()))
		goto out;
	for (int i = 0; i < args.npolicies; i++) {
		if ((err = open_policy(&run->pol[i], args.policies[i], true)))
			goto out;
		run->n++;
	}
	if ((err = apply_sets(run->pol, run->n)))
		goto out;
	for (int i = 0; i < run->n; i++) {
		if ((err = fb_policy_load(&run->pol[i])))
			goto out;
		if (replay_lane_init(&run->lane[i], run->pol[i].name, fb_policy_run_batch,
				     &run->pol[i], run->pol[i].batch, args.buffer_pages,
				     args.resident)) {
			hf_err("a %u-page prefetch buffer: %s", args.buffer_pages, strerror(ENOMEM));
			err = HF_EXIT_FAIL;
			goto out;
		}
		if (args.decisions) {
			run->lane[i].on_record = print_decision;
			run->lane[i].record_ctx = run->pol[i].name;
		}
	}
	if (strcmp(args.replay, "-")) {
		in = fopen(args.replay, "re");
		if (!in) {
			hf_err("%s: %s", args.replay, strerror(errno));
			err = HF_EXIT_FAIL;
			goto out;
		}
	} else if (isatty(STDIN_FILENO)) {
		hf_warn("reading fault records from the terminal (end with Ctrl-D)");
	}
	catch_stops(in == stdin);
	err = replay_stream(run, in, strcmp(args.replay, "-") ? args.replay : "<stdin>");
	if (!err)
		print_replay(run);
out:
	if (in && in != stdin)
		fclose(in);
	for (int i = 0; i < run->n; i++) {
		replay_lane_free(&run->lane[i]);
		fb_policy_close(&run->pol[i]);
	}
	free(run);
	return err;
}

/* ---- the patched kernel ---- */

static int require_fetchbpf(const char *what)
{
	if (hf_kernel_has_struct(FB_STRUCT_OPS))
		return HF_EXIT_OK;
	hf_err("%s: this kernel lacks the FetchBPF patches (no struct %s in its BTF); boot "
	       "a kernel built from kernel-patches/, or replay a trace instead: "
	       "fbtrace ... | fbload leap", what, FB_STRUCT_OPS);
	return HF_EXIT_NOFEATURE;
}

static int do_attach(void)
{
	struct fb_policy p;
	int err;

	if ((err = open_policy(&p, args.policies[0], false)))
		goto out;
	if ((err = apply_sets(&p, 1)) || (err = require_fetchbpf("attaching a policy")) ||
	    (err = hf_require_bpf_privileges()) || (err = fb_policy_load(&p)) ||
	    (err = fb_policy_attach(&p)))
		goto out;
	if (hf_opts.json) {
		struct json_object *o = json_object_new_object();

		hf_json_set_str(o, "type", "attach");
		hf_json_set_str(o, "policy", p.name);
		json_object_object_add(o, "parameters", params_json(&p));
		hf_json_emit(stdout, o);
		json_object_put(o);
	} else {
		printf("%s attached; it stays attached after fbload exits (fbload --detach "
		       "removes it)\n", p.name);
	}
out:
	fb_policy_close(&p);
	return err;
}

/* Names of the policies pinned under FB_PIN_DIR; returns the count. */
static int pinned_policies(char names[][64], int max)
{
	DIR *d = opendir(FB_PIN_DIR);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max)
		if (e->d_name[0] != '.')
			snprintf(names[n++], 64, "%.63s", e->d_name);
	closedir(d);
	return n;
}

static int do_detach(void)
{
	char names[MAX_POLICIES][64], pin[256];
	int n, done = 0, err;
	uint32_t zero = 0;

	if ((err = require_fetchbpf("detaching")) || (err = hf_require_bpf_privileges()) ||
	    (err = hf_require_bpffs()))
		return err;
	n = pinned_policies(names, MAX_POLICIES);
	for (int i = 0; i < n; i++) {
		bool wanted = !args.npolicies;
		int fd;

		for (int j = 0; j < args.npolicies; j++)
			wanted |= !strcmp(args.policies[j], names[i]);
		if (!wanted)
			continue;
		snprintf(pin, sizeof(pin), "%s/%.63s", FB_PIN_DIR, names[i]);
		fd = bpf_obj_get(pin);
		if (fd < 0 || (bpf_map_delete_elem(fd, &zero) && errno != ENOENT)) {
			hf_err("%s: detaching: %s", pin, strerror(errno));
			err = HF_EXIT_FAIL;
		} else {
			unlink(pin);
			printf("%s detached\n", names[i]);
			done++;
		}
		if (fd >= 0)
			close(fd);
	}
	if (!done && !err) {
		hf_err("no policy is attached%s", args.npolicies ? " under that name" : "");
		return HF_EXIT_FAIL;
	}
	return err;
}

/* The kernel's counters, per policy that has been attached since boot. */
static int do_stats(void)
{
	struct fb_kstat k[MAX_POLICIES];
	char active[64];
	int n, err = require_fetchbpf("reading policy counters");

	if (err)
		return err;
	n = fb_kernel_stats(k, MAX_POLICIES, active, sizeof(active));
	if (n < 0) {
		hf_err("%s/stats: %s; the kernel has the struct_ops type but not the "
		       "counters this fbload reads", FB_SYSFS_DIR, strerror(-n));
		return HF_EXIT_NOFEATURE;
	}
	if (hf_opts.json) {
		struct json_object *o = json_object_new_object();
		struct json_object *arr = json_object_new_array();

		hf_json_set_str(o, "type", "stats");
		hf_json_set_str(o, "active", active);
		for (int i = 0; i < n; i++) {
			struct json_object *p = json_object_new_object();

			hf_json_set_str(p, "policy", k[i].name);
			json_object_object_add(p, "active",
					       json_object_new_boolean(!strcmp(k[i].name, active)));
			hf_json_set_u64(p, "faults", k[i].faults);
			hf_json_set_u64(p, "prefetched", k[i].prefetched);
			hf_json_set_u64(p, "hits", k[i].hits);
			hf_json_set_u64(p, "rejected", k[i].rejected);
			json_object_object_add(p, "accuracy", json_object_new_double(
				k[i].prefetched ? (double)k[i].hits / k[i].prefetched : 0));
			json_object_object_add(p, "coverage", json_object_new_double(
				k[i].faults ? (double)k[i].hits / k[i].faults : 0));
			json_object_array_add(arr, p);
		}
		json_object_object_add(o, "policies", arr);
		hf_json_emit(stdout, o);
		json_object_put(o);
		return HF_EXIT_OK;
	}
	printf("%-17s %10s %10s %10s %10s %8s %8s\n", "POLICY", "FAULTS", "PREFETCHED", "HITS",
	       "REJECTED", "ACCURACY", "COVERAGE");
	for (int i = 0; i < n; i++)
		printf("%-16s%s %10llu %10llu %10llu %10llu %8.3f %8.3f\n", k[i].name,
		       strcmp(k[i].name, active) ? " " : "*", (unsigned long long)k[i].faults,
		       (unsigned long long)k[i].prefetched, (unsigned long long)k[i].hits,
		       (unsigned long long)k[i].rejected,
		       k[i].prefetched ? (double)k[i].hits / k[i].prefetched : 0,
		       k[i].faults ? (double)k[i].hits / k[i].faults : 0);
	printf("%s\n", strcmp(active, "none") ? "* attached now" :
	       "no policy is attached now");
	return HF_EXIT_OK;
}

static int do_list(void)
{
	char names[MAX_POLICIES][64], active[64] = "none";
	struct fb_kstat k[MAX_POLICIES], *cur = NULL;
	bool patched = hf_kernel_has_struct(FB_STRUCT_OPS);
	int n = patched ? pinned_policies(names, MAX_POLICIES) : 0, nk = 0;
	struct json_object *o = NULL, *arr = NULL, *pins;

	if (patched && (nk = fb_kernel_stats(k, MAX_POLICIES, active, sizeof(active))) < 0)
		snprintf(active, sizeof(active), "unknown");
	for (int i = 0; i < nk; i++)
		if (!strcmp(k[i].name, active))
			cur = &k[i];
	if (hf_opts.json) {
		o = json_object_new_object();
		arr = json_object_new_array();
		hf_json_set_str(o, "type", "policies");
		json_object_object_add(o, "builtin", arr);
	} else {
		printf("%-10s %-58s %s\n", "POLICY", "DESCRIPTION", "PARAMETERS");
	}
	for (size_t i = 0; i < ARRAY_SIZE(builtins); i++) {
		const char *name = builtins[i].name;
		struct fb_policy p;
		char text[256];

		if (open_policy(&p, name, true))
			continue;
		if (arr) {
			struct json_object *b = json_object_new_object();

			hf_json_set_str(b, "policy", name);
			hf_json_set_str(b, "description", builtin_summary(name));
			json_object_object_add(b, "parameters", params_json(&p));
			json_object_array_add(arr, b);
		} else {
			params_text(&p, text, sizeof(text));
			printf("%-10s %-58s %s\n", name, builtin_summary(name), text);
		}
		fb_policy_close(&p);
	}
	if (o) {
		pins = json_object_new_array();
		for (int i = 0; i < n; i++)
			json_object_array_add(pins, json_object_new_string(names[i]));
		json_object_object_add(o, "pinned", pins);
		hf_json_set_str(o, "active", active);
		if (cur) {
			struct json_object *c = json_object_new_object();

			hf_json_set_u64(c, "faults", cur->faults);
			hf_json_set_u64(c, "prefetched", cur->prefetched);
			hf_json_set_u64(c, "hits", cur->hits);
			hf_json_set_u64(c, "rejected", cur->rejected);
			json_object_object_add(o, "active_counters", c);
		}
		json_object_object_add(o, "kernel_has_fetchbpf", json_object_new_boolean(patched));
		hf_json_emit(stdout, o);
		json_object_put(o);
	} else if (!patched) {
		printf("\nattached: none (this kernel lacks the FetchBPF patches; "
		       "replay works anywhere: fbload --replay FILE POLICY...)\n");
	} else {
		printf("\nattached: %s", active);
		if (n)
			printf(" (pinned under %s:", FB_PIN_DIR);
		for (int i = 0; i < n; i++)
			printf(" %s", names[i]);
		printf("%s\n", n ? ")" : "");
		if (cur)
			printf("counters: %llu faults, %llu prefetched, %llu hits, %llu rejected "
			       "(fbload --stats)\n", (unsigned long long)cur->faults,
			       (unsigned long long)cur->prefetched, (unsigned long long)cur->hits,
			       (unsigned long long)cur->rejected);
	}
	return HF_EXIT_OK;
}

int main(int argc, char **argv)
{
	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	hf_libbpf_init();
	libbpf_set_print(print_libbpf);

	switch (args.mode) {
	case MODE_REPLAY:
		return do_replay();
	case MODE_ATTACH:
		return do_attach();
	case MODE_LIST:
		return do_list();
	case MODE_DETACH:
		return do_detach();
	case MODE_STATS:
		return do_stats();
	default:
		return HF_EXIT_USAGE;
	}
}
