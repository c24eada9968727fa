// SPDX-License-Identifier: GPL-2.0
/*
 * fbtrace's summary without root or BPF: taskstats messages parsed,
 * cgroups read from a fixture /proc, swap-in delays merged as exit
 * notifications and queries would bring them, and the summary as plain
 * text, JSON and metrics.
 *
 *   fbtrace-summary                       the checks (PASS:/FAIL: lines)
 *   fbtrace-summary --exposition TRACE [--cgroups-only]
 *       the metrics of a recorded trace, as fbtrace --openmetrics prints
 *       them (or as --textfile writes them), for tests/unit/fbtrace-metrics.sh:
 *       cgroups from $HAWKFETCH_SYSROOT/proc/PID/cgroup; swap-in delays
 *       made up by pid: pid % 3 == 0 a thread group's exit (count = its
 *       swap-in records, 25 us each), 1 a single-threaded exit (the same),
 *       2 unknown.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include "cgroup.h"
#include "fbtrace/faultstats.h"
#include "metrics.h"
#include "record.h"
#include "fbtrace/taskstats.h"
#include "unit.h"

#define FAMILY 0x1d

/* ---- taskstats messages as the kernel builds them ---- */

struct msg {
	char buf[4096];
	size_t len;
};

static void *put(struct msg *m, const void *data, size_t len)
{
	void *at = m->buf + m->len;

	memcpy(at, data, len);
	m->len += NLA_ALIGN(len);
	return at;
}

static void msg_start(struct msg *m, uint16_t type)
{
	struct nlmsghdr nh = { .nlmsg_type = type };
	struct genlmsghdr g = { .cmd = TASKSTATS_CMD_NEW, .version = 1 };

	m->len = 0;
	put(m, &nh, sizeof(nh));
	put(m, &g, sizeof(g));
}

static void msg_end(struct msg *m)
{
	((struct nlmsghdr *)m->buf)->nlmsg_len = m->len;
}

/* An AGGR_PID/AGGR_TGID attribute of stats_len bytes of struct taskstats. */
static void put_aggr(struct msg *m, int aggr, int id_type, uint32_t id, uint32_t tgid,
		     uint64_t count, uint64_t ns, uint16_t version, size_t stats_len, bool nested)
{
	size_t start = m->len;
	struct nlattr na = { .nla_type = aggr | (nested ? NLA_F_NESTED : 0) };
	struct nlattr ida = { .nla_len = NLA_HDRLEN + 4, .nla_type = id_type };
	struct nlattr sa = { .nla_len = NLA_HDRLEN + stats_len, .nla_type = TASKSTATS_TYPE_STATS };
	union {
		struct taskstats st;
		char bytes[sizeof(struct taskstats) + 128];	/* a newer kernel's */
	} u;

	memset(&u, 0, sizeof(u));
	u.st.version = version;
	u.st.swapin_count = count;
	u.st.swapin_delay_total = ns;
	u.st.ac_pid = id;
	u.st.ac_tgid = tgid;
	put(m, &na, NLA_HDRLEN);
	put(m, &ida, NLA_HDRLEN);
	put(m, &id, 4);
	put(m, &sa, NLA_HDRLEN);
	put(m, &u, stats_len);
	((struct nlattr *)(m->buf + start))->nla_len = m->len - start;
}

/* An exit notification: a task's, and with group its thread group's. */
static void exit_msg(struct msg *m, uint32_t pid, uint32_t tgid, bool group, uint64_t count,
		     uint64_t ns)
{
	msg_start(m, FAMILY);
	put_aggr(m, TASKSTATS_TYPE_AGGR_PID, TASKSTATS_TYPE_PID, pid, tgid, count, ns,
		 TASKSTATS_VERSION, sizeof(struct taskstats), false);
	if (group)
		put_aggr(m, TASKSTATS_TYPE_AGGR_TGID, TASKSTATS_TYPE_TGID, tgid, tgid, count, ns,
			 TASKSTATS_VERSION, sizeof(struct taskstats), true);
	msg_end(m);
}

struct seen {
	int n;
	enum hf_taskstats_kind kind[4];
	uint32_t id[4], tgid[4];
	struct hf_delay d[4];
};

static void on_record(void *ctx, enum hf_taskstats_kind kind, uint32_t id, uint32_t tgid,
		      const struct hf_delay *d)
{
	struct seen *s = ctx;

	if (s->n < 4) {
		s->kind[s->n] = kind;
		s->id[s->n] = id;
		s->tgid[s->n] = tgid;
		s->d[s->n] = *d;
	}
	s->n++;
}

static void test_taskstats_parse(void)
{
	struct msg m;
	struct seen s = { 0 };
	int r;

	exit_msg(&m, 42, 42, false, 7, 7000);
	r = hf_taskstats_parse(m.buf, m.len, FAMILY, on_record, &s);
	CHECK("taskstats_parse_task_exit", r == 1 && s.n == 1 && s.kind[0] == HF_TASKSTATS_PID &&
	      s.id[0] == 42 && s.tgid[0] == 42 && s.d[0].count == 7 && s.d[0].total_ns == 7000,
	      "r %d n %d id %u tgid %u count %llu", r, s.n, s.id[0], s.tgid[0],
	      (unsigned long long)s.d[0].count);

	memset(&s, 0, sizeof(s));
	exit_msg(&m, 43, 40, true, 9, 123456789012ULL);
	r = hf_taskstats_parse(m.buf, m.len, FAMILY, on_record, &s);
	CHECK("taskstats_parse_group_exit", r == 2 && s.kind[0] == HF_TASKSTATS_PID &&
	      s.id[0] == 43 && s.tgid[0] == 40 && s.kind[1] == HF_TASKSTATS_TGID &&
	      s.id[1] == 40 && s.d[1].total_ns == 123456789012ULL,
	      "r %d kinds %d %d ids %u %u", r, s.kind[0], s.kind[1], s.id[0], s.id[1]);

	/* A version-1 structure: no ac_tgid, so the task's process is unknown. */
	memset(&s, 0, sizeof(s));
	msg_start(&m, FAMILY);
	put_aggr(&m, TASKSTATS_TYPE_AGGR_PID, TASKSTATS_TYPE_PID, 44, 44, 3, 300, 1,
		 offsetof(struct taskstats, ac_comm), false);
	msg_end(&m);
	r = hf_taskstats_parse(m.buf, m.len, FAMILY, on_record, &s);
	CHECK("taskstats_parse_version_1", r == 1 && s.id[0] == 44 && s.tgid[0] == 0 &&
	      s.d[0].count == 3, "r %d tgid %u count %llu", r, s.tgid[0],
	      (unsigned long long)s.d[0].count);

	/* Larger than ours (a newer kernel): the fields we know are read. */
	memset(&s, 0, sizeof(s));
	msg_start(&m, FAMILY);
	put_aggr(&m, TASKSTATS_TYPE_AGGR_PID, TASKSTATS_TYPE_PID, 45, 45, 5, 500, 99,
		 sizeof(struct taskstats) + 64, false);
	msg_end(&m);
	r = hf_taskstats_parse(m.buf, m.len, FAMILY, on_record, &s);
	CHECK("taskstats_parse_newer_struct", r == 1 && s.d[0].count == 5 && s.tgid[0] == 45,
	      "r %d count %llu", r, (unsigned long long)s.d[0].count);

	msg_start(&m, FAMILY);
	put_aggr(&m, TASKSTATS_TYPE_AGGR_PID, TASKSTATS_TYPE_PID, 46, 46, 5, 500, 1,
		 offsetof(struct taskstats, swapin_delay_total), false);
	msg_end(&m);
	r = hf_taskstats_parse(m.buf, m.len, FAMILY, on_record, &s);
	CHECK("taskstats_parse_short_stats", r == -EINVAL, "r %d", r);

	exit_msg(&m, 47, 47, false, 1, 1);
	((struct nlattr *)(m.buf + NLMSG_LENGTH(GENL_HDRLEN)))->nla_len += 64;
	r = hf_taskstats_parse(m.buf, m.len, FAMILY, on_record, &s);
	CHECK("taskstats_parse_overrun", r == -EINVAL, "r %d", r);

	{
		struct { struct nlmsghdr nh; struct nlmsgerr e; } err = {
			{ .nlmsg_len = sizeof(err), .nlmsg_type = NLMSG_ERROR },
			{ .error = -ESRCH },
		};

		r = hf_taskstats_parse(&err, sizeof(err), FAMILY, on_record, &s);
		CHECK("taskstats_parse_error", r == -ESRCH, "r %d", r);
	}
	memset(&s, 0, sizeof(s));
	exit_msg(&m, 48, 48, false, 1, 1);
	r = hf_taskstats_parse(m.buf, m.len, FAMILY + 1, on_record, &s);
	CHECK("taskstats_parse_other_family", r == 0 && s.n == 0, "r %d n %d", r, s.n);
}

/* ---- cgroups from a fixture /proc ---- */

static char root[] = "/tmp/fbtrace-metrics.XXXXXX";

static void proc_file(int pid, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/%d", root, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/proc/%d/%s", root, pid, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) == EOF || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void process(int pid, char state, const char *cgroup)
{
	char stat[128];

	snprintf(stat, sizeof(stat), "%d (a) b) %c 1 1 1 0 -1\n", pid, state);
	proc_file(pid, "stat", stat);
	proc_file(pid, "cgroup", cgroup);
}

static void check_cgroup(const char *name, int pid, int want_err, const char *want)
{
	char path[64] = "";
	int err = hf_cgroup_of_pid(pid, path, sizeof(path));

	CHECK(name, err == want_err && (err || !strcmp(path, want)),
	      "pid %d: got %d '%s', want %d '%s'", pid, err, path, want_err, want ? want : "");
}

static void test_cgroup_of_pid(void)
{
	char dir[300];

	snprintf(dir, sizeof(dir), "%s/proc", root);
	mkdir(dir, 0755);
	setenv("HAWKFETCH_SYSROOT", root, 1);
	process(10, 'S', "0::/job/a\n");
	process(11, 'R', "12:pids:/x\n4:memory:/mem/job\n1:name=systemd:/y\n0::/\n");
	process(12, 'S', "5:cpu,memory,cpuacct:/odd:name (x)\n");
	process(13, 'Z', "0::/\n");
	process(14, 'S', "3:cpu:/only-cpu\n");
	process(15, 'S', "0::/a/very/long/path/that/does/not/fit/in/sixty/four/bytes/at/all/none\n");
	check_cgroup("cgroup_of_pid_v2", 10, 0, "/job/a");
	check_cgroup("cgroup_of_pid_v1_memory_first", 11, 0, "/mem/job");
	check_cgroup("cgroup_of_pid_colon_and_controllers", 12, 0, "/odd:name (x)");
	check_cgroup("cgroup_of_pid_zombie", 13, -ESRCH, NULL);
	check_cgroup("cgroup_of_pid_no_memory_no_v2", 14, -ENOENT, NULL);
	check_cgroup("cgroup_of_pid_too_long", 15, -ENAMETOOLONG, NULL);
	check_cgroup("cgroup_of_pid_gone", 16, -ENOENT, NULL);
}

/* ---- the summary ---- */

static void add(struct fault_stats *st, int pid, const char *comm, enum fault_kind kind, int n)
{
	struct fault_record r;

	fault_record_clear(&r);
	r.pid = r.tid = pid;
	r.kind = kind;
	memcpy(r.comm, comm, strlen(comm) < sizeof(r.comm) ? strlen(comm) : sizeof(r.comm));
	while (n--)
		fault_stats_add(st, &r);
}

static char *capture(void (*fn)(const struct fault_stats *, FILE *, unsigned int),
		     const struct fault_stats *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(st, f, 20);
	fclose(f);
	return buf;
}

static char *exposition(const struct fault_stats *st, uint64_t lost, bool per_process)
{
	struct hf_metrics *m = hf_metrics_new("fbtrace");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fault_stats_metrics(st, m, lost, per_process);
	hf_metrics_write(m, f);
	fclose(f);
	hf_metrics_free(m);
	return buf;
}

static void test_delays(void)
{
	struct fault_stats st = { 0 };
	struct fault_stats_pid *p;

	add(&st, 100, "one", FAULT_SWAPIN, 3);
	add(&st, 200, "many", FAULT_SWAPIN, 5);
	p = fault_stats_find(&st, 100);
	fault_stats_delay_live(p, 2, 2000);
	fault_stats_delay_live(p, 1, 1000);	/* an older reading: counters never fall */
	CHECK("delay_live_keeps_largest", p->delay_count == 2 && p->delay_ns == 2000 &&
	      p->delay_state == FAULT_DELAY_LIVE, "count %llu ns %llu",
	      (unsigned long long)p->delay_count, (unsigned long long)p->delay_ns);
	fault_stats_delay_exit(&st, false, 100, 100, 3, 3000);
	CHECK("delay_single_thread_exit", p->delay_count == 3 && p->delay_ns == 3000 &&
	      p->delay_state == FAULT_DELAY_LEADER, "count %llu state %d",
	      (unsigned long long)p->delay_count, p->delay_state);

	p = fault_stats_find(&st, 200);
	/* A thread's exit is not its process's; an untraced process is ignored. */
	fault_stats_delay_exit(&st, false, 201, 200, 50, 50000);
	fault_stats_delay_exit(&st, false, 300, 300, 50, 50000);
	CHECK("delay_thread_and_untraced_ignored", p->delay_state == FAULT_DELAY_UNKNOWN &&
	      !fault_stats_find(&st, 300), "state %d", p->delay_state);
	/* The first thread left early, then the last one; the group's stands. */
	fault_stats_delay_exit(&st, false, 200, 200, 1, 100);
	fault_stats_delay_exit(&st, true, 200, 200, 6, 6000);
	fault_stats_delay_exit(&st, false, 200, 200, 1, 100);
	CHECK("delay_group_exit_final", p->delay_count == 6 && p->delay_ns == 6000 &&
	      p->delay_state == FAULT_DELAY_FINAL && p->gone, "count %llu state %d gone %d",
	      (unsigned long long)p->delay_count, p->delay_state, p->gone);
	fault_stats_free(&st);
}

/* Slot records (trace format v2) are no faults: counted nowhere. */
static void test_slot_records(void)
{
	struct fault_stats st = { 0 };

	add(&st, 100, "one", FAULT_SWAPIN, 2);
	add(&st, 100, "one", SLOT_SWAPOUT, 3);
	add(&st, 200, "kswapd0", SLOT_UNCACHE, 1);
	add(&st, 200, "kswapd0", SLOT_FREE, 1);
	CHECK_TRUE("slot_records_not_counted", fault_stats_sum(&st) == 2 &&
		   st.total[FAULT_SWAPIN] == 2 && st.npids == 1 && !fault_stats_find(&st, 200));
	fault_stats_free(&st);
}

static void test_summary(void)
{
	struct fault_stats st = { 0 };
	struct fault_stats_cgroup *cg;
	struct json_object *o = json_object_new_object(), *pids, *cgs, *v;
	unsigned int n;
	char *text;

	add(&st, 1, "a", FAULT_SWAPIN, 10);
	add(&st, 1, "a", FAULT_MAJOR, 1);
	add(&st, 2, "b\"q\\", FAULT_SWAPIN, 4);
	add(&st, 3, "c", FAULT_MINOR, 7);
	add(&st, 4, "d", FAULT_SWAPIN, 2);
	fault_stats_set_cgroup(fault_stats_find(&st, 1), "/job");
	fault_stats_set_cgroup(fault_stats_find(&st, 2), "/job");
	fault_stats_set_cgroup(fault_stats_find(&st, 3), "/other \"x\"");
	fault_stats_delay_live(fault_stats_find(&st, 1), 10, 2500000);
	fault_stats_delay_live(fault_stats_find(&st, 2), 4, 1000000);

	cg = fault_stats_cgroups(&st, &n);
	CHECK("cgroups_summed", n == 3 && !strcmp(cg[0].cgroup, "/job") && cg[0].nprocs == 2 &&
	      cg[0].count[FAULT_SWAPIN] == 14 && cg[0].count[FAULT_MAJOR] == 1 &&
	      cg[0].delay_known && cg[0].delay_count == 14 && cg[0].delay_ns == 3500000 &&
	      !strcmp(cg[1].cgroup, "/other \"x\"") && !cg[1].delay_known &&
	      !cg[2].cgroup && cg[2].count[FAULT_SWAPIN] == 2,
	      "n %u first %s procs %u swapin %llu delay %llu", n, cg[0].cgroup, cg[0].nprocs,
	      (unsigned long long)cg[0].count[FAULT_SWAPIN], (unsigned long long)cg[0].delay_ns);
	free(cg);

	text = capture(fault_stats_print, &st);
	CHECK("plain_delay_columns", strstr(text, "DELAY_MS    MEAN_US\n") &&
	      strstr(text, "       1 a                        10          1          0        2.500      250.0\n") &&
	      strstr(text, "       3 c                         0          0          7            -          -\n"),
	      "\n%s", text);
	free(text);
	text = capture(fault_stats_print_cgroups, &st);
	CHECK("plain_cgroup_table", strstr(text, "PROCS CGROUP\n") &&
	      strstr(text, "        14          1          0        3.500      250.0      2 /job\n") &&
	      strstr(text, "            -          -      1 -\n"), "\n%s", text);
	free(text);

	fault_stats_to_json(&st, o);
	pids = json_object_object_get(o, "by_pid");
	cgs = json_object_object_get(o, "by_cgroup");
	v = json_object_array_get_idx(pids, 0);	/* pid 1, the most faults */
	CHECK("json_pid_delay", json_object_get_int(json_object_object_get(v, "pid")) == 1 &&
	      json_object_get_int64(json_object_object_get(v, "swapin_delay_ns")) == 2500000 &&
	      json_object_get_int64(json_object_object_get(v, "swapin_delay_count")) == 10 &&
	      json_object_get_int64(json_object_object_get(v, "swapin_delay_mean_ns")) == 250000 &&
	      !strcmp(json_object_get_string(json_object_object_get(v, "cgroup")), "/job"),
	      "%s", json_object_to_json_string(v));
	v = json_object_array_get_idx(pids, 1);	/* pid 3: delay unknown */
	CHECK("json_unknown_delay_absent",
	      json_object_get_int(json_object_object_get(v, "pid")) == 3 &&
	      !json_object_object_get_ex(v, "swapin_delay_ns", NULL) &&
	      !json_object_object_get_ex(v, "swapin_delay_count", NULL),
	      "%s", json_object_to_json_string(v));
	v = json_object_array_get_idx(cgs, 2);
	CHECK("json_unknown_cgroup_null", json_object_array_length(cgs) == 3 &&
	      json_object_object_get_ex(v, "cgroup", NULL) &&
	      !json_object_object_get(v, "cgroup") &&
	      json_object_object_get_ex(o, "by_kind", NULL),
	      "%s", json_object_to_json_string(cgs));
	json_object_put(o);

	text = exposition(&st, 3, true);
	CHECK("metrics_per_process", strstr(text,
	      "hawkfetch_fbtrace_faults_total{pid=\"2\",comm=\"b\\\"q\\\\134\",kind=\"swapin\"} 4\n") &&
	      strstr(text, "hawkfetch_fbtrace_swapin_delay_seconds_total{pid=\"1\",comm=\"a\"} 0.0025\n") &&
	      strstr(text, "hawkfetch_fbtrace_swapin_delays_total{pid=\"1\",comm=\"a\"} 10\n") &&
	      !strstr(text, "hawkfetch_fbtrace_swapin_delays_total{pid=\"3\"") &&
	      strstr(text, "hawkfetch_fbtrace_lost_events_total 3\n"), "\n%s", text);
	CHECK("metrics_per_cgroup", strstr(text,
	      "hawkfetch_fbtrace_cgroup_faults_total{cgroup=\"/job\",kind=\"swapin\"} 14\n") &&
	      strstr(text, "hawkfetch_fbtrace_cgroup_faults_total{cgroup=\"/other \\\"x\\\"\",kind=\"minor\"} 7\n") &&
	      strstr(text, "hawkfetch_fbtrace_cgroup_faults_total{cgroup=\"-\",kind=\"swapin\"} 2\n") &&
	      strstr(text, "hawkfetch_fbtrace_cgroup_swapin_delay_seconds_total{cgroup=\"/job\"} 0.0035\n") &&
	      !strstr(text, "hawkfetch_fbtrace_cgroup_swapin_delays_total{cgroup=\"-\"}") &&
	      strstr(text, "# UNIT hawkfetch_fbtrace_cgroup_swapin_delay_seconds_total seconds\n"),
	      "\n%s", text);
	free(text);
	text = exposition(&st, 0, false);
	CHECK("metrics_cgroups_only", !strstr(text, "pid=") &&
	      strstr(text, "hawkfetch_fbtrace_cgroup_swapin_delays_total{cgroup=\"/job\"} 14\n"),
	      "\n%s", text);
	free(text);
	fault_stats_free(&st);
}

/* ---- --exposition TRACE ---- */

static int expose(const char *trace, bool per_process)
{
	FILE *in = fopen(trace, "r");
	struct record_reader *rd;
	struct fault_stats st = { 0 };
	struct fault_record r;
	struct hf_metrics *m;
	int ret;

	if (!in) {
		perror(trace);
		return 1;
	}
	rd = record_reader_new(in, trace);
	while ((ret = record_read(rd, &r)) == 1) {
		struct fault_stats_pid *p = fault_stats_add(&st, &r);
		char cgroup[4096];

		if (p && !p->cgroup && !hf_cgroup_of_pid(p->pid, cgroup, sizeof(cgroup)))
			fault_stats_set_cgroup(p, cgroup);
	}
	if (ret < 0) {
		fprintf(stderr, "%s\n", record_reader_error(rd));
		return 1;
	}
	/* The exit notifications, through the parser as fbtrace reads them. */
	for (unsigned int i = 0; i < st.nslots; i++) {
		const struct fault_stats_pid *p = &st.slot[i];
		struct msg msg;
		struct seen s = { 0 };

		if (!p->pid || p->pid % 3 == 2)
			continue;
		exit_msg(&msg, p->pid, p->pid, p->pid % 3 == 0, p->count[FAULT_SWAPIN],
			 p->count[FAULT_SWAPIN] * 25000);
		hf_taskstats_parse(msg.buf, msg.len, FAMILY, on_record, &s);
		for (int k = 0; k < s.n && k < 4; k++)
			fault_stats_delay_exit(&st, s.kind[k] == HF_TASKSTATS_TGID, s.id[k],
					       s.tgid[k], s.d[k].count, s.d[k].total_ns);
	}
	m = hf_metrics_new("fbtrace");
	fault_stats_metrics(&st, m, 0, per_process);
	ret = hf_metrics_write(m, stdout);
	hf_metrics_free(m);
	record_reader_free(rd);
	fclose(in);
	fault_stats_free(&st);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "--exposition"))
		return expose(argv[2], !(argc > 3 && !strcmp(argv[3], "--cgroups-only")));
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	test_taskstats_parse();
	test_cgroup_of_pid();
	test_delays();
	test_slot_records();
	test_summary();
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd))
			fprintf(stderr, "cannot remove %s\n", root);
	}
	return UNIT_EXIT();
}
