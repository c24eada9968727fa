// SPDX-License-Identifier: GPL-2.0
/*
 * fbtrace -s's snapshot of the pages already swapped out
 * (cmd/fbtrace/slotsnap.c), without root, BPF or swap: pagemap entries
 * turned into swapout records; which VMAs are read; a whole run over a
 * fixture /proc built here (maps, a sparse pagemap) with a process that
 * has gone and one that cannot be read; and the time a live process's
 * 1 GiB mapping takes.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "clock.h"
#include "fbtrace/slotsnap.h"
#include "pagemap.h"
#include "record.h"
#include "unit.h"

/* A swap entry as pagemap shows it to CAP_SYS_ADMIN. */
static uint64_t swap_ent(unsigned int type, uint64_t offset)
{
	return PM_SWAP | offset << 5 | type;
}

static void test_records(void)
{
	const uint64_t ent[] = {
		PM_PRESENT | 0x1234,		/* mapped */
		0,				/* never touched */
		swap_ent(0, 5170),
		swap_ent(1, (1ULL << 50) - 1),	/* the largest offset */
		swap_ent(30, 7),		/* a migration entry, not a slot */
		PM_SWAP,			/* a slot pagemap hides */
		PM_SWAP | PM_PRESENT | 99,	/* not a swap entry */
	};
	struct fault_record tmpl, out[7];
	uint64_t hidden = 0;
	size_t n;

	fault_record_clear(&tmpl);
	tmpl.kind = SLOT_SWAPOUT;
	tmpl.time_ns = 42;
	tmpl.pid = tmpl.tid = 4242;
	strcpy(tmpl.comm, "worker");
	n = slotsnap_records(ent, 7, 0x7f0000000000, &tmpl, out, &hidden);
	CHECK("records_swap_entries_only", n == 2 && hidden == 1, "%zu records, %llu hidden",
	      n, (unsigned long long)hidden);
	CHECK_TRUE("records_first", out[0].addr == 0x7f0000002000 && out[0].swap_type == 0 &&
		   out[0].swap_offset == 5170);
	CHECK_TRUE("records_offset_50_bits", out[1].addr == 0x7f0000003000 &&
		   out[1].swap_type == 1 && out[1].swap_offset == (1LL << 50) - 1);
	CHECK_TRUE("records_from_template", out[1].kind == SLOT_SWAPOUT && out[1].pid == 4242 &&
		   out[1].tid == 4242 && out[1].cache_hit == -1 && out[1].time_ns == 42 &&
		   !strcmp(out[1].comm, "worker"));
}

static bool wanted(const char *line)
{
	struct hf_vma v;

	return !hf_vma_parse(line, &v) && slotsnap_vma_wanted(&v);
}

static void test_vmas(void)
{
	CHECK_TRUE("vma_anon", wanted("10000-20000 rw-p 00000000 00:00 0"));
	CHECK_TRUE("vma_heap", wanted("10000-20000 rw-p 00000000 00:00 0 [heap]"));
	CHECK_TRUE("vma_stack", wanted("10000-20000 rw-p 00000000 00:00 0 [stack]"));
	CHECK_TRUE("vma_named_anon", wanted("10000-20000 rw-p 00000000 00:00 0 [anon:arena]"));
	CHECK_TRUE("vma_private_file", wanted("10000-20000 rw-p 00001000 08:01 42 /usr/lib/x.so"));
	CHECK_TRUE("vma_not_shared", !wanted("10000-20000 rw-s 00000000 00:01 7 /dev/shm/x"));
	CHECK_TRUE("vma_not_shared_anon", !wanted("10000-20000 rw-s 00000000 00:01 7 /dev/zero"));
	CHECK_TRUE("vma_not_reservation", !wanted("10000-20000 ---p 00000000 00:00 0"));
	CHECK_TRUE("vma_not_vdso", !wanted("10000-20000 r-xp 00000000 00:00 0 [vdso]"));
	CHECK_TRUE("vma_not_vvar", !wanted("10000-20000 r--p 00000000 00:00 0 [vvar]"));
	CHECK_TRUE("vma_not_vsyscall",
		   !wanted("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]"));
}

/* ---- a run over a fixture /proc ---- */

static char root[] = "/tmp/hf-slotsnap-XXXXXX";

static void put_file(const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "proc/%s", name);
	unit_put_file(root, path, text);
}

static void put_task(int pid, int tgid, const char *comm)
{
	char dir[64], text[256];

	snprintf(dir, sizeof(dir), "%s/proc/%d", root, pid);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%d/stat", pid);
	snprintf(text, sizeof(text), "%d (%s) S 1 %d %d 0 -1 4194560 10 0 0 0 1 1 0 0 20 0 1 0 "
		 "100 1000000 100\n", pid, comm, tgid, tgid);
	put_file(dir, text);
	snprintf(dir, sizeof(dir), "%d/status", pid);
	snprintf(text, sizeof(text), "Name:\t%s\nUmask:\t0022\nTgid:\t%d\nPid:\t%d\n", comm,
		 tgid, pid);
	put_file(dir, text);
}

static void put_ent(int fd, uint64_t addr, uint64_t ent)
{
	if (pwrite(fd, &ent, sizeof(ent), (addr >> 12) * sizeof(ent)) != sizeof(ent))
		abort();
}

/*
 * Process 101: a swap entry planted in each kind of VMA (the ones not
 * read too), and a [heap] larger than a batch; 104 a thread of it.
 */
static void put_worker(void)
{
	char path[256];
	int fd;

	put_task(101, 101, "worker");
	put_task(104, 101, "worker-thread");
	put_file("101/maps",
		 "10000000-10004000 rw-p 00000000 00:00 0 \n"
		 "10004000-10008000 rw-s 00000000 00:01 1234                       /dev/shm/x\n"
		 "10008000-1000c000 ---p 00000000 00:00 0 \n"
		 "1000c000-10010000 rw-p 00003000 08:01 42                         /usr/lib/x.so\n"
		 "10010000-10014000 rw-p 00000000 00:00 0                          [anon:arena]\n"
		 "10014000-10016000 r-xp 00000000 00:00 0                          [vdso]\n"
		 "20000000-21800000 rw-p 00000000 00:00 0                          [heap]\n");
	snprintf(path, sizeof(path), "%s/proc/101/pagemap", root);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	put_ent(fd, 0x10000000, PM_PRESENT | 0x777);
	put_ent(fd, 0x10001000, swap_ent(0, 5170));
	put_ent(fd, 0x10003000, swap_ent(1, 99));
	put_ent(fd, 0x10004000, swap_ent(0, 1));	/* shared: tmpfs's */
	put_ent(fd, 0x10008000, swap_ent(0, 2));	/* a reservation */
	put_ent(fd, 0x1000d000, swap_ent(0, 3));	/* a copied-on-write page */
	put_ent(fd, 0x10010000, swap_ent(0, 4));
	put_ent(fd, 0x10014000, swap_ent(0, 5));	/* [vdso] */
	put_ent(fd, 0x20000000, swap_ent(0, 10));
	put_ent(fd, 0x2000a000, swap_ent(29, 11));	/* migration */
	put_ent(fd, 0x2000b000, PM_SWAP);		/* hidden */
	put_ent(fd, 0x20fff000, swap_ent(0, 12));	/* the first batch's last page */
	put_ent(fd, 0x21000000, swap_ent(0, 13));	/* the second batch's first */
	put_ent(fd, 0x217ff000, swap_ent(0, 14));	/* the heap's last page */
	close(fd);
}

/* Process 103: its pagemap cannot be read (a directory here). */
static void put_unreadable(void)
{
	char path[256];

	put_task(103, 103, "locked");
	put_file("103/maps", "10000000-10004000 rw-p 00000000 00:00 0 \n");
	snprintf(path, sizeof(path), "%s/proc/103/pagemap", root);
	mkdir(path, 0755);
}

struct sink {
	struct fault_record rec[32];
	int n, fail_at;		/* fail_at: emit fails with EPIPE there; -1: never */
};

static int sink_emit(void *ctx, const struct fault_record *r)
{
	struct sink *k = ctx;

	if (k->n == k->fail_at || k->n == 32)
		return -EPIPE;
	k->rec[k->n++] = *r;
	return 0;
}

/* slotsnap_run() on pids, its warnings in warn. */
static int run(struct slotsnap *ss, struct sink *k, const pid_t *pid, int n, char *warn,
	       size_t len)
{
	struct hf_pids pids = { 0 };
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO), err;
	size_t got;

	*ss = (struct slotsnap){ .slots_fd = -1, .pids_fd = -1, .emit = sink_emit, .ctx = k };
	for (int i = 0; i < n; i++)
		hf_pids_add(&pids, pid[i]);
	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	err = slotsnap_run(ss, &pids);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	got = fread(warn, 1, len - 1, f);
	warn[got] = '\0';
	fclose(f);
	free(pids.pid);
	return err;
}

static void test_run(void)
{
	static const uint64_t addr[] = { 0x10001000, 0x10003000, 0x1000d000, 0x10010000,
					 0x20000000, 0x20fff000, 0x21000000, 0x217ff000 };
	static const int64_t offset[] = { 5170, 99, 3, 4, 10, 12, 13, 14 };
	const pid_t pids[] = { 103, 101, 102, 104, 101 };	/* 102 has gone */
	struct sink k = { .fail_at = -1 };
	struct slotsnap ss;
	char path[300], warn[4096];
	bool ok = true;
	int err;

	snprintf(path, sizeof(path), "%s/proc", root);
	mkdir(path, 0755);
	put_worker();
	put_unreadable();
	setenv("HAWKFETCH_SYSROOT", root, 1);
	err = run(&ss, &k, pids, 5, warn, sizeof(warn));
	CHECK("run_records", !err && k.n == 8 && ss.records == 8 && ss.hidden == 1,
	      "err %d, %d records (%llu counted), %llu hidden", err, k.n,
	      (unsigned long long)ss.records, (unsigned long long)ss.hidden);
	for (int i = 0; i < k.n && i < 8; i++)
		ok &= k.rec[i].addr == addr[i] && k.rec[i].swap_offset == offset[i] &&
		      k.rec[i].swap_type == (i == 1) && k.rec[i].pid == 101 &&
		      k.rec[i].tid == 101 && !strcmp(k.rec[i].comm, "worker") &&
		      k.rec[i].kind == SLOT_SWAPOUT && k.rec[i].time_ns;
	CHECK("run_each_page_once_in_order", ok && k.n == 8, "records differ");
	CHECK("run_warns_unreadable", strstr(warn, "pid 103 (locked): /proc/103/pagemap") &&
	      !strstr(warn, "102"), "warnings: %s", warn);
	CHECK("run_warns_hidden", strstr(warn, "CAP_SYS_ADMIN: 1 pages"), "warnings: %s", warn);

	k = (struct sink){ .fail_at = 3 };
	err = run(&ss, &k, pids + 1, 1, warn, sizeof(warn));
	CHECK("run_stops_on_emit_error", err == -EPIPE && k.n == 3 && ss.records == 3,
	      "err %d, %d records", err, k.n);
	unsetenv("HAWKFETCH_SYSROOT");
}

/* The record as fbtrace writes it: cache_hit unknown. */
static void test_text(void)
{
	struct fault_record r;
	struct record_writer w;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	uint64_t hidden = 0, ent = swap_ent(0, 5170);

	fault_record_clear(&r);
	r.kind = SLOT_SWAPOUT;
	r.time_ns = 1843000124000;
	r.pid = r.tid = 4242;
	strcpy(r.comm, "worker");
	slotsnap_records(&ent, 1, 0x7f3a1c02e000, &r, &r, &hidden);
	record_writer_init(&w, f, false);
	record_write(&w, &r);
	record_writer_fini(&w);
	fclose(f);
	CHECK("text_record", strstr(buf, "\n1843000124000 4242 4242 worker swapout 0x7f3a1c02e000 "
				    "0 5170 -\n"), "wrote: %s", buf);
	free(buf);
}

/* A live process's 1 GiB mapping, read from the kernel's pagemap. */
static void test_live_speed(void)
{
	size_t len = 1UL << 30;
	struct sink k = { .fail_at = -1 };
	struct slotsnap ss;
	char warn[4096], path[64];
	int ready[2], go[2], fd;
	uint64_t t;
	pid_t child;
	char c;

	if (pipe(ready) || pipe(go))
		abort();
	child = fork();
	if (!child) {
		close(go[1]);
		if (mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) == MAP_FAILED ||
		    write(ready[1], "", 1) != 1 || read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	snprintf(path, sizeof(path), "/proc/%d/pagemap", child);
	if (read(ready[0], &c, 1) != 1) {
		printf("FAIL: live_1gib_under_100ms: the child could not map 1 GiB\n");
		unit_failed++;
	} else if ((fd = open(path, O_RDONLY)) < 0) {
		printf("SKIP: live_1gib_under_100ms: %s: %s\n", path, strerror(errno));
	} else {
		close(fd);
		t = hf_now_ns();
		run(&ss, &k, &child, 1, warn, sizeof(warn));
		t = hf_now_ns() - t;
		CHECK("live_1gib_under_100ms", t < 100000000 && !warn[0], "%.1f ms; %s", t / 1e6,
		      warn);
	}
	close(ready[0]);
	close(go[1]);
	waitpid(child, NULL, 0);
}

int main(void)
{
	test_records();
	test_vmas();
	test_text();
	unit_mkdtemp(root);
	test_run();
	if (unit_rmtree(root))
		return 1;
	test_live_speed();
	return UNIT_EXIT();
}
