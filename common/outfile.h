/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output files that never lose data: -o FILE is written to a temporary
 * file beside it, which the tool renames over FILE once its output is
 * sure to start (fbtrace: when the trace has started), so a failure before
 * that (a bad pid, a missing probe) leaves what was there. Standard output
 * gets a final check of every write (hf_stdout_close()), so a full disk is
 * an error, never a silent success.
 *
 *	struct hf_outfile o;
 *	if (hf_outfile_open(&o, path, &e))	// o.f is the stream
 *		return hf_fail(&e);
 *	...	rename(o.tmp, o.path) once started, or hf_outfile_discard(&o)
 */
#ifndef HF_OUTFILE_H
#define HF_OUTFILE_H

#include <stdio.h>
#include "hf.h"

struct hf_outfile {
	FILE *f;
	char path[4096];		/* the FILE asked for */
	char tmp[4096];			/* where it is written until renamed */
};

/*
 * Open a temporary file, o->f, in path's directory (mode 0644 less the
 * umask, as fopen would make path). 0, or -errno with e filled.
 */
int hf_outfile_open(struct hf_outfile *o, const char *path, struct hf_error *e);
/* Close and remove the temporary file, if still open: path is left as it was. */
void hf_outfile_discard(struct hf_outfile *o);

/*
 * Standard output that remembers why a write failed: hf_stdout_track()
 * (first in main, before setvbuf) puts stdout on a stream writing to fd 1
 * that keeps the errno of a failed write, which line buffering would
 * otherwise lose before the end, and sets hf_stop so that loops end: there
 * is no one left to report to.
 */
void hf_stdout_track(void);
/*
 * Check the writes to stdout (flush, error flag) before exiting: returns
 * status, or HF_EXIT_FAIL with "standard output: REASON" printed when it
 * was 0 and a write failed. EPIPE (a reader that went away) is left to
 * the caller's SIGPIPE policy.
 */
int hf_stdout_close(int status);

/*
 * Write len bytes and check: 0, or -errno (short write, EIO, ENOSPC).
 */
int hf_write_all(FILE *f, const void *buf, size_t len);

#endif
