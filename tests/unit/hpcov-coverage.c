// SPDX-License-Identifier: GPL-2.0
/*
 * hpcov without root or idle page tracking: the idle-set and bucket logic
 * directly, then the binary against a fixture tree ($HAWKFETCH_SYSROOT)
 * built here: /proc/4242/{stat,status,maps,pagemap}, /proc/kpageflags and
 * a page_idle bitmap in which this test plays the kernel, clearing the
 * bits of "accessed" pages while hpcov waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <json-c/json.h>
#include "hpcov/idle.h"
#include "unit.h"
#include "pagemap.h"

#define PID 4242
#define VMA_START 0x200000ULL
/* Four regions: base pages (100 accessed), half present (256 accessed + 10
 * faulted in), a THP, base pages none accessed. */
#define PFN_R0 0x10000ULL
#define PFN_R1 0x20000ULL
#define PFN_R2 0x30000ULL
#define PFN_R3 0x40000ULL

static void test_logic(void)
{
	uint64_t pfn[] = { 130, 5, 64, 63, 0x10000, 6, 5 };
	static uint64_t before[HF_HPAGE_NR], after[HF_HPAGE_NR];
	struct hf_idle_set s;
	struct hf_cov_region r[] = {
		{ 1, 0x600000, 512, true, 0, 0 }, { 1, 0x400000, 100, false, 0, 0 },
		{ 2, 0x200000, 470, false, 0, 0 }, { 1, 0x200000, 480, false, 0, 0 },
		{ 1, 0x800000, 101, false, 0, 0 },
	};

	hf_idle_set_build(&s, pfn, sizeof(pfn) / sizeof(pfn[0]));
	CHECK("idle-set-words", s.n == 4 && s.word[0] == 0 && s.mask[0] == (1ULL << 5 | 1ULL << 6 |
		1ULL << 63) && s.word[1] == 1 && s.word[2] == 2 && s.word[3] == 0x400, "wrong words");
	s.idle[0] = s.mask[0] & ~(1ULL << 6);	/* pfn 6 was accessed */
	CHECK("idle-test", hf_idle_test(&s, 5) && !hf_idle_test(&s, 6) && !hf_idle_test(&s, 7) &&
		!hf_idle_test(&s, 999), "wrong bits");
	for (int i = 0; i < 4; i++)
		before[i] = after[i] = PM_PRESENT | (5 + i);	/* pfns 5..8 */
	after[10] = PM_PRESENT | 77;				/* faulted in */
	/* 5 idle, 6 accessed, 7 and 8 not in the set (not idle), 77 new */
	CHECK("cov-count", hf_cov_count(before, after, &s) == 4, "wrong count");
	hf_idle_set_free(&s);

	/* The paper's 50-page buckets, at their edges: 0-49, 50-99, ..., 500-512. */
	CHECK("cov-buckets", hf_cov_bucket(0) == 0 && hf_cov_bucket(49) == 0 &&
		hf_cov_bucket(50) == 1 && hf_cov_bucket(99) == 1 && hf_cov_bucket(100) == 2 &&
		hf_cov_bucket(499) == 9 && hf_cov_bucket(500) == 10 && hf_cov_bucket(512) == 10,
		"wrong bucket bounds");
	qsort(r, 5, sizeof(r[0]), hf_cov_cmp);
	CHECK("cov-order", r[0].coverage == 480 && r[1].coverage == 470 && r[2].coverage == 101 &&
		r[3].coverage == 100 && r[4].huge, "wrong promotion order");
}

static int open_at(const char *root, const char *rel, int flags)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return open(path, flags | O_CREAT, 0644);
}

static void put_u64(int fd, uint64_t index, uint64_t v)
{
	if (pwrite(fd, &v, sizeof(v), index * sizeof(v)) != sizeof(v))
		abort();
}

static void make_tree(const char *root)
{
	char dir[512];
	int pm, kpf, bm;

	snprintf(dir, sizeof(dir), "mkdir -p %s/proc/%d %s/sys/kernel/mm/page_idle", root, PID, root);
	if (system(dir))
		abort();
	unit_put_file(root, "proc/4242/stat", "4242 (covwork) S 1 4242 4242 0 -1 4194304 10 0 0 0\n");
	unit_put_file(root, "proc/4242/status", "Name:\tcovwork\nTgid:\t4242\nPid:\t4242\n");
	unit_put_file(root, "proc/4242/maps",
		 "00200000-00a00000 rw-p 00000000 00:00 0 \n"
		 "00c00000-00d00000 rw-p 00000000 00:00 0 \n");
	pm = open_at(root, "proc/4242/pagemap", O_WRONLY);
	kpf = open_at(root, "proc/kpageflags", O_WRONLY);
	bm = open_at(root, "sys/kernel/mm/page_idle/bitmap", O_WRONLY);
	for (uint64_t i = 0; i < HF_HPAGE_NR; i++) {
		put_u64(pm, (VMA_START >> 12) + i, PM_PRESENT | (PFN_R0 + i));
		if (i < 256)
			put_u64(pm, (VMA_START >> 12) + 512 + i, PM_PRESENT | (PFN_R1 + i));
		put_u64(pm, (VMA_START >> 12) + 1024 + i, PM_PRESENT | (PFN_R2 + i));
		put_u64(kpf, PFN_R2 + i, i ? KPF(KPF_COMPOUND_TAIL) | KPF(KPF_THP) :
					     KPF(KPF_COMPOUND_HEAD) | KPF(KPF_THP));
		put_u64(pm, (VMA_START >> 12) + 1536 + i, PM_PRESENT | (PFN_R3 + i));
	}
	put_u64(pm, (0xd00000 >> 12), 0);
	if (ftruncate(kpf, (PFN_R3 + 1024) * 8) || ftruncate(bm, (PFN_R3 + 1024) / 8))
		abort();
	close(pm);
	close(kpf);
	close(bm);
}

/* Play the kernel: once hpcov has marked the pages idle, "access" some. */
static int play_kernel(const char *root)
{
	int bm = open_at(root, "sys/kernel/mm/page_idle/bitmap", O_RDWR);
	int pm = open_at(root, "proc/4242/pagemap", O_RDWR);
	uint64_t w = 0;

	for (int i = 0; i < 500 && w != ~0ULL; i++) {
		if (pread(bm, &w, 8, PFN_R3 / 64 * 8) != 8)
			return -1;
		usleep(10000);
	}
	if (w != ~0ULL)
		return -1;
	for (uint64_t i = 0; i < 100; i += 64)	/* region 0: pages 0..99 */
		put_u64(bm, (PFN_R0 + i) / 64, i + 64 <= 100 ? 0 : ~0ULL << (100 - i));
	for (uint64_t i = 0; i < 256; i += 64)	/* region 1: every present page */
		put_u64(bm, (PFN_R1 + i) / 64, 0);
	for (uint64_t i = 300; i < 310; i++)	/* region 1: ten pages faulted in */
		put_u64(pm, (VMA_START >> 12) + 512 + i, PM_PRESENT | (PFN_R1 + i));
	close(bm);
	close(pm);
	return 0;
}

static pid_t run_hpcov(const char *root, int *out, const char *extra)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	char bin[512];
	int fds[2];
	pid_t child;

	snprintf(bin, sizeof(bin), "%s/hpcov", build);
	if (pipe(fds))
		abort();
	child = fork();
	if (child == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		setenv("HAWKFETCH_SYSROOT", root, 1);
		execl(bin, "hpcov", "-p", "4242", "-i", "1.5", "-j", extra, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	*out = fds[0];
	return child;
}

static struct json_object *read_json(int fd, char *buf, size_t len)
{
	ssize_t n = 0, r;

	while ((r = read(fd, buf + n, len - 1 - n)) > 0)
		n += r;
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return json_tokener_parse(buf);
}

static const char *cand(struct json_object *o, int i, const char *key)
{
	struct json_object *arr, *e, *v;

	if (!json_object_object_get_ex(o, "candidates", &arr) || !(e = json_object_array_get_idx(arr, i)) ||
	    !json_object_object_get_ex(e, key, &v))
		return "?";
	return json_object_get_string(v);
}

static void test_fixture(const char *root)
{
	static char buf[65536], why[1024];
	struct json_object *o, *huge;
	int out, status;
	pid_t child;

	make_tree(root);
	child = run_hpcov(root, &out, NULL);
	if (play_kernel(root)) {
		CHECK("hpcov-fixture-marks", 0, "hpcov never marked the pages idle");
		kill(child, SIGKILL);
	}
	o = read_json(out, buf, sizeof(buf));
	waitpid(child, &status, 0);
	CHECK("hpcov-fixture-status", WIFEXITED(status) && WEXITSTATUS(status) == 0, buf);
	snprintf(why, sizeof(why), "got %.1000s", buf);
	CHECK("hpcov-fixture-coverage", o &&
		!strcmp(cand(o, 0, "addr"), "0x400000") && !strcmp(cand(o, 0, "coverage"), "266") &&
		!strcmp(cand(o, 1, "addr"), "0x200000") && !strcmp(cand(o, 1, "coverage"), "100") &&
		!strcmp(cand(o, 2, "addr"), "0x800000") && !strcmp(cand(o, 2, "coverage"), "0"), why);
	CHECK("hpcov-fixture-buckets", o && !strcmp(cand(o, 0, "bucket"), "5") &&
		!strcmp(cand(o, 1, "bucket"), "2") && !strcmp(cand(o, 2, "bucket"), "0"), why);
	CHECK("hpcov-fixture-huge-not-candidate", o && json_object_object_get_ex(o, "huge_regions", &huge) &&
		json_object_array_length(huge) == 1 &&
		strstr(json_object_to_json_string(huge), "0x600000") &&
		!strcmp(cand(o, 3, "addr"), "?"), why);
	json_object_put(o);
}

static void test_no_page_idle(const char *root)
{
	static char buf[4096];
	char path[512];
	int out, status;
	pid_t child;

	snprintf(path, sizeof(path), "%s/sys/kernel/mm/page_idle/bitmap", root);
	unlink(path);
	child = run_hpcov(root, &out, NULL);
	json_object_put(read_json(out, buf, sizeof(buf)));
	waitpid(child, &status, 0);
	CHECK("hpcov-no-page-idle-status", WIFEXITED(status) && WEXITSTATUS(status) == 69, buf);
	CHECK("hpcov-no-page-idle-message", strstr(buf, "idle page tracking is not available") &&
		strstr(buf, "CONFIG_IDLE_PAGE_TRACKING"), buf);
}

int main(void)
{
	char root[] = "/tmp/hpcov-fixture-XXXXXX", cmd[600];

	test_logic();
	if (!mkdtemp(root)) {
		printf("FAIL: hpcov-fixture: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_fixture(root);
	test_no_page_idle(root);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd))
		printf("FAIL: hpcov-fixture-cleanup: %s\n", cmd), unit_failed++;
	return UNIT_EXIT();
}
