// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "procfs.h"
#include "proclist.h"

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* Append the numeric entries of a /proc directory to list, sorted. */
static int list_numeric(const char *path, struct hf_pids *list)
{
	struct dirent *d;
	int first = list->n;
	DIR *dir = opendir(path);

	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		uint64_t pid;

		if (!hf_parse_u64(d->d_name, 10, &pid) && pid > 0 && pid <= INT32_MAX)
			hf_pids_add(list, (pid_t)pid);
	}
	closedir(dir);
	qsort(list->pid + first, list->n - first, sizeof(*list->pid), cmp_pid);
	return 0;
}

int hf_proc_list_tgids(struct hf_pids *list)
{
	char path[512];

	return list_numeric(hf_path(path, sizeof(path), "/proc"), list);
}

int hf_proc_list_tasks(pid_t pid, struct hf_pids *list)
{
	char path[512];
	int err = list_numeric(hf_path(path, sizeof(path), "/proc/%d/task", pid), list);

	return err == -ESRCH ? -ENOENT : err;
}
