/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Readers for /proc and /sys. Every path is taken relative to the root
 * named by $HAWKFETCH_SYSROOT (default "/"), so tests can point the readers
 * at fixture trees without root.
 */
#ifndef HF_PROCFS_H
#define HF_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Build "$HAWKFETCH_SYSROOT/<path>" into buf; returns buf. */
const char *hf_path(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct proc_task {
	pid_t pid;
	pid_t tgid;
	pid_t ppid;
	char comm[16];
	bool kthread;
	uint64_t minflt, majflt;
};

/*
 * Read /proc/PID/stat and /proc/PID/status. Returns 0, or -ENOENT (no
 * such process), -EACCES, -EINVAL (unparsable).
 */
int hf_proc_task_read(pid_t pid, struct proc_task *task);

/* Just its name: hf_proc_task_read()'s comm into comm (only on success). */
int hf_proc_comm_read(pid_t pid, char comm[16]);

/* Explain hf_proc_task_read()'s failure for a user-supplied PID. */
const char *hf_proc_task_strerror(int err);

/*
 * Is this process in a PID namespace other than the initial one? BPF sees
 * PIDs of the initial namespace, so PIDs typed in a container would not match.
 */
bool hf_proc_self_in_nested_pidns(void);

/* Online CPUs from /sys/devices/system/cpu/online. Caller frees *cpus. */
int hf_sys_online_cpus(int **cpus, int *ncpus);

/* Parse a kernel CPU list such as "0-3,8,10-11". */
int hf_parse_cpu_list(const char *s, int **cpus, int *ncpus);

/*
 * The value of NAME=VALUE on the kernel command line (/proc/cmdline), the
 * last one given; what follows " -- " belongs to init and is not read.
 * Returns 0, -ENOENT (not given) or another -errno.
 */
int hf_kernel_cmdline_param(const char *name, char *out, size_t len);

/* Read a whole small file into buf (NUL-terminated); returns length or -errno. */
ssize_t hf_read_file(const char *path, char *buf, size_t len);

/*
 * Has this process exited, waiting to be reaped? Its first thread is a
 * zombie and no other is left (a first thread that called pthread_exit()
 * shows 'Z' too while the others run on).
 */
bool hf_proc_zombie(pid_t pid);

/*
 * The /proc/vmstat counters named in names[0..n): values[i] is set for
 * each one found. Returns how many were found, or -errno.
 */
int hf_vmstat_read(const char *const *names, uint64_t *values, int n);

#endif
