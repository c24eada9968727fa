// SPDX-License-Identifier: GPL-2.0
/*
 * fbtest: in-guest tests and benchmark of the FetchBPF kernel interface.
 * Runs inside the qemu test bed (tests/vm/vm-check.sh), statically linked
 * with libbpf. Prints one "PASS: name" / "FAIL: name: reason" /
 * "SKIP: name: reason" line per check.
 *
 *   fbtest check BPFDIR      all functional checks
 *   fbtest bench ROUNDS      per-fault swap-in latency, one line per policy
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "guest.h"

#define PAGE 4096UL
#define FB "/sys/kernel/mm/fetchbpf/"

static int failures;
static const char *bpfdir = "/bpf";

static void pass(const char *name)
{
	printf("PASS: %s\n", name);
	fflush(stdout);
}

static void fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	failures++;
}

static int read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = 0;
	return 0;
}

struct pstats {
	long faults, prefetched, hits, rejected;
};

static long stat_file(const char *name)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), FB "stats/%s", name);
	return read_str(path, buf, sizeof(buf)) ? -1 : atol(buf);
}

/*
 * The counters of policy @name in /sys/kernel/mm/fetchbpf/stats/: those
 * of the policy attached (or attached last), zero for any other.
 */
static void policy_stats(const char *name, struct pstats *s)
{
	char n[64];

	memset(s, 0, sizeof(*s));
	if (read_str(FB "stats/policy", n, sizeof(n)) || strcmp(n, name))
		return;
	s->faults = stat_file("faults");
	s->prefetched = stat_file("prefetched");
	s->hits = stat_file("hits");
	s->rejected = stat_file("rejected");
}

/* Empty the trace buffer: opening it for writing with O_TRUNC does. */
static void trace_clear(void)
{
	int fd = open("/sys/kernel/tracing/trace", O_WRONLY | O_TRUNC);

	if (fd >= 0)
		close(fd);
}

static int active_is(const char *name)
{
	char buf[64];

	return !read_str(FB "active", buf, sizeof(buf)) && !strcmp(buf, name);
}

/* ---- workload: a region of pages with a known content ---- */

struct region {
	char *base;
	size_t pages;
	uint64_t seed;
};

static uint64_t word(const struct region *r, size_t pg, size_t i)
{
	return (r->seed * 0x9e3779b97f4a7c15ULL) ^ (pg << 20) ^ i;
}

static int region_map(struct region *r, size_t pages, uint64_t seed)
{
	r->base = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->base == MAP_FAILED)
		return -errno;
	madvise(r->base, pages * PAGE, MADV_NOHUGEPAGE);
	r->pages = pages;
	r->seed = seed;
	return 0;
}

static void region_fill(struct region *r)
{
	size_t pg, i;

	for (pg = 0; pg < r->pages; pg++) {
		uint64_t *p = (uint64_t *)(r->base + pg * PAGE);

		for (i = 0; i < PAGE / 8; i++)
			p[i] = word(r, pg, i);
	}
}

/* Whether page @pg of @r still holds what region_fill() wrote (touches it). */
static int page_intact(const struct region *r, size_t pg)
{
	const uint64_t *p = (const uint64_t *)(r->base + pg * PAGE);
	size_t i;

	for (i = 0; i < PAGE / 8; i++)
		if (p[i] != word(r, pg, i))
			return 0;
	return 1;
}

/* Number of corrupted pages; the pages are read in @stride order. */
static size_t region_verify(struct region *r, size_t stride)
{
	size_t bad = 0, n, pg = 0;

	for (n = 0; n < r->pages; n++) {
		bad += !page_intact(r, pg);
		pg = (pg + stride) % r->pages;
	}
	return bad;
}

static int region_pageout(struct region *r, size_t first, size_t count)
{
	return madvise(r->base + first * PAGE, count * PAGE, MADV_PAGEOUT) ?
		-errno : 0;
}

/* Pages of [first, first+count) that are swapped out, from pagemap. */
static size_t region_swapped(struct region *r, size_t first, size_t count)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	size_t n = 0, i;
	uint64_t e;

	if (fd < 0)
		return 0;
	for (i = first; i < first + count; i++) {
		off_t off = ((uintptr_t)r->base / PAGE + i) * 8;

		if (pread(fd, &e, 8, off) == 8 && (e >> 62 & 1))
			n++;
	}
	close(fd);
	return n;
}

static long meminfo(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long val = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':')
			val = atol(line + klen + 1);
	fclose(f);
	return val;
}

/*
 * Swap out the whole region; true if (nearly) all of it went to swap.
 * MADV_PAGEOUT leaves the pages in the swap cache while they are written;
 * proactive reclaim of our memory cgroup then drops them from it, so that
 * the next touch really reads swap.
 */
static int region_swapout(struct region *r)
{
	int tries;

	for (tries = 0; tries < 5; tries++) {
		region_pageout(r, 0, r->pages);
		if (region_swapped(r, 0, r->pages) >= r->pages * 95 / 100)
			break;
	}
	if (tries == 5) {
		char sw[512];

		read_str("/proc/swaps", sw, sizeof(sw));
		printf("# swapout of %zu pages at %p failed: %zu swapped, pagein %d; /proc/swaps: %s\n",
		       r->pages, r->base, region_swapped(r, 0, r->pages),
		       region_pageout(r, 0, r->pages), sw);
		return 0;
	}
	for (tries = 0; tries < 50; tries++) {
		write_str("/sys/fs/cgroup/fbtest/memory.reclaim", "256M");
		if (meminfo("SwapCached") < 128)
			break;
		usleep(20000);
	}
	return 1;
}

/* Run in our own memory cgroup, so that region_swapout() can reclaim. */
static void join_cgroup(void)
{
	char pid[32];

	mkdir("/sys/fs/cgroup/fbtest", 0755);
	write_str("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_str("/sys/fs/cgroup/fbtest/cgroup.procs", pid))
		fprintf(stderr, "fbtest: cannot join memory cgroup\n");
}

/* ---- BPF policies ---- */

struct policy {
	struct bpf_object *obj;
	struct bpf_link *link;
};

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static struct bpf_object *policy_open(const char *file)
{
	char path[256];
	struct bpf_object *obj;

	snprintf(path, sizeof(path), "%s/%s", bpfdir, file);
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return NULL;
	if (bpf_object__load(obj)) {
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

/*
 * Load @file afresh and attach its struct_ops map @map; returns 0 or
 * -errno. A struct_ops map registers only once, hence a fresh object
 * for every attachment.
 */
static int policy_attach(const char *file, const char *map, struct policy *p)
{
	struct bpf_map *m;
	int err;

	p->link = NULL;
	p->obj = policy_open(file);
	if (!p->obj)
		return -ENOEXEC;
	m = bpf_object__find_map_by_name(p->obj, map);
	if (!m) {
		err = -ENOENT;
		goto out;
	}
	errno = 0;	/* libbpf 1.1 returns NULL and errno as it finds it */
	p->link = bpf_map__attach_struct_ops(m);
	if (p->link)
		return 0;
	err = errno ? -errno : -EINVAL;
out:
	bpf_object__close(p->obj);
	p->obj = NULL;
	return err;
}

static void policy_detach(struct policy *p)
{
	if (p->link)
		bpf_link__destroy(p->link);
	if (p->obj)
		bpf_object__close(p->obj);
	p->link = NULL;
	p->obj = NULL;
}

/* ---- checks ---- */

static void check_interface(void)
{
	char buf[4096];	/* the tracepoint format file is ~1 KiB */

	if (read_str(FB "active", buf, sizeof(buf)) || strcmp(buf, "none"))
		fail("fetchbpf-sysfs", "active is '%s', want none", buf);
	else if (read_str(FB "native_policy", buf, sizeof(buf)) ||
		 strcmp(buf, "[none] next_n leap"))
		fail("fetchbpf-sysfs", "native_policy is '%s'", buf);
	else if (read_str(FB "max_requests", buf, sizeof(buf)) ||
		 strcmp(buf, "32"))
		fail("fetchbpf-sysfs", "max_requests is '%s'", buf);
	else
		pass("fetchbpf-sysfs");

	/* one value per file; "none" before the first attachment */
	if (read_str(FB "stats/policy", buf, sizeof(buf)) || strcmp(buf, "none"))
		fail("fetchbpf-sysfs-stats", "stats/policy is '%s', want none", buf);
	else if (stat_file("faults") || stat_file("prefetched") ||
		 stat_file("hits") || stat_file("rejected"))
		fail("fetchbpf-sysfs-stats", "counters are not 0 before any policy");
	else
		pass("fetchbpf-sysfs-stats");

	if (read_str("/sys/kernel/tracing/events/fetchbpf/fetchbpf_swapin_fault/format",
		     buf, sizeof(buf)))
		fail("fetchbpf-tracepoint-format", "no format file");
	else {
		/* in this order, each right after the previous: no hole */
		static const char *const fields[] = {
			"unsigned long address;\toffset:8;\tsize:8;",
			"unsigned long swap_offset;\toffset:16;\tsize:8;",
			"unsigned int swap_type;\toffset:24;\tsize:4;",
			"unsigned int flags;\toffset:28;\tsize:4;",
			"int pid;\toffset:32;\tsize:4;",
			"bool cache_hit;\toffset:36;\tsize:1;",
			"bool prefetch_hit;\toffset:37;\tsize:1;",
		};
		unsigned int i;

		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (!strstr(buf, fields[i]))
				break;
		if (i == sizeof(fields) / sizeof(fields[0]))
			pass("fetchbpf-tracepoint-format");
		else
			fail("fetchbpf-tracepoint-format", "no '%s'", fields[i]);
	}
}

/*
 * Sequential swap-in of a paged-out region; returns the number of
 * corrupted pages, or -1 if the region could not be swapped out.
 */
static long run_seq(size_t pages, uint64_t seed, long *majflt)
{
	struct region r;
	struct rusage ru0, ru1;
	long bad;

	if (region_map(&r, pages, seed))
		return -1;
	region_fill(&r);
	if (!region_swapout(&r)) {
		munmap(r.base, pages * PAGE);
		return -1;
	}
	getrusage(RUSAGE_SELF, &ru0);
	bad = region_verify(&r, 1);
	getrusage(RUSAGE_SELF, &ru1);
	if (majflt)
		*majflt = ru1.ru_majflt - ru0.ru_majflt;
	munmap(r.base, pages * PAGE);
	return bad;
}

static void check_no_policy(void)
{
	long ra0 = vmstat("swap_ra"), hit0 = vmstat("swap_ra_hit");
	long in0 = vmstat("pswpin"), maj, bad;
	long st0 = stat_file("faults"), st1;

	bad = run_seq(2048, 1, &maj);
	st1 = stat_file("faults");
	if (bad < 0)
		fail("no-policy-readahead", "region did not swap out");
	else if (bad)
		fail("no-policy-readahead", "%ld corrupted pages", bad);
	else if (vmstat("pswpin") <= in0)
		fail("no-policy-readahead", "no swap-in");
	else if (vmstat("swap_ra") <= ra0 || vmstat("swap_ra_hit") <= hit0)
		fail("no-policy-readahead", "native readahead inactive: swap_ra +%ld swap_ra_hit +%ld",
		     vmstat("swap_ra") - ra0, vmstat("swap_ra_hit") - hit0);
	else if (st0 != st1)
		fail("no-policy-readahead", "policy counters moved without a policy");
	else
		pass("no-policy-readahead");
	printf("# no policy: pswpin +%ld swap_ra +%ld swap_ra_hit +%ld majflt %ld\n",
	       vmstat("pswpin") - in0, vmstat("swap_ra") - ra0,
	       vmstat("swap_ra_hit") - hit0, maj);
}

/* Run the sequential workload under the attached policy @name. */
static void check_policy_run(const char *test, const char *name)
{
	struct pstats s0, s1;
	long ra0 = vmstat("swap_ra"), hit0 = vmstat("swap_ra_hit");
	long bad, maj;

	policy_stats(name, &s0);
	bad = run_seq(2048, 2, &maj);
	policy_stats(name, &s1);
	printf("# %s: faults +%ld prefetched +%ld hits +%ld rejected +%ld swap_ra +%ld swap_ra_hit +%ld majflt %ld\n",
	       name, s1.faults - s0.faults, s1.prefetched - s0.prefetched,
	       s1.hits - s0.hits, s1.rejected - s0.rejected,
	       vmstat("swap_ra") - ra0, vmstat("swap_ra_hit") - hit0, maj);
	if (bad < 0)
		fail(test, "region did not swap out");
	else if (bad)
		fail(test, "%ld corrupted pages", bad);
	else if (s1.faults <= s0.faults)
		fail(test, "fault counter did not rise");
	else if (s1.prefetched <= s0.prefetched)
		fail(test, "prefetched counter did not rise");
	else if (s1.hits <= s0.hits)
		fail(test, "hits counter did not rise");
	else if (s1.rejected - s0.rejected > 64)
		/* only requests past the end of the region may be rejected */
		fail(test, "%ld requests rejected", s1.rejected - s0.rejected);
	else if (vmstat("swap_ra") - ra0 < s1.prefetched - s0.prefetched)
		fail(test, "swap_ra did not count the prefetches");
	else
		pass(test);
}

static void check_native(void)
{
	const char *names[] = { "next_n", "leap" };
	char test[64], buf[128];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		snprintf(test, sizeof(test), "native-%s", names[i]);
		if (write_str(FB "native_policy", names[i]) || !active_is(names[i])) {
			fail(test, "cannot select native policy");
			continue;
		}
		check_policy_run(test, names[i]);
	}
	write_str(FB "native_policy", "none");
	read_str(FB "native_policy", buf, sizeof(buf));
	if (active_is("none") && !strncmp(buf, "[none]", 6))
		pass("native-deselect");
	else
		fail("native-deselect", "native_policy is '%s'", buf);
}

/*
 * Native Leap's window at page_cluster 6 (1 << 6 slots, above the 32
 * requests of a fault): it must stay a power of two, 32 at most, since
 * the cluster path aligns it to its size. It used to be 33, whose mask
 * (~32) made a fault read the 32 slots after its own, not the aligned
 * block around it. Each round takes a fresh 64-slot block of the region's
 * swap slots, faults one slot of its lower half (a miss: Leap reads its
 * window), then touches what came in (hits, in random order so that no
 * trend appears), which grows the next window: 4, 8, 16, 32, 32, ...
 * Every miss must read exactly the other slots of the window-aligned block
 * of 2^k slots around its own (prefetched + 1 a power of two), and the
 * window must reach 32.
 */
#define LEAP_ROUNDS	12

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Swap type << 58 | offset of each page of @r (0 if not swapped out). */
#define SLOT_OFFSET(s)	((unsigned long long)((s) & ((1ULL << 58) - 1)))

static void region_slots(struct region *r, uint64_t *slot)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	size_t i;
	uint64_t e;

	for (i = 0; i < r->pages; i++) {
		off_t off = ((uintptr_t)r->base / PAGE + i) * 8;

		slot[i] = 0;
		if (fd >= 0 && pread(fd, &e, 8, off) == 8 && (e >> 62 & 1))
			slot[i] = (e & 0x1f) << 58 | (e >> 5 & ((1ULL << 50) - 1));
	}
	if (fd >= 0)
		close(fd);
}

/* Pages of @r in memory or in the swap cache (mincore), once reads settle. */
static void region_incore(struct region *r, unsigned char *vec)
{
	size_t n = 0, last = (size_t)-1, i;
	int stable = 0, tries;

	for (tries = 0; tries < 200 && stable < 3; tries++) {
		if (mincore(r->base, r->pages * PAGE, vec))
			return;
		for (n = 0, i = 0; i < r->pages; i++)
			n += vec[i] & 1;
		stable = n == last ? stable + 1 : 0;
		last = n;
		usleep(2000);
	}
}

static void check_leap_window(void)
{
	const char *test = "leap-window-page-cluster-6";
	unsigned char *before = NULL, *after = NULL;
	uint64_t *slot = NULL, seed = 0x1eab;
	size_t *in = NULL, pg, i, j, nin;
	long d, full = 0, rounds = 0;
	char pc[16] = "3", why[256] = "";
	struct region r;

	if (region_map(&r, 2048, 91))
		return;
	region_fill(&r);
	before = malloc(r.pages);
	after = malloc(r.pages);
	slot = calloc(r.pages, sizeof(*slot));
	in = calloc(r.pages, sizeof(*in));
	read_str("/proc/sys/vm/page-cluster", pc, sizeof(pc));
	if (!before || !after || !slot || !in ||
	    write_str("/proc/sys/vm/page-cluster", "6") ||
	    write_str(FB "native_policy", "leap") || !region_swapout(&r)) {
		fail(test, "setup failed");
		goto out;
	}
	region_slots(&r, slot);
	/*
	 * Warm-up: random misses over the first 256 pages fill Leap's history
	 * with deltas of no majority (an empty history is a trend of 0).
	 */
	for (i = 0; i < 48; i++)
		*(volatile char *)(r.base + (xorshift(&seed) % 256) * PAGE);
	for (pg = 256; pg + 64 <= r.pages && rounds < LEAP_ROUNDS; pg++) {
		uint64_t base = slot[pg], o;
		struct pstats s0, s1;
		size_t miss;

		/* a fresh, aligned block of 64 slots, all of them ours */
		if (!base || base & 63)
			continue;
		for (i = 1; i < 64; i++)
			if (slot[pg + i] != base + i)
				break;
		if (i < 64)
			continue;
		/* none of it read yet (the warm-up's windows may reach it) */
		region_incore(&r, before);
		for (i = 0; i < 64; i++)
			if (before[pg + i] & 1)
				break;
		if (i < 64)
			continue;
		miss = pg + xorshift(&seed) % 32;	/* the lower half */
		o = slot[miss];
		policy_stats("leap", &s0);
		*(volatile char *)(r.base + miss * PAGE);
		policy_stats("leap", &s1);
		region_incore(&r, after);
		d = s1.prefetched - s0.prefetched;
		if (d + 1 == 32)
			full++;
		for (nin = 0, i = 0; i < r.pages; i++) {
			if (i == miss || (before[i] & 1) || !(after[i] & 1))
				continue;
			in[nin++] = i;
			if (!why[0] && d >= 0 &&
			    (slot[i] & ~(uint64_t)d) != (o & ~(uint64_t)d))
				snprintf(why, sizeof(why),
					 "miss at slot %#llx read slot %#llx, outside its aligned window of %ld",
					 SLOT_OFFSET(o), SLOT_OFFSET(slot[i]), d + 1);
		}
		printf("# %s: round %ld, miss at slot %#llx: prefetched +%ld, %zu came in\n",
		       test, rounds, SLOT_OFFSET(o), d, nin);
		if (!why[0] && (d < 0 || (d + 1) & d))
			snprintf(why, sizeof(why),
				 "miss at slot %#llx prefetched %ld slots: a window of %ld, not a power of two",
				 SLOT_OFFSET(o), d, d + 1);
		else if (!why[0] && nin > (size_t)d)
			snprintf(why, sizeof(why), "%zu pages came in for %ld prefetches",
				 nin, d);
		/* hits, in random order: the next window grows */
		for (i = nin; i > 1; i--) {
			size_t t;

			j = xorshift(&seed) % i;
			t = in[i - 1];
			in[i - 1] = in[j];
			in[j] = t;
		}
		for (i = 0; i < nin; i++)
			*(volatile char *)(r.base + in[i] * PAGE);
		rounds++;
		pg += 63;
	}
	if (why[0])
		fail(test, "%s", why);
	else if (rounds < LEAP_ROUNDS)
		fail(test, "only %ld aligned 64-slot blocks of the region's swap slots", rounds);
	else if (full < 2)
		fail(test, "the window reached 32 in %ld of %ld rounds (want 2 or more)",
		     full, rounds);
	else if (region_verify(&r, 1))
		fail(test, "region corrupted");
	else
		pass(test);
out:
	write_str(FB "native_policy", "none");
	write_str("/proc/sys/vm/page-cluster", pc);
	free(before);
	free(after);
	free(slot);
	free(in);
	munmap(r.base, r.pages * PAGE);
}

/*
 * A BPF init() that returns anything but 0 fails the attachment, with its
 * errno if it is one, EPROTO if not; nothing is attached. A positive value
 * used to pass through as the bpf() syscall's result (libbpf 1.1 then
 * failed with no errno; a link-based attach takes it for a link fd).
 */
static void check_init_sanitized(void)
{
	static const struct {
		const char *map;
		int want;
	} cases[] = {
		{ "bpf_init_one", -EPROTO },
		{ "bpf_init_below_errno", -EPROTO },
		{ "bpf_init_nospc", -ENOSPC },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char test[64];
		struct policy p;
		int err;

		snprintf(test, sizeof(test), "bpf-init-refused-%s", cases[i].map + 9);
		err = policy_attach("badinit.bpf.o", cases[i].map, &p);
		if (!err) {
			char active[64] = "?";

			read_str(FB "active", active, sizeof(active));
			fail(test, "attach reported success (active policy: %s)", active);
			policy_detach(&p);
		} else if (err == -ENOEXEC || err == -ENOENT) {
			fail(test, "cannot load badinit.bpf.o");
		} else if (err != cases[i].want) {
			fail(test, "error %d (%s), want %d (%s)", err, strerror(-err),
			     cases[i].want, strerror(-cases[i].want));
		} else if (!active_is("none")) {
			fail(test, "a policy is active");
		} else {
			pass(test);
		}
	}
}

static void check_bpf_nextn(void)
{
	struct policy l1, l2;
	int err;

	err = policy_attach("nextn.bpf.o", "bpf_next_n", &l1);
	if (err || !active_is("bpf_next_n")) {
		fail("bpf-next-n-attach", "attach failed: %s", strerror(-err));
		return;
	}
	pass("bpf-next-n-attach");
	check_policy_run("bpf-next-n", "bpf_next_n");

	err = policy_attach("nextn.bpf.o", "bpf_next_n2", &l2);
	if (!err)
		fail("bpf-second-policy-refused", "second policy attached");
	else if (err != -EBUSY)
		fail("bpf-second-policy-refused", "error %d, want EBUSY", err);
	else if (!active_is("bpf_next_n"))
		fail("bpf-second-policy-refused", "active policy changed");
	else
		pass("bpf-second-policy-refused");
	policy_detach(&l2);

	err = write_str(FB "native_policy", "leap");
	if (err == -EBUSY && active_is("bpf_next_n"))
		pass("native-refused-while-bpf-attached");
	else
		fail("native-refused-while-bpf-attached", "write returned %d", err);

	policy_detach(&l1);
	if (active_is("none"))
		pass("bpf-detach");
	else
		fail("bpf-detach", "a policy is still active");

	/* the same by swap slot, through bpf_prefetch_physical_page() */
	err = policy_attach("nextn.bpf.o", "bpf_next_phys", &l1);
	if (err || !active_is("bpf_next_phys")) {
		fail("bpf-next-phys", "attach failed: %s", strerror(-err));
		return;
	}
	check_policy_run("bpf-next-phys", "bpf_next_phys");
	policy_detach(&l1);
}

/*
 * A policy that always falls back: the kernel's readahead reads for it, and
 * those pages are its prefetches, so that its accuracy, hits / prefetched,
 * is never above 1. swap_ra also counts readahead no policy sees (shmem's
 * swap-ins of the initramfs, on tmpfs), hence >= 95% of it, not all.
 */
static void check_fallback_counts(void)
{
	long ra0 = vmstat("swap_ra"), ra;
	struct pstats s0, s1;
	struct policy l;
	long bad;

	if (policy_attach("nextn.bpf.o", "bpf_fallback", &l)) {
		fail("fallback-readahead-counted", "attach failed");
		return;
	}
	policy_stats("bpf_fallback", &s0);
	bad = run_seq(2048, 6, NULL);
	policy_stats("bpf_fallback", &s1);
	policy_detach(&l);
	ra = vmstat("swap_ra") - ra0;
	printf("# bpf_fallback: faults +%ld prefetched +%ld hits +%ld swap_ra +%ld\n",
	       s1.faults - s0.faults, s1.prefetched - s0.prefetched,
	       s1.hits - s0.hits, ra);
	if (bad)
		fail("fallback-readahead-counted", "%ld corrupted pages", bad);
	else if (!ra || s1.prefetched - s0.prefetched > ra ||
		 s1.prefetched - s0.prefetched < ra * 95 / 100)
		fail("fallback-readahead-counted", "prefetched +%ld, swap_ra +%ld",
		     s1.prefetched - s0.prefetched, ra);
	else if (s1.hits - s0.hits > s1.prefetched - s0.prefetched)
		fail("fallback-readahead-counted", "hits +%ld above prefetched +%ld",
		     s1.hits - s0.hits, s1.prefetched - s0.prefetched);
	else
		pass("fallback-readahead-counted");
}

enum {
	ADV_NONE, ADV_KERNEL_ADDR, ADV_UNMAPPED, ADV_NOT_SWAPPED,
	ADV_OVER_BOUND, ADV_OTHER_DEVICE, ADV_PHYS_BEYOND, ADV_PHYS_FREE,
	ADV_SELF, ADV_FROM_FAULT,
};

static void cfg_set(int fd, uint32_t k, uint64_t v)
{
	bpf_map_update_elem(fd, &k, &v, 0);
}

static uint64_t cfg_get(int fd, uint32_t k)
{
	uint64_t v = 0;

	bpf_map_lookup_elem(fd, &k, &v);
	return v;
}

/* Usable pages of swap device @dev, from /proc/swaps. */
static long swap_pages(const char *dev)
{
	char line[256], name[128], type[32];
	long size = 0, kb;
	FILE *f = fopen("/proc/swaps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %31s %ld", name, type, &kb) == 3 &&
		    !strcmp(name, dev))
			size = kb / 4;
	if (f)
		fclose(f);
	return size;
}

/*
 * Page 0 of this region is swapped out to the second swap device (vdb)
 * before vda is turned on; the rest goes to vda later.
 */
#define FAR_PAGES 257
static struct region far;

static void check_adversarial(const char *swapdev)
{
	static const struct {
		int mode;
		const char *name;
		int per_call;	/* rejections per prefetch call */
	} cases[] = {
		{ ADV_KERNEL_ADDR, "adversarial-outside-mm", 1 },
		{ ADV_UNMAPPED, "adversarial-unmapped", 1 },
		{ ADV_NOT_SWAPPED, "adversarial-not-swapped", 1 },
		{ ADV_OVER_BOUND, "adversarial-over-bound", 8 },
		{ ADV_OTHER_DEVICE, "other-device-request-read", 0 },
		{ ADV_PHYS_BEYOND, "adversarial-phys-beyond-device", 1 },
		{ ADV_PHYS_FREE, "adversarial-phys-free-slot", 1 },
		{ ADV_SELF, "adversarial-faulting-page", 1 },
		{ ADV_FROM_FAULT, "adversarial-kfunc-in-fault", 1 },
	};
	struct policy pol;
	struct bpf_map *cfg;
	unsigned int i;
	char *hole;
	int fd, err;

	err = policy_attach("adversarial.bpf.o", "bpf_adversary", &pol);
	if (err) {
		fail("adversarial-load", "attach failed: %s", strerror(-err));
		return;
	}
	cfg = bpf_object__find_map_by_name(pol.obj, "cfg");
	fd = cfg ? bpf_map__fd(cfg) : -1;
	if (fd < 0) {
		fail("adversarial-load", "no cfg map");
		policy_detach(&pol);
		return;
	}
	/* a one-page hole between two mappings: no region fits in it */
	hole = mmap(NULL, 3 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hole += PAGE;
	munmap(hole, PAGE);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct region r;
		struct pstats s0, s1;
		uint64_t arg = 0, calls, fcalls, want;
		long bad;

		if (cases[i].mode == ADV_OTHER_DEVICE) {
			/* same VMA as the far page, which is on vdb */
			r.base = far.base + PAGE;
			r.pages = FAR_PAGES - 1;
			r.seed = 100 + i;
		} else if (region_map(&r, 256, 100 + i)) {
			fail(cases[i].name, "mmap");
			continue;
		}
		region_fill(&r);
		if (!region_swapout(&r)) {
			fail(cases[i].name, "region did not swap out");
			continue;
		}
		switch (cases[i].mode) {
		case ADV_UNMAPPED:
			arg = (uintptr_t)hole;
			break;
		case ADV_NOT_SWAPPED:
			/* page 0 resident again, the others are faulted after */
			arg = (uintptr_t)r.base;
			*(volatile char *)r.base;
			break;
		case ADV_OTHER_DEVICE:
			arg = (uintptr_t)far.base;
			break;
		case ADV_PHYS_FREE:
			/* the last slot of a swap device that is far from full */
			arg = swap_pages(swapdev) - 1;
			break;
		}
		cfg_set(fd, 1, arg);
		cfg_set(fd, 2, 0);
		cfg_set(fd, 3, 0);
		policy_stats("bpf_adversary", &s0);
		cfg_set(fd, 0, cases[i].mode);
		bad = region_verify(&r, 1);
		cfg_set(fd, 0, ADV_NONE);
		policy_stats("bpf_adversary", &s1);
		calls = cfg_get(fd, 2);
		fcalls = cfg_get(fd, 3);
		want = cases[i].mode == ADV_FROM_FAULT ? fcalls :
			calls * cases[i].per_call;
		printf("# %s: prefetch calls %lu fault calls %lu rejected +%ld prefetched +%ld\n",
		       cases[i].name, (unsigned long)calls, (unsigned long)fcalls,
		       s1.rejected - s0.rejected, s1.prefetched - s0.prefetched);
		if (bad)
			fail(cases[i].name, "%ld corrupted pages", bad);
		else if (!(cases[i].mode == ADV_FROM_FAULT ? fcalls : calls))
			fail(cases[i].name, "policy never called");
		else if (cases[i].mode == ADV_OVER_BOUND ?
			 (uint64_t)(s1.rejected - s0.rejected) < want :
			 (uint64_t)(s1.rejected - s0.rejected) != want)
			fail(cases[i].name, "rejected +%ld, want %lu",
			     s1.rejected - s0.rejected, (unsigned long)want);
		else if (cases[i].mode == ADV_OTHER_DEVICE &&
			 s1.prefetched - s0.prefetched != 1)
			/* valid, as for VMA readahead: read once, then cached */
			fail(cases[i].name, "prefetched +%ld, want 1",
			     s1.prefetched - s0.prefetched);
		else if (cases[i].mode != ADV_OVER_BOUND &&
			 cases[i].mode != ADV_OTHER_DEVICE &&
			 s1.prefetched != s0.prefetched)
			fail(cases[i].name, "invalid request was read");
		else if (cases[i].mode == ADV_OVER_BOUND &&
			 s1.prefetched == s0.prefetched)
			fail(cases[i].name, "requests within the bound not read");
		else
			pass(cases[i].name);
		if (cases[i].mode != ADV_OTHER_DEVICE)
			munmap(r.base, r.pages * PAGE);
	}
	policy_detach(&pol);
	far.pages = 1;
	if (region_verify(&far, 1))
		fail("adversarial-other-device-data", "far page corrupted");
	else
		pass("adversarial-other-device-data");
}

/* Attach and detach policies while a child keeps swapping. */
static void check_attach_under_load(void)
{
	struct policy l;
	int status, i, err = 0;
	pid_t child;

	child = fork();
	if (child == 0) {
		struct region r;
		int round;

		if (region_map(&r, 1024, 7))
			_exit(2);
		for (round = 0; round < 12; round++) {
			region_fill(&r);
			region_pageout(&r, 0, r.pages);
			if (region_verify(&r, round % 3 + 1))
				_exit(1);
		}
		_exit(0);
	}
	for (i = 0; i < 12; i++) {
		if (policy_attach("nextn.bpf.o", "bpf_next_n", &l))
			err++;
		usleep(30000);
		policy_detach(&l);
		if (write_str(FB "native_policy", i % 2 ? "leap" : "next_n"))
			err++;
		usleep(30000);
		write_str(FB "native_policy", "none");
	}
	waitpid(child, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("attach-detach-under-load", "workload status %d", status);
	else if (err)
		fail("attach-detach-under-load", "%d attach errors", err);
	else if (!active_is("none"))
		fail("attach-detach-under-load", "policy left attached");
	else
		pass("attach-detach-under-load");
}

static void check_tracepoint(void)
{
	const char *ev = "/sys/kernel/tracing/events/fetchbpf/fetchbpf_swapin_fault/enable";
	struct policy l;
	char line[512];
	long hits = 0, misses = 0, bad;
	FILE *f;

	trace_clear();
	if (write_str(ev, "1")) {
		fail("tracepoint-events", "cannot enable event");
		return;
	}
	policy_attach("nextn.bpf.o", "bpf_next_n", &l);
	bad = run_seq(256, 3, NULL);
	policy_detach(&l);
	write_str(ev, "0");
	f = fopen("/sys/kernel/tracing/trace", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (!strstr(line, "fetchbpf_swapin_fault:"))
			continue;
		if (strstr(line, "cache_hit=1"))
			hits++;
		else if (strstr(line, "cache_hit=0"))
			misses++;
	}
	if (f)
		fclose(f);
	printf("# tracepoint: %ld cache hits, %ld misses\n", hits, misses);
	if (bad)
		fail("tracepoint-events", "workload failed (%ld)", bad);
	else if (!hits || !misses)
		fail("tracepoint-events", "%ld hit and %ld miss events", hits, misses);
	else
		pass("tracepoint-events");
}

/* Pages of @r read in a full-period pseudo-random order (pages: a power of 2). */
static size_t region_verify_random(struct region *r)
{
	size_t bad = 0, n, pg = 0;

	for (n = 0; n < r->pages; n++) {
		bad += !page_intact(r, pg);
		pg = (5 * pg + 3) & (r->pages - 1);	/* LCG, period r->pages */
	}
	return bad;
}

/*
 * Tracepoint events at addresses of @r in the trace buffer: total, with pid
 * @pid, prefetch hits. Only @r's: reclaim of the test's cgroup swaps out
 * some of fbtest's own pages too, which it may fault back meanwhile.
 */
/* The page index in @r of a trace line's swap-in event, or -1. */
static long region_event(const char *line, const struct region *r)
{
	const char *a;
	uintptr_t addr;

	if (!strstr(line, "fetchbpf_swapin_fault:") || !(a = strstr(line, "address=")))
		return -1;
	addr = strtoull(a + 8, NULL, 16);
	if (addr < (uintptr_t)r->base || addr >= (uintptr_t)r->base + r->pages * PAGE)
		return -1;
	return (addr - (uintptr_t)r->base) / PAGE;
}

static void trace_count(const struct region *r, int pid, long *all, long *owned,
			long *pref)
{
	char line[512], want[32];
	FILE *f = fopen("/sys/kernel/tracing/trace", "r");

	snprintf(want, sizeof(want), " pid=%d ", pid);
	*all = *owned = *pref = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (region_event(line, r) < 0)
			continue;
		(*all)++;
		*owned += strstr(line, want) != NULL;
		*pref += strstr(line, "prefetch_hit=1") != NULL;
	}
	if (f)
		fclose(f);
}

/*
 * One event and one fault() per swap-in touch, for sequential, strided and
 * random touches, under native Leap: the retry of a fault that waited for
 * its read is not counted again. The touches are the pages that pagemap
 * shows swapped out before the region is read.
 */
static void check_exact_faults(void)
{
	static const char *const names[] = { "sequential", "stride-7", "random" };
	const char *ev = "/sys/kernel/tracing/events/fetchbpf/fetchbpf_swapin_fault/enable";
	unsigned int i;

	if (write_str(FB "native_policy", "leap")) {
		fail("exact-faults", "cannot select native leap");
		return;
	}
	for (i = 0; i < 3; i++) {
		struct pstats s0, s1;
		long all, owned, pref, bad;
		size_t swapped;
		struct region r;
		char test[64];

		snprintf(test, sizeof(test), "exact-faults-%s", names[i]);
		if (region_map(&r, 1024, 40 + i))
			continue;
		region_fill(&r);
		if (!region_swapout(&r)) {
			fail(test, "region did not swap out");
			munmap(r.base, r.pages * PAGE);
			continue;
		}
		swapped = region_swapped(&r, 0, r.pages);
		trace_clear();
		write_str(ev, "1");
		policy_stats("leap", &s0);
		bad = i == 2 ? region_verify_random(&r) : region_verify(&r, i ? 7 : 1);
		policy_stats("leap", &s1);
		write_str(ev, "0");
		trace_count(&r, getpid(), &all, &owned, &pref);
		printf("# %s: %zu swapped out, faults +%ld hits +%ld, %ld events (%ld ours, %ld prefetch hits)\n",
		       test, swapped, s1.faults - s0.faults, s1.hits - s0.hits,
		       all, owned, pref);
		if (bad)
			fail(test, "%ld corrupted pages", bad);
		else if (s1.faults - s0.faults != (long)swapped)
			fail(test, "faults +%ld for %zu swap-in touches",
			     s1.faults - s0.faults, swapped);
		else if (all != (long)swapped || owned != all)
			fail(test, "%ld events (%ld with our pid) for %zu touches",
			     all, owned, swapped);
		else if (pref != s1.hits - s0.hits)
			fail(test, "%ld prefetch_hit events, hits +%ld", pref,
			     s1.hits - s0.hits);
		else
			pass(test);
		munmap(r.base, r.pages * PAGE);
	}
	write_str(FB "native_policy", "none");
}

/*
 * A swap-in fault interrupted by a signal (VM_FAULT_RETRY with a signal
 * pending returns to user space; the handler runs before the retry):
 *   fork     the handler forks and the child touches the page the parent
 *            was faulting: the child's fault is its own, reported with its
 *            pid (issue 18 item 5: a fork copied the parent's retry note,
 *            which then ate the child's fault);
 *   swapin   the handler touches a page of a second swapped-out region:
 *            one event per touched page, the outer fault's retry included
 *            (its note used to be taken by the handler's fault, and the
 *            retry reported again).
 * SIGALRM every 200 us interrupts some of the 512 faults of the region,
 * swapped out to vdc, which qemu throttles to 400 requests/s, and read
 * with page-cluster 0, so that each is a miss that waits for its read;
 * "interrupted" counts the signals that found the touched page still
 * swapped out (mid-fault, or just before it), which the test needs.
 */
#define SIG_MAX_FORKS 64

static struct {
	const char *mode;
	volatile char *volatile page;	/* the page the main loop touches */
	struct region other;		/* swapin: the handler's pages */
	size_t other_next;
	int pagemap;
	int nforks;
	int interrupted;
	pid_t child[SIG_MAX_FORKS];
	uintptr_t addr[SIG_MAX_FORKS];
	int child_bad;
} sig;

static int page_is_swapped(int pagemap, const volatile void *p)
{
	uint64_t e;

	return pread(pagemap, &e, 8, (uintptr_t)p / PAGE * 8) == 8 && (e >> 62 & 1);
}

static void sig_handler(int signo)
{
	volatile char *p = sig.page;
	int status;
	pid_t c;

	(void)signo;
	if (p && page_is_swapped(sig.pagemap, p))
		sig.interrupted++;
	if (!strcmp(sig.mode, "swapin")) {
		if (sig.other_next < sig.other.pages)
			(void)*(volatile char *)(sig.other.base + sig.other_next++ * PAGE);
		return;
	}
	if (!p || sig.nforks == SIG_MAX_FORKS || !page_is_swapped(sig.pagemap, p))
		return;
	c = fork();
	if (c == 0) {
		(void)*p;
		_exit(0);
	}
	if (c < 0 || waitpid(c, &status, 0) != c || !WIFEXITED(status) || WEXITSTATUS(status))
		sig.child_bad++;
	sig.child[sig.nforks] = c;
	sig.addr[sig.nforks++] = (uintptr_t)p;
}

/* Events of @pid at addresses in [@start, @start + @len) in the trace buffer. */
static long trace_events_in(pid_t pid, uintptr_t start, size_t len)
{
	struct region r = { .base = (char *)start, .pages = len / PAGE };
	long all, owned, pref;

	trace_count(&r, pid, &all, &owned, &pref);
	return owned;
}

static void check_retry_signal(const char *mode)
{
	const char *ev = "/sys/kernel/tracing/events/fetchbpf/fetchbpf_swapin_fault/enable";
	struct itimerval on = { { 0, 200 }, { 0, 200 } }, off = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa = { .sa_handler = sig_handler };
	unsigned char other_swapped[128] = { 0 };
	size_t swapped, pg;
	long events, bad = 0;
	struct region r;
	char test[64], pc[16] = "3";
	int i;

	snprintf(test, sizeof(test), "retry-signal-%s", mode);
	if (swapon("/dev/vdc", SWAP_FLAG_PREFER | 40)) {
		fail(test, "swapon /dev/vdc: %s", strerror(errno));
		return;
	}
	read_str("/proc/sys/vm/page-cluster", pc, sizeof(pc));
	write_str("/proc/sys/vm/page-cluster", "0");
	memset(&sig, 0, sizeof(sig));
	sig.mode = mode;
	sig.pagemap = open("/proc/self/pagemap", O_RDONLY);
	if (sig.pagemap < 0 || region_map(&r, 512, 91))
		goto out_swap;
	region_fill(&r);
	if (!strcmp(mode, "swapin") && !region_map(&sig.other, 128, 92))
		region_fill(&sig.other);
	if (!region_swapout(&r) || (sig.other.base && !region_swapout(&sig.other))) {
		fail(test, "the regions did not swap out");
		goto out;
	}
	swapped = region_swapped(&r, 0, r.pages);
	for (pg = 0; sig.other.base && pg < sig.other.pages; pg++)
		other_swapped[pg] = region_swapped(&sig.other, pg, 1);
	trace_clear();
	write_str(ev, "1");
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &on, NULL);
	for (pg = 0; pg < r.pages; pg++) {
		sig.page = (volatile char *)(r.base + pg * PAGE);
		bad += !page_intact(&r, pg);
	}
	setitimer(ITIMER_REAL, &off, NULL);
	sig.page = NULL;
	write_str(ev, "0");
	signal(SIGALRM, SIG_DFL);
	/* Ours in the regions: reclaim swapped some of fbtest's own pages too */
	events = trace_events_in(getpid(), (uintptr_t)r.base, r.pages * PAGE);
	if (sig.other.base)
		events += trace_events_in(getpid(), (uintptr_t)sig.other.base,
					  sig.other.pages * PAGE);
	if (!strcmp(mode, "fork")) {
		long missing = 0;

		for (i = 0; i < sig.nforks; i++)
			missing += trace_events_in(sig.child[i], sig.addr[i], PAGE) != 1;
		printf("# %s: %zu swapped out, %ld events of ours, %d signals on a swapped-out page, %d children forked in the handler, %ld without exactly one event\n",
		       test, swapped, events, sig.interrupted, sig.nforks, missing);
		if (bad || sig.child_bad)
			fail(test, "%ld corrupted pages, %d children failed", bad, sig.child_bad);
		else if (!sig.nforks)
			fail(test, "no fault was interrupted while its page was swapped out");
		else if (missing)
			fail(test, "%ld of %d children that touched a swapped-out page have no event of their own",
			     missing, sig.nforks);
		else if (events != (long)swapped)
			fail(test, "%ld events of ours for %zu touches", events, swapped);
		else
			pass(test);
	} else {
		long want = swapped;

		for (pg = 0; pg < sig.other_next; pg++)
			want += other_swapped[pg];

		printf("# %s: %zu swapped out, %d signals on a swapped-out page, %zu pages touched in the handler, %ld events of ours (want %ld)\n",
		       test, swapped, sig.interrupted, sig.other_next, events, want);
		if (bad)
			fail(test, "%ld corrupted pages", bad);
		else if (!sig.interrupted)
			fail(test, "no signal came while the touched page was swapped out");
		else if (events != want)
			fail(test, "%ld events for %ld swap-in touches", events, want);
		else
			pass(test);
	}
out:
	if (sig.other.base)
		munmap(sig.other.base, sig.other.pages * PAGE);
	munmap(r.base, r.pages * PAGE);
out_swap:
	write_str("/proc/sys/vm/page-cluster", pc);
	if (sig.pagemap >= 0)
		close(sig.pagemap);
	swapoff("/dev/vdc");
}

/*
 * A process reading another's swapped-out memory (process_vm_readv) faults
 * in its own context: the policy is not told, the event carries pid 0, not
 * the reader's pid, and the kernel's readahead for those faults is not
 * counted as the policy's prefetches, since their hits are not its hits
 * either (issue 18 item 8).
 */
static void check_remote_reader(void)
{
	const char *ev = "/sys/kernel/tracing/events/fetchbpf/fetchbpf_swapin_fault/enable";
	struct pstats s0, s1;
	struct region r;
	long all, zero, pref;
	size_t swapped;
	pid_t owner = getpid(), child;
	int status;

	if (region_map(&r, 1024, 77))
		return;
	region_fill(&r);
	if (write_str(FB "native_policy", "leap") || !region_swapout(&r)) {
		fail("remote-reader-not-the-owner", "setup failed");
		goto out;
	}
	swapped = region_swapped(&r, 0, r.pages);
	trace_clear();
	write_str(ev, "1");
	policy_stats("leap", &s0);
	child = fork();
	if (child == 0) {
		static char buf[1024 * PAGE];
		struct iovec local = { buf, sizeof(buf) }, remote = { r.base, sizeof(buf) };

		_exit(process_vm_readv(owner, &local, 1, &remote, 1, 0) ==
		      (ssize_t)sizeof(buf) ? 0 : 1);
	}
	waitpid(child, &status, 0);
	policy_stats("leap", &s1);
	write_str(ev, "0");
	trace_count(&r, 0, &all, &zero, &pref);
	printf("# remote reader: %zu swapped out, faults +%ld prefetched +%ld hits +%ld, %ld events (%ld with pid 0)\n",
	       swapped, s1.faults - s0.faults, s1.prefetched - s0.prefetched,
	       s1.hits - s0.hits, all, zero);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("remote-reader-not-the-owner", "process_vm_readv failed");
	else if (s1.faults != s0.faults)
		fail("remote-reader-not-the-owner", "the policy saw %ld faults of the reader",
		     s1.faults - s0.faults);
	else if (s1.prefetched != s0.prefetched || s1.hits != s0.hits)
		fail("remote-reader-not-the-owner", "the reader's readahead counted as the "
		     "policy's: prefetched +%ld, hits +%ld", s1.prefetched - s0.prefetched,
		     s1.hits - s0.hits);
	else if (!all || zero != all)
		fail("remote-reader-not-the-owner", "%ld events, %ld with pid 0", all, zero);
	else if (region_verify(&r, 1))
		fail("remote-reader-not-the-owner", "region corrupted");
	else
		pass("remote-reader-not-the-owner");
out:
	write_str(FB "native_policy", "none");
	munmap(r.base, r.pages * PAGE);
}

/*
 * A task faulting on another process's behalf reports only the reads it
 * starts: a page it finds in the swap cache was read for another fault.
 * KVM's async page fault is the case (issue 18 item 7): the vCPU's
 * FOLL_NOWAIT attempt reports the miss and starts the read, the worker's
 * get_user_pages_remote() finds the page cached. TCG has no KVM, so this
 * drives the worker's half: MADV_WILLNEED reads the pages into the swap
 * cache without a fault, then process_vm_readv() finds them there.
 */
static void check_remote_cache_hit(void)
{
	const char *ev = "/sys/kernel/tracing/events/fetchbpf/fetchbpf_swapin_fault/enable";
	const char *test = "remote-cache-hit-not-reported";
	static char buf[256 * PAGE];
	struct iovec local = { buf, sizeof(buf) }, remote;
	unsigned char vec[256];
	size_t cached = 0, i;
	long all, zero, pref;
	pid_t owner = getpid(), child;
	struct region r;
	int status;

	if (region_map(&r, 256, 78))
		return;
	region_fill(&r);
	if (!region_swapout(&r)) {
		fail(test, "the region did not swap out");
		goto out;
	}
	madvise(r.base, r.pages * PAGE, MADV_WILLNEED);
	region_incore(&r, vec);
	for (i = 0; i < r.pages; i++)
		cached += (vec[i] & 1) && region_swapped(&r, i, 1);
	trace_clear();
	write_str(ev, "1");
	remote = (struct iovec){ r.base, sizeof(buf) };
	child = fork();
	if (child == 0) {
		if (process_vm_readv(owner, &local, 1, &remote, 1, 0) != (ssize_t)sizeof(buf))
			_exit(1);
		for (i = 0; i < r.pages; i++)	/* what region_fill() wrote */
			if (((uint64_t *)buf)[i * PAGE / 8 + 3] != word(&r, i, 3))
				_exit(2);
		_exit(0);
	}
	waitpid(child, &status, 0);
	write_str(ev, "0");
	trace_count(&r, 0, &all, &zero, &pref);
	printf("# %s: %zu of %zu swapped-out pages read into the swap cache, %ld events\n",
	       test, cached, r.pages, all);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail(test, "process_vm_readv %s", WEXITSTATUS(status) == 2 ?
		     "read other data than the region holds" : "failed");
	else if (cached < r.pages / 2)
		fail(test, "MADV_WILLNEED read only %zu of %zu pages", cached, r.pages);
	else if (all > (long)(r.pages - cached))
		fail(test, "%ld events for %zu pages not in the swap cache", all,
		     r.pages - cached);
	else if (region_verify(&r, 1))
		fail(test, "region corrupted");
	else
		pass(test);
out:
	munmap(r.base, r.pages * PAGE);
}

/*
 * mTHP swap-in from zram (SWP_SYNCHRONOUS_IO, issue 18 item 6): a folio
 * of 16 pages swapped out whole comes back whole, without the swap cache.
 * Two threads touch different pages of it at once; the loser of
 * swapcache_prepare() waits and refaults. One event per swap-in read: v4
 * reported the loser's miss too, and again at each of its spins (its note
 * held the folio's aligned entry); v5 still reported it when the loser's
 * lookup came after the winner had freed the entry.
 */
#define MTHP_PAGES	16
#define MTHP_FOLIOS	512
#define MTHP "/sys/kernel/mm/transparent_hugepage/hugepages-"
#define KPF_COMPOUND_HEAD	15

static struct {
	char *base;
	volatile int released, done;
} mthp;

static void touch_folio_page(int folio, int page)
{
	(void)*(volatile char *)(mthp.base + (folio * MTHP_PAGES + page) * PAGE);
}

static void *mthp_racer(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < MTHP_FOLIOS; i++) {
		while (mthp.released <= i)
			;
		touch_folio_page(i, 9);
		__atomic_add_fetch(&mthp.done, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/* Folios of @r that are large (their first page a compound head) */
static size_t mthp_large_folios(const struct region *r)
{
	int pm = open("/proc/self/pagemap", O_RDONLY), kf = open("/proc/kpageflags", O_RDONLY);
	uint64_t e, flags;
	size_t n = 0, f;

	for (f = 0; pm >= 0 && kf >= 0 && f < r->pages / MTHP_PAGES; f++) {
		off_t off = ((uintptr_t)r->base / PAGE + f * MTHP_PAGES) * 8;

		if (pread(pm, &e, 8, off) != 8 || !(e >> 63))
			continue;
		if (pread(kf, &flags, 8, (e & ((1ULL << 55) - 1)) * 8) == 8 &&
		    (flags >> KPF_COMPOUND_HEAD & 1))
			n++;
	}
	if (pm >= 0)
		close(pm);
	if (kf >= 0)
		close(kf);
	return n;
}

/* Print the events of the folios of @r that have more than one. */
static void mthp_show_doubles(const struct region *r)
{
	char line[512];
	FILE *f = fopen("/sys/kernel/tracing/trace", "r");
	int count[MTHP_FOLIOS] = { 0 }, shown = 0;
	long pg;

	for (int round = 0; round < 2 && f; round++, rewind(f))
		while (fgets(line, sizeof(line), f)) {
			if ((pg = region_event(line, r)) < 0)
				continue;
			size_t i = pg / MTHP_PAGES;

			if (!round)
				count[i]++;
			else if (count[i] > 1 && shown++ < 8)
				printf("# folio %zu: %s", i, strstr(line, "address="));
		}
	if (f)
		fclose(f);
}

static void check_zram_mthp(void)
{
	const char *ev = "/sys/kernel/tracing/events/fetchbpf/fetchbpf_swapin_fault/enable";
	const char *test = "zram-mthp-race-one-event";
	char m64[64] = "never", m2m[64] = "never", *b;
	size_t len = MTHP_FOLIOS * MTHP_PAGES * PAGE, large, before;
	long all, owned, pref, reads;
	struct region r = { .pages = MTHP_FOLIOS * MTHP_PAGES, .seed = 79 };
	pthread_t t;
	char *map;
	int i;

	if (swapon("/dev/zram0", SWAP_FLAG_PREFER | 50)) {
		fail(test, "swapon /dev/zram0: %s", strerror(errno));
		return;
	}
	/* the selected mode is the bracketed word */
	read_str(MTHP "64kB/enabled", m64, sizeof(m64));
	read_str(MTHP "2048kB/enabled", m2m, sizeof(m2m));
	write_str(MTHP "64kB/enabled", "madvise");
	write_str(MTHP "2048kB/enabled", "never");
	map = mmap(NULL, len + 64 * 1024, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		goto out;
	r.base = mthp.base = (char *)(((uintptr_t)map + 0xffff) & ~0xffffUL);
	madvise(r.base, len, MADV_HUGEPAGE);
	region_fill(&r);
	before = mthp_large_folios(&r);
	if (!region_swapout(&r)) {
		fail(test, "the region did not swap out (%zu of %d folios were large)",
		     before, MTHP_FOLIOS);
		goto out_map;
	}
	reads = vmstat("pswpin");
	mthp.released = mthp.done = 0;
	trace_clear();
	write_str(ev, "1");
	pthread_create(&t, NULL, mthp_racer, NULL);
	for (i = 0; i < MTHP_FOLIOS; i++) {
		mthp.released = i + 1;
		touch_folio_page(i, 1);
		while (mthp.done <= i)
			;
	}
	pthread_join(t, NULL);
	write_str(ev, "0");
	reads = vmstat("pswpin") - reads;
	large = mthp_large_folios(&r);
	trace_count(&r, getpid(), &all, &owned, &pref);
	/* a large folio is one read of 16 pages, the others one read a page */
	reads = large + (reads - (long)large * MTHP_PAGES);
	printf("# %s: %zu folios large before swap-out, %zu after swap-in, %ld swap-in reads, %ld events\n",
	       test, before, large, reads, all);
	if (!large)
		fail(test, "no folio was swapped in large (%zu were large before)", before);
	else if (all > reads) {
		mthp_show_doubles(&r);
		fail(test, "%ld events for %ld swap-in reads", all, reads);
	}
	else if (region_verify(&r, 1))
		fail(test, "data differs");
	else
		pass(test);
out_map:
	munmap(map, len + 64 * 1024);
out:
	b = strchr(m64, '[');
	write_str(MTHP "64kB/enabled", b ? strtok(b + 1, "]") : "never");
	b = strchr(m2m, '[');
	write_str(MTHP "2048kB/enabled", b ? strtok(b + 1, "]") : "never");
	swapoff("/dev/zram0");
}

/*
 * CAP_BPF and CAP_PERFMON load a struct_ops policy, but attaching it takes
 * CAP_SYS_ADMIN: a child that dropped it gets EPERM.
 */
static void check_attach_needs_sys_admin(void)
{
	int status;
	pid_t child = fork();

	if (child == 0) {
		struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct d[2];
		struct policy p;
		int err;

		if (syscall(SYS_capget, &h, d))
			_exit(10);
		d[0].effective &= ~(1U << CAP_SYS_ADMIN);
		d[0].permitted &= ~(1U << CAP_SYS_ADMIN);
		if (syscall(SYS_capset, &h, d))
			_exit(11);
		err = policy_attach("nextn.bpf.o", "bpf_next_n", &p);
		policy_detach(&p);
		_exit(err == -EPERM ? 0 : err == 0 ? 12 : err == -ENOEXEC ? 13 : 14);
	}
	waitpid(child, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && active_is("none"))
		pass("attach-needs-cap-sys-admin");
	else
		fail("attach-needs-cap-sys-admin",
		     "child status %d (12: attached, 13: could not load, 14: other error)",
		     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* Real memory pressure: a memcg smaller than the workload. */
static void check_memcg_pressure(void)
{
	struct policy l;
	long out0 = vmstat("pswpout"), in0 = vmstat("pswpin");
	int status;
	pid_t child;

	mkdir("/sys/fs/cgroup/hf", 0755);
	if (write_str("/sys/fs/cgroup/cgroup.subtree_control", "+memory") ||
	    write_str("/sys/fs/cgroup/hf/memory.max", "16M")) {
		fail("memcg-pressure", "cannot set up memory cgroup");
		return;
	}
	policy_attach("nextn.bpf.o", "bpf_next_n", &l);
	child = fork();
	if (child == 0) {
		struct region r;
		char pid[32];

		snprintf(pid, sizeof(pid), "%d", getpid());
		if (write_str("/sys/fs/cgroup/hf/cgroup.procs", pid))
			_exit(3);
		if (region_map(&r, 48 << 8, 9))	/* 48 MiB */
			_exit(2);
		region_fill(&r);
		_exit(region_verify(&r, 1) || region_verify(&r, 5) ? 1 : 0);
	}
	waitpid(child, &status, 0);
	policy_detach(&l);
	printf("# memcg: pswpout +%ld pswpin +%ld\n", vmstat("pswpout") - out0,
	       vmstat("pswpin") - in0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("memcg-pressure", "workload status %d", status);
	else if (vmstat("pswpout") - out0 < 1024 || vmstat("pswpin") <= in0)
		fail("memcg-pressure", "workload did not swap");
	else
		pass("memcg-pressure");
}

/* Objects the kernel must refuse to load. */
static void check_refused(void)
{
	static const struct {
		const char *file, *name;
	} cases[] = {
		{ "bad_write.bpf.o", "bpf-ctx-read-only" },
		{ "bad_kfunc.bpf.o", "bpf-kfuncs-only-for-fetchbpf-ops" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bpf_object *obj = policy_open(cases[i].file);

		if (obj) {
			fail(cases[i].name, "%s was loaded", cases[i].file);
			bpf_object__close(obj);
		} else {
			pass(cases[i].name);
		}
	}
}

static int cmd_check(const char *dir)
{
	struct bpf_object *obj;

	bpfdir = dir;
	join_cgroup();
	/* The page for the other-device case goes to vdb before vda is on. */
	if (swapon("/dev/vdb", SWAP_FLAG_PREFER | 20))
		fail("swapon-vdb", "%s", strerror(errno));
	else
		pass("swapon-vdb");
	if (region_map(&far, FAR_PAGES, 55) == 0) {
		far.pages = 1;
		region_fill(&far);
		if (!region_swapout(&far))
			fail("far-page-swapout", "page did not go to vdb");
	}
	if (swapon("/dev/vda", SWAP_FLAG_PREFER | 30))
		fail("swapon-vda", "%s", strerror(errno));
	else
		pass("swapon-vda");

	check_interface();
	check_no_policy();
	check_native();
	check_leap_window();
	obj = policy_open("nextn.bpf.o");
	if (!obj) {
		fail("bpf-load", "cannot load nextn.bpf.o");
		return 1;
	}
	pass("bpf-load");
	bpf_object__close(obj);
	check_bpf_nextn();
	check_fallback_counts();
	check_refused();
	check_init_sanitized();
	check_adversarial("/dev/vda");
	check_tracepoint();
	check_exact_faults();
	check_retry_signal("fork");
	check_retry_signal("swapin");
	check_remote_reader();
	check_remote_cache_hit();
	check_attach_needs_sys_admin();
	check_attach_under_load();
	check_memcg_pressure();
	return failures ? 1 : 0;
}

/* ---- benchmark ---- */

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

#define BENCH_PAGES 1024

/* Median of @n samples, sorting a copy. */
static long median(const long *v, size_t n)
{
	long *t, m;

	if (!n)
		return 0;
	t = malloc(n * sizeof(*t));
	if (!t)
		return 0;
	memcpy(t, v, n * sizeof(*t));
	qsort(t, n, sizeof(*t), cmp_long);
	m = t[n / 2];
	free(t);
	return m;
}

/* One trial: swap the region out, then time the first touch of each page. */
static void bench_trial(struct region *r, long *all, long *major, size_t *nmaj)
{
	struct rusage ru0, ru1;
	size_t pg;

	region_fill(r);
	region_swapout(r);
	for (pg = 0; pg < r->pages; pg++) {
		long t0;

		getrusage(RUSAGE_SELF, &ru0);
		t0 = now_ns();
		*(volatile char *)(r->base + pg * PAGE);
		all[pg] = now_ns() - t0;
		getrusage(RUSAGE_SELF, &ru1);
		if (ru1.ru_majflt != ru0.ru_majflt)
			major[(*nmaj)++] = all[pg];
	}
}

static int cmd_bench(int rounds, int argc, char **argv)
{
	int nconf = argc, c, k;
	struct region r;
	long **all, **maj;
	size_t *nall, *nmaj;
	long (*ctr)[3];

	bpfdir = "/bpf";
	join_cgroup();
	swapon("/dev/vda", SWAP_FLAG_PREFER | 30);
	all = calloc(nconf, sizeof(*all));
	maj = calloc(nconf, sizeof(*maj));
	nall = calloc(nconf, sizeof(*nall));
	nmaj = calloc(nconf, sizeof(*nmaj));
	ctr = calloc(nconf, sizeof(*ctr));
	for (c = 0; c < nconf; c++) {
		all[c] = calloc(rounds * BENCH_PAGES, sizeof(long));
		maj[c] = calloc(rounds * BENCH_PAGES, sizeof(long));
		/* keep the samples out of the reclaim done between trials */
		mlock(all[c], rounds * BENCH_PAGES * sizeof(long));
		mlock(maj[c], rounds * BENCH_PAGES * sizeof(long));
	}
	if (region_map(&r, BENCH_PAGES, 11))
		return 1;
	/* Rounds interleave the configurations to spread drift evenly. */
	for (k = 0; k < rounds; k++) {
		for (c = 0; c < nconf; c++) {
			struct policy l = { NULL, NULL };
			const char *conf = argv[c];

			if (!strncmp(conf, "native:", 7)) {
				if (write_str(FB "native_policy", conf + 7))
					return fprintf(stderr, "cannot select %s\n", conf), 1;
			} else if (!strncmp(conf, "bpf:", 4)) {
				/* bpf:MAP (of nextn.bpf.o) or bpf:MAP@OBJECT */
				char map[64], *at;

				snprintf(map, sizeof(map), "%s", conf + 4);
				at = strchr(map, '@');
				if (at)
					*at++ = '\0';
				if (policy_attach(at ? at : "nextn.bpf.o", map, &l))
					return fprintf(stderr, "cannot attach %s\n", conf), 1;
			}
			long in0, ra0, hit0;

			in0 = vmstat("pswpin");
			ra0 = vmstat("swap_ra");
			hit0 = vmstat("swap_ra_hit");
			size_t maj0 = nmaj[c];

			bench_trial(&r, all[c] + nall[c], maj[c], &nmaj[c]);
			printf("ROUND %d %s median_all_ns %ld median_major_ns %ld\n", k,
			       conf, median(all[c] + nall[c], BENCH_PAGES),
			       median(maj[c] + maj0, nmaj[c] - maj0));
			ctr[c][0] += vmstat("pswpin") - in0;
			ctr[c][1] += vmstat("swap_ra") - ra0;
			ctr[c][2] += vmstat("swap_ra_hit") - hit0;
			nall[c] += BENCH_PAGES;
			policy_detach(&l);
			if (!strncmp(conf, "native:", 7))
				write_str(FB "native_policy", "none");
		}
	}
	for (c = 0; c < nconf; c++) {
		qsort(all[c], nall[c], sizeof(long), cmp_long);
		qsort(maj[c], nmaj[c], sizeof(long), cmp_long);
		printf("BENCH %s median_all_ns %ld median_major_ns %ld n_all %zu n_major %zu pswpin %ld swap_ra %ld swap_ra_hit %ld\n",
		       argv[c], all[c][nall[c] / 2],
		       nmaj[c] ? maj[c][nmaj[c] / 2] : 0, nall[c], nmaj[c],
		       ctr[c][0], ctr[c][1], ctr[c][2]);
	}
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(libbpf_quiet);
	if (argc >= 3 && !strcmp(argv[1], "check"))
		return cmd_check(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "zram")) {	/* a boot with two CPUs */
		join_cgroup();
		check_zram_mthp();
		return failures ? 1 : 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "bench"))
		return cmd_bench(atoi(argv[2]), argc - 3, argv + 3);
	fprintf(stderr, "usage: fbtest check BPFDIR | fbtest zram | fbtest bench ROUNDS CONF...\n");
	return 2;
}
