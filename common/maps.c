// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "maps.h"
#include "helpers.h"
#include "procfs.h"

int hf_vma_parse(const char *line, struct hf_vma *vma)
{
	unsigned long long start, end;
	int pathpos = 0;

	memset(vma, 0, sizeof(*vma));
	if (sscanf(line, "%llx-%llx %4s %*x %*x:%*x %*u %n", &start, &end,
		   vma->perms, &pathpos) < 3 || !pathpos || end < start)
		return -EINVAL;
	vma->start = start;
	vma->end = end;
	snprintf(vma->path, sizeof(vma->path), "%s", line + pathpos);
	vma->path[strcspn(vma->path, "\n")] = '\0';
	return 0;
}

static int vmas_add(struct hf_vmas *vmas, const struct hf_vma *vma)
{
	if (HF_GROW(vmas->vma, vmas->cap, (size_t)vmas->n + 1))
		return -ENOMEM;
	vmas->vma[vmas->n++] = *vma;
	return 0;
}

int hf_vmas_read(pid_t pid, struct hf_vmas *vmas)
{
	char path[512], *line = NULL;
	size_t cap = 0;
	int err = 0;
	FILE *f;

	memset(vmas, 0, sizeof(*vmas));
	f = fopen(hf_path(path, sizeof(path), "/proc/%d/maps", pid), "re");
	if (!f)
		return errno == ESRCH ? -ENOENT : -errno;
	while (!err && getline(&line, &cap, f) > 0) {
		struct hf_vma vma;

		err = hf_vma_parse(line, &vma);
		if (!err)
			err = vmas_add(vmas, &vma);
	}
	if (!err && ferror(f))
		err = errno == ESRCH ? -ENOENT : -EIO;
	free(line);
	fclose(f);
	if (err)
		hf_vmas_free(vmas);
	return err;
}

void hf_vmas_free(struct hf_vmas *vmas)
{
	free(vmas->vma);
	memset(vmas, 0, sizeof(*vmas));
}

bool hf_vma_is_anon(const struct hf_vma *vma)
{
	return vma->perms[3] == 'p' &&
	       (!vma->path[0] || !strcmp(vma->path, "[heap]") || !strcmp(vma->path, "[stack]"));
}

const char *hf_vma_name(const struct hf_vma *vma)
{
	return vma->path[0] ? vma->path : "[anon]";
}
