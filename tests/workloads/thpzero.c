// SPDX-License-Identifier: GPL-2.0
/*
 * thpzero: first-touch faults of 2 MiB THP regions, for pre-zeroing's
 * tests and benchmarks.
 *
 *   thpzero [-n REGIONS] [-r ROUNDS] [-4 | -H] [-s]
 *   thpzero -Z KIB
 *
 * Each round maps REGIONS 2 MiB-aligned regions (MADV_HUGEPAGE; with -4
 * MADV_NOHUGEPAGE; with -H hugetlb pages, MAP_HUGETLB), takes the first fault of each region with a
 * one-byte write and times it, checks that every byte of the region is
 * zero (a page handed out dirty is a bug), then fills the region with a
 * pattern and, after the last region, unmaps them all so that the next
 * round (or the next run) gets the dirty memory back from the allocator.
 * With -s, the first fault is followed by a one-byte write to every 4 KiB
 * page (HawkEye's Table 1 workload: touch each base page once).
 * Prints per round:
 *   round R regions N huge H dirty D fault_ns_median M fault_ns_total T run_ns U
 * Exit status 0 when no dirty byte was seen, 4 otherwise.
 * -Z KIB writes KIB to /sys/kernel/mm/prezero/zero_now_kbytes and prints
 *   zero_now kib KIB ns T
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#define HPAGE (2UL << 20)
#define PAGE 4096UL
#define ADVICE_HUGETLB (-1)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* AnonHugePages of this process, in 2 MiB pages. */
static unsigned long huge_pages(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	unsigned long kb = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb / 2048;
}

static unsigned long dirty_bytes(const unsigned char *p, size_t len)
{
	const uint64_t *w = (const uint64_t *)p;
	unsigned long bad = 0;

	for (size_t i = 0; i < len / 8; i++)
		if (w[i])
			for (int b = 0; b < 8; b++)
				bad += p[i * 8 + b] != 0;
	return bad;
}

static char *map_aligned(size_t len, int advice)
{
	char *p, *a;

	if (advice == ADVICE_HUGETLB) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (p == MAP_FAILED) {
			perror("thpzero: mmap MAP_HUGETLB");
			exit(1);
		}
		return p;
	}
	p = mmap(NULL, len + HPAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("thpzero: mmap");
		exit(1);
	}
	a = (char *)(((uintptr_t)p + HPAGE - 1) & ~(HPAGE - 1));
	if (madvise(a, len, advice)) {
		perror("thpzero: madvise");
		exit(1);
	}
	return a;
}

static int round_once(int r, unsigned long n, int advice, int each_page)
{
	uint64_t *lat = calloc(n, sizeof(*lat)), total = 0, start = now_ns();
	unsigned long dirty = 0, huge;
	unsigned char *a = (unsigned char *)map_aligned(n * HPAGE, advice);

	for (unsigned long i = 0; i < n; i++) {
		unsigned char *reg = a + i * HPAGE;
		uint64_t t0 = now_ns();

		reg[0] = 0;	/* the first fault; 0 keeps the check exact */
		if (each_page)
			for (size_t off = PAGE; off < HPAGE; off += PAGE)
				reg[off] = 0;
		lat[i] = now_ns() - t0;
		total += lat[i];
	}
	huge = huge_pages();
	for (unsigned long i = 0; i < n; i++) {
		dirty += dirty_bytes(a + i * HPAGE, HPAGE);
		memset(a + i * HPAGE, 0xa5, HPAGE);
	}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("round %d regions %lu huge %lu dirty %lu fault_ns_median %llu "
	       "fault_ns_total %llu run_ns %llu\n", r, n, huge, dirty,
	       (unsigned long long)lat[n / 2], (unsigned long long)total,
	       (unsigned long long)(now_ns() - start));
	fflush(stdout);
	munmap(a, n * HPAGE);	/* the hugetlb mapping's length is aligned too */
	free(lat);
	return dirty ? 4 : 0;
}

/* Time a zero_now_kbytes write: zeroing in this process's context. */
static int zero_now(const char *kib)
{
	FILE *f = fopen("/sys/kernel/mm/prezero/zero_now_kbytes", "w");
	uint64_t t0 = now_ns();

	if (!f || fprintf(f, "%s\n", kib) < 0 || fclose(f)) {
		perror("thpzero: zero_now_kbytes");
		return 1;
	}
	printf("zero_now kib %s ns %llu\n", kib, (unsigned long long)(now_ns() - t0));
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long regions = 16;
	int rounds = 1, advice = MADV_HUGEPAGE, each_page = 0, opt, rc = 0;

	while ((opt = getopt(argc, argv, "n:r:4HsZ:")) != -1) {
		switch (opt) {
		case 'n': regions = strtoul(optarg, NULL, 0); break;
		case 'r': rounds = atoi(optarg); break;
		case '4': advice = MADV_NOHUGEPAGE; break;
		case 'H': advice = ADVICE_HUGETLB; break;
		case 's': each_page = 1; break;
		case 'Z': return zero_now(optarg);
		default:
			fprintf(stderr, "usage: thpzero [-n REGIONS] [-r ROUNDS] [-4 | -H] [-s] | -Z KIB\n");
			return 2;
		}
	}
	if (!regions || rounds < 1) {
		fprintf(stderr, "thpzero: REGIONS and ROUNDS must be positive\n");
		return 2;
	}
	for (int r = 0; r < rounds; r++)
		rc |= round_once(r, regions, advice, each_page);
	return rc;
}
