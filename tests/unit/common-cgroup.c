// SPDX-License-Identifier: GPL-2.0
/*
 * The processes of a cgroup and of the cgroups below it (common/cgroup.c),
 * over a directory tree laid out as cgroupfs shows one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cgroup.h"
#include "cli.h"
#include "unit.h"

static char root[] = "/tmp/hf-cgroup-XXXXXX";

static void put(const char *dir, const char *procs)
{
	char path[256];

	snprintf(path, sizeof(path), "%s%s", root, dir);
	mkdir(path, 0755);
	if (!procs)
		return;		/* a cgroup whose cgroup.procs cannot be read */
	/* dir is "" or "/NAME...": relative to root, "NAME.../cgroup.procs" */
	snprintf(path, sizeof(path), "%s%scgroup.procs", *dir ? dir + 1 : "", *dir ? "/" : "");
	unit_put_file(root, path, procs);
}

static int cmp_pid(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}

static void test_tree(void)
{
	static const pid_t want[] = { 10, 11, 20, 30, 31 };
	struct hf_pids p = { 0 };
	char path[256];
	int err;

	put("", "10\n11\n");
	put("/a", "20\n");
	put("/a/deep", "30\n31\n");
	put("/b", "");
	err = hf_cgroup_pids(root, &p);
	CHECK("cgroup_pids_one_level", !err && p.n == 2, "err %d, %d pids", err, p.n);
	p.n = 0;
	err = hf_cgroup_pids_tree(root, &p);
	qsort(p.pid, p.n, sizeof(*p.pid), cmp_pid);
	CHECK("cgroup_pids_tree", !err && p.n == 5 && !memcmp(p.pid, want, sizeof(want)),
	      "err %d, %d pids", err, p.n);
	/* a cgroup without cgroup.procs (removed meanwhile) adds none */
	put("/b/removed", NULL);
	p.n = 0;
	err = hf_cgroup_pids_tree(root, &p);
	CHECK("cgroup_pids_tree_skips_removed", !err && p.n == 5, "err %d, %d pids",
	      err, p.n);
	p.n = 0;
	snprintf(path, sizeof(path), "%s/gone", root);
	err = hf_cgroup_pids_tree(path, &p);
	CHECK("cgroup_pids_tree_of_removed", !err && !p.n, "err %d, %d pids", err, p.n);
	free(p.pid);
}

int main(void)
{
	unit_mkdtemp(root);
	test_tree();
	if (unit_rmtree(root))
		return 1;
	return UNIT_EXIT();
}
