// SPDX-License-Identifier: GPL-2.0
/*
 * swapseq: a known sequence of swap-in faults.
 *
 * Writes a pattern into PAGES anonymous pages, pushes them out to swap
 * (MADV_PAGEOUT, then memory churn until mincore() says none is left in
 * the swap cache, so each re-read is a real swap-in), then reads them back
 * in the order i*STRIDE mod PAGES (-k K: K interleaved sequential streams;
 * -r SEED: a random permutation) and checks every byte pattern. The order
 * is computed, never stored: an array would be swapped out and faulted
 * back in too, adding faults to the known sequence. Prints:
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

/* A bijection of [0, 2^bits): an invertible mix of the seed and the index. */
static unsigned long mix(unsigned long x, unsigned long seed, unsigned int bits)
{
	unsigned long mask = (1UL << bits) - 1;

	for (int round = 0; round < 3; round++) {
		x = (x * 0x9E3779B97F4A7C15UL + seed) & mask;	/* odd multiplier */
		x ^= x >> (bits / 2 + 1);
	}
	return x;
}

/* The i-th page of a random permutation of PAGES: cycle-walk the mix. */
static unsigned long random_page(unsigned long i, unsigned long pages, unsigned long seed)
{
	unsigned int bits = 1;

	while ((1UL << bits) < pages)
		bits++;
	do
		i = mix(i, seed, bits);
	while (i >= pages);
	return i;
}

struct walk {
	unsigned long pages, stride, streams, seed;
	int random;
};

/* The page read i-th. */
static unsigned long walk_page(const struct walk *w, unsigned long i)
{
	if (w->random)
		return random_page(i, w->pages, w->seed);
	if (w->streams > 1)	/* stream i % K, its (i / K)-th page */
		return i % w->streams * (w->pages / w->streams) + i / w->streams;
	return i * w->stride % w->pages;
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

/*
 * Keep swapseq's own pages resident: the churn pushes out whatever of the
 * cgroup is cold, its stack and stdio buffer too, and their swap-ins
 * would join the known sequence. Locked before the region and the churn
 * are mapped, which stay unlocked; stdout's buffer is in .bss, locked
 * with the rest, not a later heap page.
 */
static void lock_self(void)
{
	static char outbuf[BUFSIZ];

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (mlockall(MCL_CURRENT))
		perror("swapseq: mlockall (its own pages may add swap-ins)");
}

int main(int argc, char **argv)
{
	unsigned long churn_mib = 96, verified = 0, linger_ms = 0;
	struct walk w = { .pages = 512, .stride = 7, .streams = 1 };
	unsigned long pages;
	unsigned char *region;
	int opt, tries;
	long before;

	while ((opt = getopt(argc, argv, "n:s:k:r:m:c:w:")) != -1) {
		switch (opt) {
		case 'n': w.pages = strtoul(optarg, NULL, 0); break;
		case 's': w.stride = strtoul(optarg, NULL, 0); break;
		case 'k': w.streams = strtoul(optarg, NULL, 0); break;
		case 'r': w.random = 1; w.seed = strtoul(optarg, NULL, 0); break;
		case 'm': churn_mib = strtoul(optarg, NULL, 0); break;
		case 'c': join_cgroup(optarg); break;
		case 'w': linger_ms = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: swapseq [-n PAGES] [-s STRIDE | -k STREAMS | -r SEED] "
				"[-m CHURN_MIB] [-c CGROUP] [-w LINGER_MS]\n");
			return 2;
		}
	}
	pages = w.pages;
	if (!pages || !w.stride || gcd(pages, w.stride) != 1) {
		fprintf(stderr, "swapseq: STRIDE must be coprime with PAGES\n");
		return 2;
	}
	if (!w.streams || pages % w.streams) {
		fprintf(stderr, "swapseq: STREAMS must divide PAGES\n");
		return 2;
	}
	lock_self();
	region = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise(region, pages * PAGE, MADV_NOHUGEPAGE);
	for (unsigned long i = 0; i < pages; i++)
		memset(region + i * PAGE, (int)(i * 31 + 1), PAGE);

	for (tries = 0; tries < 40 && resident(region, pages); tries++) {
		madvise(region, pages * PAGE, MADV_PAGEOUT);
		churn(churn_mib);
		/*
		 * A page stays resident in the swap cache until its write
		 * completes, which on a loaded machine outlasts a few tries.
		 */
		if (tries >= 4)
			usleep(100 * 1000);
	}
	if (resident(region, pages)) {
		fprintf(stderr, "swapseq: %lu pages still resident after %d tries "
			"(is swap on, and a memory limit set?)\n", resident(region, pages), tries);
		return 3;
	}
	printf("pid %d\nregion %p %lu\norder %lu\n", getpid(), (void *)region, pages, w.stride);
	fflush(stdout);

	before = majflt();
	for (unsigned long i = 0; i < pages; i++) {
		unsigned long idx = walk_page(&w, i);
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
