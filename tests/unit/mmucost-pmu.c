// SPDX-License-Identifier: GPL-2.0
/*
 * mmucost's PMU module (cmd/mmucost/pmu.c): page-walk event encodings
 * against the vendors' event tables, the MMU-overhead formula, the roles
 * of perf event names.
 */
#include <stdio.h>
#include "mmucost/pmu.h"
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
		int role = hf_mmu_role_of(cases[i].name);

		snprintf(name, sizeof(name), "mmu-role-%s", cases[i].name);
		CHECK(name, role == cases[i].role, "role %d, expected %d", role, cases[i].role);
	}
}

int main(void)
{
	if (hf_pmu_init()) {
		printf("FAIL: pmu-init: libpfm4 failed to initialise\n");
		unit_failed++;
		return 1;
	}
	test_encodings();
	test_formula();
	test_roles();
	return UNIT_EXIT();
}
