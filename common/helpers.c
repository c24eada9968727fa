// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include "helpers.h"

/* ---- time ---- */

bool hf_sleep_until(uint64_t deadline_ns, volatile sig_atomic_t *stop)
{
	struct timespec ts = { deadline_ns / 1000000000ULL, deadline_ns % 1000000000ULL };

	while (!(stop && *stop) &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	return !(stop && *stop);
}

bool hf_sleep_s(double s, volatile sig_atomic_t *stop)
{
	return hf_sleep_until(hf_now_ns() + (uint64_t)(s * 1e9), stop);
}

/* ---- stop signals ---- */

volatile sig_atomic_t hf_stop, hf_stop_signal;

static void on_stop_signal(int sig)
{
	hf_stop_signal = sig;
	hf_stop++;
}

void hf_catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* ---- growable arrays ---- */

int hf_grow(void *arrp, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 8;
	void *old, *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	memcpy(&old, arrp, sizeof(old));	/* arrp points at any T * */
	p = realloc(old, n * elem);
	if (!p)
		return -ENOMEM;
	memcpy(arrp, &p, sizeof(p));
	*cap = n;
	return 0;
}

/* ---- child processes ---- */

int hf_spawn_held(char **argv, pid_t *pid, int *go)
{
	int fds[2];
	char c;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	*pid = fork();
	if (*pid < 0) {
		int err = -errno;

		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (*pid == 0) {
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(127);	/* the caller gave up before releasing us */
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, argv[0],
			strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	*go = fds[1];
	return 0;
}

void hf_spawn_release(int *go)
{
	if (*go < 0)
		return;
	if (write(*go, "g", 1) != 1)
		perror("releasing the command");
	close(*go);
	*go = -1;
}

bool hf_child_exited(pid_t child, int *status)
{
	return child > 0 && waitpid(child, status, WNOHANG) == child;
}

bool hf_pid_alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno != ESRCH;
}

int hf_exit_status_of(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

ssize_t hf_getline_max(char **line, size_t *cap, FILE *f, size_t max)
{
	size_t n = 0;
	int c;

	errno = 0;
	while ((c = getc_unlocked(f)) != EOF && c != '\n') {
		if (n == max)
			return -E2BIG;
		if (n + 1 >= *cap) {
			size_t want = *cap ? *cap * 2 : 256;
			char *p;

			if (want > max + 1)
				want = max + 1;
			if (!(p = realloc(*line, want)))
				return -ENOMEM;
			*line = p;
			*cap = want;
		}
		(*line)[n++] = c;
	}
	if (c == EOF && ferror(f))
		return errno ? -errno : -EIO;
	if (c == EOF && !n)
		return -1;
	if (!*line && !(*line = calloc(1, *cap = 1)))
		return -ENOMEM;
	(*line)[n] = '\0';
	return n;
}
