// SPDX-License-Identifier: GPL-2.0
/* Must be refused by the verifier: the fault context is read-only. */
#include "fetchbpf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/prefetch")
int BPF_PROG(bad_write_prefetch, struct fetchbpf_ctx *fc)
{
	fc->address = 0;
	return FETCHBPF_DONE;
}

SEC(".struct_ops")
struct fetchbpf_ops bpf_bad_write = {
	.prefetch = (void *)bad_write_prefetch,
	.name = "bpf_bad_write",
};
