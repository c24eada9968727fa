// SPDX-License-Identifier: GPL-2.0
/*
 * touchset: known access coverage per 2 MiB region, for hpcov's tests.
 *
 *   touchset K...
 *
 * Each K makes one 2 MiB-aligned region of base pages (MADV_NOHUGEPAGE),
 * all 512 pages written once (so all are present), then reads pages
 * 0..K-1 of every region over and over, every 10 ms, until killed.
 * Prints "region ADDR K" per region, then "ready PID".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>

#define HPAGE (2UL << 20)
#define PAGE 4096UL

int main(int argc, char **argv)
{
	int n = argc - 1;
	volatile char **region = calloc(n, sizeof(*region));
	unsigned long *k = calloc(n, sizeof(*k));
	unsigned long sum = 0;

	if (n < 1 || !region || !k) {
		fprintf(stderr, "usage: touchset K...\n");
		return 2;
	}
	for (int i = 0; i < n; i++) {
		char *p = mmap(NULL, 2 * HPAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		k[i] = strtoul(argv[i + 1], NULL, 0);
		if (p == MAP_FAILED || k[i] > 512) {
			fprintf(stderr, "touchset: bad K or mmap failed\n");
			return 1;
		}
		p = (char *)(((uintptr_t)p + HPAGE - 1) & ~(HPAGE - 1));
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
