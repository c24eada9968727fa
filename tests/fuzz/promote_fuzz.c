// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for hpcov --promote's input readers (common/promote.c):
 * the same bytes as a weights file (mmucost -j) and as a coverage file
 * (hpcov -j). What parses must be within the documented ranges.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "pagemap.h"
#include "promote.h"

static FILE *open_input(const uint8_t *data, size_t size)
{
	return fmemopen((void *)data, size ? size : 1, size ? "r" : "w+");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hf_promote_region *r;
	struct hf_weight *w;
	char err[256];
	size_t n;
	FILE *in;

	if ((in = open_input(data, size))) {
		if (!hf_weights_read(in, "fuzz", &w, &n, err, sizeof(err))) {
			for (size_t i = 0; i < n; i++)
				if (w[i].pid < 1 || !(w[i].weight >= 0))
					__builtin_trap();
			free(w);
		}
		fclose(in);
	}
	if ((in = open_input(data, size))) {
		if (!hf_coverage_read(in, "fuzz", &r, &n, err, sizeof(err))) {
			for (size_t i = 0; i < n; i++)
				if (r[i].pid < 1 || r[i].coverage > HF_HPAGE_NR ||
				    r[i].addr % HF_HPAGE_SIZE)
					__builtin_trap();
			free(r);
		}
		fclose(in);
	}
	return 0;
}
