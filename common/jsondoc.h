/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the JSON documents the tools hand each other (mmucost's weights,
 * hpcov's coverage): JSON Lines or one pretty-printed document, each error
 * naming the file, the line its document starts on and the field.
 */
#ifndef HF_JSONDOC_H
#define HF_JSONDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

/*
 * A line longer than this (a coverage report of every region is one line;
 * /dev/zero has none) is refused as "FILE:N: line longer than 16777216 bytes".
 */
#define HF_DOC_LINE_MAX (16 << 20)

struct hf_doc_reader {
	const char *name;
	char *err;
	size_t errlen;
	int line;		/* where the current document starts */
};

/* Fill rd->err with "NAME:LINE: message"; returns -EINVAL. */
int hf_doc_bad(struct hf_doc_reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef int (*hf_doc_cb)(struct hf_doc_reader *rd, struct json_object *doc, void *ctx);
/* Call cb for each top-level JSON document in f (JSON Lines or one document). */
int hf_doc_read_all(FILE *f, struct hf_doc_reader *rd, hf_doc_cb cb, void *ctx);

/* The newlines in s[0..n). */
int hf_doc_count_lines(const char *s, size_t n);
/* A document's "type" (NULL: none; "": not a string). */
const char *hf_doc_type(struct json_object *doc);
/* An integer field in [min, max]. */
int hf_doc_get_int(struct hf_doc_reader *rd, struct json_object *o, const char *where,
		   const char *key, int64_t min, int64_t max, int64_t *v);
/* "comm" with the reports' octal escapes undone, into comm[16] ("" if none). */
void hf_doc_get_comm(struct json_object *o, char *comm);
/* The array under key (NULL if absent: an error when required). */
struct json_object *hf_doc_get_array(struct hf_doc_reader *rd, struct json_object *doc,
				     const char *key, bool required, int *err);

#endif
