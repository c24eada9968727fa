// SPDX-License-Identifier: GPL-2.0
/*
 * THP region classification from pagemap entries and kpageflags
 * (common/pagemap.c): a THP, the huge zero page, and what is not one.
 */
#include <stdint.h>
#include "pagemap.h"
#include "unit.h"

static void fill_region(uint64_t *ent, uint64_t *flags, uint64_t pfn0, uint64_t head_flags)
{
	for (unsigned int i = 0; i < HF_HPAGE_NR; i++) {
		ent[i] = PM_PRESENT | (pfn0 + i);
		flags[i] = i ? KPF(KPF_COMPOUND_TAIL) | KPF(KPF_THP) : head_flags;
	}
}

static void test_regions(void)
{
	static uint64_t ent[HF_HPAGE_NR], flags[HF_HPAGE_NR];
	const uint64_t head = KPF(KPF_COMPOUND_HEAD) | KPF(KPF_THP);

	fill_region(ent, flags, 0x40000, head);
	CHECK("region-thp", hf_region_kind_of(ent, flags) == HF_REGION_HUGE, "not huge");
	fill_region(ent, flags, 0x40000, head | KPF(KPF_ZERO_PAGE));
	CHECK("region-huge-zero", hf_region_kind_of(ent, flags) == HF_REGION_HUGE_ZERO, "wrong");
	fill_region(ent, flags, 0x40010, head);
	CHECK("region-unaligned-pfn", hf_region_kind_of(ent, flags) == HF_REGION_BASE, "huge");
	fill_region(ent, flags, 0x40000, head);
	ent[300] = 0;
	CHECK("region-hole", hf_region_kind_of(ent, flags) == HF_REGION_BASE, "huge");
	fill_region(ent, flags, 0x40000, head);
	flags[16] = head;	/* mTHPs of 64 KiB: a head every 16 pages */
	CHECK("region-mthp", hf_region_kind_of(ent, flags) == HF_REGION_BASE, "huge");
	fill_region(ent, flags, 0x40000, head | KPF(KPF_HUGE));
	CHECK("region-hugetlb", hf_region_kind_of(ent, flags) == HF_REGION_BASE, "huge");
}

int main(void)
{
	test_regions();
	return UNIT_EXIT();
}
