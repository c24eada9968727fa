/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The FetchBPF kernel interface as a BPF program sees it: the types come
 * from the project's bpf/vmlinux.h, dumped from the patched kernel (make
 * vmlinux-h), so struct fetchbpf_ctx and fetchbpf_ops are defined once, by
 * the kernel; CO-RE relocations check every field against the running
 * kernel's BTF at load time. Only the kfuncs are declared here.
 */
#ifndef FETCHBPF_BPF_H
#define FETCHBPF_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define FB_PAGE_SIZE		4096UL

extern int bpf_prefetch_virtual_page(struct fetchbpf_ctx *ctx,
				     unsigned long addr) __ksym;
extern int bpf_prefetch_physical_page(struct fetchbpf_ctx *ctx,
				      unsigned long swap_offset) __ksym;
extern int bpf_start_block_plug(struct fetchbpf_ctx *ctx) __ksym;
extern int bpf_stop_block_plug(struct fetchbpf_ctx *ctx) __ksym;

#endif
