/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's per-task delay accounting (taskstats over generic netlink):
 * how long tasks waited for swap-ins. Counted only while the sysctl
 * kernel.task_delayacct is 1 (or with the "delayacct" boot option); the
 * commands need CAP_NET_ADMIN. See the kernel's
 * Documentation/accounting/taskstats.rst and delay-accounting.rst.
 *
 * Two ways to read it, used together:
 *  - a query (TASKSTATS_CMD_ATTR_TGID / _PID) for a process that still
 *    exists: hf_taskstats_query();
 *  - exit notifications (TASKSTATS_CMD_ATTR_REGISTER_CPUMASK for every
 *    possible CPU): the kernel sends the stats of every task as it exits,
 *    and of its thread group when the group's last thread exits, to a
 *    registered socket: hf_taskstats_listen() and hf_taskstats_drain().
 */
#ifndef HF_FBTRACE_TASKSTATS_H
#define HF_FBTRACE_TASKSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Swap-in waits of a task or thread group. */
struct hf_delay {
	uint64_t count;		/* swap-ins waited for (swapin_count) */
	uint64_t total_ns;	/* time waited (swapin_delay_total) */
};

/* What one statistics record of a netlink message is about. */
enum hf_taskstats_kind {
	HF_TASKSTATS_PID,	/* one task (a thread); tgid is its process if known */
	HF_TASKSTATS_TGID,	/* a whole thread group */
};

/* Called for each record: id is the pid or tgid, tgid 0 when unknown. */
typedef void (*hf_taskstats_cb)(void *ctx, enum hf_taskstats_kind kind, uint32_t id,
				uint32_t tgid, const struct hf_delay *d);

struct hf_taskstats;

/*
 * Is delay accounting on? 1, 0, or -errno when the sysctl
 * /proc/sys/kernel/task_delayacct is missing (kernels before 5.14, where
 * it is on unless booted with nodelayacct).
 */
int hf_delayacct_enabled(void);

/*
 * Open the netlink sockets and look up the TASKSTATS family. 0, or -errno:
 * -ENOENT when the kernel has no taskstats (CONFIG_TASKSTATS=n).
 */
int hf_taskstats_open(struct hf_taskstats **ts);
void hf_taskstats_close(struct hf_taskstats *ts);

/*
 * The delays of process tgid (thread group) or of task pid. 0, or -errno:
 * -ESRCH when there is no such task, -EPERM without CAP_NET_ADMIN.
 */
int hf_taskstats_query(struct hf_taskstats *ts, enum hf_taskstats_kind kind, uint32_t id,
		       struct hf_delay *d);

/*
 * Ask for exit notifications from every possible CPU. 0 or -errno
 * (-EINVAL outside the initial user and PID namespaces).
 */
int hf_taskstats_listen(struct hf_taskstats *ts);
/*
 * Read the exit notifications received so far, without blocking, and call
 * cb for each record. Returns how many records, or -errno. Notifications
 * the socket had no room for are counted in hf_taskstats_lost().
 */
int hf_taskstats_drain(struct hf_taskstats *ts, hf_taskstats_cb cb, void *ctx);
uint64_t hf_taskstats_lost(const struct hf_taskstats *ts);

/*
 * Parse one TASKSTATS_CMD_NEW netlink message (buf holds len bytes of
 * nlmsghdr, genlmsghdr and attributes) and call cb for each record.
 * Returns how many records, or -EINVAL for a malformed message, or the
 * negative error of an NLMSG_ERROR message. For the tests.
 */
int hf_taskstats_parse(const void *buf, size_t len, uint16_t family, hf_taskstats_cb cb,
		       void *ctx);

#endif
