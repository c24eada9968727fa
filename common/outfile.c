// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "hf.h"
#include "outfile.h"

FILE *hf_outfile_open(struct hf_outfile *o, const char *path)
{
	char dir[4096], base[4096];
	mode_t mask = umask(0);
	int fd;

	umask(mask);
	memset(o, 0, sizeof(*o));
	snprintf(o->path, sizeof(o->path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	snprintf(o->tmp, sizeof(o->tmp), "%s/.%s.XXXXXX", dirname(dir), basename(base));
	fd = mkstemp(o->tmp);
	if (fd < 0 || fchmod(fd, 0666 & ~mask) || !(o->f = fdopen(fd, "w"))) {
		hf_err("%s: %s", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(o->tmp);
		}
		return NULL;
	}
	return o->f;
}

/* Every write reached the file: 0 or -errno. */
static int finish(FILE *f)
{
	int err = 0;

	if (fflush(f) || ferror(f))
		err = errno ? -errno : -EIO;
	if (!err && fsync(fileno(f)) && errno != EINVAL)
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

int hf_outfile_commit(struct hf_outfile *o, int status)
{
	int err;

	if (!o->f)
		return status;
	errno = 0;
	err = finish(o->f);
	o->f = NULL;
	if (!status && !err && rename(o->tmp, o->path))
		err = -errno;
	if (status || err)
		unlink(o->tmp);
	if (!status && err) {
		hf_err("%s: %s (the file is left as it was)", o->path, strerror(-err));
		return HF_EXIT_FAIL;
	}
	return status;
}

int hf_stdout_close(int status)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return status;
	if (!status) {
		hf_warn("standard output: %s", strerror(errno ? errno : EIO));
		return HF_EXIT_FAIL;
	}
	return status;
}

int hf_write_all(FILE *f, const void *buf, size_t len)
{
	errno = 0;
	if (fwrite(buf, 1, len, f) != len)
		return errno ? -errno : -EIO;
	return 0;
}
