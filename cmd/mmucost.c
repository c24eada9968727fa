// SPDX-License-Identifier: GPL-2.0
/* mmucost: MMU overhead (page-walk cycles / unhalted cycles) from hardware counters. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "cli.h"
#include "output.h"
#include "perfstat.h"
#include "pmu.h"
#include "procfs.h"
#include "proclist.h"
#include "spawn.h"

static struct args {
	pid_t pid;
	double interval, duration;
	const char *from;
	const char *pmu;
	bool list_events;
	char **command;
} args = { .interval = 1.0 };

enum { OPT_FROM = 0x100, OPT_LIST, OPT_PMU };

static const struct argp_option options[] = {
	{ "pid", 'p', "PID", 0, "Measure this process (all its threads)", 0 },
	{ "interval", 'i', "SEC", 0, "Report every SEC seconds (default 1)", 0 },
	{ "duration", 'd', "SEC", 0, "Stop after SEC seconds", 0 },
	{ "from", OPT_FROM, "FILE", 0, "Compute the report from counts recorded by "
	  "`perf stat -x,` (with or without -I) in FILE, or - for standard input", 0 },
	{ "list-events", OPT_LIST, NULL, 0, "List the events and their raw encodings", 0 },
	{ "pmu", OPT_PMU, "NAME", 0, "With --list-events: a libpfm4 PMU name (skx, spr, "
	  "hsw_ep, amd64_fam19h_zen3, ...) instead of this CPU's", 0 },
	{ 0 },
};

static const char doc[] =
	"Measure MMU overhead: the share of unhalted cycles spent in page walks.\v"
	"Counts page-walk cycles for loads, stores and instruction fetches, and unhalted "
	"cycles, with perf_event_open and events encoded by libpfm4 for this CPU. AMD "
	"CPUs have no page-walk cycle event: there the report is page walks per 1000 "
	"instructions, which is not a cycle fraction. A command after '--' is started "
	"and measured with its children.\n\n"
	"Examples:\n"
	"  mmucost -p 4242                     every second, until interrupted\n"
	"  mmucost -i 5 -d 60 -j -- ./workload\n"
	"  mmucost --list-events --pmu skx     events and raw encodings for Skylake-SP\n"
	"  perf stat -x, -I 1000 -e ... -p 4242 2> counts.csv; mmucost --from counts.csv";

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'p':
		args.pid = hf_arg_pid(arg, state);
		break;
	case 'i':
		args.interval = hf_arg_seconds(arg, state);
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
	case ARGP_KEY_ARGS:
		args.command = state->argv + state->next;
		break;
	case ARGP_KEY_END:
		if (!!args.pid + !!args.command + !!args.from + args.list_events != 1)
			argp_error(state, "give one of -p PID, -- COMMAND, --from FILE, --list-events");
		if (args.pmu && !args.list_events)
			argp_error(state, "--pmu goes with --list-events");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child children[] = { HF_COMMON_CHILD, { 0 } };
static const struct argp argp = { options, parse_opt, "[-- COMMAND [ARG...]]", doc,
				  children, NULL, NULL };

/* ---- reporting ---- */

/* Fractions to 6 significant digits, not json-c's 17. */
static struct json_object *json_ratio(double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.6g", v);
	return json_object_new_double_s(v, buf);
}

/* One report line; time_s < 0: a whole run (perf stat without -I). */
static void print_interval(double time_s, const struct hf_mmu_counts *c)
{
	struct hf_mmu_result r;
	bool ok = hf_mmu_compute(c, &r) == 0;
	char when[32] = "total";

	if (time_s >= 0)
		snprintf(when, sizeof(when), "%.3f", time_s);

	if (hf_opts.json) {
		struct json_object *o = json_object_new_object();

		hf_json_set_str(o, "type", "interval");
		if (time_s >= 0)
			hf_json_set_u64(o, "time_ns", time_s * 1e9 + 0.5);
		for (int i = 0; i < HF_MMU_NROLES; i++)
			if (c->have & 1u << i)
				hf_json_set_u64(o, hf_mmu_role_key[i], c->v[i]);
		hf_json_set_str(o, "metric", r.metric == HF_MMU_CYCLE_FRACTION ?
			       "walk_cycle_fraction" : "walks_per_kilo_instruction");
		json_object_object_add(o, "mmu_overhead", ok ? json_ratio(r.value) : NULL);
		hf_json_emit(stdout, o);
		json_object_put(o);
		return;
	}
	if (!ok)
		printf("%10s %14s %14s  (no base count: cycles or instructions missing)\n",
		       when, "-", "-");
	else if (r.metric == HF_MMU_CYCLE_FRACTION)
		printf("%10s %14llu %14llu %13.2f%%\n", when, (unsigned long long)r.walk,
		       (unsigned long long)r.base, r.value * 100);
	else
		printf("%10s %14llu %14llu %14.3f\n", when, (unsigned long long)r.walk,
		       (unsigned long long)r.base, r.value);
}

static void print_header(enum hf_mmu_metric metric)
{
	if (hf_opts.json)
		return;
	if (metric == HF_MMU_CYCLE_FRACTION)
		printf("%10s %14s %14s %14s\n", "TIME_S", "WALK_CYCLES", "CYCLES", "MMU_OVERHEAD");
	else
		printf("# AMD: page walks per 1000 instructions (no page-walk cycle event; "
		       "not a cycle fraction)\n%10s %14s %14s %14s\n", "TIME_S", "WALKS",
		       "INSTRUCTIONS", "WALKS_PKI");
}

/* ---- --from FILE ---- */

static int from_interval(const struct hf_perfstat_interval *iv, void *ctx)
{
	bool *header = ctx;
	struct hf_mmu_result r;

	if (!*header) {
		hf_mmu_compute(&iv->counts, &r);
		print_header(r.metric);
		*header = true;
	}
	print_interval(iv->timed ? iv->time_s : -1, &iv->counts);
	return 0;
}

static int run_from(void)
{
	FILE *f = strcmp(args.from, "-") ? fopen(args.from, "re") : stdin;
	bool header = false;
	int line, err;

	if (!f) {
		hf_err("%s: %s", args.from, strerror(errno));
		return HF_EXIT_FAIL;
	}
	err = hf_perfstat_read(f, from_interval, &header, &line);
	if (f != stdin)
		fclose(f);
	if (err == -EINVAL) {
		hf_err("%s:%d: not a line of `perf stat -x,` output", args.from, line);
		return HF_EXIT_FAIL;
	}
	if (!header) {
		hf_err("%s: no page-walk or cycle counts found (expected events such as "
		       "dtlb_load_misses.walk_active and cycles)", args.from);
		return HF_EXIT_FAIL;
	}
	return HF_EXIT_OK;
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
		hf_json_set_str(o, "pmu", pmu);
		hf_json_set_str(o, "metric", set->metric == HF_MMU_CYCLE_FRACTION ?
				"walk_cycle_fraction" : "walks_per_kilo_instruction");
		json_object_object_add(o, "events", arr);
		hf_json_emit(stdout, o);
	}
	json_object_put(o);
	return HF_EXIT_OK;
}

static void known_pmus(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; hf_mmu_eventsets[i]; i++)
		for (int j = 0; hf_mmu_eventsets[i]->pmus[j] && n < len; j++)
			n += snprintf(buf + n, len - n, " %s", hf_mmu_eventsets[i]->pmus[j]);
}

/* The PMU to use: --pmu, or the one libpfm4 detects; an exit status on failure. */
static int pick_pmu(char *name, size_t len, const struct hf_mmu_eventset **set)
{
	char known[512];

	known_pmus(known, sizeof(known));
	if (args.pmu)
		snprintf(name, len, "%s", args.pmu);
	else if (hf_pmu_detected(name, len)) {
		hf_err("libpfm4 recognises no core PMU on this CPU; name one with --pmu "
		       "(known:%s)", known);
		return HF_EXIT_NOFEATURE;
	}
	*set = hf_mmu_eventset_for(name);
	if (*set)
		return HF_EXIT_OK;
	hf_err("PMU %s: no page-walk events known for it (known:%s)", name, known);
	return args.pmu ? HF_EXIT_USAGE : HF_EXIT_NOFEATURE;
}

/* ---- live counting ---- */

struct counter {
	int role;
	int *fd;		/* one per thread */
	uint64_t last;
};

struct live {
	struct counter ctr[HF_MMU_NROLES];
	int nctr;
	pid_t *tid;
	int ntid;
	pid_t child;
	int go_pipe;
};

static volatile sig_atomic_t stop;
static void on_stop(int sig) { (void)sig; stop = 1; }

static int no_pmu(void)
{
	char cpu[64] = "unknown";

	hf_pmu_detected(cpu, sizeof(cpu));
	hf_err("no hardware PMU: the kernel exposes no CPU performance counters "
	       "(/sys/bus/event_source/devices/cpu is missing; perf sees software events only), "
	       "usual in a VM without PMU passthrough (CPU model per libpfm4: %s). "
	       "Run on bare metal or with a virtual PMU (e.g. qemu -cpu host, KVM), or compute "
	       "the report from recorded counts with --from FILE", cpu);
	return HF_EXIT_NOFEATURE;
}

static int perf_open(struct perf_event_attr *attr, pid_t tid, bool command)
{
	attr->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	attr->inherit = 1;		/* threads and children started from now on */
	attr->enable_on_exec = command;	/* a command: count from its exec */
	attr->disabled = command;
	return syscall(SYS_perf_event_open, attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static int open_role(struct live *l, const char *pmu, const char *event, int role)
{
	struct counter *c = &l->ctr[l->nctr];
	struct perf_event_attr attr;
	int err = hf_pmu_encode(pmu, event, &attr);

	if (err) {
		hf_err("%s::%s: %s", pmu, event, hf_pmu_strerror(err));
		return HF_EXIT_FAIL;
	}
	c->role = role;
	c->fd = calloc(l->ntid, sizeof(*c->fd));
	if (!c->fd)
		abort();
	l->nctr++;
	for (int t = 0; t < l->ntid; t++) {
		c->fd[t] = perf_open(&attr, l->tid[t], l->child > 0);
		if (c->fd[t] >= 0)
			continue;
		if (errno == ESRCH)
			continue;	/* a thread that ended meanwhile */
		hf_err("pid %d: perf_event_open %s: %s%s", l->tid[t], event, strerror(errno),
		       errno == EACCES || errno == EPERM ?
		       " (needs root or CAP_PERFMON, or a lower kernel.perf_event_paranoid)" : "");
		return errno == EACCES || errno == EPERM ? HF_EXIT_NOPERM : HF_EXIT_FAIL;
	}
	return HF_EXIT_OK;
}

/* The threads of the target (counters opened later follow new threads: inherit). */
static int list_threads(struct live *l, pid_t pid)
{
	struct hf_pids tids = { 0 };
	struct proc_task task;
	int err = proc_task_read(pid, &task);

	if (!err && l->child > 0)
		hf_pids_add(&tids, pid);
	else if (!err)
		err = proc_list_tasks(task.tgid, &tids);
	if (err) {
		hf_err("pid %d: %s", pid, proc_task_strerror(err));
		free(tids.pid);
		return HF_EXIT_FAIL;
	}
	l->tid = tids.pid;
	l->ntid = tids.n;
	return HF_EXIT_OK;
}

/* Scaled total of one counter over its threads (multiplexing corrected). */
static uint64_t read_counter(const struct counter *c, int ntid)
{
	uint64_t total = 0;

	for (int t = 0; t < ntid; t++) {
		uint64_t v[3];

		if (c->fd[t] < 0 || read(c->fd[t], v, sizeof(v)) != sizeof(v))
			continue;
		total += v[2] ? (uint64_t)((double)v[0] * v[1] / v[2]) : 0;
	}
	return total;
}

static void sample(struct live *l, double time_s)
{
	struct hf_mmu_counts c = { 0 };

	for (int i = 0; i < l->nctr; i++) {
		uint64_t now = read_counter(&l->ctr[i], l->ntid);

		c.v[l->ctr[i].role] = now - l->ctr[i].last;
		c.have |= 1u << l->ctr[i].role;
		l->ctr[i].last = now;
	}
	print_interval(time_s, &c);
}

static int start_command(struct live *l)
{
	int err = hf_spawn_held(args.command, &l->child, &l->go_pipe);

	if (err) {
		hf_err("starting %s: %s", args.command[0], strerror(-err));
		return HF_EXIT_FAIL;
	}
	return HF_EXIT_OK;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool target_alive(struct live *l)
{
	int status;

	if (l->child > 0)
		return waitpid(l->child, &status, WNOHANG) == 0;
	return kill(args.pid, 0) == 0 || errno != ESRCH;
}

static void count_loop(struct live *l, enum hf_mmu_metric metric)
{
	double start = now_s();
	struct timespec tick = { (time_t)args.interval,
				 (long)((args.interval - (time_t)args.interval) * 1e9) };

	print_header(metric);
	hf_spawn_release(&l->go_pipe);
	while (!stop) {
		bool alive;

		nanosleep(&tick, NULL);
		alive = target_alive(l);
		sample(l, now_s() - start);
		if (!alive || (args.duration && now_s() - start >= args.duration))
			break;
	}
}

static int run_live(void)
{
	struct live l = { .go_pipe = -1 };
	const struct hf_mmu_eventset *set;
	char pmu[64];
	int err;

	if (!hf_pmu_kernel_has_cpu_pmu())
		return no_pmu();
	if ((err = pick_pmu(pmu, sizeof(pmu), &set)))
		return err;
	if (args.command && (err = start_command(&l)))
		return err;
	err = list_threads(&l, l.child > 0 ? l.child : args.pid);
	for (int i = 0; !err && i < HF_MMU_NROLES; i++)
		if (set->event[i])
			err = open_role(&l, pmu, set->event[i], i);
	if (!err) {
		signal(SIGINT, on_stop);
		signal(SIGTERM, on_stop);
		count_loop(&l, set->metric);
	}
	if (l.go_pipe > 0)
		close(l.go_pipe);
	if (l.child > 0) {
		kill(l.child, SIGTERM);
		waitpid(l.child, NULL, 0);
	}
	return err;
}

int main(int argc, char **argv)
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
		int err = pick_pmu(pmu, sizeof(pmu), &set);

		return err ? err : list_events(pmu, set);
	}
	return run_live();
}
