// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the pre-zeroing parsers (cmd/prezero-ctl/sysfs.c): the
 * input as /proc/vmstat and as /proc/zoneinfo. A parse that succeeds must
 * hand back nodes with distinct, non-negative ids.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "prezero-ctl/sysfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t counter[HF_PZ_NCOUNTERS];
	struct hf_prezero_node *node;
	char *buf = malloc(size + 1);
	int missing, nnode;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';	/* the readers hand the parsers C strings */
	if (hf_prezero_parse_vmstat(buf, counter, &missing) &&
	    (missing < 0 || missing >= HF_PZ_NCOUNTERS))
		__builtin_trap();
	if (!hf_prezero_parse_zoneinfo(buf, &node, &nnode)) {
		if (nnode <= 0)
			__builtin_trap();
		for (int i = 0; i < nnode; i++) {
			if (node[i].id < 0)
				__builtin_trap();
			for (int j = 0; j < i; j++)
				if (node[i].id == node[j].id)
					__builtin_trap();
		}
		free(node);
	}
	free(buf);
	return 0;
}
