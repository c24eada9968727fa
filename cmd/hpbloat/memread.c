// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/uio.h>
#include "memread.h"
#include "hf.h"
#include "pagemap.h"

/* 64 bytes: four SSE2 loads, or two AVX2 loads with target_clones. */
typedef uint64_t hf_v8u64 __attribute__((vector_size(64), aligned(HF_ZERO_ALIGN)));

__attribute__((target_clones("avx2", "default")))
bool hf_page_is_zero(const void *page)
{
	const hf_v8u64 *v = page;

	/* 256 bytes per test: cheap early exit, few reductions. */
	for (size_t i = 0; i < HF_PAGE_SIZE / sizeof(*v); i += 4) {
		hf_v8u64 acc = v[i] | v[i + 1] | v[i + 2] | v[i + 3];

		acc[0] |= acc[1] | acc[2] | acc[3] | acc[4] | acc[5] | acc[6] | acc[7];
		if (acc[0])
			return false;
	}
	return true;
}

int hf_mem_read(pid_t pid, const uint64_t *addr, size_t n, size_t len, void *buf)
{
	struct iovec local = { buf, n * len }, remote[64];
	ssize_t got;

	if (n > ARRAY_SIZE(remote))
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		remote[i].iov_base = (void *)(uintptr_t)addr[i];
		remote[i].iov_len = len;
	}
	got = process_vm_readv(pid, &local, 1, remote, n, 0);
	if (got < 0)
		return errno == EFAULT ? 0 : -errno;	/* the first range is gone */
	return got / len;
}
