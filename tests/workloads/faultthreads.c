// SPDX-License-Identifier: GPL-2.0
/*
 * faultthreads: a known number of page faults spread over threads, for
 * mmucost's tests (every thread must be counted, not only the main one).
 *
 *   faultthreads [-t THREADS] [-n PAGES] [-w] [-x STATUS]
 *
 * Starts THREADS threads (default 4); each maps PAGES fresh anonymous 4 KiB
 * pages (default 2000, MADV_NOHUGEPAGE) and writes one byte to each: one
 * page fault per page. The main thread touches nothing. With -w, prints
 * "ready PID" once the threads exist and waits for a line on standard
 * input before they start. Prints "touched N" and exits with STATUS.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>

static long pages = 2000;
static pthread_barrier_t go;

static void *toucher(void *arg)
{
	volatile char *p = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	if (p == MAP_FAILED) {
		perror("faultthreads: mmap");
		exit(1);
	}
	madvise((void *)p, pages * 4096, MADV_NOHUGEPAGE);
	pthread_barrier_wait(&go);
	for (long i = 0; i < pages; i++)
		p[i * 4096] = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	int opt, threads = 4, wait_line = 0, status = 0;
	pthread_t *t;
	char line[16];

	while ((opt = getopt(argc, argv, "t:n:wx:")) != -1) {
		switch (opt) {
		case 't': threads = atoi(optarg); break;
		case 'n': pages = atol(optarg); break;
		case 'w': wait_line = 1; break;
		case 'x': status = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: faultthreads [-t THREADS] [-n PAGES] [-w] [-x STATUS]\n");
			return 2;
		}
	}
	t = calloc(threads, sizeof(*t));
	if (threads < 1 || pages < 1 || !t || pthread_barrier_init(&go, NULL, threads + 1))
		return 2;
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, toucher, NULL))
			return 2;
	if (wait_line) {
		printf("ready %d\n", getpid());
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 2;
	}
	pthread_barrier_wait(&go);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	printf("touched %ld\n", threads * pages);
	return status;
}
