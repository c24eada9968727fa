// SPDX-License-Identifier: GPL-2.0
/* /proc and /sys readers against the fixture tree in tests/fixtures/sysroot. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "procfs.h"
#include "unit.h"

static void task(void)
{
	struct proc_task t;
	int err = hf_proc_task_read(4242, &t);

	CHECK("procfs_task_stat_and_status", !err && t.tgid == 4240 && t.ppid == 1 &&
	      !strcmp(t.comm, "my (odd) comm") && t.minflt == 1234 && t.majflt == 56 &&
	      !t.kthread, "err %d tgid %d ppid %d comm '%s' minflt %llu majflt %llu",
	      err, t.tgid, t.ppid, t.comm, (unsigned long long)t.minflt,
	      (unsigned long long)t.majflt);
	err = hf_proc_task_read(2, &t);
	CHECK("procfs_kernel_thread", !err && t.kthread, "err %d kthread %d", err, t.kthread);
	err = hf_proc_task_read(999, &t);
	CHECK("procfs_missing_pid", err == -ENOENT &&
	      !strcmp(hf_proc_task_strerror(err), "no such process"), "err %d", err);
}

static void cpus(void)
{
	static const int want[] = { 0, 1, 2, 3, 8, 10, 11 };
	int *cpu, n, err = hf_sys_online_cpus(&cpu, &n);

	CHECK("procfs_online_cpus", !err && n == 7 && !memcmp(cpu, want, sizeof(want)),
	      "err %d n %d", err, n);
	if (!err)
		free(cpu);
	static const char *const bad[] = { "1-", "3-1", "a", "1,,2", "-1", "0-70000" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char name[64];

		snprintf(name, sizeof(name), "procfs_cpu_list_rejects_'%s'", bad[i]);
		err = hf_parse_cpu_list(bad[i], &cpu, &n);
		CHECK(name, err == -EINVAL, "err %d", err);
	}
}

int main(void)
{
	setenv("HAWKFETCH_SYSROOT", "tests/fixtures/sysroot", 1);
	task();
	cpus();
	return UNIT_EXIT();
}
