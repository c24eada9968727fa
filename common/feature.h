/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the running kernel and machine can do. Each hf_require_*() returns 0
 * when the feature is there, or -errno with e naming the missing piece and
 * what to do (hf.h's convention).
 */
#ifndef HF_FEATURE_H
#define HF_FEATURE_H

#include <stdbool.h>
#include "hf.h"

/* Root, or CAP_BPF + CAP_PERFMON, to load BPF programs and open perf events. */
int hf_require_bpf_privileges(struct hf_error *e);
/* Kernel BTF at /sys/kernel/btf/vmlinux (CO-RE needs it). */
int hf_require_btf(struct hf_error *e);
/* Does the running kernel's BTF define this struct (e.g. "fetchbpf_ops")? */
bool hf_kernel_has_struct(const char *name);
/* Is there kernel BTF (/sys/kernel/btf/vmlinux)? */
bool hf_kernel_has_btf(void);
/* Does the running kernel's BTF have this (non-static or not inlined) function? */
bool hf_kernel_has_func(const char *name);
/* Does the running kernel have this tracepoint (e.g. "mm_filemap_fault")? */
bool hf_kernel_has_raw_tracepoint(const char *name);
/* The FetchBPF patches: the swap-in tracepoint's type is in the BTF. */
bool hf_kernel_has_fetchbpf(void);
/* ... and patch 0014's swap slot tracepoints (fetchbpf_swap_out and the rest). */
bool hf_kernel_has_slot_events(void);
/* Mount TYPE at DIR unless a file system of that MAGIC is there; root
 * only (-EPERM otherwise). 0 or -errno. */
int hf_mount_fs(const char *dir, const char *type, long magic);

/* tracefs at /sys/kernel/tracing; mounted there when root and absent. */
int hf_require_tracefs(struct hf_error *e);
/* bpffs at /sys/fs/bpf; mounted there when root and absent. */
int hf_require_bpffs(struct hf_error *e);

#endif
