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
 * A size in KiB: a bare integer is KiB; a K, M, G or T suffix (optionally
 * followed by "iB") scales by 1024s. Returns 0, -EINVAL or -ERANGE.
 */
int hf_parse_kib(const char *s, uint64_t *kib);

/* A growable list of PIDs for repeatable -p. */
struct hf_pids {
	pid_t *pid;
	int n, cap;
};
void hf_pids_add(struct hf_pids *list, pid_t pid);

#endif
