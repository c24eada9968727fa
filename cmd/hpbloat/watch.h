/* SPDX-License-Identifier: GPL-2.0 */
/* hpbloat --watch: recovery driven by memory available and PSI. */
#ifndef HF_HPBLOAT_WATCH_H
#define HF_HPBLOAT_WATCH_H

#include "recover.h"

struct hf_watch_totals;

struct hf_watch_opts {
	bool all;
	const char *cgroup;		/* its processes, and its limit for the marks */
	struct hf_pids pids;
	double low, high;		/* % of memory available */
	double psi;			/* PSI some avg10 that also starts; 0: off */
	double interval, duration;	/* seconds; duration 0: until a signal */
	unsigned int min_zero;
	uint64_t budget;		/* zero subpages per round; 0: what high needs */
	/* Each event ("start", "round", "stop"); the callee must not keep it. */
	void (*emit)(struct json_object *ev);
	/*
	 * Optional: once per interval, after its round if there was one, with
	 * the totals so far and the memory state the marks were checked on.
	 */
	void (*tick)(const struct hf_watch_totals *tot, const struct hf_mem_state *m);
};

struct hf_watch_totals {
	uint64_t rounds, starts, stops_high, stops_empty;
	uint64_t regions_split, returned, time_ns;
	uint64_t last_round_regions;
	struct hf_mem_state last;
	double elapsed_s;
	int signal;			/* the signal that stopped it, 0: duration */
};

/* The processes of a round: --all's, the cgroup's (re-read) and the pids. */
void hf_watch_pids(const struct hf_watch_opts *o, struct hf_pids *pids);

/*
 * Run until SIGINT/SIGTERM/SIGHUP or o->duration; events go to o->emit.
 * Returns 0 or -errno (memory state unreadable, no scan buffer).
 */
int hf_recover_watch(const struct hf_watch_opts *o, struct hf_recover_env *env,
		     const struct hf_thp_policy *policy, struct hf_watch_totals *tot);

/* The "recover_summary" JSON object that ends a watch: what it recovered, in all. */
struct json_object *hf_watch_summary_json(const struct hf_watch_totals *t,
					  enum hf_recover_mech mech);

#endif
