// SPDX-License-Identifier: GPL-2.0
/*
 * filemaj: a known sequence of file-backed major faults.
 *
 * Writes PAGES pages to FILE, syncs and drops them from the page cache,
 * maps the file with MADV_RANDOM (no read-around) and reads the pages in
 * order, each one a major fault. Prints: pid, region 0xADDR PAGES, majflt N
 * and elapsed_ns of the reads.
 * With -r ROUNDS it drops the cache and reads again, ROUNDS times (the
 * benchmark's major-fault storm). With -w PATH it waits for PATH to exist
 * before reading (so a tracer can attach first).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#define PAGE 4096UL

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long majflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_majflt;
}

int main(int argc, char **argv)
{
	unsigned long pages = 256, rounds = 1, sum = 0;
	const char *file = NULL, *go = NULL;
	char buf[PAGE];
	int opt, fd;
	long before;
	double start;

	while ((opt = getopt(argc, argv, "n:r:f:w:")) != -1) {
		switch (opt) {
		case 'n': pages = strtoul(optarg, NULL, 0); break;
		case 'r': rounds = strtoul(optarg, NULL, 0); break;
		case 'f': file = optarg; break;
		case 'w': go = optarg; break;
		default: goto usage;
		}
	}
	if (!file || !pages || !rounds)
		goto usage;
	fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(file);
		return 1;
	}
	for (unsigned long i = 0; i < pages; i++) {
		memset(buf, (int)(i + 1), sizeof(buf));
		if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
			perror("write");
			return 1;
		}
	}
	fsync(fd);
	unsigned char *map = mmap(NULL, pages * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise(map, pages * PAGE, MADV_RANDOM);
	printf("pid %d\nregion %p %lu\n", getpid(), (void *)map, pages);
	fflush(stdout);
	for (struct stat st; go && stat(go, &st); )
		usleep(10000);
	before = majflt();
	start = now();
	for (unsigned long r = 0; r < rounds; r++) {
		/* Unmapped clean pages leave the page cache on DONTNEED. */
		madvise(map, pages * PAGE, MADV_DONTNEED);
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		for (unsigned long i = 0; i < pages; i++)
			sum += map[i * PAGE];
	}
	printf("majflt %ld\nelapsed_ns %.0f\n", majflt() - before, (now() - start) * 1e9);
	unlink(file);
	return sum ? 0 : 1;
usage:
	fprintf(stderr, "usage: filemaj -f FILE [-n PAGES] [-r ROUNDS] [-w PATH]\n");
	return 2;
}
