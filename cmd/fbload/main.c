// SPDX-License-Identifier: GPL-2.0
/*
 * fbload: replay fault records through FetchBPF prefetch policies on any
 * kernel to predict their accuracy and coverage; attach a policy to the
 * patched kernel, detach it, list the policies and read their counters.
 *
 * cmd/fbload/ holds what only fbload uses: main.c (the verbs), policies
 * (built in or a user's .bpf.o: parameters, load, attach, pins, counters),
 * driver (records read, filtered and batched into one lane per policy),
 * replay (a lane: the simulated prefetch buffer and its counts), slots
 * (the swap slots a trace's slot records tell of), oracle (the
 * replay --oracle row: the best any policy could do), nativemap (BPF maps
 * in user space for the native engine) and report (its plain and JSON
 * reports).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include "bpfutil.h"
#include "cli.h"
#include "feature.h"
#include "helpers.h"
#include "metrics.h"
#include "report.h"
#include "outfile.h"
#include "output.h"
#include "policies.h"
#include "procfs.h"
#include "driver.h"

#define MAX_POLICIES REPLAY_MAX_POLICIES
#define MAX_SETS 64

/* ---- the commands ---- */

static int do_replay(void), do_attach(void), do_detach(void), do_list(void), do_stats(void),
	   do_verify(void);

/* The operands are policies. */
static const struct hf_verb commands[] = {
	{ "replay", do_replay, 1, MAX_POLICIES, "replay POLICY..." },
	{ "attach", do_attach, 1, 1, "attach POLICY" },
	{ "detach", do_detach, 0, MAX_POLICIES, "detach [POLICY...]" },
	{ "list", do_list, 0, 0, "list" },
	{ "stats", do_stats, 0, 0, "stats" },
	{ "verify", do_verify, 0, MAX_POLICIES, "verify [POLICY...]" },
};

static const struct hf_verb *find_command(const char *name)
{
	return hf_verb_find(commands, ARRAY_SIZE(commands), name);
}

/* ---- options ---- */

static struct args {
	const struct hf_verb *cmd;
	const char *replay;
	const char *sets[MAX_SETS];
	int nsets;
	const char *policies[MAX_POLICIES];
	int npolicies;
	struct replay_opts opts;
	bool decisions;
	uint64_t max_insns;
	double interval;		/* stats: 0, once */
	bool guessed;			/* replay because stdin is not a terminal */
} args = { .max_insns = 1000000, .opts = { .buffer_pages = 4096, .resident = 4096, .batch = FB_REPLAY_BATCH } };

enum { OPT_DETACH = 0x100, OPT_STATS, OPT_BATCH, OPT_DECISIONS, OPT_RESIDENT, OPT_ENGINE,
       OPT_MAX_INSNS, OPT_INTERVAL, OPT_ORACLE };

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Replay (any kernel):", 2 },
	{ "replay", 'r', "FILE", 0, "Replay fault records from FILE ('-': standard input; "
	  "the default) through the POLICYs", 0 },
	{ "buffer", 'b', "PAGES", 0, "Capacity of the simulated prefetch buffer in pages "
	  "(default 4096)", 0 },
	{ "resident", OPT_RESIDENT, "PAGES", 0, "The last PAGES faulted pages count as still "
	  "mapped: requests for them and their swap slots are rejected, as the kernel skips "
	  "pages that are not swapped out (default 4096; 0: off)", 0 },
	{ "all-faults", 'a', NULL, 0, "Replay minor faults too (default: swap-ins, major "
	  "faults and swap-cache hits)", 0 },
	{ "engine", OPT_ENGINE, "native|bpf", 0, "Run the policies as C compiled into fbload "
	  "(native: no root, no BPF, any kernel; the default for built-ins) or as BPF in this "
	  "kernel (the default for a .bpf.o; needs root)", 0 },
	{ "batch", OPT_BATCH, "N", 0, "Records per policy run, 1 to 512 (default 512; 1 gives "
	  "the policy exact hit flags under eviction pressure; a trace with slot records "
	  "replays with 1 unless N is given)", 0 },
	{ "decisions", OPT_DECISIONS, NULL, 0, "Print every fault: hit or miss, and the pages "
	  "its miss requested", 0 },
	{ "oracle", OPT_ORACLE, NULL, 0, "Add the oracle: the coverage of a prefetcher that "
	  "knows the future, with the same buffer, budget and resident pages, and each "
	  "policy's coverage as a share of it (holds the trace's faults in memory)", 0 },
	{ NULL, 0, NULL, 0, "Policies:", 3 },
	{ "set", 'o', "[POLICY.]KEY=VALUE", 0, "Set a policy parameter (repeatable)", 0 },
	{ "max-insns", OPT_MAX_INSNS, "N", 0, "verify: fail when a program needs more than N "
	  "verified instructions (default 1000000, the kernel's limit)", 0 },
	{ "interval", 'i', "SEC", 0, "stats: report every SEC seconds until interrupted (with "
	  "--textfile: rewrite the file)", 0 },
	{ NULL, 0, NULL, 0, "Aliases of the commands:", 4 },
	{ "attach", 'A', NULL, 0, "The attach command", 0 },
	{ "list", 'l', NULL, 0, "The list command", 0 },
	{ "detach", OPT_DETACH, NULL, 0, "The detach command", 0 },
	{ "stats", OPT_STATS, NULL, 0, "The stats command", 0 },
	{ 0 },
};

static const char doc[] =
	"Replay a fault trace through FetchBPF swap-in prefetch policies, or attach one "
	"to the patched kernel.\v"
	"Commands:\n"
	"  replay POLICY...    replay fault records (-r FILE or standard input)\n"
	"                      through the POLICYs, side by side; any kernel\n"
	"  attach POLICY       attach to the patched kernel; stays after exit\n"
	"  detach [POLICY...]  detach the attached policy (or those named)\n"
	"  list                built-in policies, parameters, what is attached\n"
	"  stats               accuracy and coverage from the kernel's counters\n"
	"  verify [POLICY...]  load each policy's BPF programs (all built-ins when\n"
	"                      none is named) and show what the verifier processed\n\n"
	"Without a command: replay when standard input is not a terminal or -r is "
	"given, attach otherwise. POLICY is a built-in name (see fbload list) or the "
	"path of a policy object (./mypolicy.bpf.o). Replay runs built-in policies "
	"natively (compiled into fbload: no root, any kernel) unless --engine bpf asks "
	"for their BPF code in this kernel, which decides alike; a .bpf.o runs as BPF.\n\n"
	"Examples:\n"
	"  fbtrace -p 4242 | fbload leap                 what Leap would catch, live\n"
	"  fbload replay -r trace.txt leap readahead stride\n"
	"  fbload -j replay -r trace.jsonl -o leap.max_window=16 leap next\n"
	"  fbload attach leap                            attach Leap (patched kernel)\n"
	"  fbload stats                                  its accuracy and coverage";

static void set_command(const struct hf_verb *c, struct argp_state *state)
{
	if (args.cmd && args.cmd != c)
		argp_error(state, "replay, attach, detach, list, stats and verify exclude each other");
	args.cmd = c;
}

static void add_policy(char *arg, struct argp_state *state)
{
	char names[128];

	/* The first word may be the command. */
	if (!args.npolicies && find_command(arg)) {
		set_command(find_command(arg), state);
		return;
	}
	if (args.npolicies == MAX_POLICIES)
		argp_error(state, "more than %d policies", MAX_POLICIES);
	if (!fb_policy_is_path(arg) && !fb_builtin_find(arg)) {
		fb_builtin_names(names, sizeof(names));
		argp_error(state, "%s: no such policy (built in: %s; or a path to a .bpf.o)",
			   arg, names);
	}
	args.policies[args.npolicies++] = arg;
}

static void check_args(struct argp_state *state)
{
	/* The pipeline fbtrace ... | fbload leap replays. */
	if (!args.cmd) {
		args.cmd = find_command(args.replay || !isatty(STDIN_FILENO) ? "replay" : "attach");
		args.guessed = args.cmd->run == do_replay;
	}
	if (args.npolicies < args.cmd->min_args)
		argp_error(state, "%s: no POLICY given", args.cmd->name);
	if (args.npolicies > args.cmd->max_args)
		argp_error(state, args.cmd->max_args ? "%s: one policy at a time (several "
			   "are compared with replay)" : "%s takes no POLICY", args.cmd->name);
	if (!args.replay)
		args.replay = "-";
	if (args.decisions && hf_opts.openmetrics)
		argp_error(state, "--decisions and --openmetrics both write to standard output");
	if (args.interval && args.cmd->run != do_stats)
		argp_error(state, "--interval goes with stats");
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'r':
		if (args.replay)
			argp_error(state, "-r %s: -r %s was given already; one trace per replay",
				   arg, args.replay);
		args.replay = arg;
		set_command(find_command("replay"), state);
		break;
	case 'b':
		args.opts.buffer_pages = hf_arg_u64(arg, 1, 1U << 26, "buffer size", state);
		break;
	case 'a':
		args.opts.all_faults = true;
		break;
	case OPT_BATCH:
		args.opts.batch = hf_arg_u64(arg, 1, FB_REPLAY_BATCH, "batch size", state);
		args.opts.batch_given = true;
		break;
	case OPT_RESIDENT:
		args.opts.resident = hf_arg_u64(arg, 0, 1U << 26, "resident pages", state);
		break;
	case OPT_DECISIONS:
		args.decisions = true;
		break;
	case OPT_ORACLE:
		args.opts.oracle = true;
		break;
	case OPT_ENGINE:
		if (!strcmp(arg, "native"))
			args.opts.engine = FB_ENGINE_NATIVE;
		else if (!strcmp(arg, "bpf"))
			args.opts.engine = FB_ENGINE_BPF;
		else
			argp_error(state, "--engine %s: expected native or bpf", arg);
		break;
	case 'i':
		args.interval = hf_arg_seconds(arg, state);
		break;
	case OPT_MAX_INSNS:
		args.max_insns = hf_arg_u64(arg, 1, UINT32_MAX, "instruction count", state);
		break;
	case 'o':
		if (!strchr(arg, '=') || arg[0] == '=')
			argp_error(state, "-o %s: expected KEY=VALUE or POLICY.KEY=VALUE", arg);
		if (args.nsets == MAX_SETS)
			argp_error(state, "more than %d -o options", MAX_SETS);
		args.sets[args.nsets++] = arg;
		break;
	case 'A':
		set_command(find_command("attach"), state);
		break;
	case 'l':
		set_command(find_command("list"), state);
		break;
	case OPT_DETACH:
		set_command(find_command("detach"), state);
		break;
	case OPT_STATS:
		set_command(find_command("stats"), state);
		break;
	case ARGP_KEY_ARG:
		add_policy(arg, state);
		break;
	case ARGP_KEY_END:
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
	"[replay] [-r FILE] POLICY...\nattach POLICY\ndetach [POLICY...]\nlist\nstats\n"
	"verify [POLICY...]",
	doc, children, NULL, NULL,
};

/* ---- replay ---- */

/*
 * Fed by a pipe (fbtrace -p PID | fbload leap), the first Ctrl-C also
 * reaches the writer, which flushes its last records and closes the pipe:
 * fbload reads on to the end, and stops at once only on a second signal.
 */
static int stops_needed(FILE *in)
{
	struct stat st;

	return in == stdin && fstat(STDIN_FILENO, &st) == 0 && S_ISFIFO(st.st_mode) ? 2 : 1;
}

/*
 * SIGINT and SIGHUP count one stop each, SIGTERM stops at once; without
 * SA_RESTART, so that a read blocked on a pipe returns (the reader reads
 * on until enough stops are counted).
 */
static void on_replay_signal(int sig)
{
	hf_stop_signal = sig;
	hf_stop += sig == SIGTERM ? 2 : 1;
}

static void catch_replay_signals(void)
{
	struct sigaction sa = { .sa_handler = on_replay_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int replay_from(struct replay_run *run)
{
	bool from_stdin = !strcmp(args.replay, "-");
	FILE *in = from_stdin ? stdin : fopen(args.replay, "re");
	int err;

	if (!in) {
		hf_err("%s: %s", args.replay, strerror(errno));
		return HF_EXIT_FAIL;
	}
	catch_replay_signals();
	err = replay_run_stream(run, in, from_stdin ? "<stdin>" : args.replay, &hf_stop,
				stops_needed(in));
	if (!from_stdin)
		fclose(in);
	return err;
}

static int do_replay(void)
{
	struct replay_run *run = calloc(1, sizeof(*run));
	int err;

	if (!run)
		return HF_EXIT_FAIL;
	args.opts.sets = args.sets;
	args.opts.nsets = args.nsets;
	args.opts.on_record = args.decisions ? fb_report_decision : NULL;
	err = replay_run_open(run, args.policies, args.npolicies, &args.opts);
	if (!err)
		err = replay_from(run);
	if (!err && !run->records) {
		/* cron, ssh -T, systemd: a stdin that is not a terminal and has nothing */
		hf_err("no fault records in %s%s%s", strcmp(args.replay, "-") ? args.replay :
		       "standard input", run->skipped ? " (only minor faults; -a replays them)" : "",
		       args.guessed ? " (standard input is not a terminal, so fbload replays it; "
		       "fbload attach POLICY attaches)" : "");
		err = HF_EXIT_FAIL;
	}
	if (!err) {
		const char *source = strcmp(args.replay, "-") ? args.replay : "stdin";

		fb_report_replay(run, source);
		if (hf_metrics_wanted())
			err = fb_report_replay_metrics(run, source);
		if (!err)
			err = replay_run_status(run);
	}
	replay_run_close(run);
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
	struct hf_error e;
	int err;

	if (fb_policy_open(&p, args.policies[0], FB_USE_ATTACH, &e))
		return hf_fail(&e);
	if (fb_policy_apply_sets(&p, 1, args.sets, args.nsets, &e)) {
		err = hf_fail(&e);
		goto out;
	}
	if ((err = require_fetchbpf("attaching a policy")))
		goto out;
	if (fb_require_bpf("attaching a policy", NULL, &e) || fb_policy_load(&p, &e) ||
	    fb_policy_attach(&p, &e)) {
		err = hf_fail(&e);
		goto out;
	}
	if (p.pin_err)
		hf_warn("%s: attached, but pinning at %s failed: %s", p.name, p.pin,
			strerror(-p.pin_err));
	if (!err && hf_opts.json) {
		struct json_object *o = json_object_new_object();

		hf_json_set_str(o, "type", "attach");
		hf_json_set_str(o, "policy", p.name);
		json_object_object_add(o, "parameters", fb_report_params_json(&p));
		hf_json_emit(stdout, o);
		json_object_put(o);
	} else if (!err) {
		printf("%s attached; it stays attached after fbload exits (fbload detach "
		       "removes it)\n", p.name);
	}
out:
	fb_policy_close(&p);
	return err;
}

static bool wanted(const char *name)
{
	for (int j = 0; j < args.npolicies; j++)
		if (!strcmp(args.policies[j], name))
			return true;
	return !args.npolicies;
}

static int do_detach(void)
{
	char names[MAX_POLICIES][FB_NAME_LEN];
	struct json_object *done = json_object_new_array();
	struct hf_error e;
	int n, err;

	if ((err = require_fetchbpf("detaching")))
		goto out;
	if (fb_require_bpf("detaching a policy", NULL, &e) || hf_require_bpffs(&e)) {
		err = hf_fail(&e);
		goto out;
	}
	n = fb_pinned_policies(names, MAX_POLICIES);
	for (int i = 0; i < n; i++) {
		if (!wanted(names[i]))
			continue;
		if (fb_policy_detach(names[i], &e)) {
			err = hf_fail(&e);
			continue;
		}
		json_object_array_add(done, json_object_new_string(names[i]));
		if (!hf_opts.json)
			printf("%s detached\n", names[i]);
	}
	if (!json_object_array_length(done) && !err) {
		hf_err("no policy is attached%s", args.npolicies ? " under that name" : "");
		err = HF_EXIT_FAIL;
	} else if (hf_opts.json) {
		struct json_object *o = json_object_new_object();

		hf_json_set_str(o, "type", "detach");
		json_object_object_add(o, "detached", json_object_get(done));
		hf_json_emit(stdout, o);
		json_object_put(o);
	}
out:
	json_object_put(done);
	return err;
}

/*
 * The kernel's counters, per policy attached since boot. As metrics, also
 * the node's swap readahead, which any kernel has (FetchBPF's counters
 * only where it is patched).
 */
static int stats_once(void)
{
	struct fb_kstat k[MAX_POLICIES];
	bool patched = hf_kernel_has_struct(FB_STRUCT_OPS);
	char active[64];
	int n = 0, err;

	if (!patched && !hf_metrics_wanted())
		return require_fetchbpf("reading policy counters");
	if (patched && (n = fb_kernel_stats(k, MAX_POLICIES, active, sizeof(active))) < 0) {
		hf_err("%s/stats: %s; the kernel has the struct_ops type but not the "
		       "counters this fbload reads", FB_SYSFS_DIR, strerror(-n));
		return HF_EXIT_NOFEATURE;
	}
	if (hf_metrics_wanted() && (err = fb_report_stats_metrics(patched ? k : NULL, n, active)))
		return err;
	if (patched && !hf_opts.openmetrics)
		fb_report_stats(k, n, active);
	return HF_EXIT_OK;
}

static int do_stats(void)
{
	int err = stats_once();

	if (!args.interval)
		return err;
	hf_catch_stop_signals();
	while (!err && hf_sleep_s(args.interval, &hf_stop))
		err = stats_once();
	return err;
}

/* ---- verify ---- */

/* Load one build of a policy; a row per program, or one for a refusal. */
static int verify_build(const char *name, enum fb_use use, struct fb_verify_row *rows, int max)
{
	struct fb_prog_insns progs[8];
	struct fb_policy p;
	struct hf_error e;
	int n = 0;

	if (fb_policy_open(&p, name, use, &e))
		return -hf_fail(&e);
	if (fb_policy_load(&p, &e)) {	/* a refusal is a row, not an error */
		rows[n] = (struct fb_verify_row){ .insns = p.load_insns };
		snprintf(rows[n].error, sizeof(rows[n].error), "%s", p.load_error);
		n++;
	} else {
		int np = fb_policy_verified(&p, progs, ARRAY_SIZE(progs));

		for (int i = 0; i < np && n < max; i++, n++) {
			rows[n] = (struct fb_verify_row){ .insns = progs[i].verified_insns };
			snprintf(rows[n].program, sizeof(rows[n].program), "%.31s", progs[i].name);
			rows[n].ok = progs[i].verified_insns <= args.max_insns;
		}
	}
	for (int i = 0; i < n; i++) {
		snprintf(rows[i].policy, sizeof(rows[i].policy), "%s", name);
		rows[i].build = use == FB_USE_ATTACH ? "kernel" : "replay";
	}
	fb_policy_close(&p);
	return n;
}

/* Each named policy (every built-in without names) through this kernel's verifier. */
static int do_verify(void)
{
	static struct fb_verify_row rows[MAX_POLICIES * 16];
	bool patched = hf_kernel_has_struct(FB_STRUCT_OPS);
	const char *names[MAX_POLICIES];
	int n = 0, nnames = args.npolicies;
	struct hf_error e;
	struct utsname u;

	if (fb_require_bpf("fbload verify", NULL, &e))
		return hf_fail(&e);
	memcpy(names, args.policies, sizeof(names));
	if (!nnames) {
		size_t nb;
		const struct fb_builtin *b = fb_builtins(&nb);

		for (size_t i = 0; i < nb && i < MAX_POLICIES; i++)
			names[nnames++] = b[i].name;
	}
	for (int i = 0; i < nnames; i++) {
		int got = verify_build(names[i], FB_USE_REPLAY_BPF, rows + n, 8);

		if (got < 0)
			return -got;
		n += got;
		if (patched && (got = verify_build(names[i], FB_USE_ATTACH, rows + n, 8)) > 0)
			n += got;
	}
	uname(&u);
	fb_report_verify(rows, n, u.release, args.max_insns);
	for (int i = 0; i < n; i++)
		if (!rows[i].ok)
			return HF_EXIT_FAIL;
	return HF_EXIT_OK;
}

static int do_list(void)
{
	fb_report_list();
	return HF_EXIT_OK;
}

int main(int argc, char **argv)
{
	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	/* every write checked: a full disk is an error, and a replay stops */
	hf_stdout_track();
	setvbuf(stdout, NULL, _IOLBF, 0);
	hf_libbpf_init();
	return hf_stdout_close(args.cmd->run());
}
