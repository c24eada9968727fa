/* SPDX-License-Identifier: GPL-2.0 */
/* The one clock of the tools: CLOCK_MONOTONIC, for durations and deadlines. */
#ifndef HF_CLOCK_H
#define HF_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t hf_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline double hf_now_s(void)
{
	return hf_now_ns() / 1e9;
}

#endif
