/* SPDX-License-Identifier: GPL-2.0 */
/* /proc/PID/maps: the VMAs of a process (rooted at $HAWKFETCH_SYSROOT). */
#ifndef HF_MAPS_H
#define HF_MAPS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct hf_vma {
	uint64_t start, end;
	char perms[5];		/* "rw-p" */
	char path[256];		/* "" for anonymous memory */
};

struct hf_vmas {
	struct hf_vma *vma;
	int n;
	size_t cap;
};

/* Read /proc/PID/maps. Returns 0, -ENOENT (no such process) or -errno. */
int hf_vmas_read(pid_t pid, struct hf_vmas *vmas);
void hf_vmas_free(struct hf_vmas *vmas);

/* Parse one maps line; returns 0 or -EINVAL. */
int hf_vma_parse(const char *line, struct hf_vma *vma);

/* Private anonymous memory (including [heap] and [stack]): what THP backs. */
bool hf_vma_is_anon(const struct hf_vma *vma);

/* The name to print for a VMA: its path, or "[anon]". */
const char *hf_vma_name(const struct hf_vma *vma);

#endif
