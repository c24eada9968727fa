// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cli.h"

const char *argp_program_version = "hawkfetch " HF_VERSION;
/* argp prints "Report bugs to %s." */
const char *argp_program_bug_address = "the hawkfetch maintainers (README.md, \"Reporting bugs\")";

enum { OPT_PRETTY = 0x1000 };

static const struct argp_option common_options[] = {
	{ "json", 'j', NULL, 0, "Print JSON instead of plain text", 0 },
	{ "pretty", OPT_PRETTY, NULL, 0, "Indent JSON output (implies --json)", 0 },
	{ "verbose", 'v', NULL, 0, "Print debug output, including libbpf's", 0 },
	{ 0 },
};

static error_t parse_common(int key, char *arg, struct argp_state *state)
{
	(void)arg; (void)state;
	switch (key) {
	case 'j':
		hf_opts.json = true;
		break;
	case OPT_PRETTY:
		hf_opts.json = hf_opts.pretty = true;
		break;
	case 'v':
		hf_opts.verbose = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp hf_common_argp = { common_options, parse_common, NULL, NULL, NULL, NULL, NULL };

enum { OPT_OPENMETRICS = 0x1100, OPT_TEXTFILE };

static const struct argp_option metrics_options[] = {
	{ "openmetrics", OPT_OPENMETRICS, NULL, 0, "Print the numbers as metrics for Prometheus "
	  "(text exposition format, # UNIT and # EOF) instead of plain text", 0 },
	{ "textfile", OPT_TEXTFILE, "DIR", 0, "Also write them to DIR/hawkfetch_TOOL.prom for "
	  "node_exporter's textfile collector, atomically (rewritten every interval in "
	  "watch modes)", 0 },
	{ 0 },
};

static error_t parse_metrics(int key, char *arg, struct argp_state *state)
{
	struct stat st;

	errno = 0;
	switch (key) {
	case OPT_OPENMETRICS:
		hf_opts.openmetrics = true;
		break;
	case OPT_TEXTFILE:
		if (stat(arg, &st) || !S_ISDIR(st.st_mode) || access(arg, W_OK | X_OK))
			argp_error(state, "--textfile %s: %s (a directory this user can write)",
				   arg, errno ? strerror(errno) : strerror(ENOTDIR));
		hf_opts.textfile = arg;
		break;
	case ARGP_KEY_END:
		if (hf_opts.openmetrics && hf_opts.json)
			argp_error(state, "--openmetrics and --json exclude each other");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp hf_metrics_argp = { metrics_options, parse_metrics, NULL, NULL, NULL, NULL,
				      NULL };

int hf_parse_u64(const char *s, int base, uint64_t *out)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno)
		return -errno;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int hf_parse_kib(const char *s, uint64_t *kib)
{
	static const char units[] = "KMGT";
	char num[32];
	const char *unit;
	size_t len;
	int shift = 0, err;
	uint64_t v;

	len = s ? strspn(s, "0123456789") : 0;
	if (!len || len >= sizeof(num))
		return len ? -ERANGE : -EINVAL;
	memcpy(num, s, len);
	num[len] = '\0';
	unit = s + len;
	if (*unit) {
		char c = unit[0] & ~0x20;	/* upper case */
		const char *u = c ? strchr(units, c) : NULL;

		if (!u || (unit[1] && strcmp(unit + 1, "iB")))
			return -EINVAL;
		shift = 10 * (u - units);
	}
	if ((err = hf_parse_u64(num, 10, &v)))
		return err;
	if (shift && v > UINT64_MAX >> shift)
		return -ERANGE;
	*kib = v << shift;
	return 0;
}

uint64_t hf_arg_u64(const char *arg, uint64_t min, uint64_t max,
		    const char *what, struct argp_state *state)
{
	uint64_t v;

	if (hf_parse_u64(arg, 10, &v) || v < min || v > max)
		argp_error(state, "invalid %s '%s': expected an integer from %llu to %llu",
			   what, arg, (unsigned long long)min, (unsigned long long)max);
	return v;
}

pid_t hf_arg_pid(const char *arg, struct argp_state *state)
{
	return (pid_t)hf_arg_u64(arg, 1, INT_MAX, "PID", state);
}

double hf_arg_seconds(const char *arg, struct argp_state *state)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v <= 0)
		argp_error(state, "invalid duration '%s': expected seconds > 0", arg);
	return v;
}

void hf_pids_add(struct hf_pids *list, pid_t pid)
{
	if (list->n == list->cap) {
		list->cap = list->cap ? list->cap * 2 : 8;
		list->pid = realloc(list->pid, list->cap * sizeof(*list->pid));
		if (!list->pid)
			abort();
	}
	list->pid[list->n++] = pid;
}
