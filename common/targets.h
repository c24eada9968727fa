/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The process selection of the per-process reporting tools (hpbloat,
 * hpcov): -p/--pid PID (repeatable) or -A/--all (where the tool sets
 * default_all, also what no -p means), and -t/--top N rows.
 * Include HF_TARGETS_CHILD in the argp children; the values land in
 * hf_targets.
 */
#ifndef HF_TARGETS_H
#define HF_TARGETS_H

#include <argp.h>
#include <stdbool.h>
#include "cli.h"

struct hf_targets {
	struct hf_pids pids;
	bool all;
	unsigned int top;	/* 0: every row */
	bool pids_optional;	/* set by the tool: processes may come from a file */
	bool default_all;	/* set by the tool: no -p means --all */
};
extern struct hf_targets hf_targets;

extern const struct argp hf_targets_argp;
#define HF_TARGETS_CHILD { &hf_targets_argp, 0, "Processes:", 2 }

/* With --all, fill hf_targets.pids from /proc. 0 or -errno. */
int hf_targets_expand(void);

/*
 * Why pid cannot be measured though it exists: a kernel thread ("pid 2
 * (kthreadd): a kernel thread, which has no user address space") or a
 * zombie ("pid N (comm): a zombie: it has exited"), written into buf;
 * NULL when it can (or does not exist: the tool says "no such process").
 */
const char *hf_target_refusal(pid_t pid, char *buf, size_t len);

/*
 * Drop repeated pids from pids, keeping the first of each (-p 7 -p 7
 * reports 7 once).
 */
void hf_pids_dedup(struct hf_pids *pids);

/*
 * hf_pids_dedup(), then refuse any of pids that is a kernel thread or a
 * zombie (hf_target_refusal()): 0, or -EINVAL with e giving the reason.
 */
int hf_targets_check(struct hf_pids *pids, struct hf_error *e);


#endif
