/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The replay driver: fault records read from a stream, filtered, batched
 * and fed to one replay lane (replay.h) per policy, side by side. Slot
 * records go to every lane in trace order, between the batches of faults.
 */
#ifndef HF_FBLOAD_DRIVER_H
#define HF_FBLOAD_DRIVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "policies.h"
#include "oracle.h"
#include "replay.h"

#define REPLAY_MAX_POLICIES 16

struct replay_opts {
	enum fb_engine engine;		/* native for built-ins unless asked */
	uint32_t buffer_pages;		/* the simulated prefetch buffer */
	uint32_t resident;		/* recently faulted pages still mapped; 0: off */
	uint32_t batch;			/* records per BPF run, 1..FB_REPLAY_BATCH */
	bool batch_given;		/* by the user: slot records keep it */
	bool all_faults;		/* minor faults too */
	bool oracle;			/* also run the oracle (oracle.h) at the end */
	const char *const *sets;	/* -o [POLICY.]KEY=VALUE */
	int nsets;
	replay_record_fn on_record;	/* optional, per replayed fault */
};

struct replay_run {
	struct fb_policy pol[REPLAY_MAX_POLICIES];
	struct replay_lane lane[REPLAY_MAX_POLICIES];
	int n;
	struct replay_opts opts;
	uint64_t records, skipped, duration_ns;
	uint64_t slot_records;		/* given to the lanes */
	uint32_t batch;			/* the batch used (1 from the first slot record) */
	unsigned long unknown;		/* records of kinds the reader does not know */
	struct replay_oracle *orc;	/* with opts.oracle: the faults collected */
	struct replay_stats oracle_st;	/* its result, after replay_run_stream() */
};

/*
 * Open, configure and load the replay build of each policy and its lane.
 * A policy the kernel refuses is reported (replay_run_loaded() false, its
 * reason in pol[i].load_error) and the others replay without it.
 * 0 or an hf_exit status (message printed); replay_run_close() either way.
 */
int replay_run_open(struct replay_run *run, const char *const *policies, int n,
		    const struct replay_opts *opts);
/*
 * Replay every record of in (named name in messages) until its end, or
 * until *stop reaches stops (stop may be NULL). 0 or an hf_exit status.
 */
int replay_run_stream(struct replay_run *run, FILE *in, const char *name,
		      volatile sig_atomic_t *stop, int stops);
void replay_run_close(struct replay_run *run);

/* Did policy i load? */
static inline bool replay_run_loaded(const struct replay_run *run, int i)
{
	return run->lane[i].buf != NULL;
}

/* The policies that did not load: 0, or HF_EXIT_FAIL after a replay without them. */
int replay_run_status(const struct replay_run *run);

#endif
