// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "pagemap.h"
#include "options.h"

struct hf_recover_args hf_recover_args = { .low = 15, .high = 30, .psi = 10, .interval = 1 };

enum { OPT_RECOVER = 0x200, OPT_DRY_RUN, OPT_BUDGET, OPT_MIN_ZERO, OPT_WATCH,
       OPT_LOW, OPT_HIGH, OPT_PSI, OPT_MECHANISM };

static const struct argp_option recover_options[] = {
	{ "recover", OPT_RECOVER, NULL, 0, "Give back zero subpages: split the chosen huge pages "
	  "so the kernel maps their zero subpages to the shared zero page", 0 },
	{ "dry-run", OPT_DRY_RUN, NULL, 0, "With --recover: list the regions it would split, "
	  "most bloated first, and split nothing", 0 },
	{ "min-zero", OPT_MIN_ZERO, "N", 0, "Only regions with at least N zero subpages "
	  "(default: khugepaged/max_ptes_none + 1)", 0 },
	{ "budget", OPT_BUDGET, "SIZE", 0, "Stop once SIZE of zero subpages is chosen "
	  "(bytes, or with K, M, G)", 0 },
	{ "mechanism", OPT_MECHANISM, "NAME", 0, "Use this one: madvise (MADV_SPLIT_UNDERUSED) "
	  "or debugfs (split_huge_pages); default: the first that works", 0 },
	{ "watch", OPT_WATCH, NULL, 0, "Daemon: recover when memory available drops below "
	  "--low, until it is back above --high", 0 },
	{ "low", OPT_LOW, "PCT", 0, "Start below this % of memory available (default 15)", 0 },
	{ "high", OPT_HIGH, "PCT", 0, "Stop at this % of memory available (default 30)", 0 },
	{ "psi", OPT_PSI, "PCT", 0, "Also start when memory PSI some avg10 reaches PCT "
	  "(default 10, 0: off)", 0 },
	{ "interval", 'i', "SEC", 0, "With --watch: check every SEC seconds (default 1)", 0 },
	{ "duration", 'd', "SEC", 0, "With --watch: stop after SEC seconds", 0 },
	{ 0 },
};

static double arg_pct(const char *arg, struct argp_state *state)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end || !(v >= 0 && v <= 100))
		argp_error(state, "invalid percentage '%s': expected 0 to 100", arg);
	return v;
}

static error_t parse_recover(int key, char *arg, struct argp_state *state)
{
	struct hf_recover_args *a = &hf_recover_args;

	switch (key) {
	case OPT_RECOVER:
		a->recover = true;
		break;
	case OPT_DRY_RUN:
		a->dry_run = true;
		break;
	case OPT_MIN_ZERO:
		a->min_zero = hf_arg_u64(arg, 1, HF_HPAGE_NR, "zero subpage count", state);
		break;
	case OPT_BUDGET:
		a->budget = hf_arg_size(arg, "size", state);
		a->budget = a->budget / HF_PAGE_SIZE + !!(a->budget % HF_PAGE_SIZE);	/* subpages */
		break;
	case OPT_MECHANISM:
		if (!strcmp(arg, "madvise"))
			a->mechanism = HF_RECOVER_MADVISE;
		else if (!strcmp(arg, "debugfs"))
			a->mechanism = HF_RECOVER_DEBUGFS;
		else
			argp_error(state, "invalid mechanism '%s': expected madvise or debugfs", arg);
		break;
	case OPT_WATCH:
		a->watch = a->recover = true;
		break;
	case OPT_LOW:
		a->low = arg_pct(arg, state);
		break;
	case OPT_HIGH:
		a->high = arg_pct(arg, state);
		break;
	case OPT_PSI:
		a->psi = arg_pct(arg, state);
		break;
	case 'i':
		a->interval = hf_arg_seconds(arg, state);
		break;
	case 'd':
		a->duration = hf_arg_seconds(arg, state);
		break;
	case ARGP_KEY_END:
		if (!a->recover && (a->dry_run || a->budget || a->min_zero || a->mechanism))
			argp_error(state, "--dry-run, --budget, --min-zero and --mechanism need "
				   "--recover");
		if (a->watch && a->dry_run)
			argp_error(state, "--watch and --dry-run cannot be combined");
		if (a->low >= a->high)
			argp_error(state, "--low (%g) must be below --high (%g)", a->low, a->high);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp hf_recover_argp = { recover_options, parse_recover, NULL, NULL, NULL, NULL,
				      NULL };
