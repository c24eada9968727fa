// SPDX-License-Identifier: GPL-2.0
/*
 * The pre-zeroing readers (cmd/prezero-ctl/sysfs.c) against the fixture trees
 * tests/fixtures/sysroot-prezero (two nodes) and sysroot-stock, and the
 * value parsers prezero-ctl validates `set` and `now` with.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "prezero-ctl/sysfs.h"
#include "procfs.h"
#include "unit.h"

static void read_fixture(void)
{
	struct hf_prezero pz;
	char what[256] = "";
	int err;

	setenv("HAWKFETCH_SYSROOT", "tests/fixtures/sysroot-prezero", 1);
	err = hf_prezero_read(&pz, what, sizeof(what));
	CHECK("prezero_read_fixture", !err, "err %d at %s", err, what);
	if (err)
		return;
	CHECK("prezero_knobs", pz.knob[HF_PZ_ENABLED] == 1 && pz.knob[HF_PZ_NONTEMPORAL] == 1 &&
	      pz.knob[HF_PZ_TARGET_KBYTES] == 1048576 && pz.knob[HF_PZ_BATCH_BLOCKS] == 16 &&
	      pz.knob[HF_PZ_SLEEP_MILLISECS] == 100 && !strcmp(pz.disabled_by, "none"),
	      "knobs %llu %llu disabled_by '%s'", (unsigned long long)pz.knob[HF_PZ_ENABLED],
	      (unsigned long long)pz.knob[HF_PZ_TARGET_KBYTES], pz.disabled_by);
	CHECK("prezero_vmstat", pz.counter[HF_PZ_NR_FREE_ZEROED] == 393216 &&
	      pz.counter[HF_PZ_THP_PREZEROED] == 2870 && pz.counter[HF_PZ_THP_ZEROED] == 130 &&
	      pz.counter[HF_PZ_DROPPED] == 12800, "nr_free_zeroed %llu",
	      (unsigned long long)pz.counter[HF_PZ_NR_FREE_ZEROED]);
	/* node 0: DMA + DMA32 + Normal; node 1: Normal + an empty Movable */
	CHECK("prezero_zoneinfo_two_nodes", pz.nnode == 2 && pz.node[0].id == 0 &&
	      pz.node[0].zeroed_pages == 131072 && pz.node[0].present_pages == 2097054 &&
	      pz.node[1].id == 1 && pz.node[1].zeroed_pages == 262144 &&
	      pz.node[1].present_pages == 2097152, "nnode %d", pz.nnode);
	CHECK("prezero_node_max", hf_prezero_node_max_kib(&pz) == 8388608, "%llu",
	      (unsigned long long)hf_prezero_node_max_kib(&pz));
	hf_prezero_free(&pz);
}

static void stock_kernel(void)
{
	char v[32];

	setenv("HAWKFETCH_SYSROOT", "tests/fixtures/sysroot-stock", 1);
	CHECK("prezero_probe_stock", hf_prezero_probe() == -ENOENT, "%d", hf_prezero_probe());
	CHECK("cmdline_param", !hf_kernel_cmdline_param("init_on_alloc", v, sizeof(v)) &&
	      !strcmp(v, "1"), "'%s'", v);
	/* init_on_free=1 follows " -- ": an argument of init, not the kernel's */
	CHECK("cmdline_param_stops_at_init_args",
	      hf_kernel_cmdline_param("init_on_free", v, sizeof(v)) == -ENOENT, "found '%s'", v);
}

static void parsers(void)
{
	static const struct { const char *s; uint64_t kib; } good[] = {
		{ "0", 0 }, { "512", 512 }, { "4K", 4 }, { "4k", 4 }, { "2M", 2048 },
		{ "1GiB", 1048576 }, { "1T", 1ULL << 30 },
	};
	static const char *const bad[] = { "", "M", "-1", "1.5G", "1 G", "1MB", "1X", "1Gi",
					   "0x10", "99999999999999999999T" };
	uint64_t v;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		char name[64];

		snprintf(name, sizeof(name), "parse_kib_'%s'", good[i].s);
		CHECK(name, !hf_parse_kib(good[i].s, &v) && v == good[i].kib, "got %llu",
		      (unsigned long long)v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char name[64];

		snprintf(name, sizeof(name), "parse_kib_rejects_'%s'", bad[i]);
		CHECK(name, hf_parse_kib(bad[i], &v) < 0, "accepted as %llu", (unsigned long long)v);
	}
	CHECK("parse_kib_overflow", hf_parse_kib("18014398509481984T", &v) == -ERANGE, "wrong status");

	int b = hf_prezero_knob_find("batch_blocks"), t = hf_prezero_knob_find("target_kbytes");
	char range[256];

	CHECK("knob_find", b == HF_PZ_BATCH_BLOCKS && t == HF_PZ_TARGET_KBYTES &&
	      hf_prezero_knob_find("disabled_by") < 0 && hf_prezero_knob_find("zero_now_kbytes") < 0,
	      "b %d t %d", b, t);
	CHECK("knob_batch_range", !hf_prezero_knob_parse(b, "1024", 0, &v) &&
	      hf_prezero_knob_parse(b, "0", 0, &v) == -ERANGE &&
	      hf_prezero_knob_parse(b, "1025", 0, &v) == -ERANGE &&
	      hf_prezero_knob_parse(b, "16M", 0, &v) == -EINVAL, "wrong status");
	CHECK("knob_target_size", !hf_prezero_knob_parse(t, "1G", 2 << 20, &v) && v == 1 << 20 &&
	      hf_prezero_knob_parse(t, "3G", 2 << 20, &v) == -ERANGE, "v %llu",
	      (unsigned long long)v);
	hf_prezero_knob_range(HF_PZ_SLEEP_MILLISECS, 0, range, sizeof(range));
	CHECK("knob_range_text", !strcmp(range, "an integer from 1 to 60000"), "'%s'", range);
	hf_prezero_knob_range(HF_PZ_ENABLED, 0, range, sizeof(range));
	CHECK("knob_range_bool", !strcmp(range, "0 or 1"), "'%s'", range);
}

static void vmstat_missing_line(void)
{
	uint64_t c[HF_PZ_NCOUNTERS];
	int missing = -1;
	int err = hf_prezero_parse_vmstat("nr_free_zeroed 1\nprezero_zeroed 2\n"
					  "prezero_zeroed_direct 3\nthp_fault_prezeroed 4\n"
					  "thp_fault_zeroed 5\n", c, &missing);

	CHECK("vmstat_names_missing_counter", err == -ENODATA && missing == HF_PZ_DROPPED,
	      "err %d missing %d", err, missing);
}

static void zoneinfo_bad(void)
{
	struct hf_prezero_node *n;
	int nn;

	CHECK("zoneinfo_rejects_no_nodes", hf_prezero_parse_zoneinfo("garbage 1\n", &n, &nn) ==
	      -EINVAL && !n && !nn, "wrong status");
	CHECK("zoneinfo_needs_nr_free_zeroed",
	      hf_prezero_parse_zoneinfo("Node 0, zone Normal\n        present 5\n", &n, &nn) ==
	      -ENODATA && !n, "wrong status");
	CHECK("zoneinfo_rejects_negative_node",
	      hf_prezero_parse_zoneinfo("Node -1, zone Normal\n", &n, &nn) == -EINVAL, "wrong status");
}

int main(void)
{
	read_fixture();
	stock_kernel();
	parsers();
	vmstat_missing_line();
	zoneinfo_bad();
	return UNIT_EXIT();
}
