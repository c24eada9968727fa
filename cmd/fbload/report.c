// SPDX-License-Identifier: GPL-2.0
/*
 * fbload's reports, plain text and JSON side by side (in the manner of
 * bpftool's printers): replay results, per-fault decisions, the kernel's
 * counters, the built-in policies and what is attached.
 */
#include <stdio.h>
#include <string.h>
#include "feature.h"
#include "report.h"
#include "hf.h"
#include "metrics.h"
#include "output.h"
#include "procfs.h"

struct json_object *fb_report_params_json(const struct fb_policy *p)
{
	struct fb_param params[FB_MAX_PARAMS];
	struct json_object *o = json_object_new_object();
	int n = fb_policy_params(p, params, FB_MAX_PARAMS);

	for (int i = 0; i < n; i++)
		hf_json_set_u64(o, params[i].name, params[i].value);
	return o;
}

/* Each parameter's declared range, as [min, max]. */
static struct json_object *param_ranges_json(const struct fb_policy *p)
{
	struct fb_param params[FB_MAX_PARAMS];
	struct json_object *o = json_object_new_object();
	int n = fb_policy_params(p, params, FB_MAX_PARAMS);

	for (int i = 0; i < n; i++) {
		struct json_object *r = json_object_new_array();

		json_object_array_add(r, hf_json_u64(params[i].min));
		json_object_array_add(r, hf_json_u64(params[i].max));
		json_object_object_add(o, params[i].name, r);
	}
	return o;
}

/* NAME=VALUE ...; with ranges: NAME=VALUE (MIN..MAX) */
static void params_text(const struct fb_policy *p, char *buf, size_t len, bool ranges)
{
	struct fb_param params[FB_MAX_PARAMS];
	int n = fb_policy_params(p, params, FB_MAX_PARAMS);

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		size_t used = strlen(buf);

		snprintf(buf + used, len - used, "%s%.40s=%llu", i ? " " : "", params[i].name,
			 (unsigned long long)params[i].value);
		used = strlen(buf);
		if (ranges)
			snprintf(buf + used, len - used, " (%llu..%llu)",
				 (unsigned long long)params[i].min,
				 (unsigned long long)params[i].max);
	}
}

static struct json_object *stats_json(const struct replay_stats *s)
{
	struct json_object *o = json_object_new_object();

	hf_json_set_u64(o, "faults", s->faults);
	hf_json_set_u64(o, "prefetched", s->prefetched);
	hf_json_set_u64(o, "hits", s->hits);
	hf_json_set_u64(o, "misses", s->faults - s->hits);
	json_object_object_add(o, "accuracy", json_object_new_double(replay_accuracy(s)));
	json_object_object_add(o, "coverage", json_object_new_double(replay_coverage(s)));
	hf_json_set_u64(o, "redundant_requests", s->redundant);
	hf_json_set_u64(o, "rejected_requests", s->rejected);
	hf_json_set_u64(o, "evicted_unused", s->evicted);
	hf_json_set_u64(o, "hit_flag_mismatches", s->feedback_diff);
	return o;
}

/* A coverage as a fraction of the oracle's (0 when the oracle covers nothing). */
static double oracle_share(const struct replay_stats *s, const struct replay_stats *orc)
{
	return orc->hits ? (double)s->hits / orc->hits : 0;
}

static void print_replay_json(const struct replay_run *run, const char *source, double rate)
{
	struct json_object *o = json_object_new_object();
	struct json_object *arr = json_object_new_array();

	hf_json_set_str(o, "type", "replay");
	hf_json_set_str(o, "source", source);
	hf_json_set_u64(o, "buffer_pages", run->opts.buffer_pages);
	hf_json_set_u64(o, "resident_pages", run->opts.resident);
	hf_json_set_u64(o, "records", run->records);
	hf_json_set_u64(o, "skipped_records", run->skipped);
	if (run->slot_records)	/* only then: documents of v1 traces stay as they were */
		hf_json_set_u64(o, "slot_records", run->slot_records);
	hf_json_set_u64(o, "duration_ns", run->duration_ns);
	hf_json_set_u64(o, "records_per_sec", (uint64_t)rate);
	for (int i = 0; i < run->n; i++) {
		const struct fb_policy *pol = &run->pol[i];
		struct json_object *p = replay_run_loaded(run, i) ? stats_json(&run->lane[i].st) :
					json_object_new_object();

		hf_json_set_str(p, "policy", pol->name);
		hf_json_set_str(p, "engine", fb_use_name(pol->use));
		json_object_object_add(p, "loaded",
				       json_object_new_boolean(replay_run_loaded(run, i)));
		if (!replay_run_loaded(run, i)) {
			hf_json_set_str(p, "error", pol->load_error);
			hf_json_set_u64(p, "processed_insns", pol->load_insns);
		}
		if (run->orc && replay_run_loaded(run, i))
			json_object_object_add(p, "share_of_oracle", json_object_new_double(
				oracle_share(&run->lane[i].st, &run->oracle_st)));
		json_object_object_add(p, "parameters", fb_report_params_json(pol));
		json_object_array_add(arr, p);
	}
	json_object_object_add(o, "policies", arr);
	if (run->orc) {
		struct json_object *orc = stats_json(&run->oracle_st);

		/* it asks for nothing it would waste or be refused */
		json_object_object_del(orc, "redundant_requests");
		json_object_object_del(orc, "rejected_requests");
		json_object_object_del(orc, "hit_flag_mismatches");
		hf_json_set_u64(orc, "budget_per_miss", FB_MAX_REQ);
		json_object_object_add(o, "oracle", orc);
	}
	hf_json_emit(stdout, o);
	json_object_put(o);
}

/* One row of the text table; with the oracle, the share of its coverage too. */
static void replay_row_text(const struct replay_run *run, const char *name,
			    const struct replay_stats *s)
{
	printf("%-12s %10llu %10llu %10llu %10llu %8.3f %8.3f", name,
	       (unsigned long long)s->faults, (unsigned long long)s->prefetched,
	       (unsigned long long)s->hits, (unsigned long long)(s->faults - s->hits),
	       replay_accuracy(s), replay_coverage(s));
	if (run->orc)
		printf(" %9.3f", oracle_share(s, &run->oracle_st));
	putchar('\n');
}

static void print_replay_text(const struct replay_run *run, double rate)
{
	printf("%-12s %10s %10s %10s %10s %8s %8s", "POLICY", "FAULTS", "PREFETCHED",
	       "HITS", "MISSES", "ACCURACY", "COVERAGE");
	if (run->orc)
		printf(" %9s", "OF_ORACLE");
	putchar('\n');
	for (int i = 0; i < run->n; i++) {
		if (!replay_run_loaded(run, i)) {
			printf("%-12s not loaded: %s\n", run->pol[i].name, run->pol[i].load_error);
			continue;
		}
		replay_row_text(run, run->pol[i].name, &run->lane[i].st);
	}
	if (run->orc)
		replay_row_text(run, "oracle", &run->oracle_st);
	if (run->slot_records)
		printf("%llu slot records: replay knew the swap slots' state (batch %u)\n",
		       (unsigned long long)run->slot_records, run->batch);
	hf_debug("%llu records (%llu skipped) in %.3f s: %.0f records/s per policy lane, "
		 "buffer %u pages", (unsigned long long)run->records,
		 (unsigned long long)run->skipped, run->duration_ns / 1e9, rate,
		 run->opts.buffer_pages);
	for (int i = 0; i < run->n; i++)
		if (run->lane[i].st.feedback_diff)
			hf_debug("%s: %llu faults were hits the policy saw as misses or back "
				 "(buffer evictions within a batch; --batch 1 is exact)",
				 run->pol[i].name,
				 (unsigned long long)run->lane[i].st.feedback_diff);
}

/* A replay's counts per policy, labelled with the policy, engine and trace. */
static void replay_metrics(struct hf_metrics *m, const struct replay_run *run, const char *source)
{
	static const struct {
		const char *name, *unit, *help;
	} fam[] = {
		{ "hawkfetch_replay_faults_total", NULL, "Faults replayed." },
		{ "hawkfetch_replay_prefetched_total", NULL, "Pages a policy put in the buffer." },
		{ "hawkfetch_replay_hits_total", NULL, "Faults on a page the policy prefetched." },
		{ "hawkfetch_replay_accuracy_ratio", "ratio", "Hits / prefetched in replay." },
		{ "hawkfetch_replay_coverage_ratio", "ratio", "Hits / faults in replay." },
	};

	for (size_t f = 0; f < ARRAY_SIZE(fam); f++) {
		hf_metrics_family(m, fam[f].name, f < 3 ? HF_COUNTER : HF_GAUGE, fam[f].unit,
				  fam[f].help);
		for (int i = 0; i < run->n; i++) {
			const struct replay_stats *st = &run->lane[i].st;
			const char *pol = run->pol[i].name, *eng = fb_use_name(run->pol[i].use);
			uint64_t counts[] = { st->faults, st->prefetched, st->hits };

			if (!replay_run_loaded(run, i))
				continue;
			if (f < 3)
				hf_metrics_u64(m, counts[f], "policy", pol, "engine", eng, "trace",
					       source, NULL);
			else
				hf_metrics_double(m, f == 3 ? replay_accuracy(st) : replay_coverage(st),
						  "policy", pol, "engine", eng, "trace", source, NULL);
		}
	}
}

int fb_report_replay_metrics(const struct replay_run *run, const char *source)
{
	struct hf_metrics *m = hf_metrics_new("fbload");
	struct hf_error e;
	int err;

	if (!m)
		return HF_EXIT_FAIL;
	replay_metrics(m, run, source);
	err = hf_metrics_emit(m, &e) ? hf_fail(&e) : HF_EXIT_OK;
	hf_metrics_free(m);
	return err;
}

void fb_report_replay(const struct replay_run *run, const char *source)
{
	double rate = run->duration_ns ? run->records * 1e9 / run->duration_ns : 0;

	if (hf_opts.json)
		print_replay_json(run, source, rate);
	else if (!hf_opts.openmetrics)	/* fb_report_replay_metrics() prints */
		print_replay_text(run, rate);
}

void fb_report_decision(void *ctx, const struct fault_record *r, bool hit,
			   const uint64_t *req, uint32_t nreq)
{
	const char *policy = ctx;

	if (hf_opts.json) {
		struct json_object *o = json_object_new_object();
		struct json_object *arr = json_object_new_array();

		hf_json_set_str(o, "type", "decision");
		hf_json_set_str(o, "policy", policy);
		hf_json_set_u64(o, "pid", r->pid);
		json_object_object_add(o, "addr", hf_json_addr(r->addr));
		json_object_object_add(o, "hit", json_object_new_boolean(hit));
		for (uint32_t i = 0; i < nreq; i++)
			json_object_array_add(arr, req[i] & FB_REPLAY_PHYS ?
					      hf_json_u64(req[i] & FB_REPLAY_PAGE_MASK) :
					      hf_json_addr(req[i] << HF_PAGE_SHIFT));
		json_object_object_add(o, "prefetch", arr);
		hf_json_emit(stdout, o);
		json_object_put(o);
		return;
	}
	printf("%s %d 0x%llx %s", policy, r->pid, (unsigned long long)r->addr,
	       hit ? "hit" : "miss");
	for (uint32_t i = 0; i < nreq; i++) {
		if (req[i] & FB_REPLAY_PHYS)
			printf(" slot:%llu", (unsigned long long)(req[i] & FB_REPLAY_PAGE_MASK));
		else
			printf(" 0x%llx", (unsigned long long)(req[i] << HF_PAGE_SHIFT));
	}
	putchar('\n');
}

static struct json_object *kstat_json(const struct fb_kstat *k)
{
	struct json_object *p = json_object_new_object();

	hf_json_set_str(p, "policy", k->name);
	hf_json_set_u64(p, "faults", k->faults);
	hf_json_set_u64(p, "prefetched", k->prefetched);
	hf_json_set_u64(p, "hits", k->hits);
	hf_json_set_u64(p, "rejected", k->rejected);
	return p;
}

static void stats_json_doc(const struct fb_kstat *k, int n, const char *active)
{
	struct json_object *o = json_object_new_object();
	struct json_object *arr = json_object_new_array();

	hf_json_set_str(o, "type", "stats");
	hf_json_set_str(o, "active", active);
	for (int i = 0; i < n; i++) {
		struct json_object *p = kstat_json(&k[i]);

		json_object_object_add(p, "active",
				       json_object_new_boolean(!strcmp(k[i].name, active)));
		json_object_object_add(p, "accuracy",
				       json_object_new_double(fb_kstat_accuracy(&k[i])));
		json_object_object_add(p, "coverage",
				       json_object_new_double(fb_kstat_coverage(&k[i])));
		json_object_array_add(arr, p);
	}
	json_object_object_add(o, "policies", arr);
	hf_json_emit(stdout, o);
	json_object_put(o);
}

static void stats_text(const struct fb_kstat *k, int n, const char *active)
{
	printf("%-17s %10s %10s %10s %10s %8s %8s\n", "POLICY", "FAULTS", "PREFETCHED", "HITS",
	       "REJECTED", "ACCURACY", "COVERAGE");
	for (int i = 0; i < n; i++)
		printf("%-16s%s %10llu %10llu %10llu %10llu %8.3f %8.3f\n", k[i].name,
		       strcmp(k[i].name, active) ? " " : "*", (unsigned long long)k[i].faults,
		       (unsigned long long)k[i].prefetched, (unsigned long long)k[i].hits,
		       (unsigned long long)k[i].rejected, fb_kstat_accuracy(&k[i]),
		       fb_kstat_coverage(&k[i]));
	printf("%s\n", strcmp(active, "none") ? "* attached now" :
	       "no policy is attached now");
}

/* The node's swap readahead in /proc/vmstat, any kernel. */
static void vmstat_metrics(struct hf_metrics *m)
{
	static const char *const names[] = { "swap_ra", "swap_ra_hit", "pswpin", "pswpout" };
	static const char *const help[] = {
		"Pages the kernel read ahead on swap-in (vmstat swap_ra), any policy.",
		"Read-ahead swap pages later used (vmstat swap_ra_hit).",
		"Pages read from swap (vmstat pswpin).",
		"Pages written to swap (vmstat pswpout).",
	};
	static const char *const family[] = {
		"hawkfetch_swap_readahead_pages_total", "hawkfetch_swap_readahead_hits_total",
		"hawkfetch_swap_in_pages_total", "hawkfetch_swap_out_pages_total",
	};
	uint64_t v[ARRAY_SIZE(names)];

	if (hf_vmstat_read(names, v, ARRAY_SIZE(names)) != (int)ARRAY_SIZE(names))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		hf_metrics_family(m, family[i], HF_COUNTER, NULL, help[i]);
		hf_metrics_u64(m, v[i], NULL);
	}
}

/* FetchBPF's counters per policy attached since boot (patched kernel). */
static void kstat_metrics(struct hf_metrics *m, const struct fb_kstat *k, int n,
			  const char *active)
{
	static const char *const family[] = {
		"hawkfetch_fetchbpf_faults_total", "hawkfetch_fetchbpf_prefetched_total",
		"hawkfetch_fetchbpf_hits_total", "hawkfetch_fetchbpf_rejected_total",
	};
	static const char *const help[] = {
		"Swap-in faults seen by the attached policy.",
		"Pages the policy had the kernel read ahead.",
		"Faults on a page the policy read ahead.",
		"Requests the kernel refused.",
	};

	for (size_t f = 0; f < ARRAY_SIZE(family); f++) {
		hf_metrics_family(m, family[f], HF_COUNTER, NULL, help[f]);
		for (int i = 0; i < n; i++) {
			uint64_t v[] = { k[i].faults, k[i].prefetched, k[i].hits, k[i].rejected };

			hf_metrics_u64(m, v[f], "policy", k[i].name, NULL);
		}
	}
	hf_metrics_family(m, "hawkfetch_fetchbpf_policy_active", HF_GAUGE, NULL,
			  "1 for the policy attached now, 0 for one attached before.");
	for (int i = 0; i < n; i++)
		hf_metrics_u64(m, !strcmp(k[i].name, active), "policy", k[i].name, NULL);
}

int fb_report_stats_metrics(const struct fb_kstat *k, int n, const char *active)
{
	struct hf_metrics *m = hf_metrics_new("fbload");
	struct hf_error e;
	int err;

	if (!m)
		return HF_EXIT_FAIL;
	vmstat_metrics(m);
	if (k)
		kstat_metrics(m, k, n, active);
	err = hf_metrics_emit(m, &e) ? hf_fail(&e) : HF_EXIT_OK;
	hf_metrics_free(m);
	return err;
}

void fb_report_stats(const struct fb_kstat *k, int n, const char *active)
{
	if (hf_opts.json)
		stats_json_doc(k, n, active);
	else
		stats_text(k, n, active);
}

#define FB_REPORT_MAX 16

/* What is attached to the patched kernel: pins, the active policy, counters. */
struct fb_attached {
	bool patched;
	char names[FB_REPORT_MAX][FB_NAME_LEN];	/* pinned */
	int n;
	char active[64];
	struct fb_kstat k[FB_REPORT_MAX], *cur;
};

static void read_attached(struct fb_attached *a)
{
	int nk = 0;

	snprintf(a->active, sizeof(a->active), "none");
	a->patched = hf_kernel_has_struct(FB_STRUCT_OPS);
	if (!a->patched)
		return;
	a->n = fb_pinned_policies(a->names, FB_REPORT_MAX);
	nk = fb_kernel_stats(a->k, FB_REPORT_MAX, a->active, sizeof(a->active));
	if (nk < 0)
		snprintf(a->active, sizeof(a->active), "unknown");
	for (int i = 0; i < nk; i++)
		if (!strcmp(a->k[i].name, a->active))
			a->cur = &a->k[i];
}

static struct json_object *builtins_json(void)
{
	struct json_object *arr = json_object_new_array();
	size_t n;
	const struct fb_builtin *b = fb_builtins(&n);

	for (size_t i = 0; i < n; i++) {
		struct json_object *o;
		struct fb_policy p;
		struct hf_error e;	/* a built-in opens natively */

		if (fb_policy_open(&p, b[i].name, FB_USE_REPLAY_NATIVE, &e))
			continue;
		o = json_object_new_object();
		hf_json_set_str(o, "policy", b[i].name);
		hf_json_set_str(o, "description", b[i].description);
		json_object_object_add(o, "parameters", fb_report_params_json(&p));
		json_object_object_add(o, "parameter_ranges", param_ranges_json(&p));
		json_object_array_add(arr, o);
		fb_policy_close(&p);
	}
	return arr;
}

static void print_list_json(const struct fb_attached *a)
{
	struct json_object *o = json_object_new_object();
	struct json_object *pins = json_object_new_array();

	hf_json_set_str(o, "type", "policies");
	json_object_object_add(o, "builtin", builtins_json());
	for (int i = 0; i < a->n; i++)
		json_object_array_add(pins, json_object_new_string(a->names[i]));
	json_object_object_add(o, "pinned", pins);
	hf_json_set_str(o, "active", a->active);
	if (a->cur) {
		struct json_object *c = kstat_json(a->cur);

		json_object_object_del(c, "policy");
		json_object_object_add(o, "active_counters", c);
	}
	json_object_object_add(o, "kernel_has_fetchbpf", json_object_new_boolean(a->patched));
	hf_json_emit(stdout, o);
	json_object_put(o);
}

static void print_builtins_text(void)
{
	size_t n;
	const struct fb_builtin *b = fb_builtins(&n);

	printf("%-10s %s\n", "POLICY", "DESCRIPTION, PARAMETERS AND DEFAULTS");
	for (size_t i = 0; i < n; i++) {
		struct fb_policy p;
		struct hf_error e;	/* a built-in opens natively */
		char text[512];

		if (fb_policy_open(&p, b[i].name, FB_USE_REPLAY_NATIVE, &e))
			continue;
		params_text(&p, text, sizeof(text), true);
		printf("%-10s %s\n%-10s %s\n", b[i].name, b[i].description, "", text);
		fb_policy_close(&p);
	}
}

static void print_attached_text(const struct fb_attached *a)
{
	if (!a->patched) {
		printf("\nattached: none (this kernel lacks the FetchBPF patches; "
		       "replay works anywhere: fbload replay -r FILE POLICY...)\n");
		return;
	}
	printf("\nattached: %s", a->active);
	if (a->n)
		printf(" (pinned under %s:", FB_PIN_DIR);
	for (int i = 0; i < a->n; i++)
		printf(" %s", a->names[i]);
	printf("%s\n", a->n ? ")" : "");
	if (a->cur)
		printf("counters: %llu faults, %llu prefetched, %llu hits, %llu rejected "
		       "(fbload stats)\n", (unsigned long long)a->cur->faults,
		       (unsigned long long)a->cur->prefetched, (unsigned long long)a->cur->hits,
		       (unsigned long long)a->cur->rejected);
}

void fb_report_list(void)
{
	struct fb_attached a = { 0 };

	read_attached(&a);
	if (hf_opts.json) {
		print_list_json(&a);
	} else {
		print_builtins_text();
		print_attached_text(&a);
	}
}

/* ---- verify ---- */

static struct json_object *verify_row_json(const struct fb_verify_row *r)
{
	struct json_object *o = json_object_new_object();

	hf_json_set_str(o, "policy", r->policy);
	hf_json_set_str(o, "build", r->build);
	json_object_object_add(o, "loaded", json_object_new_boolean(!r->error[0]));
	if (r->error[0]) {
		hf_json_set_str(o, "error", r->error);
		hf_json_set_u64(o, "processed_insns", r->insns);
	} else {
		hf_json_set_str(o, "program", r->program);
		hf_json_set_u64(o, "verified_insns", r->insns);
	}
	json_object_object_add(o, "within_margin", json_object_new_boolean(r->ok));
	return o;
}

void fb_report_verify(const struct fb_verify_row *rows, int n, const char *kernel,
		      uint64_t max_insns)
{
	if (hf_opts.json) {
		struct json_object *o = json_object_new_object();
		struct json_object *arr = json_object_new_array();

		hf_json_set_str(o, "type", "verify");
		hf_json_set_str(o, "kernel", kernel);
		hf_json_set_u64(o, "max_insns", max_insns);
		for (int i = 0; i < n; i++)
			json_object_array_add(arr, verify_row_json(&rows[i]));
		json_object_object_add(o, "programs", arr);
		hf_json_emit(stdout, o);
		json_object_put(o);
		return;
	}
	printf("%-12s %-7s %-12s %14s  (kernel %s, margin %llu)\n", "POLICY", "BUILD", "PROGRAM",
	       "VERIFIED_INSNS", kernel, (unsigned long long)max_insns);
	for (int i = 0; i < n; i++) {
		const struct fb_verify_row *r = &rows[i];

		if (r->error[0])
			printf("%-12s %-7s refused after %llu instructions: %s\n", r->policy,
			       r->build, (unsigned long long)r->insns, r->error);
		else
			printf("%-12s %-7s %-12s %14llu%s\n", r->policy, r->build, r->program,
			       (unsigned long long)r->insns, r->ok ? "" : "  above the margin");
	}
}
