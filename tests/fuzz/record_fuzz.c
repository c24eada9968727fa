// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the fault-record reader (common/record.c), the
 * parser fbload runs over untrusted traces: the whole input as a stream
 * (form detection, header, text and JSON lines), and as one JSON line.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fault_record r;
	struct record_reader *rd;
	char err[256];
	FILE *in;

	record_parse_json_line((const char *)data, size, &r, err, sizeof(err));

	in = fmemopen((void *)data, size, "r");
	if (!in)
		return 0;
	rd = record_reader_new(in, "fuzz");
	if (rd) {
		while (record_read(rd, &r) > 0) {
			/* A record that parsed must be one the reader vouches for. */
			if (r.kind >= FAULT_KIND_COUNT || r.comm[FAULT_COMM_LEN - 1] != '\0')
				__builtin_trap();
		}
		(void)record_reader_error(rd);
		record_reader_free(rd);
	}
	fclose(in);
	return 0;
}
