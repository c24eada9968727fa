// SPDX-License-Identifier: GPL-2.0
/*
 * next: on every miss, prefetch the next `pages` pages after the faulting
 * one. The simplest policy, and the baseline for sequential access.
 *
 * Parameters:
 *   pages	pages after the faulting page to prefetch (default 8, 0 to 32)
 */
#include "vmlinux.h"
#include "policy.h"

FB_PARAM(__u32, pages, 8, 0, FB_MAX_REQ);

static __always_inline int next_prefetch(struct fb_prefetch *p, const struct fb_fault *f)
{
	fb_prefetch_run(p, f->addr, 1, pages);
	return FB_DONE;
}

FB_POLICY(next, "the next N pages after the fault", .prefetch = next_prefetch);
