// SPDX-License-Identifier: GPL-2.0
/*
 * Selftest of MADV_SPLIT_UNDERUSED (kernel-patches/0010): run in the guest
 * on the patched kernel, as root.
 *
 *   self      madvise() on our own THPs: sparse ones are split and their
 *             zero-filled subpages freed, a dense one stays huge, a THP
 *             only partly inside the range is left alone, data intact
 *   child     process_madvise() on a child's THPs, checked by the child
 *   race      a writer thread keeps writing to "zero" subpages while the
 *             THPs are split: every write survives
 *   probe     madvise(addr, 0, advice) is 0; an unknown advice is EINVAL
 *   threshold split_underused_min_zero: max_ptes_none + 1 by default, a
 *             THP with fewer zero subpages stays huge, a lower one splits
 *   no-pingpong  the advice every 100 ms with khugepaged scanning every
 *             100 ms: nothing split, nothing collapsed
 *
 * Prints "PASS: split-underused-NAME" / "FAIL: ...: why" lines; exits 0
 * when everything passed, 1 on a failure, 4 (kselftest's skip) when the
 * machine has no THP.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include "guest.h"

#ifndef MADV_SPLIT_UNDERUSED
#define MADV_SPLIT_UNDERUSED 26
#endif

#define PAGE 4096UL
#define HPAGE (2UL << 20)
#define NSUB 512

static int failures;

static void pass(const char *name)
{
	printf("PASS: split-underused-%s\n", name);
}

static void fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: split-underused-%s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failures++;
}

/* n 2 MiB-aligned huge-page candidates. */
static char *map_huge(size_t n)
{
	size_t len = (n + 1) * HPAGE;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + HPAGE - 1) & ~(HPAGE - 1));
	if (a > p)
		munmap(p, a - p);
	if (a + n * HPAGE < p + len)
		munmap(a + n * HPAGE, p + len - (a + n * HPAGE));
	madvise(a, n * HPAGE, MADV_HUGEPAGE);
	return a;
}

/* The value subpage i of region r holds: non-zero, position dependent. */
static uint64_t pattern(int r, int i)
{
	return 0x5a5a000000000000ULL | (uint64_t)r << 16 | (uint64_t)i << 1 | 1;
}

/* Fill: region r gets written[r] subpages written (evenly spread), rest zero. */
static void fill(char *a, int r, int written)
{
	for (int i = 0; i < NSUB; i++) {
		uint64_t *w = (uint64_t *)(a + r * HPAGE + i * PAGE);

		w[0] = 0;	/* fault the THP in on the first touch */
		if (written && (i * written) / NSUB != ((i + 1) * written) / NSUB)
			w[0] = w[PAGE / 8 - 1] = pattern(r, i);
	}
}

static int written_at(int written, int i)
{
	return written && (i * written) / NSUB != ((i + 1) * written) / NSUB;
}

/* Every byte as fill() left it? Returns the number of bad subpages. */
static int verify(const char *a, int r, int written)
{
	int bad = 0;

	for (int i = 0; i < NSUB; i++) {
		const uint64_t *w = (const uint64_t *)(a + r * HPAGE + i * PAGE);
		uint64_t want = written_at(written, i) ? pattern(r, i) : 0;

		for (size_t k = 0; k < PAGE / 8; k++) {
			uint64_t expect = (k == 0 || k == PAGE / 8 - 1) ? want : 0;

			if (w[k] != expect) {
				bad++;
				break;
			}
		}
	}
	return bad;
}

/* Rss and AnonHugePages (kB) of the VMA of pid that contains addr. */
static int vma_kb(pid_t pid, const void *addr, long *rss, long *anon_huge)
{
	char path[64], line[512];
	bool in = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	*rss = *anon_huge = -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			if (in)
				break;
			in = (uintptr_t)addr >= s && (uintptr_t)addr < e;
			continue;
		}
		if (!in)
			continue;
		sscanf(line, "Rss: %ld kB", rss);
		sscanf(line, "AnonHugePages: %ld kB", anon_huge);
	}
	fclose(f);
	return *rss < 0 || *anon_huge < 0 ? -1 : 0;
}

/* Regions of the layout the self and child tests use. */
static const int layout[] = { 1, 64, 256, NSUB };	/* subpages written */
#define NREG ((int)(sizeof(layout) / sizeof(layout[0])))

static void fill_layout(char *a)
{
	for (int r = 0; r < NREG; r++)
		fill(a, r, layout[r]);
}

/* Check the layout after the split: Rss, AnonHugePages and content. */
static void check_layout(const char *name, pid_t pid, const char *a, bool split)
{
	long rss, huge, want_rss = 0, want_huge;
	int bad = 0;

	for (int r = 0; r < NREG; r++)
		want_rss += layout[r] == NSUB || !split ? 2048 : layout[r] * 4;
	want_huge = split ? 2048 : NREG * 2048;
	if (vma_kb(pid, a, &rss, &huge)) {
		fail(name, "cannot read smaps of pid %d", pid);
		return;
	}
	for (int r = 0; r < NREG; r++)
		bad += verify(a, r, layout[r]);
	if (rss != want_rss || huge != want_huge || bad)
		fail(name, "Rss %ld kB (want %ld), AnonHugePages %ld kB (want %ld), "
		     "%d subpages with wrong content", rss, want_rss, huge, want_huge, bad);
	else
		pass(name);
}

static bool thp_ready(const char *a)
{
	long rss, huge;

	return !vma_kb(getpid(), a, &rss, &huge) && huge == NREG * 2048;
}

static void test_probe(void)
{
	char *a = map_huge(1);

	if (!a) {
		fail("probe", "mmap: %s", strerror(errno));
		return;
	}
	if (madvise(a, 0, MADV_SPLIT_UNDERUSED))
		fail("probe", "madvise(addr, 0, MADV_SPLIT_UNDERUSED): %s", strerror(errno));
	else if (madvise(a, 0, 99) == 0 || errno != EINVAL)
		fail("probe", "an unknown advice was not refused with EINVAL");
	else
		pass("probe");
	munmap(a, HPAGE);
}

static void test_self(void)
{
	char *a = map_huge(NREG + 1);

	if (!a) {
		fail("self", "mmap: %s", strerror(errno));
		return;
	}
	fill_layout(a);
	if (!thp_ready(a)) {
		fail("self", "the regions did not get huge pages");
		return;
	}
	/* A range that covers no THP entirely leaves every THP alone. */
	if (madvise(a + PAGE, HPAGE, MADV_SPLIT_UNDERUSED))
		fail("self-partial", "madvise: %s", strerror(errno));
	check_layout("self-partial-range-untouched", getpid(), a, false);
	/*
	 * A range with a hole fails with ENOMEM, as other advice does, after
	 * advising the mapped part.
	 */
	munmap(a + NREG * HPAGE, HPAGE);
	errno = 0;
	if (madvise(a, (NREG + 1) * HPAGE, MADV_SPLIT_UNDERUSED) == 0 || errno != ENOMEM)
		fail("self", "madvise over a hole: %s, want ENOMEM", strerror(errno));
	check_layout("self", getpid(), a, true);
	/* Again: nothing left to split, nothing changes. */
	if (madvise(a, NREG * HPAGE, MADV_SPLIT_UNDERUSED))
		fail("self-again", "madvise: %s", strerror(errno));
	check_layout("self-again", getpid(), a, true);
	munmap(a, NREG * HPAGE);
}

static void test_child(void)
{
	int go[2], ready[2];
	char *a = NULL;
	pid_t pid;
	int status, pidfd;
	struct iovec iov;
	ssize_t n;

	if (pipe(go) || pipe(ready)) {
		fail("child", "pipe: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		char c;

		a = map_huge(NREG);
		if (a)
			fill_layout(a);
		if (!a || !thp_ready(a))
			a = NULL;
		if (write(ready[1], &a, sizeof(a)) != sizeof(a) || read(go[0], &c, 1) != 1)
			_exit(2);
		failures = 0;
		check_layout("process-madvise-child-view", getpid(), a, true);
		_exit(failures ? 1 : 0);
	}
	if (read(ready[0], &a, sizeof(a)) != sizeof(a) || !a) {
		fail("process-madvise", "the child could not set up its huge pages");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return;
	}
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	iov.iov_base = a;
	iov.iov_len = NREG * HPAGE;
	n = pidfd < 0 ? -1 : syscall(SYS_process_madvise, pidfd, &iov, 1UL,
				     MADV_SPLIT_UNDERUSED, 0U);
	if (n != (ssize_t)(NREG * HPAGE))
		fail("process-madvise", "process_madvise returned %zd: %s", n, strerror(errno));
	else
		pass("process-madvise");
	if (pidfd >= 0)
		close(pidfd);
	if (write(go[1], "g", 1) != 1 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status))
		failures++;	/* the child printed its own FAIL line */
	close(go[0]); close(go[1]); close(ready[0]); close(ready[1]);
}

/* ---- race: a writer keeps writing to "zero" subpages during the split ---- */

#define RACE_REGIONS 4
#define RACE_ROUNDS 20

struct race {
	char *a;
	volatile bool stop;
	uint64_t last[RACE_REGIONS][NSUB];	/* last value written, 0: none */
	uint64_t writes;
};

static void *writer(void *arg)
{
	struct race *rc = arg;
	uint64_t seq = 1;

	while (!rc->stop) {
		for (int r = 0; r < RACE_REGIONS && !rc->stop; r++)
			for (int i = 1; i < NSUB; i += 3) {	/* subpages fill() left zero */
				uint64_t v = seq++ << 8 | 0xa5;

				*(volatile uint64_t *)(rc->a + r * HPAGE + i * PAGE + (i % 8) * 512) = v;
				rc->last[r][i] = v;
			}
		rc->writes = seq;
	}
	return NULL;
}

static void test_race(void)
{
	struct race *rc = calloc(1, sizeof(*rc));
	uint64_t lost = 0, writes = 0;
	int split_rounds = 0;

	for (int round = 0; rc && round < RACE_ROUNDS; round++) {
		pthread_t t;

		memset(rc, 0, sizeof(*rc));
		rc->a = map_huge(RACE_REGIONS);
		if (!rc->a)
			break;
		for (int r = 0; r < RACE_REGIONS; r++)
			fill(rc->a, r, 1);	/* subpage 511 written, 511 zero */
		pthread_create(&t, NULL, writer, rc);
		for (int r = 0; r < RACE_REGIONS; r++)
			madvise(rc->a + r * HPAGE, HPAGE, MADV_SPLIT_UNDERUSED);
		rc->stop = true;
		pthread_join(t, NULL);
		{
			long rss, huge;

			if (!vma_kb(getpid(), rc->a, &rss, &huge) && huge < RACE_REGIONS * 2048)
				split_rounds++;
		}
		for (int r = 0; r < RACE_REGIONS; r++)
			for (int i = 1; i < NSUB; i += 3) {
				uint64_t got = *(uint64_t *)(rc->a + r * HPAGE + i * PAGE + (i % 8) * 512);

				lost += got != rc->last[r][i];
			}
		writes += rc->writes;
		munmap(rc->a, RACE_REGIONS * HPAGE);
	}
	if (!rc)
		fail("concurrent-writes", "out of memory");
	else if (lost)
		fail("concurrent-writes", "%llu writes lost", (unsigned long long)lost);
	else if (!split_rounds)
		fail("concurrent-writes", "no THP was split in %d rounds", RACE_ROUNDS);
	else
		printf("# %llu writes, THPs split in %d of %d rounds, none lost\n",
		       (unsigned long long)writes, split_rounds, RACE_ROUNDS), pass("concurrent-writes");
	free(rc);
}

#define THP_SYS "/sys/kernel/mm/transparent_hugepage/"

static long read_long(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	return n > 0 ? atol(buf) : -1;
}

/* One THP with @written subpages written; NULL when it did not get one. */
static char *one_thp(int written)
{
	char *a = map_huge(1);
	long rss, huge;

	if (!a)
		return NULL;
	fill(a, 0, written);
	if (vma_kb(getpid(), a, &rss, &huge) || huge != 2048) {
		munmap(a, HPAGE);
		return NULL;
	}
	return a;
}

static long huge_kb(const char *a)
{
	long rss, huge;

	return vma_kb(getpid(), a, &rss, &huge) ? -1 : huge;
}

/*
 * The threshold (issue 18 item 14): split_underused_min_zero reads
 * max_ptes_none + 1; a THP with max_ptes_none zero subpages or fewer stays
 * huge, since khugepaged would collapse it again; writing a lower
 * threshold splits it, writing 0 restores the default.
 */
static void test_threshold(void)
{
	long none = read_long(THP_SYS "khugepaged/max_ptes_none");
	long dflt = read_long(THP_SYS "split_underused_min_zero");
	int written = NSUB - (int)(none > 64 ? 64 : none);	/* zero: <= max_ptes_none */
	char *a;

	if (dflt != none + 1) {
		fail("threshold-default", "split_underused_min_zero reads %ld, max_ptes_none %ld",
		     dflt, none);
		return;
	}
	pass("threshold-default");
	a = one_thp(written);
	if (!a) {
		fail("threshold", "no THP");
		return;
	}
	madvise(a, HPAGE, MADV_SPLIT_UNDERUSED);
	if (huge_kb(a) != 2048 || verify(a, 0, written))
		fail("threshold-below-stays-huge", "%d zero subpages at max_ptes_none %ld: "
		     "AnonHugePages %ld kB (want 2048)", NSUB - written, none, huge_kb(a));
	else
		pass("threshold-below-stays-huge");
	if (write_str(THP_SYS "split_underused_min_zero", "16"))
		fail("threshold-set", "cannot write split_underused_min_zero");
	madvise(a, HPAGE, MADV_SPLIT_UNDERUSED);
	if (huge_kb(a) != 0 || verify(a, 0, written))
		fail("threshold-set", "threshold 16, %d zero subpages: AnonHugePages %ld kB (want 0)",
		     NSUB - written, huge_kb(a));
	else
		pass("threshold-set");
	write_str(THP_SYS "split_underused_min_zero", "0");
	if (read_long(THP_SYS "split_underused_min_zero") != dflt ||
	    write_str(THP_SYS "split_underused_min_zero", "513") == 0)
		fail("threshold-reset", "0 does not restore %ld, or 513 was accepted", dflt);
	else
		pass("threshold-reset");
	munmap(a, HPAGE);
}

/*
 * No split/collapse ping-pong: the advice repeated every 100 ms on a THP
 * with a few zero subpages, while khugepaged scans every 100 ms, splits
 * nothing and khugepaged collapses nothing (before the threshold, each
 * advice split the THP and khugepaged collapsed it again).
 */
static void test_no_pingpong(void)
{
	const char *sleep_ms = THP_SYS "khugepaged/scan_sleep_millisecs";
	long old_sleep = read_long(sleep_ms), split0, coll0, split, coll;
	char *a = one_thp(NSUB - 8);
	char buf[32];

	if (!a) {
		fail("no-pingpong", "no THP");
		return;
	}
	write_str(sleep_ms, "100");
	split0 = vmstat("thp_split_page");
	coll0 = vmstat("thp_collapse_alloc");
	for (int i = 0; i < 30; i++) {
		madvise(a, HPAGE, MADV_SPLIT_UNDERUSED);
		usleep(100000);
	}
	split = vmstat("thp_split_page") - split0;
	coll = vmstat("thp_collapse_alloc") - coll0;
	snprintf(buf, sizeof(buf), "%ld", old_sleep);
	write_str(sleep_ms, buf);
	printf("# no-pingpong: 30 advices in 3 s: thp_split_page +%ld, thp_collapse_alloc +%ld, "
	       "AnonHugePages %ld kB\n", split, coll, huge_kb(a));
	if (split || coll || huge_kb(a) != 2048 || verify(a, 0, NSUB - 8))
		fail("no-pingpong", "thp_split_page +%ld, thp_collapse_alloc +%ld, AnonHugePages "
		     "%ld kB (want +0, +0, 2048)", split, coll, huge_kb(a));
	else
		pass("no-pingpong");
	munmap(a, HPAGE);
}

int main(void)
{
	char mode[64] = "";
	int fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fd < 0 || read(fd, mode, sizeof(mode) - 1) <= 0 || strstr(mode, "[never]")) {
		printf("SKIP: split-underused: transparent huge pages are not available\n");
		return 4;
	}
	close(fd);
	test_probe();
	if (failures)
		return 1;	/* not the patched kernel: the rest would only repeat it */
	test_self();
	test_child();
	test_race();
	test_threshold();
	test_no_pingpong();
	return failures ? 1 : 0;
}
