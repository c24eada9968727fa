// SPDX-License-Identifier: GPL-2.0
/*
 * uringzero: the THP-fault counters of pre-zeroing (kernel-patches 0008)
 * count anonymous THP faults only (issue 18 item 9).
 *
 *   uringzero ENTRIES
 *
 * io_uring_setup(ENTRIES) (32768: a 2 MiB submission queue and a ring of
 * more than 1 MiB, both order-9 __GFP_ZERO allocations), then one THP
 * fault (MADV_HUGEPAGE, 2 MiB aligned). Prints the change of
 * thp_fault_prezeroed, thp_fault_zeroed and thp_fault_alloc for each:
 *   uring FD PREZEROED ZEROED ALLOC
 *   thp PREZEROED ZEROED ALLOC
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif

static void counters(long c[3])
{
	static const char *name[3] = {
		"thp_fault_prezeroed", "thp_fault_zeroed", "thp_fault_alloc"
	};
	char key[64];
	long v;
	FILE *f = fopen("/proc/vmstat", "r");

	c[0] = c[1] = c[2] = -1;
	while (f && fscanf(f, "%63s %ld", key, &v) == 2)
		for (int i = 0; i < 3; i++)
			if (!strcmp(key, name[i]))
				c[i] = v;
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	unsigned int entries = argc > 1 ? strtoul(argv[1], NULL, 0) : 32768;
	long a[3], b[3];
	char params[120];	/* struct io_uring_params */
	char *p;
	int fd;

	memset(params, 0, sizeof(params));
	counters(a);
	fd = syscall(__NR_io_uring_setup, entries, params);
	if (fd < 0)
		perror("uringzero: io_uring_setup");
	counters(b);
	printf("uring %d %ld %ld %ld\n", fd, b[0] - a[0], b[1] - a[1], b[2] - a[2]);
	if (fd >= 0)
		close(fd);

	p = mmap(NULL, 4UL << 20, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	p = (char *)(((uintptr_t)p + (2UL << 20) - 1) & ~((2UL << 20) - 1));
	madvise(p, 2UL << 20, MADV_HUGEPAGE);
	counters(a);
	p[0] = 1;
	counters(b);
	printf("thp %ld %ld %ld\n", b[0] - a[0], b[1] - a[1], b[2] - a[2]);
	return fd < 0;
}
