/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hawkfetch kernel's khugepaged coverage interface: the scan order
 * (/sys/kernel/mm/transparent_hugepage/khugepaged/scan_order, "[address]
 * coverage" or "address [coverage]"; the file exists only on the patched
 * kernel) and /proc/PID/access_map, one line per 2 MiB region that
 * khugepaged has measured at least twice while scanning in coverage order:
 *
 *	START COVERAGE BUCKET HUGE\n	("%lx %u %u %u\n", ascending START)
 *
 * START is the region's address in hex without 0x (as in /proc/PID/maps),
 * COVERAGE khugepaged's moving average of accessed base pages per
 * measurement round (0..512), BUCKET min(COVERAGE / 50, 10) (hf_cov_bucket()),
 * HUGE 0 or 1. Kernels before the 50-page buckets printed COVERAGE * 10 / 513
 * in BUCKET: the reader accepts either rule, and everything downstream takes
 * the bucket from COVERAGE, so both kernels' files give the same report.
 */
#ifndef HF_HPCOV_ACCESSMAP_H
#define HF_HPCOV_ACCESSMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define HF_SCAN_ORDER_PATH "/sys/kernel/mm/transparent_hugepage/khugepaged/scan_order"

enum hf_scan_order { HF_SCAN_ORDER_ADDRESS, HF_SCAN_ORDER_COVERAGE };

/* "[address] coverage" or "address [coverage]" (one newline allowed). 0 or -EINVAL. */
int hf_scan_order_parse(const char *s, enum hf_scan_order *order);
/*
 * Read scan_order (under $HAWKFETCH_SYSROOT) into *order; path receives
 * its path. 0, -ENOENT (a kernel without the hawkfetch patches), -EINVAL
 * (unrecognised content) or -errno.
 */
int hf_scan_order_read(enum hf_scan_order *order, char *path, size_t len);

struct hf_access_map_entry {
	uint64_t addr;
	unsigned int coverage;	/* 0..512 */
	bool huge;
};

/* One line, without its newline. 0, or -EINVAL with why (len bytes) saying why. */
int hf_access_map_parse_line(const char *line, struct hf_access_map_entry *e, char *why,
			     size_t len);
/*
 * Read a whole access_map from f. Every line must parse and the addresses
 * must ascend; no line is ever skipped. Returns 0 (*e to free, *n entries;
 * an empty file is valid), -EINVAL with err "NAME:LINE: why", or -errno.
 */
int hf_access_map_read(FILE *f, const char *name, struct hf_access_map_entry **e, size_t *n,
		       char *err, size_t errlen);
/*
 * Read /proc/PID/access_map (under $HAWKFETCH_SYSROOT). As above, or
 * -ENOENT (no such process, or a kernel without the file), -EACCES/-EPERM
 * (no ptrace read access to the process).
 */
int hf_access_map_read_pid(pid_t pid, struct hf_access_map_entry **e, size_t *n,
			   char *err, size_t errlen);

#endif
