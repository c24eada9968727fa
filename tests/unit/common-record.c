// SPDX-License-Identifier: GPL-2.0
/* The fault-record format: round trips and line-numbered errors. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "record.h"
#include "unit.h"

static const struct fault_record samples[] = {
	{ 1, 0x7f0000001000, -1, -1, 42, 42, -1, FAULT_SWAPIN, "worker" },
	{ 2, 0x1000, 123456, 1, 7, 8, 1, FAULT_SWAPIN, "a b\\c\td" },
	{ 3, 0xffffffffffffffff, 0, 0, 2147483647, 1, 0, FAULT_MAJOR, "-" },
	{ UINT64_MAX, 0, -1, -1, 1, 1, -1, FAULT_MINOR, "" },
	{ 5, 0xdead000, -1, -1, 3, 3, -1, FAULT_MINOR, "\x01\xff#x15charsxxxx" },
	/* slot records (v2): uncache and slotfree name no page */
	{ 6, 0x7f0000002000, 77, 0, 42, 42, -1, SLOT_SWAPOUT, "worker" },
	{ 7, 0, 77, 0, 61, 61, -1, SLOT_UNCACHE, "kswapd0" },
	{ 8, 0, 77, 1, 42, 43, -1, SLOT_FREE, "" },
};

#define NSAMPLES (int)(sizeof(samples) / sizeof(samples[0]))

static bool same(const struct fault_record *a, const struct fault_record *b)
{
	return a->time_ns == b->time_ns && a->addr == b->addr &&
	       a->swap_offset == b->swap_offset && a->swap_type == b->swap_type &&
	       a->pid == b->pid && a->tid == b->tid && a->cache_hit == b->cache_hit &&
	       a->kind == b->kind && !strncmp(a->comm, b->comm, FAULT_COMM_LEN);
}

static void round_trip(bool json)
{
	char *buf = NULL, name[64];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct record_writer w;
	struct fault_record r;
	int n = 0, ok = 1, ret;

	record_writer_init(&w, f, json);
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		record_write(&w, &samples[i]);
	record_writer_fini(&w);
	fclose(f);

	f = fmemopen(buf, len, "r");
	struct record_reader *rd = record_reader_new(f, "mem");
	while ((ret = record_read(rd, &r)) == 1)
		ok &= same(&r, &samples[n++]);
	snprintf(name, sizeof(name), "record_round_trip_%s", json ? "json" : "text");
	CHECK(name, ret == 0 && ok && n == NSAMPLES && !record_reader_skipped(rd) &&
	      strstr(buf, json ? "{\"type\":\"slot\",\"time_ns\":7,\"pid\":61,\"tid\":61,"
			   "\"comm\":\"kswapd0\",\"kind\":\"uncache\",\"swap_type\":0,"
			   "\"swap_offset\":77}\n" :
			   RECORD_VERSION_LINE "\n# time_ns pid tid comm kind addr swap_type "
			   "swap_offset cache_hit\n1 42 42 worker swapin ") &&
	      (json || strstr(buf, "\n7 61 61 kswapd0 uncache - 0 77 -\n")),
	      "ret %d, %d records, equal %d, error '%s'\n%s",
	      ret, n, ok, record_reader_error(rd), buf);
	record_reader_free(rd);
	fclose(f);
	free(buf);
}

static unsigned long parsed_skipped;	/* by the last parse_n(): of unknown kinds */

/* Parse input; return the number of records, or -1 with the error in err. */
static int parse_n(const char *input, size_t len, char *err, size_t errlen,
		   struct fault_record *last)
{
	FILE *f = fmemopen((void *)input, len, "r");
	struct record_reader *rd = record_reader_new(f, "t");
	struct fault_record r;
	int n = 0, ret;

	while ((ret = record_read(rd, &r)) == 1) {
		n++;
		if (last)
			*last = r;
	}
	snprintf(err, errlen, "%s", ret < 0 ? record_reader_error(rd) : "");
	parsed_skipped = record_reader_skipped(rd);
	record_reader_free(rd);
	fclose(f);
	return ret < 0 ? -1 : n;
}

static int parse(const char *input, char *err, size_t errlen, struct fault_record *last)
{
	return parse_n(input, strlen(input), err, errlen, last);
}

static const struct { const char *name, *input, *error; } bad[] = {
	{ "bad_addr", "# addr kind\n0x10 minor\nzz minor\n", "t:3: bad addr 'zz'" },
	{ "no_0x", "# addr kind\n10 minor\n", "t:2: bad addr '10'" },
	{ "bad_kind", "# addr kind\n0x10 sideways\n", "t:2: bad kind 'sideways'" },
	{ "few_columns", "# time_ns pid tid comm kind addr swap_type swap_offset cache_hit\n"
	  "1 2 3 c minor 0x1 - -\n", "t:2: expected 9 columns, got 8" },
	{ "many_columns", "# addr kind\n\n0x1 minor extra\n", "t:3: expected 2 columns, got 2 or more" },
	{ "negative_pid", "# pid addr kind\n-5 0x1 minor\n", "t:2: bad pid '-5'" },
	{ "huge_pid", "# pid addr kind\n9999999999 0x1 minor\n", "t:2: bad pid '9999999999' (number too large)" },
	{ "bad_hit", "# addr kind cache_hit\n0x1 minor 2\n", "t:2: bad cache_hit '2'" },
	{ "bad_escape", "# comm addr kind\na\\9 0x1 minor\n", "t:2: bad comm" },
	{ "long_comm", "# comm addr kind\nabcdefghijklmnopq 0x1 minor\n", "t:2: bad comm" },
	{ "overflow", "# time_ns addr kind\n99999999999999999999 0x1 minor\n", "t:2: bad time_ns '99999999999999999999' (number too large)" },
	{ "huge_addr", "# addr kind\n0x10000000000000000 minor\n",
	  "t:2: bad addr '0x10000000000000000' (number too large)" },
	{ "huge_swap_offset", "# addr kind swap_offset\n0x1 minor 9223372036854775808\n",
	  "t:2: bad swap_offset '9223372036854775808' (number too large)" },
	{ "json_huge_addr", "{\"addr\":\"0x10000000000000000\",\"kind\":\"minor\"}\n",
	  "t:1: bad addr '0x10000000000000000' (number too large)" },
	{ "dup_column", "# addr addr kind\n", "t:1: column 'addr' named twice" },
	{ "json_syntax", "{\"addr\":\"0x1\",\"kind\":\"minor\"}\n{\"addr\":\n", "t:2: JSON object not closed on its line" },
	{ "json_truncated", "{\"addr\":\"0x1\",\"kind\":\"minor\"}\n{\"addr\":\"0x2\",",
	  "t:2: truncated JSON at end of file" },
	{ "json_trailing", "{\"addr\":\"0x1\",\"kind\":\"minor\"} x\n",
	  "t:1: invalid JSON: more text after the object" },
	{ "json_missing_addr", "{\"kind\":\"minor\"}\n", "t:1: missing \"addr\"" },
	{ "json_bad_kind", "{\"addr\":\"0x1\",\"kind\":3}\n", "t:1: bad kind" },
	{ "json_bad_pid", "{\"addr\":\"0x1\",\"kind\":\"major\",\"pid\":-1}\n", "t:1: \"pid\" out of range" },
	{ "json_not_object", "{\"addr\":\"0x1\",\"kind\":\"major\"}\n[1]\n", "t:2: expected a JSON object" },
	{ "json_then_text", "{\"addr\":\"0x1\",\"kind\":\"major\"}\n0x1 major\n", "t:2: invalid JSON" },
	/* v2: slot kinds; unknown kinds are skipped only when well formed */
	{ "dash_addr_fault", "# kind addr\nminor -\n", "t:2: bad addr '-'" },
	{ "dash_addr_swapout", "# addr kind\n- swapout\n", "t:2: bad addr '-'" },
	{ "v2_kind_not_a_word", "# hawkfetch trace v2\n# addr kind\n0x1 Sideways\n",
	  "t:3: bad kind 'Sideways'" },
	{ "v2_unknown_kind_bad_column", "# hawkfetch trace v2\n# addr kind pid\n- sideways x\n",
	  "t:3: bad pid 'x'" },
	{ "json_kind_not_a_word", "{\"type\":\"slot\",\"kind\":\"a b\"}\n", "t:1: bad kind 'a b'" },
	{ "json_unknown_kind_bad_field", "{\"type\":\"slot\",\"kind\":\"moved\",\"pid\":-1}\n",
	  "t:1: \"pid\" out of range" },
	{ "json_slot_kind_as_fault", "{\"type\":\"fault\",\"kind\":\"slotfree\"}\n",
	  "t:1: kind 'slotfree' in a \"fault\" object" },
	{ "json_swapout_no_addr", "{\"type\":\"slot\",\"kind\":\"swapout\",\"swap_offset\":3}\n",
	  "t:1: missing \"addr\"" },
};

static void malformed(void)
{
	char err[1024], name[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int n = parse(bad[i].input, err, sizeof(err), NULL);

		snprintf(name, sizeof(name), "record_rejects_%s", bad[i].name);
		CHECK(name, n == -1 && strstr(err, bad[i].error), "got %d records, error '%s'", n, err);
	}
}

/* A newer writer's kinds and types are skipped and counted, never an error. */
static void forward_compatible(void)
{
	char err[1024];
	int n;

	n = parse("# hawkfetch trace v2\n# time_ns pid tid comm kind addr swap_type "
		  "swap_offset cache_hit\n1 2 2 a minor 0x1000 - - -\n"
		  "2 2 2 a moved 0x2000 0 7 -\n3 2 2 a merged - 0 7 -\n"
		  "4 2 2 a swapout 0x3000 0 8 -\n", err, sizeof(err), NULL);
	CHECK("record_v2_skips_unknown_kinds", n == 2 && parsed_skipped == 2,
	      "n=%d skipped %lu err=%s", n, parsed_skipped, err);
	n = parse("# hawkfetch trace v3\n# addr kind\n0x1 anything_new2\n0x2 major\n",
		  err, sizeof(err), NULL);
	CHECK("record_v3_reads_on", n == 1 && parsed_skipped == 1, "n=%d skipped %lu err=%s", n,
	      parsed_skipped, err);
	n = parse("{\"type\":\"slot\",\"kind\":\"moved\",\"swap_offset\":1}\n"
		  "{\"type\":\"readahead\",\"pages\":4}\n{\"type\":\"summary\"}\n"
		  "{\"type\":\"interval\"}\n{\"type\":\"fault\",\"kind\":\"unmapped\"}\n"
		  "{\"type\":\"slot\",\"kind\":\"uncache\",\"swap_offset\":1}\n",
		  err, sizeof(err), NULL);
	CHECK("record_json_skips_unknown_kinds_and_types", n == 1 && parsed_skipped == 3,
	      "n=%d skipped %lu err=%s", n, parsed_skipped, err);
}

static void accepted(void)
{
	struct fault_record r;
	char err[1024];
	int n;

	n = parse("# kind junk addr pid\r\n\n  # a comment\nswapin x 0x2000 9\r\n", err, sizeof(err), &r);
	CHECK("record_header_reorders_columns", n == 1 && r.addr == 0x2000 && r.pid == 9 &&
	      r.kind == FAULT_SWAPIN && r.swap_offset == -1, "n=%d err=%s", n, err);
	n = parse("5 1 1 cat major 0x3000 0 77 1\n", err, sizeof(err), &r);
	CHECK("record_default_columns_without_header", n == 1 && r.swap_offset == 77 &&
	      r.cache_hit == 1 && !strcmp(r.comm, "cat"), "n=%d err=%s", n, err);
	n = parse("{\"type\":\"fault\",\"addr\":\"0x10\",\"kind\":\"minor\",\"new_key\":[1]}\n"
		  "{\"type\":\"summary\",\"faults\":1}\n{\"type\":\"error\",\"message\":\"x\"}\n",
		  err, sizeof(err), &r);
	CHECK("record_json_skips_metadata_and_unknown_keys", n == 1 && r.addr == 0x10, "n=%d err=%s", n, err);
	static const char nul[] = "# addr kind\n0x1\0 minor\n";
	n = parse_n(nul, sizeof(nul) - 1, err, sizeof(err), &r);
	CHECK("record_rejects_nul_byte", n == -1 && strstr(err, "t:2: NUL byte"), "n=%d err=%s", n, err);
	n = parse("", err, sizeof(err), &r);
	CHECK("record_empty_input", n == 0, "n=%d err=%s", n, err);
	forward_compatible();
}


/*
 * A trace bigger than the reader's blocks, from a real file descriptor:
 * lines cut at block ends are reassembled, records come back in order,
 * and an error deep in the file names its line.
 */
static void big_file(void)
{
	enum { N = 40000 };
	FILE *f = tmpfile();
	struct fault_record r;
	struct record_reader *rd;
	int n = 0, ok = 1, ret;

	fprintf(f, "# time_ns pid tid comm kind addr swap_type swap_offset cache_hit\n");
	for (int i = 0; i < N; i++)
		fprintf(f, "%d %d %d comm%d %s 0x%x000 %s\n", 1000 + i, 4242, 4243 + i % 7, i % 10,
			i % 3 ? "major" : "swapin", 0x40000 + i, i % 5 ? "- - -" : "1 77 0");
	fprintf(f, "5 1 1 x major 0xzz - - -\n");
	rewind(f);
	rd = record_reader_new(f, "big");
	while ((ret = record_read(rd, &r)) == 1) {
		ok &= r.time_ns == (uint64_t)(1000 + n) && r.addr == (uint64_t)(0x40000 + n) << 12 &&
		      r.tid == 4243 + n % 7 && r.kind == (n % 3 ? FAULT_MAJOR : FAULT_SWAPIN) &&
		      r.swap_offset == (n % 5 ? -1 : 77);
		n++;
	}
	CHECK("record_big_file_in_blocks", ret == -1 && n == N && ok &&
	      !strcmp(record_reader_error(rd), "big:40002: bad addr '0xzz' (expected 0x followed by hex digits)"),
	      "ret %d, %d records, in order %d, error '%s'", ret, n, ok, record_reader_error(rd));
	record_reader_free(rd);
	fclose(f);

	/* A line longer than 64 KiB is an error naming it; the next line still reads. */
	f = tmpfile();
	fprintf(f, "# addr kind\n0x1 minor\n");
	for (int i = 0; i < 70000; i++)
		fputc('x', f);
	fprintf(f, "\n0x2 major\n");
	rewind(f);
	rd = record_reader_new(f, "long");
	n = 0;
	while ((ret = record_read(rd, &r)) == 1)
		n++;
	CHECK("record_rejects_long_line", ret == -1 && n == 1 &&
	      strstr(record_reader_error(rd), "long:3: line longer than"),
	      "ret %d, %d records, error '%s'", ret, n, record_reader_error(rd));
	ret = record_read(rd, &r);
	CHECK("record_reads_on_after_long_line", ret == 1 && r.addr == 2 && record_reader_line(rd) == 4,
	      "ret %d, addr %llx, line %lu", ret, (unsigned long long)r.addr, record_reader_line(rd));
	record_reader_free(rd);
	fclose(f);

	/* A stream without a descriptor starts small and grows for a long line. */
	char *in = malloc(20000), err[1024];
	int len = sprintf(in, "# junk addr kind\n");
	memset(in + len, 'y', 15000);
	len += 15000;
	len += sprintf(in + len, " 0x3 swapin\nz 0x4 major\n");
	n = parse_n(in, len, err, sizeof(err), &r);
	CHECK("record_buffer_grows_for_long_line", n == 2 && r.addr == 4, "n=%d err=%s", n, err);
	free(in);
}

/* The fast path for common text lines and the careful parser agree. */
static void fast_and_careful(void)
{
	static const char *const lines[] = {
		"1 2 3 cat major 0x1000 - - -",
		"1 2 3 cat majorx 0x1000 - - -",
		"1 2 3 cat swapin 0X1aBf 4 99 1",
		"1 2 3 - minor 0x1 - - -",
		"1 2 3 a\\040b minor 0x1 - - -",
		"1\t2 \t3 cat minor 0x1 - - -  \r",
		"  1 2 3 cat minor 0x1 - - -",
		"18446744073709551615 2 3 cat minor 0x1 - - -",
		"18446744073709551616 2 3 cat minor 0x1 - - -",
		"0000000000000000000001 2 3 cat minor 0x1 - - -",
		"1 2147483648 3 cat minor 0x1 - - -",
		"1 2 3 cat minor 0xffffffffffffffff - - -",
		"1 2 3 cat minor 0x10000000000000000 - - -",
		"1 2 3 cat minor 0x00000000000000001 - - -",
		"1 2 3 cat minor 0x - - -",
		"1 2 3 cat minor 0x0x5 - - -",
		"1 2 3 cat minor 0x1 64 - -",
		"1 2 3 cat minor 0x1 63 -1 -",
		"1 2 3 cat minor 0x1 - - 2",
		"1 2 3 cat minor 0x1 - - -- ",
		"1 2 3 abcdefghijklmno minor 0x1 - - -",
		"1 2 3 abcdefghijklmnop minor 0x1 - - -",
		"1 2 3 cat minor 0x1 - -",
		"1 2 3 cat minor 0x1 - - - extra",
		"+1 2 3 cat minor 0x1 - - -",
		"1 2 3 cat minor 0x1 - - -\r\r",
		"# time_ns pid tid comm kind addr swap_type swap_offset cache_hit",
		"1 2 3 kswapd0 uncache - 0 5 -",
		"1 2 3 a swapout 0x1000 0 5 -",
		"1 2 3 a slotfree - 0 5 -",
		"1 2 3 a uncache 0x10 0 5 -",
		"1 2 3 a uncache -- 0 5 -",
		"1 2 3 a minor - - - -",
		"1 2 3 a swapout - 0 5 -",
		"1 2 3 a slotfreex - 0 5 -",
		"1 2 3 a sideways - 0 5 -",
		"1 2 3 a sideways 0x1 x 5 -",
		"1 2 3 a Sideways - 0 5 -",
	};
	static const char *const prefixes[] = { "", RECORD_VERSION_LINE "\n" };
	char in[256], err_f[1024], err_c[1024];
	struct fault_record r;

	/* Found by the fuzzer: a first column of any name must not take a '#' line. */
	int n = parse("# junk addr kind\nx 0x1 minor\n# 0x2 major\n", err_f, sizeof(err_f), &r);
	CHECK("record_fast_path_leaves_comments", n == 1 && r.addr == 1, "n=%d addr %llx err=%s",
	      n, (unsigned long long)r.addr, err_f);

	for (size_t k = 0; k < 2 * sizeof(lines) / sizeof(lines[0]); k++) {
		size_t i = k / 2;
		struct fault_record a, b, r;
		int na, nc;

		/* A first line fixes the text form; then the line under test. */
		snprintf(in, sizeof(in), "%s0 0 0 x minor 0x0 - - -\n%s\n", prefixes[k % 2], lines[i]);
		FILE *f = fmemopen(in, strlen(in), "r"), *g = fmemopen(in, strlen(in), "r");
		struct record_reader *fast = record_reader_new(f, "t"), *careful = record_reader_new(g, "t");
		int ra, rb;

		record_reader_careful(careful);
		na = nc = 0;
		while ((ra = record_read(fast, &r)) == 1)
			a = r, na++;
		while ((rb = record_read(careful, &r)) == 1)
			b = r, nc++;
		snprintf(err_f, sizeof(err_f), "%s", ra < 0 ? record_reader_error(fast) : "");
		snprintf(err_c, sizeof(err_c), "%s", rb < 0 ? record_reader_error(careful) : "");
		char name[64];
		snprintf(name, sizeof(name), "record_fast_path_agrees_%zu%s", i, k % 2 ? "_v2" : "");
		CHECK(name, na == nc && ra == rb && !strcmp(err_f, err_c) && (ra < 0 || same(&a, &b)) &&
		      record_reader_skipped(fast) == record_reader_skipped(careful),
		      "'%s': fast %d records '%s', careful %d records '%s'", lines[i], na, err_f, nc, err_c);
		record_reader_free(fast);
		record_reader_free(careful);
		fclose(f);
		fclose(g);
	}
}

int main(void)
{
	round_trip(false);
	round_trip(true);
	malformed();
	accepted();
	big_file();
	fast_and_careful();
	return UNIT_EXIT();
}
