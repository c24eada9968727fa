/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the stock kernel does about under-used transparent huge pages: the
 * THP shrinker (Linux 6.12+, transparent_hugepage/shrink_underused) splits
 * an anonymous THP on the deferred-split list under memory pressure when
 * more than khugepaged/max_ptes_none of its subpages are zero-filled, and
 * maps those subpages to the shared zero page, freeing them. It is off
 * when max_ptes_none is 511 (the default).
 */
#ifndef HF_THP_H
#define HF_THP_H

#include <stdbool.h>

struct hf_thp_policy {
	char enabled[16];		/* transparent_hugepage/enabled: "madvise" ... */
	char defrag[16];		/* transparent_hugepage/defrag: "defer+madvise" ... */
	bool has_shrinker;		/* shrink_underused exists */
	bool shrink_underused;		/* ... and is 1 */
	int max_ptes_none;		/* -1 when unreadable */
	int split_min_zero;		/* split_underused_min_zero (patch 0010); -1: absent */
};

/* Read the policy from sysfs (rooted at $HAWKFETCH_SYSROOT). */
void hf_thp_policy_read(struct hf_thp_policy *p);

/* Would the shrinker act at all with this policy? */
bool hf_thp_shrinker_active(const struct hf_thp_policy *p);

/* Would it split an anonymous THP with this many zero subpages? */
bool hf_thp_would_split(const struct hf_thp_policy *p, unsigned int zero_subpages);

#endif
