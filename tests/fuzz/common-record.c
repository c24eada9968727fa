// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the fault-record reader (common/record.c), the
 * parser fbload runs over untrusted traces: the whole input as a stream
 * (form detection, header, text and JSON lines), and as one JSON line.
 * The stream is read twice, with the fast path for common text lines and
 * without it (record_reader_careful()): both must give the same records
 * and the same error.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "record.h"

#define MAX_RECS 256

/* Read the input; returns the record count (at most MAX_RECS kept). */
static int read_all(const uint8_t *data, size_t size, bool careful,
		    struct fault_record *recs, int *last, char *err, size_t errlen)
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
		if (r.kind >= FAULT_KIND_COUNT || r.comm[FAULT_COMM_LEN - 1] != '\0')
			__builtin_trap();
		if (n < MAX_RECS)
			recs[n] = r;
		n++;
	}
	*last = ret;
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fault_record fast[MAX_RECS], careful[MAX_RECS];
	char err[256], err_fast[1024], err_careful[1024];
	struct fault_record r;
	int nf, nc, lf = 0, lc = 0;

	record_parse_json_line((const char *)data, size, &r, err, sizeof(err));

	nf = read_all(data, size, false, fast, &lf, err_fast, sizeof(err_fast));
	nc = read_all(data, size, true, careful, &lc, err_careful, sizeof(err_careful));
	if (nf < 0 || nc < 0)
		return 0;
	if (nf != nc || lf != lc || strcmp(err_fast, err_careful))
		__builtin_trap();
	for (int i = 0; i < nf && i < MAX_RECS; i++)
		if (!same(&fast[i], &careful[i]))
			__builtin_trap();
	return 0;
}
