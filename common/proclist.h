/* SPDX-License-Identifier: GPL-2.0 */
/* Lists of processes and threads from /proc (rooted at $HAWKFETCH_SYSROOT). */
#ifndef HF_PROCLIST_H
#define HF_PROCLIST_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include "cli.h"

struct json_object;

/*
 * Append the PID of every process in /proc (thread-group leaders only,
 * in numeric order) to list. Returns 0 or -errno.
 */
int hf_proc_list_tgids(struct hf_pids *list);

/* Append the thread IDs of process pid (/proc/PID/task). 0, -ENOENT or -errno. */
int hf_proc_list_tasks(pid_t pid, struct hf_pids *list);

/*
 * A process name (comm, at most 15 bytes) as JSON and the columns show it:
 * valid UTF-8 as is; every byte not part of valid UTF-8, the control bytes
 * (below 0x20, 0x7f) and '\\' as '\\' and three octal digits, as fbtrace's
 * text records do (0xff 0xfe: "\\377\\376"). The result is valid UTF-8,
 * so JSON readers accept it. buf holds HF_COMM_ESC_LEN bytes; returns the
 * width in characters.
 */
#define HF_COMM_ESC_LEN (16 * 4 + 1)
size_t hf_proc_comm_escape(const char *comm, char buf[HF_COMM_ESC_LEN]);
/* Would hf_proc_comm_escape() change this comm? */
bool hf_proc_comm_needs_escape(const char *comm);
/* o["comm"] = the escaped comm. */
void hf_json_set_comm(struct json_object *o, const char *comm);
/* The escaped comm padded to width characters (not bytes), left-aligned. */
void hf_print_comm(FILE *out, const char *comm, int width);
/* The same in buf, for a printf "%s" (width at most 16). */
#define HF_COMM_PAD_LEN (HF_COMM_ESC_LEN + 16)
const char *hf_comm_pad(const char *comm, int width, char buf[HF_COMM_PAD_LEN]);

#endif
