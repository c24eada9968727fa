/* SPDX-License-Identifier: GPL-2.0 */
/* What the vm tier's guest programs share (fbtest, prezero_split, thawfault). */
#ifndef HF_VM_GUEST_H
#define HF_VM_GUEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A /proc/vmstat counter, or -1 when it is missing. */
static long vmstat(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long val = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ' ')
			val = atol(line + klen + 1);
	fclose(f);
	return val;
}

#endif
