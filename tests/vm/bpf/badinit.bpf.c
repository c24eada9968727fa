// SPDX-License-Identifier: GPL-2.0
/*
 * Policies whose init() fails: the kernel must refuse to attach each one
 * with a negative errno. A positive value or one below -MAX_ERRNO is no
 * errno and must come back as EPROTO (it used to pass through the bpf()
 * syscall as its result, a success with nothing attached); a real errno
 * comes back as it is. No prefetch(): none of them may ever run.
 */
#include "fetchbpf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define ENOSPC 28

SEC("struct_ops/init")
int BPF_PROG(init_one)
{
	return 1;
}

SEC("struct_ops/init")
int BPF_PROG(init_below_errno)
{
	return -5000;	/* below -MAX_ERRNO (-4095) */
}

SEC("struct_ops/init")
int BPF_PROG(init_nospc)
{
	return -ENOSPC;
}

SEC(".struct_ops")
struct fetchbpf_ops bpf_init_one = {
	.init = (void *)init_one,
	.name = "bpf_init_one",
};

SEC(".struct_ops")
struct fetchbpf_ops bpf_init_below_errno = {
	.init = (void *)init_below_errno,
	.name = "bpf_init_below",
};

SEC(".struct_ops")
struct fetchbpf_ops bpf_init_nospc = {
	.init = (void *)init_nospc,
	.name = "bpf_init_nospc",
};
