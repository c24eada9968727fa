// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "helpers.h"
#include "jsondoc.h"
#include "idle.h"
#include "pagemap.h"
#include "order.h"

/* ---- the plan ---- */

struct cand {
	size_t reg;		/* index into the caller's regions */
	size_t proc;		/* index into the caller's processes */
	unsigned int coverage;
	uint64_t addr;
};

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->proc != y->proc)
		return x->proc < y->proc ? -1 : 1;
	if (x->coverage != y->coverage)
		return x->coverage > y->coverage ? -1 : 1;
	return (x->addr > y->addr) - (x->addr < y->addr);
}

static long proc_index(const struct hf_promote_proc *proc, size_t nproc, pid_t pid)
{
	for (size_t i = 0; i < nproc; i++)
		if (proc[i].pid == pid)
			return i;
	return -1;
}

static double effective_weight(const struct hf_promote_proc *p)
{
	return p->weight / (1.0 + p->granted);
}

/* The processes that may be served now, and how each one weighs. */
struct field {
	const struct hf_promote_proc *proc;
	size_t nproc;
	const struct cand *c;
	const size_t *next, *end;	/* next[p] < end[p]: p still has candidates */
	enum hf_promote_order order;
	int top;			/* HF_PROMOTE_BUCKET: the bucket served now */
	bool weighted;			/* a process with weight > 0 is in the field */
};

/* The bucket of p's best remaining region, or -1 when it has none left. */
static int next_bucket(const struct field *f, size_t p)
{
	return f->next[p] < f->end[p] ? (int)hf_cov_bucket(f->c[f->next[p]].coverage) : -1;
}

static bool in_field(const struct field *f, size_t p)
{
	if (f->next[p] >= f->end[p] || (f->weighted && !(f->proc[p].weight > 0)))
		return false;
	return f->order == HF_PROMOTE_STRIDE || next_bucket(f, p) == f->top;
}

static double field_weight(const struct field *f, size_t p)
{
	return f->order == HF_PROMOTE_STRIDE ? effective_weight(&f->proc[p]) : f->proc[p].weight;
}

/*
 * Who competes for the next grant: with HF_PROMOTE_BUCKET the processes
 * whose best remaining region is in the highest bucket left over all of
 * them; weight-0 processes only once no weighted one has a region left.
 */
static void field_setup(struct field *f)
{
	f->weighted = false;
	f->top = -1;
	for (size_t i = 0; i < f->nproc; i++)
		f->weighted |= f->next[i] < f->end[i] && f->proc[i].weight > 0;
	for (size_t i = 0; i < f->nproc; i++)
		if (!f->weighted || f->proc[i].weight > 0)
			f->top = next_bucket(f, i) > f->top ? next_bucket(f, i) : f->top;
}

/*
 * The next process to serve: of the field, the highest weight, round-robin
 * (served longest ago first) among those within the tie band of it.
 */
static long pick(struct field *f, double tie)
{
	double best = -1;
	long chosen = -1;

	field_setup(f);
	for (size_t i = 0; i < f->nproc; i++)
		if (in_field(f, i) && field_weight(f, i) > best)
			best = field_weight(f, i);
	for (size_t i = 0; i < f->nproc; i++) {
		if (!in_field(f, i) || field_weight(f, i) < best * (1 - tie))
			continue;
		if (chosen < 0 || f->proc[i].last_served < f->proc[chosen].last_served)
			chosen = i;
	}
	return chosen;
}

static uint64_t grant_clock(const struct hf_promote_proc *proc, size_t nproc)
{
	uint64_t clock = 1;

	for (size_t i = 0; i < nproc; i++)
		clock += proc[i].granted;
	return clock;
}

/* The eligible regions, grouped by process, best first; NULL on ENOMEM. */
static struct cand *candidates(const struct hf_promote_region *reg, size_t nreg,
			       const struct hf_promote_proc *proc, size_t nproc,
			       unsigned int min_coverage, size_t *n,
			       struct hf_promote_skips *skips)
{
	struct cand *c = malloc((nreg ? nreg : 1) * sizeof(*c));

	*n = 0;
	for (size_t i = 0; c && i < nreg; i++) {
		long p = proc_index(proc, nproc, reg[i].pid);

		if (p < 0 || proc[p].exited)
			skips->unknown_pid++;
		else if (reg[i].huge)
			skips->huge++;
		else if (reg[i].coverage < min_coverage)
			skips->low_coverage++;
		else
			c[(*n)++] = (struct cand){ i, p, reg[i].coverage, reg[i].addr };
	}
	if (c)
		qsort(c, *n, sizeof(*c), cand_cmp);
	return c;
}

size_t hf_promote_plan(const struct hf_promote_region *reg, size_t nreg,
		       struct hf_promote_proc *proc, size_t nproc,
		       const struct hf_promote_policy *pol, size_t *order,
		       struct hf_promote_skips *skips)
{
	size_t ncand, planned = 0, *next = calloc(nproc + 1, sizeof(*next));
	size_t *end = calloc(nproc + 1, sizeof(*end));
	struct cand *c;

	memset(skips, 0, sizeof(*skips));
	c = candidates(reg, nreg, proc, nproc, pol->min_coverage, &ncand, skips);
	if (!c || !next || !end)
		goto out;
	/* Each process's run of candidates in c[]: [next[p], end[p]). */
	for (size_t i = ncand; i-- > 0;)
		next[c[i].proc] = i;
	for (size_t i = 0; i < ncand; i++)
		end[c[i].proc] = i + 1;
	while (planned < pol->budget) {
		struct field f = { proc, nproc, c, next, end, pol->order, -1, false };
		long p = pick(&f, pol->tie);

		if (p < 0)
			break;
		order[planned++] = c[next[p]++].reg;
		proc[p].last_served = grant_clock(proc, nproc);
		proc[p].granted++;
	}
out:
	free(c);
	free(next);
	free(end);
	return planned;
}

int hf_promote_order_parse(const char *s, enum hf_promote_order *order)
{
	if (!strcmp(s, "bucket"))
		*order = HF_PROMOTE_BUCKET;
	else if (!strcmp(s, "stride"))
		*order = HF_PROMOTE_STRIDE;
	else
		return -EINVAL;
	return 0;
}

const char *hf_promote_order_name(enum hf_promote_order order)
{
	return order == HF_PROMOTE_STRIDE ? "stride" : "bucket";
}

unsigned int hf_promote_min_coverage(int max_ptes_none)
{
	if (max_ptes_none < 0 || max_ptes_none >= (int)HF_HPAGE_NR)
		max_ptes_none = HF_HPAGE_NR - 1;
	return HF_HPAGE_NR - max_ptes_none;
}

/* ---- coverage ---- */

struct coverage {
	struct hf_promote_region *r;
	size_t n;
	bool found;
};

static int parse_addr(struct hf_doc_reader *rd, struct json_object *e, const char *where, uint64_t *addr)
{
	struct json_object *f;
	const char *s;
	char *end;

	if (!json_object_object_get_ex(e, "addr", &f) || !json_object_is_type(f, json_type_string))
		return hf_doc_bad(rd, "%s.addr: missing or not a \"0x...\" string", where);
	s = json_object_get_string(f);
	errno = 0;
	*addr = strncmp(s, "0x", 2) ? 0 : strtoull(s + 2, &end, 16);
	if (strncmp(s, "0x", 2) || errno || end == s + 2 || *end || *addr % HF_HPAGE_SIZE)
		return hf_doc_bad(rd, "%s.addr: \"%.40s\" is not a 2 MiB-aligned \"0x...\" address",
			   where, s);
	return 0;
}

static int parse_region(struct hf_doc_reader *rd, struct json_object *e, const char *where,
			bool huge, struct hf_promote_region *r)
{
	int64_t v;
	int err;

	if (!json_object_is_type(e, json_type_object))
		return hf_doc_bad(rd, "%s: not an object", where);
	if ((err = hf_doc_get_int(rd, e, where, "pid", 1, INT32_MAX, &v)))
		return err;
	r->pid = v;
	r->huge = huge;
	hf_doc_get_comm(e, r->comm);
	if ((err = parse_addr(rd, e, where, &r->addr)))
		return err;
	if (huge)
		r->coverage = HF_HPAGE_NR;
	else if ((err = hf_doc_get_int(rd, e, where, "coverage", 0, HF_HPAGE_NR, &v)))
		return err;
	else
		r->coverage = v;
	return 0;
}

static int add_regions(struct hf_doc_reader *rd, struct coverage *cov, struct json_object *a,
		       const char *key, bool huge)
{
	size_t n = a ? json_object_array_length(a) : 0;
	struct hf_promote_region *r = realloc(cov->r, (cov->n + n + 1) * sizeof(*r));

	if (!r)
		return -ENOMEM;
	cov->r = r;
	for (size_t i = 0; i < n; i++, cov->n++) {
		char where[48];
		int err;

		snprintf(where, sizeof(where), "%s[%zu]", key, i);
		memset(&r[cov->n], 0, sizeof(r[cov->n]));
		if ((err = parse_region(rd, json_object_array_get_idx(a, i), where, huge,
					&r[cov->n])))
			return err;
	}
	return 0;
}

static int coverage_doc(struct hf_doc_reader *rd, struct json_object *doc, void *ctx)
{
	struct coverage *cov = ctx;
	const char *type = hf_doc_type(doc);
	struct json_object *cand, *huge, *m;
	int err;

	if (type && !strcmp(type, "error") && json_object_object_get_ex(doc, "message", &m))
		return hf_doc_bad(rd, "the producer reported an error: %s", json_object_get_string(m));
	if (type && strcmp(type, "coverage"))
		return 0;
	if (cov->found)
		return hf_doc_bad(rd, "a second coverage document (give one hpcov -j run)");
	if (!(cand = hf_doc_get_array(rd, doc, "candidates", true, &err)))
		return err;
	huge = hf_doc_get_array(rd, doc, "huge_regions", false, &err);
	if (err || (err = add_regions(rd, cov, cand, "candidates", false)) ||
	    (err = add_regions(rd, cov, huge, "huge_regions", true)))
		return err;
	cov->found = true;
	return 0;
}

int hf_coverage_read(FILE *f, const char *name, struct hf_promote_region **r, size_t *n,
		     char *err, size_t errlen)
{
	struct hf_doc_reader rd = { name, err, errlen, 1 };
	struct coverage cov = { 0 };
	int ret = hf_doc_read_all(f, &rd, coverage_doc, &cov);

	if (!ret && !cov.found && !(rd.line = 0))
		ret = hf_doc_bad(&rd, "no coverage: expected hpcov -j output "
			  "({\"type\":\"coverage\",\"candidates\":[...]})");
	if (ret) {
		free(cov.r);
		return ret;
	}
	*r = cov.r;
	*n = cov.n;
	return 0;
}
