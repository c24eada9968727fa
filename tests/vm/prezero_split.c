// SPDX-License-Identifier: GPL-2.0
/*
 * prezero_split: an order-0 allocation splits the pre-zeroed pool's only
 * block, then THPs are faulted (tests/vm/prezero-check.sh, hf.mode=split).
 *
 *   prezero_split
 *
 * Run with pre-zeroing enabled and a pool of one order-10 block
 * (target_kbytes 1024, filled). Steps:
 *  1. fault one THP and keep it: it takes half of the block, and the other
 *     half, still marked, goes to the head of the order-9 free list;
 *  2. disable pre-zeroing (kprezerod stops), then touch 4 KiB pages of a
 *     MADV_NOHUGEPAGE mapping until nr_free_zeroed drops: the order-0
 *     allocations have used up the smaller free blocks and split the marked
 *     half. Only blocks of pageblock order and above may keep the mark, so
 *     nr_free_zeroed must now be a multiple of 512 (it was 511 minus what the
 *     per-CPU list took when the remnants kept it);
 *  3. enable pre-zeroing again and fault 8 THPs: kprezerod must see an empty
 *     pool and refill it, so that some of them get a pre-zeroed block.
 * Prints "split KEY VALUE..." lines for the host; every byte of the 9 THPs
 * is checked to be zero ("dirty"). Exit status 0, or 1 if a mapping or a
 * sysfs write failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "guest.h"

#define HPAGE (2UL << 20)
#define PAGE 4096UL
#define S "/sys/kernel/mm/prezero/"

/* nr_free_zeroed with every CPU's pending deltas folded in */
static long zeroed_exact(void)
{
	write_str("/proc/sys/vm/stat_refresh", "1");
	return vmstat("nr_free_zeroed");
}

/* @n 2 MiB-aligned MADV_HUGEPAGE regions, first-touched; dirty bytes seen */
static char *fault_thps(int n, long *dirty)
{
	size_t len = n * HPAGE;
	char *raw = mmap(NULL, len + HPAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;
	size_t i;

	if (raw == MAP_FAILED)
		return NULL;
	p = (char *)(((unsigned long)raw + HPAGE - 1) & ~(HPAGE - 1));
	madvise(p, len, MADV_HUGEPAGE);
	for (i = 0; i < len; i += HPAGE)
		p[i + 1] = 0;	/* the fault; byte 0 is checked below */
	for (i = 0; i < len; i++)
		*dirty += p[i] != 0;
	return p;
}

int main(void)
{
	long pool0, pool1, pool2, pre, dirty = 0, kib = 0;
	size_t max = 256UL << 20, off;
	char *eat;

	pool0 = zeroed_exact();
	pre = vmstat("thp_fault_prezeroed");
	if (!fault_thps(1, &dirty))
		return 1;
	pool1 = zeroed_exact();
	printf("split pool %ld first_thp_prezeroed %ld after_first_thp %ld\n",
	       pool0, vmstat("thp_fault_prezeroed") - pre, pool1);

	if (write_str(S "enabled", "0"))
		return 1;
	eat = mmap(NULL, max, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (eat == MAP_FAILED)
		return 1;
	madvise(eat, max, MADV_NOHUGEPAGE);
	for (off = 0; off < max; off += PAGE) {
		eat[off] = 1;
		if ((off / PAGE) % 16 == 15 && vmstat("nr_free_zeroed") < pool1)
			break;
	}
	kib = (off + PAGE) >> 10;
	pool2 = zeroed_exact();
	printf("split order0_kib %ld after_split %ld\n", kib, pool2);

	if (write_str(S "enabled", "1"))
		return 1;
	sleep(1);
	pre = vmstat("thp_fault_prezeroed");
	if (!fault_thps(8, &dirty))
		return 1;
	printf("split thp_faults 8 prezeroed %ld dirty %ld pool %ld\n",
	       vmstat("thp_fault_prezeroed") - pre, dirty, zeroed_exact());
	return 0;
}
