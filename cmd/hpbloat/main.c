// SPDX-License-Identifier: GPL-2.0
/*
 * hpbloat: zero-filled subpages (memory bloat) inside transparent huge pages.
 *
 * cmd/hpbloat/ holds what only hpbloat uses: main.c, scan (zero subpages of
 * each huge page, found without faulting), memread (another process's
 * memory read in batches), report (totals and ranking of several
 * processes), recover (giving the zero subpages back), options (the
 * recovery options as an argp child) and watch (recovery driven by
 * available memory and PSI).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "report.h"
#include "cgroup.h"
#include "cli.h"
#include "metrics.h"
#include "outfile.h"
#include "output.h"
#include "pagemap.h"
#include "procfs.h"
#include "proclist.h"
#include "recover.h"
#include "options.h"
#include "watch.h"
#include "targets.h"
#include "thp.h"

#define CHUNK (256 << 10)	/* bytes per process_vm_readv: fits in L2 */
#define KIB(subpages) ((uint64_t)(subpages) * HF_PAGE_KIB)

static struct args {
	bool regions, vmas;
	const char *cgroup;
} args;

enum { OPT_VMAS = 0x100 };

static const struct argp_option options[] = {
	{ "regions", 'r', NULL, 0, "List each huge page (2 MiB region) instead of processes", 0 },
	{ "vmas", OPT_VMAS, NULL, 0, "List each VMA holding huge pages instead of processes", 0 },
	{ "cgroup", 'c', "PATH", 0, "The processes of this cgroup (with --watch: its memory limit "
	  "sets the watermarks)", 0 },
	{ 0 },
};

static const char doc[] =
	"Find memory bloat: zero-filled 4 KiB subpages inside 2 MiB transparent huge pages, "
	"and give it back.\v"
	"Reads /proc/PID/pagemap and /proc/kpageflags to find the huge pages (root only), "
	"and their content with process_vm_readv; the scan faults nothing in and splits "
	"or collapses nothing. Rows are ranked by bloat. Also says what the kernel's "
	"underused-THP shrinker would do with these huge pages.\n\n"
	"--recover splits the most bloated huge pages with process_madvise("
	"MADV_SPLIT_UNDERUSED) on a kernel with the hawkfetch patch, or through "
	"/sys/kernel/debug/split_huge_pages; either way the kernel decides what is zero "
	"while the huge page is unmapped, so no write is lost. Where neither works "
	"(kernel lockdown forbids debugfs) it exits with status 69. Only huge pages with "
	"more zero subpages than khugepaged/max_ptes_none are split by default, since "
	"khugepaged would collapse the others again: at the kernel's default 511 only "
	"wholly zero ones (say --min-zero N with a lower max_ptes_none to recover more).\n\n"
	"--watch is the way to run HawkEye's recovery: like Linux while memory is "
	"plentiful, it recovers only when memory available drops below --low (or memory "
	"pressure rises), most bloated first, until it is back at --high; with --min-zero N "
	"it recovers regions with N or more zero subpages then, whatever max_ptes_none. "
	"The patched kernel splits only huge pages with at least transparent_hugepage/"
	"split_underused_min_zero zero subpages (max_ptes_none + 1 unless set); hpbloat "
	"warns when that is above N.\n\n"
	"Examples:\n"
	"  hpbloat -p 4242                 bloat of one process\n"
	"  hpbloat -A --top 10             the ten processes with the most bloat\n"
	"  hpbloat -p 4242 -r -j           each huge page of a process, as JSON\n"
	"  hpbloat --recover -p 4242       give its bloat back\n"
	"  hpbloat --recover -A --dry-run --budget 1G\n"
	"  hpbloat --recover --watch -A    recover below 15% available, up to 30%\n"
	"  echo 256 > /sys/kernel/mm/transparent_hugepage/split_underused_min_zero\n"
	"  hpbloat --watch -A --min-zero 256   HawkEye's recovery at max_ptes_none 511";

static void add_cgroup(const char *path, struct argp_state *state)
{
	int err = hf_cgroup_pids(path, &hf_targets.pids);

	if (err)
		argp_failure(state, HF_EXIT_FAIL, 0, "cgroup %s: %s", path, strerror(-err));
	args.cgroup = path;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'r':
		args.regions = true;
		break;
	case OPT_VMAS:
		args.vmas = true;
		break;
	case 'c':
		add_cgroup(arg, state);
		break;
	case ARGP_KEY_END:
		if (args.regions && args.vmas)
			argp_error(state, "--regions and --vmas cannot be combined");
		if (hf_recover_args.recover && (args.regions || args.vmas || hf_targets.top))
			argp_error(state, "--recover reports per process and region; drop -r/--vmas/"
				   "--top (--budget limits what it takes)");
		if (hf_opts.openmetrics && (args.regions || args.vmas))
			argp_error(state, "--openmetrics gives metrics per process and per cgroup; "
				   "-r and --vmas choose rows of the plain or JSON report");
		if (hf_metrics_wanted() && hf_recover_args.recover && !hf_recover_args.watch)
			argp_error(state, "metrics come from a scan or from --watch; a one-off "
				   "--recover reports in plain text or JSON (drop --openmetrics and "
				   "--textfile)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child children[] = {
	HF_TARGETS_CHILD, HF_RECOVER_CHILD, HF_COMMON_CHILD, HF_METRICS_CHILD, { 0 }
};
static const struct argp argp = { options, parse_opt, NULL, doc, children, NULL, NULL };

static enum hf_bloat_rows rows_by(void)
{
	return args.vmas ? HF_BLOAT_BY_VMA : args.regions ? HF_BLOAT_BY_REGION : HF_BLOAT_BY_PROC;
}

/* ---- plain output ---- */

static void print_count(const struct hf_bloat_count *c)
{
	printf(" %10llu %10llu %10llu %6llu %10llu", (unsigned long long)c->huge_pages,
	       (unsigned long long)c->zero_subpages, (unsigned long long)KIB(c->zero_subpages),
	       (unsigned long long)c->would_split,
	       (unsigned long long)KIB(c->would_free_subpages));
}

static void print_row(const struct hf_bloat_row *r)
{
	if (r->region) {
		printf("%7d ", r->proc->pid);
		hf_print_comm(stdout, r->proc->comm, 15);
		printf(" 0x%-14llx %10u %10llu %6s  %s\n",
		       (unsigned long long)r->region->addr, r->region->zero_subpages,
		       (unsigned long long)KIB(r->region->zero_subpages),
		       r->region->would_split ? "yes" : "no", hf_vma_name(&r->vma->vma));
	} else if (r->vma) {
		printf("%7d ", r->proc->pid);
		hf_print_comm(stdout, r->proc->comm, 15);
		printf(" %012llx-%012llx",
		       (unsigned long long)r->vma->vma.start, (unsigned long long)r->vma->vma.end);
		print_count(&r->vma->c);
		printf("  %s\n", hf_vma_name(&r->vma->vma));
	} else {
		printf("%7d ", r->proc->pid);
		hf_print_comm(stdout, r->proc->comm, 15);
		print_count(&r->proc->c);
		putchar('\n');
	}
}

static void print_header(void)
{
	if (args.regions)
		printf("%7s %-15s %-16s %10s %10s %6s  %s\n", "PID", "COMM", "ADDRESS",
		       "ZERO_SUB", "BLOAT_KIB", "SPLIT", "VMA");
	else
		printf("%7s %-15s%s %10s %10s %10s %6s %10s%s\n", "PID", "COMM",
		       args.vmas ? " VMA                          " : "", "HUGE_PAGES",
		       "ZERO_SUB", "BLOAT_KIB", "SPLIT", "FREE_KIB", args.vmas ? "  NAME" : "");
}

static void print_shrinker(const struct hf_bloat_report *rep)
{
	const struct hf_thp_policy *pol = &rep->policy;
	const struct hf_bloat_count *t = &rep->total;

	printf("\n%llu huge pages, %llu zero subpages: %llu KiB of bloat.\n",
	       (unsigned long long)t->huge_pages, (unsigned long long)t->zero_subpages,
	       (unsigned long long)KIB(t->zero_subpages));
	if (!pol->has_shrinker)
		printf("This kernel has no underused-THP shrinker (Linux 6.12+); nothing splits "
		       "these huge pages.\n");
	else if (!hf_thp_shrinker_active(pol))
		printf("The underused-THP shrinker is off (shrink_underused=%d, max_ptes_none=%d; "
		       "511 turns it off): it splits none of them.\n",
		       pol->shrink_underused, pol->max_ptes_none);
	else
		printf("Under memory pressure the underused-THP shrinker would split %llu of them "
		       "(more than %d zero subpages each), freeing %llu KiB.\n",
		       (unsigned long long)t->would_split, pol->max_ptes_none,
		       (unsigned long long)KIB(t->would_free_subpages));
	printf("hpbloat --recover gives bloat back on demand (see hpbloat(8)).\n");
}

static void print_plain(const struct hf_bloat_report *rep)
{
	size_t n;
	struct hf_bloat_row *rows = hf_bloat_report_rank(rep, rows_by(), hf_targets.top, &n);

	print_header();
	for (size_t i = 0; i < n; i++)
		print_row(&rows[i]);
	free(rows);
	print_shrinker(rep);
}

/* ---- JSON output ---- */

static void count_to_json(struct json_object *o, const struct hf_bloat_count *c)
{
	hf_json_set_u64(o, "huge_pages", c->huge_pages);
	hf_json_set_u64(o, "huge_zero_pages", c->huge_zero_pages);
	hf_json_set_u64(o, "zero_subpages", c->zero_subpages);
	hf_json_set_u64(o, "bloat_kib", KIB(c->zero_subpages));
	hf_json_set_u64(o, "would_split", c->would_split);
	hf_json_set_u64(o, "would_free_kib", KIB(c->would_free_subpages));
}

static struct json_object *region_json(const struct hf_bloat_row *r)
{
	struct json_object *o = json_object_new_object();

	hf_json_set_u64(o, "pid", r->proc->pid);
	json_object_object_add(o, "addr", hf_json_addr(r->region->addr));
	hf_json_set_u64(o, "zero_subpages", r->region->zero_subpages);
	hf_json_set_u64(o, "bloat_kib", KIB(r->region->zero_subpages));
	json_object_object_add(o, "would_split", json_object_new_boolean(r->region->would_split));
	json_object_object_add(o, "vma_start", hf_json_addr(r->vma->vma.start));
	return o;
}

static struct json_object *vma_json(const struct hf_bloat_vma *v)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "start", hf_json_addr(v->vma.start));
	json_object_object_add(o, "end", hf_json_addr(v->vma.end));
	hf_json_set_str(o, "perms", v->vma.perms);
	hf_json_set_str(o, "name", hf_vma_name(&v->vma));
	count_to_json(o, &v->c);
	return o;
}

static struct json_object *proc_json(const struct hf_bloat_row *r)
{
	struct json_object *o = json_object_new_object(), *vmas = json_object_new_array();
	const struct hf_bloat_proc *p = r->proc;

	if (r->vma)
		return vma_json(r->vma);
	hf_json_set_u64(o, "pid", p->pid);
	hf_json_set_comm(o, p->comm);
	count_to_json(o, &p->c);
	hf_json_set_u64(o, "changed_during_scan", p->changed);
	for (int v = 0; v < p->nvma; v++)
		json_object_array_add(vmas, vma_json(&p->vma[v]));
	json_object_object_add(o, "vmas", vmas);
	return o;
}

static struct json_object *policy_json(const struct hf_thp_policy *pol)
{
	struct json_object *o = json_object_new_object();

	hf_json_set_str(o, "enabled", pol->enabled);
	json_object_object_add(o, "shrink_underused", pol->has_shrinker ?
			       json_object_new_boolean(pol->shrink_underused) : NULL);
	json_object_object_add(o, "max_ptes_none", json_object_new_int(pol->max_ptes_none));
	if (pol->split_min_zero >= 0)	/* patch 0010's floor of MADV_SPLIT_UNDERUSED */
		json_object_object_add(o, "split_underused_min_zero",
				       json_object_new_int(pol->split_min_zero));
	json_object_object_add(o, "shrinker_active",
			       json_object_new_boolean(hf_thp_shrinker_active(pol)));
	return o;
}

/* The processes that could not be scanned: [{"pid":N,"message":"..."}]. */
static struct json_object *errors_json(const struct hf_bloat_report *rep)
{
	struct json_object *arr = json_object_new_array();

	for (int i = 0; i < rep->nerr; i++) {
		struct json_object *e = json_object_new_object();

		if (rep->err[i].pid)
			hf_json_set_u64(e, "pid", rep->err[i].pid);
		hf_json_set_str(e, "message", rep->err[i].msg);
		json_object_array_add(arr, e);
	}
	return arr;
}

static struct json_object *errors_detail(const struct hf_bloat_report *rep)
{
	struct json_object *d = json_object_new_object();

	json_object_object_add(d, "errors", errors_json(rep));
	return d;
}

static void print_json(const struct hf_bloat_report *rep)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	struct json_object *total = json_object_new_object();
	size_t n;
	struct hf_bloat_row *rows = hf_bloat_report_rank(rep, rows_by(), hf_targets.top, &n);

	hf_json_set_str(o, "type", "bloat");
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, rows[i].region ? region_json(&rows[i]) :
					   proc_json(&rows[i]));
	free(rows);
	json_object_object_add(o, "thp", policy_json(&rep->policy));
	json_object_object_add(o, args.regions ? "regions" : args.vmas ? "vmas" : "processes", arr);
	count_to_json(total, &rep->total);
	hf_json_set_u64(total, "scanned_bytes", rep->scanned_bytes);
	hf_json_set_u64(total, "scan_time_ns", rep->scan_ns);
	json_object_object_add(o, "total", total);
	if (rep->nerr)
		json_object_object_add(o, "errors", errors_json(rep));
	hf_json_emit(stdout, o);
	json_object_put(o);
}

/* ---- metrics (--openmetrics, --textfile) ---- */

struct cgroup_sum {
	char *path;
	struct hf_bloat_count c;
};

static void add_count(struct hf_bloat_count *to, const struct hf_bloat_count *c)
{
	to->huge_pages += c->huge_pages;
	to->zero_subpages += c->zero_subpages;
}

/* Every scanned process's counts, summed by the cgroup its memory is charged to. */
static struct cgroup_sum *sum_cgroups(const struct hf_bloat_report *rep, size_t *n)
{
	struct cgroup_sum *cg = calloc(rep->nproc + 1, sizeof(*cg));
	char path[4096];

	*n = 0;
	if (!cg)
		abort();
	for (int i = 0; i < rep->nproc; i++) {
		size_t j = 0;
		int err = hf_cgroup_of_pid(rep->proc[i].pid, path, sizeof(path));

		if (err) {
			hf_debug("pid %d: cgroup: %s; left out of the cgroup metrics",
				 rep->proc[i].pid, strerror(-err));
			continue;
		}
		while (j < *n && strcmp(cg[j].path, path))
			j++;
		if (j == *n && !(cg[(*n)++].path = strdup(path)))
			abort();
		add_count(&cg[j].c, &rep->proc[i].c);
	}
	return cg;
}

enum bloat_value { BLOAT_BYTES, ZERO_SUBPAGES, HUGE_PAGES };

static uint64_t bloat_value(const struct hf_bloat_count *c, enum bloat_value v)
{
	return v == BLOAT_BYTES ? c->zero_subpages * HF_PAGE_SIZE :
	       v == ZERO_SUBPAGES ? c->zero_subpages : c->huge_pages;
}

static const struct {
	const char *name, *unit, *help, *cgroup_help;
} bloat_family[] = {
	[BLOAT_BYTES] = { "bloat_bytes", "bytes",
		"Zero-filled 4 KiB subpages inside the transparent huge pages of a process, "
		"in bytes.",
		"Zero-filled 4 KiB subpages inside the transparent huge pages of the scanned "
		"processes of a cgroup, in bytes." },
	[ZERO_SUBPAGES] = { "zero_subpages", NULL,
		"Zero-filled 4 KiB subpages inside the transparent huge pages of a process.",
		"Zero-filled 4 KiB subpages inside the transparent huge pages of the scanned "
		"processes of a cgroup." },
	[HUGE_PAGES] = { "huge_pages", NULL,
		"Transparent huge pages (2 MiB, PMD-mapped) of a process.",
		"Transparent huge pages (2 MiB, PMD-mapped) of the scanned processes of a "
		"cgroup." },
};

/* Per process (the --top most bloated; all without it) and per cgroup (all). */
static void bloat_metrics(struct hf_metrics *m, const struct hf_bloat_report *rep)
{
	size_t n, ncg;
	struct hf_bloat_row *rows = hf_bloat_report_rank(rep, HF_BLOAT_BY_PROC, hf_targets.top, &n);
	struct cgroup_sum *cg = sum_cgroups(rep, &ncg);
	char name[128], pid[16], comm[HF_COMM_ESC_LEN];

	for (size_t f = 0; f < ARRAY_SIZE(bloat_family); f++) {
		snprintf(name, sizeof(name), "hawkfetch_hpbloat_%s", bloat_family[f].name);
		hf_metrics_family(m, name, HF_GAUGE, bloat_family[f].unit, bloat_family[f].help);
		for (size_t i = 0; i < n; i++) {
			snprintf(pid, sizeof(pid), "%d", rows[i].proc->pid);
			hf_metrics_u64(m, bloat_value(&rows[i].proc->c, f), "pid", pid,
				       "comm", (hf_proc_comm_escape(rows[i].proc->comm, comm), comm), NULL);
		}
	}
	for (size_t f = 0; f < ARRAY_SIZE(bloat_family); f++) {
		snprintf(name, sizeof(name), "hawkfetch_hpbloat_cgroup_%s", bloat_family[f].name);
		hf_metrics_family(m, name, HF_GAUGE, bloat_family[f].unit,
				  bloat_family[f].cgroup_help);
		for (size_t j = 0; j < ncg; j++)
			hf_metrics_u64(m, bloat_value(&cg[j].c, f), "cgroup", cg[j].path, NULL);
	}
	for (size_t j = 0; j < ncg; j++)
		free(cg[j].path);
	free(cg);
	free(rows);
}

/* Print and/or write the metrics; frees m. HF_EXIT_OK or HF_EXIT_FAIL. */
static int emit_metrics(struct hf_metrics *m)
{
	struct hf_error e;
	int status = hf_metrics_emit(m, &e) ? hf_fail(&e) : HF_EXIT_OK;

	hf_metrics_free(m);
	return status;
}

static struct hf_metrics *new_metrics(void)
{
	struct hf_metrics *m = hf_metrics_new("hpbloat");

	if (!m)
		abort();
	return m;
}

/* ---- recovery ---- */

static const char *mech_text(enum hf_recover_mech m)
{
	return m == HF_RECOVER_MADVISE ? "process_madvise(MADV_SPLIT_UNDERUSED)" :
	       m == HF_RECOVER_DEBUGFS ? "/sys/kernel/debug/split_huge_pages" :
	       "no mechanism (none is available)";
}

/* The default floor at max_ptes_none 511: why so little qualifies (NULL: nothing to say). */
static const char *floor_hint(const struct hf_thp_policy *pol)
{
	static char hint[768];

	return hf_recover_floor_hint(pol, hf_recover_args.min_zero, hint, sizeof(hint)) ? hint :
	       NULL;
}

static void print_recover_plain(const struct hf_recover_run *run, const struct hf_recover_env *env,
				unsigned int min_zero, const char *hint)
{
	const char *kib = "%7llu->%-7llu";

	if (hf_recover_args.dry_run) {
		printf("%5s %7s %-15s %-16s %8s %10s\n", "RANK", "PID", "COMM", "ADDRESS",
		       "ZERO_SUB", "BLOAT_KIB");
		for (size_t i = 0; i < run->nregion; i++) {
			const struct hf_recover_region *r = &run->region[i];

			printf("%5zu %7d %-15s 0x%-14llx %8u %10llu\n", i + 1, r->pid,
			       run->proc[r->proc].comm, (unsigned long long)r->addr, r->zero,
			       (unsigned long long)KIB(r->zero));
		}
		printf("\nWould split %zu of %llu huge pages with at least %u zero subpages, "
		       "giving back up to %llu KiB, with %s.\n", run->nregion,
		       (unsigned long long)run->candidates, min_zero,
		       (unsigned long long)KIB(run->zero_subpages), mech_text(env->mech));
		if (env->mech == HF_RECOVER_NONE)
			printf("No safe mechanism works here: %s.\n", env->why);
		if (hint)
			printf("%s.\n", hint);
		return;
	}
	printf("%7s %-15s %7s %6s %10s %16s %16s\n", "PID", "COMM", "REGIONS", "SPLIT",
	       "FREED_KIB", "RSS_ANON_KIB", "ANON_HUGE_KIB");
	for (int i = 0; i < run->nproc; i++) {
		const struct hf_recover_proc *p = &run->proc[i];

		printf("%7d ", p->pid);
		hf_print_comm(stdout, p->comm, 15);
		printf(" %7llu %6llu %10llu ",
		       (unsigned long long)p->regions, (unsigned long long)p->regions_split,
		       (unsigned long long)KIB(p->returned));
		printf(kib, (unsigned long long)p->rss_anon_kib[0],
		       (unsigned long long)p->rss_anon_kib[1]);
		printf(kib, (unsigned long long)p->anon_huge_kib[0],
		       (unsigned long long)p->anon_huge_kib[1]);
		printf("%s%s\n", p->error ? " " : "", p->error ? strerror(-p->error) : "");
	}
	printf("\nSplit %llu of %zu huge pages with %s in %.3f s: %llu zero subpages "
	       "(%llu KiB) given back.\n", (unsigned long long)run->regions_split, run->nregion,
	       mech_text(env->mech), run->time_ns / 1e9, (unsigned long long)run->returned,
	       (unsigned long long)KIB(run->returned));
	if (hint)
		printf("%s.\n", hint);
}

/* Warn when the kernel's split threshold is above --min-zero. */
static void threshold_hint(const struct hf_recover_env *env, const struct hf_thp_policy *pol,
			   unsigned int min_zero)
{
	char hint[512];

	if (hf_recover_threshold_hint(env, pol, min_zero, hint, sizeof(hint)))
		hf_warn("%s", hint);
}

static int recover(struct hf_bloat_report *rep, struct hf_recover_env *env)
{
	unsigned int min_zero = hf_recover_args.min_zero ? hf_recover_args.min_zero :
				hf_recover_default_min_zero(&rep->policy);
	struct hf_recover_run run;
	int status = HF_EXIT_OK;

	threshold_hint(env, &rep->policy, min_zero);
	if (hf_recover_plan(&run, rep->proc, rep->nproc, min_zero, hf_recover_args.budget)) {
		hf_err("out of memory");
		return HF_EXIT_FAIL;
	}
	if (!hf_recover_args.dry_run)
		hf_recover_execute(env, &run);
	for (int i = 0; i < run.nproc; i++)
		if (run.proc[i].error) {
			hf_warn("pid %d: %s", run.proc[i].pid, strerror(-run.proc[i].error));
			status = HF_EXIT_FAIL;
		}
	if (hf_opts.json) {
		struct json_object *o = hf_recover_doc_json(&run, env, hf_recover_args.dry_run, min_zero,
							    hf_recover_args.budget);

		if (floor_hint(&rep->policy))
			hf_json_set_str(o, "hint", floor_hint(&rep->policy));
		hf_json_emit(stdout, o);
		json_object_put(o);
	} else {
		print_recover_plain(&run, env, min_zero, floor_hint(&rep->policy));
	}
	hf_recover_run_free(&run);
	return status;
}

static void print_event(struct json_object *ev)
{
	struct json_object *v, *t;
	const char *type;

	if (hf_opts.openmetrics)
		return;		/* the metrics replace the plain lines */
	if (hf_opts.json) {
		hf_json_emit(stdout, ev);
		return;
	}
	type = json_object_get_string(json_object_object_get(ev, "type"));
	printf("%9.3f s  %-5s available %5.1f%%", json_object_get_double(
	       json_object_object_get(ev, "time_s")), type,
	       json_object_get_double(json_object_object_get(ev, "avail_pct")));
	if ((v = json_object_object_get(ev, "psi_some_avg10")))
		printf(", psi %.2f", json_object_get_double(v));
	if ((v = json_object_object_get(ev, "reason")))
		printf(": %s", json_object_get_string(v));
	if (json_object_object_get_ex(ev, "total", &t))
		printf(": %llu processes, split %llu of %llu huge pages, %llu KiB given back",
		       (unsigned long long)json_object_get_uint64(json_object_object_get(ev, "processes")),
		       (unsigned long long)json_object_get_uint64(json_object_object_get(t, "regions_split")),
		       (unsigned long long)json_object_get_uint64(json_object_object_get(t, "regions")),
		       (unsigned long long)json_object_get_uint64(json_object_object_get(t, "returned_kib")));
	putchar('\n');
}

/* --watch with metrics: what the tick scans with, and its status. */
static struct {
	const struct hf_watch_opts *opts;
	struct hf_bloat_scanner scanner;
	int status;
} wm;

/* Every interval: the targets scanned again, and the recovery so far. */
static void watch_tick(const struct hf_watch_totals *t, const struct hf_mem_state *ms)
{
	struct hf_bloat_report rep = { 0 };
	struct hf_pids pids = { 0 };
	struct hf_metrics *m = new_metrics();

	hf_watch_pids(wm.opts, &pids);
	hf_bloat_report_scan(&rep, &wm.scanner, &pids, wm.opts->all, true);
	free(pids.pid);
	bloat_metrics(m, &rep);
	hf_bloat_report_free(&rep);
	hf_metrics_family(m, "hawkfetch_hpbloat_recovered_bytes_total", HF_COUNTER, "bytes",
			  "Zero subpages given back by recovery since hpbloat --watch started, "
			  "in bytes.");
	hf_metrics_u64(m, t->returned * HF_PAGE_SIZE, NULL);
	hf_metrics_family(m, "hawkfetch_hpbloat_split_huge_pages_total", HF_COUNTER, NULL,
			  "Huge pages split by recovery since hpbloat --watch started.");
	hf_metrics_u64(m, t->regions_split, NULL);
	hf_metrics_family(m, "hawkfetch_hpbloat_recovery_rounds_total", HF_COUNTER, NULL,
			  "Recovery rounds since hpbloat --watch started.");
	hf_metrics_u64(m, t->rounds, NULL);
	hf_metrics_family(m, "hawkfetch_hpbloat_memory_available_ratio", HF_GAUGE, NULL,
			  "Memory available, of the system or of the cgroup's limit: what the "
			  "--low and --high marks apply to.");
	hf_metrics_double(m, ms->avail_pct / 100, NULL);
	if (emit_metrics(m))
		wm.status = HF_EXIT_FAIL;
}

static int watch(const struct hf_thp_policy *pol, struct hf_recover_env *env)
{
	struct hf_watch_opts o = {
		.all = hf_targets.all, .cgroup = args.cgroup, .low = hf_recover_args.low, .high = hf_recover_args.high,
		.psi = hf_recover_args.psi, .interval = hf_recover_args.interval, .duration = hf_recover_args.duration,
		.min_zero = hf_recover_args.min_zero ? hf_recover_args.min_zero : hf_recover_default_min_zero(pol),
		.budget = hf_recover_args.budget, .emit = print_event,
	};
	struct hf_watch_totals t;
	int err;

	if (!args.cgroup)
		o.pids = hf_targets.pids;
	if (floor_hint(pol))
		hf_warn("--watch: %s", floor_hint(pol));
	threshold_hint(env, pol, o.min_zero);
	if (hf_metrics_wanted()) {
		if ((err = hf_bloat_scanner_init(&wm.scanner, pol, CHUNK))) {
			hf_err("scan buffer: %s", strerror(-err));
			return HF_EXIT_FAIL;
		}
		wm.opts = &o;
		o.tick = watch_tick;
	}
	err = hf_recover_watch(&o, env, pol, &t);
	if (o.tick)
		hf_bloat_scanner_free(&wm.scanner);
	if (err) {
		hf_err("--watch: %s", strerror(-err));
		return HF_EXIT_FAIL;
	}
	if (hf_opts.json) {
		struct json_object *s = hf_watch_summary_json(&t, env->mech);

		hf_json_emit(stdout, s);
		json_object_put(s);
	} else if (!hf_opts.openmetrics) {	/* else the last interval's metrics */
		printf("\nWatched %.1f s (%s): %llu starts, %llu stops at the high mark, %llu rounds, "
		       "split %llu huge pages, %llu KiB given back; %.1f%% available now.\n",
		       t.elapsed_s, t.signal ? strsignal(t.signal) : "duration over",
		       (unsigned long long)t.starts, (unsigned long long)t.stops_high,
		       (unsigned long long)t.rounds, (unsigned long long)t.regions_split,
		       (unsigned long long)KIB(t.returned), t.last.avail_pct);
	}
	return wm.status;
}

static int run(int argc, char **argv)
{
	struct hf_bloat_scanner scanner;
	struct hf_recover_env env = { .debugfs_fd = -1 };
	struct hf_bloat_report rep = { 0 };
	int status, err;

	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (hf_recover_args.recover && geteuid() != 0) {
		hf_err("--recover needs root (pagemap PFNs, process_madvise with CAP_SYS_NICE, "
		       "debugfs); run it with sudo");
		return HF_EXIT_NOPERM;
	}
	if ((err = hf_targets_expand())) {
		hf_err("/proc: %s", strerror(-err));
		return HF_EXIT_FAIL;
	}
	hf_pids_dedup(&hf_targets.pids);	/* -p 7 -p 7: one row */
	hf_thp_policy_read(&rep.policy);
	if (hf_recover_args.recover) {
		/* Refuse before touching anything when nothing can split safely. */
		status = hf_recover_probe(&env, &rep.policy, hf_recover_args.mechanism);
		if (status && !hf_recover_args.dry_run) {
			hf_err("cannot recover bloat here: %s", env.why);
			return status;
		}
		hf_debug("recovery mechanism: %s", mech_text(env.mech));
		if (hf_recover_args.watch) {
			status = watch(&rep.policy, &env);
			hf_recover_env_close(&env);
			return status;
		}
	}
	if ((err = hf_bloat_scanner_init(&scanner, &rep.policy, CHUNK))) {
		hf_err("scan buffer: %s", strerror(-err));
		return HF_EXIT_FAIL;
	}
	status = hf_bloat_report_scan(&rep, &scanner, &hf_targets.pids, hf_targets.all,
				      hf_targets.all || args.cgroup);
	hf_bloat_scanner_free(&scanner);
	if (status && !rep.nproc) {
		/* Nothing scanned: one error document, every failure in it. */
		if (hf_opts.json && rep.nerr)
			hf_json_error(stdout, rep.err[0].msg, rep.nerr < 2 ? NULL :
				      errors_detail(&rep));
		hf_recover_env_close(&env);
		hf_bloat_report_free(&rep);
		return status;	/* the errors said it all */
	}
	if (hf_recover_args.recover) {
		err = recover(&rep, &env);
		status = err > status ? err : status;
	} else {
		if (hf_metrics_wanted()) {
			struct hf_metrics *m = new_metrics();

			bloat_metrics(m, &rep);
			err = emit_metrics(m);
			status = err > status ? err : status;
		}
		if (hf_opts.json)
			print_json(&rep);
		else if (!hf_opts.openmetrics)	/* the metrics replace the report */
			print_plain(&rep);
	}
	hf_recover_env_close(&env);
	hf_bloat_report_free(&rep);
	return status;
}

/* The final check of every write to standard output: a full disk is exit 1. */
int main(int argc, char **argv)
{
	hf_stdout_track();
	return hf_stdout_close(run(argc, argv));
}
