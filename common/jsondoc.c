// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "jsondoc.h"

int hf_doc_bad(struct hf_doc_reader *rd, const char *fmt, ...)
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

int hf_doc_count_lines(const char *s, size_t n)
{
	int lines = 0;

	for (size_t i = 0; i < n; i++)
		lines += s[i] == '\n';
	return lines;
}


int hf_doc_read_all(FILE *f, struct hf_doc_reader *rd, hf_doc_cb cb, void *ctx)
{
	struct json_tokener *tok = json_tokener_new();
	size_t len, off = 0;
	char *buf;
	int where, err = slurp(f, &buf, &len, &where);

	if (err == -E2BIG) {
		json_tokener_free(tok);
		rd->line = where;
		return hf_doc_bad(rd, "line longer than %d bytes", HF_DOC_LINE_MAX);
	}

	while (!err && tok) {
		struct json_object *doc;
		size_t skip = strspn(buf + off, " \t\r\n");

		rd->line += hf_doc_count_lines(buf + off, skip);
		if ((off += skip) >= len)
			break;
		if (buf[off] != '{') {
			err = hf_doc_bad(rd, "expected a JSON object");
			break;
		}
		json_tokener_reset(tok);
		doc = json_tokener_parse_ex(tok, buf + off, len - off);
		if (!doc) {
			enum json_tokener_error e = json_tokener_get_error(tok);

			rd->line += hf_doc_count_lines(buf + off, json_tokener_get_parse_end(tok));
			err = hf_doc_bad(rd, "not JSON: %s", e == json_tokener_continue ?
				  "truncated document" : json_tokener_error_desc(e));
			break;
		}
		err = cb(rd, doc, ctx);
		json_object_put(doc);
		rd->line += hf_doc_count_lines(buf + off, json_tokener_get_parse_end(tok));
		off += json_tokener_get_parse_end(tok);
	}
	if (!tok)
		err = -ENOMEM;
	json_tokener_free(tok);
	free(buf);
	return err;
}

const char *hf_doc_type(struct json_object *doc)
{
	struct json_object *t;

	if (!json_object_object_get_ex(doc, "type", &t))
		return NULL;
	return json_object_is_type(t, json_type_string) ? json_object_get_string(t) : "";
}

int hf_doc_get_int(struct hf_doc_reader *rd, struct json_object *o, const char *where,
		   const char *key, int64_t min, int64_t max, int64_t *v)
{
	struct json_object *f;

	if (!json_object_object_get_ex(o, key, &f))
		return hf_doc_bad(rd, "%s: no \"%s\"", where, key);
	if (!json_object_is_type(f, json_type_int))
		return hf_doc_bad(rd, "%s.%s: not an integer", where, key);
	*v = json_object_get_int64(f);
	if (*v < min || *v > max)
		return hf_doc_bad(rd, "%s.%s: %lld out of range %lld..%lld", where, key,
			   (long long)*v, (long long)min, (long long)max);
	return 0;
}

void hf_doc_get_comm(struct json_object *o, char *comm)
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

struct json_object *hf_doc_get_array(struct hf_doc_reader *rd, struct json_object *doc,
				     const char *key, bool required, int *err)
{
	struct json_object *a;

	*err = 0;
	if (!json_object_object_get_ex(doc, key, &a)) {
		if (required)
			*err = hf_doc_bad(rd, "no \"%s\" array", key);
		return NULL;
	}
	if (!json_object_is_type(a, json_type_array)) {
		*err = hf_doc_bad(rd, "\"%s\": not an array", key);
		return NULL;
	}
	return a;
}
