// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "hf.h"
#include "outfile.h"
#include "procfs.h"
#include "proclist.h"
#include "targets.h"

struct hf_targets hf_targets;

static const struct argp_option target_options[] = {
	{ "pid", 'p', "PID", 0, "This process (repeatable)", 0 },
	{ "all", 'A', NULL, 0, "Every process", 0 },
	{ "top", 't', "N", 0, "Only the N first rows of the ranking", 0 },
	{ 0 },
};

static error_t parse_target(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'p':
		hf_pids_add(&hf_targets.pids, hf_arg_pid(arg, state));
		break;
	case 'A':
		hf_targets.all = true;
		break;
	case 't':
		hf_targets.top = hf_arg_u64(arg, 1, 1000000, "row count", state);
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (hf_targets.all && hf_targets.pids.n)
			argp_error(state, "give either -p PID or --all, not both");
		if (hf_targets.all || hf_targets.pids.n || hf_targets.pids_optional)
			break;
		if (!hf_targets.default_all)
			argp_error(state, "give either -p PID or --all");
		hf_targets.all = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp hf_targets_argp = { target_options, parse_target, NULL, NULL, NULL, NULL, NULL };

int hf_targets_expand(void)
{
	return hf_targets.all ? hf_proc_list_tgids(&hf_targets.pids) : 0;
}

/* ---- targets that cannot be measured ---- */

const char *hf_target_refusal(pid_t pid, char *buf, size_t len)
{
	struct proc_task t;

	if (hf_proc_task_read(pid, &t))
		return NULL;
	if (t.kthread)
		snprintf(buf, len, "pid %d (%s): a kernel thread, which has no user address space",
			 pid, t.comm);
	else if (hf_proc_zombie(pid))
		snprintf(buf, len, "pid %d (%s): a zombie: it has exited (and waits for its "
			 "parent to reap it)", pid, t.comm);
	else
		return NULL;
	return buf;
}

void hf_pids_dedup(struct hf_pids *pids)
{
	int n = 0;

	for (int i = 0; i < pids->n; i++) {
		int j;

		for (j = 0; j < n && pids->pid[j] != pids->pid[i]; j++)
			;
		if (j == n)
			pids->pid[n++] = pids->pid[i];
	}
	pids->n = n;
}

int hf_targets_check(struct hf_pids *pids, struct hf_error *e)
{
	char why[256];

	hf_pids_dedup(pids);
	for (int i = 0; i < pids->n; i++)
		if (hf_target_refusal(pids->pid[i], why, sizeof(why)))
			return hf_error_set(e, HF_ERROR_RUNTIME, -EINVAL, "%s", why);
	return 0;
}
