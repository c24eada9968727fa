// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "accessmap.h"
#include "helpers.h"
#include "hf.h"
#include "idle.h"
#include "procfs.h"

int hf_scan_order_parse(const char *s, enum hf_scan_order *order)
{
	size_t len = strlen(s);

	if (len && s[len - 1] == '\n')
		len--;
	if (len == strlen("[address] coverage") && !strncmp(s, "[address] coverage", len))
		*order = HF_SCAN_ORDER_ADDRESS;
	else if (len == strlen("address [coverage]") && !strncmp(s, "address [coverage]", len))
		*order = HF_SCAN_ORDER_COVERAGE;
	else
		return -EINVAL;
	return 0;
}

int hf_scan_order_read(enum hf_scan_order *order, char *path, size_t len)
{
	char buf[64];
	ssize_t n = hf_read_file(hf_path(path, len, HF_SCAN_ORDER_PATH), buf, sizeof(buf));

	if (n < 0)
		return n;
	return hf_scan_order_parse(buf, order);
}

/* A hex or decimal field of digits only (no sign, prefix or spaces), at most max. */
static int number(const char *s, int base, uint64_t max, uint64_t *v)
{
	const char *digits = base == 16 ? "0123456789abcdef" : "0123456789";
	size_t len = strlen(s);

	if (!len || len > (base == 16 ? 16 : 10) || strspn(s, digits) != len)
		return -EINVAL;
	*v = strtoull(s, NULL, base);
	return *v > max ? -ERANGE : 0;
}

/*
 * The bucket that kernels before the 50-page buckets printed (ten buckets
 * of 51.3 pages). Their files stay readable: the column is only checked
 * against the coverage, never used, since hpcov recomputes every bucket
 * from the coverage with hf_cov_bucket().
 */
static unsigned int old_bucket(unsigned int coverage)
{
	return coverage * 10 / (HF_HPAGE_NR + 1);
}

int hf_access_map_parse_line(const char *line, struct hf_access_map_entry *e, char *why,
			     size_t len)
{
	static const char *const name[] = { "start", "coverage", "bucket", "huge" };
	char copy[96], *f[4], *p = copy;
	uint64_t v[4];
	int n = 0;

	if (strlen(line) >= sizeof(copy)) {
		snprintf(why, len, "line too long (%zu bytes)", strlen(line));
		return -EINVAL;
	}
	strcpy(copy, line);
	while (p && n < 4)
		f[n++] = strsep(&p, " ");
	if (n != 4 || p) {
		snprintf(why, len, "expected 4 fields separated by single spaces, START COVERAGE "
			 "BUCKET HUGE: '%.40s'", line);
		return -EINVAL;
	}
	for (int i = 0; i < 4; i++) {
		static const uint64_t max[] = { UINT64_MAX, HF_HPAGE_NR, HF_COV_BUCKETS - 1, 1 };
		int err = number(f[i], i ? 10 : 16, max[i], &v[i]);

		if (err == -ERANGE)
			snprintf(why, len, "%s %.20s out of range 0..%llu", name[i], f[i],
				 (unsigned long long)max[i]);
		else if (err)
			snprintf(why, len, "%s '%.20s' is not a %s number", name[i], f[i],
				 i ? "decimal" : "hexadecimal (without 0x)");
		if (err)
			return -EINVAL;
	}
	if (v[0] % HF_HPAGE_SIZE) {
		snprintf(why, len, "start %s is not 2 MiB-aligned", f[0]);
		return -EINVAL;
	}
	if (v[2] != hf_cov_bucket(v[1]) && v[2] != old_bucket(v[1])) {
		snprintf(why, len, "bucket %llu does not match coverage %llu (expected %u, or %u "
			 "from a kernel before the 50-page buckets)", (unsigned long long)v[2],
			 (unsigned long long)v[1], hf_cov_bucket(v[1]), old_bucket(v[1]));
		return -EINVAL;
	}
	*e = (struct hf_access_map_entry){ v[0], v[1], v[3] };
	return 0;
}

/* One line as getline() returned it (len bytes, with its newline). */
static int read_line(char *line, ssize_t len, struct hf_access_map_entry *e, char *why,
		     size_t whylen)
{
	if (!len || line[len - 1] != '\n') {
		snprintf(why, whylen, "no newline at the end (truncated?)");
		return -EINVAL;
	}
	line[len - 1] = '\0';
	if (strlen(line) != (size_t)len - 1) {
		snprintf(why, whylen, "a NUL byte in the line");
		return -EINVAL;
	}
	return hf_access_map_parse_line(line, e, why, whylen);
}

int hf_access_map_read(FILE *f, const char *name, struct hf_access_map_entry **e, size_t *n,
		       char *err, size_t errlen)
{
	struct hf_access_map_entry *out = NULL;
	size_t cap = 0, cnt = 0, linecap = 0;
	char *line = NULL, why[160];
	unsigned long lineno = 0;
	ssize_t len;
	int ret = 0;

	errno = 0;
	while (!ret && (len = getline(&line, &linecap, f)) >= 0) {
		lineno++;
		if (HF_GROW(out, cap, cnt + 1)) {
			ret = -ENOMEM;
			break;
		}
		ret = read_line(line, len, &out[cnt], why, sizeof(why));
		if (!ret && cnt && out[cnt].addr <= out[cnt - 1].addr) {
			snprintf(why, sizeof(why), "start %llx does not ascend (after %llx)",
				 (unsigned long long)out[cnt].addr,
				 (unsigned long long)out[cnt - 1].addr);
			ret = -EINVAL;
		}
		if (!ret)
			cnt++;
	}
	if (!ret && ferror(f))
		ret = errno ? -errno : -EIO;
	if (ret == -EINVAL)
		snprintf(err, errlen, "%s:%lu: %s", name, lineno, why);
	free(line);
	if (ret) {
		free(out);
		return ret;
	}
	*e = out;
	*n = cnt;
	return 0;
}

int hf_access_map_read_pid(pid_t pid, struct hf_access_map_entry **e, size_t *n,
			   char *err, size_t errlen)
{
	char path[512];
	FILE *f = fopen(hf_path(path, sizeof(path), "/proc/%d/access_map", pid), "re");
	int ret;

	if (!f)
		return -errno;
	ret = hf_access_map_read(f, path, e, n, err, errlen);
	fclose(f);
	return ret;
}
