// SPDX-License-Identifier: GPL-2.0
/*
 * touchset: known access coverage per 2 MiB region, for hpcov's and
 * khugepaged's tests.
 *
 *   touchset [-a | -k | -r] [-w SWEEP_MS] K...
 *
 * Each K makes one 2 MiB-aligned region of base pages (one mapping, the
 * first K's region at the highest address), all 512 pages
 * written once (so all are present), then reads pages 0..K-1 of every
 * region over and over, every 10 ms, until killed. Prints "region ADDR K"
 * per region, then "ready PID".
 *   (default)  MADV_NOHUGEPAGE: the regions stay base pages
 *   -a         no advice, so MADV_COLLAPSE may promote them (THP madvise)
 *   -k         MADV_HUGEPAGE once all are populated, for khugepaged; each region
 *              found PMD-mapped (pagemap + kpageflags, root) is reported
 *              once as "huge NS ADDR K", NS its CLOCK_MONOTONIC time in ns
 *   -r         as -k, but read-only (mprotect) once populated, so that
 *              khugepaged scans the regions and never collapses them
 *   -w MS      also sweep every page of every region once per MS, a slice
 *              each 10 ms: memory used rarely but all of it, which a long
 *              enough measuring window finds fully used
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#define HPAGE (2UL << 20)
#define PAGE 4096UL
#define KPF_THP 22

/* Is the page at @addr part of a transparent huge page? */
static int is_thp(int pagemap, int kpageflags, uintptr_t addr)
{
	uint64_t ent, flags;

	if (pread(pagemap, &ent, 8, addr / PAGE * 8) != 8 || !(ent >> 63))
		return 0;
	ent &= (1ULL << 55) - 1;
	if (pread(kpageflags, &flags, 8, ent * 8) != 8)
		return 0;
	return flags >> KPF_THP & 1;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	int mode = 0, opt, readonly, n;
	unsigned long sweep_ms = 0, swept = 0;
	char **arg;

	while ((opt = getopt(argc, argv, "akrw:")) != -1) {
		if (opt == 'w')
			sweep_ms = strtoul(optarg, NULL, 0);
		else if (opt == '?')
			return 2;
		else
			mode = opt;
	}
	readonly = mode == 'r';
	n = argc - optind;
	arg = argv + optind;
	volatile char **region = calloc(n > 0 ? n : 1, sizeof(*region));
	unsigned long *k = calloc(n > 0 ? n : 1, sizeof(*k));
	char *huge = calloc(n > 0 ? n : 1, 1);
	int pagemap = -1, kpageflags = -1;
	unsigned long sum = 0;
	char *base;

	if (n < 1 || !region || !k || !huge) {
		fprintf(stderr, "usage: touchset [-a | -k | -r] [-w SWEEP_MS] K...\n");
		return 2;
	}
	if (readonly)
		mode = 'k';
	if (mode == 'k') {
		pagemap = open("/proc/self/pagemap", O_RDONLY);
		kpageflags = open("/proc/kpageflags", O_RDONLY);
		if (pagemap < 0 || kpageflags < 0) {
			perror("touchset: pagemap or kpageflags");
			return 1;
		}
	}
	/* One mapping, no gap between regions; the first K at the top */
	base = mmap(NULL, (n + 1) * HPAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		perror("touchset: mmap");
		return 1;
	}
	base = (char *)(((uintptr_t)base + HPAGE - 1) & ~(HPAGE - 1));
	if (mode != 'a')
		madvise(base, n * HPAGE, MADV_NOHUGEPAGE);
	for (int i = 0; i < n; i++) {
		char *p = base + (n - 1 - i) * HPAGE;

		k[i] = strtoul(arg[i], NULL, 0);
		if (k[i] > 512) {
			fprintf(stderr, "touchset: K above 512: %s\n", arg[i]);
			return 1;
		}
		for (unsigned long off = 0; off < HPAGE; off += PAGE)
			p[off] = 1;
		region[i] = p;
		printf("region %p %lu\n", (void *)p, k[i]);
	}
	/*
	 * One call, which holds the mmap lock for writing throughout:
	 * khugepaged never finds some regions eligible and others not yet.
	 */
	if (mode == 'k' && madvise(base, n * HPAGE, MADV_HUGEPAGE))
		perror("touchset: MADV_HUGEPAGE");
	if (readonly)
		mprotect(base, n * HPAGE, PROT_READ);
	printf("ready %d\n", getpid());
	fflush(stdout);
	for (;;) {
		for (int i = 0; i < n; i++)
			for (unsigned long j = 0; j < k[i]; j++)
				sum += region[i][j * PAGE];
		/* 512 * 10 / sweep_ms pages of each region per 10 ms tick */
		for (unsigned long end = swept + (sweep_ms ? 5120 / sweep_ms + 1 : 0);
		     swept < end; swept++)
			for (int i = 0; i < n; i++)
				sum += region[i][swept % 512 * PAGE];
		for (int i = 0; mode == 'k' && i < n; i++) {
			if (huge[i] || !is_thp(pagemap, kpageflags, (uintptr_t)region[i]))
				continue;
			huge[i] = 1;
			printf("huge %llu %p %lu\n", now_ns(), (void *)region[i], k[i]);
			fflush(stdout);
		}
		usleep(10000);
	}
	return sum == 0;
}
