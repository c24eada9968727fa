// SPDX-License-Identifier: GPL-2.0
/*
 * forklat: the latency of fork() for a process registered with khugepaged,
 * for the fork-latency benchmark of issue 18 item 13.
 *
 *   forklat [-n FORKS]
 *
 * Registers itself with khugepaged (writes 1 to /proc/self/khugepaged_
 * weight), so that each child is registered at fork and unregistered at
 * exit, both under khugepaged_mm_lock. Then forks FORKS (default 2000)
 * children, one at a time, each exiting at once, and times fork() in the
 * parent. Prints "forks N median_us P99_us max_us".
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void register_self(void)
{
	FILE *f = fopen("/proc/self/khugepaged_weight", "w");

	if (!f || fputs("1\n", f) < 0 || fclose(f)) {
		perror("forklat: /proc/self/khugepaged_weight");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	unsigned long n = 2000;
	double *lat;
	int opt;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n') {
			fprintf(stderr, "usage: forklat [-n FORKS]\n");
			return 2;
		}
		n = strtoul(optarg, NULL, 0);
	}
	lat = calloc(n ? n : 1, sizeof(*lat));
	if (!n || !lat) {
		fprintf(stderr, "forklat: FORKS must be a positive number\n");
		return 2;
	}
	register_self();
	for (unsigned long i = 0; i < n; i++) {
		double t0 = now_us();
		pid_t pid = fork();

		if (pid < 0) {
			perror("forklat: fork");
			return 1;
		}
		if (!pid)
			_exit(0);
		lat[i] = now_us() - t0;
		waitpid(pid, NULL, 0);
	}
	qsort(lat, n, sizeof(*lat), cmp_double);
	printf("forks %lu %.0f %.0f %.0f\n", n, lat[n / 2], lat[n * 99 / 100],
	       lat[n - 1]);
	return 0;
}
