// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cli.h"
#include "helpers.h"
#include "output.h"

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

/*
 * A bad command line is reported like every other error: "PROG: message"
 * on stderr and, when -j (or --json, --pretty) is anywhere on it, also
 * {"type":"error",...} on stdout. argp prints its message to the state's
 * err_stream and exits (64): the stream is captured from the start of
 * parsing, and an exit handler reports what it holds.
 */
static char *usage_text;
static size_t usage_len;
static FILE *usage_stream;
static bool usage_json;
/* argp's state while parsing: getopt prints what it refuses to stderr itself. */
static const struct argp_state *usage_state;

static bool wants_json(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json") || !strcmp(a, "--pretty") ||
		    (a[0] == '-' && a[1] != '-' && a[1] && strspn(a + 1, "jv") == strlen(a + 1) &&
		     strchr(a + 1, 'j')))
			return true;
	}
	return false;
}

static void report_usage_error(void)
{
	char bad[256], *nl;

	if (!usage_stream)
		return;
	fclose(usage_stream);
	usage_stream = NULL;
	if (!usage_text || !*usage_text)
		return;
	fputs(usage_text, stderr);
	if (usage_json) {
		const char *msg = usage_text;
		size_t prefix = strlen(program_invocation_short_name);

		if (!strncmp(msg, program_invocation_short_name, prefix) && !strncmp(msg + prefix, ": ", 2))
			msg += prefix + 2;
		if ((nl = strchr(msg, '\n')))
			*nl = '\0';
		if (!strncmp(msg, "Try `", 5) && usage_state && usage_state->next > 0 &&
		    usage_state->next <= usage_state->argc) {
			snprintf(bad, sizeof(bad), "unrecognized option or missing argument: '%.200s'",
				 usage_state->argv[usage_state->next - 1]);
			msg = bad;
		}
		hf_json_error(stdout, msg, NULL);
		fflush(stdout);
	}
}

static void capture_usage_errors(struct argp_state *state)
{
	usage_json = wants_json(state->argc, state->argv);
	usage_state = state;
	usage_stream = open_memstream(&usage_text, &usage_len);
	if (!usage_stream)
		return;
	state->err_stream = usage_stream;
	atexit(report_usage_error);
}

/* Parsed: from now on argp's messages (none expected) go to stderr. */
static void release_usage_errors(struct argp_state *state)
{
	state->err_stream = stderr;
	usage_state = NULL;
	report_usage_error();
}

static error_t parse_common(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	switch (key) {
	case ARGP_KEY_INIT:
		capture_usage_errors(state);
		break;
	case ARGP_KEY_FINI:
		release_usage_errors(state);
		break;

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

int hf_parse_size(const char *s, uint64_t bare_unit, uint64_t *out)
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
		shift = 10 * (u - units + 1);
	}
	if ((err = hf_parse_u64(num, 10, &v)))
		return err;
	if (!*unit) {
		if (v > UINT64_MAX / bare_unit)
			return -ERANGE;
		*out = v * bare_unit;
	} else {
		if (v > UINT64_MAX >> shift)
			return -ERANGE;
		*out = v << shift;
	}
	return 0;
}

int hf_parse_kib(const char *s, uint64_t *kib)
{
	uint64_t bytes;
	int err = hf_parse_size(s, 1024, &bytes);

	if (!err)
		*kib = bytes >> 10;
	return err;
}

uint64_t hf_arg_size(const char *arg, const char *what, struct argp_state *state)
{
	uint64_t bytes;

	if (hf_parse_size(arg, 1, &bytes) || !bytes)
		argp_error(state, "invalid %s '%s': expected bytes > 0, or a number with a K, M, "
			   "G or T suffix", what, arg);
	return bytes;
}

const struct hf_verb *hf_verb_find(const struct hf_verb *verbs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
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
	if (HF_GROW(list->pid, list->cap, (size_t)list->n + 1))
		abort();
	list->pid[list->n++] = pid;
}
