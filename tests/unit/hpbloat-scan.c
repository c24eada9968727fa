// SPDX-License-Identifier: GPL-2.0
/*
 * hpbloat's zero-page detection (cmd/hpbloat/memread.c) and its count of
 * zero subpages (cmd/hpbloat/scan.c).
 */
#include <stdlib.h>
#include <string.h>
#include "hf.h"
#include "hpbloat/memread.h"
#include "hpbloat/scan.h"
#include "unit.h"

static void test_zero(void)
{
	char *buf = aligned_alloc(HF_ZERO_ALIGN, 8 * HF_PAGE_SIZE);
	int bad = -1;

	memset(buf, 0, 8 * HF_PAGE_SIZE);
	CHECK("zero-page-empty", hf_page_is_zero(buf), "not zero");
	for (size_t i = 0; i < HF_PAGE_SIZE && bad < 0; i++) {
		buf[i] = (char)0x80;
		if (hf_page_is_zero(buf) || !hf_page_is_zero(buf + HF_PAGE_SIZE))
			bad = i;
		buf[i] = 0;
	}
	CHECK("zero-page-every-byte", bad < 0, "byte %d missed", bad);
	buf[3 * HF_PAGE_SIZE + 4095] = 1;
	buf[5 * HF_PAGE_SIZE] = 1;
	CHECK("zero-count", hf_bloat_count_zero(buf, 8 * HF_PAGE_SIZE) == 6, "count %u",
		hf_bloat_count_zero(buf, 8 * HF_PAGE_SIZE));
	free(buf);
}

int main(void)
{
	test_zero();
	return UNIT_EXIT();
}
