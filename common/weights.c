// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "helpers.h"
#include "jsondoc.h"
#include "weights.h"

struct weights {
	struct hf_weight *w;
	size_t n;
	bool found;
};

static int parse_weight(struct hf_doc_reader *rd, struct json_object *e, const char *where,
			struct hf_weight *w)
{
	struct json_object *f;
	int64_t pid;
	int err;

	if (!json_object_is_type(e, json_type_object))
		return hf_doc_bad(rd, "%s: not an object", where);
	if ((err = hf_doc_get_int(rd, e, where, "pid", 1, INT32_MAX, &pid)))
		return err;
	w->pid = pid;
	hf_doc_get_comm(e, w->comm);
	if (!json_object_object_get_ex(e, "weight", &f))
		return hf_doc_bad(rd, "%s: no \"weight\"", where);
	if (json_object_is_type(f, json_type_null))
		return hf_doc_bad(rd, "%s.weight: null (mmucost had no base count for pid %d)",
			   where, w->pid);
	if (!json_object_is_type(f, json_type_double) && !json_object_is_type(f, json_type_int))
		return hf_doc_bad(rd, "%s.weight: not a number", where);
	w->weight = json_object_get_double(f);
	if (!isfinite(w->weight) || w->weight < 0)
		return hf_doc_bad(rd, "%s.weight: must be a finite number >= 0", where);
	return 0;
}

/* A {"type":"error"} line of the producer: its message as the error. */
static int producer_error(struct hf_doc_reader *rd, struct json_object *doc, const char *type)
{
	struct json_object *m;

	if (type && !strcmp(type, "error") && json_object_object_get_ex(doc, "message", &m))
		return hf_doc_bad(rd, "the producer reported an error: %s", json_object_get_string(m));
	return 0;
}

/* The "processes" of a summary or weights document into *w (calloc'd), *n. */
static int doc_processes(struct hf_doc_reader *rd, struct json_object *doc, struct hf_weight **w,
			 size_t *n)
{
	struct json_object *a;
	int err;

	if (!(a = hf_doc_get_array(rd, doc, "processes", true, &err)))
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

/* A document with "processes" and their weights, under a name of now or before. */
static bool weights_type(const char *type)
{
	return type && (!strcmp(type, HF_WEIGHTS_DOC_TYPE) || !strcmp(type, HF_WEIGHTS_HAND_TYPE) ||
			!strcmp(type, HF_WEIGHTS_OLD_DOC_TYPE));
}

/* One process's measurement of one interval. */
static bool interval_type(const char *type)
{
	return type && (!strcmp(type, HF_WEIGHTS_INTERVAL_TYPE) ||
			!strcmp(type, HF_WEIGHTS_OLD_INTERVAL_TYPE));
}

static int weights_doc(struct hf_doc_reader *rd, struct json_object *doc, void *ctx)
{
	struct weights *ws = ctx;
	const char *type = hf_doc_type(doc);
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
	struct hf_doc_reader rd = { name, err, errlen, 1 };
	struct weights ws = { 0 };
	int ret = hf_doc_read_all(f, &rd, weights_doc, &ws);

	if (!ret && !ws.found && !(rd.line = 0))
		ret = hf_doc_bad(&rd, "no weights: expected mmucost -j output (a {\"type\":\""
			  HF_WEIGHTS_DOC_TYPE "\"} line) or {\"type\":\"" HF_WEIGHTS_HAND_TYPE
			  "\",\"processes\":[{\"pid\":...,\"weight\":...}]}");
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
static int feed_interval(struct hf_doc_reader *rd, struct json_object *doc, struct hf_weights_feed *f)
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

static int feed_doc(struct hf_doc_reader *rd, struct json_object *doc, struct hf_weights_feed *f)
{
	const char *type = hf_doc_type(doc);
	struct hf_weight *w = NULL;
	size_t n = 0;
	int err;

	if ((err = producer_error(rd, doc, type)))
		return err;
	if (interval_type(type))
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
static int feed_bytes(struct hf_weights_feed *f, struct hf_doc_reader *rd, const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		struct json_object *doc;
		size_t used;
		int err;

		if (!f->in_doc) {
			size_t skip = strspn(buf + off, " \t\r\n");

			f->line += hf_doc_count_lines(buf + off, skip);
			if ((off += skip) >= len)
				break;
			rd->line = f->doc_line = f->line;
			if (buf[off] != '{')
				return hf_doc_bad(rd, "expected a JSON object");
			json_tokener_reset(f->tok);
		}
		doc = json_tokener_parse_ex(f->tok, buf + off, len - off);
		used = json_tokener_get_parse_end(f->tok);
		f->line += hf_doc_count_lines(buf + off, used);
		off += used;
		/* A document cut by the end of the read goes on in the next one. */
		f->in_doc = !doc && json_tokener_get_error(f->tok) == json_tokener_continue;
		if (f->in_doc)
			break;
		rd->line = f->doc_line;
		if (!doc)
			return hf_doc_bad(rd, "not JSON: %s",
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
	struct hf_doc_reader rd = { f->name, err, errlen, 0 };
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
		return hf_doc_bad(&rd, "not JSON: truncated document");
	if (f->eof && !f->measurements && !(rd.line = 0))
		return hf_doc_bad(&rd, "no weights: expected mmucost -j output ("
			   HF_WEIGHTS_INTERVAL_TYPE " or " HF_WEIGHTS_DOC_TYPE " lines) or "
			   "{\"type\":\"" HF_WEIGHTS_HAND_TYPE "\",\"processes\":[{\"pid\":...,"
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

/* ---- the writer ---- */

void hf_weights_set(struct json_object *proc, const char *weight_key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(proc, weight_key, &v);
	json_object_object_add(proc, "weight", json_object_get(v));
}
