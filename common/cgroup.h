/* SPDX-License-Identifier: GPL-2.0 */
/* Identify a cgroup directory the way BPF sees it (v2 and v1). */
#ifndef HF_CGROUP_H
#define HF_CGROUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "hf.h"

struct hf_cgroup {
	uint64_t id;		/* kernfs node id == inode number on 64-bit */
	int level;		/* depth below the hierarchy's root */
	int hierarchy;		/* 0: cgroup v2; else the v1 hierarchy id */
};

/* 0, or -errno with e naming path and cause. */
int hf_cgroup_resolve(const char *path, struct hf_cgroup *cg, struct hf_error *e);

/*
 * The cgroup of process pid, from /proc/PID/cgroup: its path in the cgroup
 * v1 hierarchy of the memory controller if it has one, else its cgroup v2
 * path ("0::PATH"), e.g. "/system.slice/job.service" (relative to the
 * hierarchy's root, as the kernel shows it). 0, or -ENOENT (no such
 * process, or neither line), -ESRCH (it has exited: a zombie shows the
 * root cgroup), -ENAMETOOLONG, another -errno.
 */
int hf_cgroup_of_pid(pid_t pid, char *path, size_t len);

struct hf_pids;
/* PIDs in a cgroup's cgroup.procs, appended. 0 or -errno. */
int hf_cgroup_pids(const char *cgroup, struct hf_pids *pids);
/*
 * The same for the cgroup and every cgroup below it. A cgroup removed
 * meanwhile or a threaded one (whose processes its domain lists) adds
 * none. 0 or -errno.
 */
int hf_cgroup_pids_tree(const char *cgroup, struct hf_pids *pids);

#endif
