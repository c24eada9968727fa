// SPDX-License-Identifier: GPL-2.0
/*
 * thpfill: a process with transparent huge pages of known content, for
 * hpbloat's and hpcov's tests and benchmarks.
 *
 *   thpfill [-p MIB] [-b MIB] [K...]
 *
 * Each K makes one 2 MiB THP region (MADV_HUGEPAGE) of which subpages
 * 0..K-1 are written with a non-zero byte and the rest stay zero. -p MIB
 * adds a MADV_NOHUGEPAGE region of MIB, fully written (no huge pages).
 * -b MIB adds a THP area of MIB with every odd subpage written, then times
 * a plain zero-check loop over it; SIGUSR1 times that loop again (a new
 * "baseline_gbps" line), so that a benchmark can interleave it with its
 * own runs. Prints "region ADDR K" per region, then "ready PID", and
 * sleeps until killed.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#define HPAGE (2UL << 20)
#define PAGE 4096UL

static char *map_aligned(size_t len, int advice)
{
	char *p = mmap(NULL, len + HPAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED) {
		perror("thpfill: mmap");
		exit(1);
	}
	a = (char *)(((uintptr_t)p + HPAGE - 1) & ~(HPAGE - 1));
	if (madvise(a, len, advice)) {
		perror("thpfill: madvise");
		exit(1);
	}
	return a;
}

/* Fault the whole huge page in with a zero write, then dirty K subpages. */
static void fill(char *region, unsigned int k)
{
	region[0] = 0;
	for (unsigned int i = 0; i < k; i++)
		region[i * PAGE + (i * 67) % PAGE] = 1;	/* anywhere in the page */
}

/* The anchor: a plain word-at-a-time zero check, page by page. */
static double baseline_gbps(const char *mem, size_t len, unsigned int *zero)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	*zero = 0;
	for (size_t off = 0; off < len; off += PAGE) {
		const uint64_t *w = (const uint64_t *)(mem + off);
		size_t i = 0;

		while (i < PAGE / 8 && !w[i])
			i++;
		*zero += i == PAGE / 8;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	return len / ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9) / 1e9;
}

static char *bench_mem;
static size_t bench_len;
static volatile sig_atomic_t again;

static void on_usr1(int sig)
{
	again = 1;
}

static void bench(size_t mib)
{
	size_t len = mib << 20;
	char *mem = map_aligned(len, MADV_HUGEPAGE);
	unsigned int zero;

	bench_mem = mem;
	bench_len = len;
	signal(SIGUSR1, on_usr1);

	for (size_t off = 0; off < len; off += HPAGE)
		fill(mem + off, 0);
	for (size_t off = PAGE; off < len; off += 2 * PAGE)
		mem[off + PAGE - 1] = 1;	/* odd subpages: last byte */
	printf("baseline_gbps %.2f\n", baseline_gbps(mem, len, &zero));
	printf("baseline_zero_subpages %u\n", zero);
}

int main(int argc, char **argv)
{
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "p:b:")) != -1) {
		size_t mib = strtoul(optarg, NULL, 0);

		if (opt == 'p') {
			char *p = map_aligned(mib << 20, MADV_NOHUGEPAGE);

			memset(p, 1, mib << 20);
			printf("plain %p %zu\n", (void *)p, mib);
		} else if (opt == 'b') {
			bench(mib);
		} else {
			fprintf(stderr, "usage: thpfill [-p MIB] [-b MIB] [K...]\n");
			return 2;
		}
	}
	if (optind < argc) {
		char *mem = map_aligned((argc - optind) * HPAGE, MADV_HUGEPAGE);

		for (int i = optind; i < argc; i++) {
			char *region = mem + (i - optind) * HPAGE;
			unsigned int k = strtoul(argv[i], NULL, 0);

			fill(region, k > 512 ? 512 : k);
			printf("region %p %u\n", (void *)region, k);
		}
	}
	printf("ready %d\n", getpid());
	for (;;) {
		unsigned int zero;

		pause();
		if (again && bench_mem) {
			again = 0;
			printf("baseline_gbps %.2f\n", baseline_gbps(bench_mem, bench_len, &zero));
		}
	}
}
