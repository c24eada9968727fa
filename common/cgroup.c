// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "cgroup.h"
#include "cli.h"
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

int hf_cgroup_resolve(const char *path, struct hf_cgroup *cg, struct hf_error *e)
{
	char dir[PATH_MAX], root[PATH_MAX];
	struct statfs sfs;
	struct stat st;
	int depth;

	if (!realpath(path, dir) || stat(dir, &st) || statfs(dir, &sfs))
		return hf_error_set(e, HF_ERROR_RUNTIME, -errno, "cgroup %s: %s", path,
				    strerror(errno));
	if (!S_ISDIR(st.st_mode) ||
	    (sfs.f_type != CGROUP2_SUPER_MAGIC && sfs.f_type != CGROUP_SUPER_MAGIC))
		return hf_error_set(e, HF_ERROR_RUNTIME, -ENOTDIR, "cgroup %s: not a cgroup "
				    "directory (expected a directory under /sys/fs/cgroup)", path);
	depth = mount_depth(dir, root);
	if (depth < 0)
		return hf_error_set(e, HF_ERROR_RUNTIME, depth, "cgroup %s: %s", path,
				    strerror(-depth));
	cg->id = st.st_ino;
	cg->level = depth;
	cg->hierarchy = 0;
	if (sfs.f_type == CGROUP_SUPER_MAGIC) {
		cg->hierarchy = v1_hierarchy(root);
		if (cg->hierarchy < 0)
			return hf_error_set(e, HF_ERROR_RUNTIME, -EOPNOTSUPP, "cgroup %s: cannot "
					    "tell which cgroup v1 hierarchy %s is (named hierarchies "
					    "without a controller are not supported)", path, root);
	}
	return 0;
}

int hf_cgroup_of_pid(pid_t pid, char *path, size_t len)
{
	char file[512], *buf, *save, *found = NULL;
	bool v1 = false;
	ssize_t n;
	int err = -ENOENT;

	if (!(buf = malloc(1 << 16)))
		return -ENOMEM;
	n = hf_read_file(hf_path(file, sizeof(file), "/proc/%d/cgroup", pid), buf, 1 << 16);
	if (n < 0) {
		free(buf);
		return n == -ESRCH ? -ENOENT : n;
	}
	/* HIERARCHY-ID:CONTROLLER,...:PATH; the path may hold ':' itself. */
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *ctl = strchr(l, ':'), *p = ctl ? strchr(ctl + 1, ':') : NULL;
		bool memory = false;

		if (!p)
			continue;
		*p++ = '\0';
		*ctl++ = '\0';
		for (char *c = ctl, *next; c; c = next) {
			next = strchr(c, ',');
			if (next)
				*next++ = '\0';
			memory |= !strcmp(c, "memory");
		}
		if (memory) {
			found = p;
			v1 = true;
		} else if (!v1 && !strcmp(l, "0") && !*ctl) {
			found = p;
		}
	}
	if (found) {
		err = strlen(found) < len ? 0 : -ENAMETOOLONG;
		if (!err)
			strcpy(path, found);
	}
	/*
	 * An exited task (a zombie) shows the root cgroup: read the state
	 * after the cgroup, so that a live state proves the path was too.
	 */
	if (!err) {
		char *state;

		n = hf_read_file(hf_path(file, sizeof(file), "/proc/%d/stat", pid), buf, 1 << 16);
		state = n > 0 ? strrchr(buf, ')') : NULL;
		if (n < 0)
			err = n == -ESRCH ? -ENOENT : n;
		else if (!state || state[1] != ' ')
			err = -EINVAL;
		else if (state[2] == 'Z' || state[2] == 'X')
			err = -ESRCH;
	}
	free(buf);
	return err;
}

int hf_cgroup_pids(const char *cgroup, struct hf_pids *pids)
{
	char path[4200];
	FILE *f;
	int pid;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%d", &pid) == 1)
		if (pid > 0)
			hf_pids_add(pids, pid);
	fclose(f);
	return 0;
}

int hf_cgroup_pids_tree(const char *cgroup, struct hf_pids *pids)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;
	int err = hf_cgroup_pids(cgroup, pids);

	if (err)
		return err == -ENOENT ? 0 : err;
	if (!(dir = opendir(cgroup)))
		return errno == ENOENT ? 0 : -errno;
	/* cgroupfs fills d_type: a directory is a child cgroup */
	while (!err && (d = readdir(dir))) {
		if (d->d_type != DT_DIR || d->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", cgroup, d->d_name) >= (int)sizeof(path))
			err = -ENAMETOOLONG;
		else
			err = hf_cgroup_pids_tree(path, pids);
	}
	closedir(dir);
	return err;
}
