/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counting perf events over every thread of a process: one counter per
 * event and thread listed in /proc/PID/task, each with inherit so the
 * threads and children they start later are counted too (read() of a
 * counter includes its inherited children). A command held before exec
 * (helpers.h) is counted from its exec with all its descendants.
 *
 * Threads that an uncounted thread starts between the listing and the
 * last perf_event_open are missed: a window of microseconds at start.
 */
#ifndef HF_MMUCOST_COUNTERS_H
#define HF_MMUCOST_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "cli.h"
#include "pmu.h"

struct hf_pc_proc {
	pid_t pid;
	char comm[16];
	pid_t *tid;
	int ntid;
	int nev;
	int *fd;		/* fd[e * ntid + t]; -1 for a thread that ended first */
	uint64_t *total;	/* per event: since the start, at the last sample */
};

/*
 * Open nev events for every thread of pid (command: pid is a held child,
 * counted from its exec). Returns 0 or -errno; on failure *bad_event and
 * *bad_tid name the counter that failed (-1 when it was not an open).
 */
int hf_pc_open(struct hf_pc_proc *p, pid_t pid, const struct perf_event_attr *attr, int nev,
	       bool command, int *bad_event, pid_t *bad_tid);

/* Read every counter (scaled for multiplexing); delta[e]: since the last call. */
void hf_pc_sample(struct hf_pc_proc *p, uint64_t *delta);

/* Re-read the name (it changes at exec; a zombie still has it). */
void hf_pc_update_comm(struct hf_pc_proc *p);

void hf_pc_close(struct hf_pc_proc *p);

/* The processes counted together: each -p PID, or one command held before exec. */
struct hf_pc_set {
	struct hf_pc_proc *proc;
	int nproc;
	pid_t child;		/* > 0: the command we started */
	int go_pipe;		/* holds the command before its exec; -1 once let go */
	int child_status;	/* its wait status once reaped */
	bool child_done;
};

#define HF_PC_SET_INIT { .go_pipe = -1 }

/* Start argv held before its exec (helpers.h). 0 or -errno. */
int hf_pc_set_command(struct hf_pc_set *s, char **argv);

/*
 * Open the events for the command, or else for each of pids. 0, or -errno
 * with the process, event and thread that failed (hf_pc_open).
 */
int hf_pc_set_open(struct hf_pc_set *s, const struct hf_pids *pids,
		   const struct perf_event_attr *attr, int nev, pid_t *bad_pid,
		   int *bad_event, pid_t *bad_tid);

/* Close what hf_pc_set_open() opened, to open again (the command stays). */
void hf_pc_set_reset(struct hf_pc_set *s);

/* Let the command exec: counting starts there. */
void hf_pc_set_go(struct hf_pc_set *s);

/* Is any process left? Re-reads the names, then reaps the command if it ended. */
bool hf_pc_set_alive(struct hf_pc_set *s);

/*
 * Close the counters; end (SIGTERM) and reap the command if it still runs.
 * Returns the command's status as a shell gives it (128 + N for signal N),
 * or -1 without a command.
 */
int hf_pc_set_close(struct hf_pc_set *s);

#endif
