// SPDX-License-Identifier: GPL-2.0
/* Must be refused: the prefetch kfuncs are for fetchbpf_ops programs only. */
#include "fetchbpf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("syscall")
int bad_kfunc(void *args)
{
	return bpf_prefetch_virtual_page((struct fetchbpf_ctx *)args, 0);
}
