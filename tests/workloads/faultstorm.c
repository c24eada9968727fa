// SPDX-License-Identifier: GPL-2.0
/*
 * faultstorm: as many minor page faults as possible, for overhead and loss
 * benchmarks. Maps MIB of anonymous memory, writes one byte per page,
 * unmaps, ROUNDS times. Prints: faults N, elapsed_ns T, faults_per_s R.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>

#define PAGE 4096UL

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long mib = 64, rounds = 64;
	int opt;

	while ((opt = getopt(argc, argv, "m:r:")) != -1) {
		switch (opt) {
		case 'm': mib = strtoul(optarg, NULL, 0); break;
		case 'r': rounds = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: faultstorm [-m MIB] [-r ROUNDS]\n");
			return 2;
		}
	}
	size_t len = mib << 20;
	long before = minflt();
	double start = now();

	for (unsigned long r = 0; r < rounds; r++) {
		volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		madvise((void *)p, len, MADV_NOHUGEPAGE);
		for (size_t off = 0; off < len; off += PAGE)
			p[off] = 1;
		munmap((void *)p, len);
	}
	double secs = now() - start;
	long faults = minflt() - before;

	printf("faults %ld\nelapsed_ns %.0f\nfaults_per_s %.0f\n", faults, secs * 1e9, faults / secs);
	return 0;
}
