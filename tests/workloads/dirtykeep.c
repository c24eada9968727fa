// SPDX-License-Identifier: GPL-2.0
/*
 * dirtykeep: is a write ever lost while something clears accessed bits?
 *
 *   dirtykeep SECONDS
 *
 * Four 2 MiB regions of base pages are written, paged out (MADV_PAGEOUT)
 * and read back, so each page sits clean in the swap cache with its copy on
 * swap. The regions are then advised MADV_HUGEPAGE (khugepaged scans them)
 * and every page is rewritten with a new generation number, pass after
 * pass, for SECONDS. A write sets only the PTE's dirty bit; if a scan lost
 * it, reclaim would drop the page as clean and the swap copy would come
 * back. So the regions are paged out again and every page must read back
 * its last generation. Needs swap. Prints
 *   "dirtykeep pages N passes P swapped S lost L"
 * (S: pages found on swap after the second page-out) and exits 1 if L > 0.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#define HPAGE (2UL << 20)
#define PAGE 4096UL
#define REGIONS 4
#define PAGES (REGIONS * HPAGE / PAGE)

static void write_all(char *p, unsigned long gen)
{
	for (unsigned long i = 0; i < PAGES; i++)
		*(volatile unsigned long *)(p + i * PAGE) = gen;
}

static unsigned long read_all(char *p)
{
	unsigned long sum = 0;

	for (unsigned long i = 0; i < PAGES; i++)
		sum += *(volatile unsigned long *)(p + i * PAGE);
	return sum;
}

static unsigned long swapped(char *p)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	unsigned long n = 0;
	uint64_t ent;

	for (unsigned long i = 0; fd >= 0 && i < PAGES; i++)
		if (pread(fd, &ent, 8, ((uintptr_t)p / PAGE + i) * 8) == 8 && ent >> 62 & 1)
			n++;
	if (fd >= 0)
		close(fd);
	return n;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 0;
	char *p = mmap(NULL, (REGIONS + 1) * HPAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long gen = 1, lost = 0, nswapped;
	time_t end;

	if (argc != 2 || secs <= 0) {
		fprintf(stderr, "usage: dirtykeep SECONDS\n");
		return 2;
	}
	if (p == MAP_FAILED) {
		perror("dirtykeep: mmap");
		return 1;
	}
	p = (char *)(((uintptr_t)p + HPAGE - 1) & ~(HPAGE - 1));
	madvise(p, REGIONS * HPAGE, MADV_NOHUGEPAGE);
	write_all(p, gen);
	if (madvise(p, REGIONS * HPAGE, MADV_PAGEOUT)) {
		perror("dirtykeep: MADV_PAGEOUT");
		return 1;
	}
	read_all(p);	/* back in, clean in the swap cache */
	madvise(p, REGIONS * HPAGE, MADV_HUGEPAGE);
	for (end = time(NULL) + (time_t)secs + 1; time(NULL) < end;)
		write_all(p, ++gen);
	madvise(p, REGIONS * HPAGE, MADV_PAGEOUT);
	nswapped = swapped(p);
	for (unsigned long i = 0; i < PAGES; i++)
		if (*(volatile unsigned long *)(p + i * PAGE) != gen)
			lost++;
	printf("dirtykeep pages %lu passes %lu swapped %lu lost %lu\n", PAGES, gen - 1,
	       nswapped, lost);
	return lost > 0;
}
