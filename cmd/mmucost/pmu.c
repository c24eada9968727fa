// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <perfmon/pfmlib_perf_event.h>
#include "pmu.h"
#include "procfs.h"

const char *const hf_mmu_role_key[HF_MMU_NROLES] = {
	[HF_MMU_LOAD_WALK_CYCLES] = "load_walk_cycles",
	[HF_MMU_STORE_WALK_CYCLES] = "store_walk_cycles",
	[HF_MMU_IFETCH_WALK_CYCLES] = "ifetch_walk_cycles",
	[HF_MMU_CYCLES] = "cycles",
	[HF_MMU_DATA_WALKS] = "data_walks",
	[HF_MMU_IFETCH_WALKS] = "ifetch_walks",
	[HF_MMU_INSTRUCTIONS] = "instructions",
};

/* Skylake and later: cycles with a walk in progress (cmask=1 of WALK_PENDING). */
static const char *const walk_active_pmus[] = { "skl", "skx", "clx", "icl", "icx", "spr", NULL };
static const struct hf_mmu_eventset walk_active = {
	walk_active_pmus, HF_MMU_CYCLE_FRACTION, {
		[HF_MMU_LOAD_WALK_CYCLES] = "DTLB_LOAD_MISSES:WALK_ACTIVE",
		[HF_MMU_STORE_WALK_CYCLES] = "DTLB_STORE_MISSES:WALK_ACTIVE",
		[HF_MMU_IFETCH_WALK_CYCLES] = "ITLB_MISSES:WALK_ACTIVE",
		[HF_MMU_CYCLES] = "CPU_CLK_UNHALTED:THREAD_P",
	},
};

/* Haswell and Broadwell: WALK_DURATION counts the page-walk cycles. */
static const char *const walk_duration_pmus[] = { "hsw", "hsw_ep", "bdw", "bdw_ep", NULL };
static const struct hf_mmu_eventset walk_duration = {
	walk_duration_pmus, HF_MMU_CYCLE_FRACTION, {
		[HF_MMU_LOAD_WALK_CYCLES] = "DTLB_LOAD_MISSES:WALK_DURATION",
		[HF_MMU_STORE_WALK_CYCLES] = "DTLB_STORE_MISSES:WALK_DURATION",
		[HF_MMU_IFETCH_WALK_CYCLES] = "ITLB_MISSES:WALK_DURATION",
		[HF_MMU_CYCLES] = "CPU_CLK_UNHALTED:THREAD_P",
	},
};

/* AMD Zen: no walk-cycle event; L2 TLB misses are the page walks. */
static const char *const zen_pmus[] = {
	"amd64_fam17h_zen1", "amd64_fam17h_zen2", "amd64_fam19h_zen3", "amd64_fam19h_zen4", NULL
};
static const struct hf_mmu_eventset zen = {
	zen_pmus, HF_MMU_WALKS_PER_KINSN, {
		[HF_MMU_DATA_WALKS] = "L1_DTLB_MISS:TLB_RELOAD_1G_L2_MISS:TLB_RELOAD_2M_L2_MISS:"
				      "TLB_RELOAD_COALESCED_PAGE_MISS:TLB_RELOAD_4K_L2_MISS",
		[HF_MMU_IFETCH_WALKS] = "L1_ITLB_MISS_L2_ITLB_MISS:IF1G:IF2M:IF4K",
		[HF_MMU_INSTRUCTIONS] = "RETIRED_INSTRUCTIONS",
	},
};

const struct hf_mmu_eventset *const hf_mmu_eventsets[] = {
	&walk_active, &walk_duration, &zen, NULL
};

const struct hf_mmu_eventset *hf_mmu_eventset_for(const char *pmu)
{
	for (int i = 0; hf_mmu_eventsets[i]; i++)
		for (int j = 0; hf_mmu_eventsets[i]->pmus[j]; j++)
			if (!strcmp(hf_mmu_eventsets[i]->pmus[j], pmu))
				return hf_mmu_eventsets[i];
	return NULL;
}

int hf_pmu_init(void)
{
	/* libpfm4 encodes for PMUs it did not detect only when asked to. */
	setenv("LIBPFM_ENCODE_INACTIVE", "1", 0);
	return pfm_initialize() == PFM_SUCCESS ? 0 : -EIO;
}

int hf_pmu_detected(char *name, size_t len)
{
	int i;

	pfm_for_all_pmus(i) {
		pfm_pmu_info_t info = { .size = sizeof(info) };

		if (pfm_get_pmu_info(i, &info) == PFM_SUCCESS && info.is_present &&
		    info.type == PFM_PMU_TYPE_CORE) {
			snprintf(name, len, "%s", info.name);
			return 0;
		}
	}
	return -ENODEV;
}

bool hf_pmu_kernel_has_cpu_pmu(void)
{
	static const char *const dirs[] = { "cpu", "cpu_core" };
	char path[512];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (access(hf_path(path, sizeof(path), "/sys/bus/event_source/devices/%s",
				   dirs[i]), F_OK) == 0)
			return true;
	return false;
}

int hf_pmu_encode_name(const char *event, struct perf_event_attr *attr)
{
	pfm_perf_encode_arg_t arg = { .size = sizeof(arg), .attr = attr };
	int ret;

	memset(attr, 0, sizeof(*attr));
	attr->size = sizeof(*attr);
	/* PFM_PLM3: user level; the kernel's share is chosen with exclude_kernel. */
	ret = pfm_get_os_event_encoding(event, PFM_PLM3 | PFM_PLM0, PFM_OS_PERF_EVENT, &arg);
	return ret == PFM_SUCCESS ? 0 : ret;
}

int hf_pmu_encode(const char *pmu, const char *event, struct perf_event_attr *attr)
{
	char name[512];

	snprintf(name, sizeof(name), "%s::%s", pmu, event);
	return hf_pmu_encode_name(name, attr);
}

const char *hf_pmu_strerror(int err)
{
	return pfm_strerror(err);
}

int hf_mmu_compute(const struct hf_mmu_counts *c, struct hf_mmu_result *r)
{
	static const int cyc[] = { HF_MMU_LOAD_WALK_CYCLES, HF_MMU_STORE_WALK_CYCLES,
				   HF_MMU_IFETCH_WALK_CYCLES };
	static const int walks[] = { HF_MMU_DATA_WALKS, HF_MMU_IFETCH_WALKS };
	bool cycles = c->have & 1u << HF_MMU_CYCLES, insns = c->have & 1u << HF_MMU_INSTRUCTIONS;
	const int *roles = cycles ? cyc : walks;
	int n = cycles ? 3 : 2;

	memset(r, 0, sizeof(*r));
	r->metric = cycles ? HF_MMU_CYCLE_FRACTION : HF_MMU_WALKS_PER_KINSN;
	r->base = cycles ? c->v[HF_MMU_CYCLES] : c->v[HF_MMU_INSTRUCTIONS];
	for (int i = 0; i < n; i++)
		if (c->have & 1u << roles[i])
			r->walk += c->v[roles[i]];
	/* Walk cycles need cycles; a cycles-only record may still hold walks. */
	if (cycles && !(c->have & (7u << HF_MMU_LOAD_WALK_CYCLES)) && insns)
		return hf_mmu_compute(&(struct hf_mmu_counts){ .have = c->have & ~(1u << HF_MMU_CYCLES),
			.v = { [HF_MMU_DATA_WALKS] = c->v[HF_MMU_DATA_WALKS],
			       [HF_MMU_IFETCH_WALKS] = c->v[HF_MMU_IFETCH_WALKS],
			       [HF_MMU_INSTRUCTIONS] = c->v[HF_MMU_INSTRUCTIONS] } }, r);
	if ((!cycles && !insns) || !r->base)
		return -ENODATA;
	r->value = cycles ? (double)r->walk / r->base : r->walk * 1000.0 / r->base;
	return 0;
}

/* perf's and libpfm4's spellings of the same events. */
static const struct { const char *name; int role; } aliases[] = {
	{ "dtlb_load_misses.walk_active", HF_MMU_LOAD_WALK_CYCLES },
	{ "dtlb_load_misses.walk_duration", HF_MMU_LOAD_WALK_CYCLES },
	{ "dtlb_store_misses.walk_active", HF_MMU_STORE_WALK_CYCLES },
	{ "dtlb_store_misses.walk_duration", HF_MMU_STORE_WALK_CYCLES },
	{ "itlb_misses.walk_active", HF_MMU_IFETCH_WALK_CYCLES },
	{ "itlb_misses.walk_duration", HF_MMU_IFETCH_WALK_CYCLES },
	{ "cycles", HF_MMU_CYCLES },
	{ "cpu-cycles", HF_MMU_CYCLES },
	{ "cpu_clk_unhalted.thread_p", HF_MMU_CYCLES },
	{ "cpu_clk_unhalted.thread", HF_MMU_CYCLES },
	{ "ls_l1_d_tlb_miss.all_l2_miss", HF_MMU_DATA_WALKS },
	{ "bp_l1_tlb_miss_l2_tlb_miss", HF_MMU_IFETCH_WALKS },
	{ "bp_l1_tlb_miss_l2_tlb_miss.all", HF_MMU_IFETCH_WALKS },
	{ "instructions", HF_MMU_INSTRUCTIONS },
	{ "retired_instructions", HF_MMU_INSTRUCTIONS },
	{ "ex_ret_instr", HF_MMU_INSTRUCTIONS },
};

/* "cpu_core/DTLB_LOAD_MISSES.WALK_ACTIVE/u" or "skx::X:Y" -> "dtlb_load_misses.walk_active" */
static void normalize(const char *event, char *out, size_t len)
{
	const char *s = strstr(event, "::"), *slash = strchr(event, '/');
	size_t n = 0;

	s = s ? s + 2 : slash ? slash + 1 : event;
	for (; *s && *s != '/' && n + 1 < len; s++)
		out[n++] = *s == ':' ? '.' : tolower((unsigned char)*s);
	out[n] = '\0';
	/* perf's ":u"/":k" modifiers: "cycles:u" -> "cycles" */
	if (n > 2 && out[n - 2] == '.' && strchr("ukhp", out[n - 1]))
		out[n - 2] = '\0';
}

/* A raw "rHEX" event: the role whose encoding on a known PMU it equals. */
static int raw_role(const char *event)
{
	uint64_t config;
	char *end;

	if (event[0] != 'r' || !isxdigit((unsigned char)event[1]))
		return -1;
	config = strtoull(event + 1, &end, 16);
	if (*end && *end != ':')
		return -1;
	for (int i = 0; hf_mmu_eventsets[i]; i++)
		for (int role = 0; role < HF_MMU_NROLES; role++) {
			const struct hf_mmu_eventset *set = hf_mmu_eventsets[i];
			struct perf_event_attr attr;

			if (set->event[role] && !hf_pmu_encode(set->pmus[0], set->event[role], &attr) &&
			    attr.config == config)
				return role;
		}
	return -1;
}

int hf_mmu_role_of(const char *event)
{
	char name[256];

	normalize(event, name, sizeof(name));
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(aliases[i].name, name))
			return aliases[i].role;
	if (!strncmp(name, "l1_dtlb_miss.", 13) && strstr(name, "l2_miss"))
		return HF_MMU_DATA_WALKS;	/* libpfm4's AMD spelling */
	if (!strncmp(name, "l1_itlb_miss_l2_itlb_miss", 25))
		return HF_MMU_IFETCH_WALKS;
	return raw_role(event);
}
