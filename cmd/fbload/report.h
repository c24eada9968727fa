/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fbload's reports on standard output: plain text, or with -j one JSON
 * document per report (JSON Lines for --decisions), each with a "type".
 */
#ifndef HF_FBLOAD_REPORT_H
#define HF_FBLOAD_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include "policies.h"
#include "driver.h"

/* A policy's parameters as {"KEY":value,...}. */
struct json_object *fb_report_params_json(const struct fb_policy *p);
/* The replay's results per policy; source names the input ("stdin"). */
void fb_report_replay(const struct replay_run *run, const char *source);
/* replay_record_fn for --decisions: ctx is the policy's name. */
void fb_report_decision(void *ctx, const struct fault_record *r, bool hit,
			const uint64_t *req, uint32_t nreq);
/* The kernel's counters of n policies, active marked. */
void fb_report_stats(const struct fb_kstat *k, int n, const char *active);

/*
 * As metrics (--openmetrics, --textfile): the replay's counts per policy;
 * the node's swap readahead from /proc/vmstat and, when k is not NULL,
 * FetchBPF's counters. 0 or HF_EXIT_FAIL (message printed).
 */
int fb_report_replay_metrics(const struct replay_run *run, const char *source);
int fb_report_stats_metrics(const struct fb_kstat *k, int n, const char *active);
/* The built-in policies with their parameters, and what is attached. */
void fb_report_list(void);

/* One program of fbload verify, or a build the kernel refused. */
struct fb_verify_row {
	char policy[64];
	const char *build;		/* "replay" or "kernel" */
	char program[32];
	char error[256];		/* empty: loaded */
	uint64_t insns;			/* verified, or processed before refusing */
	bool ok;			/* loaded, within max_insns */
};
void fb_report_verify(const struct fb_verify_row *rows, int n, const char *kernel,
		      uint64_t max_insns);

#endif
