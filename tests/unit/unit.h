/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal checks for C unit tests, in the PASS:/FAIL: protocol of tests/lib.sh. */
#ifndef HF_UNIT_H
#define HF_UNIT_H

#include <stdio.h>

static int unit_failed;

#define CHECK(name, cond, ...) do {					\
	if (cond) {							\
		printf("PASS: %s\n", name);				\
	} else {							\
		printf("FAIL: %s: ", name);				\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		unit_failed++;						\
	}								\
} while (0)

/* A check whose condition, as written, is its own explanation. */
#define CHECK_TRUE(name, cond) CHECK(name, cond, "%s (line %d)", #cond, __LINE__)

#define UNIT_EXIT() (unit_failed ? 1 : 0)

#endif
