// SPDX-License-Identifier: GPL-2.0
/*
 * hpbloat --watch: HawkEye's recovery loop. When memory available drops
 * below the low mark (or memory PSI rises), scan the targets, split the
 * most bloated huge pages first, a round at a time, until memory
 * available is back at the high mark or nothing is left to recover.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cgroup.h"
#include "helpers.h"
#include "hf.h"
#include "output.h"
#include "pagemap.h"
#include "proclist.h"
#include "watch.h"

void hf_watch_pids(const struct hf_watch_opts *o, struct hf_pids *pids)
{
	pids->n = 0;
	if (o->all)
		hf_proc_list_tgids(pids);
	if (o->cgroup)
		hf_cgroup_pids(o->cgroup, pids);
	for (int i = 0; i < o->pids.n; i++)
		hf_pids_add(pids, o->pids.pid[i]);
}

/* Scan every target that can be read; the others are skipped. */
static int scan_round(struct hf_bloat_scanner *s, const struct hf_pids *pids,
		      struct hf_bloat_proc **procs)
{
	int n = 0;

	*procs = calloc(pids->n ? pids->n : 1, sizeof(**procs));
	for (int i = 0; *procs && i < pids->n; i++) {
		const char *what;

		if (hf_bloat_scan(s, pids->pid[i], &(*procs)[n], &what) ||
		    !(*procs)[n].nregion) {
			hf_bloat_proc_free(&(*procs)[n]);
			continue;
		}
		n++;
	}
	return n;
}

static struct json_object *event(const char *type, double t0, const struct hf_mem_state *m)
{
	struct json_object *o = json_object_new_object();

	hf_json_set_str(o, "type", type);
	json_object_object_add(o, "time_s", json_object_new_double(hf_now_s() - t0));
	json_object_object_add(o, "avail_pct", json_object_new_double(m->avail_pct));
	hf_json_set_u64(o, "avail_kib", m->avail_kib);
	hf_json_set_u64(o, "total_kib", m->total_kib);
	json_object_object_add(o, "psi_some_avg10", m->psi_some_avg10 < 0 ? NULL :
			       json_object_new_double(m->psi_some_avg10));
	return o;
}

static void emit(const struct hf_watch_opts *o, struct json_object *ev)
{
	o->emit(ev);
	json_object_put(ev);
}

/* One round: recover up to what it takes to reach the high mark. */
static struct json_object *recover_round(const struct hf_watch_opts *o, struct hf_recover_env *env,
					 struct hf_bloat_scanner *s, const struct hf_mem_state *m,
					 double t0, struct hf_watch_totals *tot)
{
	uint64_t want_kib = m->total_kib * o->high / 100, need, budget;
	struct hf_recover_run run;
	struct hf_bloat_proc *procs;
	struct hf_pids pids = { 0 };
	struct json_object *ev;
	int n;

	need = want_kib > m->avail_kib ? (want_kib - m->avail_kib) / (HF_PAGE_SIZE / 1024) : 1;
	budget = o->budget && o->budget < need ? o->budget : need;
	hf_watch_pids(o, &pids);
	n = scan_round(s, &pids, &procs);
	free(pids.pid);
	if (!procs || hf_recover_plan(&run, procs, n, o->min_zero, budget)) {
		free(procs);
		return NULL;
	}
	hf_recover_execute(env, &run);
	ev = event("round", t0, m);
	hf_json_set_u64(ev, "processes", n);
	hf_json_set_u64(ev, "need_subpages", need);
	hf_recover_run_json(ev, &run, false);
	tot->rounds++;
	tot->regions_split += run.regions_split;
	tot->returned += run.returned;
	tot->time_ns += run.time_ns;
	tot->last_round_regions = run.nregion;
	hf_recover_run_free(&run);
	for (int i = 0; i < n; i++)
		hf_bloat_proc_free(&procs[i]);
	free(procs);
	return ev;
}

int hf_recover_watch(const struct hf_watch_opts *o, struct hf_recover_env *env,
		     const struct hf_thp_policy *policy, struct hf_watch_totals *tot)
{
	struct hf_bloat_scanner s;
	struct hf_mem_state m;
	double t0 = hf_now_s(), retry_at = 0;
	bool active = false;
	int err;

	memset(tot, 0, sizeof(*tot));
	if ((err = hf_bloat_scanner_init(&s, policy, 256 << 10)))
		return err;
	hf_catch_stop_signals();
	while (!hf_stop && !(o->duration && hf_now_s() - t0 >= o->duration)) {
		struct json_object *ev;

		if ((err = hf_mem_state_read(o->cgroup, &m)))
			break;
		if (!active && hf_now_s() >= retry_at && (m.avail_pct < o->low ||
				(o->psi > 0 && m.psi_some_avg10 >= o->psi && m.avail_pct < o->high))) {
			active = true;
			tot->starts++;
			ev = event("start", t0, &m);
			hf_json_set_str(ev, "reason", m.avail_pct < o->low ? "low" : "psi");
			emit(o, ev);
		}
		if (active && m.avail_pct >= o->high) {
			active = false;
			tot->stops_high++;
			ev = event("stop", t0, &m);
			hf_json_set_str(ev, "reason", "high");
			emit(o, ev);
		}
		if (active) {
			ev = recover_round(o, env, &s, &m, t0, tot);
			if (ev)
				emit(o, ev);
			if (!tot->last_round_regions) {
				/* Nothing left: look again after ten intervals. */
				active = false;
				retry_at = hf_now_s() + 10 * o->interval;
				ev = event("stop", t0, &m);
				hf_json_set_str(ev, "reason", "nothing_left");
				emit(o, ev);
				tot->stops_empty++;
			}
		}
		if (o->tick)
			o->tick(tot, &m);
		hf_sleep_s(o->interval, &hf_stop);
	}
	tot->signal = hf_stop ? hf_stop_signal : 0;
	tot->elapsed_s = hf_now_s() - t0;
	if (!err)
		hf_mem_state_read(o->cgroup, &tot->last);
	hf_bloat_scanner_free(&s);
	return err;
}

struct json_object *hf_watch_summary_json(const struct hf_watch_totals *t,
					  enum hf_recover_mech mech)
{
	struct json_object *s = json_object_new_object();

	hf_json_set_str(s, "type", "recover_summary");
	hf_json_set_str(s, "mechanism", hf_recover_mech_name(mech));
	json_object_object_add(s, "elapsed_s", json_object_new_double(t->elapsed_s));
	hf_json_set_u64(s, "starts", t->starts);
	hf_json_set_u64(s, "stops_at_high", t->stops_high);
	hf_json_set_u64(s, "stops_nothing_left", t->stops_empty);
	hf_json_set_u64(s, "rounds", t->rounds);
	hf_json_set_u64(s, "regions_split", t->regions_split);
	hf_json_set_u64(s, "returned_subpages", t->returned);
	hf_json_set_u64(s, "returned_kib", t->returned * (HF_PAGE_SIZE / 1024));
	hf_json_set_u64(s, "recover_time_ns", t->time_ns);
	json_object_object_add(s, "avail_pct", json_object_new_double(t->last.avail_pct));
	json_object_object_add(s, "signal", t->signal ?
			       json_object_new_string(strsignal(t->signal)) : NULL);
	return s;
}
