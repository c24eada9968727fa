// SPDX-License-Identifier: GPL-2.0
/*
 * touchset: known access coverage per 2 MiB region, for hpcov's tests.
 *
 *   touchset [-a] K...
 *
 * Each K makes one 2 MiB-aligned region of base pages (MADV_NOHUGEPAGE;
 * with -a no advice, so MADV_COLLAPSE may promote it: THP mode madvise),
 * all 512 pages written once (so all are present), then reads pages
 * 0..K-1 of every region over and over, every 10 ms, until killed.
 * Prints "region ADDR K" per region, then "ready PID".
 */
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
	int advise = !(argc > 1 && !strcmp(argv[1], "-a"));
	int n = argc - 2 + advise;
	char **arg = argv + 2 - advise;
	volatile char **region = calloc(n > 0 ? n : 1, sizeof(*region));
	unsigned long *k = calloc(n > 0 ? n : 1, sizeof(*k));
	unsigned long sum = 0;

	if (n < 1 || !region || !k) {
		fprintf(stderr, "usage: touchset [-a] K...\n");
		return 2;
	}
	for (int i = 0; i < n; i++) {
		char *p = mmap(NULL, 2 * HPAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		k[i] = strtoul(arg[i], NULL, 0);
		if (p == MAP_FAILED || k[i] > 512) {
			fprintf(stderr, "touchset: bad K or mmap failed\n");
			return 1;
		}
		p = (char *)(((uintptr_t)p + HPAGE - 1) & ~(HPAGE - 1));
		if (advise)
			madvise(p, HPAGE, MADV_NOHUGEPAGE);
		for (unsigned long off = 0; off < HPAGE; off += PAGE)
			p[off] = 1;
		region[i] = p;
		printf("region %p %lu\n", (void *)p, k[i]);
	}
	printf("ready %d\n", getpid());
	fflush(stdout);
	for (;;) {
		for (int i = 0; i < n; i++)
			for (unsigned long j = 0; j < k[i]; j++)
				sum += region[i][j * PAGE];
		usleep(10000);
	}
	return sum == 0;
}
