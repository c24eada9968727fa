// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include "clock.h"
#include "scan.h"
#include "helpers.h"
#include "memread.h"
#include "pagemap.h"
#include "procfs.h"

int hf_bloat_scanner_init(struct hf_bloat_scanner *s, const struct hf_thp_policy *policy,
			  size_t chunk)
{
	s->policy = policy;
	s->chunk = chunk < HF_PAGE_SIZE ? HF_PAGE_SIZE : chunk > HF_HPAGE_SIZE ? HF_HPAGE_SIZE :
		   chunk & ~(HF_PAGE_SIZE - 1);
	while (HF_HPAGE_SIZE % s->chunk)
		s->chunk -= HF_PAGE_SIZE;
	/* Our own buffer stays in base pages: no THP of ours skews a scan of ourselves. */
	s->buf = mmap(NULL, s->chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->buf == MAP_FAILED) {
		s->buf = NULL;
		return -errno;
	}
	madvise(s->buf, s->chunk, MADV_NOHUGEPAGE);
	return 0;
}

void hf_bloat_scanner_free(struct hf_bloat_scanner *s)
{
	if (s->buf)
		munmap(s->buf, s->chunk);
	s->buf = NULL;
}

unsigned int hf_bloat_count_zero(const void *mem, size_t len)
{
	const char *p = mem;
	unsigned int zero = 0;

	for (size_t i = 0; i < len / HF_PAGE_SIZE; i++)
		zero += hf_page_is_zero(p + i * HF_PAGE_SIZE);
	return zero;
}

void hf_bloat_count_add(struct hf_bloat_count *c, const struct hf_thp_policy *policy,
			unsigned int zero_subpages)
{
	c->huge_pages++;
	c->zero_subpages += zero_subpages;
	if (policy && hf_thp_would_split(policy, zero_subpages)) {
		c->would_split++;
		c->would_free_subpages += zero_subpages;
	}
}

static void count_merge(struct hf_bloat_count *to, const struct hf_bloat_count *from)
{
	to->huge_pages += from->huge_pages;
	to->huge_zero_pages += from->huge_zero_pages;
	to->zero_subpages += from->zero_subpages;
	to->would_split += from->would_split;
	to->would_free_subpages += from->would_free_subpages;
}

static int add_region(struct hf_bloat_proc *p, const struct hf_bloat_region *r)
{
	if (HF_GROW(p->region, p->region_cap, p->nregion + 1))
		return -ENOMEM;
	p->region[p->nregion++] = *r;
	return 0;
}

/*
 * Is the huge page still where pagemap said it was, after reading it?
 * One read of the region's entries (a syscall costs more than the 4 KiB).
 */
static bool still_mapped(const struct hf_pagemap *pm, uint64_t addr, uint64_t pfn)
{
	uint64_t ent[HF_HPAGE_NR];

	if (hf_pagemap_read(pm, addr, HF_HPAGE_NR, ent))
		return false;
	return (ent[0] & PM_PRESENT) && PM_PFN(ent[0]) == pfn &&
	       (ent[HF_HPAGE_NR - 1] & PM_PRESENT) && PM_PFN(ent[HF_HPAGE_NR - 1]) == pfn + HF_HPAGE_NR - 1;
}

/*
 * Read one huge page chunk by chunk (a chunk stays in cache between the
 * copy and the zero check) and count its zero subpages. Returns the count,
 * -EAGAIN when the huge page changed under the scan, or -errno.
 */
static int scan_hpage(struct hf_bloat_scanner *s, const struct hf_pagemap *pm,
		      uint64_t addr, uint64_t pfn, struct hf_bloat_proc *p)
{
	unsigned int zero = 0;

	for (uint64_t off = 0; off < HF_HPAGE_SIZE; off += s->chunk) {
		uint64_t at = addr + off;
		int got = hf_mem_read(p->pid, &at, 1, s->chunk, s->buf);

		if (got < 0)
			return got;
		if (got == 0)
			return -EAGAIN;
		p->scanned_bytes += s->chunk;
		zero += hf_bloat_count_zero(s->buf, s->chunk);
	}
	return still_mapped(pm, addr, pfn) ? (int)zero : -EAGAIN;
}

static int add_hpage(struct hf_bloat_scanner *s, const struct hf_pagemap *pm,
		     const struct hf_region *reg, uint32_t vma, struct hf_bloat_proc *p)
{
	struct hf_bloat_region r = { .addr = reg->addr, .vma = vma };
	int zero = scan_hpage(s, pm, reg->addr, reg->head_pfn, p);

	if (zero == -EAGAIN) {
		p->changed++;
		return 0;
	}
	if (zero < 0)
		return zero;
	r.zero_subpages = zero;
	r.would_split = hf_thp_would_split(s->policy, zero);
	hf_bloat_count_add(&p->vma[vma].c, s->policy, zero);
	return add_region(p, &r);
}

static int add_vma(struct hf_bloat_proc *p, const struct hf_vma *vma)
{
	if (HF_GROW(p->vma, p->vma_cap, (size_t)p->nvma + 1))
		return -ENOMEM;
	memset(&p->vma[p->nvma], 0, sizeof(p->vma[0]));
	p->vma[p->nvma].vma = *vma;
	return p->nvma++;
}

static int scan_vma(struct hf_bloat_scanner *s, const struct hf_pagemap *pm,
		    const struct hf_vma *vma, struct hf_bloat_proc *p)
{
	uint64_t addr = (vma->start + HF_HPAGE_SIZE - 1) & ~(uint64_t)(HF_HPAGE_SIZE - 1);
	struct hf_region *r = malloc(sizeof(*r));
	int idx = -1, err = 0;

	if (!r)
		return -ENOMEM;
	for (; !err && addr + HF_HPAGE_SIZE <= vma->end; addr += HF_HPAGE_SIZE) {
		err = hf_region_probe(pm, addr, r);
		if (err || r->kind == HF_REGION_BASE)
			continue;
		if (idx < 0 && (idx = err = add_vma(p, vma)) < 0)
			break;
		err = 0;
		if (r->kind == HF_REGION_HUGE_ZERO) {
			p->vma[idx].c.huge_zero_pages++;
			continue;
		}
		err = add_hpage(s, pm, r, idx, p);
	}
	free(r);
	return err;
}

static int scan_vmas(struct hf_bloat_scanner *s, const struct hf_vmas *vmas,
		     struct hf_bloat_proc *p, const char **what)
{
	struct hf_pagemap pm;
	int err = hf_pagemap_open(&pm, p->pid, 1, what);

	if (err)
		return err;
	*what = "pagemap";
	for (int i = 0; !err && i < vmas->n; i++)
		if (vmas->vma[i].perms[0] == 'r' &&
		    vmas->vma[i].end - vmas->vma[i].start >= HF_HPAGE_SIZE)
			err = scan_vma(s, &pm, &vmas->vma[i], p);
	hf_pagemap_close(&pm);
	return err;
}

int hf_bloat_scan(struct hf_bloat_scanner *s, pid_t pid, struct hf_bloat_proc *p,
		  const char **what)
{
	struct proc_task task;
	struct hf_vmas vmas;
	uint64_t start = hf_now_ns();
	int err;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	*what = "/proc";
	if ((err = hf_proc_task_read(pid, &task)))
		return err;
	memcpy(p->comm, task.comm, sizeof(p->comm));
	*what = "maps";
	if ((err = hf_vmas_read(pid, &vmas)))
		return err;
	err = scan_vmas(s, &vmas, p, what);
	hf_vmas_free(&vmas);
	/* A process that exits mid-scan leaves an empty pagemap behind. */
	if (err == -ESRCH || (err && hf_proc_task_read(pid, &task) == -ENOENT))
		return -ESRCH;
	for (int i = 0; i < p->nvma; i++)
		count_merge(&p->c, &p->vma[i].c);
	p->scan_ns = hf_now_ns() - start;
	return err;
}

void hf_bloat_proc_free(struct hf_bloat_proc *p)
{
	free(p->vma);
	free(p->region);
	p->vma = NULL;
	p->region = NULL;
}
