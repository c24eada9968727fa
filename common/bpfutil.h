/* SPDX-License-Identifier: GPL-2.0 */
/* BPF plumbing shared by the tools: logging, perf events, counters. */
#ifndef HF_BPFUTIL_H
#define HF_BPFUTIL_H

#include <stdint.h>
#include <bpf/libbpf.h>
#include "hf.h"

/*
 * libbpf's messages: debug level only with -v; warnings always, with a
 * verifier log cut to its last lines unless -v asks for all of it.
 */
void hf_libbpf_init(void);

/*
 * From now on keep the end of the next verifier log in buf (len bytes)
 * and print none of libbpf's messages, which the caller reports in its own
 * words (with -v they are printed as well); len 0 stops.
 */
void hf_libbpf_capture(char *buf, size_t len);

/* A set of links, detached together. */
struct hf_links {
	struct bpf_link **link;
	int n;
	size_t cap;
};
int hf_links_add(struct hf_links *links, struct bpf_link *link);
void hf_links_destroy(struct hf_links *links);

/*
 * Attach prog to a software perf event (PERF_COUNT_SW_*) sampled on every
 * occurrence, on every online CPU. Returns 0 or -errno with e filled.
 */
int hf_attach_perf_sw(struct bpf_program *prog, int config, struct hf_links *links,
		      struct hf_error *e);

/* Sum of one u64 slot of a per-CPU array map across all CPUs. */
uint64_t hf_percpu_sum(int map_fd, uint32_t key);

#endif
