// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "collapse.h"
#include "hf.h"
#include "kweight.h"
#include "output.h"
#include "proclist.h"
#include "procfs.h"

unsigned int hf_kweight_from_overhead(double overhead)
{
	double w = overhead * 1000 + 0.5;	/* rounded half up by the cast */

	if (!(w >= HF_KWEIGHT_MIN))	/* NaN too */
		return HF_KWEIGHT_MIN;
	return w >= HF_KWEIGHT_MAX ? HF_KWEIGHT_MAX : (unsigned int)w;
}

/* Does /proc/PID/FILE exist ("self": does the kernel have the file at all)? */
static bool proc_has(const char *pid, const char *file)
{
	char path[512];

	return !access(hf_path(path, sizeof(path), "/proc/%s%s", pid, file), F_OK);
}

int hf_kweight_open(struct hf_kweight *k, pid_t pid, struct hf_error *e)
{
	char path[512], comm[32];
	ssize_t n;

	memset(k, 0, sizeof(*k));
	k->pid = pid;
	k->fd = open(hf_path(path, sizeof(path), "/proc/%d/khugepaged_weight", pid),
		     O_WRONLY | O_CLOEXEC);
	if (k->fd < 0) {
		int err = errno;

		snprintf(comm, sizeof(comm), "%d", pid);
		if (err == ENOENT && proc_has("self", "/khugepaged_weight") && !proc_has(comm, ""))
			return hf_error_set(e, HF_ERROR_RUNTIME, -ESRCH, "pid %d: no such process",
					    pid);
		if (err == ENOENT)
			return hf_error_set(e, HF_ERROR_NOFEATURE, -ENOENT, "%s: no such file: "
					    "khugepaged weights need the hawkfetch kernel patches "
					    "(kernel-patches/, make kernel); this kernel does not have "
					    "them", path);
		if (err == EPERM || err == EACCES)
			return hf_error_set(e, HF_ERROR_NOPERM, -err, "%s: %s: writing a process's "
					    "khugepaged weight needs CAP_SYS_NICE and ptrace read "
					    "access to it", path, strerror(err));
		return hf_error_set(e, HF_ERROR_RUNTIME, -err, "%s: %s", path, strerror(err));
	}
	/* After the open: the fd holds this process, whatever the pid runs later. */
	n = hf_read_file(hf_path(path, sizeof(path), "/proc/%d/comm", pid), comm, sizeof(comm));
	if (n > 0 && comm[n - 1] == '\n')
		comm[n - 1] = '\0';
	snprintf(k->comm, sizeof(k->comm), "%.15s", n > 0 ? comm : "?");
	return 0;
}

void hf_kweight_write(struct hf_kweight *k, double overhead, bool have_value)
{
	char buf[16];
	int len;

	k->done = true;
	k->overhead = overhead;
	k->have_value = have_value;
	if (!have_value) {
		k->err = -ENODATA;
		return;
	}
	k->weight = hf_kweight_from_overhead(overhead);
	len = snprintf(buf, sizeof(buf), "%u", k->weight);
	errno = 0;
	if (k->fd < 0)
		k->err = -EBADF;
	else if (write(k->fd, buf, len) != len)
		k->err = errno ? -errno : -EIO;
	else
		k->err = 0;
}

void hf_kweight_close(struct hf_kweight *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

static const char *result_name(int err)
{
	if (err == -ESRCH)
		return "exited";
	if (err == -ENODATA)
		return "no_value";
	return hf_errno_name(err);
}

/* Failures that fail the run: not an exited process, not a missing value. */
static bool real_failure(int err)
{
	return err && err != -ESRCH && err != -ENODATA;
}

static void print_plain(FILE *out, const struct hf_kweight *k)
{
	char cb[HF_COMM_PAD_LEN];
	const char *comm = hf_comm_pad(k->comm, 0, cb);

	if (!k->err)
		fprintf(out, "khugepaged_weight: pid %d (%s): %u (overhead %.6g)\n", k->pid,
			comm, k->weight, k->overhead);
	else if (k->err == -ENODATA)
		fprintf(out, "khugepaged_weight: pid %d (%s): not written: nothing measured\n",
			k->pid, comm);
	else if (k->err == -ESRCH)
		fprintf(out, "khugepaged_weight: pid %d (%s): not written: the process exited\n",
			k->pid, comm);
	else
		fprintf(out, "khugepaged_weight: pid %d (%s): %u not written: %s\n", k->pid,
			comm, k->weight, strerror(-k->err));
}

static struct json_object *proc_json(const struct hf_kweight *k)
{
	struct json_object *p = json_object_new_object();

	hf_json_set_u64(p, "pid", k->pid);
	hf_json_set_comm(p, k->comm);
	json_object_object_add(p, "overhead", k->have_value ? hf_json_ratio(k->overhead) : NULL);
	json_object_object_add(p, "weight", k->have_value ? hf_json_u64(k->weight) : NULL);
	hf_json_set_str(p, "result", result_name(k->err));
	json_object_object_add(p, "written", json_object_new_boolean(!k->err));
	return p;
}

int hf_kweight_report(FILE *out, const struct hf_kweight *k, size_t n, bool json)
{
	struct json_object *o = json ? json_object_new_object() : NULL;
	struct json_object *procs = json ? json_object_new_array() : NULL;
	unsigned int written = 0, failed = 0;

	for (size_t i = 0; i < n; i++) {
		if (!k[i].done)
			continue;
		written += !k[i].err;
		failed += real_failure(k[i].err);
		if (real_failure(k[i].err))
			hf_warn("pid %d: writing %u to /proc/%d/khugepaged_weight: %s", k[i].pid,
				k[i].weight, k[i].pid, strerror(-k[i].err));
		if (json)
			json_object_array_add(procs, proc_json(&k[i]));
		else
			print_plain(out, &k[i]);
	}
	if (json) {
		hf_json_set_str(o, "type", "khugepaged_weights");
		hf_json_set_u64(o, "written", written);
		hf_json_set_u64(o, "failed", failed);
		json_object_object_add(o, "processes", procs);
		hf_json_emit(out, o);
		json_object_put(o);
	}
	return failed ? -EIO : 0;
}
