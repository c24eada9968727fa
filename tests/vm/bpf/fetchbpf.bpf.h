/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The FetchBPF kernel interface as a BPF program sees it. Declared here
 * rather than taken from a vmlinux.h so that the test policies build
 * before the kernel; CO-RE relocations check every field against the
 * running kernel's BTF at load time.
 */
#ifndef FETCHBPF_BPF_H
#define FETCHBPF_BPF_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct fetchbpf_ctx {
	unsigned long address;
	unsigned long swap_offset;
	unsigned int swap_type;
	unsigned int flags;
	int pid;
	_Bool cache_hit;
	_Bool prefetch_hit;
} __attribute__((preserve_access_index));

struct fetchbpf_ops {
	void (*fault)(struct fetchbpf_ctx *ctx);
	int (*prefetch)(struct fetchbpf_ctx *ctx);
	int (*init)(void);
	void (*exit)(void);
	char name[16];
};

#define FETCHBPF_DONE		0
#define FETCHBPF_FALLBACK	1
#define FB_PAGE_SIZE		4096UL

extern int bpf_prefetch_virtual_page(struct fetchbpf_ctx *ctx,
				     unsigned long addr) __ksym;
extern int bpf_prefetch_physical_page(struct fetchbpf_ctx *ctx,
				      unsigned long swap_offset) __ksym;
extern int bpf_start_block_plug(struct fetchbpf_ctx *ctx) __ksym;
extern int bpf_stop_block_plug(struct fetchbpf_ctx *ctx) __ksym;

#endif
