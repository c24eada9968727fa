// SPDX-License-Identifier: GPL-2.0
/*
 * thpwriter: THPs with known sparse content that keep being written, for
 * hpbloat --recover's tests and benchmark.
 *
 *   thpwriter [-w] [-l] N K
 *
 * Maps N 2 MiB THP regions (MADV_HUGEPAGE); in each, K subpages spread
 * evenly are written with a pattern, the others stay zero. Prints
 * "region ADDR K" per region, then "ready PID", and runs until killed.
 *
 *   -w  a writer thread writes sequence numbers into subpages that are
 *       still zero (the ones recovery frees): every 50 ms one more subpage
 *       of each region, in a scattered order, and it rewrites the ones
 *       already written; it remembers the last value of each
 *   -l  a latency thread reads one word of every subpage, pass after pass,
 *       and keeps the longest pass
 *
 * SIGUSR1: stop the writer and check every byte: prints
 * "verify ok writes=W checksum=C" or "verify FAIL bad=B writes=W".
 * SIGUSR2: prints "latency passes=P max_ns=M mean_ns=A" and starts over.
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#define HPAGE (2UL << 20)
#define PAGE 4096UL
#define NSUB 512
#define PERIOD_US 50000	/* the writer takes one more zero subpage per region */
#define STRIDE 37	/* order of the writer's subpages: i * 37 mod 512 */

static char *area;
static int nreg, nwritten;
static volatile bool stop_writer;
static uint64_t *last;		/* [region][subpage]: last value written, 0: none */
static volatile uint64_t writes;
static volatile sig_atomic_t want_verify, want_latency;
static volatile uint64_t passes, max_ns, sum_ns;

static bool written(int i)
{
	return nwritten && (i * nwritten) / NSUB != ((i + 1) * nwritten) / NSUB;
}

static uint64_t pattern(int r, int i)
{
	return 0x5a5a000000000000ULL | (uint64_t)r << 16 | (uint64_t)i << 1 | 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void *writer(void *arg)
{
	uint64_t seq = 1;
	int taken = 0;

	(void)arg;
	while (!stop_writer) {
		/* One more subpage per region, if one that started zero is left. */
		for (int k = taken; k < NSUB; k++)
			if (!written((k * STRIDE) % NSUB)) {
				taken = k + 1;
				break;
			}
		for (int r = 0; r < nreg; r++)
			for (int k = 0; k < taken; k++) {
				int i = (k * STRIDE) % NSUB;
				uint64_t v = seq++ << 8 | 0xa5;

				if (written(i))
					continue;
				*(volatile uint64_t *)(area + r * HPAGE + i * PAGE + (i % 8) * 512) = v;
				last[r * NSUB + i] = v;
			}
		writes = seq - 1;
		usleep(PERIOD_US);
	}
	return NULL;
}

static void *latency(void *arg)
{
	volatile uint64_t sink = 0;

	(void)arg;
	for (;;) {
		uint64_t t = now_ns(), d;

		for (size_t off = 0; off < (size_t)nreg * HPAGE; off += PAGE)
			sink += *(volatile uint64_t *)(area + off);
		d = now_ns() - t;
		passes++;
		sum_ns += d;
		if (d > max_ns)
			max_ns = d;
	}
	return NULL;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_verify = 1;
	else
		want_latency = 1;
}

static void verify(void)
{
	uint64_t bad = 0, sum = 1469598103934665603ULL;

	for (int r = 0; r < nreg; r++)
		for (int i = 0; i < NSUB; i++) {
			const uint64_t *w = (const uint64_t *)(area + r * HPAGE + i * PAGE);
			uint64_t want[PAGE / 8] = { 0 };

			if (written(i))
				want[0] = want[PAGE / 8 - 1] = pattern(r, i);
			else if (last[r * NSUB + i])
				want[(i % 8) * 64] = last[r * NSUB + i];
			bad += memcmp(w, want, PAGE) != 0;
			for (size_t j = 0; j < PAGE / 8; j++)
				sum = (sum ^ w[j]) * 1099511628211ULL;
		}
	if (bad)
		printf("verify FAIL bad=%llu writes=%llu\n", (unsigned long long)bad,
		       (unsigned long long)writes);
	else
		printf("verify ok writes=%llu checksum=%016llx\n", (unsigned long long)writes,
		       (unsigned long long)sum);
}

int main(int argc, char **argv)
{
	bool use_writer = false, use_latency = false;
	pthread_t wt, lt;
	char *p;
	int opt;

	while ((opt = getopt(argc, argv, "wl")) != -1) {
		if (opt == 'w')
			use_writer = true;
		else if (opt == 'l')
			use_latency = true;
		else
			return 2;
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: thpwriter [-w] [-l] N K\n");
		return 2;
	}
	nreg = atoi(argv[optind]);
	nwritten = atoi(argv[optind + 1]);
	if (nreg < 1 || nwritten < 0 || nwritten > NSUB)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	p = mmap(NULL, (nreg + 1) * HPAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	last = calloc((size_t)nreg * NSUB, sizeof(*last));
	if (p == MAP_FAILED || !last) {
		perror("thpwriter");
		return 1;
	}
	area = (char *)(((uintptr_t)p + HPAGE - 1) & ~(HPAGE - 1));
	madvise(area, nreg * HPAGE, MADV_HUGEPAGE);
	for (int r = 0; r < nreg; r++) {
		for (int i = 0; i < NSUB; i++) {
			uint64_t *w = (uint64_t *)(area + r * HPAGE + i * PAGE);

			w[0] = 0;	/* the first touch faults the THP in */
			if (written(i))
				w[0] = w[PAGE / 8 - 1] = pattern(r, i);
		}
		printf("region %p %d\n", (void *)(area + r * HPAGE), nwritten);
	}
	signal(SIGUSR1, on_signal);
	signal(SIGUSR2, on_signal);
	if (use_writer)
		pthread_create(&wt, NULL, writer, NULL);
	if (use_latency)
		pthread_create(&lt, NULL, latency, NULL);
	printf("ready %d\n", getpid());
	for (;;) {
		pause();
		if (want_verify) {
			want_verify = 0;
			if (use_writer && !stop_writer) {
				stop_writer = true;
				pthread_join(wt, NULL);
			}
			verify();
		}
		if (want_latency) {
			uint64_t n = passes;

			want_latency = 0;
			printf("latency passes=%llu max_ns=%llu mean_ns=%llu\n",
			       (unsigned long long)n, (unsigned long long)max_ns,
			       (unsigned long long)(n ? sum_ns / n : 0));
			passes = max_ns = sum_ns = 0;
		}
	}
}
