/* SPDX-License-Identifier: GPL-2.0 */
/* Identify a cgroup directory the way BPF sees it (v2 and v1). */
#ifndef HF_CGROUP_H
#define HF_CGROUP_H

#include <stdint.h>

struct hf_cgroup {
	uint64_t id;		/* kernfs node id == inode number on 64-bit */
	int level;		/* depth below the hierarchy's root */
	int hierarchy;		/* 0: cgroup v2; else the v1 hierarchy id */
};

/* 0, or -errno with a message naming path and cause printed. */
int hf_cgroup_resolve(const char *path, struct hf_cgroup *cg);

#endif
