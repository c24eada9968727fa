// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the HawkEye tools' common code: page-walk event
 * encodings against the vendors' event tables, the MMU-overhead formula,
 * perf stat parsing, THP region classification, zero-page detection, the
 * THP shrinker policy (fixture trees) and maps parsing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hpbloat/scan.h"
#include "maps.h"
#include "hpbloat/memread.h"
#include "pagemap.h"
#include "mmucost/perfstat.h"
#include "mmucost/pmu.h"
#include "thp.h"
#include "unit.h"

/*
 * Expected raw configs, from the vendors' tables, not from libpfm4:
 * Intel: event | umask << 8 | cmask << 24 (perfmon JSON EventCode, UMask,
 * CounterMask; SDM vol. 3B ch. 20). AMD: event | umask << 8 (PPR for
 * family 17h/19h, PMCx045 LsL1DTlbMiss bits 7:4 = L2 TLB misses, PMCx085
 * BpL1TlbMissL2TlbMiss bits 2:0 = IF4K/IF2M/IF1G, PMCx0C0 retired instr.).
 */
static const struct { const char *pmu; int role; unsigned long long config; } encodings[] = {
	/* Skylake-SP: DTLB_LOAD_MISSES.WALK_ACTIVE 0x08/0x10 cmask 1 ... */
	{ "skx", HF_MMU_LOAD_WALK_CYCLES, 0x08 | 0x10 << 8 | 1 << 24 },
	{ "skx", HF_MMU_STORE_WALK_CYCLES, 0x49 | 0x10 << 8 | 1 << 24 },
	{ "skx", HF_MMU_IFETCH_WALK_CYCLES, 0x85 | 0x10 << 8 | 1 << 24 },
	{ "skx", HF_MMU_CYCLES, 0x3c },		/* CPU_CLK_UNHALTED.THREAD_P */
	/* Sapphire Rapids: the walk events moved to 0x12/0x13/0x11 */
	{ "spr", HF_MMU_LOAD_WALK_CYCLES, 0x12 | 0x10 << 8 | 1 << 24 },
	{ "spr", HF_MMU_STORE_WALK_CYCLES, 0x13 | 0x10 << 8 | 1 << 24 },
	{ "spr", HF_MMU_IFETCH_WALK_CYCLES, 0x11 | 0x10 << 8 | 1 << 24 },
	{ "spr", HF_MMU_CYCLES, 0x3c },
	/* Haswell-EP: *.WALK_DURATION, umask 0x10, no cmask */
	{ "hsw_ep", HF_MMU_LOAD_WALK_CYCLES, 0x08 | 0x10 << 8 },
	{ "hsw_ep", HF_MMU_STORE_WALK_CYCLES, 0x49 | 0x10 << 8 },
	{ "hsw_ep", HF_MMU_IFETCH_WALK_CYCLES, 0x85 | 0x10 << 8 },
	{ "hsw_ep", HF_MMU_CYCLES, 0x3c },
	/* Zen 2 and Zen 3 */
	{ "amd64_fam17h_zen2", HF_MMU_DATA_WALKS, 0x45 | 0xf0 << 8 },
	{ "amd64_fam17h_zen2", HF_MMU_IFETCH_WALKS, 0x85 | 0x07 << 8 },
	{ "amd64_fam17h_zen2", HF_MMU_INSTRUCTIONS, 0xc0 },
	{ "amd64_fam19h_zen3", HF_MMU_DATA_WALKS, 0x45 | 0xf0 << 8 },
	{ "amd64_fam19h_zen3", HF_MMU_IFETCH_WALKS, 0x85 | 0x07 << 8 },
	{ "amd64_fam19h_zen3", HF_MMU_INSTRUCTIONS, 0xc0 },
};

static void test_encodings(void)
{
	char name[128];

	for (size_t i = 0; i < sizeof(encodings) / sizeof(encodings[0]); i++) {
		const struct hf_mmu_eventset *set = hf_mmu_eventset_for(encodings[i].pmu);
		struct perf_event_attr attr = { 0 };
		int err = set ? hf_pmu_encode(encodings[i].pmu, set->event[encodings[i].role], &attr) : -1;

		snprintf(name, sizeof(name), "pmu-encode-%s-%s", encodings[i].pmu,
			 hf_mmu_role_key[encodings[i].role]);
		CHECK(name, !err && attr.type == PERF_TYPE_RAW && attr.config == encodings[i].config,
			"err %d (%s), type %u, config 0x%llx, expected raw 0x%llx", err,
			err ? hf_pmu_strerror(err) : "", attr.type, (unsigned long long)attr.config,
			encodings[i].config);
	}
	CHECK("pmu-unknown", hf_mmu_eventset_for("nhm") == NULL, "nhm has an event set");
}

static void test_formula(void)
{
	struct hf_mmu_counts intel = { .v = { 100, 50, 10, 1000 }, .have = 0xf };
	struct hf_mmu_counts amd = { .have = 1u << HF_MMU_DATA_WALKS | 1u << HF_MMU_IFETCH_WALKS |
					     1u << HF_MMU_INSTRUCTIONS };
	struct hf_mmu_counts none = { .v = { 5 }, .have = 1 };
	struct hf_mmu_result r;
	int err = hf_mmu_compute(&intel, &r);

	CHECK("mmu-formula-cycles", !err && r.metric == HF_MMU_CYCLE_FRACTION &&
		r.walk == 160 && r.value == 0.16, "walk %llu value %g", (unsigned long long)r.walk, r.value);
	amd.v[HF_MMU_DATA_WALKS] = 300;
	amd.v[HF_MMU_IFETCH_WALKS] = 200;
	amd.v[HF_MMU_INSTRUCTIONS] = 100000;
	err = hf_mmu_compute(&amd, &r);
	CHECK("mmu-formula-walks-pki", !err &&
		r.metric == HF_MMU_WALKS_PER_KINSN && r.value == 5.0, "value %g", r.value);
	amd.have |= 1u << HF_MMU_CYCLES;	/* cycles alongside AMD walks: still per kinsn */
	err = hf_mmu_compute(&amd, &r);
	CHECK("mmu-formula-walks-with-cycles", !err &&
		r.metric == HF_MMU_WALKS_PER_KINSN && r.value == 5.0, "value %g", r.value);
	CHECK("mmu-formula-no-base", hf_mmu_compute(&none, &r) < 0, "computed a value");
}

static void test_roles(void)
{
	static const struct { const char *name; int role; } cases[] = {
		{ "cycles", HF_MMU_CYCLES },
		{ "cpu_core/cycles/", HF_MMU_CYCLES },
		{ "cycles:u", HF_MMU_CYCLES },
		{ "dtlb_load_misses.walk_active", HF_MMU_LOAD_WALK_CYCLES },
		{ "cpu/DTLB_STORE_MISSES.WALK_ACTIVE/u", HF_MMU_STORE_WALK_CYCLES },
		{ "skx::ITLB_MISSES:WALK_ACTIVE", HF_MMU_IFETCH_WALK_CYCLES },
		{ "r1001008", HF_MMU_LOAD_WALK_CYCLES },
		{ "r1049", HF_MMU_STORE_WALK_CYCLES },
		{ "ls_l1_d_tlb_miss.all_l2_miss", HF_MMU_DATA_WALKS },
		{ "instructions", HF_MMU_INSTRUCTIONS },
		{ "page-faults", -1 },
		{ "r1234", -1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[128];
		int role;

			continue;
		role = hf_mmu_role_of(cases[i].name);
		snprintf(name, sizeof(name), "mmu-role-%s", cases[i].name);
		CHECK(name, role == cases[i].role, "role %d, expected %d", role, cases[i].role);
	}
}

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

int main(int argc, char **argv)
{
	const char *fixtures = getenv("FIXTURES") ? getenv("FIXTURES") : "tests/fixtures";

	if (hf_pmu_init()) {
		printf("FAIL: pmu-init: libpfm4 failed to initialise\n");
		unit_failed++;
		return 1;
	}
	test_encodings();
	test_formula();
	test_roles();
	test_perfstat();
	test_regions();
	test_zero();
	test_thp_policy(fixtures);
	test_maps();
	return UNIT_EXIT();
}
