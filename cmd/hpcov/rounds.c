// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "procfs.h"
#include "rounds.h"

static long find_proc(const struct hf_promoter *pr, pid_t pid)
{
	for (size_t i = 0; i < pr->nproc; i++)
		if (pr->proc[i].pid == pid)
			return i;
	return -1;
}

static double weight_of(const struct hf_promoter *pr, pid_t pid)
{
	if (!pr->weights_name)
		return 1;
	for (size_t i = 0; i < pr->nw; i++)
		if (pr->w[i].pid == pid)
			return pr->w[i].weight;
	hf_warn("pid %d: no weight in %s: it gets huge pages only when the weighted processes "
		"have none left to take", pid, pr->weights_name);
	return 0;
}

void hf_promoter_add(struct hf_promoter *pr, pid_t pid, const char *comm)
{
	size_t i = pr->nproc++;

	if (HF_GROW(pr->proc, pr->proc_cap, pr->nproc) || HF_GROW(pr->ps, pr->ps_cap, pr->nproc))
		abort();
	pr->proc[i] = (struct hf_promote_proc){ pid, weight_of(pr, pid), 0, 0, false };
	memset(&pr->ps[i], 0, sizeof(pr->ps[i]));
	/* Not opened yet (never, in a dry run): nothing for hf_collapse_close(). */
	pr->ps[i].tgt.pidfd = pr->ps[i].tgt.pm.pagemap_fd = pr->ps[i].tgt.pm.kpageflags_fd = -1;
	snprintf(pr->ps[i].comm, sizeof(pr->ps[i].comm), "%s", comm);
}

int hf_promoter_feed(struct hf_promoter *pr, bool wait)
{
	char err[512];
	int n = hf_weights_feed_poll(pr->feed, wait, err, sizeof(err));

	if (n < 0) {
		if (n == -EINVAL)
			hf_err("%s", err);
		else
			hf_err("%s: %s", pr->weights_name, strerror(-n));
		return HF_EXIT_FAIL;
	}
	pr->w = pr->feed->w;
	pr->nw = pr->feed->n;
	/* A process the weights never named keeps 0 (warned about when added). */
	for (size_t i = 0; i < pr->nproc; i++)
		for (size_t j = 0; j < pr->nw; j++)
			if (pr->w[j].pid == pr->proc[i].pid)
				pr->proc[i].weight = pr->w[j].weight;
	return HF_EXIT_OK;
}

/* The processes: -p (each must be in the coverage), else all the coverage names. */
int hf_promoter_collect(struct hf_promoter *pr, const struct hf_pids *only)
{
	for (int i = 0; i < only->n; i++) {
		pid_t pid = only->pid[i];
		size_t j = 0;

		while (j < pr->nreg && pr->reg[j].pid != pid)
			j++;
		if (j == pr->nreg) {
			hf_err("pid %d: not in %s (no coverage for it)", pid, pr->from_name);
			return HF_EXIT_FAIL;
		}
		if (find_proc(pr, pid) < 0)
			hf_promoter_add(pr, pid, pr->reg[j].comm);
	}
	for (size_t j = 0; !only->n && j < pr->nreg; j++)
		if (find_proc(pr, pr->reg[j].pid) < 0)
			hf_promoter_add(pr, pr->reg[j].pid, pr->reg[j].comm);
	return HF_EXIT_OK;
}

/* Does any process of the coverage run here, under the name measured? */
static bool any_runs_here(const struct hf_promoter *pr)
{
	for (size_t i = 0; i < pr->nproc; i++) {
		struct proc_task t;

		if (!hf_proc_task_read(pr->proc[i].pid, &t) &&
		    (!pr->ps[i].comm[0] || !strcmp(pr->ps[i].comm, t.comm)))
			return true;
	}
	return false;
}

/* pidfd and pagemap of every process; the name must be the one measured. */
int hf_promoter_open(struct hf_promoter *pr)
{
	bool unchecked = false;

	/*
	 * A dry run of coverage measured on another machine (or before a
	 * reboot: none of its processes runs here) plans offline; otherwise
	 * it checks what the real run checks.
	 */
	if (pr->dry_run && !any_runs_here(pr)) {
		hf_warn("--dry-run: no process of %s runs here under the name measured: "
			"planning offline, unchecked", pr->from_name);
		return HF_EXIT_OK;
	}

	for (size_t i = 0; i < pr->nproc; i++) {
		struct hf_promoter_proc *ps = &pr->ps[i];
		int err = hf_collapse_open(&ps->tgt, pr->proc[i].pid);

		/*
		 * A dry run without the right to read pagemap still checks
		 * what it can: the process exists and has the name measured;
		 * only "already huge" is left to the real run.
		 */
		if (pr->dry_run && (err == -EPERM || err == -EACCES) &&
		    !(err = hf_proc_comm_read(pr->proc[i].pid, ps->tgt.comm)))
			unchecked = true;
		if (err) {
			hf_err("pid %d: %s", pr->proc[i].pid, err == -ENOENT ? "no such process" :
			       strerror(-err));
			return err == -EPERM || err == -EACCES ? HF_EXIT_NOPERM : HF_EXIT_FAIL;
		}
		if (ps->comm[0] && strcmp(ps->comm, ps->tgt.comm)) {
			hf_err("pid %d: runs '%s', but %s measured '%s' (pid reused?)",
			       pr->proc[i].pid, ps->tgt.comm, pr->from_name, ps->comm);
			return HF_EXIT_FAIL;
		}
		memcpy(ps->comm, ps->tgt.comm, sizeof(ps->comm));
	}
	if (unchecked)
		hf_warn("--dry-run: pagemap is not readable here (run as root): regions "
			"already mapped by a huge page may be listed; the real run skips them");
	return HF_EXIT_OK;
}

static void drop_proc(struct hf_promoter *pr, size_t i, int err)
{
	pr->proc[i].exited = true;
	hf_warn("pid %d: %s; no more promotions for it", pr->proc[i].pid,
		err == -ESRCH ? "exited" : strerror(-err));
}

/* Mark the regions that are huge by now (collapsed, or by khugepaged). */
void hf_promoter_refresh(struct hf_promoter *pr)
{
	for (size_t j = 0; j < pr->nreg; j++) {
		long i = find_proc(pr, pr->reg[j].pid);
		int huge;

		if (i < 0 || pr->proc[i].exited || pr->ps[i].tgt.pidfd < 0)
			continue;
		huge = hf_collapse_is_huge(&pr->ps[i].tgt, pr->reg[j].addr);
		if (huge < 0)
			drop_proc(pr, i, huge);
		else
			pr->reg[j].huge = huge;
	}
}

/* Live coverage: one measured round replaces the regions. */
int hf_promoter_measure(struct hf_promoter *pr)
{
	struct hf_cov_region *c;
	size_t n;
	int err = hf_covscan_round(&pr->scan);

	if (err || *pr->stop)
		return err;
	c = hf_covscan_rank(&pr->scan, &n);
	free(pr->reg);
	pr->reg = calloc(n + 1, sizeof(*pr->reg));
	if (!pr->reg)
		abort();
	for (size_t i = 0; i < n; i++) {
		pr->reg[i] = (struct hf_promote_region){ c[i].pid, c[i].addr, c[i].coverage,
							 c[i].huge, "" };
		memcpy(pr->reg[i].comm, hf_covscan_target(&pr->scan, &c[i])->comm, 16);
	}
	pr->nreg = n;
	free(c);
	for (int t = 0; t < pr->scan.nt; t++)
		if (pr->scan.t[t].gone && find_proc(pr, pr->scan.t[t].pid) >= 0)
			pr->proc[find_proc(pr, pr->scan.t[t].pid)].exited = true;
	return HF_EXIT_OK;
}

/* Carry out one plan; returns the number of regions planned. */
size_t hf_promoter_round(struct hf_promoter *pr)
{
	size_t *order = calloc(pr->pol.budget, sizeof(*order)), n;

	if (!order)
		abort();
	pr->round++;
	n = hf_promote_plan(pr->reg, pr->nreg, pr->proc, pr->nproc, &pr->pol, order, &pr->skips);
	for (size_t k = 0; k < n && !*pr->stop; k++) {
		const struct hf_promote_region *r = &pr->reg[order[k]];
		long i = find_proc(pr, r->pid);
		struct hf_collapse_result res;

		if (pr->proc[i].exited)
			continue;	/* it ended during this round */
		pr->seq++;
		if (!pr->dry_run) {
			hf_collapse_region(&pr->ps[i].tgt, r->addr, &res);
			if (!res.err) {
				pr->promoted++;
				pr->ps[i].promoted++;
			} else {
				pr->failed++;
				pr->ps[i].failed++;
			}
			if (res.err == -ESRCH)
				drop_proc(pr, i, res.err);
		}
		pr->report(pr, r, i, pr->dry_run ? NULL : &res);
		if (!pr->dry_run && !res.err)
			pr->reg[order[k]].huge = true;
	}
	free(order);
	return n;
}

bool hf_promoter_all_exited(const struct hf_promoter *pr)
{
	for (size_t i = 0; i < pr->nproc; i++)
		if (!pr->proc[i].exited)
			return false;
	return true;
}

void hf_promoter_free(struct hf_promoter *pr)
{
	for (size_t i = 0; i < pr->nproc; i++)
		hf_collapse_close(&pr->ps[i].tgt);
	if (pr->live)
		hf_covscan_close(&pr->scan);
	free(pr->reg);
	free(pr->proc);
	free(pr->ps);
	if (pr->feed)
		hf_weights_feed_free(pr->feed);	/* pr->w is the feed's */
	else
		free(pr->w);
	pr->reg = NULL;
	pr->proc = NULL;
	pr->ps = NULL;
	pr->w = NULL;
	pr->nreg = pr->nproc = pr->proc_cap = pr->ps_cap = pr->nw = 0;
}
