// SPDX-License-Identifier: GPL-2.0
/* hpcov: access coverage of each 2 MiB region (HawkEye's access_map), ranked. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "idle.h"
#include "maps.h"
#include "output.h"
#include "pagemap.h"
#include "procfs.h"
#include "targets.h"

static struct args {
	double interval;
	unsigned int rounds;
} args = { .interval = 1.0, .rounds = 1 };

static const struct argp_option options[] = {
	{ "interval", 'i', "SEC", 0, "Wait SEC seconds between marking and reading (default 1)", 0 },
	{ "rounds", 'n', "N", 0, "Average the coverage over N rounds (default 1)", 0 },
	{ 0 },
};

static const char doc[] =
	"Measure access coverage: how many of each 2 MiB region's 512 base pages a "
	"process touches in an interval, ranked in HawkEye's promotion order.\v"
	"Marks the process's pages idle in /sys/kernel/mm/page_idle/bitmap (PFNs from "
	"/proc/PID/pagemap; root only), waits, and counts the pages no longer idle. "
	"Regions fall into 10 buckets by coverage (bucket 9: 462 or more pages); the "
	"highest buckets gain most from a huge page. Regions already mapped by a huge page "
	"are listed as such, not as candidates. Memory content is never read.\n\n"
	"Examples:\n"
	"  hpcov --top 20 -A               the 20 best candidates system-wide\n"
	"  hpcov -p 4242 -i 5 -n 3 -j      three 5-second rounds, as JSON";

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'i':
		args.interval = hf_arg_seconds(arg, state);
		break;
	case 'n':
		args.rounds = hf_arg_u64(arg, 1, 1000, "round count", state);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child children[] = { HF_TARGETS_CHILD, HF_COMMON_CHILD, { 0 } };
static const struct argp argp = { options, parse_opt, NULL, doc, children, NULL, NULL };

/* ---- one process ---- */

struct snap {
	uint64_t addr;
	int vma;
	bool huge;
	uint64_t head_pfn;
	unsigned int coverage;		/* summed over rounds */
	uint64_t before[HF_HPAGE_NR];
};

struct target {
	pid_t pid;
	char comm[16];
	bool gone;
	struct hf_vmas vmas;
	struct hf_pagemap pm;
	struct snap *snap;
	size_t nsnap;
};

static int open_target(struct target *t, pid_t pid)
{
	struct proc_task task;
	const char *what;
	int err;

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->pm.pagemap_fd = t->pm.kpageflags_fd = -1;
	if ((err = proc_task_read(pid, &task)) || (err = hf_vmas_read(pid, &t->vmas)))
		return err;
	memcpy(t->comm, task.comm, sizeof(t->comm));
	if ((err = hf_pagemap_open(&t->pm, pid, 1, &what)))
		hf_vmas_free(&t->vmas);
	return err;
}

static void close_target(struct target *t)
{
	hf_pagemap_close(&t->pm);
	hf_vmas_free(&t->vmas);
	free(t->snap);
	t->snap = NULL;
}

/* The whole 2 MiB regions of every VMA (a huge page can only go there). */
static size_t count_regions(const struct hf_vmas *vmas)
{
	size_t n = 0;

	for (int i = 0; i < vmas->n; i++) {
		uint64_t start = (vmas->vma[i].start + HF_HPAGE_SIZE - 1) & ~(HF_HPAGE_SIZE - 1);

		if (vmas->vma[i].end >= start + HF_HPAGE_SIZE)
			n += (vmas->vma[i].end - start) / HF_HPAGE_SIZE;
	}
	return n;
}

static int snapshot_region(struct target *t, struct snap *s, struct hf_region *r)
{
	int err = hf_region_probe(&t->pm, s->addr, r);

	if (err)
		return err;
	s->huge = r->kind != HF_REGION_BASE;
	s->head_pfn = r->head_pfn;
	memcpy(s->before, r->ent, sizeof(s->before));
	return 0;
}

/* Read the pagemap of every region (first round: also list the regions). */
static int snapshot(struct target *t)
{
	struct hf_region *r = malloc(sizeof(*r));
	size_t k = 0;
	int err = 0;

	if (!t->snap)
		t->snap = calloc(count_regions(&t->vmas) + 1, sizeof(*t->snap));
	if (!r || !t->snap) {
		free(r);
		return -ENOMEM;
	}
	for (int i = 0; !err && i < t->vmas.n; i++) {
		const struct hf_vma *v = &t->vmas.vma[i];
		uint64_t a = (v->start + HF_HPAGE_SIZE - 1) & ~(HF_HPAGE_SIZE - 1);

		for (; !err && a + HF_HPAGE_SIZE <= v->end; a += HF_HPAGE_SIZE, k++) {
			t->snap[k].addr = a;
			t->snap[k].vma = i;
			err = snapshot_region(t, &t->snap[k], r);
		}
	}
	t->nsnap = k;
	free(r);
	return err;
}

/* PFNs to mark: every present base page; a huge page's head stands for it. */
static void add_pfns(const struct target *t, uint64_t **pfn, size_t *n, size_t *cap)
{
	for (size_t i = 0; i < t->nsnap; i++) {
		const struct snap *s = &t->snap[i];

		for (unsigned int j = 0; j < (s->huge ? 1 : HF_HPAGE_NR); j++) {
			if (!(s->before[j] & PM_PRESENT))
				continue;
			if (*n == *cap) {
				*cap = *cap ? *cap * 2 : 4096;
				*pfn = realloc(*pfn, *cap * sizeof(**pfn));
				if (!*pfn)
					abort();
			}
			(*pfn)[(*n)++] = PM_PFN(s->before[j]);
		}
	}
}

static int account(struct target *t, const struct hf_idle_set *set)
{
	uint64_t after[HF_HPAGE_NR];

	for (size_t i = 0; i < t->nsnap; i++) {
		struct snap *s = &t->snap[i];
		int err;

		if (s->huge)
			continue;
		if ((err = hf_pagemap_read(&t->pm, s->addr, HF_HPAGE_NR, after)))
			return err;
		s->coverage += hf_cov_count(s->before, after, set);
	}
	return 0;
}

/* ---- the measurement ---- */

struct run {
	struct target *t;
	int nt;
	int idle_fd;
	int status;
};

static void drop(struct run *r, struct target *t, int err)
{
	t->gone = true;
	if (hf_targets.all) {
		hf_debug("pid %d: skipped: %s", t->pid, strerror(-err));
		return;
	}
	if (err == -ESRCH || err == -ENOENT)
		hf_err("pid %d: %s", t->pid, err == -ENOENT ? "no such process" :
		       "exited during the measurement");
	else
		hf_err("pid %d: %s", t->pid, strerror(-err));
	r->status = err == -EPERM || err == -EACCES ? HF_EXIT_NOPERM : HF_EXIT_FAIL;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int one_round(struct run *r)
{
	struct hf_idle_set set;
	uint64_t *pfn = NULL;
	size_t n = 0, cap = 0;
	int err;

	for (int i = 0; i < r->nt; i++)
		if (!r->t[i].gone && (err = snapshot(&r->t[i])))
			drop(r, &r->t[i], err);
	for (int i = 0; i < r->nt; i++)
		if (!r->t[i].gone)
			add_pfns(&r->t[i], &pfn, &n, &cap);
	err = hf_idle_set_build(&set, pfn, n);
	free(pfn);
	if (err || (err = hf_idle_mark(r->idle_fd, &set))) {
		hf_err("page_idle/bitmap: marking %zu pages: %s", n, strerror(-err));
		hf_idle_set_free(&set);
		return HF_EXIT_FAIL;
	}
	hf_debug("marked %zu pages idle in %zu bitmap words; waiting %.3g s", n, set.n,
		 args.interval);
	sleep_s(args.interval);
	err = hf_idle_read(r->idle_fd, &set);
	for (int i = 0; !err && i < r->nt; i++) {
		int e = r->t[i].gone ? 0 : account(&r->t[i], &set);

		if (e)
			drop(r, &r->t[i], e);
	}
	hf_idle_set_free(&set);
	if (err)
		hf_err("page_idle/bitmap: reading: %s", strerror(-err));
	return err ? HF_EXIT_FAIL : HF_EXIT_OK;
}

/* ---- output ---- */

static struct hf_cov_region *rank(const struct run *r, size_t *n)
{
	struct hf_cov_region *out = NULL;

	*n = 0;
	for (int i = 0; i < r->nt; i++) {
		const struct target *t = &r->t[i];

		if (t->gone)
			continue;
		out = realloc(out, (*n + t->nsnap + 1) * sizeof(*out));
		if (!out)
			abort();
		for (size_t j = 0; j < t->nsnap; j++)
			out[(*n)++] = (struct hf_cov_region){ t->pid, t->snap[j].addr,
				(t->snap[j].coverage + args.rounds / 2) / args.rounds,
				t->snap[j].huge, i, t->snap[j].vma };
	}
	if (*n)
		qsort(out, *n, sizeof(*out), hf_cov_cmp);
	return out;
}

static const struct target *target_of(const struct run *r, const struct hf_cov_region *c)
{
	return &r->t[c->owner];
}

static const char *vma_name(const struct run *r, const struct hf_cov_region *c)
{
	return hf_vma_name(&target_of(r, c)->vmas.vma[c->vma]);
}

static void print_plain(const struct run *r, const struct hf_cov_region *c, size_t n)
{
	size_t rank = 0;

	printf("%5s %7s %-15s %-16s %8s %6s  %s\n", "RANK", "PID", "COMM", "ADDRESS",
	       "COVERAGE", "BUCKET", "VMA");
	for (size_t i = 0; i < n; i++) {
		if (c[i].huge && hf_targets.top)
			break;
		if (!c[i].huge && hf_targets.top && rank == hf_targets.top)
			continue;
		if (c[i].huge)
			printf("%5s %7d %-15s 0x%-14llx %8s %6s  %s\n", "-", c[i].pid,
			       target_of(r, &c[i])->comm, (unsigned long long)c[i].addr, "huge", "-",
			       vma_name(r, &c[i]));
		else
			printf("%5zu %7d %-15s 0x%-14llx %8u %6u  %s\n", ++rank, c[i].pid,
			       target_of(r, &c[i])->comm, (unsigned long long)c[i].addr,
			       c[i].coverage, hf_cov_bucket(c[i].coverage), vma_name(r, &c[i]));
	}
}

static struct json_object *region_json(const struct run *r, const struct hf_cov_region *c,
				       size_t rank)
{
	struct json_object *o = json_object_new_object();

	if (rank)
		hf_json_set_u64(o, "rank", rank);
	hf_json_set_u64(o, "pid", c->pid);
	hf_json_set_str(o, "comm", target_of(r, c)->comm);
	json_object_object_add(o, "addr", hf_json_addr(c->addr));
	if (rank) {
		hf_json_set_u64(o, "coverage", c->coverage);
		hf_json_set_u64(o, "bucket", hf_cov_bucket(c->coverage));
	}
	hf_json_set_str(o, "vma", vma_name(r, c));
	return o;
}

static void print_json(const struct run *r, const struct hf_cov_region *c, size_t n)
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
	hf_json_set_u64(o, "interval_ms", args.interval * 1000);
	hf_json_set_u64(o, "rounds", args.rounds);
	hf_json_set_u64(o, "buckets", HF_COV_BUCKETS);
	json_object_object_add(o, "candidates", cand);
	json_object_object_add(o, "huge_regions", huge);
	hf_json_emit(stdout, o);
	json_object_put(o);
}

/* ---- setup ---- */

static int open_bitmap(struct run *r)
{
	char path[512];
	int err = hf_idle_open(&r->idle_fd, path, sizeof(path));

	if (err == -ENOENT) {
		hf_err("idle page tracking is not available (%s: %s): this kernel was built "
		       "without CONFIG_IDLE_PAGE_TRACKING; hpcov needs it (the hawkfetch vm "
		       "kernel has it)", path, strerror(-err));
		return HF_EXIT_NOFEATURE;
	}
	if (err) {
		hf_err("%s: %s%s", path, strerror(-err), err == -EACCES || err == -EPERM ?
		       " (idle page tracking and pagemap PFNs need root)" : "");
		return err == -EACCES || err == -EPERM ? HF_EXIT_NOPERM : HF_EXIT_FAIL;
	}
	return HF_EXIT_OK;
}

static int open_targets(struct run *r)
{
	r->t = calloc(hf_targets.pids.n, sizeof(*r->t));
	if (!r->t)
		return HF_EXIT_FAIL;
	for (int i = 0; i < hf_targets.pids.n; i++) {
		struct target *t = &r->t[r->nt];
		int err = open_target(t, hf_targets.pids.pid[i]);

		if (err == -EPERM || err == -EACCES || !hf_targets.all || !err)
			r->nt++;
		if (err)
			drop(r, t, err);
	}
	return HF_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct run r = { .idle_fd = -1 };
	struct hf_cov_region *ranked;
	size_t n;
	int err;

	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((err = open_bitmap(&r)))
		return err;
	if ((err = hf_targets_expand())) {
		hf_err("/proc: %s", strerror(-err));
		return HF_EXIT_FAIL;
	}
	open_targets(&r);
	for (unsigned int i = 0; i < args.rounds && !(err = one_round(&r)); i++)
		;
	ranked = rank(&r, &n);
	if (!err && (n || !r.status))
		hf_opts.json ? print_json(&r, ranked, n) : print_plain(&r, ranked, n);
	free(ranked);
	for (int i = 0; i < r.nt; i++)
		close_target(&r.t[i]);
	free(r.t);
	close(r.idle_fd);
	return err ? err : r.status;
}
