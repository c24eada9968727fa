// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/PID/maps lines (common/maps.c): anonymous, a path with a space,
 * garbage refused.
 */
#include <string.h>
#include "maps.h"
#include "unit.h"

static void test_maps(void)
{
	struct hf_vma v;
	int err = hf_vma_parse("7f0000000000-7f0000400000 rw-p 00000000 00:00 0 \n", &v);

	CHECK("maps-anon", !err && v.start == 0x7f0000000000ULL && v.end == 0x7f0000400000ULL &&
		hf_vma_is_anon(&v) && !strcmp(hf_vma_name(&v), "[anon]"), "err %d", err);
	err = hf_vma_parse("55d0c0a00000-55d0c0a21000 r-xp 00002000 fd:01 1234  /usr/bin/a b\n", &v);
	CHECK("maps-path-with-space", !err && !strcmp(v.path, "/usr/bin/a b") && !hf_vma_is_anon(&v),
		"path '%s'", v.path);
	CHECK("maps-garbage", hf_vma_parse("nonsense\n", &v) < 0, "parsed");
}

int main(void)
{
	test_maps();
	return UNIT_EXIT();
}
