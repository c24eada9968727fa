// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pagemap.h"
#include "procfs.h"
#include "thp.h"

#define THP_DIR "/sys/kernel/mm/transparent_hugepage"

static int read_int(const char *file, int dflt)
{
	char path[512], buf[64], *end;
	long v;

	if (hf_read_file(hf_path(path, sizeof(path), THP_DIR "/%s", file), buf, sizeof(buf)) <= 0)
		return dflt;
	v = strtol(buf, &end, 10);
	return end == buf ? dflt : (int)v;
}

/* "always [madvise] never" -> "madvise" */
static void read_choice(const char *file, char *out, size_t len)
{
	char path[512], buf[128], *open, *close;

	snprintf(out, len, "unknown");
	if (hf_read_file(hf_path(path, sizeof(path), THP_DIR "/%s", file), buf, sizeof(buf)) <= 0)
		return;
	open = strchr(buf, '[');
	close = open ? strchr(open, ']') : NULL;
	if (close)
		snprintf(out, len, "%.*s", (int)(close - open - 1), open + 1);
}

void hf_thp_policy_read(struct hf_thp_policy *p)
{
	int shrink = read_int("shrink_underused", -1);

	read_choice("enabled", p->enabled, sizeof(p->enabled));
	read_choice("defrag", p->defrag, sizeof(p->defrag));
	p->has_shrinker = shrink >= 0;
	p->shrink_underused = shrink == 1;
	p->max_ptes_none = read_int("khugepaged/max_ptes_none", -1);
	p->split_min_zero = read_int("split_underused_min_zero", -1);
}

bool hf_thp_shrinker_active(const struct hf_thp_policy *p)
{
	return p->shrink_underused && p->max_ptes_none >= 0 &&
	       p->max_ptes_none < (int)HF_HPAGE_NR - 1;
}

bool hf_thp_would_split(const struct hf_thp_policy *p, unsigned int zero_subpages)
{
	return hf_thp_shrinker_active(p) && zero_subpages > (unsigned int)p->max_ptes_none;
}
