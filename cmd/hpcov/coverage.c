// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "accessmap.h"
#include "coverage.h"
#include "helpers.h"
#include "procfs.h"

/* ---- one process ---- */

const char *hf_cov_source_name(enum hf_cov_source source)
{
	switch (source) {
	case HF_COV_ACCESS_MAP:
		return "access_map";
	case HF_COV_FILE:
		return "file";
	default:
		return "page_idle";
	}
}

static int open_target(struct hf_cov_target *t, pid_t pid, enum hf_cov_source source)
{
	const char *what;
	int err;

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->pm.pagemap_fd = t->pm.kpageflags_fd = -1;
	if ((err = hf_proc_comm_read(pid, t->comm)) || (err = hf_vmas_read(pid, &t->vmas)))
		return err;
	if (source == HF_COV_ACCESS_MAP)
		return 0;	/* the kernel measures: no pagemap */
	if ((err = hf_pagemap_open(&t->pm, pid, 1, &what)))
		hf_vmas_free(&t->vmas);
	return err;
}

static void close_target(struct hf_cov_target *t)
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

static int snapshot_region(struct hf_cov_target *t, struct hf_cov_snap *s, struct hf_region *r)
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
static int snapshot(struct hf_cov_target *t)
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
static void add_pfns(const struct hf_cov_target *t, uint64_t **pfn, size_t *n, size_t *cap)
{
	for (size_t i = 0; i < t->nsnap; i++) {
		const struct hf_cov_snap *s = &t->snap[i];

		for (unsigned int j = 0; j < (s->huge ? 1 : HF_HPAGE_NR); j++) {
			if (!(s->before[j] & PM_PRESENT))
				continue;
			if (HF_GROW(*pfn, *cap, *n + 1))
				abort();
			(*pfn)[(*n)++] = PM_PFN(s->before[j]);
		}
	}
}

static int account(struct hf_cov_target *t, const struct hf_idle_set *set)
{
	uint64_t after[HF_HPAGE_NR];

	for (size_t i = 0; i < t->nsnap; i++) {
		struct hf_cov_snap *s = &t->snap[i];
		int err;

		if (s->huge)
			continue;
		if ((err = hf_pagemap_read(&t->pm, s->addr, HF_HPAGE_NR, after)))
			return err;
		s->coverage += hf_cov_count(s->before, after, set);
	}
	return 0;
}

/* ---- from the kernel's access_map ---- */

static int find_vma(const struct hf_vmas *vmas, uint64_t addr)
{
	for (int i = 0; i < vmas->n; i++)
		if (addr >= vmas->vma[i].start && addr < vmas->vma[i].end)
			return i;
	return -1;
}

/*
 * The regions khugepaged lists for t, each with its VMA (read again: the
 * process may have mapped more since); a region no longer mapped is left
 * out. -EINVAL (a malformed file) has been reported here.
 */
static int read_access_map(struct hf_cov_target *t, bool quiet)
{
	struct hf_access_map_entry *e = NULL;
	char msg[512];
	size_t n = 0, k = 0;
	int err;

	hf_vmas_free(&t->vmas);
	if ((err = hf_vmas_read(t->pid, &t->vmas)))
		return err;
	if ((err = hf_access_map_read_pid(t->pid, &e, &n, msg, sizeof(msg)))) {
		if (err == -EINVAL)
			hf_err("%s", msg);
		return err;
	}
	free(t->snap);
	t->snap = calloc(n + 1, sizeof(*t->snap));
	if (!t->snap) {
		free(e);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		int vma = find_vma(&t->vmas, e[i].addr);

		if (vma < 0) {
			hf_debug("pid %d: region 0x%llx is no longer mapped", t->pid,
				 (unsigned long long)e[i].addr);
			continue;
		}
		t->snap[k].addr = e[i].addr;
		t->snap[k].vma = vma;
		t->snap[k].huge = e[i].huge;
		t->snap[k++].coverage = e[i].coverage;
	}
	t->nsnap = k;
	free(e);
	if (!n && !quiet && !t->warned_empty) {
		t->warned_empty = true;
		hf_warn("pid %d: /proc/%d/access_map is empty: khugepaged has not measured it "
			"yet (it registers processes with THP-eligible memory and lists a region "
			"once it has measured it, twice with khugepaged/measure_millisecs 0)", t->pid, t->pid);
	}
	return 0;
}

/* ---- the measurement ---- */

static void drop(struct hf_covscan *r, struct hf_cov_target *t, int err)
{
	t->gone = true;
	if (r->all) {
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

static int access_map_round(struct hf_covscan *r)
{
	if (r->rounds)
		hf_sleep_s(r->interval, r->stop);
	for (int i = 0; i < r->nt; i++) {
		struct hf_cov_target *t = &r->t[i];
		int err = t->gone ? 0 : read_access_map(t, r->all);

		if (err == -EINVAL) {	/* reported: never skipped quietly */
			t->gone = true;
			r->status = HF_EXIT_FAIL;
		} else if (err) {
			drop(r, t, err);
		}
	}
	r->rounds++;
	return HF_EXIT_OK;
}

int hf_covscan_round(struct hf_covscan *r)
{
	struct hf_idle_set set;
	uint64_t *pfn = NULL;
	size_t n = 0, cap = 0;
	int err;

	if (r->source == HF_COV_ACCESS_MAP)
		return access_map_round(r);
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
		 r->interval);
	hf_sleep_s(r->interval, r->stop);
	err = hf_idle_read(r->idle_fd, &set);
	for (int i = 0; !err && i < r->nt; i++) {
		int e = r->t[i].gone ? 0 : account(&r->t[i], &set);

		if (e)
			drop(r, &r->t[i], e);
	}
	hf_idle_set_free(&set);
	if (err)
		hf_err("page_idle/bitmap: reading: %s", strerror(-err));
	else
		r->rounds++;
	return err ? HF_EXIT_FAIL : HF_EXIT_OK;
}


struct hf_cov_region *hf_covscan_rank(const struct hf_covscan *r, size_t *n)
{
	/* access_map: the last read, already khugepaged's moving average */
	unsigned int rounds = r->rounds && r->source == HF_COV_PAGE_IDLE ? r->rounds : 1;
	struct hf_cov_region *out = NULL;

	*n = 0;
	for (int i = 0; i < r->nt; i++) {
		const struct hf_cov_target *t = &r->t[i];

		if (t->gone)
			continue;
		out = realloc(out, (*n + t->nsnap + 1) * sizeof(*out));
		if (!out)
			abort();
		for (size_t j = 0; j < t->nsnap; j++)
			out[(*n)++] = (struct hf_cov_region){ t->pid, t->snap[j].addr,
				(t->snap[j].coverage + rounds / 2) / rounds,
				t->snap[j].huge, i, t->snap[j].vma };
	}
	if (*n)
		qsort(out, *n, sizeof(*out), hf_cov_cmp);
	return out;
}


/* scan_order: its path on the hawkfetch kernel in address order, else NULL. */
static int open_bitmap(struct hf_covscan *r, const char *scan_order)
{
	char path[512];
	int err = hf_idle_open(&r->idle_fd, path, sizeof(path));

	if (err == -ENOENT && scan_order) {
		hf_err("khugepaged scans in address order, so /proc/PID/access_map is not filled, "
		       "and idle page tracking is not available (%s: %s): as root, "
		       "echo coverage > %s", path, strerror(-err), scan_order);
		return HF_EXIT_NOFEATURE;
	}
	if (err == -ENOENT) {
		hf_err("idle page tracking is not available (%s: %s): this kernel was built "
		       "without CONFIG_IDLE_PAGE_TRACKING; hpcov needs it to measure (the "
		       "hawkfetch vm kernel has it); hpcov --promote --from FILE promotes from "
		       "coverage measured elsewhere", path, strerror(-err));
		return HF_EXIT_NOFEATURE;
	}
	if (err) {
		hf_err("%s: %s%s", path, strerror(-err), err == -EACCES || err == -EPERM ?
		       " (idle page tracking and pagemap PFNs need root)" : "");
		return err == -EACCES || err == -EPERM ? HF_EXIT_NOPERM : HF_EXIT_FAIL;
	}
	return HF_EXIT_OK;
}

/* access_map in coverage order; else page_idle, its bitmap opened. */
static int choose_source(struct hf_covscan *r)
{
	enum hf_scan_order order;
	char path[512];
	int err = hf_scan_order_read(&order, path, sizeof(path));

	if (err == -ENOENT)	/* a kernel without the hawkfetch patches */
		return open_bitmap(r, NULL);
	if (err) {
		hf_err("%s: %s", path, err == -EINVAL ? "unrecognised content (expected "
		       "\"[address] coverage\" or \"address [coverage]\")" : strerror(-err));
		return HF_EXIT_FAIL;
	}
	if (order == HF_SCAN_ORDER_COVERAGE) {
		r->source = HF_COV_ACCESS_MAP;
		return HF_EXIT_OK;
	}
	hf_debug("%s: address order: measuring through idle page tracking", path);
	return open_bitmap(r, path);
}

static int open_targets(struct hf_covscan *r, const struct hf_pids *pids)
{
	r->t = calloc(pids->n, sizeof(*r->t));
	if (!r->t)
		return HF_EXIT_FAIL;
	for (int i = 0; i < pids->n; i++) {
		struct hf_cov_target *t = &r->t[r->nt];
		int err = open_target(t, pids->pid[i], r->source);

		if (err == -EPERM || err == -EACCES || !r->all || !err)
			r->nt++;
		if (err)
			drop(r, t, err);
	}
	return HF_EXIT_OK;
}

int hf_covscan_open(struct hf_covscan *r, const struct hf_pids *pids, double interval, bool all)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->idle_fd = -1;
	r->interval = interval;
	r->all = all;
	r->source = HF_COV_PAGE_IDLE;
	if ((err = choose_source(r)))
		return err;
	return open_targets(r, pids);
}

void hf_covscan_close(struct hf_covscan *r)
{
	for (int i = 0; i < r->nt; i++)
		close_target(&r->t[i]);
	free(r->t);
	r->t = NULL;
	r->nt = 0;
	if (r->idle_fd >= 0)
		close(r->idle_fd);
	r->idle_fd = -1;
}
