/* SPDX-License-Identifier: GPL-2.0 */
/* Reading another process's memory in batches, and finding zero pages. */
#ifndef HF_HPBLOAT_MEMREAD_H
#define HF_HPBLOAT_MEMREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Alignment hf_page_is_zero() needs of its buffer. */
#define HF_ZERO_ALIGN 64

/* Is this 4 KiB page all zero? Wide loads with an early exit. */
bool hf_page_is_zero(const void *page);

/*
 * Read n ranges of len bytes each, starting at addr[i] in process pid,
 * into buf (n * len bytes), with one process_vm_readv call. Returns the
 * number of whole ranges read (a range unmapped meanwhile ends the batch
 * early), or -ESRCH (the process is gone), -EPERM, or -errno.
 */
int hf_mem_read(pid_t pid, const uint64_t *addr, size_t n, size_t len, void *buf);

#endif
