// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for hpbloat --recover's planning: order by bloat across
 * processes, --min-zero, --budget, the default threshold from
 * max_ptes_none, the memory watermarks from a fixture /proc, and the
 * document that ends --watch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "hpbloat/recover.h"
#include "hpbloat/watch.h"
#include "unit.h"

static struct hf_bloat_proc proc(pid_t pid, const unsigned int *zero, size_t n)
{
	struct hf_bloat_proc p = { .pid = pid };

	p.region = calloc(n, sizeof(*p.region));
	p.nregion = n;
	for (size_t i = 0; i < n; i++) {
		p.region[i].addr = 0x200000ULL * (i + 1);
		p.region[i].zero_subpages = zero[i];
	}
	snprintf(p.comm, sizeof(p.comm), "p%d", pid);
	return p;
}

static void test_plan(void)
{
	static const unsigned int a[] = { 512, 10, 300 }, b[] = { 400, 256, 0 };
	struct hf_bloat_proc procs[2] = { proc(2000000001, a, 3), proc(2000000002, b, 3) };
	struct hf_recover_run run;
	char order[128] = "";

	hf_recover_plan(&run, procs, 2, 256, 0);
	for (size_t i = 0; i < run.nregion; i++)
		snprintf(order + strlen(order), sizeof(order) - strlen(order), "%u/%d ",
			 run.region[i].zero, run.region[i].proc);
	CHECK("recover-plan-order-across-processes", !strcmp(order, "512/0 400/1 300/0 256/1 "),
	      "got '%s'", order);
	CHECK("recover-plan-totals", run.candidates == 4 && run.zero_subpages == 1468 &&
	      run.proc[0].regions == 2 && run.proc[1].zero_subpages == 656,
	      "candidates %llu, zero %llu", (unsigned long long)run.candidates,
	      (unsigned long long)run.zero_subpages);
	hf_recover_run_free(&run);

	/* Budget 800: 512 is short of it, 400 more passes it: two regions. */
	hf_recover_plan(&run, procs, 2, 256, 800);
	CHECK("recover-plan-budget", run.nregion == 2 && run.zero_subpages == 912 &&
	      run.candidates == 4, "%zu regions, %llu zero subpages", run.nregion,
	      (unsigned long long)run.zero_subpages);
	hf_recover_run_free(&run);

	/* min-zero 1 still leaves out a region without zero subpages. */
	hf_recover_plan(&run, procs, 2, 1, 0);
	CHECK("recover-plan-min-zero-1", run.nregion == 5, "%zu regions", run.nregion);
	hf_recover_run_free(&run);
	free(procs[0].region);
	free(procs[1].region);
}

static void test_default_min_zero(void)
{
	struct hf_thp_policy p = { .max_ptes_none = 511 };
	unsigned int d511 = hf_recover_default_min_zero(&p), d255, dunknown;

	p.max_ptes_none = 255;
	d255 = hf_recover_default_min_zero(&p);
	p.max_ptes_none = -1;
	dunknown = hf_recover_default_min_zero(&p);
	CHECK("recover-default-min-zero", d511 == 512 && d255 == 256 && dunknown == 512,
	      "511 -> %u, 255 -> %u, unknown -> %u", d511, d255, dunknown);
}

/*
 * At max_ptes_none 511 the default floor (512) leaves only wholly zero
 * huge pages: the hint says why and names both ways forward.
 */
static void test_floor_hint(void)
{
	struct hf_thp_policy p = { .max_ptes_none = 511 };
	char hint[768] = "";
	bool at511 = hf_recover_floor_hint(&p, false, hint, sizeof(hint)), given, low, unread;

	CHECK("recover-hint-at-511", at511 && strstr(hint, "max_ptes_none is 511") &&
	      strstr(hint, "khugepaged") && strstr(hint, "collapse") && strstr(hint, "--min-zero N") &&
	      strstr(hint, "lower max_ptes_none") && strstr(hint, "hpbloat --recover --watch"),
	      "got '%s'", hint);
	given = hf_recover_floor_hint(&p, true, hint, sizeof(hint));
	p.max_ptes_none = 255;
	low = hf_recover_floor_hint(&p, false, hint, sizeof(hint));
	CHECK("recover-hint-only-at-default-floor", !given && !low,
	      "--min-zero given: %d, max_ptes_none 255: %d", given, low);
	p.max_ptes_none = -1;
	unread = hf_recover_floor_hint(&p, false, hint, sizeof(hint));
	CHECK("recover-hint-unreadable", unread && strstr(hint, "unreadable"), "got '%s'", hint);
	/* The fixture trees: 409 and 0 (an older kernel's) need no hint. */
	setenv("HAWKFETCH_SYSROOT", "tests/fixtures/thp-shrinker-on", 1);
	hf_thp_policy_read(&p);
	low = hf_recover_floor_hint(&p, false, hint, sizeof(hint));
	CHECK("recover-hint-fixture-409", p.max_ptes_none == 409 && !low, "max_ptes_none %d",
	      p.max_ptes_none);
	unsetenv("HAWKFETCH_SYSROOT");
}

static void test_mem_state(void)
{
	char dir[] = "/tmp/hf-recover-XXXXXX", path[256];
	struct hf_mem_state m;
	int err;

	if (!mkdtemp(dir))
		return;
	unit_put_file(dir, "proc/meminfo", "MemTotal:        1000000 kB\n"
		      "MemFree:          100000 kB\nMemAvailable:     250000 kB\n");
	unit_put_file(dir, "proc/pressure/memory",
		      "some avg10=12.50 avg60=3.00 avg300=1.00 total=100\n"
		      "full avg10=1.00 avg60=0.00 avg300=0.00 total=10\n");
	setenv("HAWKFETCH_SYSROOT", dir, 1);
	err = hf_mem_state_read(NULL, &m);
	CHECK("recover-mem-state-system", !err && m.total_kib == 1000000 && m.avail_kib == 250000 &&
	      m.avail_pct == 25.0 && m.psi_some_avg10 == 12.5,
	      "err %d, %llu/%llu kB, %.1f%%, psi %.2f", err, (unsigned long long)m.avail_kib,
	      (unsigned long long)m.total_kib, m.avail_pct, m.psi_some_avg10);

	/* A cgroup v2 limit of 400 MB with 300 MB used: 25% available. */
	unit_put_file(dir, "cg/memory.max", "409600000\n");
	unit_put_file(dir, "cg/memory.current", "307200000\n");
	snprintf(path, sizeof(path), "%s/cg", dir);
	err = hf_mem_state_read(path, &m);
	CHECK("recover-mem-state-cgroup-limit", !err && m.total_kib == 400000 &&
	      m.avail_kib == 100000 && m.avail_pct == 25.0 && m.psi_some_avg10 < 0,
	      "err %d, %llu/%llu kB, %.1f%%, psi %.2f", err, (unsigned long long)m.avail_kib,
	      (unsigned long long)m.total_kib, m.avail_pct, m.psi_some_avg10);
	unsetenv("HAWKFETCH_SYSROOT");
	if (fork() == 0)
		execlp("rm", "rm", "-rf", dir, (char *)NULL), _exit(1);
	wait(NULL);
}

/* The document --watch ends with: its own type name, and the totals. */
static void test_watch_summary(void)
{
	struct hf_watch_totals t = { .rounds = 3, .starts = 1, .stops_high = 1,
				     .regions_split = 2, .returned = 700,
				     .last.avail_pct = 31.5, .elapsed_s = 2 };
	struct json_object *s = hf_watch_summary_json(&t, HF_RECOVER_MADVISE), *v;
	const char *type = json_object_get_string(json_object_object_get(s, "type"));

	CHECK("recover-watch-summary-type", type && !strcmp(type, "recover_summary"), "type %s",
	      type ? type : "(none)");
	CHECK("recover-watch-summary-totals",
	      json_object_get_uint64(json_object_object_get(s, "rounds")) == 3 &&
	      json_object_get_uint64(json_object_object_get(s, "returned_kib")) == 2800 &&
	      !strcmp(json_object_get_string(json_object_object_get(s, "mechanism")), "madvise") &&
	      json_object_object_get_ex(s, "signal", &v) && !v,
	      "%s", json_object_to_json_string(s));
	json_object_put(s);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_plan();
	test_default_min_zero();
	test_floor_hint();
	test_mem_state();
	test_watch_summary();
	return UNIT_EXIT();
}
