// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cli.h"
#include "helpers.h"
#include "pagemap.h"
#include "sysfs.h"
#include "procfs.h"

#define BIG_FILE (256 << 10)	/* /proc/zoneinfo: about 2 KiB per zone and CPU */

const struct hf_prezero_knob_info hf_prezero_knobs[HF_PZ_NKNOBS] = {
	[HF_PZ_TARGET_KBYTES]	= { "target_kbytes", true, true, 0, 0 },
	[HF_PZ_BATCH_BLOCKS]	= { "batch_blocks", false, false, 1, 1024 },
	[HF_PZ_SLEEP_MILLISECS]	= { "sleep_millisecs", false, false, 1, 60000 },
	[HF_PZ_NONTEMPORAL]	= { "nontemporal", false, false, 0, 1 },
	[HF_PZ_ENABLED]		= { "enabled", false, false, 0, 1 },
};

const char *const hf_prezero_counter_name[HF_PZ_NCOUNTERS] = {
	[HF_PZ_NR_FREE_ZEROED]	= "nr_free_zeroed",
	[HF_PZ_ZEROED]		= "prezero_zeroed",
	[HF_PZ_ZEROED_DIRECT]	= "prezero_zeroed_direct",
	[HF_PZ_DROPPED]		= "prezero_dropped",
	[HF_PZ_ABORTED]		= "prezero_aborted",
	[HF_PZ_THP_PREZEROED]	= "thp_fault_prezeroed",
	[HF_PZ_THP_ZEROED]	= "thp_fault_zeroed",
};

int hf_prezero_probe(void)
{
	char path[512];
	struct stat st;

	if (stat(hf_path(path, sizeof(path), HF_PREZERO_DIR), &st))
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* Read a file under HF_PREZERO_DIR, without its trailing newline. */
static int read_knob_file(const char *file, char *buf, size_t len)
{
	char path[512];
	ssize_t n = hf_read_file(hf_path(path, sizeof(path), HF_PREZERO_DIR "/%s", file),
				 buf, len);

	if (n < 0)
		return n;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int read_knobs(struct hf_prezero *pz, char *what, size_t len)
{
	char buf[64];
	int err;

	for (int k = 0; k < HF_PZ_NKNOBS; k++) {
		const char *file = hf_prezero_knobs[k].file;

		snprintf(what, len, HF_PREZERO_DIR "/%s", file);
		if ((err = read_knob_file(file, buf, sizeof(buf))))
			return err;
		if (hf_parse_u64(buf, 10, &pz->knob[k]))
			return -EINVAL;
	}
	snprintf(what, len, HF_PREZERO_DIR "/disabled_by");
	if ((err = read_knob_file("disabled_by", pz->disabled_by, sizeof(pz->disabled_by))))
		return err;
	return pz->disabled_by[0] ? 0 : -EINVAL;
}

int hf_prezero_parse_vmstat(const char *buf, uint64_t counter[HF_PZ_NCOUNTERS], int *missing)
{
	unsigned int seen = 0;

	for (const char *line = buf; line && *line; line = strchr(line, '\n'), line += !!line) {
		unsigned long long v;
		char name[64];

		if (sscanf(line, "%63s %llu", name, &v) != 2)
			continue;
		for (int c = 0; c < HF_PZ_NCOUNTERS; c++) {
			if (!strcmp(name, hf_prezero_counter_name[c])) {
				counter[c] = v;
				seen |= 1u << c;
			}
		}
	}
	for (int c = 0; c < HF_PZ_NCOUNTERS; c++) {
		if (!(seen & 1u << c)) {
			*missing = c;
			return -ENODATA;
		}
	}
	return 0;
}

static struct hf_prezero_node *node_slot(struct hf_prezero_node **node, int *nnode,
					 size_t *cap, int id)
{
	struct hf_prezero_node *n;

	for (int i = 0; i < *nnode; i++)
		if ((*node)[i].id == id)
			return &(*node)[i];
	if (hf_grow(node, cap, *nnode + 1, sizeof(**node)))
		return NULL;
	n = &(*node)[(*nnode)++];
	*n = (struct hf_prezero_node){ .id = id };
	return n;
}

/*
 * "Node N, zone NAME" opens a zone; its "present P" and "nr_free_zeroed Z"
 * lines follow (a node's first zone also holds the node's own stats, which
 * have other names).
 */
int hf_prezero_parse_zoneinfo(const char *buf, struct hf_prezero_node **node, int *nnode)
{
	struct hf_prezero_node *cur = NULL;
	bool zeroed = false;
	size_t cap = 0;
	int err = -EINVAL;

	*node = NULL;
	*nnode = 0;
	for (const char *line = buf; line && *line; line = strchr(line, '\n'), line += !!line) {
		unsigned long long v;
		char name[64];
		int id;

		if (sscanf(line, "Node %d, zone %63s", &id, name) == 2) {
			if (id < 0 || !(cur = node_slot(node, nnode, &cap, id)))
				goto bad;
			continue;
		}
		if (sscanf(line, " %63s %llu", name, &v) != 2 || !cur)
			continue;
		if (!strcmp(name, "present")) {
			cur->present_pages += v;
		} else if (!strcmp(name, "nr_free_zeroed")) {
			cur->zeroed_pages += v;
			zeroed = true;
		}
	}
	if (*nnode && zeroed)
		return 0;
	if (*nnode)
		err = -ENODATA;		/* a kernel without the zone counter */
bad:
	free(*node);
	*node = NULL;
	*nnode = 0;
	return err;
}

static int read_proc(const char *file, char *buf, size_t len, char *what, size_t wlen)
{
	char path[512];
	ssize_t n;

	snprintf(what, wlen, "%s", file);
	n = hf_read_file(hf_path(path, sizeof(path), "%s", file), buf, len);
	return n < 0 ? n : 0;
}

int hf_prezero_read_counters(uint64_t counter[HF_PZ_NCOUNTERS], char *what, size_t len)
{
	char *buf = malloc(BIG_FILE);
	int err, missing;

	if (!buf)
		return -ENOMEM;
	err = read_proc("/proc/vmstat", buf, BIG_FILE, what, len);
	if (!err && (err = hf_prezero_parse_vmstat(buf, counter, &missing)))
		snprintf(what, len, "/proc/vmstat line %s", hf_prezero_counter_name[missing]);
	free(buf);
	return err;
}

int hf_prezero_read(struct hf_prezero *pz, char *what, size_t len)
{
	char *buf;
	int err;

	memset(pz, 0, sizeof(*pz));
	if ((err = read_knobs(pz, what, len)) ||
	    (err = hf_prezero_read_counters(pz->counter, what, len)))
		return err;
	if (!(buf = malloc(BIG_FILE)))
		return -ENOMEM;
	err = read_proc("/proc/zoneinfo", buf, BIG_FILE, what, len);
	if (!err && (err = hf_prezero_parse_zoneinfo(buf, &pz->node, &pz->nnode)) == -ENODATA)
		snprintf(what, len, "/proc/zoneinfo line nr_free_zeroed");
	free(buf);
	return err;
}

void hf_prezero_free(struct hf_prezero *pz)
{
	free(pz->node);
	pz->node = NULL;
	pz->nnode = 0;
}

uint64_t hf_prezero_node_max_kib(const struct hf_prezero *pz)
{
	uint64_t max = 0;

	for (int i = 0; i < pz->nnode; i++)
		if (pz->node[i].present_pages > max)
			max = pz->node[i].present_pages;
	return max * (HF_PAGE_SIZE / 1024);
}

int hf_prezero_knob_find(const char *key)
{
	for (int k = 0; k < HF_PZ_NKNOBS; k++)
		if (!strcmp(key, hf_prezero_knobs[k].file))
			return k;
	return -1;
}

static uint64_t knob_max(int knob, uint64_t node_max_kib)
{
	const struct hf_prezero_knob_info *k = &hf_prezero_knobs[knob];

	return k->node_max ? node_max_kib : k->max;
}

int hf_prezero_knob_parse(int knob, const char *value, uint64_t node_max_kib, uint64_t *out)
{
	const struct hf_prezero_knob_info *k = &hf_prezero_knobs[knob];
	int err = k->size ? hf_parse_kib(value, out) : hf_parse_u64(value, 10, out);

	if (err)
		return err == -ERANGE ? -ERANGE : -EINVAL;
	return *out < k->min || *out > knob_max(knob, node_max_kib) ? -ERANGE : 0;
}

void hf_prezero_knob_range(int knob, uint64_t node_max_kib, char *buf, size_t len)
{
	const struct hf_prezero_knob_info *k = &hf_prezero_knobs[knob];
	unsigned long long min = k->min, max = knob_max(knob, node_max_kib);

	if (k->size && max == UINT64_MAX)
		snprintf(buf, len, "a size up to the largest node's memory; "
			 "a bare number is KiB, K, M, G, T suffixes scale");
	else if (k->size)
		snprintf(buf, len, "a size from %llu to %llu KiB (the largest node's memory); "
			 "a bare number is KiB, K, M, G, T suffixes scale", min, max);
	else if (min == 0 && max == 1)
		snprintf(buf, len, "0 or 1");
	else
		snprintf(buf, len, "an integer from %llu to %llu", min, max);
}

int hf_prezero_write(const char *file, uint64_t value)
{
	char path[512], buf[32];
	int len = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)value);
	int fd, err = 0;
	ssize_t n;

	fd = open(hf_path(path, sizeof(path), HF_PREZERO_DIR "/%s", file),
		  O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* sysfs takes the value in one write; its error is the kernel's verdict. */
	n = write(fd, buf, len);
	if (n < 0)
		err = -errno;
	else if (n != len)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}
