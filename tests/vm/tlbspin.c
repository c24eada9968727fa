// SPDX-License-Identifier: GPL-2.0
/*
 * tlbspin: a process with N 2 MiB regions that khugepaged (coverage order)
 * measures but never collapses, and that runs whenever khugepaged does not,
 * so that each TLB flush of its mm shows as a full flush when it is next
 * switched in (the tlb:tlb_flush tracepoint, reason "flush on task switch";
 * the test guest has one CPU, so there are no shootdown IPIs to count).
 * Issue 18 item 11: one flush per pass over the mm, not one per scan call.
 *
 *   tlbspin N          N regions, MADV_HUGEPAGE, populated, then read-only;
 *                      prints "ready PID", then, at nice 19 (khugepaged's),
 *                      reads a byte of every page, sleeps 1 ms, and again
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#define HPAGE (2UL << 20)
#define PAGE 4096UL

int main(int argc, char **argv)
{
	unsigned long n, sum = 0;
	char *base;

	if (argc != 2) {
		fprintf(stderr, "usage: tlbspin N\n");
		return 2;
	}
	n = strtoul(argv[1], NULL, 0);
	base = mmap(NULL, (n + 1) * HPAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		perror("tlbspin: mmap");
		return 1;
	}
	base = (char *)(((uintptr_t)base + HPAGE - 1) & ~(HPAGE - 1));
	madvise(base, n * HPAGE, MADV_NOHUGEPAGE);	/* base pages at fault */
	for (unsigned long off = 0; off < n * HPAGE; off += PAGE)
		base[off] = 1;
	if (madvise(base, n * HPAGE, MADV_HUGEPAGE))
		perror("tlbspin: MADV_HUGEPAGE");
	/* Read-only: khugepaged measures the regions, never collapses them */
	mprotect(base, n * HPAGE, PROT_READ);
	if (nice(19) < 0)
		perror("tlbspin: nice");
	printf("ready %d\n", getpid());
	fflush(stdout);
	for (;;) {
		for (unsigned long off = 0; off < n * HPAGE; off += PAGE)
			sum += *(volatile char *)(base + off);
		usleep(1000);
	}
	return sum == 0;
}
