// SPDX-License-Identifier: GPL-2.0
/*
 * fbtrace: trace page faults (swap-ins above all) as fault records.
 *
 * cmd/fbtrace/ holds what only fbtrace uses: main.c (options, the BPF
 * program's ring buffer, records out), faultstats (the summary a trace ends
 * with: counts by kind, process and cgroup), taskstats (swap-in delay
 * from the kernel's delay accounting) and slotsnap (-s: the pages already
 * swapped out when the trace begins). The record format it writes is
 * common/record, which fbload reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include "helpers.h"
#include "bpfutil.h"
#include "cgroup.h"
#include "cli.h"
#include "faultstats.h"
#include "feature.h"
#include "metrics.h"
#include "outfile.h"
#include "output.h"
#include "procfs.h"
#include "proclist.h"
#include "record.h"
#include "slotsnap.h"
#include "taskstats.h"
#include "fbtrace.h"
#include "fbtrace.skel.h"

#define POLL_MS 50
#define SUMMARY_ROWS 20
/* How often the cgroups of running processes are read again. */
#define CGROUP_REFRESH_NS 1000000000ULL

static struct args {
	struct hf_pids pids;
	const char *cgroup;
	const char *output;
	double duration;
	double interval;
	bool all_faults;
	bool slots;
	bool no_summary;
	unsigned int buffer_mib;
	char **command;
} args = { .buffer_mib = 16 };

enum { OPT_NO_SUMMARY = 0x100 };

static const struct argp_option options[] = {
	{ "pid", 'p', "PID", 0, "Trace this process (repeatable)", 0 },
	{ "cgroup", 'c', "PATH", 0, "Trace the processes in this cgroup (v1 or v2) and below", 0 },
	{ "all-faults", 'a', NULL, 0, "Trace minor faults too, not only major faults and swap-ins", 0 },
	{ "slots", 's', NULL, 0, "Also record the life of the traced pages' swap slots (swapped "
	  "out, out of the swap cache, freed) as slot records, so that fbload's replay knows "
	  "which slot holds which page; unless a command is traced, first the pages already "
	  "swapped out. Needs the kernel's patch 0014", 0 },
	{ "output", 'o', "FILE", 0, "Write records to FILE instead of standard output (the "
	  "way to keep a command's own output apart: without -o its standard output goes "
	  "to standard error). FILE is replaced once the trace has started", 0 },
	{ "duration", 'd', "SEC", 0, "Stop after SEC seconds", 0 },
	{ "interval", 'i', "SEC", 0, "Periodic mode: every SEC seconds, also write the per-cgroup "
	  "summary so far (rewrite the --textfile file; or print it: with --openmetrics on "
	  "standard output, with -j as a JSON line, else on standard error)", 0 },
	{ "buffer-size", 'b', "MIB", 0, "Ring buffer size in MiB, a power of two (default 16)", 0 },
	{ "no-summary", OPT_NO_SUMMARY, NULL, 0, "Do not print the summary at the end", 0 },
	{ 0 },
};

static const char doc[] =
	"Trace page faults with eBPF and print one fault record per fault.\v"
	"With no target, traces the whole system. A command after '--' is started, "
	"traced with its children, and fbtrace exits with its status. When the records "
	"go to standard output (no -o), the command's standard output goes to fbtrace's "
	"standard error, so that it never mixes into the trace.\n\n"
	"If the records cannot be written (a full disk, a closed pipe), fbtrace says so, "
	"stops tracing, leaves the command to run to its end and waits for it, then exits 1 "
	"(141 for a closed pipe, with the summary on standard error). -j writes JSON Lines, "
	"one object per line: --pretty is refused.\n\n"
	"Examples:\n"
	"  fbtrace -p 4242                 swap-ins and major faults of one process\n"
	"  fbtrace -j -d 10 -c /sys/fs/cgroup/memory/job > trace.jsonl\n"
	"  fbtrace -a -o trace.txt -- ./workload\n"
	"                                  every fault of a command\n"
	"  fbtrace -s -o trace.txt -- ./workload\n"
	"                                  swap-ins with the life of their swap slots,\n"
	"                                  for fbload replay (patched kernel)\n"
	"  fbtrace -p 4242 | fbload leap   replay a live trace through Leap\n"
	"  fbtrace --openmetrics -o trace.txt -- ./workload\n"
	"                                  the summary as metrics for Prometheus\n"
	"  fbtrace -o /dev/null -i 15 --textfile /var/lib/prometheus/node-exporter\n"
	"                                  faults and swap-in delay per cgroup for\n"
	"                                  node_exporter, rewritten every 15 s\n\n"
	"The swap-in delay (time waited for swap-ins) comes from the kernel's delay "
	"accounting: enable it with 'sysctl kernel.task_delayacct=1'.";

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'p':
		hf_pids_add(&args.pids, hf_arg_pid(arg, state));
		break;
	case 'c':
		args.cgroup = arg;
		break;
	case 's':
		args.slots = true;
		break;
	case 'a':
		args.all_faults = true;
		break;
	case 'o':
		args.output = arg;
		break;
	case 'd':
		args.duration = hf_arg_seconds(arg, state);
		break;
	case 'i':
		args.interval = hf_arg_seconds(arg, state);
		break;
	case 'b':
		args.buffer_mib = hf_arg_u64(arg, 1, 1024, "buffer size", state);
		if (args.buffer_mib & (args.buffer_mib - 1))
			argp_error(state, "buffer size %s MiB is not a power of two", arg);
		break;
	case OPT_NO_SUMMARY:
		args.no_summary = true;
		break;
	case ARGP_KEY_ARGS:
		args.command = state->argv + state->next;
		break;
	case ARGP_KEY_END:
		if (hf_opts.pretty)
			argp_error(state, "--pretty: the records are JSON Lines, one object per "
				   "line, which indented JSON would break; use -j");
		if (args.command && (args.pids.n || args.cgroup))
			argp_error(state, "a command cannot be combined with -p or -c");
		if (hf_opts.openmetrics && !args.output)
			argp_error(state, "--openmetrics prints the summary on standard "
				   "output, where the records would go too: write them to a "
				   "file with -o FILE (-o /dev/null to drop them)");
		if (hf_opts.openmetrics && args.no_summary)
			argp_error(state, "--openmetrics prints the summary; it cannot be combined "
				   "with --no-summary");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child children[] = { HF_COMMON_CHILD, HF_METRICS_CHILD, { 0 } };
static const struct argp argp = { options, parse_opt, "[-- COMMAND [ARG...]]", doc,
				  children, NULL, NULL };

/* ---- the trace session ---- */

struct session {
	struct fbtrace_bpf *skel;
	struct hf_links links;
	struct ring_buffer *rb;
	FILE *out;
	bool out_direct;		/* -o FILE, open under its name: fclose()d here */
	struct hf_outfile outfile;	/* -o FILE, a regular file: replaced on success */
	struct record_writer writer;
	struct fault_stats stats;
	struct hf_taskstats *ts;	/* NULL: the swap-in delay is unknown */
	struct exit_note *notes;	/* exit notifications being applied */
	size_t nnotes, notes_cap;
	pid_t child;
	bool child_exited;	/* exited, not yet reaped */
	int child_status;
	int go_pipe;		/* written to release the command */
	int write_errno;	/* the output failed: records are no longer written */
	uint64_t start_ns;
	uint64_t next_tick_ns;	/* of -i */
	uint64_t next_cgroup_ns;
	uint64_t slot_records;	/* written, one per slot */
	bool snapshot_done;	/* of -s without a command, and of what it found: */
	uint64_t snapshot_records, snapshot_untracked;
	int32_t owner_pid;	/* of the last swap-out, and its comm: */
	char owner_comm[FAULT_COMM_LEN];
};

/* An exit notification of taskstats, kept until its records are counted. */
struct exit_note {
	enum hf_taskstats_kind kind;
	uint32_t id, tgid;
	struct hf_delay d;
};

static void read_cgroup(struct fault_stats_pid *p);

static const char *output_name(void)
{
	return args.output ? args.output : "standard output";
}

/*
 * The records cannot be written (a full disk, EPIPE: the reader went
 * away): said once, and nothing more is written to the output.
 */
static void output_failed(struct session *s, int err)
{
	if (s->write_errno)
		return;
	s->write_errno = err ? err : EIO;
	/* not as a JSON error on standard output when that is what failed */
	(args.output ? hf_err : hf_warn)("%s: %s: records are no longer written%s", output_name(),
					 strerror(s->write_errno), s->child > 0 && !s->child_exited ?
					 "; tracing stops and the command runs on to its end" :
					 "");
}

/*
 * A JSON record whose comm is not plain UTF-8 (a name with bytes 0xff
 * 0xfe): record_write() would copy the bytes raw, which no JSON reader
 * accepts. The same object, with the comm escaped as hf_proc_comm_escape()
 * says. Rare: built afresh each time.
 */
static int write_json_escaped(struct session *s, const struct fault_record *r)
{
	struct json_object *o = json_object_new_object();
	char comm[HF_COMM_ESC_LEN];
	int err = 0;

	hf_proc_comm_escape(r->comm, comm);
	hf_json_set_str(o, "type", record_type_name(r->kind));
	hf_json_set_u64(o, "time_ns", r->time_ns);
	json_object_object_add(o, "pid", json_object_new_int64(r->pid));
	json_object_object_add(o, "tid", json_object_new_int64(r->tid));
	hf_json_set_str(o, "comm", comm);
	hf_json_set_str(o, "kind", fault_kind_name(r->kind));
	if (record_kind_has_addr(r->kind))
		json_object_object_add(o, "addr", hf_json_addr(r->addr));
	if (r->swap_type >= 0)
		json_object_object_add(o, "swap_type", json_object_new_int64(r->swap_type));
	if (r->swap_offset >= 0)
		json_object_object_add(o, "swap_offset", json_object_new_int64(r->swap_offset));
	if (r->cache_hit >= 0)
		json_object_object_add(o, "cache_hit", json_object_new_boolean(r->cache_hit));
	if (fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE), s->out) < 0 ||
	    fputc('\n', s->out) == EOF)
		err = -EIO;
	json_object_put(o);
	return err;
}

static int write_record(struct session *s, const struct fault_record *r)
{
	errno = 0;
	if (hf_opts.json && hf_proc_comm_needs_escape(r->comm) ? write_json_escaped(s, r) :
	    record_write(&s->writer, r)) {
		output_failed(s, errno);
		return -s->write_errno;	/* stops the poll */
	}
	return 0;
}

/*
 * The comm of a swapped-out page's owner: kswapd reports the swap-out,
 * so the event carries the reclaiming task's. Swap-outs come in runs of
 * one process's pages: the last one is kept.
 */
static void owner_comm(struct session *s, struct fault_record *r)
{
	const struct fault_stats_pid *p;
	struct proc_task t;

	if (r->pid != s->owner_pid) {
		s->owner_pid = r->pid;
		if ((p = fault_stats_find(&s->stats, r->pid)))
			memcpy(s->owner_comm, p->comm, sizeof(s->owner_comm));
		else if (!hf_proc_task_read(r->pid, &t))
			memcpy(s->owner_comm, t.comm, sizeof(s->owner_comm));
		else
			strcpy(s->owner_comm, "?");	/* exited meanwhile */
	}
	memcpy(r->comm, s->owner_comm, sizeof(r->comm));
}

/* A slot event: one slot record per slot, in the fault record format. */
static int on_slot_event(struct session *s, struct fault_record *r, unsigned int nr)
{
	int err;

	if (r->kind == SLOT_SWAPOUT)
		owner_comm(s, r);
	r->addr = r->kind == SLOT_SWAPOUT ? r->addr : 0;
	for (unsigned int i = 0; i < nr; i++, r->swap_offset++) {
		s->slot_records++;
		if (!s->write_errno && (err = write_record(s, r)))
			return err;
	}
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct session *s = ctx;
	const struct fbtrace_event *e = data;
	struct fault_stats_pid *p;
	struct fault_record r = {
		.time_ns = e->time_ns,
		.addr = e->addr,
		.swap_offset = e->swap_offset,
		.swap_type = e->swap_type,
		.pid = e->pid,
		.tid = e->tid,
		.cache_hit = e->cache_hit,
		.kind = e->kind,
	};

	if (size < sizeof(*e))
		return 0;
	memcpy(r.comm, e->comm, sizeof(r.comm));
	if (fault_kind_is_slot(r.kind))
		return on_slot_event(s, &r, e->nr);
	p = fault_stats_add(&s->stats, &r);
	if (p && !p->cgroup && !p->gone)
		read_cgroup(p);		/* first seen */
	if (s->write_errno)
		return 0;		/* counted, no longer written */
	return write_record(s, &r);
}

/* ---- cgroups and swap-in delay of the traced processes ---- */

/*
 * The process's cgroup as /proc/PID/cgroup shows it now. A process is
 * counted in the cgroup it was last seen in while running: read when its
 * first record comes and every second after, never from a zombie.
 */
static void read_cgroup(struct fault_stats_pid *p)
{
	char path[4096];
	int err;

	if (hf_proc_zombie(p->pid))	/* an exited task shows the root cgroup */
		return;
	err = hf_cgroup_of_pid(p->pid, path, sizeof(path));
	if (!err)
		fault_stats_set_cgroup(p, path);
	else if (err == -ENOENT)
		p->gone = true;	/* reaped: nothing more to read */
}

/*
 * Where a process's swap-in delay comes from. The kernel keeps it per
 * task while the task exists; a query for a thread group
 * (TASKSTATS_CMD_ATTR_TGID) adds up its live threads and those that
 * exited while it had more than one. Once a process is reaped its delays
 * are gone. Most traced processes are not fbtrace's children (-p, -c, the
 * whole system, the children of a command), so fbtrace cannot hold their
 * exit until it has read them. Instead it registers for taskstats' exit
 * notifications on every CPU (TASKSTATS_CMD_ATTR_REGISTER_CPUMASK): each
 * exiting task sends its own delays (AGGR_PID) and the last task of a
 * multi-threaded process also the whole process's (AGGR_TGID). The
 * delays of a single-threaded process are its one task's. Processes still
 * running are queried at every interval and at the end. The command
 * started after "--" is not reaped before that last query either
 * (waitid() with WNOWAIT), which covers it even without notifications.
 */
static void on_exit_note(void *ctx, enum hf_taskstats_kind kind, uint32_t id, uint32_t tgid,
			 const struct hf_delay *d)
{
	struct session *s = ctx;

	if (HF_GROW(s->notes, s->notes_cap, s->nnotes + 1))
		abort();
	s->notes[s->nnotes++] = (struct exit_note){ kind, id, tgid, *d };
}

static void apply_exits(struct session *s)
{
	int err;

	if (!s->ts)
		return;
	s->nnotes = 0;
	err = hf_taskstats_drain(s->ts, on_exit_note, s);
	if (err < 0)
		hf_debug("taskstats exit notifications: %s", strerror(-err));
	if (!s->nnotes)
		return;
	/*
	 * A process's records were written before it exited, so before its
	 * notification was read: count them now, or its entry may not exist.
	 */
	ring_buffer__consume(s->rb);
	for (size_t i = 0; i < s->nnotes; i++) {
		const struct exit_note *n = &s->notes[i];

		fault_stats_delay_exit(&s->stats, n->kind == HF_TASKSTATS_TGID, n->id, n->tgid,
				       n->d.count, n->d.total_ns);
	}
}

static void query_delay(struct session *s, struct fault_stats_pid *p)
{
	struct hf_delay d, leader;
	int err = hf_taskstats_query(s->ts, HF_TASKSTATS_TGID, p->pid, &d);

	if (err == -ESRCH) {
		p->gone = true;
		return;
	}
	if (err) {
		hf_debug("pid %d: taskstats: %s", p->pid, strerror(-err));
		return;
	}
	/*
	 * An exited process not yet reaped whose only thread was its first
	 * reads as zero as a thread group (exited threads count there only
	 * once a second one existed): its first task holds its delays.
	 */
	if (!d.count && !d.total_ns &&
	    !hf_taskstats_query(s->ts, HF_TASKSTATS_PID, p->pid, &leader))
		d = leader;
	fault_stats_delay_live(p, d.count, d.total_ns);
}

/* Read the cgroups of the running processes, and with delays their delays. */
static void refresh(struct session *s, bool delays)
{
	apply_exits(s);
	for (unsigned int i = 0; i < s->stats.nslots; i++) {
		struct fault_stats_pid *p = &s->stats.slot[i];

		if (!p->pid || p->gone)
			continue;
		read_cgroup(p);
		if (delays && s->ts && !p->gone && p->delay_state != FAULT_DELAY_FINAL)
			query_delay(s, p);
	}
}

/* Never fails: without delay accounting the delay is unknown, and said so. */
static void delay_setup(struct session *s)
{
	struct hf_delay d;
	int on = hf_delayacct_enabled(), err;

	if (on == 0) {
		hf_warn("swap-in delay unknown: the kernel's delay accounting is off; enable it "
			"with 'sysctl kernel.task_delayacct=1' (or boot with 'delayacct'); only "
			"delays after that are counted");
		return;
	}
	err = hf_taskstats_open(&s->ts);
	if (!err)
		err = hf_taskstats_query(s->ts, HF_TASKSTATS_TGID, getpid(), &d);
	if (err) {
		hf_warn("swap-in delay unknown: %s", err == -ENOENT ?
			"the kernel has no taskstats (CONFIG_TASKSTATS)" : err == -EPERM ?
			"reading taskstats needs CAP_NET_ADMIN" : strerror(-err));
		hf_taskstats_close(s->ts);
		s->ts = NULL;
		return;
	}
	err = hf_taskstats_listen(s->ts);
	if (err)
		hf_warn("taskstats exit notifications: %s; the swap-in delay of processes that "
			"exit during the trace is unknown", err == -EINVAL ?
			"not available outside the initial user and PID namespaces" :
			strerror(-err));
}

/* Check the PIDs given with -p: each a live process with an address space. */
static int check_targets(void)
{
	for (int i = 0; i < args.pids.n; i++) {
		struct proc_task t;
		int err = hf_proc_task_read(args.pids.pid[i], &t);

		if (err) {
			hf_err("pid %d: %s", args.pids.pid[i], hf_proc_task_strerror(err));
			return HF_EXIT_FAIL;
		}
		if (t.kthread) {
			hf_err("pid %d (%s): a kernel thread, which has no user address space",
			       t.pid, t.comm);
			return HF_EXIT_FAIL;
		}
		if (hf_proc_zombie(t.pid)) {
			hf_err("pid %d (%s): a zombie: it has exited and waits for its parent to "
			       "reap it; nothing to trace", t.pid, t.comm);
			return HF_EXIT_FAIL;
		}
		if (t.tgid != t.pid)
			hf_warn("pid %d is a thread of process %d; tracing the whole process",
				t.pid, t.tgid);
	}
	return HF_EXIT_OK;
}

/* Put the thread-group ids of the PIDs to trace in the map. */
static int add_targets(struct session *s)
{
	int map = bpf_map__fd(s->skel->maps.targets);
	uint8_t one = 1;

	for (int i = 0; i < args.pids.n; i++) {
		struct proc_task t;
		int err = hf_proc_task_read(args.pids.pid[i], &t);

		if (err) {	/* exited since check_targets() */
			hf_err("pid %d: %s", args.pids.pid[i], hf_proc_task_strerror(err));
			return HF_EXIT_FAIL;
		}
		uint32_t tgid = t.tgid;
		if (bpf_map_update_elem(map, &tgid, &one, BPF_ANY)) {
			hf_err("pid %d: cannot add to the target map: %s", t.pid, strerror(errno));
			return HF_EXIT_FAIL;
		}
	}
	return HF_EXIT_OK;
}

/* Fork the command, held before exec until the probes are attached. */
static int start_command(struct session *s)
{
	int saved = -1, err;

	/*
	 * When fbtrace's standard output is the trace, the command's goes to
	 * standard error: its output never mixes into the records. The child
	 * inherits the descriptors of the fork.
	 */
	if (!args.output) {
		fflush(stdout);
		saved = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		if (saved < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
			hf_err("standard output: %s", strerror(errno));
			return HF_EXIT_FAIL;
		}
	}
	err = hf_spawn_held(args.command, &s->child, &s->go_pipe);
	if (saved >= 0) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	if (err) {
		hf_err("starting %s: %s", args.command[0], strerror(-err));
		return HF_EXIT_FAIL;
	}
	hf_pids_add(&args.pids, s->child);
	return HF_EXIT_OK;
}

static void configure(struct session *s, const struct hf_cgroup *cg, bool patched)
{
	struct fbtrace_bpf *skel = s->skel;
	bool filemap_tp = hf_kernel_has_raw_tracepoint("mm_filemap_fault");

	skel->rodata->self_tgid = getpid();
	skel->rodata->filter_pids = args.pids.n > 0;
	skel->rodata->follow_forks = args.command != NULL;
	skel->rodata->filter_cgroup = args.cgroup != NULL;
	if (cg) {
		skel->rodata->cgroup_id = cg->id;
		skel->rodata->cgroup_level = cg->level;
		skel->rodata->cgroup_hierarchy = cg->hierarchy;
	}
	/* On the patched kernel, swap-cache hits are minor faults worth keeping. */
	skel->rodata->swapin_tracepoint = patched;
	skel->rodata->filemap_tracepoint = filemap_tp;
	skel->rodata->swapin_minor_only = patched && !args.all_faults;
	bpf_map__set_max_entries(skel->maps.events, args.buffer_mib << 20);
	skel->rodata->wakeup_bytes = (args.buffer_mib << 20) / 8;
	bpf_program__set_autoload(skel->progs.on_swapin_fault, patched);
	bpf_program__set_autoload(skel->progs.on_minor_fault, patched || args.all_faults);
	bpf_program__set_autoload(skel->progs.on_fork, args.command != NULL);
	bpf_program__set_autoload(skel->progs.on_filemap_fault, filemap_tp);
	skel->rodata->slot_events = args.slots;
	bpf_program__set_autoload(skel->progs.on_swap_out, args.slots);
	bpf_program__set_autoload(skel->progs.on_swap_uncache, args.slots);
	bpf_program__set_autoload(skel->progs.on_swap_slot_free, args.slots);
}

/* Attach prog to its tracepoint (named in errors); the link goes to s->links. */
static int attach_tp(struct session *s, struct bpf_program *prog, const char *name)
{
	struct bpf_link *link = bpf_program__attach(prog);

	if (!link || hf_links_add(&s->links, link)) {
		hf_err("attaching to %s: %s", name, strerror(errno));
		return HF_EXIT_FAIL;
	}
	return HF_EXIT_OK;
}

static int attach(struct session *s, bool patched)
{
	struct fbtrace_bpf *skel = s->skel;
	struct bpf_link *link;
	struct hf_error e;

	if (args.command) {
		link = bpf_program__attach(skel->progs.on_fork);
		if (!link || hf_links_add(&s->links, link)) {
			hf_err("attaching to sched_process_fork: %s", strerror(errno));
			return HF_EXIT_FAIL;
		}
	}
	if (bpf_program__autoload(skel->progs.on_filemap_fault)) {
		link = bpf_program__attach(skel->progs.on_filemap_fault);
		if (!link || hf_links_add(&s->links, link)) {
			hf_err("attaching to mm_filemap_fault: %s", strerror(errno));
			return HF_EXIT_FAIL;
		}
	}
	if (patched && attach_tp(s, skel->progs.on_swapin_fault,
				 "fetchbpf:fetchbpf_swapin_fault"))
		return HF_EXIT_FAIL;
	if (args.slots &&
	    (attach_tp(s, skel->progs.on_swap_out, "fetchbpf:fetchbpf_swap_out") ||
	     attach_tp(s, skel->progs.on_swap_uncache, "fetchbpf:fetchbpf_swap_uncache") ||
	     attach_tp(s, skel->progs.on_swap_slot_free, "fetchbpf:fetchbpf_swap_slot_free")))
		return HF_EXIT_FAIL;
	if (hf_attach_perf_sw(skel->progs.on_major_fault, PERF_COUNT_SW_PAGE_FAULTS_MAJ,
			      &s->links, &e))
		return hf_fail(&e);
	if ((patched || args.all_faults) &&
	    hf_attach_perf_sw(skel->progs.on_minor_fault, PERF_COUNT_SW_PAGE_FAULTS_MIN,
			      &s->links, &e))
		return hf_fail(&e);
	return HF_EXIT_OK;
}

static int setup(struct session *s)
{
	struct hf_cgroup cg;
	struct hf_error e;
	bool patched;
	int err;

	if (hf_require_bpf_privileges(&e) || hf_require_btf(&e))
		return hf_fail(&e);
	if ((args.pids.n || args.command) && hf_proc_self_in_nested_pidns()) {
		hf_err("running in a nested PID namespace: the PIDs BPF sees would not "
		       "match; run fbtrace in the host's PID namespace");
		return HF_EXIT_NOFEATURE;
	}
	if ((err = check_targets()))
		return err;
	if (args.cgroup && hf_cgroup_resolve(args.cgroup, &cg, &e))
		return hf_fail(&e);
	patched = hf_kernel_has_fetchbpf();
	if (patched && hf_require_tracefs(&e)) {
		hf_warn("%s; without tracefs the swap entry of each swap-in cannot be recorded",
			e.msg);
		patched = false;
	}
	hf_debug("kernel %s the FetchBPF swap-in tracepoint", patched ? "has" : "lacks");
	if (args.slots && (!patched || !hf_kernel_has_slot_events())) {
		hf_err("-s: this kernel has no swap slot tracepoints (fetchbpf:fetchbpf_swap_out "
		       "and the rest, kernel-patches/0014)%s", patched ? "" :
		       hf_kernel_has_fetchbpf() ? ", or tracefs is not mounted" : "");
		return HF_EXIT_NOFEATURE;
	}

	s->skel = fbtrace_bpf__open();
	if (!s->skel) {
		hf_err("opening the BPF object: %s", strerror(errno));
		return HF_EXIT_FAIL;
	}
	delay_setup(s);		/* listening before the command can exit */
	if (args.command && (err = start_command(s)))
		return err;
	configure(s, args.cgroup ? &cg : NULL, patched);
	if (fbtrace_bpf__load(s->skel)) {
		hf_err("loading the BPF programs failed (run with -v for the verifier log)");
		return HF_EXIT_FAIL;
	}
	if ((err = add_targets(s)) || (err = attach(s, patched)))
		return err;
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.events), on_event, s, NULL);
	if (!s->rb) {
		hf_err("ring buffer: %s", strerror(errno));
		return HF_EXIT_FAIL;
	}
	return HF_EXIT_OK;
}

/* True once every process given with -p has exited. */
static bool targets_gone(void)
{
	for (int i = 0; i < args.pids.n; i++)
		if (hf_pid_alive(args.pids.pid[i]) && !hf_proc_zombie(args.pids.pid[i]))
			return false;	/* a zombie has exited: only its reaping is left */
	return true;
}

/* The command has exited; WNOWAIT leaves it unreaped, its delays readable. */
static bool child_exited(struct session *s)
{
	siginfo_t si = { 0 };

	if (!s->child_exited && s->child > 0 &&
	    !waitid(P_PID, s->child, &si, WEXITED | WNOHANG | WNOWAIT) && si.si_pid == s->child)
		s->child_exited = true;
	return s->child_exited;
}

static uint64_t lost_events(struct session *s)
{
	return hf_percpu_sum(bpf_map__fd(s->skel->maps.counters), FBTRACE_LOST);
}

/* -i: the per-cgroup summary so far. */
static void tick(struct session *s)
{
	uint64_t lost = lost_events(s), elapsed = hf_now_ns() - s->start_ns;
	const uint64_t *t = s->stats.total;
	int err;

	refresh(s, true);
	if (hf_metrics_wanted()) {
		struct hf_metrics *m = hf_metrics_new("fbtrace");

		if (!m)
			return;
		fault_stats_metrics(&s->stats, m, lost, false);
		if (hf_opts.textfile) {
			err = hf_metrics_textfile(m, hf_opts.textfile);
			if (err)
				hf_warn("%s/hawkfetch_fbtrace.prom: %s", hf_opts.textfile,
					strerror(-err));
		} else if ((err = hf_metrics_write(m, stdout))) {
			hf_warn("writing metrics to standard output: %s", strerror(-err));
		}
		hf_metrics_free(m);
	} else if (hf_opts.json && !s->write_errno) {
		struct json_object *o = json_object_new_object();

		hf_json_set_str(o, "type", "interval");
		hf_json_set_u64(o, "elapsed_ns", elapsed);
		hf_json_set_u64(o, "faults", fault_stats_sum(&s->stats));
		hf_json_set_u64(o, "lost_events", lost);
		fault_stats_cgroups_to_json(&s->stats, o);
		errno = 0;
		hf_json_emit(s->out, o);
		if (ferror(s->out))
			output_failed(s, errno);
		json_object_put(o);
	} else if (!hf_opts.json) {
		fprintf(stderr, "fbtrace: after %.2f s: %llu faults (swapin %llu, major %llu, "
			"minor %llu), %llu lost events\n", elapsed / 1e9,
			(unsigned long long)fault_stats_sum(&s->stats),
			(unsigned long long)t[FAULT_SWAPIN], (unsigned long long)t[FAULT_MAJOR],
			(unsigned long long)t[FAULT_MINOR], (unsigned long long)lost);
		fault_stats_print_cgroups(&s->stats, stderr, SUMMARY_ROWS);
	}
}

static int poll_timeout_ms(const struct session *s)
{
	uint64_t now = hf_now_ns();

	if (!args.interval || s->next_tick_ns >= now + POLL_MS * 1000000ULL)
		return POLL_MS;
	return s->next_tick_ns > now ? (s->next_tick_ns - now + 999999) / 1000000 : 0;
}

/* Every record written so far reaches the output, or the output failed. */
static void flush_output(struct session *s)
{
	if (s->write_errno)
		return;
	errno = 0;
	if (fflush(s->out) || ferror(s->out))
		output_failed(s, errno);
}

/* ---- -s without a command: the pages swapped out before the trace ---- */

static int on_snapshot_record(void *ctx, const struct fault_record *r)
{
	struct session *s = ctx;

	return s->write_errno ? -s->write_errno : write_record(s, r);
}

/*
 * The processes to snapshot: those of -p, those in the cgroups of -c now,
 * or with neither every process: replay takes a process's swap-outs in
 * the trace as all of them.
 */
static void snapshot_targets(struct hf_pids *procs)
{
	int err;

	if (!args.pids.n && !args.cgroup && (err = hf_proc_list_tgids(procs)))
		hf_warn("-s: listing the processes: %s; the pages they swapped out before "
			"the trace are not recorded", strerror(-err));
	for (int i = 0; i < args.pids.n; i++)
		hf_pids_add(procs, args.pids.pid[i]);
	if (args.cgroup && (err = hf_cgroup_pids_tree(args.cgroup, procs)))
		hf_warn("-s: cgroup %s: reading its processes: %s; the pages some of them "
			"swapped out before the trace are not recorded", args.cgroup,
			strerror(-err));
}

/*
 * Run once the tracepoints are attached, so that what the snapshot does
 * not see they do; a page both see is recorded twice, which replay takes
 * as once. A process traced from its birth (a command's) has nothing to add.
 */
static void snapshot(struct session *s)
{
	struct slotsnap ss = {
		/* the BPF side looks slots up only when it filters */
		.slots_fd = args.pids.n || args.cgroup ?
			    bpf_map__fd(s->skel->maps.traced_slots) : -1,
		.pids_fd = args.cgroup ? bpf_map__fd(s->skel->maps.cgroup_pids) : -1,
		.emit = on_snapshot_record,
		.ctx = s,
	};
	struct hf_pids procs = { 0 };
	int err;

	if (args.cgroup && hf_proc_self_in_nested_pidns()) {
		hf_warn("-s: running in a nested PID namespace, whose PIDs BPF does not see: the "
			"pages the cgroup's processes swapped out before the trace are not recorded");
		return;
	}
	snapshot_targets(&procs);
	err = slotsnap_run(&ss, &procs);
	if (err && !s->write_errno)	/* an output error is the trace's, said */
		hf_warn("-s: the snapshot of the pages already swapped out: %s",
			strerror(-err));
	free(procs.pid);
	s->snapshot_done = true;
	s->snapshot_records = ss.records;
	s->snapshot_untracked = ss.untracked;
	s->slot_records += ss.records;
	flush_output(s);
}

static int trace_loop(struct session *s)
{
	uint64_t deadline = args.duration ? s->start_ns + args.duration * 1e9 : 0;
	bool done = false;

	s->next_tick_ns = s->start_ns + args.interval * 1e9;
	s->next_cgroup_ns = s->start_ns + CGROUP_REFRESH_NS;

	while (!done) {
		/*
		 * Woken when 1/8 of the buffer is pending; otherwise every POLL_MS,
		 * or sooner for the next interval.
		 */
		int n = ring_buffer__poll(s->rb, poll_timeout_ms(s));

		if (n >= 0 || n == -EINTR)
			n = ring_buffer__consume(s->rb);
		if (n < 0 && n != -EINTR && !s->write_errno)
			break;
		apply_exits(s);
		if (args.interval && hf_now_ns() >= s->next_tick_ns) {
			tick(s);
			while (s->next_tick_ns <= hf_now_ns())
				s->next_tick_ns += args.interval * 1e9;
		} else if (hf_now_ns() >= s->next_cgroup_ns) {
			refresh(s, false);
			s->next_cgroup_ns = hf_now_ns() + CGROUP_REFRESH_NS;
		}
		flush_output(s);
		if (s->write_errno && s->links.n) {
			if (!s->child)
				break;	/* nothing left to do */
			/*
			 * Never harm the command for a tracing failure: stop
			 * tracing and wait for it to end by itself.
			 */
			hf_links_destroy(&s->links);
		}
		done = hf_stop || (deadline && hf_now_ns() >= deadline) || child_exited(s) ||
		       (!s->child && args.pids.n && targets_gone());
	}
	ring_buffer__consume(s->rb);	/* what was recorded before the end */
	flush_output(s);
	if (s->write_errno)
		return s->write_errno == EPIPE ? 128 + SIGPIPE : HF_EXIT_FAIL;
	return HF_EXIT_OK;
}

/*
 * The summary as metrics: all of it on standard output (--openmetrics);
 * in the textfile (--textfile) only what stays bounded in a long trace of
 * many processes: the cgroups and the lost events.
 */
static int emit_metrics(struct session *s, uint64_t lost)
{
	struct hf_metrics *m;
	int err, ret = HF_EXIT_OK;

	if (hf_opts.openmetrics) {
		if (!(m = hf_metrics_new("fbtrace")))
			return HF_EXIT_FAIL;
		fault_stats_metrics(&s->stats, m, lost, true);
		if ((err = hf_metrics_write(m, stdout))) {
			hf_err("writing metrics to standard output: %s", strerror(-err));
			ret = HF_EXIT_FAIL;
		}
		hf_metrics_free(m);
	}
	if (hf_opts.textfile) {
		if (!(m = hf_metrics_new("fbtrace")))
			return HF_EXIT_FAIL;
		fault_stats_metrics(&s->stats, m, lost, false);
		if ((err = hf_metrics_textfile(m, hf_opts.textfile))) {
			hf_err("%s/hawkfetch_fbtrace.prom: %s", hf_opts.textfile, strerror(-err));
			ret = HF_EXIT_FAIL;
		}
		hf_metrics_free(m);
	}
	return ret;
}

static void print_summary(struct session *s, uint64_t lost)
{
	double secs = (hf_now_ns() - s->start_ns) / 1e9;
	const uint64_t *t = s->stats.total;

	if (hf_opts.json && !s->write_errno) {
		struct json_object *o = json_object_new_object();

		hf_json_set_str(o, "type", "summary");
		hf_json_set_u64(o, "faults", fault_stats_sum(&s->stats));
		hf_json_set_u64(o, "lost_events", lost);
		hf_json_set_u64(o, "duration_ns", secs * 1e9);
		if (args.slots)
			hf_json_set_u64(o, "slot_records", s->slot_records);
		if (s->snapshot_done)
			hf_json_set_u64(o, "snapshot_slot_records", s->snapshot_records);
		fault_stats_to_json(&s->stats, o);
		errno = 0;
		hf_json_emit(s->out, o);
		if (ferror(s->out))
			output_failed(s, errno);
		json_object_put(o);
		if (!s->write_errno)
			return;
	}
	/* -j whose output failed: the summary in plain text on standard error */
	fprintf(stderr, "fbtrace: %llu faults in %.2f s (swapin %llu, major %llu, minor %llu), "
		"%llu lost events\n", (unsigned long long)fault_stats_sum(&s->stats), secs,
		(unsigned long long)t[FAULT_SWAPIN], (unsigned long long)t[FAULT_MAJOR],
		(unsigned long long)t[FAULT_MINOR], (unsigned long long)lost);
	if (s->snapshot_done)
		fprintf(stderr, "fbtrace: %llu slot records (%llu from the snapshot)\n",
			(unsigned long long)s->slot_records,
			(unsigned long long)s->snapshot_records);
	else if (args.slots)
		fprintf(stderr, "fbtrace: %llu slot records\n",
			(unsigned long long)s->slot_records);
	fault_stats_print(&s->stats, stderr, SUMMARY_ROWS);
	fault_stats_print_cgroups(&s->stats, stderr, SUMMARY_ROWS);
}

static void teardown(struct session *s)
{
	ring_buffer__free(s->rb);
	hf_links_destroy(&s->links);
	fbtrace_bpf__destroy(s->skel);
	if (s->go_pipe >= 0)
		close(s->go_pipe);	/* an unreleased command exits 127 */
	record_writer_fini(&s->writer);
	if (s->out_direct)
		fclose(s->out);
	hf_outfile_discard(&s->outfile);	/* never started: removed */
	fault_stats_free(&s->stats);
	hf_taskstats_close(s->ts);
	free(s->notes);
}

/*
 * The trace has started (every target checked, the probes attached, the
 * first write done): the temporary file takes FILE's name now, so that
 * FILE is live for readers (tail -f, a reader waiting for the header)
 * while the trace runs. A failure before this leaves FILE as it was.
 */
static int publish_output(struct session *s)
{
	if (rename(s->outfile.tmp, s->outfile.path)) {
		hf_err("%s: %s (the file is left as it was)", args.output, strerror(errno));
		return HF_EXIT_FAIL;
	}
	s->outfile.f = NULL;	/* nothing left to commit: closed as -o FILE */
	s->out_direct = true;
	return HF_EXIT_OK;
}

static int open_output(struct session *s)
{
	static char buf[1 << 16];
	struct hf_error e;
	struct stat st;

	if (!args.output) {
		s->out = stdout;
	} else if (!stat(args.output, &st) && !S_ISREG(st.st_mode)) {
		/* /dev/null, a FIFO, a terminal: written to in place */
		s->out = fopen(args.output, "we");
		if (!s->out) {
			hf_err("%s: %s", args.output, strerror(errno));
			return HF_EXIT_FAIL;
		}
		s->out_direct = true;
	} else if (hf_outfile_open(&s->outfile, args.output, &e)) {
		return hf_fail(&e);
	} else {
		s->out = s->outfile.f;
	}
	/* Fully buffered, flushed after every ring-buffer drain (<= 50 ms). */
	setvbuf(s->out, buf, _IOFBF, sizeof(buf));
	record_writer_init(&s->writer, s->out, hf_opts.json);
	return HF_EXIT_OK;
}

static void on_sigpipe(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	struct session s = { .go_pipe = -1 };
	uint64_t lost, untracked;
	int err, merr;

	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	hf_libbpf_init();
	hf_catch_stop_signals();
	/*
	 * A closed pipe is an error of write() (EPIPE), not a death that would
	 * lose the summary and orphan the command. A handler, not SIG_IGN: the
	 * command gets the default back at exec.
	 */
	sigaction(SIGPIPE, &(struct sigaction){ .sa_handler = on_sigpipe }, NULL);

	/* Every target checked before the output is touched. */
	err = setup(&s);
	if (!err)
		err = open_output(&s);
	if (err) {
		teardown(&s);
		return err;
	}
	s.start_ns = hf_now_ns();
	record_writer_begin(&s.writer);	/* tells a reader the trace is live */
	flush_output(&s);
	if (s.outfile.f && !s.write_errno && (err = publish_output(&s))) {
		teardown(&s);
		return err;
	}
	if (args.slots && !args.command)
		snapshot(&s);
	if (s.child > 0)
		hf_spawn_release(&s.go_pipe);
	err = trace_loop(&s);
	lost = lost_events(&s);
	refresh(&s, true);	/* the command, if it exited, is not reaped yet */
	if (hf_taskstats_lost(s.ts))
		hf_warn("taskstats exit notifications were lost: the swap-in delay of some "
			"processes that exited is missing or low");
	merr = hf_metrics_wanted() ? emit_metrics(&s, lost) : HF_EXIT_OK;
	if (!args.no_summary && !hf_opts.openmetrics)
		print_summary(&s, lost);
	if (lost)
		hf_warn("%llu events lost: the ring buffer was full; raise --buffer-size",
			(unsigned long long)lost);
	if (args.slots && (untracked = s.snapshot_untracked +
				     hf_percpu_sum(bpf_map__fd(s.skel->maps.counters),
						   FBTRACE_SLOTS_UNTRACKED)))
		hf_warn("%llu swapped-out pages did not fit in the map of traced slots: their "
			"slots' later records are missing", (unsigned long long)untracked);
	if (s.child > 0) {
		/* Stopped by -d or a signal: the command does not outlive its trace. */
		if (!s.child_exited)
			kill(s.child, SIGTERM);
		while (waitpid(s.child, &s.child_status, 0) < 0 && errno == EINTR)
			;
		if (!err)
			err = hf_exit_status_of(s.child_status);
	}
	if (!err)
		err = merr;
	/* Every write checked, up to the last one. */
	flush_output(&s);
	if (s.out_direct) {
		errno = 0;
		if (!s.write_errno && fsync(fileno(s.out)) && errno != EINVAL)
			output_failed(&s, errno);
		if (fclose(s.out) && !s.write_errno)
			output_failed(&s, errno);
		s.out_direct = false;
		s.out = NULL;
	}
	if (s.write_errno && (!err || s.child > 0))	/* not the command's status */
		err = s.write_errno == EPIPE ? 128 + SIGPIPE : HF_EXIT_FAIL;
	if (!s.write_errno && s.out == stdout && hf_stdout_close(0))
		err = HF_EXIT_FAIL;	/* said */
	teardown(&s);
	return err;
}
