/* SPDX-License-Identifier: GPL-2.0 */
/* Lists of processes and threads from /proc (rooted at $HAWKFETCH_SYSROOT). */
#ifndef HF_PROCLIST_H
#define HF_PROCLIST_H

#include <sys/types.h>
#include "cli.h"

/*
 * Append the PID of every process in /proc (thread-group leaders only,
 * in numeric order) to list. Returns 0 or -errno.
 */
int hf_proc_list_tgids(struct hf_pids *list);

/* Append the thread IDs of process pid (/proc/PID/task). 0, -ENOENT or -errno. */
int hf_proc_list_tasks(pid_t pid, struct hf_pids *list);

#endif
