/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the vm tier's guest programs share (fbtest, prezero_split,
 * split_underused, thawfault).
 */
#ifndef HF_VM_GUEST_H
#define HF_VM_GUEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Write @s to the file @path (sysfs, procfs): 0 or -errno. */
static inline int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* A /proc/vmstat counter, or -1 when it is missing. */
static inline long vmstat(const char *key)
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
