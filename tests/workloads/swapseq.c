// SPDX-License-Identifier: GPL-2.0
/*
 * swapseq: a known sequence of swap-in faults.
 *
 * Writes a pattern into PAGES anonymous pages, pushes them out to swap
 * (MADV_PAGEOUT, then memory churn until mincore() says none is left in
 * the swap cache, so each re-read is a real swap-in), then reads them back
 * in the order i*STRIDE mod PAGES and checks every byte pattern. Prints:
 *   region 0xADDR PAGES     order STRIDE     majflt N     verified N
 * -w MS keeps it alive MS milliseconds after the last read (a tracer
 * that reads /proc/PID/cgroup late still sees its cgroup).
 * Run it in a memory cgroup with a limit below the churn size (-c) and
 * with vm.page-cluster=0 so that readahead does not turn faults into hits.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>

#define PAGE 4096UL

static long majflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_majflt;
}

static unsigned long resident(unsigned char *region, unsigned long pages)
{
	unsigned char vec[pages];
	unsigned long n = 0;

	if (mincore(region, pages * PAGE, vec)) {
		perror("mincore");
		exit(1);
	}
	for (unsigned long i = 0; i < pages; i++)
		n += vec[i] & 1;
	return n;
}

static void churn(unsigned long mib)
{
	size_t len = mib << 20;
	char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED) {
		perror("mmap churn");
		exit(1);
	}
	for (size_t off = 0; off < len; off += PAGE)
		buf[off] = 1;
	munmap(buf, len);
}

static unsigned long gcd(unsigned long a, unsigned long b)
{
	return b ? gcd(b, a % b) : a;
}

static void join_cgroup(const char *dir)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f)) {
		fprintf(stderr, "swapseq: joining %s: %s\n", dir, strerror(errno));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	unsigned long pages = 512, stride = 7, churn_mib = 96, verified = 0, linger_ms = 0;
	unsigned char *region;
	int opt, tries;
	long before;

	while ((opt = getopt(argc, argv, "n:s:m:c:w:")) != -1) {
		switch (opt) {
		case 'n': pages = strtoul(optarg, NULL, 0); break;
		case 's': stride = strtoul(optarg, NULL, 0); break;
		case 'm': churn_mib = strtoul(optarg, NULL, 0); break;
		case 'c': join_cgroup(optarg); break;
		case 'w': linger_ms = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: swapseq [-n PAGES] [-s STRIDE] [-m CHURN_MIB] [-c CGROUP] "
				"[-w LINGER_MS]\n");
			return 2;
		}
	}
	if (!pages || !stride || gcd(pages, stride) != 1) {
		fprintf(stderr, "swapseq: STRIDE must be coprime with PAGES\n");
		return 2;
	}
	region = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise(region, pages * PAGE, MADV_NOHUGEPAGE);
	for (unsigned long i = 0; i < pages; i++)
		memset(region + i * PAGE, (int)(i * 31 + 1), PAGE);

	for (tries = 0; tries < 20 && resident(region, pages); tries++) {
		madvise(region, pages * PAGE, MADV_PAGEOUT);
		churn(churn_mib);
	}
	if (resident(region, pages)) {
		fprintf(stderr, "swapseq: %lu pages still resident after %d tries "
			"(is swap on, and a memory limit set?)\n", resident(region, pages), tries);
		return 3;
	}
	printf("pid %d\nregion %p %lu\norder %lu\n", getpid(), (void *)region, pages, stride);
	fflush(stdout);

	before = majflt();
	for (unsigned long i = 0; i < pages; i++) {
		unsigned long idx = i * stride % pages;
		unsigned char want = (unsigned char)(idx * 31 + 1), *p = region + idx * PAGE;
		unsigned long ok = 1;

		for (unsigned long b = 0; b < PAGE; b++)
			ok &= p[b] == want;
		verified += ok;
	}
	printf("majflt %ld\nverified %lu\n", majflt() - before, verified);
	fflush(stdout);
	/* -w: stay alive, in its cgroup, for a tracer that reads it late */
	usleep(linger_ms * 1000);
	return verified == pages ? 0 : 4;
}
