// SPDX-License-Identifier: GPL-2.0
/*
 * hpcov --promote's scheduler (cmd/hpcov/order.c) as a pure function:
 * coverage order, the 3:1 share of weights 30 and 10, round-robin within
 * 5 %, skips; and the weights and coverage readers on good and malformed
 * input (errors must name the line and the field).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hpcov/order.h"
#include "jsondoc.h"
#include "weights.h"
#include "unit.h"

#define MB2 0x200000ULL

static const struct hf_promote_policy every = { 1000, 1, HF_PROMOTE_TIE, HF_PROMOTE_STRIDE };
static const struct hf_promote_policy every_bucket = { 1000, 1, HF_PROMOTE_TIE, HF_PROMOTE_BUCKET };

/* n regions of pid at 2 MiB steps from base, coverage cov[i] (or 400). */
static size_t add(struct hf_promote_region *r, size_t at, pid_t pid, uint64_t base, size_t n,
		  const unsigned int *cov)
{
	for (size_t i = 0; i < n; i++)
		r[at + i] = (struct hf_promote_region){ pid, base + i * MB2, cov ? cov[i] : 400,
							false, "" };
	return at + n;
}

static void test_coverage_order(void)
{
	static const unsigned int cov[] = { 64, 512, 128, 448, 256, 384, 192, 320 };
	struct hf_promote_region r[8];
	struct hf_promote_proc p = { 100, 1, 0, 0, false };
	size_t order[8], n;
	struct hf_promote_skips sk;
	bool desc = true;

	add(r, 0, 100, 0x40000000, 8, cov);
	n = hf_promote_plan(r, 8, &p, 1, &every, order, &sk);
	for (size_t i = 1; i < n; i++)
		desc &= r[order[i - 1]].coverage > r[order[i]].coverage;
	CHECK("promote-plan-coverage-order", n == 8 && desc && r[order[0]].coverage == 512,
	      "n=%zu, first coverage %u", n, r[order[0]].coverage);
}

/* Weights 30 and 10, 20 regions each: any budget that is a multiple of 4 gives 3:1. */
static void test_three_to_one(void)
{
	struct hf_promote_region r[40];
	size_t order[40], n, a = 0;
	struct hf_promote_skips sk;
	char name[64];

	add(r, add(r, 0, 1, 0x10000000, 20, NULL), 2, 0x10000000, 20, NULL);
	for (unsigned int budget = 4; budget <= 24; budget += 4) {
		struct hf_promote_proc p[] = { { 1, 30, 0, 0, false }, { 2, 10, 0, 0, false } };
		struct hf_promote_policy pol = { budget, 1, HF_PROMOTE_TIE, HF_PROMOTE_STRIDE };

		n = hf_promote_plan(r, 40, p, 2, &pol, order, &sk);
		a = 0;
		for (size_t i = 0; i < n; i++)
			a += r[order[i]].pid == 1;
		snprintf(name, sizeof(name), "promote-plan-3-to-1-budget-%u", budget);
		CHECK(name, n == budget && a * 4 == budget * 3, "%zu of %zu to weight 30", a, n);
	}
	/* The same share when the budget comes one region per plan (hpcov --watch). */
	{
		struct hf_promote_proc p[] = { { 1, 30, 0, 0, false }, { 2, 10, 0, 0, false } };
		struct hf_promote_policy one = { 1, 1, HF_PROMOTE_TIE, HF_PROMOTE_STRIDE };

		for (int tick = 0; tick < 16; tick++) {
			n = hf_promote_plan(r, 40, p, 2, &one, order, &sk);
			r[order[0]].huge = true;	/* promoted: next plan skips it */
		}
		CHECK("promote-plan-3-to-1-one-per-tick", p[0].granted == 12 && p[1].granted == 4,
		      "granted %u and %u", p[0].granted, p[1].granted);
	}
}

/* 30 vs 29 (within 5 %): alternate; 30 vs 28 (outside): 30 first. */
static void test_round_robin(void)
{
	struct hf_promote_region r[20];
	/* Input order puts the lower weight first: round-robin would serve it first. */
	struct hf_promote_proc p[] = { { 2, 29, 0, 0, false }, { 1, 30, 0, 0, false } };
	struct hf_promote_proc q[] = { { 2, 28, 0, 0, false }, { 1, 30, 0, 0, false } };
	struct hf_promote_policy pol = { 6, 1, HF_PROMOTE_TIE, HF_PROMOTE_BUCKET };
	struct hf_promote_skips sk;
	size_t order[20], n;
	bool alt = true;

	add(r, add(r, 0, 1, 0x10000000, 10, NULL), 2, 0x10000000, 10, NULL);
	n = hf_promote_plan(r, 20, p, 2, &pol, order, &sk);
	for (size_t i = 0; i < n; i++)
		alt &= r[order[i]].pid == (pid_t)(2 - i % 2);
	CHECK("promote-plan-round-robin-within-5pct", n == 6 && alt, "not alternating");
	pol.budget = 1;
	n = hf_promote_plan(r, 20, q, 2, &pol, order, &sk);
	CHECK("promote-plan-highest-first-beyond-5pct", n == 1 && r[order[0]].pid == 1,
	      "pid %d first", r[order[0]].pid);
}

static void test_equal_and_skips(void)
{
	static const unsigned int cov[] = { 0, 3, 100, 512 };
	struct hf_promote_region r[9];
	struct hf_promote_proc p[] = { { 1, 1, 0, 0, false }, { 2, 1, 0, 0, false } };
	struct hf_promote_policy pol = { 100, hf_promote_min_coverage(508), HF_PROMOTE_TIE,
					 HF_PROMOTE_STRIDE };
	struct hf_promote_skips sk;
	size_t order[9], n;

	add(r, add(r, add(r, 0, 1, 0x10000000, 4, cov), 2, 0x10000000, 4, cov), 3, 0, 1, NULL);
	r[3].huge = true;		/* pid 1's 512: already huge */
	n = hf_promote_plan(r, 9, p, 2, &pol, order, &sk);
	/* pid 1: 100; pid 2: 512, 100 (4 = 512 - 508 is the floor: 0 and 3 skipped) */
	CHECK("promote-plan-skips", n == 3 && sk.huge == 1 && sk.low_coverage == 4 &&
	      sk.unknown_pid == 1, "n=%zu huge=%zu low=%zu unknown=%zu", n, sk.huge,
	      sk.low_coverage, sk.unknown_pid);
	CHECK("promote-plan-equal-weights-alternate", n == 3 && r[order[0]].pid == 1 &&
	      r[order[1]].pid == 2 && r[order[2]].pid == 2 && r[order[1]].coverage == 512,
	      "order pids %d %d %d", r[order[0]].pid, r[order[1]].pid, r[order[2]].pid);
	pol.order = HF_PROMOTE_BUCKET;
	memset(p, 0, sizeof(p));
	p[0] = (struct hf_promote_proc){ 1, 1, 0, 0, false };
	p[1] = (struct hf_promote_proc){ 2, 1, 0, 0, false };
	n = hf_promote_plan(r, 9, p, 2, &pol, order, &sk);
	/* pid 2's 512 (bucket 10) first; then bucket 2: pid 1 (never served), pid 2 */
	CHECK("promote-plan-bucket-equal-weights", n == 3 && r[order[0]].pid == 2 &&
	      r[order[1]].pid == 1 && r[order[2]].pid == 2 && r[order[0]].coverage == 512,
	      "order pids %d %d %d", r[order[0]].pid, r[order[1]].pid, r[order[2]].pid);
	CHECK("promote-min-coverage", hf_promote_min_coverage(511) == 1 &&
	      hf_promote_min_coverage(0) == 512 && hf_promote_min_coverage(-1) == 1 &&
	      hf_promote_min_coverage(64) == 448, "wrong floor");
}

/*
 * The HawkEye paper's example: A, B and C with equal MMU overhead, regions
 * in the buckets (50 pages each) that make the order A1, B1, C1, C2, B2,
 * C3, C4, B3, B4, A2, C5, A3. Within a bucket coverage does not decide
 * across processes (C3 445 > B2 405, C5 295 > A2 255): turns do.
 */
static const struct { pid_t pid; const char *name; unsigned int cov; } paper[] = {
	{ 1, "A1", 512 }, { 2, "B1", 508 }, { 3, "C1", 503 },	/* bucket 10 */
	{ 3, "C2", 470 },					/* 9 */
	{ 2, "B2", 405 }, { 3, "C3", 445 },			/* 8 */
	{ 3, "C4", 380 },					/* 7 */
	{ 2, "B3", 340 }, { 2, "B4", 310 },			/* 6 */
	{ 1, "A2", 255 }, { 3, "C5", 295 },			/* 5 */
	{ 1, "A3", 210 },					/* 4 */
};
#define NPAPER (sizeof(paper) / sizeof(paper[0]))

/* Plan the paper's regions with weights w[0..2] for A, B, C; the names in order. */
static void paper_plan(const double *w, unsigned int budget, char *got, size_t len)
{
	struct hf_promote_region r[NPAPER];
	struct hf_promote_proc p[3];
	struct hf_promote_policy pol = every_bucket;
	struct hf_promote_skips sk;
	size_t order[NPAPER], n;

	for (size_t i = 0; i < NPAPER; i++)
		r[i] = (struct hf_promote_region){ paper[i].pid, (uint64_t)paper[i].pid << 32 |
						   (i + 1) * MB2, paper[i].cov, false, "" };
	for (int i = 0; i < 3; i++)
		p[i] = (struct hf_promote_proc){ i + 1, w[i], 0, 0, false };
	got[0] = '\0';
	/* One plan of the whole budget, or one region per plan (as --watch would). */
	for (unsigned int done = 0; done < NPAPER; done += budget) {
		pol.budget = budget;
		n = hf_promote_plan(r, NPAPER, p, 3, &pol, order, &sk);
		for (size_t k = 0; k < n; k++) {
			snprintf(got + strlen(got), len - strlen(got), "%s%s", *got ? " " : "",
				 paper[order[k]].name);
			r[order[k]].huge = true;
		}
	}
}

static void test_paper_order(void)
{
	static const char want[] = "A1 B1 C1 C2 B2 C3 C4 B3 B4 A2 C5 A3";
	static const double equal[] = { 1, 1, 1 }, near[] = { 1.02, 1.04, 1 };
	static const double heavy_c[] = { 1, 1, 1.2 }, unweighted_a[] = { 0, 1, 1 };
	char got[128];

	paper_plan(equal, NPAPER, got, sizeof(got));
	CHECK("promote-plan-paper-order", !strcmp(got, want), "got %s", got);
	paper_plan(equal, 1, got, sizeof(got));
	CHECK("promote-plan-paper-order-one-per-plan", !strcmp(got, want), "got %s", got);
	/* Within 5 % of each other counts as similar overhead: the same order. */
	paper_plan(near, NPAPER, got, sizeof(got));
	CHECK("promote-plan-paper-order-within-5pct", !strcmp(got, want), "got %s", got);
	/* C clearly higher (20 %): C first in every bucket it shares, buckets still first. */
	paper_plan(heavy_c, NPAPER, got, sizeof(got));
	CHECK("promote-plan-clearly-higher-first",
	      !strcmp(got, "C1 A1 B1 C2 C3 B2 C4 B3 B4 C5 A2 A3"), "got %s", got);
	/* A without a weight: after every weighted process's regions. */
	paper_plan(unweighted_a, NPAPER, got, sizeof(got));
	CHECK("promote-plan-unweighted-last",
	      !strcmp(got, "B1 C1 C2 B2 C3 C4 B3 B4 C5 A1 A2 A3"), "got %s", got);
}

static void test_order_names(void)
{
	enum hf_promote_order o = HF_PROMOTE_STRIDE;

	CHECK("promote-order-parse", !hf_promote_order_parse("bucket", &o) &&
	      o == HF_PROMOTE_BUCKET && !hf_promote_order_parse("stride", &o) &&
	      o == HF_PROMOTE_STRIDE && hf_promote_order_parse("Bucket", &o) == -EINVAL &&
	      !strcmp(hf_promote_order_name(HF_PROMOTE_BUCKET), "bucket"), "wrong parse");
}

/* ---- readers ---- */

static int read_weights(const char *text, struct hf_weight **w, size_t *n, char *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret = hf_weights_read(f, "w.json", w, n, err, 256);

	fclose(f);
	return ret;
}

static int read_cov(const char *text, struct hf_promote_region **r, size_t *n, char *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret = hf_coverage_read(f, "c.json", r, n, err, 256);

	fclose(f);
	return ret;
}

static void test_weights_reader(void)
{
	static const struct { const char *text, *want; } bad[] = {
		{ "", "w.json: no weights" },
		{ "{\"type\":\"interval\",\"pid\":1}\n", "w.json: no weights" },
		{ "{\"type\":\"mmu_interval\",\"pid\":1}\n", "w.json: no weights" },
		{ "{\"type\":\"summary\"}", "w.json:1: no \"processes\" array" },
		{ "{\"type\":\"mmu_summary\"}", "w.json:1: no \"processes\" array" },
		{ "\n\n{\"type\":\"summary\",\"processes\":[{\"pid\":1}]}", "w.json:3: processes[0]: no \"weight\"" },
		{ "{\"type\":\"weights\",\"processes\":[{\"pid\":1,\"weight\":1},{\"pid\":-2,\"weight\":1}]}",
		  "w.json:1: processes[1].pid: -2 out of range" },
		{ "{\"type\":\"weights\",\"processes\":[{\"pid\":1,\"weight\":\"x\"}]}",
		  "w.json:1: processes[0].weight: not a number" },
		{ "{\"type\":\"weights\",\"processes\":[{\"pid\":1,\"weight\":-1}]}",
		  "w.json:1: processes[0].weight: must be" },
		{ "{\"type\":\"summary\",\"processes\":[{\"pid\":1,\"weight\":null}]}",
		  "w.json:1: processes[0].weight: null" },
		{ "{\"type\":\"interval\"}\n{\"type\":\"summ", "w.json:2: not JSON: truncated" },
		{ "{\"type\":\"interval\"}\n[1]", "w.json:2: expected a JSON object" },
		{ "{\"a\":1,\n\"b\":}", "w.json:2: not JSON" },
		{ "{\"type\":\"error\",\"message\":\"no hardware PMU\"}", "reported an error: no hardware PMU" },
	};
	/* mmucost -j output as it writes it now, and as it did before (old files). */
	static const struct { const char *name, *text; } good[] = {
		{ "weights-read-mmucost", "{\"type\":\"mmu_interval\",\"pid\":7}\n"
		  "{\"type\":\"mmu_summary\",\"processes\":[{\"pid\":7,\"comm\":\"a\","
		  "\"weight\":0.3},{\"pid\":8,\"weight\":1}]}\n" },
		{ "weights-read-mmucost-old-names", "{\"type\":\"interval\",\"pid\":7}\n"
		  "{\"type\":\"summary\",\"processes\":[{\"pid\":7,\"comm\":\"a\","
		  "\"weight\":0.3},{\"pid\":8,\"weight\":1}]}\n" },
	};
	struct hf_weight *w = NULL;
	char err[256];
	size_t n = 0;
	int ret;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		w = NULL;
		ret = read_weights(good[i].text, &w, &n, err);
		CHECK(good[i].name, !ret && n == 2 && w[0].pid == 7 && w[0].weight == 0.3 &&
		      !strcmp(w[0].comm, "a") && w[1].weight == 1, "ret %d: %s", ret,
		      ret ? err : "");
		if (!ret)
			free(w);
	}
	/* The last summary counts, whichever name each has. */
	w = NULL;
	ret = read_weights("{\"type\":\"summary\",\"processes\":[{\"pid\":1,\"weight\":1}]}\n"
			   "{\"type\":\"mmu_summary\",\"processes\":[{\"pid\":2,\"weight\":2}]}\n",
			   &w, &n, err);
	CHECK("weights-read-last-summary", !ret && n == 1 && w[0].pid == 2, "ret %d: %s", ret,
	      ret ? err : "");
	if (!ret)
		free(w);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char name[64];

		snprintf(name, sizeof(name), "weights-read-rejects-%zu", i);
		err[0] = '\0';
		w = NULL;
		ret = read_weights(bad[i].text, &w, &n, err);
		CHECK(name, ret == -EINVAL && strstr(err, bad[i].want), "ret %d, err '%s', want '%s'",
		      ret, err, bad[i].want);
		if (!ret)
			free(w);
	}
}

/* 0.8 * old + 0.2 * measured: a step from 0 to 1 is followed slowly. */
static void test_smoothing(void)
{
	double w = 0, want[] = { 0.2, 0.36, 0.488, 0.5904 };
	bool ok = true;

	for (int i = 0; i < 4; i++) {
		w = hf_weight_smooth(w, 1);
		ok &= fabs(w - want[i]) < 1e-12;
	}
	CHECK("weight-smooth-step", ok, "after 4 steps %g", w);
}

/* Write text to fd whole. */
static void put(int fd, const char *text)
{
	size_t len = strlen(text);

	if (write(fd, text, len) != (ssize_t)len)
		abort();
}

static double feed_weight(const struct hf_weights_feed *f, pid_t pid)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->w[i].pid == pid)
			return f->w[i].weight;
	return -1;
}

/*
 * A weights stream arriving in pieces: what has come is taken in at once,
 * a document cut in two waits for its end; pid 1 steps from 0.1 to 0.3,
 * measured by interval records of mmucost's name before ("interval") and
 * now ("mmu_interval").
 */
static void test_feed(void)
{
	static const char *w1 = "{\"type\":\"weights\",\"processes\":[{\"pid\":1,\"weight\":0.1},"
				"{\"pid\":2,\"weight\":0.2}]}\n";
	struct hf_weights_feed f;
	char err[256] = "";
	int fd[2], n1, n2, n3, n4;

	if (pipe(fd) || hf_weights_feed_init(&f, fd[0], "w"))
		abort();
	put(fd[1], w1);
	put(fd[1], "{\"type\":\"interval\",\"pid\":1,\"mmu_overhead\":0.3}\n"
		   "{\"type\":\"mmu_interval\",");
	n1 = hf_weights_feed_poll(&f, true, err, sizeof(err));
	CHECK("weights-feed-first", n1 == 3 && feed_weight(&f, 1) > 0.13999 &&
	      feed_weight(&f, 1) < 0.14001 && feed_weight(&f, 2) == 0.2, "%d: %s, w1 %g",
	      n1, err, feed_weight(&f, 1));
	n2 = hf_weights_feed_poll(&f, false, err, sizeof(err));
	CHECK("weights-feed-nothing-new", n2 == 0 && !f.eof, "%d: %s", n2, err);
	/* The rest of the cut document; a null overhead is no measurement. */
	put(fd[1], "\"pid\":1,\n\"mmu_overhead\":0.3}\n{\"type\":\"mmu_interval\",\"pid\":2,"
		   "\"mmu_overhead\":null}\n");
	n3 = hf_weights_feed_poll(&f, false, err, sizeof(err));
	CHECK("weights-feed-cut-document", n3 == 1 && fabs(feed_weight(&f, 1) - 0.172) < 1e-12 &&
	      feed_weight(&f, 2) == 0.2, "%d: %s, w1 %g", n3, err, feed_weight(&f, 1));
	put(fd[1], "{\"type\":\"weights\",\"processes\":[{\"pid\":1,\"weight\":-1}]}\n");
	close(fd[1]);
	n4 = hf_weights_feed_poll(&f, false, err, sizeof(err));
	CHECK("weights-feed-bad-line-named", n4 == -EINVAL &&
	      strstr(err, "w:6: processes[0].weight: must be"), "%d: %s", n4, err);
	hf_weights_feed_free(&f);
	close(fd[0]);

	if (pipe(fd) || hf_weights_feed_init(&f, fd[0], "w"))
		abort();
	put(fd[1], "{\"type\":\"interval\",\"pid\":1,\"mmu_overhead\":null}\n{\"type\":");
	close(fd[1]);
	n1 = hf_weights_feed_poll(&f, true, err, sizeof(err));
	CHECK("weights-feed-truncated-at-end", n1 == -EINVAL && strstr(err, "w:2: not JSON: truncated"),
	      "%d: %s", n1, err);
	hf_weights_feed_free(&f);
	close(fd[0]);
}

static void test_coverage_reader(void)
{
	static const struct { const char *text, *want; } bad[] = {
		{ "{\"type\":\"coverage\"}", "c.json:1: no \"candidates\" array" },
		{ "{\"type\":\"coverage\",\"candidates\":[{\"pid\":1,\"addr\":\"0x200001\",\"coverage\":3}]}",
		  "candidates[0].addr: \"0x200001\" is not a 2 MiB-aligned" },
		{ "{\"type\":\"coverage\",\"candidates\":[{\"pid\":1,\"addr\":4096,\"coverage\":3}]}",
		  "candidates[0].addr: missing" },
		{ "{\"type\":\"coverage\",\"candidates\":[{\"pid\":1,\"addr\":\"0x200000\",\"coverage\":513}]}",
		  "candidates[0].coverage: 513 out of range" },
		{ "{\"type\":\"coverage\",\"candidates\":[{\"pid\":1,\"addr\":\"0x200000\"}]}",
		  "candidates[0]: no \"coverage\"" },
		{ "{\"type\":\"coverage\",\"candidates\":[],\"huge_regions\":[{\"pid\":\"1\"}]}",
		  "huge_regions[0].pid: not an integer" },
		{ "{\"type\":\"coverage\",\"candidates\":[]}\n{\"type\":\"coverage\",\"candidates\":[]}",
		  "c.json:2: a second coverage document" },
		{ "{\"type\":\"coverage\",\"candidates\":{}}", "\"candidates\": not an array" },
		{ "{\"type\":\"mystery\"}", "no coverage" },
	};
	const char *good = "{\"type\":\"coverage\",\"interval_ms\":1000,\"candidates\":["
		"{\"rank\":1,\"pid\":5,\"comm\":\"w\",\"addr\":\"0x7f0000200000\",\"coverage\":500},"
		"{\"rank\":2,\"pid\":5,\"comm\":\"w\",\"addr\":\"0x7f0000400000\",\"coverage\":0}],"
		"\"huge_regions\":[{\"pid\":5,\"addr\":\"0x7f0000600000\"}]}";
	struct hf_promote_region *r = NULL;
	char err[256];
	size_t n = 0;
	int ret = read_cov(good, &r, &n, err);

	CHECK("coverage-read-hpcov", !ret && n == 3 && r[0].pid == 5 && r[0].addr == 0x7f0000200000 &&
	      r[0].coverage == 500 && !r[0].huge && r[1].coverage == 0 && r[2].huge &&
	      !strcmp(r[0].comm, "w"), "ret %d: %s", ret, ret ? err : "");
	free(r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char name[64];

		snprintf(name, sizeof(name), "coverage-read-rejects-%zu", i);
		err[0] = '\0';
		r = NULL;
		ret = read_cov(bad[i].text, &r, &n, err);
		CHECK(name, ret == -EINVAL && strstr(err, bad[i].want), "ret %d, err '%s', want '%s'",
		      ret, err, bad[i].want);
		if (!ret)
			free(r);
	}
	/* A comm the reports escaped (bytes 0xff 0xfe, '\\') reads back as its bytes. */
	r = NULL;
	ret = read_cov("{\"type\":\"coverage\",\"candidates\":[{\"pid\":5,"
		       "\"comm\":\"\\\\377\\\\376a\\\\134b\",\"addr\":\"0x200000\",\"coverage\":9}]}",
		       &r, &n, err);
	CHECK("coverage-read-escaped-comm", !ret && n == 1 && !strcmp(r[0].comm, "\xff\xfe" "a\\b"),
	      "ret %d: %s", ret, ret ? err : r[0].comm);
	if (!ret)
		free(r);
	/* No line end in 16 MiB (/dev/zero): refused, the line named. */
	{
		size_t big = HF_DOC_LINE_MAX + 2;
		char *text = malloc(big + 1);

		memset(text, ' ', big);
		text[big] = '\0';
		r = NULL;
		ret = read_cov(text, &r, &n, err);
		CHECK("coverage-read-line-limit", ret == -EINVAL &&
		      strstr(err, "c.json:1: line longer than 16777216 bytes"), "ret %d, err '%s'",
		      ret, err);
		free(text);
	}
}

int main(void)
{
	test_coverage_order();
	test_three_to_one();
	test_round_robin();
	test_equal_and_skips();
	test_paper_order();
	test_order_names();
	test_weights_reader();
	test_coverage_reader();
	test_smoothing();
	test_feed();
	return UNIT_EXIT();
}
