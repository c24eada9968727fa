// SPDX-License-Identifier: GPL-2.0
/* Next-N swap-in prefetching: the BPF twin of the native next_n policy. */
#include "fetchbpf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define NEXT_N 8

static __always_inline int next_n(struct fetchbpf_ctx *fc)
{
	unsigned long addr = fc->address & ~(FB_PAGE_SIZE - 1);
	int i;

	bpf_start_block_plug(fc);
	for (i = 1; i <= NEXT_N; i++)
		bpf_prefetch_virtual_page(fc, addr + i * FB_PAGE_SIZE);
	bpf_stop_block_plug(fc);
	return FETCHBPF_DONE;
}

SEC("struct_ops/prefetch")
int BPF_PROG(nextn_prefetch, struct fetchbpf_ctx *fc)
{
	return next_n(fc);
}

SEC("struct_ops/prefetch")
int BPF_PROG(nextn2_prefetch, struct fetchbpf_ctx *fc)
{
	return next_n(fc);
}

SEC(".struct_ops")
struct fetchbpf_ops bpf_next_n = {
	.prefetch = (void *)nextn_prefetch,
	.name = "bpf_next_n",
};

/* A second policy, to check that two cannot be attached at once. */
SEC(".struct_ops")
struct fetchbpf_ops bpf_next_n2 = {
	.prefetch = (void *)nextn2_prefetch,
	.name = "bpf_next_n2",
};

/* Next-N by swap slot: the N slots after the faulting one. */
SEC("struct_ops/prefetch")
int BPF_PROG(nextphys_prefetch, struct fetchbpf_ctx *fc)
{
	unsigned long off = fc->swap_offset;
	int i;

	bpf_start_block_plug(fc);
	for (i = 1; i <= NEXT_N; i++)
		bpf_prefetch_physical_page(fc, off + i);
	bpf_stop_block_plug(fc);
	return FETCHBPF_DONE;
}

SEC(".struct_ops")
struct fetchbpf_ops bpf_next_phys = {
	.prefetch = (void *)nextphys_prefetch,
	.name = "bpf_next_phys",
};

/* Always the kernel's readahead: its pages count as the policy's prefetches. */
SEC("struct_ops/prefetch")
int BPF_PROG(fallback_prefetch, struct fetchbpf_ctx *fc)
{
	return FETCHBPF_FALLBACK;
}

SEC(".struct_ops")
struct fetchbpf_ops bpf_fallback = {
	.prefetch = (void *)fallback_prefetch,
	.name = "bpf_fallback",
};
