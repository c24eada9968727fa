// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "helpers.h"
#include "hf.h"
#include "outfile.h"

int hf_outfile_open(struct hf_outfile *o, const char *path, struct hf_error *e)
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
		int err = hf_error_set(e, HF_ERROR_RUNTIME, -errno, "%s: %s", path,
				       strerror(errno));

		if (fd >= 0) {
			close(fd);
			unlink(o->tmp);
		}
		return err;
	}
	return 0;
}

void hf_outfile_discard(struct hf_outfile *o)
{
	if (!o->f)
		return;
	fclose(o->f);
	o->f = NULL;
	unlink(o->tmp);
}

/* ---- standard output ---- */

static int stdout_errno;	/* why a write to fd 1 failed (hf_stdout_track()) */

static ssize_t stdout_write(void *cookie, const char *buf, size_t len)
{
	size_t done = 0;

	(void)cookie;
	while (done < len) {
		ssize_t n = write(STDOUT_FILENO, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!stdout_errno)
				stdout_errno = n < 0 ? errno : EIO;
			hf_stop = 2;	/* nothing more can be reported: end loops */
			errno = stdout_errno;
			return done ? (ssize_t)done : -1;
		}
		done += n;
	}
	return done;
}

void hf_stdout_track(void)
{
	FILE *f = fopencookie(NULL, "w", (cookie_io_functions_t){ .write = stdout_write });

	if (f)
		stdout = f;
}

int hf_stdout_close(int status)
{
	int err;

	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout) && !stdout_errno)
		return status;
	err = stdout_errno ? stdout_errno : errno ? errno : EIO;
	if (status || err == EPIPE)	/* a reader that went away: the caller's policy */
		return status;
	hf_warn("standard output: %s", strerror(err));
	return HF_EXIT_FAIL;
}

int hf_write_all(FILE *f, const void *buf, size_t len)
{
	errno = 0;
	if (fwrite(buf, 1, len, f) != len)
		return errno ? -errno : -EIO;
	return 0;
}
