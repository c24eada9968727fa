// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "counters.h"
#include "procfs.h"
#include "proclist.h"
#include "helpers.h"

static int perf_open(const struct perf_event_attr *tmpl, pid_t tid, bool command)
{
	struct perf_event_attr attr = *tmpl;

	attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	attr.inherit = 1;		/* threads and children started from now on */
	attr.enable_on_exec = command;	/* a command: count from its exec */
	attr.disabled = command;
	return syscall(SYS_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

/* The threads to open: a held command is one task; a process, all of /proc/PID/task. */
static int list_threads(struct hf_pc_proc *p, bool command)
{
	struct hf_pids tids = { 0 };
	struct proc_task task;
	int err = hf_proc_task_read(p->pid, &task);

	if (!err) {
		memcpy(p->comm, task.comm, sizeof(p->comm));
		if (command)
			hf_pids_add(&tids, p->pid);
		else
			err = hf_proc_list_tasks(task.tgid, &tids);
	}
	p->tid = tids.pid;
	p->ntid = tids.n;
	return err;
}

int hf_pc_open(struct hf_pc_proc *p, pid_t pid, const struct perf_event_attr *attr, int nev,
	       bool command, int *bad_event, pid_t *bad_tid)
{
	int err;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->nev = nev;
	*bad_event = -1;
	*bad_tid = pid;
	if ((err = list_threads(p, command)))
		return err;
	p->fd = malloc((size_t)nev * p->ntid * sizeof(*p->fd) + 1);
	p->total = calloc(nev, sizeof(*p->total));
	if (!p->fd || !p->total)
		return -ENOMEM;
	for (int i = 0; i < nev * p->ntid; i++)
		p->fd[i] = -1;
	for (int e = 0; e < nev; e++)
		for (int t = 0; t < p->ntid; t++) {
			int fd = perf_open(&attr[e], p->tid[t], command);

			if (fd < 0 && errno != ESRCH) {	/* ESRCH: the thread ended */
				*bad_event = e;
				*bad_tid = p->tid[t];
				return -errno;
			}
			p->fd[e * p->ntid + t] = fd;
		}
	return 0;
}

/* Scaled count of one counter (corrected for multiplexing); 0 if unreadable. */
static uint64_t read_scaled(int fd)
{
	uint64_t v[3];

	if (fd < 0 || read(fd, v, sizeof(v)) != sizeof(v) || !v[2])
		return 0;
	return v[1] == v[2] ? v[0] : (uint64_t)((double)v[0] * v[1] / v[2]);
}

void hf_pc_update_comm(struct hf_pc_proc *p)
{
	struct proc_task task;

	if (!hf_proc_task_read(p->pid, &task))
		memcpy(p->comm, task.comm, sizeof(p->comm));
}

void hf_pc_sample(struct hf_pc_proc *p, uint64_t *delta)
{
	for (int e = 0; e < p->nev; e++) {
		uint64_t now = 0;

		for (int t = 0; t < p->ntid; t++)
			now += read_scaled(p->fd[e * p->ntid + t]);
		delta[e] = now - p->total[e];
		p->total[e] = now;
	}
}

void hf_pc_close(struct hf_pc_proc *p)
{
	for (int i = 0; p->fd && i < p->nev * p->ntid; i++)
		if (p->fd[i] >= 0)
			close(p->fd[i]);
	free(p->fd);
	free(p->tid);
	free(p->total);
	memset(p, 0, sizeof(*p));
}

int hf_pc_set_command(struct hf_pc_set *s, char **argv)
{
	return hf_spawn_held(argv, &s->child, &s->go_pipe);
}

int hf_pc_set_open(struct hf_pc_set *s, const struct hf_pids *pids,
		   const struct perf_event_attr *attr, int nev, pid_t *bad_pid,
		   int *bad_event, pid_t *bad_tid)
{
	const struct hf_pids one = { &s->child, 1, 1 };

	if (s->child > 0)
		pids = &one;
	s->proc = calloc(pids->n, sizeof(*s->proc));
	if (!s->proc)
		return -ENOMEM;
	for (int i = 0; i < pids->n; i++) {
		int err;

		s->nproc++;
		err = hf_pc_open(&s->proc[i], pids->pid[i], attr, nev, s->child > 0, bad_event,
				 bad_tid);
		if (err) {
			*bad_pid = pids->pid[i];
			return err;
		}
	}
	return 0;
}

void hf_pc_set_reset(struct hf_pc_set *s)
{
	for (int i = 0; i < s->nproc; i++)
		hf_pc_close(&s->proc[i]);
	free(s->proc);
	s->proc = NULL;
	s->nproc = 0;
}

void hf_pc_set_go(struct hf_pc_set *s)
{
	hf_spawn_release(&s->go_pipe);
}

bool hf_pc_set_alive(struct hf_pc_set *s)
{
	for (int i = 0; i < s->nproc; i++)
		hf_pc_update_comm(&s->proc[i]);	/* a zombie still has its name */
	if (s->child > 0) {
		if (!s->child_done && hf_child_exited(s->child, &s->child_status))
			s->child_done = true;
		return !s->child_done;
	}
	for (int i = 0; i < s->nproc; i++)
		if (hf_pid_alive(s->proc[i].pid))
			return true;
	return false;
}

int hf_pc_set_close(struct hf_pc_set *s)
{
	if (s->go_pipe >= 0)
		close(s->go_pipe);	/* never let go: the command exits 127 unrun */
	s->go_pipe = -1;
	for (int i = 0; i < s->nproc; i++)
		hf_pc_close(&s->proc[i]);
	free(s->proc);
	s->proc = NULL;
	s->nproc = 0;
	if (s->child <= 0)
		return -1;
	if (!s->child_done) {
		kill(s->child, SIGTERM);
		waitpid(s->child, &s->child_status, 0);
		s->child_done = true;
	}
	return hf_exit_status_of(s->child_status);
}
