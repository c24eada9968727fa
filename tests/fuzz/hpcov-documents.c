// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for hpcov's input readers: the same bytes as a weights
 * file (mmucost -j) and a coverage file (hpcov -j) (cmd/hpcov/order.c), as
 * the kernel's /proc/PID/access_map and khugepaged/scan_order
 * (cmd/hpcov/accessmap.c). What parses must be within the documented ranges.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hpcov/accessmap.h"
#include "hpcov/idle.h"
#include "pagemap.h"
#include "hpcov/order.h"
#include "weights.h"

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
	if ((in = open_input(data, size))) {
		struct hf_access_map_entry *e;

		if (!hf_access_map_read(in, "fuzz", &e, &n, err, sizeof(err))) {
			for (size_t i = 0; i < n; i++)
				if (e[i].coverage > HF_HPAGE_NR || e[i].addr % HF_HPAGE_SIZE ||
				    (i && e[i].addr <= e[i - 1].addr))
					__builtin_trap();
			free(e);
		} else if (strncmp(err, "fuzz:", 5)) {
			__builtin_trap();	/* every error names the file and line */
		}
		fclose(in);
	}
	if (size < 64) {
		char s[64];
		enum hf_scan_order o;

		memcpy(s, data, size);
		s[size] = '\0';
		if (!hf_scan_order_parse(s, &o) && o != HF_SCAN_ORDER_ADDRESS &&
		    o != HF_SCAN_ORDER_COVERAGE)
			__builtin_trap();
	}
	return 0;
}
