// SPDX-License-Identifier: GPL-2.0
/*
 * mmucost --from's reader of perf stat -x, output (cmd/mmucost/perfstat.c):
 * intervals and their overheads, a malformed line named.
 */
#include <errno.h>
#include <stdio.h>
#include "mmucost/perfstat.h"
#include "mmucost/pmu.h"
#include "unit.h"

static int collect(const struct hf_perfstat_interval *iv, void *ctx)
{
	struct hf_perfstat_interval *out = ctx;

	out[out[0].timed ? 1 : 0] = *iv;
	out[0].timed = true;	/* slot 0 taken */
	return 0;
}

static void test_perfstat(void)
{
	static const char csv[] =
		"# started on ...\n\n"
		"     1.001,2000,,dtlb_load_misses.walk_active,1000,100.00,,\n"
		"     1.001,10000,,cycles,1000,100.00,,\n"
		"     2.002,<not counted>,,dtlb_load_misses.walk_active,0,0.00,,\n"
		"     2.002,500,,dtlb_store_misses.walk_active,1000,100.00,,\n"
		"     2.002,5000,,cycles,1000,100.00,,\n";
	struct hf_perfstat_interval iv[2] = { 0 };
	struct hf_mmu_result r0, r1;
	FILE *f = fmemopen((void *)csv, sizeof(csv) - 1, "r");
	int line, err = hf_perfstat_read(f, collect, iv, &line);

	fclose(f);
	hf_mmu_compute(&iv[0].counts, &r0);
	hf_mmu_compute(&iv[1].counts, &r1);
	CHECK("perfstat-intervals", !err && iv[1].time_s == 2.002 && r0.value == 0.2 &&
		r1.value == 0.1, "err %d, t %g, %g %g", err, iv[1].time_s, r0.value, r1.value);

	f = fmemopen("10,,cycles,\nbogus\n", 18, "r");
	err = hf_perfstat_read(f, collect, iv, &line);
	fclose(f);
	CHECK("perfstat-bad-line", err == -EINVAL && line == 2, "err %d line %d", err, line);
}

int main(void)
{
	test_perfstat();
	return UNIT_EXIT();
}
