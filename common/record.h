/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fault record: fbtrace writes it, fbload reads it.
 *
 * Text form: a header line "# time_ns pid tid comm kind addr swap_type
 * swap_offset cache_hit" naming the columns, then one whitespace-separated
 * line per fault. Unknown values are "-"; comm escapes whitespace, '\\' and
 * non-printable bytes as \ooo (as /proc/PID/mountinfo does).
 * JSON form: one object per line with "type":"fault"; unknown values are
 * left out; other "type"s (summary, error) are stream metadata.
 */
#ifndef HF_RECORD_H
#define HF_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include "fault_kind.h"	/* bpf/: shared with fbtrace.bpf.c */

#define FAULT_COMM_LEN 16

struct fault_record {
	uint64_t time_ns;
	uint64_t addr;
	int64_t swap_offset;	/* -1: unknown */
	int32_t swap_type;	/* -1: unknown */
	int32_t pid, tid;
	int8_t cache_hit;	/* -1: unknown, else 0 or 1 */
	enum fault_kind kind;
	char comm[FAULT_COMM_LEN];
};

const char *fault_kind_name(enum fault_kind kind);
int fault_kind_parse(const char *s, enum fault_kind *kind);
void fault_record_clear(struct fault_record *r);

/* Writer: text or JSON Lines; the caller decides when to flush. */
struct json_object;
struct record_writer {
	FILE *out;
	bool json;
	bool header_done;
	struct json_object *obj;	/* JSON: reused for every record */
	struct json_object *val[9];
};
void record_writer_init(struct record_writer *w, FILE *out, bool json);
void record_writer_fini(struct record_writer *w);
/* The text form's header line (written by the first record otherwise). */
void record_writer_begin(struct record_writer *w);
int record_write(struct record_writer *w, const struct fault_record *r);

/*
 * Reader: detects the form from the first non-blank line. It reads the
 * stream's descriptor directly in large blocks (fread() for a stream
 * without one): nothing must have been read from the stream before.
 * record_read() returns 1 with a record, 0 at end of input, -1 on a malformed line (the
 * message, with the line number, is in record_reader_error()).
 */
struct record_reader;
struct record_reader *record_reader_new(FILE *in, const char *name);
int record_read(struct record_reader *rd, struct fault_record *r);
const char *record_reader_error(const struct record_reader *rd);
unsigned long record_reader_line(const struct record_reader *rd);
void record_reader_free(struct record_reader *rd);
/*
 * Stop reading when *stop reaches stops: a read interrupted by a signal
 * (EINTR) then ends the input, as its end would; before that it goes on.
 */
void record_reader_stop(struct record_reader *rd, volatile sig_atomic_t *stop, int stops);
/*
 * Parse every line the careful way, as the fast path for common text
 * lines must agree with (the fuzzer and unit tests compare the two).
 */
void record_reader_careful(struct record_reader *rd);

/* Parse one line of either form (no header handling); for the fuzzer. */
int record_parse_json_line(const char *line, size_t len, struct fault_record *r,
			   char *err, size_t errlen);

#endif
