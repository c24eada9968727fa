// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "feature.h"
#include "hf.h"
#include "driver.h"

static int open_lane(struct replay_run *run, int i)
{
	const struct replay_opts *o = &run->opts;
	struct fb_policy *p = &run->pol[i];
	struct hf_error e;

	if (fb_policy_load(p, &e)) {
		hf_fail(&e);
		return HF_EXIT_OK;	/* reported; the others replay */
	}
	if (replay_lane_init(&run->lane[i], p->name, fb_policy_run_batch, p, p->batch,
			     o->buffer_pages, o->resident)) {
		hf_err("a %u-page prefetch buffer: %s", o->buffer_pages, strerror(ENOMEM));
		return HF_EXIT_FAIL;
	}
	run->lane[i].on_record = o->on_record;
	run->lane[i].record_ctx = p->name;
	return HF_EXIT_OK;
}

int replay_run_open(struct replay_run *run, const char *const *policies, int n,
		    const struct replay_opts *opts)
{
	struct hf_error e;
	int err;

	memset(run, 0, sizeof(*run));
	run->opts = *opts;
	if (opts->oracle &&
	    !(run->orc = replay_oracle_new(opts->buffer_pages, FB_MAX_REQ, opts->resident))) {
		hf_err("the oracle: %s", strerror(ENOMEM));
		return HF_EXIT_FAIL;
	}
	for (int i = 0; i < n && i < REPLAY_MAX_POLICIES; i++) {
		int use = fb_replay_use(policies[i], opts->engine, &e);

		if (use < 0)
			return hf_fail(&e);
		if (use == FB_USE_REPLAY_BPF &&
		    (fb_policy_is_path(policies[i]) ?
		     fb_require_bpf("replaying a policy object (.bpf.o)", NULL, &e) :
		     fb_require_bpf("replaying with --engine bpf", "leave out --engine "
				    "bpf: the native engine needs no privilege", &e)))
			return hf_fail(&e);
		if (fb_policy_open(&run->pol[i], policies[i], use, &e))
			return hf_fail(&e);
		run->n++;
	}
	if (fb_policy_apply_sets(run->pol, run->n, opts->sets, opts->nsets, &e))
		return hf_fail(&e);
	for (int i = 0; i < run->n; i++)
		if ((err = open_lane(run, i)))
			return err;
	return HF_EXIT_OK;
}

static int feed(struct replay_run *run, const struct fault_record *recs, uint32_t n)
{
	for (int i = 0; i < run->n; i++) {
		int err = replay_run_loaded(run, i) ? replay_lane_batch(&run->lane[i], recs, n) : 0;

		if (err) {
			hf_err("%s: running the replay program: %s", run->pol[i].name,
			       strerror(-err));
			return HF_EXIT_FAIL;
		}
	}
	return HF_EXIT_OK;
}

/*
 * Slot record r, after the n faults before it (fed first, so that every
 * lane sees the trace's order). The kernel decides fault by fault: from
 * the first one on, batches are of one fault unless the user chose.
 */
static int feed_slot(struct replay_run *run, const struct fault_record *recs, uint32_t n,
		     const struct fault_record *r, uint32_t *batch)
{
	int err = n ? feed(run, recs, n) : HF_EXIT_OK;

	if (!run->slot_records++ && !run->opts.batch_given)
		*batch = run->batch = 1;
	for (int i = 0; i < run->n && !err; i++) {
		if (replay_run_loaded(run, i) && replay_lane_slot(&run->lane[i], r)) {
			hf_err("%s: the slot table: %s", run->pol[i].name, strerror(ENOMEM));
			err = HF_EXIT_FAIL;
		}
	}
	return err;
}

int replay_run_stream(struct replay_run *run, FILE *in, const char *name,
		      volatile sig_atomic_t *stop, int stops)
{
	static struct fault_record recs[FB_REPLAY_BATCH];
	struct record_reader *rd = record_reader_new(in, name);
	uint32_t n = 0, batch = run->batch = run->opts.batch;
	int ret = 0, err = HF_EXIT_OK;
	uint64_t start = hf_now_ns();

	if (!rd) {
		hf_err("%s: %s", name, strerror(errno));
		return HF_EXIT_FAIL;
	}
	if (stop)
		record_reader_stop(rd, stop, stops);
	while (!(stop && *stop >= stops) && (ret = record_read(rd, &recs[n])) > 0) {
		if (fault_kind_is_slot(recs[n].kind)) {
			if ((err = feed_slot(run, recs, n, &recs[n], &batch)))
				break;
			n = 0;
			continue;
		}
		if (!replay_wants(&recs[n], run->opts.all_faults)) {
			run->skipped++;
			continue;
		}
		run->records++;
		if (run->orc && replay_oracle_add(run->orc, &recs[n])) {
			hf_err("the oracle: %s", strerror(ENOMEM));
			err = HF_EXIT_FAIL;
			break;
		}
		if (++n == batch) {
			if ((err = feed(run, recs, n)))
				break;
			n = 0;
		}
	}
	if (!err && ret < 0) {
		hf_err("%s", record_reader_error(rd));
		err = HF_EXIT_FAIL;
	}
	if (!err && n)
		err = feed(run, recs, n);
	if (!err && run->orc && replay_oracle_run(run->orc, &run->oracle_st)) {
		hf_err("the oracle: %s", strerror(ENOMEM));
		err = HF_EXIT_FAIL;
	}
	run->duration_ns = hf_now_ns() - start;
	run->unknown = record_reader_skipped(rd);
	if (run->unknown)	/* a newer fbtrace's: the replay stands without them */
		hf_warn("%s: %lu records of kinds this fbload does not know were skipped", name,
			run->unknown);
	record_reader_free(rd);
	return err;
}

int replay_run_status(const struct replay_run *run)
{
	for (int i = 0; i < run->n; i++)
		if (!replay_run_loaded(run, i))
			return HF_EXIT_FAIL;
	return HF_EXIT_OK;
}

void replay_run_close(struct replay_run *run)
{
	for (int i = 0; i < run->n; i++) {
		replay_lane_free(&run->lane[i]);
		fb_policy_close(&run->pol[i]);
	}
	run->n = 0;
	replay_oracle_free(run->orc);
	run->orc = NULL;
}
