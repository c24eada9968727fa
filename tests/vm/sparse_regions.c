// SPDX-License-Identifier: GPL-2.0
/*
 * sparse_regions: many 2 MiB regions with one page each, for khugepaged's
 * tests (tests/vm/khugepaged-check.sh).
 *
 *   sparse_regions N [STRIDE]
 *
 * Maps N 2 MiB-aligned regions, every STRIDE regions (default 1) of one
 * mapping, and writes one byte to each (MADV_NOHUGEPAGE), so that each
 * region has a page table with one page (with a STRIDE above 1 each region
 * is a mapping of its own, and a STRIDE of 64 puts each in a node of its
 * own in khugepaged's access map),
 * then advises MADV_HUGEPAGE: N candidates for khugepaged's coverage order
 * at the cost of 8 KiB each (as long as khugepaged cannot allocate huge
 * pages: the test fails its allocations).
 * Prints "ready PID", then sleeps until killed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>

#define HPAGE (2UL << 20)

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 0, i;
	unsigned long stride = argc > 2 ? strtoul(argv[2], NULL, 0) : 1;
	char *raw, *p;

	if (!n || !stride) {
		fprintf(stderr, "usage: sparse_regions N [STRIDE]\n");
		return 2;
	}
	n = (n - 1) * stride + 1;	/* the span of the regions */
	raw = mmap(NULL, (n + 1) * HPAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	p = (char *)(((unsigned long)raw + HPAGE - 1) & ~(HPAGE - 1));
	/* base pages first: a THP fault would take 2 MiB per region */
	madvise(p, n * HPAGE, MADV_NOHUGEPAGE);
	for (i = 0; i < n; i += stride) {
		p[i * HPAGE] = 1;
		/* a mapping per region: khugepaged skips the gaps */
		if (stride > 1 && i + 1 < n)
			munmap(p + (i + 1) * HPAGE, (stride - 1) * HPAGE);
	}
	for (i = 0; i < n; i += stride)
		if (madvise(p + i * HPAGE, HPAGE, MADV_HUGEPAGE))
			perror("madvise");
	printf("ready %d\n", getpid());
	fflush(stdout);
	for (;;)
		pause();
}
