// SPDX-License-Identifier: GPL-2.0
/*
 * hotcold: a hot set at high addresses above cold memory, for the
 * promotion benchmark (tests/bench/hawkeye-promote.sh).
 *
 *   hotcold [-c COLD_MIB] [-H HOT_MIB] [-s SECONDS] [-p PERIOD_MS]
 *
 * Maps COLD_MIB (default 256) and, above it, HOT_MIB (default 128) of
 * anonymous memory in one 2 MiB-aligned mapping, writes every page (base
 * pages where THP is madvise or never), prints "region ADDR hot|cold" per
 * 2 MiB region and "ready PID", and waits for a line on standard input.
 * Then, for SECONDS (default 10), it reads one cache line of a random page
 * of the hot set at a time, each address depending on the value read
 * before (so the loads and their page walks cannot overlap). The lines
 * (one per page, 2 MiB for 128 MiB) stay in the caches, but with base
 * pages nearly every load misses the TLB: the hot loop measures address
 * translation, what a huge page saves. In alternate blocks it runs the
 * same loop over a control copy of the hot set that never gets huge pages
 * (MADV_NOHUGEPAGE, not listed), and once per period reads a line of each
 * cold region. Per period of PERIOD_MS (default 100) of its own CPU time
 * it prints "rate TIME_S HOT_PER_S CONTROL_PER_S": CLOCK_REALTIME at the
 * end, and accesses per second of thread CPU time in each set. The
 * machine's noise hits both sets alike: HOT / CONTROL is the speed-up.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#define HPAGE (2UL << 20)
#define PAGE 4096UL
#define BLOCK 4096		/* accesses per block; blocks alternate */

static double clock_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rng = 88172645463325252ULL;
static inline uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* len bytes, 2 MiB aligned, every page written. */
static char *map_written(size_t len, int nohuge)
{
	char *p = mmap(NULL, len + HPAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("hotcold: mmap");
		exit(1);
	}
	p = (char *)(((uintptr_t)p + HPAGE - 1) & ~(HPAGE - 1));
	if (nohuge)
		madvise(p, len, MADV_NOHUGEPAGE);
	for (size_t off = 0; off < len; off += PAGE)
		p[off] = 1;
	return p;
}

static unsigned long chase;	/* always 0: makes each address depend on the last load */

/* One block of dependent loads, a line per page; returns its CPU seconds. */
static double block(volatile char *set, size_t pages)
{
	double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);

	for (int i = 0; i < BLOCK; i++) {
		size_t pg = (next() + chase) % pages;

		/* a line per page, spread over the cache sets */
		chase = set[pg * PAGE + (pg * 37 % 64) * 64] - 1;
	}
	return clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
}

int main(int argc, char **argv)
{
	size_t cold = 256, hot = 128;
	double seconds = 10, period = 0.1, start;
	volatile char *mem, *hotp, *ctrl;
	unsigned long sum = 0;
	char line[16];
	int opt;

	while ((opt = getopt(argc, argv, "c:H:s:p:")) != -1) {
		switch (opt) {
		case 'c': cold = strtoul(optarg, NULL, 0); break;
		case 'H': hot = strtoul(optarg, NULL, 0); break;
		case 's': seconds = atof(optarg); break;
		case 'p': period = atof(optarg) / 1000; break;
		default:
			fprintf(stderr, "usage: hotcold [-c COLD_MIB] [-H HOT_MIB] [-s SECONDS] "
				"[-p PERIOD_MS]\n");
			return 2;
		}
	}
	cold &= ~1UL;
	hot &= ~1UL;
	if (!hot)
		return 2;
	mem = map_written((cold + hot) << 20, 0);
	hotp = mem + (cold << 20);
	ctrl = map_written(hot << 20, 1);
	for (size_t off = 0; off < (cold + hot) << 20; off += HPAGE)
		printf("region %p %s\n", (void *)(mem + off), off < cold << 20 ? "cold" : "hot");
	printf("ready %d\n", getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;

	size_t pages = (hot << 20) / PAGE;

	start = clock_s(CLOCK_REALTIME);
	do {
		double t_hot = 0, t_ctrl = 0;
		unsigned long n = 0;

		while (t_hot + t_ctrl < period) {
			t_hot += block(hotp, pages);
			t_ctrl += block(ctrl, pages);
			n += BLOCK;
		}
		for (size_t off = 0; off < cold << 20; off += HPAGE)
			sum += mem[off + (next() % (HPAGE / 64)) * 64];
		printf("rate %.6f %.0f %.0f\n", clock_s(CLOCK_REALTIME), n / t_hot, n / t_ctrl);
		fflush(stdout);
	} while (clock_s(CLOCK_REALTIME) - start < seconds);
	return sum + chase == 42;
}
