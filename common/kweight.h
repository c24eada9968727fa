/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-process weights for the hawkfetch kernel's khugepaged, written to
 * /proc/PID/khugepaged_weight (a decimal 1..1000000; the file exists only
 * on the patched kernel). In coverage scan order khugepaged gives the
 * next huge page to the process with the highest
 * weight / (1 + huge pages it got since its weight was set), as
 * hpcov --promote does in user space (promote.h).
 *
 * The unit is hawkfetch's: the MMU overhead in per-mille,
 * round(overhead * 1000), at least 1 and at most 1000000, so weights
 * 0.3 and 0.1 become 300 and 100 (the ratio is kept up to the bounds).
 *
 * The file is opened before the measurement whose result it receives:
 * opening needs CAP_SYS_NICE and ptrace read access and binds the fd to
 * that process, so a write after it exited fails with ESRCH instead of
 * reaching a process that reused its pid. Writing also registers the
 * process with khugepaged and restarts its promotion count.
 */
#ifndef HF_KWEIGHT_H
#define HF_KWEIGHT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "hf.h"

#define HF_KWEIGHT_MIN 1U
#define HF_KWEIGHT_MAX 1000000U

/* round(overhead * 1000) within HF_KWEIGHT_MIN..MAX (NaN or <= 0: the minimum). */
unsigned int hf_kweight_from_overhead(double overhead);

struct hf_kweight {
	pid_t pid;
	char comm[16];
	int fd;			/* -1: not open */
	double overhead;	/* the measured value the weight came from */
	bool have_value;	/* false: nothing measured (no base count) */
	unsigned int weight;	/* written, or to be written */
	int err;		/* of the write: 0, -errno; -ENODATA: no value */
	bool done;		/* a write was attempted (or skipped for no value) */
};

/*
 * Open /proc/PID/khugepaged_weight for writing and read the process's
 * comm. 0, or -errno with e filled: HF_ERROR_NOFEATURE when the kernel
 * lacks the file ("needs the hawkfetch kernel patches"), HF_ERROR_NOPERM
 * without CAP_SYS_NICE or ptrace access, HF_ERROR_RUNTIME for a process
 * that does not exist.
 */
int hf_kweight_open(struct hf_kweight *k, pid_t pid, struct hf_error *e);
/* Write round(overhead * 1000) (have_value false: write nothing); sets weight and err. */
void hf_kweight_write(struct hf_kweight *k, double overhead, bool have_value);
void hf_kweight_close(struct hf_kweight *k);

/*
 * Report the writes of k[0..n): plain text, one line per process, or with
 * json one line {"type":"khugepaged_weights","processes":[...]}. Failures
 * other than an exited process or a missing value are also printed as
 * warnings. Returns -EIO if any of those failed, else 0.
 */
int hf_kweight_report(FILE *out, const struct hf_kweight *k, size_t n, bool json);

#endif
