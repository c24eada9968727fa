// SPDX-License-Identifier: GPL-2.0
/*
 * A policy that only asks for what it must not get. cfg[0] selects the
 * kind of bad request, cfg[1] is an address or offset supplied by the
 * test; the program counts the prefetch calls (cfg[2]) and fault calls
 * (cfg[3]) in which it made bad requests, so the test knows how many
 * rejections to expect.
 */
#include "fetchbpf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

enum {
	ADV_NONE,
	ADV_KERNEL_ADDR,	/* outside the mm */
	ADV_UNMAPPED,		/* hole in the address space */
	ADV_NOT_SWAPPED,	/* resident page of the faulting VMA */
	ADV_OVER_BOUND,		/* 40 valid requests: 8 over the bound */
	ADV_OTHER_DEVICE,	/* swapped page on another swap device */
	ADV_PHYS_BEYOND,	/* swap offset past the end of the device */
	ADV_PHYS_FREE,		/* unused swap slot */
	ADV_SELF,		/* the faulting page itself */
	ADV_FROM_FAULT,		/* kfunc called from fault(), not prefetch() */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} cfg SEC(".maps");

static __always_inline __u64 *slot(__u32 i)
{
	return bpf_map_lookup_elem(&cfg, &i);
}

SEC("struct_ops/fault")
void BPF_PROG(adv_fault, struct fetchbpf_ctx *fc)
{
	__u64 *mode = slot(0), *calls = slot(3);

	if (!mode || !calls || *mode != ADV_FROM_FAULT)
		return;
	__sync_fetch_and_add(calls, 1);
	bpf_prefetch_virtual_page(fc, fc->address + FB_PAGE_SIZE);
}

SEC("struct_ops/prefetch")
int BPF_PROG(adv_prefetch, struct fetchbpf_ctx *fc)
{
	__u64 *mode = slot(0), *arg = slot(1), *calls = slot(2);
	unsigned long addr = fc->address & ~(FB_PAGE_SIZE - 1);
	int i;

	if (!mode || !arg || !calls)
		return FETCHBPF_FALLBACK;
	if (*mode == ADV_NONE || *mode == ADV_FROM_FAULT)
		return FETCHBPF_DONE;
	__sync_fetch_and_add(calls, 1);
	switch (*mode) {
	case ADV_KERNEL_ADDR:
		bpf_prefetch_virtual_page(fc, 0xffff888000000000UL);
		break;
	case ADV_UNMAPPED:
	case ADV_NOT_SWAPPED:
	case ADV_OTHER_DEVICE:
		bpf_prefetch_virtual_page(fc, *arg);
		break;
	case ADV_OVER_BOUND:
		for (i = 1; i <= 40; i++)
			bpf_prefetch_virtual_page(fc, addr + i * FB_PAGE_SIZE);
		break;
	case ADV_PHYS_BEYOND:
		bpf_prefetch_physical_page(fc, 1UL << 40);
		break;
	case ADV_PHYS_FREE:
		bpf_prefetch_physical_page(fc, *arg);
		break;
	case ADV_SELF:
		bpf_prefetch_virtual_page(fc, fc->address);
		break;
	}
	return FETCHBPF_DONE;
}

SEC(".struct_ops")
struct fetchbpf_ops bpf_adversary = {
	.fault = (void *)adv_fault,
	.prefetch = (void *)adv_prefetch,
	.name = "bpf_adversary",
};
