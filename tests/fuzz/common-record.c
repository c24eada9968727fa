// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the fault-record reader (common/record.c), the
 * parser fbload runs over untrusted traces: the whole input as a stream
 * (form detection, header, text and JSON lines), and as one JSON line.
 * The stream is read twice, with the fast path for common text lines and
 * without it (record_reader_careful()): both must give the same records,
 * skip as many of unknown kinds, and give the same error. Each of the
 * first records read must survive a round trip through the writer, in
 * text and JSON.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "record.h"

#define MAX_RECS 256
#define ROUND_TRIPS 4		/* records per input written and read back */

/* Read the input; returns the record count (at most MAX_RECS kept). */
static int read_all(const uint8_t *data, size_t size, bool careful,
		    struct fault_record *recs, int *last, unsigned long *skipped,
		    char *err, size_t errlen)
{
	struct record_reader *rd;
	struct fault_record r;
	FILE *in = fmemopen((void *)data, size, "r");
	int n = 0, ret = 0;

	err[0] = '\0';
	if (!in)
		return -1;
	rd = record_reader_new(in, "fuzz");
	if (!rd) {
		fclose(in);
		return -1;
	}
	if (careful)
		record_reader_careful(rd);
	while ((ret = record_read(rd, &r)) > 0) {
		/* A record that parsed must be one the reader vouches for. */
		if (r.kind >= RECORD_KIND_COUNT || r.comm[FAULT_COMM_LEN - 1] != '\0')
			__builtin_trap();
		if (n < MAX_RECS)
			recs[n] = r;
		n++;
	}
	*last = ret;
	*skipped = record_reader_skipped(rd);
	if (ret < 0)
		snprintf(err, errlen, "%s", record_reader_error(rd));
	record_reader_free(rd);
	fclose(in);
	return n;
}

static bool same(const struct fault_record *a, const struct fault_record *b)
{
	return a->time_ns == b->time_ns && a->addr == b->addr &&
	       a->swap_offset == b->swap_offset && a->swap_type == b->swap_type &&
	       a->pid == b->pid && a->tid == b->tid && a->cache_hit == b->cache_hit &&
	       a->kind == b->kind && !memcmp(a->comm, b->comm, FAULT_COMM_LEN);
}

/* Write r in one form and read it back: the same record (uncache and slotfree without addr). */
static void round_trip(const struct fault_record *r, bool json)
{
	struct fault_record want = *r, got;
	struct record_writer w;
	struct record_reader *rd;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	record_writer_init(&w, f, json);
	record_write(&w, r);
	record_writer_fini(&w);
	fclose(f);
	f = fmemopen(buf, len, "r");
	rd = f ? record_reader_new(f, "again") : NULL;
	if (rd) {
		if (!record_kind_has_addr(want.kind))
			want.addr = 0;
		if (record_read(rd, &got) != 1 || !same(&want, &got) || record_read(rd, &got) != 0)
			__builtin_trap();
		record_reader_free(rd);
	}
	if (f)
		fclose(f);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fault_record fast[MAX_RECS], careful[MAX_RECS];
	char err[256], err_fast[1024], err_careful[1024];
	unsigned long sf = 0, sc = 0;
	struct fault_record r;
	int nf, nc, lf = 0, lc = 0;

	record_parse_json_line((const char *)data, size, &r, err, sizeof(err));

	nf = read_all(data, size, false, fast, &lf, &sf, err_fast, sizeof(err_fast));
	nc = read_all(data, size, true, careful, &lc, &sc, err_careful, sizeof(err_careful));
	if (nf < 0 || nc < 0)
		return 0;
	if (nf != nc || lf != lc || sf != sc || strcmp(err_fast, err_careful))
		__builtin_trap();
	for (int i = 0; i < nf && i < MAX_RECS; i++)
		if (!same(&fast[i], &careful[i]))
			__builtin_trap();
	for (int i = 0; i < nf && i < ROUND_TRIPS; i++) {
		round_trip(&fast[i], false);
		round_trip(&fast[i], true);
	}
	return 0;
}
