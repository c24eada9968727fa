/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fault record: fbtrace writes it, fbload reads it.
 *
 * Text form: a line RECORD_VERSION_LINE ("# hawkfetch trace v2"), a
 * header line "# time_ns pid tid comm kind addr swap_type swap_offset
 * cache_hit" naming the columns, then one whitespace-separated line per
 * record. Unknown values are "-"; comm escapes whitespace, '\\' and
 * non-printable bytes as \ooo (as /proc/PID/mountinfo does). A trace
 * without the version line is v1: faults only, read as it always was.
 * JSON form: one object per line with "type":"fault" or "type":"slot";
 * unknown values are left out; other "type"s (summary, interval, error)
 * are stream metadata.
 *
 * Kinds (fault_kind.h): the faults minor, major and swapin; since v2 the
 * slot records swapout (the page at addr went to the slot swap_type,
 * swap_offset and stays in the swap cache), uncache (the slot's page left
 * the swap cache) and slotfree (the slot holds nothing). uncache and
 * slotfree name no page: their addr is "-" (left out in JSON).
 *
 * Forward compatibility: a well-formed record of a kind this reader does
 * not know (a lowercase word in the kind column of a v2 or later text
 * trace; an unknown "kind" in a "fault" or "slot" object, or an unknown
 * "type", in JSON) is skipped and counted (record_reader_skipped()),
 * never an error, so that an older fbload reads a newer trace. A
 * malformed line is an error with its line number, as ever.
 */
#ifndef HF_RECORD_H
#define HF_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include "fault_kind.h"	/* bpf/: shared with fbtrace.bpf.c */

#define FAULT_COMM_LEN 16
#define RECORD_FORMAT_VERSION 2
#define RECORD_VERSION_LINE "# hawkfetch trace v2"

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
/* The JSON "type" of a record of this kind: "fault" or "slot". */
const char *record_type_name(enum fault_kind kind);

/* Does a record of this kind name a page? uncache and slotfree do not. */
static inline bool record_kind_has_addr(enum fault_kind kind)
{
	return kind != SLOT_UNCACHE && kind != SLOT_FREE;
}
void fault_record_clear(struct fault_record *r);

/*
 * Writer: text or JSON Lines; the caller decides when to flush. A slot
 * record is a struct fault_record too: kind SLOT_SWAPOUT, SLOT_UNCACHE or
 * SLOT_FREE, swap_type and swap_offset the slot, addr the page (swapout
 * only), pid, tid and comm the task, cache_hit -1.
 */
struct json_object;
struct record_writer {
	FILE *out;
	bool json;
	bool header_done;
	struct json_object *obj[2];	/* JSON: reused, with an addr and without */
	struct json_object *val[2][10];
};
void record_writer_init(struct record_writer *w, FILE *out, bool json);
void record_writer_fini(struct record_writer *w);
/* The text form's version and header lines (written by the first record otherwise). */
void record_writer_begin(struct record_writer *w);
int record_write(struct record_writer *w, const struct fault_record *r);

/*
 * Reader: detects the form from the first non-blank line. It reads the
 * stream's descriptor directly in large blocks (fread() for a stream
 * without one): nothing must have been read from the stream before.
 * record_read() returns 1 with a record, 0 at end of input, -1 on a malformed line (the
 * message, with the line number, is in record_reader_error()). Records of
 * unknown kinds are not returned: record_reader_skipped() counts them.
 */
struct record_reader;
struct record_reader *record_reader_new(FILE *in, const char *name);
int record_read(struct record_reader *rd, struct fault_record *r);
const char *record_reader_error(const struct record_reader *rd);
unsigned long record_reader_line(const struct record_reader *rd);
unsigned long record_reader_skipped(const struct record_reader *rd);
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

/*
 * Parse one JSON line (no header handling); for the fuzzer: 1 with a
 * record, 0 for metadata, 2 for a record of an unknown kind, -1 on error.
 */
int record_parse_json_line(const char *line, size_t len, struct fault_record *r,
			   char *err, size_t errlen);

#endif
