/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Metrics for Prometheus: every tool's numbers as the text exposition
 * format that promtool and node_exporter's textfile collector read, with
 * OpenMetrics' "# UNIT" lines and "# EOF" end (comments to those parsers).
 * Counters are named with their _total, as that format wants. Printed
 * with --openmetrics, or written atomically to DIR/hawkfetch_TOOL.prom
 * with --textfile DIR (a temporary file renamed into place, so a scrape
 * never reads a half-written file).
 *
 *	struct hf_metrics *m = hf_metrics_new("fbload");
 *	hf_metrics_family(m, "hawkfetch_replay_hits_total", HF_COUNTER, NULL,
 *			  "Prefetched pages used by a fault in replay.");
 *	hf_metrics_u64(m, hits, "policy", "leap", NULL);
 *	err = hf_metrics_emit(m);	// stdout and/or the textfile, per the options
 *	hf_metrics_free(m);
 */
#ifndef HF_METRICS_H
#define HF_METRICS_H

#include <stdint.h>
#include <stdio.h>
#include "hf.h"

enum hf_metric_type { HF_GAUGE, HF_COUNTER };

struct hf_metrics;

/* Metrics of one tool (TOOL names the textfile: hawkfetch_TOOL.prom). */
struct hf_metrics *hf_metrics_new(const char *tool);
void hf_metrics_free(struct hf_metrics *m);

/*
 * Start a family: its name (hawkfetch_..., base units, a counter's ending
 * in _total), unit (the name's unit suffix, e.g. "bytes", or NULL) and
 * help. The samples that follow belong to it.
 */
void hf_metrics_family(struct hf_metrics *m, const char *name, enum hf_metric_type type,
		       const char *unit, const char *help);
/* A sample of the current family: labels as "key", "value", ..., NULL. */
void hf_metrics_u64(struct hf_metrics *m, uint64_t value, ...) __attribute__((sentinel));
void hf_metrics_double(struct hf_metrics *m, double value, ...) __attribute__((sentinel));

/* The exposition, ended by "# EOF", to out. 0 or -errno. */
int hf_metrics_write(const struct hf_metrics *m, FILE *out);
/* Atomically replace DIR/hawkfetch_TOOL.prom. 0 or -errno. */
int hf_metrics_textfile(const struct hf_metrics *m, const char *dir);
/*
 * What the common options ask for: the exposition on stdout with
 * --openmetrics, the textfile with --textfile DIR. 0, or -errno with e
 * filled.
 */
int hf_metrics_emit(const struct hf_metrics *m, struct hf_error *e);

/* Did the command line ask for metrics (--openmetrics or --textfile)? */
int hf_metrics_wanted(void);

#endif
