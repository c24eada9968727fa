// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include "pidfd.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif

int hf_pidfd_open(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

int hf_process_madvise(int pidfd, uint64_t addr, size_t len, int advice)
{
	struct iovec iov = { (void *)(uintptr_t)addr, len };
	long done = syscall(SYS_process_madvise, pidfd, &iov, 1UL, advice, 0U);

	if (done < 0)
		return -errno;
	return (size_t)done == len ? 0 : -EAGAIN;	/* advised only in part */
}
