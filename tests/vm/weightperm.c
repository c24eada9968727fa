// SPDX-License-Identifier: GPL-2.0
/*
 * weightperm: who may write /proc/PID/khugepaged_weight (kernel-patches
 * 0013, issue 18 item 17), one line per case, run as root in the guest:
 *
 *   case NAME rc=0|ERRNO weight=W
 *
 * rc is what opening the weight for writing (and writing 7) gave, W the
 * weight read back afterwards by root. Cases:
 *   root-nonice      root without CAP_SYS_NICE, a root process: EPERM
 *   nice-other-uid   uid 1000 with only CAP_SYS_NICE, a uid 2000 process: 0
 *   nocap-own        uid 1000 without capabilities, its own uid's process: EPERM
 *   read-other-uid   uid 1000 with only CAP_SYS_NICE reads (O_RDONLY) a uid
 *                    2000 process's weight: EACCES (reading needs ptrace access)
 *   userns-inside    root of a user namespace made by uid 1000, a process in
 *                    that namespace: 0 (CAP_SYS_NICE in the target's namespace)
 *   userns-outside   the same namespace root, a uid 2000 process outside: EPERM
 *   exec-resets      root writes 9, the process then execs: weight=1
 *   fork-child       root writes 9 to a process, which then forks: the
 *                    child's weight=1 (the parent's stays 9: weight2=)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define CAP_NICE 23

static int set_caps(unsigned int mask)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { mask, mask, 0 }, { 0, 0, 0 } };

	return syscall(SYS_capset, &h, d);
}

/* A process of @uid that sleeps until killed */
static pid_t sleeper(uid_t uid)
{
	pid_t p = fork();

	if (p == 0) {
		if (setresuid(uid, uid, uid))
			_exit(1);
		for (;;)
			pause();
	}
	usleep(100000);
	return p;
}

static int weight_of(pid_t pid)
{
	char path[64], buf[32] = "";
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/khugepaged_weight", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -EIO;
}

/* Open @pid's weight with @flags and write @text when writable: 0 or an errno */
static int try_weight(pid_t pid, int flags, const char *text)
{
	char path[64];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/khugepaged_weight", pid);
	fd = open(path, flags);
	if (fd < 0)
		return errno;
	if (flags != O_RDONLY && write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		err = errno;
	close(fd);
	return err;
}

/* Run @fn in a child as @uid keeping @caps; its exit status is the errno */
static int as_user(uid_t uid, unsigned int caps, int (*fn)(pid_t), pid_t arg)
{
	pid_t p = fork();
	int st;

	if (p == 0) {
		if (uid && (prctl(PR_SET_KEEPCAPS, 1) ||
			    setresuid(uid, uid, uid)))
			_exit(250);
		if (set_caps(caps))
			_exit(251);
		_exit(fn(arg));
	}
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 252;
}

static int write_it(pid_t pid) { return try_weight(pid, O_WRONLY, "7\n"); }
static int read_it(pid_t pid) { return try_weight(pid, O_RDONLY, NULL); }

static const char *errname(int e)
{
	static char num[16];

	switch (e) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ESRCH: return "ESRCH";
	case EINVAL: return "EINVAL";
	}
	snprintf(num, sizeof(num), "%d", e);
	return num;
}

static void report(const char *name, int rc, pid_t pid)
{
	printf("case %s rc=%s weight=%d\n", name, errname(rc), weight_of(pid));
	fflush(stdout);
}

/*
 * In a new user namespace (made by uid 1000, mapped to its root): fork a
 * process there and write its weight, then write @outside's; the errnos
 * come back through a pipe.
 */
static void userns_cases(pid_t outside)
{
	int fds[2], res[3] = { -1, -1, 0 };
	pid_t p;

	if (pipe(fds))
		return;
	p = fork();
	if (p == 0) {
		char map[32];
		int fd;
		pid_t in;

		close(fds[0]);
		/*
		 * Dumpable again after the uid change, so that /proc/self/
		 * uid_map is ours to write and the process inside is ours.
		 */
		if (setresuid(1000, 1000, 1000) ||
		    prctl(PR_SET_DUMPABLE, 1) || unshare(CLONE_NEWUSER)) {
			res[0] = res[1] = errno;
			goto out;
		}
		fd = open("/proc/self/uid_map", O_WRONLY);
		snprintf(map, sizeof(map), "0 1000 1\n");
		if (fd < 0 || write(fd, map, strlen(map)) < 0) {
			res[0] = res[1] = errno;
			goto out;
		}
		close(fd);
		in = fork();
		if (in == 0) {
			for (;;)
				pause();
		}
		usleep(100000);
		res[0] = write_it(in);
		res[1] = write_it(outside);
		res[2] = in;
out:
		if (write(fds[1], res, sizeof(res)) != sizeof(res))
			_exit(1);
		/* keep the inside process alive until the parent has read it */
		usleep(300000);
		if (res[2] > 0)
			kill(res[2], SIGKILL);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], res, sizeof(res)) != sizeof(res))
		res[0] = res[1] = EIO;
	report("userns-inside", res[0], res[2] > 0 ? res[2] : 0);
	report("userns-outside", res[1], outside);
	waitpid(p, NULL, 0);
}

int main(void)
{
	pid_t root_p = sleeper(0), p2000 = sleeper(2000), p1000 = sleeper(1000);
	int fds[2], st;
	pid_t p;

	report("root-nonice", as_user(0, ~(1U << CAP_NICE), write_it, root_p),
	       root_p);
	report("nice-other-uid", as_user(1000, 1U << CAP_NICE, write_it, p2000),
	       p2000);
	report("nocap-own", as_user(1000, 0, write_it, p1000), p1000);
	report("read-other-uid", as_user(1000, 1U << CAP_NICE, read_it, p2000),
	       p2000);
	userns_cases(p2000);

	/* exec-resets: weight 9, then the process execs */
	if (pipe(fds))
		return 1;
	p = fork();
	if (p == 0) {
		char c;

		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(1);
		execlp("sleep", "sleep", "1000", (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	usleep(100000);
	if ((st = try_weight(p, O_WRONLY, "9\n")))
		fprintf(stderr, "weightperm: write 9: %s\n", strerror(st));
	printf("exec-before weight=%d\n", weight_of(p));
	if (write(fds[1], "x", 1) != 1)
		return 1;
	usleep(300000);
	report("exec-resets", 0, p);
	kill(p, SIGKILL);
	waitpid(p, &st, 0);

	/* fork-child: weight 9 on a process, which then forks */
	if (pipe(fds))
		return 1;
	p = fork();
	if (p == 0) {
		char c;
		pid_t c2;

		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(1);
		c2 = fork();
		if (c2 == 0) {
			for (;;)
				pause();
		}
		printf("fork-child-pid %d\n", c2);
		fflush(stdout);
		usleep(300000);
		printf("case fork-child rc=0 weight=%d weight2=%d\n",
		       weight_of(c2), weight_of(getpid()));
		fflush(stdout);
		kill(c2, SIGKILL);
		_exit(0);
	}
	close(fds[0]);
	usleep(100000);
	if ((st = try_weight(p, O_WRONLY, "9\n")))
		fprintf(stderr, "weightperm: write 9: %s\n", strerror(st));
	if (write(fds[1], "x", 1) != 1)
		return 1;
	waitpid(p, &st, 0);

	kill(root_p, SIGKILL);
	kill(p2000, SIGKILL);
	kill(p1000, SIGKILL);
	while (wait(NULL) > 0)
		;
	printf("weightperm-done\n");
	return 0;
}
