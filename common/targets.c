// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "hf.h"
#include "outfile.h"
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

/* ---- standard output ---- */

static int stdout_errno;

static ssize_t stdout_write(void *cookie, const char *buf, size_t len)
{
	size_t done = 0;

	(void)cookie;
	while (done < len) {
		ssize_t n = write(STDOUT_FILENO, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			stdout_errno = n < 0 ? errno : EIO;
			return done ? (ssize_t)done : -1;
		}
		done += n;
	}
	return done;
}

void hf_stdout_track(void)
{
	cookie_io_functions_t io = { .write = stdout_write };
	FILE *f = fopencookie(NULL, "w", io);

	if (f)
		stdout = f;
}

int hf_stdout_finish(int status)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return status;
	if (!stdout_errno)
		return hf_stdout_close(status);
	if (!status) {
		hf_warn("standard output: %s", strerror(stdout_errno));
		return HF_EXIT_FAIL;
	}
	return status;
}
