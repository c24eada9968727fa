/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line conventions shared by every binary (argp). */
#ifndef HF_CLI_H
#define HF_CLI_H

#include <argp.h>
#include <stdint.h>
#include <sys/types.h>
#include "hf.h"

/* -j/--json, --pretty, -v/--verbose: include as an argp child. */
extern const struct argp hf_common_argp;

#define HF_COMMON_CHILD { &hf_common_argp, 0, "Common options:", 1 }

/*
 * --openmetrics and --textfile DIR (common/metrics.h), for the tools that
 * report metrics: include as an argp child beside HF_COMMON_CHILD.
 */
extern const struct argp hf_metrics_argp;

#define HF_METRICS_CHILD { &hf_metrics_argp, 0, "Metrics for Prometheus:", 2 }

/* Parsers for option values: on bad input they call argp_error (exit 64). */
pid_t hf_arg_pid(const char *arg, struct argp_state *state);
double hf_arg_seconds(const char *arg, struct argp_state *state);
uint64_t hf_arg_u64(const char *arg, uint64_t min, uint64_t max,
		    const char *what, struct argp_state *state);

/* Strict number parsing: whole string, no sign surprises, range-checked. */
int hf_parse_u64(const char *s, int base, uint64_t *out);

/*
 * The one size syntax of every tool: bytes, or a number with a K, M, G or T
 * suffix (optionally followed by "iB") in powers of 1024. A bare number is
 * counted in bare_unit bytes: 1 for every option and argument, 1024 only
 * for a value whose key names its unit (prezero's target_kbytes), as
 * hf_parse_kib() reads it. Returns 0, -EINVAL or -ERANGE.
 */
int hf_parse_size(const char *s, uint64_t bare_unit, uint64_t *out);
int hf_parse_kib(const char *s, uint64_t *kib);
/* A size option (hf_parse_size(), bytes, > 0); argp_error on bad input. */
uint64_t hf_arg_size(const char *arg, const char *what, struct argp_state *state);

/*
 * A verb of a tool that has several (fbload, prezero-ctl), as bpftool's
 * cmds[]: its name, what runs it, how many operands it takes and, for the
 * usage error, its synopsis.
 */
struct hf_verb {
	const char *name;
	int (*run)(void);
	int min_args, max_args;
	const char *usage;
};
const struct hf_verb *hf_verb_find(const struct hf_verb *verbs, size_t n, const char *name);

/* A growable list of PIDs for repeatable -p. */
struct hf_pids {
	pid_t *pid;
	int n;
	size_t cap;
};
void hf_pids_add(struct hf_pids *list, pid_t pid);

#endif
