// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/magic.h>
#include "clock.h"
#include "feature.h"
#include "helpers.h"
#include "hf.h"
#include "output.h"
#include "pagemap.h"
#include "pidfd.h"
#include "procfs.h"
#include "proclist.h"
#include "recover.h"


#define SPLIT_FILE "/sys/kernel/debug/split_huge_pages"
#define KIB(subpages) ((uint64_t)(subpages) * (HF_PAGE_SIZE / 1024))

const char *hf_recover_mech_name(enum hf_recover_mech m)
{
	return m == HF_RECOVER_MADVISE ? "madvise" : m == HF_RECOVER_DEBUGFS ? "debugfs" : "none";
}

unsigned int hf_recover_default_min_zero(const struct hf_thp_policy *policy)
{
	/*
	 * khugepaged and promotion (hpcov --promote) collapse a region with
	 * at most max_ptes_none empty pages; recovering only regions with
	 * more zero subpages than that never splits what they would collapse.
	 */
	if (policy->max_ptes_none < 0 || policy->max_ptes_none >= (int)HF_HPAGE_NR)
		return HF_HPAGE_NR;
	return policy->max_ptes_none + 1;
}

bool hf_recover_floor_hint(const struct hf_thp_policy *policy, bool min_zero_given,
			   char *buf, size_t len)
{
	if (min_zero_given || hf_recover_default_min_zero(policy) < HF_HPAGE_NR)
		return false;
	snprintf(buf, len, "Only huge pages whose 512 subpages are all zero qualify: "
		 "khugepaged/max_ptes_none is %s, so khugepaged (and hpcov --promote) would "
		 "collapse any other huge page split here straight back. To recover more, either "
		 "lower max_ptes_none (echo 255 > /sys/kernel/mm/transparent_hugepage/khugepaged/"
		 "max_ptes_none: then huge pages with 256 or more zero subpages qualify, or choose "
		 "with --min-zero N above it), or recover when memory runs low, as HawkEye does: "
		 "hpbloat --recover --watch --min-zero N splits only while memory available is "
		 "below --low (default 15%%), until --high (30%%), with N written to "
		 "transparent_hugepage/split_underused_min_zero where the kernel has it",
		 policy->max_ptes_none < 0 ? "unreadable (taken as 511, the kernel's default)" :
		 "511 (the kernel's default)");
	return true;
}

bool hf_recover_threshold_hint(const struct hf_recover_env *env,
			       const struct hf_thp_policy *policy, unsigned int min_zero,
			       char *buf, size_t len)
{
	if (env->mech != HF_RECOVER_MADVISE || policy->split_min_zero <= (int)min_zero)
		return false;
	snprintf(buf, len, "the kernel splits only huge pages with %d or more zero subpages "
		 "(/sys/kernel/mm/transparent_hugepage/split_underused_min_zero, by default "
		 "max_ptes_none + 1): those with %u to %d stay huge; echo %u there to split them "
		 "too (khugepaged collapses them again when it next scans them)",
		 policy->split_min_zero, min_zero, policy->split_min_zero - 1, min_zero);
	return true;
}

/* madvise(addr, 0, advice) is 0 for a known advice and EINVAL otherwise. */
static bool kernel_knows_split_underused(void)
{
	char *p = mmap(NULL, 2 * HF_HPAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool known;

	if (p == MAP_FAILED)
		return false;
	known = madvise((void *)(((uintptr_t)p + HF_HPAGE_SIZE - 1) & ~(HF_HPAGE_SIZE - 1)), 0,
			MADV_SPLIT_UNDERUSED) == 0;
	munmap(p, 2 * HF_HPAGE_SIZE);
	/* A later kernel could give 26 another meaning: the BTF says whose it is. */
	if (known && hf_kernel_has_btf() && !hf_kernel_has_func("madvise_split_underused"))
		known = false;
	return known;
}

/* The PFN the kernel maps for a read fault on anonymous memory. */
static uint64_t find_zero_pfn(void)
{
	char *p = mmap(NULL, HF_PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t ent = 0;
	int fd;

	if (p == MAP_FAILED)
		return 0;
	(void)*(volatile char *)p;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || pread(fd, &ent, sizeof(ent), ((uintptr_t)p >> HF_PAGE_SHIFT) * 8) != 8)
		ent = 0;
	if (fd >= 0)
		close(fd);
	munmap(p, HF_PAGE_SIZE);
	return (ent & PM_PRESENT) ? PM_PFN(ent) : 0;
}

/* "none [integrity] confidentiality" -> "integrity"; "" when unknown. */
static void lockdown_mode(char *out, size_t len)
{
	char path[512], buf[128], *open, *close;

	*out = '\0';
	hf_path(path, sizeof(path), "/sys/kernel/security/lockdown");
	if (access(path, R_OK) && !getenv("HAWKFETCH_SYSROOT"))
		hf_mount_fs("/sys/kernel/security", "securityfs", SECURITYFS_MAGIC);
	if (hf_read_file(path, buf, sizeof(buf)) <= 0)
		return;
	open = strchr(buf, '[');
	close = open ? strchr(open, ']') : NULL;
	if (close)
		snprintf(out, len, "%.*s", (int)(close - open - 1), open + 1);
}

static const char instead[] =
	"what works instead: a kernel with the hawkfetch patch 0010 "
	"(MADV_SPLIT_UNDERUSED, used through process_madvise); or, per cgroup, "
	"lowering /sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none "
	"(with shrink_underused=1) and writing to the cgroup's memory.reclaim, "
	"which lets the kernel's underused-THP shrinker split them";

int hf_recover_probe(struct hf_recover_env *env, const struct hf_thp_policy *policy,
		     enum hf_recover_mech want)
{
	char path[512], mode[32];
	const char *nomadv;
	int err;

	memset(env, 0, sizeof(*env));
	env->debugfs_fd = -1;
	env->zero_pfn = find_zero_pfn();
	if (want != HF_RECOVER_DEBUGFS && kernel_knows_split_underused()) {
		env->mech = HF_RECOVER_MADVISE;
		return HF_EXIT_OK;
	}
	if (want == HF_RECOVER_MADVISE) {
		snprintf(env->why, sizeof(env->why), "this kernel has no MADV_SPLIT_UNDERUSED "
			 "(madvise advice 26; the hawkfetch kernel patch 0010 adds it)");
		return HF_EXIT_NOFEATURE;
	}
	if (!policy->has_shrinker) {
		snprintf(env->why, sizeof(env->why),
			 "this kernel splits huge pages without mapping their zero-filled "
			 "subpages to the shared zero page (Linux 6.12 added it, with "
			 "transparent_hugepage/shrink_underused): a split would free nothing; %s",
			 instead);
		return HF_EXIT_NOFEATURE;
	}
	hf_path(path, sizeof(path), SPLIT_FILE);
	if (access(path, F_OK) && !getenv("HAWKFETCH_SYSROOT"))
		hf_mount_fs("/sys/kernel/debug", "debugfs", DEBUGFS_MAGIC);
	env->debugfs_fd = open(path, O_WRONLY | O_CLOEXEC);
	if (env->debugfs_fd >= 0) {
		env->mech = HF_RECOVER_DEBUGFS;
		return HF_EXIT_OK;
	}
	err = errno;
	nomadv = want == HF_RECOVER_NONE ? ", and this kernel has no MADV_SPLIT_UNDERUSED" : "";
	lockdown_mode(mode, sizeof(mode));
	if (err == EPERM && *mode && strcmp(mode, "none"))
		snprintf(env->why, sizeof(env->why),
			 "kernel lockdown (%s mode, /sys/kernel/security/lockdown) forbids "
			 "writing to %s (\"debugfs access is restricted\")%s; %s", mode,
			 SPLIT_FILE, nomadv, instead);
	else
		snprintf(env->why, sizeof(env->why),
			 "%s: %s (needs debugfs, CONFIG_DEBUG_FS)%s; %s", SPLIT_FILE,
			 strerror(err), nomadv, instead);
	return HF_EXIT_NOFEATURE;
}

void hf_recover_env_close(struct hf_recover_env *env)
{
	if (env->debugfs_fd >= 0)
		close(env->debugfs_fd);
	env->debugfs_fd = -1;
}

/* ---- planning ---- */

static int cmp_region(const void *a, const void *b)
{
	const struct hf_recover_region *x = a, *y = b;

	if (x->zero != y->zero)
		return x->zero < y->zero ? 1 : -1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->addr > y->addr) - (x->addr < y->addr);
}

int hf_recover_plan(struct hf_recover_run *run, const struct hf_bloat_proc *procs, int nproc,
		    unsigned int min_zero, uint64_t budget)
{
	size_t n = 0, cap = 0;
	struct hf_recover_region *all = NULL;

	memset(run, 0, sizeof(*run));
	run->proc = calloc(nproc ? nproc : 1, sizeof(*run->proc));
	if (!run->proc)
		return -ENOMEM;
	for (int i = 0; i < nproc; i++) {
		const struct hf_bloat_proc *p = &procs[i];
		struct hf_recover_proc *rp = &run->proc[i];

		rp->pid = p->pid;
		rp->pidfd = -1;
		memcpy(rp->comm, p->comm, sizeof(rp->comm));
		hf_proc_anon_kib(p->pid, &rp->rss_anon_kib[0], &rp->anon_huge_kib[0]);
		rp->rss_anon_kib[1] = rp->rss_anon_kib[0];
		rp->anon_huge_kib[1] = rp->anon_huge_kib[0];
		for (size_t r = 0; r < p->nregion; r++) {
			if (p->region[r].zero_subpages < min_zero || !p->region[r].zero_subpages)
				continue;
			if (HF_GROW(all, cap, n + 1)) {
				free(all);
				return -ENOMEM;
			}
			all[n++] = (struct hf_recover_region){
				.pid = p->pid, .proc = i, .addr = p->region[r].addr,
				.zero = p->region[r].zero_subpages,
			};
		}
	}
	run->nproc = nproc;
	run->candidates = n;
	if (n)
		qsort(all, n, sizeof(*all), cmp_region);
	run->region = all;
	for (run->nregion = 0; run->nregion < n; run->nregion++) {
		struct hf_recover_region *r = &all[run->nregion];

		if (budget && run->zero_subpages >= budget)
			break;
		run->zero_subpages += r->zero;
		run->proc[r->proc].regions++;
		run->proc[r->proc].zero_subpages += r->zero;
	}
	return 0;
}

void hf_recover_run_free(struct hf_recover_run *run)
{
	for (int i = 0; i < run->nproc; i++)
		if (run->proc[i].pidfd >= 0)
			close(run->proc[i].pidfd);
	free(run->proc);
	free(run->region);
	memset(run, 0, sizeof(*run));
}

/* ---- execution ---- */

static int split_region(struct hf_recover_env *env, struct hf_recover_proc *p, uint64_t addr)
{
	char cmd[96];
	int len;

	if (env->mech == HF_RECOVER_DEBUGFS) {
		len = snprintf(cmd, sizeof(cmd), "%d,0x%llx,0x%llx", p->pid,
			       (unsigned long long)addr, (unsigned long long)(addr + HF_HPAGE_SIZE));
		return write(env->debugfs_fd, cmd, len) == len ? 0 : -errno;
	}
	if (p->pidfd < 0) {
		p->pidfd = hf_pidfd_open(p->pid);
		if (p->pidfd < 0)
			return -errno;
	}
	return hf_process_madvise(p->pidfd, addr, HF_HPAGE_SIZE, MADV_SPLIT_UNDERUSED);
}

/* After the split: is it still huge, and how many subpages map the zero page? */
static void check_region(const struct hf_recover_env *env, const struct hf_pagemap *pm,
			 struct hf_recover_region *r)
{
	struct hf_region *reg = malloc(sizeof(*reg));

	if (!reg || hf_region_probe(pm, r->addr, reg)) {
		free(reg);
		return;
	}
	r->split = reg->kind != HF_REGION_HUGE;
	r->returned = 0;
	for (unsigned int i = 0; env->zero_pfn && r->split && i < HF_HPAGE_NR; i++)
		r->returned += (reg->ent[i] & PM_PRESENT) && PM_PFN(reg->ent[i]) == env->zero_pfn;
	free(reg);
}

static void recover_region(struct hf_recover_env *env, struct hf_recover_run *run,
			   struct hf_recover_region *r, struct hf_pagemap *pm)
{
	struct hf_recover_proc *p = &run->proc[r->proc];

	for (int attempt = 0; attempt < 2; attempt++) {
		r->status = split_region(env, p, r->addr);
		if (r->status)
			break;
		check_region(env, pm, r);
		if (r->split)
			break;
		sched_yield();	/* locked or pinned for a moment: once more */
	}
	if (r->status == -ESRCH)
		p->error = -ESRCH;
	if (r->split) {
		p->regions_split++;
		p->returned += r->returned;
		run->regions_split++;
		run->returned += r->returned;
	}
}

int hf_recover_execute(struct hf_recover_env *env, struct hf_recover_run *run)
{
	struct hf_pagemap *pm = calloc(run->nproc ? run->nproc : 1, sizeof(*pm));
	uint64_t start = hf_now_ns();

	if (!pm)
		return -ENOMEM;
	for (int i = 0; i < run->nproc; i++)
		pm[i].pagemap_fd = pm[i].kpageflags_fd = -1;
	for (size_t i = 0; i < run->nregion; i++) {
		struct hf_recover_region *r = &run->region[i];
		struct hf_recover_proc *p = &run->proc[r->proc];
		const char *what;

		if (p->error) {
			r->status = p->error;
			continue;
		}
		if (pm[r->proc].pagemap_fd < 0 && (p->error = hf_pagemap_open(&pm[r->proc], p->pid,
									    1, &what))) {
			r->status = p->error;
			continue;
		}
		recover_region(env, run, r, &pm[r->proc]);
		if (r->status && !p->error && r->status != -ENOMEM && r->status != -EFAULT)
			p->error = r->status;
	}
	run->time_ns = hf_now_ns() - start;
	for (int i = 0; i < run->nproc; i++) {
		if (pm[i].pagemap_fd >= 0)
			hf_pagemap_close(&pm[i]);
		if (run->proc[i].regions && run->proc[i].error != -ESRCH)
			hf_proc_anon_kib(run->proc[i].pid, &run->proc[i].rss_anon_kib[1],
					 &run->proc[i].anon_huge_kib[1]);
	}
	free(pm);
	return 0;
}

/* ---- /proc readers ---- */

static int read_kib(const char *file, const char *key, uint64_t *out)
{
	char *buf = malloc(1 << 16);
	const char *at;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	if (hf_read_file(file, buf, 1 << 16) < 0)
		err = -errno;
	else if (!(at = strstr(buf, key)) ||
		 sscanf(at + strlen(key), " %llu", (unsigned long long *)out) != 1)
		err = -ENODATA;
	free(buf);
	return err;
}

int hf_proc_anon_kib(pid_t pid, uint64_t *rss_anon, uint64_t *anon_huge)
{
	char path[512];
	int err;

	*rss_anon = *anon_huge = 0;
	err = read_kib(hf_path(path, sizeof(path), "/proc/%d/status", pid), "\nRssAnon:", rss_anon);
	if (!err)
		err = read_kib(hf_path(path, sizeof(path), "/proc/%d/smaps_rollup", pid),
			       "\nAnonHugePages:", anon_huge);
	return err;
}

/* ---- JSON ---- */

static struct json_object *proc_json(const struct hf_recover_proc *p, bool dry_run)
{
	struct json_object *o = json_object_new_object();

	hf_json_set_u64(o, "pid", p->pid);
	hf_json_set_comm(o, p->comm);
	hf_json_set_u64(o, "regions", p->regions);
	hf_json_set_u64(o, "zero_subpages", p->zero_subpages);
	hf_json_set_u64(o, "rss_anon_kib_before", p->rss_anon_kib[0]);
	hf_json_set_u64(o, "anon_huge_kib_before", p->anon_huge_kib[0]);
	if (!dry_run) {
		hf_json_set_u64(o, "regions_split", p->regions_split);
		hf_json_set_u64(o, "returned_subpages", p->returned);
		hf_json_set_u64(o, "returned_kib", KIB(p->returned));
		hf_json_set_u64(o, "rss_anon_kib_after", p->rss_anon_kib[1]);
		hf_json_set_u64(o, "anon_huge_kib_after", p->anon_huge_kib[1]);
		if (p->error)
			hf_json_set_str(o, "error", strerror(-p->error));
	}
	return o;
}

static struct json_object *region_json(const struct hf_recover_region *r, bool dry_run)
{
	struct json_object *o = json_object_new_object();

	hf_json_set_u64(o, "pid", r->pid);
	json_object_object_add(o, "addr", hf_json_addr(r->addr));
	hf_json_set_u64(o, "zero_subpages", r->zero);
	if (!dry_run) {
		json_object_object_add(o, "split", json_object_new_boolean(r->split));
		hf_json_set_u64(o, "returned_subpages", r->returned);
		if (r->status)
			hf_json_set_str(o, "error", strerror(-r->status));
	}
	return o;
}

void hf_recover_run_json(struct json_object *o, const struct hf_recover_run *run, bool dry_run)
{
	struct json_object *procs = json_object_new_array(), *regions = json_object_new_array();
	struct json_object *total = json_object_new_object();

	for (int i = 0; i < run->nproc; i++)
		json_object_array_add(procs, proc_json(&run->proc[i], dry_run));
	for (size_t i = 0; i < run->nregion; i++)
		json_object_array_add(regions, region_json(&run->region[i], dry_run));
	json_object_object_add(o, "processes", procs);
	json_object_object_add(o, "regions", regions);
	hf_json_set_u64(total, "candidates", run->candidates);
	hf_json_set_u64(total, "regions", run->nregion);
	hf_json_set_u64(total, "zero_subpages", run->zero_subpages);
	if (!dry_run) {
		hf_json_set_u64(total, "regions_split", run->regions_split);
		hf_json_set_u64(total, "returned_subpages", run->returned);
		hf_json_set_u64(total, "returned_kib", KIB(run->returned));
		hf_json_set_u64(total, "time_ns", run->time_ns);
	}
	json_object_object_add(o, "total", total);
}

struct json_object *hf_recover_doc_json(const struct hf_recover_run *run,
					const struct hf_recover_env *env, bool dry_run,
					unsigned int min_zero, uint64_t budget)
{
	struct json_object *o = json_object_new_object();

	hf_json_set_str(o, "type", "recover");
	hf_json_set_str(o, "mechanism", hf_recover_mech_name(env->mech));
	if (env->mech == HF_RECOVER_NONE)
		hf_json_set_str(o, "unavailable", env->why);
	json_object_object_add(o, "dry_run", json_object_new_boolean(dry_run));
	hf_json_set_u64(o, "min_zero", min_zero);
	json_object_object_add(o, "budget_subpages", budget ? hf_json_u64(budget) : NULL);
	hf_recover_run_json(o, run, dry_run);
	return o;
}

/* ---- memory state ---- */

static int read_u64_file(const char *path, uint64_t *v)
{
	char buf[64];

	if (hf_read_file(path, buf, sizeof(buf)) <= 0)
		return -ENOENT;
	if (!strncmp(buf, "max", 3)) {
		*v = UINT64_MAX;
		return 0;
	}
	return sscanf(buf, "%llu", (unsigned long long *)v) == 1 ? 0 : -EINVAL;
}

static double psi_some_avg10(const char *file)
{
	char buf[512];
	double v;
	const char *at;

	if (hf_read_file(file, buf, sizeof(buf)) <= 0 || !(at = strstr(buf, "some avg10=")) ||
	    sscanf(at + 11, "%lf", &v) != 1)
		return -1;
	return v;
}

int hf_mem_state_read(const char *cgroup, struct hf_mem_state *m)
{
	char path[4200];
	uint64_t limit, usage, total;
	int err;

	memset(m, 0, sizeof(*m));
	m->psi_some_avg10 = psi_some_avg10(hf_path(path, sizeof(path), "/proc/pressure/memory"));
	if ((err = read_kib(hf_path(path, sizeof(path), "/proc/meminfo"), "MemTotal:", &total)) ||
	    (err = read_kib(path, "\nMemAvailable:", &m->avail_kib)))
		return err;
	m->total_kib = total;
	if (cgroup) {
		snprintf(path, sizeof(path), "%s/memory.max", cgroup);
		if (!read_u64_file(path, &limit)) {
			snprintf(path, sizeof(path), "%s/memory.current", cgroup);
			err = read_u64_file(path, &usage);
			snprintf(path, sizeof(path), "%s/memory.pressure", cgroup);
			m->psi_some_avg10 = psi_some_avg10(path);
		} else {
			snprintf(path, sizeof(path), "%s/memory.limit_in_bytes", cgroup);
			err = read_u64_file(path, &limit);
			snprintf(path, sizeof(path), "%s/memory.usage_in_bytes", cgroup);
			err = err ? err : read_u64_file(path, &usage);
		}
		if (err)
			return err;
		/* A cgroup without a limit (or a v1 "unlimited") has the system's. */
		if (limit / 1024 < total) {
			m->total_kib = limit / 1024;
			m->avail_kib = usage >= limit ? 0 : (limit - usage) / 1024;
			if (m->avail_kib > m->total_kib)
				m->avail_kib = m->total_kib;
		}
	}
	m->avail_pct = m->total_kib ? 100.0 * m->avail_kib / m->total_kib : 0;
	return 0;
}
