// SPDX-License-Identifier: GPL-2.0
/*
 * The THP shrinker policy (common/thp.c) read from fixture trees: the
 * threshold from max_ptes_none, 511 disabling it, an older kernel without.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "thp.h"
#include "unit.h"

static void test_thp_policy(const char *fixtures)
{
	struct hf_thp_policy p;
	char root[512];

	snprintf(root, sizeof(root), "%s/thp-shrinker-on", fixtures);
	setenv("HAWKFETCH_SYSROOT", root, 1);
	hf_thp_policy_read(&p);
	CHECK("thp-policy-read", p.has_shrinker && p.shrink_underused && p.max_ptes_none == 409 &&
		!strcmp(p.enabled, "madvise"), "%d %d %d %s", p.has_shrinker, p.shrink_underused,
		p.max_ptes_none, p.enabled);
	CHECK("thp-would-split", hf_thp_would_split(&p, 410) && !hf_thp_would_split(&p, 409),
		"threshold wrong");
	p.max_ptes_none = 511;
	CHECK("thp-511-disables", !hf_thp_shrinker_active(&p) && !hf_thp_would_split(&p, 512),
		"active at 511");
	snprintf(root, sizeof(root), "%s/thp-old-kernel", fixtures);
	setenv("HAWKFETCH_SYSROOT", root, 1);
	hf_thp_policy_read(&p);
	CHECK("thp-no-shrinker", !p.has_shrinker && !hf_thp_would_split(&p, 512), "shrinker seen");
	unsetenv("HAWKFETCH_SYSROOT");
}

int main(void)
{
	const char *fixtures = getenv("FIXTURES") ? getenv("FIXTURES") : "tests/fixtures";

	test_thp_policy(fixtures);
	return UNIT_EXIT();
}
