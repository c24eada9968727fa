// SPDX-License-Identifier: GPL-2.0
/*
 * thawfault: fault THPs as soon as this process is thawed after a
 * hibernation, for the resume check of tests/vm/prezero-check.sh.
 *
 *   thawfault N
 *
 * Sleeps 1 ms at a time and faults nothing, so the pre-zeroed pool stays
 * full, until CLOCK_MONOTONIC jumps by more than half a second between two
 * sleeps: the process was frozen (for the snapshot) and has just been
 * thawed (on resume), which happens before the PM_POST_HIBERNATION
 * notifiers run. It then first-touches N 2 MiB MADV_HUGEPAGE regions and
 * checks every byte. Prints
 *   thaw gap_ms G thps N prezeroed P dirty D
 * (P from thp_fault_prezeroed) and exits 0, or 1 after 20 minutes without
 * a gap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include "guest.h"

#define HPAGE (2UL << 20)

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	const struct timespec ms = { 0, 1000000 };
	long n = argc > 1 ? atol(argv[1]) : 16, pre, dirty = 0;
	long long t = now_ms(), end = t + 20 * 60 * 1000, gap = 0;
	size_t len = n * HPAGE, i;
	char *raw, *p;

	/* mapped before: only the faults are left for after the thaw */
	raw = mmap(NULL, len + HPAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (n <= 0 || raw == MAP_FAILED)
		return 1;
	p = (char *)(((unsigned long)raw + HPAGE - 1) & ~(HPAGE - 1));
	madvise(p, len, MADV_HUGEPAGE);
	pre = vmstat("thp_fault_prezeroed");
	while (gap <= 500) {
		long long t1;

		nanosleep(&ms, NULL);
		t1 = now_ms();
		gap = t1 - t;
		t = t1;
		if (t > end)
			return 1;
	}
	for (i = 0; i < len; i += HPAGE)
		p[i + 1] = 0;
	pre = vmstat("thp_fault_prezeroed") - pre;
	for (i = 0; i < len; i++)
		dirty += p[i] != 0;
	printf("thaw gap_ms %lld thps %ld prezeroed %ld dirty %ld\n", gap, n,
	       pre, dirty);
	return 0;
}
