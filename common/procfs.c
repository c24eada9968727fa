// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "procfs.h"

#define PF_KTHREAD 0x00200000

const char *hf_path(char *buf, size_t len, const char *fmt, ...)
{
	const char *root = getenv("HAWKFETCH_SYSROOT");
	va_list ap;
	int n;

	if (!root || !strcmp(root, "/"))
		root = "";
	n = snprintf(buf, len, "%s", root);
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	return buf;
}

ssize_t hf_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0, total = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)total < len - 1 &&
	       (n = read(fd, buf + total, len - 1 - total)) > 0)
		total += n;
	if (n < 0 && !total) {
		int err = errno;

		close(fd);
		return -err;
	}
	close(fd);
	buf[total] = '\0';
	return total;
}

/*
 * /proc/PID/stat: "pid (comm) state ppid ... flags minflt cminflt majflt".
 * comm may hold spaces and parentheses, so parse from the last ')'.
 */
static int parse_stat(char *buf, struct proc_task *task)
{
	char *open = strchr(buf, '('), *close = strrchr(buf, ')');
	unsigned long long minflt, majflt;
	unsigned int flags;
	int ppid;
	char state;

	if (!open || !close || close < open)
		return -EINVAL;
	size_t len = close - open - 1;
	if (len >= sizeof(task->comm))
		len = sizeof(task->comm) - 1;
	memcpy(task->comm, open + 1, len);
	task->comm[len] = '\0';
	if (sscanf(close + 1, " %c %d %*d %*d %*d %*d %u %llu %*u %llu",
		   &state, &ppid, &flags, &minflt, &majflt) != 5)
		return -EINVAL;
	task->ppid = ppid;
	task->kthread = flags & PF_KTHREAD;
	task->minflt = minflt;
	task->majflt = majflt;
	return 0;
}

static int parse_tgid(const char *status, pid_t *tgid)
{
	const char *line = strstr(status, "\nTgid:");

	if (!line || sscanf(line + 6, "%d", tgid) != 1)
		return -EINVAL;
	return 0;
}

int hf_proc_task_read(pid_t pid, struct proc_task *task)
{
	char path[512], buf[4096];
	ssize_t n;
	int err;

	memset(task, 0, sizeof(*task));
	task->pid = pid;
	n = hf_read_file(hf_path(path, sizeof(path), "/proc/%d/stat", pid), buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT || n == -ESRCH ? -ENOENT : n;
	err = parse_stat(buf, task);
	if (err)
		return err;
	n = hf_read_file(hf_path(path, sizeof(path), "/proc/%d/status", pid), buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT || n == -ESRCH ? -ENOENT : n;
	return parse_tgid(buf, &task->tgid);
}

int hf_proc_comm_read(pid_t pid, char comm[16])
{
	struct proc_task task;
	int err = hf_proc_task_read(pid, &task);

	if (!err)
		memcpy(comm, task.comm, sizeof(task.comm));
	return err;
}

const char *hf_proc_task_strerror(int err)
{
	switch (err) {
	case -ENOENT:
		return "no such process";
	case -EACCES:
	case -EPERM:
		return "permission denied reading /proc";
	case -EINVAL:
		return "unparsable /proc entry";
	default:
		return strerror(-err);
	}
}

bool hf_proc_self_in_nested_pidns(void)
{
	struct stat st;

	/* The initial PID namespace has a fixed inode (PROC_PID_INIT_INO). */
	return stat("/proc/self/ns/pid", &st) == 0 && st.st_ino != 0xEFFFFFFCU;
}

int hf_parse_cpu_list(const char *s, int **cpus, int *ncpus)
{
	int *list = NULL, n = 0;

	while (*s && *s != '\n') {
		char *end;
		long a = strtol(s, &end, 10), b = a;

		if (end == s || a < 0)
			goto bad;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s || b < a)
				goto bad;
		}
		if (b > 65535)
			goto bad;
		list = realloc(list, (n + b - a + 1) * sizeof(*list));
		if (!list)
			return -ENOMEM;
		for (long c = a; c <= b; c++)
			list[n++] = c;
		s = end;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			goto bad;
	}
	*cpus = list;
	*ncpus = n;
	return 0;
bad:
	free(list);
	return -EINVAL;
}

int hf_sys_online_cpus(int **cpus, int *ncpus)
{
	char path[512], buf[1024];
	ssize_t n = hf_read_file(hf_path(path, sizeof(path),
					 "/sys/devices/system/cpu/online"), buf, sizeof(buf));

	if (n < 0)
		return n;
	return hf_parse_cpu_list(buf, cpus, ncpus);
}

int hf_kernel_cmdline_param(const char *name, char *out, size_t len)
{
	char path[512], buf[4096], *save, *tok;
	size_t nlen = strlen(name);
	ssize_t n = hf_read_file(hf_path(path, sizeof(path), "/proc/cmdline"), buf, sizeof(buf));
	int err = -ENOENT;

	if (n < 0)
		return n;
	for (tok = strtok_r(buf, " \t\n", &save); tok && strcmp(tok, "--");
	     tok = strtok_r(NULL, " \t\n", &save)) {
		if (!strncmp(tok, name, nlen) && tok[nlen] == '=') {
			snprintf(out, len, "%s", tok + nlen + 1);
			err = 0;
		}
	}
	return err;
}

int hf_vmstat_read(const char *const *names, uint64_t *values, int n)
{
	char path[512], line[256];
	int found = 0;
	FILE *f = fopen(hf_path(path, sizeof(path), "/proc/vmstat"), "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char name[128];
		unsigned long long v;

		if (sscanf(line, "%127s %llu", name, &v) != 2)
			continue;
		for (int i = 0; i < n; i++)
			if (!strcmp(name, names[i])) {
				values[i] = v;
				found++;
			}
	}
	fclose(f);
	return found;
}

bool hf_proc_zombie(pid_t pid)
{
	char path[512], line[256], state = 0;
	int threads = 0;
	FILE *f = fopen(hf_path(path, sizeof(path), "/proc/%d/status", pid), "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "State:", 6))
			sscanf(line + 6, " %c", &state);
		else if (!strncmp(line, "Threads:", 8))
			threads = atoi(line + 8);
	}
	fclose(f);
	return (state == 'Z' || state == 'X') && threads <= 1;
}
