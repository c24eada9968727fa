// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "pagemap.h"
#include "procfs.h"

int hf_pagemap_open(struct hf_pagemap *pm, pid_t pid, int want_flags, const char **what)
{
	char path[512];

	pm->pid = pid;
	pm->kpageflags_fd = -1;
	*what = "pagemap";
	pm->pagemap_fd = open(hf_path(path, sizeof(path), "/proc/%d/pagemap", pid),
			      O_RDONLY | O_CLOEXEC);
	if (pm->pagemap_fd < 0)
		return errno == ESRCH ? -ENOENT : -errno;
	if (!want_flags)
		return 0;
	*what = "/proc/kpageflags";
	pm->kpageflags_fd = open(hf_path(path, sizeof(path), "/proc/kpageflags"),
				 O_RDONLY | O_CLOEXEC);
	if (pm->kpageflags_fd < 0) {
		int err = -errno;

		close(pm->pagemap_fd);
		pm->pagemap_fd = -1;
		return err;
	}
	return 0;
}

void hf_pagemap_close(struct hf_pagemap *pm)
{
	if (pm->pagemap_fd >= 0)
		close(pm->pagemap_fd);
	if (pm->kpageflags_fd >= 0)
		close(pm->kpageflags_fd);
	pm->pagemap_fd = pm->kpageflags_fd = -1;
}

/* pread n u64 words at index idx; a short read of 0 means "gone". */
static int read_words(int fd, uint64_t idx, size_t n, uint64_t *out)
{
	size_t want = n * sizeof(*out), got = 0;

	while (got < want) {
		ssize_t r = pread(fd, (char *)out + got, want - got, idx * sizeof(*out) + got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ESRCH;
		got += r;
	}
	return 0;
}

int hf_pagemap_read(const struct hf_pagemap *pm, uint64_t addr, size_t n, uint64_t *ents)
{
	return read_words(pm->pagemap_fd, addr >> HF_PAGE_SHIFT, n, ents);
}

int hf_kpageflags_read(const struct hf_pagemap *pm, uint64_t pfn, size_t n, uint64_t *flags)
{
	int err = read_words(pm->kpageflags_fd, pfn, n, flags);

	return err == -ESRCH ? -ERANGE : err;	/* past the end of memory */
}

int hf_region_contiguous(const uint64_t *ent)
{
	uint64_t pfn0 = PM_PFN(ent[0]);

	if (pfn0 % HF_HPAGE_NR)
		return 0;
	for (unsigned int i = 0; i < HF_HPAGE_NR; i++)
		if (!(ent[i] & PM_PRESENT) || PM_PFN(ent[i]) != pfn0 + i)
			return 0;
	return 1;
}

enum hf_region_kind hf_region_kind_of(const uint64_t *ent, const uint64_t *flags)
{
	const uint64_t head = KPF(KPF_COMPOUND_HEAD), tail = KPF(KPF_COMPOUND_TAIL);

	if (!hf_region_contiguous(ent) || (flags[0] & KPF(KPF_HUGE)) ||
	    !(flags[0] & KPF(KPF_THP)) || !(flags[0] & head))
		return HF_REGION_BASE;
	/* One folio of exactly 512 pages: a head, then 511 tails. */
	for (unsigned int i = 1; i < HF_HPAGE_NR; i++)
		if ((flags[i] & (head | tail)) != tail)
			return HF_REGION_BASE;
	return flags[0] & KPF(KPF_ZERO_PAGE) ? HF_REGION_HUGE_ZERO : HF_REGION_HUGE;
}

int hf_region_probe(const struct hf_pagemap *pm, uint64_t addr, struct hf_region *r)
{
	uint64_t flags[HF_HPAGE_NR];
	int err;

	r->addr = addr;
	r->kind = HF_REGION_BASE;
	r->present = 0;
	err = hf_pagemap_read(pm, addr, HF_HPAGE_NR, r->ent);
	if (err)
		return err;
	for (unsigned int i = 0; i < HF_HPAGE_NR; i++) {
		if (!(r->ent[i] & PM_PRESENT))
			continue;
		if (!PM_PFN(r->ent[i]))
			return -EPERM;
		r->present++;
	}
	if (r->present < HF_HPAGE_NR || !hf_region_contiguous(r->ent))
		return 0;
	r->head_pfn = PM_PFN(r->ent[0]);
	err = hf_kpageflags_read(pm, r->head_pfn, HF_HPAGE_NR, flags);
	if (err)
		return err;
	r->kind = hf_region_kind_of(r->ent, flags);
	return 0;
}
