// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "cgroup.h"
#include "hf.h"
#include "procfs.h"

/* Depth of dir below the root of the cgroup mount it lives in; sets *root. */
static int mount_depth(const char *dir, char *root)
{
	struct stat st, up;
	char cur[PATH_MAX];
	int depth = 0;

	strcpy(cur, dir);
	if (stat(cur, &st))
		return -errno;
	for (;;) {
		char *slash = strrchr(cur, '/');

		if (!slash || slash == cur)
			break;
		*slash = '\0';
		if (stat(cur, &up) || up.st_dev != st.st_dev) {
			*slash = '/';
			break;
		}
		depth++;
	}
	strcpy(root, cur);
	return depth;
}

/* The v1 hierarchy a controller is attached to, from /proc/cgroups. */
static int controller_hierarchy(const char *controller)
{
	char path[512], buf[4096], name[64], *save;
	int id;

	if (hf_read_file(hf_path(path, sizeof(path), "/proc/cgroups"), buf, sizeof(buf)) < 0)
		return -ENOENT;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (sscanf(l, "%63s %d", name, &id) == 2 && !strcmp(name, controller) && id > 0)
			return id;
	return -ENOENT;
}

/* The v1 hierarchy mounted at root, found through its controllers. */
static int v1_hierarchy(const char *root)
{
	char path[512], *buf = malloc(1 << 16), *save;
	int hierarchy = -ENOENT;

	if (!buf || hf_read_file(hf_path(path, sizeof(path), "/proc/self/mountinfo"),
				 buf, 1 << 16) < 0)
		goto out;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char mnt[PATH_MAX], fstype[64], opts[512], *s2;
		const char *dash = strstr(l, " - ");

		/* id parent maj:min root mountpoint opts ... - fstype source superopts */
		if (sscanf(l, "%*s %*s %*s %*s %4095s", mnt) != 1 || strcmp(mnt, root) ||
		    !dash || sscanf(dash, " - %63s %*s %511s", fstype, opts) != 2 ||
		    strcmp(fstype, "cgroup"))
			continue;
		for (char *opt = strtok_r(opts, ",", &s2); opt; opt = strtok_r(NULL, ",", &s2))
			if ((hierarchy = controller_hierarchy(opt)) > 0)
				goto out;
	}
out:
	free(buf);
	return hierarchy;
}

int hf_cgroup_resolve(const char *path, struct hf_cgroup *cg)
{
	char dir[PATH_MAX], root[PATH_MAX];
	struct statfs sfs;
	struct stat st;
	int depth;

	if (!realpath(path, dir) || stat(dir, &st) || statfs(dir, &sfs)) {
		hf_err("cgroup %s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode) ||
	    (sfs.f_type != CGROUP2_SUPER_MAGIC && sfs.f_type != CGROUP_SUPER_MAGIC)) {
		hf_err("cgroup %s: not a cgroup directory (expected a directory under "
		       "/sys/fs/cgroup)", path);
		return -ENOTDIR;
	}
	depth = mount_depth(dir, root);
	if (depth < 0) {
		hf_err("cgroup %s: %s", path, strerror(-depth));
		return depth;
	}
	cg->id = st.st_ino;
	cg->level = depth;
	cg->hierarchy = 0;
	if (sfs.f_type == CGROUP_SUPER_MAGIC) {
		cg->hierarchy = v1_hierarchy(root);
		if (cg->hierarchy < 0) {
			hf_err("cgroup %s: cannot tell which cgroup v1 hierarchy %s is "
			       "(named hierarchies without a controller are not supported)",
			       path, root);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}
