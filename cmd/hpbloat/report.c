// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "report.h"
#include "helpers.h"
#include "hf.h"
#include "targets.h"

/* Name the failure on stderr and keep it for the report's one document. */
static void add_error(struct hf_bloat_report *rep, pid_t pid, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add_error(struct hf_bloat_report *rep, pid_t pid, const char *fmt, ...)
{
	struct hf_bloat_error *e;
	va_list ap;

	if (HF_GROW(rep->err, rep->errcap, (size_t)rep->nerr + 1))
		abort();
	e = &rep->err[rep->nerr++];
	e->pid = pid;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	hf_warn("%s", e->msg);
}

/* Explain a failed scan of a process the user named; returns an exit status. */
static int scan_error(struct hf_bloat_report *rep, pid_t pid, int err, const char *what)
{
	switch (err) {
	case -ENOENT:
		add_error(rep, pid, "pid %d: no such process", pid);
		return HF_EXIT_FAIL;
	case -ESRCH:
		add_error(rep, pid, "pid %d: exited during the scan", pid);
		return HF_EXIT_FAIL;
	case -EPERM:
	case -EACCES:
		if (geteuid() == 0)
			add_error(rep, pid, "pid %d: %s: %s (ptrace access check)", pid, what,
				  strerror(-err));
		else
			add_error(rep, pid, "pid %d: %s: %s; page frame numbers need CAP_SYS_ADMIN "
				  "(run as root)", pid, what, strerror(-err));
		return HF_EXIT_NOPERM;
	default:
		add_error(rep, pid, "pid %d: %s: %s", pid, what, strerror(-err));
		return HF_EXIT_FAIL;
	}
}

static void add_proc(struct hf_bloat_report *rep, struct hf_bloat_proc *p)
{
	struct hf_bloat_count *t = &rep->total;

	if (HF_GROW(rep->proc, rep->cap, (size_t)rep->nproc + 1))
		abort();
	rep->proc[rep->nproc++] = *p;
	t->huge_pages += p->c.huge_pages;
	t->huge_zero_pages += p->c.huge_zero_pages;
	t->zero_subpages += p->c.zero_subpages;
	t->would_split += p->c.would_split;
	t->would_free_subpages += p->c.would_free_subpages;
	rep->scanned_bytes += p->scanned_bytes;
	rep->scan_ns += p->scan_ns;
}

/* Scan one process; one that cannot be read is an error or skipped. */
static int scan_one(struct hf_bloat_report *rep, struct hf_bloat_scanner *s, pid_t pid, bool all,
		    bool skip_unreadable, int *denied)
{
	struct hf_bloat_proc p;
	const char *what;
	char why[256];
	int err;

	if (!skip_unreadable && hf_target_refusal(pid, why, sizeof(why))) {
		add_error(rep, pid, "%s", why);
		return HF_EXIT_FAIL;
	}
	err = hf_bloat_scan(s, pid, &p, &what);

	if (!err && all && !p.c.huge_pages && !p.c.huge_zero_pages)
		err = -ENODATA;		/* nothing to report */
	if (err) {
		hf_bloat_proc_free(&p);
		if (!skip_unreadable)
			return scan_error(rep, pid, err, what);
		*denied += err == -EPERM || err == -EACCES;
		hf_debug("pid %d: skipped: %s", pid, strerror(-err));
		return HF_EXIT_OK;
	}
	hf_debug("pid %d: %llu huge pages, %llu bytes read in %llu ns", pid,
		 (unsigned long long)p.c.huge_pages, (unsigned long long)p.scanned_bytes,
		 (unsigned long long)p.scan_ns);
	add_proc(rep, &p);
	return HF_EXIT_OK;
}

int hf_bloat_report_scan(struct hf_bloat_report *rep, struct hf_bloat_scanner *s,
			 const struct hf_pids *pids, bool all, bool skip_unreadable)
{
	int status = HF_EXIT_OK, denied = 0;

	for (int i = 0; i < pids->n; i++) {
		int err = scan_one(rep, s, pids->pid[i], all, skip_unreadable,
				   &denied);

		if (err > status)
			status = err;
	}
	if (all && denied && geteuid() != 0) {
		add_error(rep, 0, "%d processes could not be read: page frame numbers need "
			  "CAP_SYS_ADMIN (run as root)", denied);
		return HF_EXIT_NOPERM;
	}
	return status;
}

void hf_bloat_report_free(struct hf_bloat_report *rep)
{
	for (int i = 0; i < rep->nproc; i++)
		hf_bloat_proc_free(&rep->proc[i]);
	free(rep->proc);
	rep->proc = NULL;
	free(rep->err);
	rep->err = NULL;
	rep->nerr = 0;
	rep->errcap = 0;
	rep->nproc = 0;
	rep->cap = 0;
}

static int cmp_row(const void *a, const void *b)
{
	const struct hf_bloat_row *x = a, *y = b;

	if (x->zero != y->zero)
		return x->zero < y->zero ? 1 : -1;
	if (x->proc->pid != y->proc->pid)
		return x->proc->pid < y->proc->pid ? -1 : 1;
	return x->region && y->region ? (x->region->addr > y->region->addr) -
					(x->region->addr < y->region->addr) : 0;
}

struct rows {
	struct hf_bloat_row *row;
	size_t n, cap;
};

static void push_row(struct rows *rows, struct hf_bloat_row r)
{
	if (HF_GROW(rows->row, rows->cap, rows->n + 1))
		abort();
	rows->row[rows->n++] = r;
}

static void proc_rows(const struct hf_bloat_proc *p, enum hf_bloat_rows by, struct rows *rows)
{
	if (by == HF_BLOAT_BY_PROC) {
		push_row(rows, (struct hf_bloat_row){ p, NULL, NULL, p->c.zero_subpages });
		return;
	}
	if (by == HF_BLOAT_BY_VMA) {
		for (int v = 0; v < p->nvma; v++)
			push_row(rows, (struct hf_bloat_row){ p, &p->vma[v], NULL,
							      p->vma[v].c.zero_subpages });
		return;
	}
	for (size_t r = 0; r < p->nregion; r++)
		push_row(rows, (struct hf_bloat_row){ p, &p->vma[p->region[r].vma], &p->region[r],
						      p->region[r].zero_subpages });
}

struct hf_bloat_row *hf_bloat_report_rank(const struct hf_bloat_report *rep,
					  enum hf_bloat_rows by, size_t top, size_t *n)
{
	struct rows rows = { 0 };

	for (int i = 0; i < rep->nproc; i++)
		proc_rows(&rep->proc[i], by, &rows);
	if (rows.n)
		qsort(rows.row, rows.n, sizeof(*rows.row), cmp_row);
	*n = top && rows.n > top ? top : rows.n;
	return rows.row;
}
