/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers every tool shares, in the manner of libbpf-tools'
 * trace_helpers: time and sleeping, stop signals, growable arrays, and a
 * child command held before its exec, watched and reaped.
 */
#ifndef HF_HELPERS_H
#define HF_HELPERS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "clock.h"

/* ---- time ---- */

/*
 * Sleep s seconds, or until the absolute CLOCK_MONOTONIC deadline_ns;
 * cut short when *stop is set by a signal (stop may be NULL). Return
 * false when stopped.
 */
bool hf_sleep_s(double s, volatile sig_atomic_t *stop);
bool hf_sleep_until(uint64_t deadline_ns, volatile sig_atomic_t *stop);

/* part / whole, 0 for an empty whole: accuracy, coverage, hit rates. */
static inline double hf_ratio(uint64_t part, uint64_t whole)
{
	return whole ? (double)part / whole : 0;
}

/* ---- input ---- */

/* Lines longer than this are refused by every reader of a pipe document. */
#define HF_LINE_MAX 65536

/*
 * Read one line (without its newline) into *line, growing *cap but never
 * beyond max bytes: the length, -1 at the end of input, -E2BIG for a line
 * longer than max (so /dev/zero cannot grow the reader without bound), or
 * -errno on a read error.
 */
ssize_t hf_getline_max(char **line, size_t *cap, FILE *f, size_t max);

/* ---- stop signals ---- */

/*
 * SIGINT, SIGTERM and SIGHUP count into hf_stop instead of killing the
 * process, so loops end cleanly and print what they counted. SA_RESTART:
 * reads and writes go on; sleeps and polls return early.
 */
extern volatile sig_atomic_t hf_stop;
extern volatile sig_atomic_t hf_stop_signal;	/* the last one caught */
void hf_catch_stop_signals(void);

/* ---- growable arrays ---- */

/*
 * Make room for need elements of size elem in *arrp (a pointer to the
 * array pointer), doubling its capacity *cap. 0 or -ENOMEM (the array is
 * left as it was).
 */
int hf_grow(void *arrp, size_t *cap, size_t need, size_t elem);
#define HF_GROW(arr, cap, need) hf_grow(&(arr), &(cap), (need), sizeof(*(arr)))

/* ---- child processes ---- */

/*
 * Fork argv[0] (searched in PATH), held on a pipe. Returns 0 with *pid and
 * *go set, or -errno. If *go is closed without hf_spawn_release(), the
 * child exits 127 without running the command.
 */
int hf_spawn_held(char **argv, pid_t *pid, int *go);
/* Let the command exec; closes *go and sets it to -1. */
void hf_spawn_release(int *go);
/* Reap child if it has exited (*status set); true once it has. */
bool hf_child_exited(pid_t child, int *status);
/* True while pid exists (a zombie still does; EPERM still does). */
bool hf_pid_alive(pid_t pid);
/* A waitpid() status as a shell reports it: the code, or 128 + signal. */
int hf_exit_status_of(int status);

#endif
