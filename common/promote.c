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
#include "idle.h"
#include "pagemap.h"
#include "promote.h"

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

/* ---- reading JSON documents ---- */

struct reader {
	const char *name;
	char *err;
	size_t errlen;
	int line;		/* where the current document starts */
};

static int bad(struct reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct reader *rd, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rd->line)
		snprintf(rd->err, rd->errlen, "%s:%d: %s", rd->name, rd->line, msg);
	else
		snprintf(rd->err, rd->errlen, "%s: %s", rd->name, msg);
	return -EINVAL;
}

/*
 * Read f whole, refusing a line longer than HF_DOC_LINE_MAX (/dev/zero must
 * not grow the reader without bound): -E2BIG with *line set to its number.
 */
static int slurp(FILE *f, char **buf, size_t *len, int *line)
{
	size_t cap = 65536, linelen = 0;

	*len = 0;
	*line = 1;
	errno = 0;
	*buf = malloc(cap);
	while (*buf) {
		size_t got = fread(*buf + *len, 1, cap - *len - 1, f);

		for (size_t i = *len; i < *len + got; i++) {
			if ((*buf)[i] == '\n') {
				++*line;
				linelen = 0;
			} else if (++linelen > HF_DOC_LINE_MAX) {
				free(*buf);
				*buf = NULL;
				return -E2BIG;
			}
		}
		*len += got;
		if (got == 0)
			break;
		if (*len + 1 == cap) {
			char *p = realloc(*buf, cap *= 2);

			if (!p)
				free(*buf);
			*buf = p;
		}
	}
	if (!*buf)
		return -ENOMEM;
	(*buf)[*len] = '\0';
	if (ferror(f)) {
		int e = errno ? errno : EIO;

		free(*buf);
		*buf = NULL;
		return -e;
	}
	return 0;
}

static int count_lines(const char *s, size_t n)
{
	int lines = 0;

	for (size_t i = 0; i < n; i++)
		lines += s[i] == '\n';
	return lines;
}

typedef int (*doc_cb)(struct reader *rd, struct json_object *doc, void *ctx);

/* Call cb for each top-level JSON document in f (JSON Lines or one document). */
static int read_docs(FILE *f, struct reader *rd, doc_cb cb, void *ctx)
{
	struct json_tokener *tok = json_tokener_new();
	size_t len, off = 0;
	char *buf;
	int where, err = slurp(f, &buf, &len, &where);

	if (err == -E2BIG) {
		json_tokener_free(tok);
		rd->line = where;
		return bad(rd, "line longer than %d bytes", HF_DOC_LINE_MAX);
	}

	while (!err && tok) {
		struct json_object *doc;
		size_t skip = strspn(buf + off, " \t\r\n");

		rd->line += count_lines(buf + off, skip);
		if ((off += skip) >= len)
			break;
		if (buf[off] != '{') {
			err = bad(rd, "expected a JSON object");
			break;
		}
		json_tokener_reset(tok);
		doc = json_tokener_parse_ex(tok, buf + off, len - off);
		if (!doc) {
			enum json_tokener_error e = json_tokener_get_error(tok);

			rd->line += count_lines(buf + off, json_tokener_get_parse_end(tok));
			err = bad(rd, "not JSON: %s", e == json_tokener_continue ?
				  "truncated document" : json_tokener_error_desc(e));
			break;
		}
		err = cb(rd, doc, ctx);
		json_object_put(doc);
		rd->line += count_lines(buf + off, json_tokener_get_parse_end(tok));
		off += json_tokener_get_parse_end(tok);
	}
	if (!tok)
		err = -ENOMEM;
	json_tokener_free(tok);
	free(buf);
	return err;
}

static const char *doc_type(struct json_object *doc)
{
	struct json_object *t;

	if (!json_object_object_get_ex(doc, "type", &t))
		return NULL;
	return json_object_is_type(t, json_type_string) ? json_object_get_string(t) : "";
}

/* An integer field in [min, max]. */
static int get_int(struct reader *rd, struct json_object *o, const char *where,
		   const char *key, int64_t min, int64_t max, int64_t *v)
{
	struct json_object *f;

	if (!json_object_object_get_ex(o, key, &f))
		return bad(rd, "%s: no \"%s\"", where, key);
	if (!json_object_is_type(f, json_type_int))
		return bad(rd, "%s.%s: not an integer", where, key);
	*v = json_object_get_int64(f);
	if (*v < min || *v > max)
		return bad(rd, "%s.%s: %lld out of range %lld..%lld", where, key,
			   (long long)*v, (long long)min, (long long)max);
	return 0;
}

static void get_comm(struct json_object *o, char *comm)
{
	struct json_object *f;

	comm[0] = '\0';
	if (json_object_object_get_ex(o, "comm", &f) && json_object_is_type(f, json_type_string)) {
		const char *s = json_object_get_string(f);
		size_t n = 0;

		/* Undo the reports' escapes ("\\377": byte 0xff, hf_proc_comm_escape()). */
		while (*s && n < 15) {
			if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
			    s[3] >= '0' && s[3] <= '7') {
				comm[n++] = (s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0');
				s += 4;
			} else {
				comm[n++] = *s++;
			}
		}
		comm[n] = '\0';
	}
}

static struct json_object *get_array(struct reader *rd, struct json_object *doc,
				     const char *key, bool required, int *err)
{
	struct json_object *a;

	*err = 0;
	if (!json_object_object_get_ex(doc, key, &a)) {
		if (required)
			*err = bad(rd, "no \"%s\" array", key);
		return NULL;
	}
	if (!json_object_is_type(a, json_type_array)) {
		*err = bad(rd, "\"%s\": not an array", key);
		return NULL;
	}
	return a;
}

/* ---- weights ---- */

struct weights {
	struct hf_weight *w;
	size_t n;
	bool found;
};

static int parse_weight(struct reader *rd, struct json_object *e, const char *where,
			struct hf_weight *w)
{
	struct json_object *f;
	int64_t pid;
	int err;

	if (!json_object_is_type(e, json_type_object))
		return bad(rd, "%s: not an object", where);
	if ((err = get_int(rd, e, where, "pid", 1, INT32_MAX, &pid)))
		return err;
	w->pid = pid;
	get_comm(e, w->comm);
	if (!json_object_object_get_ex(e, "weight", &f))
		return bad(rd, "%s: no \"weight\"", where);
	if (json_object_is_type(f, json_type_null))
		return bad(rd, "%s.weight: null (mmucost had no base count for pid %d)",
			   where, w->pid);
	if (!json_object_is_type(f, json_type_double) && !json_object_is_type(f, json_type_int))
		return bad(rd, "%s.weight: not a number", where);
	w->weight = json_object_get_double(f);
	if (!isfinite(w->weight) || w->weight < 0)
		return bad(rd, "%s.weight: must be a finite number >= 0", where);
	return 0;
}

/* A {"type":"error"} line of the producer: its message as the error. */
static int producer_error(struct reader *rd, struct json_object *doc, const char *type)
{
	struct json_object *m;

	if (type && !strcmp(type, "error") && json_object_object_get_ex(doc, "message", &m))
		return bad(rd, "the producer reported an error: %s", json_object_get_string(m));
	return 0;
}

/* The "processes" of a summary or weights document into *w (calloc'd), *n. */
static int doc_processes(struct reader *rd, struct json_object *doc, struct hf_weight **w,
			 size_t *n)
{
	struct json_object *a;
	int err;

	if (!(a = get_array(rd, doc, "processes", true, &err)))
		return err;
	*n = json_object_array_length(a);
	*w = calloc(*n + 1, sizeof(**w));
	if (!*w)
		return -ENOMEM;
	for (size_t i = 0; i < *n; i++) {
		char where[48];

		snprintf(where, sizeof(where), "processes[%zu]", i);
		if ((err = parse_weight(rd, json_object_array_get_idx(a, i), where, &(*w)[i])))
			return err;
	}
	return 0;
}

static bool weights_type(const char *type)
{
	return type && (!strcmp(type, "summary") || !strcmp(type, "weights"));
}

static int weights_doc(struct reader *rd, struct json_object *doc, void *ctx)
{
	struct weights *ws = ctx;
	const char *type = doc_type(doc);
	int err;

	if ((err = producer_error(rd, doc, type)))
		return err;
	if (!weights_type(type))
		return 0;	/* interval records and the like */
	free(ws->w);
	ws->w = NULL;
	if ((err = doc_processes(rd, doc, &ws->w, &ws->n)))
		return err;
	ws->found = true;
	return 0;
}

int hf_weights_read(FILE *f, const char *name, struct hf_weight **w, size_t *n,
		    char *err, size_t errlen)
{
	struct reader rd = { name, err, errlen, 1 };
	struct weights ws = { 0 };
	int ret = read_docs(f, &rd, weights_doc, &ws);

	if (!ret && !ws.found && !(rd.line = 0))
		ret = bad(&rd, "no weights: expected mmucost -j output (a {\"type\":\"summary\"} "
			  "line) or {\"type\":\"weights\",\"processes\":[{\"pid\":...,\"weight\":...}]}");
	if (ret) {
		free(ws.w);
		return ret;
	}
	*w = ws.w;
	*n = ws.n;
	return 0;
}

/* ---- a weights feed ---- */

double hf_weight_smooth(double old, double measured)
{
	return (1 - HF_WEIGHT_ALPHA) * old + HF_WEIGHT_ALPHA * measured;
}

/* One measurement of a process: the first is taken as is, later ones smoothed. */
static int feed_measure(struct hf_weights_feed *f, const struct hf_weight *m)
{
	size_t i = 0;

	while (i < f->n && f->w[i].pid != m->pid)
		i++;
	if (i == f->n) {
		if (HF_GROW(f->w, f->cap, f->n + 1))
			return -ENOMEM;
		f->w[f->n++] = *m;
	} else {
		f->w[i].weight = hf_weight_smooth(f->w[i].weight, m->weight);
		if (m->comm[0])
			memcpy(f->w[i].comm, m->comm, sizeof(m->comm));
	}
	f->measurements++;
	return 0;
}

/*
 * An mmucost -j interval record of a process: its mmu_overhead is a
 * measurement; null (no base count in that interval) is none.
 */
static int feed_interval(struct reader *rd, struct json_object *doc, struct hf_weights_feed *f)
{
	struct json_object *v;
	struct hf_weight m = { 0 };

	if (!json_object_object_get_ex(doc, "pid", NULL))
		return 0;	/* mmucost --from's intervals: no process */
	if (!json_object_object_get_ex(doc, "mmu_overhead", &v) ||
	    json_object_is_type(v, json_type_null))
		return 0;
	json_object_object_add(doc, "weight", json_object_get(v));
	if (parse_weight(rd, doc, "interval", &m))
		return -EINVAL;
	return feed_measure(f, &m);
}

static int feed_doc(struct reader *rd, struct json_object *doc, struct hf_weights_feed *f)
{
	const char *type = doc_type(doc);
	struct hf_weight *w = NULL;
	size_t n = 0;
	int err;

	if ((err = producer_error(rd, doc, type)))
		return err;
	if (type && !strcmp(type, "interval"))
		return feed_interval(rd, doc, f);
	if (!weights_type(type))
		return 0;
	err = doc_processes(rd, doc, &w, &n);
	for (size_t i = 0; !err && i < n; i++)
		err = feed_measure(f, &w[i]);
	free(w);
	return err;
}

/* The bytes of one read: each complete document to feed_doc(). */
static int feed_bytes(struct hf_weights_feed *f, struct reader *rd, const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		struct json_object *doc;
		size_t used;
		int err;

		if (!f->in_doc) {
			size_t skip = strspn(buf + off, " \t\r\n");

			f->line += count_lines(buf + off, skip);
			if ((off += skip) >= len)
				break;
			rd->line = f->doc_line = f->line;
			if (buf[off] != '{')
				return bad(rd, "expected a JSON object");
			json_tokener_reset(f->tok);
		}
		doc = json_tokener_parse_ex(f->tok, buf + off, len - off);
		used = json_tokener_get_parse_end(f->tok);
		f->line += count_lines(buf + off, used);
		off += used;
		/* A document cut by the end of the read goes on in the next one. */
		f->in_doc = !doc && json_tokener_get_error(f->tok) == json_tokener_continue;
		if (f->in_doc)
			break;
		rd->line = f->doc_line;
		if (!doc)
			return bad(rd, "not JSON: %s",
				   json_tokener_error_desc(json_tokener_get_error(f->tok)));
		err = feed_doc(rd, doc, f);
		json_object_put(doc);
		if (err)
			return err;
	}
	return 0;
}

int hf_weights_feed_init(struct hf_weights_feed *f, int fd, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->fd = fd;
	f->name = name;
	f->line = 1;
	f->tok = json_tokener_new();
	return f->tok ? 0 : -ENOMEM;
}

/* Is there something to read now (or the end)? */
static bool readable(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 0) != 0;
}

int hf_weights_feed_poll(struct hf_weights_feed *f, bool wait, char *err, size_t errlen)
{
	struct reader rd = { f->name, err, errlen, 0 };
	unsigned long before = f->measurements;
	char buf[65536];

	while (!f->eof && ((wait && f->measurements == before) || readable(f->fd))) {
		ssize_t n = read(f->fd, buf, sizeof(buf) - 1);
		int ret;

		if (n < 0 && errno == EINTR)
			break;		/* a signal: the caller decides */
		if (n < 0)
			return -errno;
		f->eof = n == 0;
		buf[n > 0 ? n : 0] = '\0';
		if (n > 0 && (ret = feed_bytes(f, &rd, buf, n)))
			return ret;
	}
	rd.line = f->doc_line;
	if (f->eof && f->in_doc)
		return bad(&rd, "not JSON: truncated document");
	if (f->eof && !f->measurements && !(rd.line = 0))
		return bad(&rd, "no weights: expected mmucost -j output (interval or summary "
			   "lines) or {\"type\":\"weights\",\"processes\":[{\"pid\":...,"
			   "\"weight\":...}]}");
	return f->measurements - before;
}

void hf_weights_feed_free(struct hf_weights_feed *f)
{
	if (f->tok)
		json_tokener_free(f->tok);
	free(f->w);
	f->tok = NULL;
	f->w = NULL;
	f->n = f->cap = 0;
}

/* ---- coverage ---- */

struct coverage {
	struct hf_promote_region *r;
	size_t n;
	bool found;
};

static int parse_addr(struct reader *rd, struct json_object *e, const char *where, uint64_t *addr)
{
	struct json_object *f;
	const char *s;
	char *end;

	if (!json_object_object_get_ex(e, "addr", &f) || !json_object_is_type(f, json_type_string))
		return bad(rd, "%s.addr: missing or not a \"0x...\" string", where);
	s = json_object_get_string(f);
	errno = 0;
	*addr = strncmp(s, "0x", 2) ? 0 : strtoull(s + 2, &end, 16);
	if (strncmp(s, "0x", 2) || errno || end == s + 2 || *end || *addr % HF_HPAGE_SIZE)
		return bad(rd, "%s.addr: \"%.40s\" is not a 2 MiB-aligned \"0x...\" address",
			   where, s);
	return 0;
}

static int parse_region(struct reader *rd, struct json_object *e, const char *where,
			bool huge, struct hf_promote_region *r)
{
	int64_t v;
	int err;

	if (!json_object_is_type(e, json_type_object))
		return bad(rd, "%s: not an object", where);
	if ((err = get_int(rd, e, where, "pid", 1, INT32_MAX, &v)))
		return err;
	r->pid = v;
	r->huge = huge;
	get_comm(e, r->comm);
	if ((err = parse_addr(rd, e, where, &r->addr)))
		return err;
	if (huge)
		r->coverage = HF_HPAGE_NR;
	else if ((err = get_int(rd, e, where, "coverage", 0, HF_HPAGE_NR, &v)))
		return err;
	else
		r->coverage = v;
	return 0;
}

static int add_regions(struct reader *rd, struct coverage *cov, struct json_object *a,
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

static int coverage_doc(struct reader *rd, struct json_object *doc, void *ctx)
{
	struct coverage *cov = ctx;
	const char *type = doc_type(doc);
	struct json_object *cand, *huge, *m;
	int err;

	if (type && !strcmp(type, "error") && json_object_object_get_ex(doc, "message", &m))
		return bad(rd, "the producer reported an error: %s", json_object_get_string(m));
	if (type && strcmp(type, "coverage"))
		return 0;
	if (cov->found)
		return bad(rd, "a second coverage document (give one hpcov -j run)");
	if (!(cand = get_array(rd, doc, "candidates", true, &err)))
		return err;
	huge = get_array(rd, doc, "huge_regions", false, &err);
	if (err || (err = add_regions(rd, cov, cand, "candidates", false)) ||
	    (err = add_regions(rd, cov, huge, "huge_regions", true)))
		return err;
	cov->found = true;
	return 0;
}

int hf_coverage_read(FILE *f, const char *name, struct hf_promote_region **r, size_t *n,
		     char *err, size_t errlen)
{
	struct reader rd = { name, err, errlen, 1 };
	struct coverage cov = { 0 };
	int ret = read_docs(f, &rd, coverage_doc, &cov);

	if (!ret && !cov.found && !(rd.line = 0))
		ret = bad(&rd, "no coverage: expected hpcov -j output "
			  "({\"type\":\"coverage\",\"candidates\":[...]})");
	if (ret) {
		free(cov.r);
		return ret;
	}
	*r = cov.r;
	*n = cov.n;
	return 0;
}
