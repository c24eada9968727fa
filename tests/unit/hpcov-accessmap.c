// SPDX-License-Identifier: GPL-2.0
/*
 * The hawkfetch kernel's khugepaged interfaces as text: scan_order's two
 * forms, /proc/PID/access_map lines (good, malformed, out of order; every
 * error names the line), and the khugepaged weight of an MMU overhead.
 * Parsers on strings only: nothing here pretends to be the kernel.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hpcov/accessmap.h"
#include "hf.h"
#include "hpcov/idle.h"
#include "kweight.h"
#include "unit.h"

static void test_scan_order(void)
{
	static const struct { const char *s; int err; enum hf_scan_order o; } cases[] = {
		{ "[address] coverage\n", 0, HF_SCAN_ORDER_ADDRESS },
		{ "address [coverage]\n", 0, HF_SCAN_ORDER_COVERAGE },
		{ "address [coverage]", 0, HF_SCAN_ORDER_COVERAGE },
		{ "[coverage] address\n", -EINVAL, 0 },
		{ "address coverage\n", -EINVAL, 0 },
		{ "[address] [coverage]\n", -EINVAL, 0 },
		{ "address [coverage]\n\n", -EINVAL, 0 },
		{ " address [coverage]\n", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum hf_scan_order o = 99;
		int err = hf_scan_order_parse(cases[i].s, &o);
		char name[80];

		snprintf(name, sizeof(name), "scan-order-%zu", i);
		CHECK(name, err == cases[i].err && (err || o == cases[i].o),
		      "'%s': err %d order %d", cases[i].s, err, o);
	}
}

static void test_lines(void)
{
	static const struct { const char *line; uint64_t addr; unsigned int cov; bool huge; } good[] = {
		{ "7f0000200000 300 5 0", 0x7f0000200000ULL, 300, false },
		{ "0 0 0 0", 0, 0, false },
		{ "200000 512 10 1", 0x200000, 512, true },
		{ "200000 512 9 1", 0x200000, 512, true },		/* an older kernel's */
		{ "00007ffffe000000 461 9 0", 0x7ffffe000000ULL, 461, false },
		{ "00007ffffe000000 461 8 0", 0x7ffffe000000ULL, 461, false },	/* older */
		{ "ffffffffffe00000 1 0 1", 0xffffffffffe00000ULL, 1, true },
	};
	static const struct { const char *line, *why; } bad[] = {
		{ "0x200000 1 0 0", "not a hexadecimal" },
		{ "7F0000200000 1 0 0", "not a hexadecimal" },
		{ "200000 1 0", "expected 4 fields" },
		{ "200000 1 0 0 0", "expected 4 fields" },
		{ "200000  1 0 0", "expected 4 fields" },
		{ "200000 1 0 0 ", "expected 4 fields" },
		{ " 200000 1 0 0", "expected 4 fields" },
		{ "200000\t1 0 0", "expected 4 fields" },
		{ "", "expected 4 fields" },
		{ "201000 1 0 0", "not 2 MiB-aligned" },
		{ "200000 513 9 0", "coverage 513 out of range 0..512" },
		{ "200000 300 4 0", "bucket 4 does not match coverage 300 (expected 6, or 5 "
		  "from a kernel before the 50-page buckets)" },
		{ "200000 1 10 0", "bucket 10 does not match coverage 1" },
		{ "200000 512 11 0", "bucket 11 out of range 0..10" },
		{ "200000 49 1 0", "bucket 1 does not match coverage 49 (expected 0" },
		{ "200000 1 0 2", "huge 2 out of range 0..1" },
		{ "200000 -1 0 0", "not a decimal" },
		{ "200000 +1 0 0", "not a decimal" },
		{ "200000 1 0 yes", "not a decimal" },
		{ "10000000000000000 1 0 0", "not a hexadecimal" },
		{ "200000 99999999999 0 0", "not a decimal" },
		{ "200000 4294967297 9 0", "out of range" },
	};
	char why[160], name[80];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct hf_access_map_entry e;
		int err = hf_access_map_parse_line(good[i].line, &e, why, sizeof(why));

		snprintf(name, sizeof(name), "access-map-good-%zu", i);
		CHECK(name, !err && e.addr == good[i].addr && e.coverage == good[i].cov &&
		      e.huge == good[i].huge, "'%s': err %d (%s)", good[i].line, err,
		      err ? why : "wrong values");
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hf_access_map_entry e;
		int err;

		why[0] = '\0';
		err = hf_access_map_parse_line(bad[i].line, &e, why, sizeof(why));
		snprintf(name, sizeof(name), "access-map-bad-%zu", i);
		CHECK(name, err == -EINVAL && strstr(why, bad[i].why), "'%s': err %d, why '%s', "
		      "expected '%s'", bad[i].line, err, why, bad[i].why);
	}
	/*
	 * Both kernels' bucket rules are accepted at every coverage: the
	 * paper's min(coverage / 50, 10) and the older coverage * 10 / 513.
	 */
	for (unsigned int c = 0, ok = 1, old = 1; c <= HF_HPAGE_NR; c++) {
		struct hf_access_map_entry e;
		char line[64];

		snprintf(line, sizeof(line), "400000 %u %u 0", c, c / 50 < 10 ? c / 50 : 10);
		ok &= !hf_access_map_parse_line(line, &e, why, sizeof(why)) && e.coverage == c;
		snprintf(line, sizeof(line), "400000 %u %u 0", c, c * 10 / 513);
		old &= !hf_access_map_parse_line(line, &e, why, sizeof(why)) && e.coverage == c;
		if (c == HF_HPAGE_NR) {
			CHECK("access-map-bucket-rule", ok, "min(coverage/50,10) rejected somewhere");
			CHECK("access-map-bucket-rule-old-kernel", old,
			      "coverage*10/513 rejected somewhere");
		}
	}
	/* The edges of the 50-page buckets, as the kernel prints them. */
	{
		static const unsigned int edge[][2] = { { 49, 0 }, { 50, 1 }, { 499, 9 },
							 { 500, 10 }, { 512, 10 } };
		unsigned int ok = 1;

		for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
			struct hf_access_map_entry e;
			char line[64];

			snprintf(line, sizeof(line), "400000 %u %u 0", edge[i][0], edge[i][1]);
			ok &= !hf_access_map_parse_line(line, &e, why, sizeof(why)) &&
			      hf_cov_bucket(e.coverage) == edge[i][1];
		}
		CHECK("access-map-bucket-edges", ok, "49/50/499/500/512 not in buckets 0/1/9/10/10");
	}
}

/* Read text as an access_map; returns the error, *n entries. */
static int read_text(const char *text, size_t len, size_t *n, char *err, size_t errlen)
{
	char empty[1];
	FILE *f = len ? fmemopen((void *)text, len, "r") : fmemopen(empty, 1, "w+");
	struct hf_access_map_entry *e = NULL;
	int ret;

	if (!f)
		return -errno;
	err[0] = '\0';
	*n = 99;
	ret = hf_access_map_read(f, "/proc/42/access_map", &e, n, err, errlen);
	fclose(f);
	free(e);
	return ret;
}

static void test_files(void)
{
	static const struct { const char *text; int line; const char *why; } bad[] = {
		{ "200000 1 0 0\n400000 1 0 0\n600000 600 9 0\n", 3, "coverage 600" },
		{ "400000 1 0 0\n200000 1 0 0\n", 2, "start 200000 does not ascend (after 400000)" },
		{ "200000 1 0 0\n200000 1 0 0\n", 2, "does not ascend" },
		{ "200000 1 0 0\n400000 1 0 0", 2, "no newline at the end" },
		{ "200000 1 0 0\n\n400000 1 0 0\n", 2, "expected 4 fields" },
		{ "# start coverage bucket huge\n200000 1 0 0\n", 1, "expected 4 fields" },
	};
	const char good[] = "200000 512 9 1\n400000 0 0 0\n7f0000000000 256 4 0\n";
	char err[256], want[128], name[80];
	size_t n;
	int ret;

	ret = read_text(good, strlen(good), &n, err, sizeof(err));
	CHECK("access-map-file-good", !ret && n == 3, "err %d (%s), %zu entries", ret, err, n);
	ret = read_text("", 0, &n, err, sizeof(err));
	CHECK("access-map-file-empty", !ret && n == 0, "err %d (%s), %zu entries", ret, err, n);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ret = read_text(bad[i].text, strlen(bad[i].text), &n, err, sizeof(err));
		snprintf(want, sizeof(want), "/proc/42/access_map:%d: ", bad[i].line);
		snprintf(name, sizeof(name), "access-map-file-bad-%zu", i);
		CHECK(name, ret == -EINVAL && !strncmp(err, want, strlen(want)) &&
		      strstr(err, bad[i].why), "err %d '%s', expected '%s...%s'", ret, err, want,
		      bad[i].why);
	}
	{
		static const char nul[] = "200000 1 0 0\n400000\0 1 0 0\n";

		ret = read_text(nul, sizeof(nul) - 1, &n, err, sizeof(err));
		CHECK("access-map-file-nul", ret == -EINVAL &&
		      strstr(err, "access_map:2: a NUL byte"), "err %d '%s'", ret, err);
	}
}

static void test_weights(void)
{
	static const struct { double v; unsigned int w; } cases[] = {
		{ 0, 1 }, { 0.0004, 1 }, { 0.0005, 1 }, { 0.0016, 2 }, { 0.1, 100 },
		{ 0.25, 250 }, { 0.3, 300 }, { 0.2996, 300 }, { 1, 1000 }, { 10, 10000 },
		{ 30, 30000 }, { 1000, 1000000 }, { 5000, 1000000 }, { -1, 1 },
		{ NAN, 1 }, { INFINITY, 1000000 }, { -INFINITY, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[80];
		unsigned int w = hf_kweight_from_overhead(cases[i].v);

		snprintf(name, sizeof(name), "kweight-%g", cases[i].v);
		CHECK(name, w == cases[i].w, "overhead %g: weight %u, expected %u", cases[i].v, w,
		      cases[i].w);
	}
	CHECK("kweight-ratio-kept", hf_kweight_from_overhead(0.3) ==
	      3 * hf_kweight_from_overhead(0.1), "0.3 and 0.1 not 3:1");
}

int main(void)
{
	test_scan_order();
	test_lines();
	test_files();
	test_weights();
	return UNIT_EXIT();
}
