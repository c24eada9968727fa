// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include "clock.h"
#include "collapse.h"
#include "pidfd.h"
#include "procfs.h"

static int collapse(int pidfd, uint64_t addr)
{
	return hf_process_madvise(pidfd, addr, HF_HPAGE_SIZE, MADV_COLLAPSE);
}

int hf_collapse_probe(void)
{
	char *map = mmap(NULL, 2 * HF_HPAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int pidfd = hf_pidfd_open(getpid()), err;
	char *region;

	if (map == MAP_FAILED || pidfd < 0) {
		err = map == MAP_FAILED || errno != ENOSYS ? -errno : -ENOSYS;
		goto out;
	}
	region = (char *)(((uintptr_t)map + HF_HPAGE_SIZE - 1) & ~(HF_HPAGE_SIZE - 1));
	region[0] = 1;		/* an empty region is refused with EINVAL */
	err = collapse(pidfd, (uintptr_t)region);
	/* Only EINVAL and ENOSYS mean "cannot"; EAGAIN, ENOMEM: it tried. */
	if (err && err != -EINVAL && err != -ENOSYS)
		err = 0;
out:
	if (pidfd >= 0)
		close(pidfd);
	if (map != MAP_FAILED)
		munmap(map, 2 * HF_HPAGE_SIZE);
	return err;
}

int hf_collapse_open(struct hf_collapse_target *t, pid_t pid)
{
	const char *what;
	int err;

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->pm.pagemap_fd = t->pm.kpageflags_fd = -1;
	t->pidfd = hf_pidfd_open(pid);
	if (t->pidfd < 0)
		return errno == ESRCH ? -ENOENT : -errno;
	/* Read after the pidfd: the name is that of the process it pins. */
	if ((err = hf_proc_comm_read(pid, t->comm)) || (err = hf_pagemap_open(&t->pm, pid, 1, &what))) {
		close(t->pidfd);
		t->pidfd = -1;
		return err;
	}
	return 0;
}

void hf_collapse_close(struct hf_collapse_target *t)
{
	hf_pagemap_close(&t->pm);
	if (t->pidfd >= 0)
		close(t->pidfd);
	t->pidfd = -1;
}

int hf_collapse_is_huge(const struct hf_collapse_target *t, uint64_t addr)
{
	static __thread struct hf_region r;
	int err = hf_region_probe(&t->pm, addr, &r);

	return err ? err : r.kind == HF_REGION_HUGE;
}

void hf_collapse_region(const struct hf_collapse_target *t, uint64_t addr,
			struct hf_collapse_result *res)
{
	uint64_t start = hf_now_ns();

	res->err = collapse(t->pidfd, addr);
	res->end_ns = hf_now_ns();
	res->time_ns = res->end_ns - start;
	res->huge_after = hf_collapse_is_huge(t, addr) == 1;
}

const char *hf_errno_name(int err)
{
	static __thread char buf[16];
	const char *name = err ? strerrorname_np(-err) : "ok";

	if (name)
		return name;
	snprintf(buf, sizeof(buf), "E%d", -err);
	return buf;
}
