// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "cli.h"
#include "output.h"
#include "record.h"

#define MAX_LINE (64 * 1024)
#define MAX_SWAP_TYPE 63
/* While a line is parsed: a record of a kind of a later format version. */
#define KIND_UNKNOWN RECORD_KIND_COUNT

static const char *const kind_names[RECORD_KIND_COUNT] = {
	[FAULT_MINOR] = "minor",
	[FAULT_MAJOR] = "major",
	[FAULT_SWAPIN] = "swapin",
	[SLOT_SWAPOUT] = "swapout",
	[SLOT_UNCACHE] = "uncache",
	[SLOT_FREE] = "slotfree",
};

static const unsigned char kind_len[RECORD_KIND_COUNT] = {
	[FAULT_MINOR] = 5,
	[FAULT_MAJOR] = 5,
	[FAULT_SWAPIN] = 6,
	[SLOT_SWAPOUT] = 7,
	[SLOT_UNCACHE] = 7,
	[SLOT_FREE] = 8,
};

const char *fault_kind_name(enum fault_kind kind)
{
	return kind < RECORD_KIND_COUNT ? kind_names[kind] : "?";
}

const char *record_type_name(enum fault_kind kind)
{
	return fault_kind_is_slot(kind) ? "slot" : "fault";
}

int fault_kind_parse(const char *s, enum fault_kind *kind)
{
	for (int k = 0; k < RECORD_KIND_COUNT; k++) {
		if (!strcmp(s, kind_names[k])) {
			*kind = k;
			return 0;
		}
	}
	return -EINVAL;
}

void fault_record_clear(struct fault_record *r)
{
	memset(r, 0, sizeof(*r));
	r->swap_offset = -1;
	r->swap_type = -1;
	r->cache_hit = -1;
}

/* ---- columns of the text form ---- */

enum column {
	COL_TIME, COL_PID, COL_TID, COL_COMM, COL_KIND, COL_ADDR,
	COL_SWAP_TYPE, COL_SWAP_OFFSET, COL_CACHE_HIT, COL_COUNT,
	COL_UNKNOWN = COL_COUNT,
};

static const char *const column_names[COL_COUNT] = {
	"time_ns", "pid", "tid", "comm", "kind", "addr",
	"swap_type", "swap_offset", "cache_hit",
};

/* ---- writer ---- */

void record_writer_init(struct record_writer *w, FILE *out, bool json)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->json = json;
}

void record_writer_fini(struct record_writer *w)
{
	for (int i = 0; i < 2; i++) {
		json_object_put(w->obj[i]);
		w->obj[i] = NULL;
	}
}

static char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_hex(char *p, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = digits[v & 15];
		v >>= 4;
	} while (v);
	*p++ = '0';
	*p++ = 'x';
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_signed_or_dash(char *p, int64_t v)
{
	if (v < 0) {
		*p++ = '-';
		return p;
	}
	return put_u64(p, v);
}

static bool comm_needs_escape(unsigned char c)
{
	return c <= ' ' || c >= 0x7f || c == '\\';
}

static char *put_comm(char *p, const char *comm)
{
	size_t len = strnlen(comm, FAULT_COMM_LEN);

	if (!len) {
		*p++ = '-';
		return p;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = comm[i];

		if (comm_needs_escape(c) || (i == 0 && len == 1 && c == '-')) {
			*p++ = '\\';
			*p++ = '0' + (c >> 6);
			*p++ = '0' + ((c >> 3) & 7);
			*p++ = '0' + (c & 7);
		} else {
			*p++ = c;
		}
	}
	return p;
}

void record_writer_begin(struct record_writer *w)
{
	if (w->json || w->header_done)
		return;
	/* a comment to a v1 reader, which reads on as before */
	fputs(RECORD_VERSION_LINE "\n#", w->out);
	for (int c = 0; c < COL_COUNT; c++)
		fprintf(w->out, " %s", column_names[c]);
	fputc('\n', w->out);
	w->header_done = true;
}

static int write_text(struct record_writer *w, const struct fault_record *r)
{
	char line[256], *p = line;

	record_writer_begin(w);
	p = put_u64(p, r->time_ns);
	*p++ = ' ';
	p = put_u64(p, r->pid);
	*p++ = ' ';
	p = put_u64(p, r->tid);
	*p++ = ' ';
	p = put_comm(p, r->comm);
	*p++ = ' ';
	p = stpcpy(p, fault_kind_name(r->kind));
	*p++ = ' ';
	if (record_kind_has_addr(r->kind))
		p = put_hex(p, r->addr);
	else
		*p++ = '-';
	*p++ = ' ';
	p = put_signed_or_dash(p, r->swap_type);
	*p++ = ' ';
	p = put_signed_or_dash(p, r->swap_offset);
	*p++ = ' ';
	p = put_signed_or_dash(p, r->cache_hit);
	*p++ = '\n';
	return fwrite(line, 1, p - line, w->out) == (size_t)(p - line) ? 0 : -EIO;
}

/*
 * One json-c object per writer and shape (with an address, or without:
 * uncache, slotfree), its values updated in place: building a fresh
 * object per record cost ~4 us, too slow for 500k faults/s.
 */
static struct json_object *json_template(struct record_writer *w, int shape)
{
	struct json_object *o = w->obj[shape];
	static const char *const keys[] = { "type", "time_ns", "pid", "tid", "comm", "kind", "addr" };

	if (o)
		return o;
	o = w->obj[shape] = json_object_new_object();
	/* the keys in this order, their values set by the first record */
	for (size_t i = 0; i < ARRAY_SIZE(keys) - shape; i++)
		json_object_object_add(o, keys[i], NULL);
	return o;
}

enum jtype { J_U64, J_INT, J_STR, J_BOOL };

/* Set key to a value of type t, creating the value on first use. */
static void json_set(struct json_object *o, const char *key, struct json_object **cache,
		     enum jtype t, int64_t v, const char *s)
{
	if (!*cache) {
		*cache = t == J_U64 ? json_object_new_uint64(v) :
			 t == J_INT ? json_object_new_int64(v) :
			 t == J_STR ? json_object_new_string(s) : json_object_new_boolean(v);
		json_object_object_add(o, key, *cache);
		return;
	}
	switch (t) {
	case J_U64: json_object_set_uint64(*cache, v); break;
	case J_INT: json_object_set_int64(*cache, v); break;
	case J_STR: json_object_set_string(*cache, s); break;
	case J_BOOL: json_object_set_boolean(*cache, v); break;
	}
}

/* An optional field: present when known (v >= 0), left out otherwise. */
static void json_set_opt(struct json_object *o, const char *key, struct json_object **cache,
			 enum jtype t, int64_t v)
{
	if (v >= 0) {
		json_set(o, key, cache, t, v, NULL);
	} else if (*cache) {
		json_object_object_del(o, key);
		*cache = NULL;
	}
}

static int write_json(struct record_writer *w, const struct fault_record *r)
{
	int shape = !record_kind_has_addr(r->kind);
	struct json_object *o = json_template(w, shape), **v = w->val[shape];
	char comm[FAULT_COMM_LEN + 1], addr[24];

	memcpy(comm, r->comm, FAULT_COMM_LEN);
	comm[FAULT_COMM_LEN] = '\0';
	json_set(o, "type", &v[9], J_STR, 0, record_type_name(r->kind));
	json_set(o, "time_ns", &v[0], J_U64, r->time_ns, NULL);
	json_set(o, "pid", &v[1], J_INT, r->pid, NULL);
	json_set(o, "tid", &v[2], J_INT, r->tid, NULL);
	json_set(o, "comm", &v[3], J_STR, 0, comm);
	json_set(o, "kind", &v[4], J_STR, 0, fault_kind_name(r->kind));
	if (!shape) {
		snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)r->addr);
		json_set(o, "addr", &v[5], J_STR, 0, addr);
	}
	json_set_opt(o, "swap_type", &v[6], J_INT, r->swap_type);
	json_set_opt(o, "swap_offset", &v[7], J_INT, r->swap_offset);
	json_set_opt(o, "cache_hit", &v[8], J_BOOL, r->cache_hit);
	if (fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE),
		  w->out) < 0 || fputc('\n', w->out) == EOF)
		return -EIO;
	return 0;
}

int record_write(struct record_writer *w, const struct fault_record *r)
{
	return w->json ? write_json(w, r) : write_text(w, r);
}

/* ---- reader ---- */

enum form { FORM_UNKNOWN, FORM_TEXT, FORM_JSON };

/* The text from pid to kind of the last fbtrace line, and its values. */
struct line_memo {
	char text[48];
	unsigned int len;	/* 0: none */
	int32_t pid, tid;
	enum fault_kind kind;
	char comm[FAULT_COMM_LEN];
};

/*
 * Input is read with read(2) in blocks of READ_BLOCK into one buffer and
 * parsed in place, line by line: no per-line copy or allocation, and
 * memory stays fixed whatever the trace length. The buffer holds at least
 * one whole line of MAX_LINE bytes and a terminating NUL. A stream
 * without a descriptor (fmemopen(): tests, the fuzzer) starts with a small
 * buffer that doubles up to that size as long lines need.
 */
#define READ_BLOCK (256 * 1024)
#define BUF_SIZE (READ_BLOCK + MAX_LINE + 1)
#define BUF_SIZE_SMALL 4096
#define BUF_SLACK 64		/* the fast paths read words past the sentinel */

struct record_reader {
	FILE *in;
	int fd;			/* -1: a stream without one (fmemopen): fread() */
	char *name;
	char *buf;		/* cap bytes (+ BUF_SLACK) */
	size_t cap;		/* BUF_SIZE_SMALL..BUF_SIZE */
	size_t pos, end;	/* unparsed input: buf[pos..end) */
	bool eof;
	bool unterminated;	/* the line read last had no newline: the input ended in it */
	bool whole_file;	/* the error is about the input, not a line: no number */
	bool skip;		/* inside an over-long line: drop up to its newline */
	bool careful;		/* no fast_text_line(): for tests */
	bool stopped;		/* *stop reached stops: the input ends here */
	bool lenient;		/* v2 or later: records of unknown kinds are skipped */
	unsigned long skipped;	/* records of unknown kinds */
	volatile sig_atomic_t *stop;	/* record_reader_stop() */
	int stops;
	unsigned long lineno;
	enum form form;
	int ncols;
	bool default_cols;	/* cols are fbtrace's: fast_fbtrace_line() */
	enum column cols[64];
	struct line_memo memo;	/* for fast_fbtrace_line() */
	struct json_tokener *tok;
	char err[256];		/* what is wrong with the line */
	char msg[1024];		/* NAME:LINE: err */
};

static const enum column default_cols[COL_COUNT] = {
	COL_TIME, COL_PID, COL_TID, COL_COMM, COL_KIND, COL_ADDR,
	COL_SWAP_TYPE, COL_SWAP_OFFSET, COL_CACHE_HIT,
};

struct record_reader *record_reader_new(FILE *in, const char *name)
{
	struct record_reader *rd = calloc(1, sizeof(*rd));

	if (!rd)
		return NULL;
	rd->in = in;
	rd->fd = fileno(in);
	rd->name = strdup(name ? name : "<stdin>");
	rd->cap = rd->fd >= 0 ? BUF_SIZE : BUF_SIZE_SMALL;
	rd->buf = calloc(1, rd->cap + BUF_SLACK);	/* what they read is defined */
	if (!rd->name || !rd->buf) {
		record_reader_free(rd);
		errno = ENOMEM;
		return NULL;
	}
	rd->ncols = COL_COUNT;
	rd->default_cols = true;
	memcpy(rd->cols, default_cols, sizeof(default_cols));
	return rd;
}

void record_reader_free(struct record_reader *rd)
{
	if (!rd)
		return;
	if (rd->tok)
		json_tokener_free(rd->tok);
	free(rd->buf);
	free(rd->name);
	free(rd);
}

void record_reader_stop(struct record_reader *rd, volatile sig_atomic_t *stop, int stops)
{
	rd->stop = stop;
	rd->stops = stops;
}

static bool stopping(struct record_reader *rd)
{
	return rd->stop && *rd->stop >= rd->stops;
}

void record_reader_careful(struct record_reader *rd)
{
	rd->careful = true;
}

const char *record_reader_error(const struct record_reader *rd)
{
	return rd->msg;
}

unsigned long record_reader_line(const struct record_reader *rd)
{
	return rd->lineno;
}

unsigned long record_reader_skipped(const struct record_reader *rd)
{
	return rd->skipped;
}

/*
 * The message quotes the bad input: its bytes outside printable ASCII are
 * written as \ooo, so that a binary trace gives a message a terminal, a
 * log and grep read as text.
 */
static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	char msg[512];
	size_t n = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (const unsigned char *c = (const unsigned char *)msg; *c && n + 5 < errlen; c++) {
		if (*c >= 0x20 && *c < 0x7f)
			err[n++] = *c;
		else
			n += snprintf(err + n, errlen - n, "\\%03o", *c);
	}
	if (errlen)
		err[n] = '\0';
	return -1;
}

/*
 * Numbers by hand: strtoull() per field was a third of a replay. Digits
 * only (no sign, no space, no "0x" of strtoull's base 16), at least one,
 * no overflow; s ends at its NUL.
 */
static int parse_dec(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned int d = (unsigned char)*s - '0';

		if (d > 9)
			return -EINVAL;
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, d, &v))
			return -ERANGE;
	}
	*out = v;
	return 0;
}

static int parse_addr(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2])
		return -EINVAL;
	for (s += 2; *s; s++) {
		unsigned int c = (unsigned char)*s, d;

		if (c - '0' <= 9)
			d = c - '0';
		else if ((c | 0x20) - 'a' <= 5)
			d = (c | 0x20) - 'a' + 10;
		else
			return -EINVAL;
		if (v >> 60)
			return -ERANGE;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* Signed-or-unknown integer column: "-" is unknown (-1). */
static int parse_opt_int(const char *s, int64_t max, int64_t *out)
{
	uint64_t v;

	if (s[0] == '-' && !s[1]) {
		*out = -1;
		return 0;
	}
	int e = parse_dec(s, &v);

	if (e)
		return e;
	if (v > (uint64_t)max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int unescape_comm(const char *s, char *comm)
{
	int n = 0;

	memset(comm, 0, FAULT_COMM_LEN);
	if (s[0] == '-' && !s[1])
		return 0;
	for (; *s; n++) {
		if (n == FAULT_COMM_LEN - 1)
			return -EINVAL;
		if (*s != '\\') {
			comm[n] = *s++;
			continue;
		}
		for (int i = 1; i <= 3; i++)
			if (s[i] < '0' || s[i] > '7')
				return -EINVAL;
		int v = (s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0');
		if (v == 0 || v > 255)
			return -EINVAL;
		comm[n] = v;
		s += 4;
	}
	return 0;
}

/* fault_kind_parse() for a column of known length, without strcmp(). */
static int parse_kind(const char *s, size_t len, enum fault_kind *kind)
{
	for (int k = 0; k < RECORD_KIND_COUNT; k++) {
		if (len == kind_len[k] && !memcmp(s, kind_names[k], len)) {
			*kind = k;
			return 0;
		}
	}
	return -EINVAL;
}

/* A lowercase word: what the kind of a later format version looks like. */
static bool is_kind_word(const char *s)
{
	if (*s < 'a' || *s > 'z')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* A record of this kind must name its page (unknown kinds need not). */
static bool needs_addr(enum fault_kind kind)
{
	return kind != KIND_UNKNOWN && record_kind_has_addr(kind);
}

#define KINDS_EXPECTED "expected minor, major, swapin, swapout, uncache or slotfree"

/* Why a number column is bad: "" or " (number too large)". */
static const char *too_large(int err)
{
	return err == -ERANGE ? " (number too large)" : "";
}

static int bad_addr(const char *s, int e, char *err, size_t errlen)
{
	return fail(err, errlen, "bad addr '%s' (%s)", s, e == -ERANGE ? "number too large" :
		    "expected 0x followed by hex digits");
}

static int parse_field(enum column col, const char *s, size_t len, struct fault_record *r,
		       char *err, size_t errlen)
{
	uint64_t u;
	int64_t v;
	int e;

	switch (col) {
	case COL_TIME:
		if ((e = parse_dec(s, &u)))
			return fail(err, errlen, "bad time_ns '%s'%s", s, too_large(e));
		r->time_ns = u;
		break;
	case COL_PID:
	case COL_TID:
		if ((e = parse_dec(s, &u)) || u > INT32_MAX)
			return fail(err, errlen, "bad %s '%s'%s", column_names[col], s,
				    too_large(e ? e : -ERANGE));
		*(col == COL_PID ? &r->pid : &r->tid) = u;
		break;
	case COL_COMM:
		if (unescape_comm(s, r->comm))
			return fail(err, errlen, "bad comm '%s'", s);
		break;
	case COL_KIND:
		if (parse_kind(s, len, &r->kind))
			return fail(err, errlen, "bad kind '%s' (" KINDS_EXPECTED ")", s);
		break;
	case COL_ADDR:
		if ((e = parse_addr(s, &r->addr)))
			return bad_addr(s, e, err, errlen);
		break;
	case COL_SWAP_TYPE:
		if ((e = parse_opt_int(s, MAX_SWAP_TYPE, &v)))
			return fail(err, errlen, "bad swap_type '%s'%s", s, too_large(e));
		r->swap_type = v;
		break;
	case COL_SWAP_OFFSET:
		if ((e = parse_opt_int(s, INT64_MAX, &v)))
			return fail(err, errlen, "bad swap_offset '%s'%s", s, too_large(e));
		r->swap_offset = v;
		break;
	case COL_CACHE_HIT:
		if (parse_opt_int(s, 1, &v))
			return fail(err, errlen, "bad cache_hit '%s' (expected 0, 1 or -)", s);
		r->cache_hit = v;
		break;
	default:
		break;
	}
	return 0;
}

static enum column column_by_name(const char *name)
{
	for (int c = 0; c < COL_COUNT; c++)
		if (!strcmp(name, column_names[c]))
			return c;
	return COL_UNKNOWN;
}

/* "# hawkfetch trace vN": from v2 on, records of unknown kinds are skipped. */
static bool parse_version(struct record_reader *rd, const char *line)
{
	static const char prefix[] = "# hawkfetch trace v";
	uint64_t v;

	if (strncmp(line, prefix, sizeof(prefix) - 1) || parse_dec(line + sizeof(prefix) - 1, &v))
		return false;
	rd->lenient = v >= 2;
	return true;
}

/* A '#' line naming the columns (it must name at least addr and kind). */
static int parse_header(struct record_reader *rd, char *line)
{
	enum column cols[ARRAY_SIZE(rd->cols)];
	bool seen[COL_COUNT + 1] = { false };
	int n = 0;

	if (parse_version(rd, line))
		return 0;
	for (char *save, *t = strtok_r(line + 1, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save)) {
		if (n == (int)ARRAY_SIZE(cols))
			return 0;
		cols[n] = column_by_name(t);
		if (cols[n] != COL_UNKNOWN && seen[cols[n]])
			return fail(rd->err, sizeof(rd->err), "column '%s' named twice", t);
		seen[cols[n++]] = true;
	}
	if (!seen[COL_ADDR] || !seen[COL_KIND])
		return 0;	/* a comment, not a header */
	memcpy(rd->cols, cols, n * sizeof(cols[0]));
	rd->ncols = n;
	rd->default_cols = n == COL_COUNT && !memcmp(cols, default_cols, sizeof(default_cols));
	return 0;
}

static inline bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * A field whose meaning depends on the kind: an addr of "-" (uncache and
 * slotfree name no page), a kind unknown to this reader (from v2 on).
 * 1 when taken, 0 for parse_field(), -1 on error.
 */
static int kind_field(struct record_reader *rd, enum column col, const char *t, size_t len,
		      struct fault_record *r, bool kind_seen, bool *addr_dash)
{
	enum fault_kind k;

	if (col == COL_ADDR && t[0] == '-' && !t[1]) {
		if (kind_seen && needs_addr(r->kind))
			return bad_addr(t, -EINVAL, rd->err, sizeof(rd->err));
		*addr_dash = true;
		return 1;
	}
	if (col == COL_KIND && rd->lenient && parse_kind(t, len, &k) && is_kind_word(t)) {
		r->kind = KIND_UNKNOWN;
		return 1;
	}
	return 0;
}

/*
 * line: NUL-terminated, no leading blank; fields are cut in place.
 * 0 with a record, 1 for a record of an unknown kind, -1 on error.
 */
static int parse_text_line(struct record_reader *rd, char *line, struct fault_record *r)
{
	char *p = line;
	int n = 0, ret;
	bool more = false, kind_seen = false, addr_dash = false;

	fault_record_clear(r);
	for (;;) {
		char *t;

		while (is_blank(*p))
			p++;
		if (!*p)
			break;
		if (n >= rd->ncols) {
			more = true;
			break;
		}
		for (t = p; *p && !is_blank(*p); p++)
			;
		size_t len = p - t;
		if (*p)
			*p++ = '\0';
		enum column col = rd->cols[n++];

		ret = kind_field(rd, col, t, len, r, kind_seen, &addr_dash);
		if (ret < 0 || (!ret && parse_field(col, t, len, r, rd->err, sizeof(rd->err))))
			return -1;
		kind_seen |= col == COL_KIND;
	}
	if (n != rd->ncols || more)
		return fail(rd->err, sizeof(rd->err), "expected %d columns, got %d%s",
			    rd->ncols, n, more ? " or more" : "");
	if (addr_dash && needs_addr(r->kind))
		return bad_addr("-", -EINVAL, rd->err, sizeof(rd->err));
	return r->kind == KIND_UNKNOWN;
}
static int json_int(struct json_object *v, const char *key, int64_t min, int64_t max,
		    int64_t *out, char *err, size_t errlen)
{
	if (!json_object_is_type(v, json_type_int))
		return fail(err, errlen, "\"%s\" must be an integer", key);
	errno = 0;
	int64_t x = json_object_get_int64(v);
	if (errno || x < min || x > max)
		return fail(err, errlen, "\"%s\" out of range", key);
	*out = x;
	return 0;
}

static int json_field(const char *key, struct json_object *v, struct fault_record *r,
		      char *err, size_t errlen)
{
	int64_t x;

	if (!strcmp(key, "type"))
		return 0;
	if (!strcmp(key, "addr")) {
		if (json_object_is_type(v, json_type_string)) {
			int e = parse_addr(json_object_get_string(v), &r->addr);

			if (e)
				return fail(err, errlen, "bad addr '%s' (%s)", json_object_get_string(v),
					    e == -ERANGE ? "number too large" :
					    "expected 0x followed by hex digits");
			return 0;
		}
		if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0) {
			r->addr = json_object_get_uint64(v);
			return 0;
		}
		return fail(err, errlen, "\"addr\" must be a \"0x...\" string");
	}
	if (!strcmp(key, "kind")) {
		const char *s = json_object_get_string(v);

		if (!json_object_is_type(v, json_type_string))
			return fail(err, errlen, "bad kind (" KINDS_EXPECTED ")");
		if (!fault_kind_parse(s, &r->kind))
			return 0;
		if (!is_kind_word(s))
			return fail(err, errlen, "bad kind '%s' (" KINDS_EXPECTED ")", s);
		r->kind = KIND_UNKNOWN;	/* of a later version: skipped */
		return 0;
	}
	if (!strcmp(key, "comm")) {
		if (!json_object_is_type(v, json_type_string))
			return fail(err, errlen, "\"comm\" must be a string");
		strncpy(r->comm, json_object_get_string(v), FAULT_COMM_LEN - 1);
		r->comm[FAULT_COMM_LEN - 1] = '\0';
		return 0;
	}
	if (!strcmp(key, "cache_hit")) {
		if (!json_object_is_type(v, json_type_boolean))
			return fail(err, errlen, "\"cache_hit\" must be true or false");
		r->cache_hit = json_object_get_boolean(v);
		return 0;
	}
	if (!strcmp(key, "time_ns")) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
			return fail(err, errlen, "\"time_ns\" must be a non-negative integer");
		r->time_ns = json_object_get_uint64(v);
		return 0;
	}
	if (!strcmp(key, "pid") || !strcmp(key, "tid")) {
		if (json_int(v, key, 0, INT32_MAX, &x, err, errlen))
			return -1;
		*(key[0] == 'p' ? &r->pid : &r->tid) = x;
		return 0;
	}
	if (!strcmp(key, "swap_type")) {
		if (json_int(v, key, 0, MAX_SWAP_TYPE, &x, err, errlen))
			return -1;
		r->swap_type = x;
		return 0;
	}
	if (!strcmp(key, "swap_offset")) {
		if (json_int(v, key, 0, INT64_MAX, &x, err, errlen))
			return -1;
		r->swap_offset = x;
		return 0;
	}
	return 0;	/* unknown keys are for newer writers */
}

/* The "type"s of fbtrace's stream metadata: skipped, not counted. */
static bool json_metadata(const char *type)
{
	return !strcmp(type, "summary") || !strcmp(type, "interval") || !strcmp(type, "error");
}

/*
 * Returns 1 for a record, 0 for metadata (skipped), 2 for a record of an
 * unknown kind or "type" (skipped and counted), -1 on error.
 */
static int parse_json_object(struct json_object *o, struct fault_record *r,
			     char *err, size_t errlen)
{
	struct json_object *type, *v;
	const char *t = NULL;

	if (!json_object_is_type(o, json_type_object))
		return fail(err, errlen, "expected a JSON object");
	if (json_object_object_get_ex(o, "type", &type)) {
		if (!json_object_is_type(type, json_type_string))
			return fail(err, errlen, "\"type\" must be a string");
		t = json_object_get_string(type);
		if (strcmp(t, "fault") && strcmp(t, "slot"))
			return json_metadata(t) ? 0 : 2;
	}
	fault_record_clear(r);
	if (!json_object_object_get_ex(o, "kind", &v))
		return fail(err, errlen, "missing \"kind\"");
	json_object_object_foreach(o, key, val)
		if (json_field(key, val, r, err, errlen))
			return -1;
	if (r->kind == KIND_UNKNOWN)
		return 2;
	if (t && strcmp(t, record_type_name(r->kind)))
		return fail(err, errlen, "kind '%s' in a \"%s\" object", fault_kind_name(r->kind), t);
	if (record_kind_has_addr(r->kind) && !json_object_object_get_ex(o, "addr", &v))
		return fail(err, errlen, "missing \"addr\"");
	return 1;
}

/* last: the line ended the input without a newline (it may be cut off). */
static int parse_json(struct json_tokener *tok, const char *line, size_t len,
		      struct fault_record *r, char *err, size_t errlen, bool last)
{
	enum json_tokener_error e;
	struct json_object *o;
	int ret;

	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, line, len);
	e = json_tokener_get_error(tok);
	if (o && e == json_tokener_success && json_tokener_get_parse_end(tok) != len) {
		json_object_put(o);
		return fail(err, errlen, "invalid JSON: more text after the object");
	}
	if (!o && e == json_tokener_continue)
		return fail(err, errlen, last ? "truncated JSON at end of file" :
			    "JSON object not closed on its line (JSON Lines: one object "
			    "per line)");
	if (!o || e != json_tokener_success) {
		json_object_put(o);
		return fail(err, errlen, "invalid JSON: %s", json_tokener_error_desc(e));
	}
	ret = parse_json_object(o, r, err, errlen);
	json_object_put(o);
	return ret;
}

int record_parse_json_line(const char *line, size_t len, struct fault_record *r,
			   char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new();
	int ret = parse_json(tok, line, len, r, err, errlen, false);

	json_tokener_free(tok);
	return ret;
}

static size_t strip(char *line, size_t len)
{
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
		       line[len - 1] == ' ' || line[len - 1] == '\t'))
		line[--len] = '\0';
	return len;
}

/* Read more input after buf[end]: 1, 0 at end of input, -1 on error. */
static int fill(struct record_reader *rd)
{
	size_t room = rd->cap - 1 - rd->end;
	ssize_t n;

	if (!room) {	/* a partial line fills the buffer: it is shorter than BUF_SIZE */
		size_t cap = rd->cap * 2 < BUF_SIZE ? rd->cap * 2 : BUF_SIZE;
		char *buf = realloc(rd->buf, cap + BUF_SLACK);

		if (!buf)
			return fail(rd->err, sizeof(rd->err), "out of memory");
		memset(buf + rd->cap + BUF_SLACK, 0, cap - rd->cap);
		rd->buf = buf;
		rd->cap = cap;
		room = cap - 1 - rd->end;
	}
	if (room > READ_BLOCK)
		room = READ_BLOCK;
	if (rd->fd >= 0) {
		/*
		 * A signal handler installed without SA_RESTART interrupts a
		 * read blocked on a pipe: the input ends here once the stop
		 * count is reached, and the read goes on otherwise.
		 */
		do {
			if (stopping(rd)) {
				rd->stopped = true;
				return 0;
			}
			n = read(rd->fd, rd->buf + rd->end, room);
		} while (n < 0 && errno == EINTR);
	} else {
		n = fread(rd->buf + rd->end, 1, room, rd->in);
		if (!n && ferror(rd->in))
			n = -1;
	}
	if (n < 0 && errno == EISDIR) {
		rd->whole_file = true;
		return fail(rd->err, sizeof(rd->err), "is a directory, not a fault trace");
	}
	if (n < 0)
		return fail(rd->err, sizeof(rd->err), "read error: %s", strerror(errno));
	rd->end += n;
	rd->buf[rd->end] = '\n';	/* a sentinel for fast_text_line() */
	if (n == 0)
		rd->eof = true;
	return n > 0;
}

/*
 * The next line, NUL-terminated in place without its newline: 1 with
 * *line and *len, 0 at end of input, -1 on error (rd->err).
 */
static int next_line(struct record_reader *rd, char **line, size_t *len)
{
	for (;;) {
		char *p = rd->buf + rd->pos;
		size_t avail = rd->end - rd->pos;
		char *nl = memchr(p, '\n', avail);
		int ret;

		if (rd->skip) {		/* the rest of an over-long line */
			rd->pos = nl ? (size_t)(nl + 1 - rd->buf) : rd->end;
			rd->skip = !nl;
			if (nl)
				continue;
		} else if (nl || (rd->eof && avail)) {
			size_t n = nl ? (size_t)(nl - p) : avail;

			rd->lineno++;
			rd->pos += n + !!nl;
			rd->unterminated = !nl;
			if (n + !!nl > MAX_LINE)
				return fail(rd->err, sizeof(rd->err), "line longer than %d bytes",
					    MAX_LINE);
			p[n] = '\0';
			*line = p;
			*len = n;
			return 1;
		} else if (avail > MAX_LINE) {
			rd->lineno++;
			rd->pos = rd->end;
			rd->skip = true;
			return fail(rd->err, sizeof(rd->err), "line longer than %d bytes", MAX_LINE);
		}
		if (rd->eof || rd->stopped)
			return 0;
		/* Keep the partial line, move it to the front, read more. */
		if (rd->pos) {
			memmove(rd->buf, rd->buf + rd->pos, rd->end - rd->pos);
			rd->end -= rd->pos;
			rd->pos = 0;
		}
		if ((ret = fill(rd)) < 0)
			return ret;
	}
}

/* ---- the fast path for text lines ---- */

/* A hex digit's value plus one; 0 for any other byte. */
static const unsigned char hex_value1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Eight bytes from p, the first in the low byte (the buffer has slack past its end). */
static inline uint64_t load8(const char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

static inline void store8(char *p, uint64_t w)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	memcpy(p, &w, sizeof(w));
}

/* The first n bytes of a word (n < 8), the others zero. */
static inline uint64_t first_bytes(uint64_t w, unsigned int n)
{
	return w & ((1ULL << 8 * n) - 1);
}

/* Per byte of w: its high bit set when the byte is at most c (c below 0x80). */
static inline uint64_t bytes_upto(uint64_t w, unsigned int c)
{
	/* 7 bits a byte, so that the add cannot carry into the next one */
	return ~((w & ~HIGHS) + (0x7f - c) * ONES) & ~w & HIGHS;
}

/* Per byte of w: its high bit set when the byte is c (c below 0x80). */
static inline uint64_t bytes_eq(uint64_t w, unsigned int c)
{
	return bytes_upto(w ^ c * ONES, 0);
}

/*
 * Each takes a field at p and returns the character after it, or NULL
 * when the field is not the plain common case (fast_text_line() then
 * gives the line to the careful parser, which accepts or rejects it).
 */
static inline const char *fast_dec(const char *p, uint64_t max, uint64_t *out)
{
	const char *s = p;
	uint64_t v = 0;
	unsigned int d;

	/* No overflow check per digit: 19 digits cannot overflow, more go slow. */
	while ((d = (unsigned char)*p - '0') <= 9) {
		v = v * 10 + d;
		p++;
	}
	if (p == s || p - s > 19 || v > max)
		return NULL;
	*out = v;
	return p;
}

static inline const char *fast_opt(const char *p, uint64_t max, int64_t *out)
{
	uint64_t v;

	if (*p == '-' && (is_blank(p[1]) || p[1] == '\n' || p[1] == '\r')) {
		*out = -1;
		return p + 1;
	}
	if (!(p = fast_dec(p, max, &v)))
		return NULL;
	*out = v;
	return p;
}

static inline const char *fast_addr(const char *p, uint64_t *out)
{
	const char *s;
	uint64_t v = 0;
	unsigned int d;

	if (p[0] != '0' || (p[1] | 0x20) != 'x')
		return NULL;
	for (s = p += 2; (d = hex_value1[(unsigned char)*p]); p++)
		v = v << 4 | (d - 1);
	if (p == s || p - s > 16)
		return NULL;
	*out = v;
	return p;
}

static inline bool field_end(char c)
{
	return is_blank(c) || c == '\n' || c == '\r';
}

static inline const char *fast_kind(const char *p, enum fault_kind *kind)
{
	if (!memcmp(p, "swapin", 6) && field_end(p[6])) {
		*kind = FAULT_SWAPIN;
		return p + 6;
	}
	if (!memcmp(p, "major", 5) && field_end(p[5])) {
		*kind = FAULT_MAJOR;
		return p + 5;
	}
	if (!memcmp(p, "minor", 5) && field_end(p[5])) {
		*kind = FAULT_MINOR;
		return p + 5;
	}
	for (int k = SLOT_SWAPOUT; k < RECORD_KIND_COUNT; k++) {
		if (!memcmp(p, kind_names[k], kind_len[k]) && field_end(p[kind_len[k]])) {
			*kind = k;
			return p + kind_len[k];
		}
	}
	return NULL;
}

/* The addr column of a record of this kind: "-" for one that names no page. */
static inline const char *fast_kind_addr(const char *p, enum fault_kind kind, uint64_t *out)
{
	if (*p == '-' && !record_kind_has_addr(kind) && field_end(p[1])) {
		*out = 0;
		return p + 1;
	}
	return fast_addr(p, out);
}

/* The index of the first byte with its high bit set in m, 8 if none. */
static inline unsigned int first_set(uint64_t m)
{
	return m ? __builtin_ctzll(m) / 8 : 8;
}

/*
 * A comm without escapes ('\\', "-" alone and control bytes go the
 * careful way), found and copied 8 bytes at a time.
 */
static inline const char *fast_comm(const char *p, char *comm)
{
	uint64_t lo = load8(p), hi = load8(p + 8);
	unsigned int n = first_set(bytes_upto(lo, ' ') | bytes_eq(lo, '\\'));

	if (n == 8)
		n += first_set(bytes_upto(hi, ' ') | bytes_eq(hi, '\\'));
	if (!n || n >= FAULT_COMM_LEN || !field_end(p[n]) || (n == 1 && *p == '-'))
		return NULL;
	/* comm[] is NUL-padded */
	store8(comm, n < 8 ? first_bytes(lo, n) : lo);
	store8(comm + 8, n < 8 ? 0 : first_bytes(hi, n - 8));
	return p + n;
}

static inline const char *fast_skip(const char *p)
{
	const char *s = p;

	while (!field_end(*p) && *p)
		p++;
	return p == s ? NULL : p;
}

/* The line's end after its last field: blanks or '\r', then a newline that was read. */
static inline bool fast_line_end(struct record_reader *rd, const char *start, const char *p)
{
	while (is_blank(*p) || *p == '\r')
		p++;
	if (*p != '\n' || p == rd->buf + rd->end || p + 1 - start > MAX_LINE)
		return false;
	rd->pos = p + 1 - rd->buf;
	rd->lineno++;
	return true;
}

/*
 * The common text line, parsed straight from the buffer in one pass with
 * nothing written to it: rd->cols' fields separated by blanks, ended by a
 * newline that was read (not the sentinel after the input read so far).
 * Returns 1 with the record, 0 when the line is anything else (blank,
 * '#', escapes, "-" comm, errors, a partial line): read_line() parses
 * that one, and reports its errors exactly as before.
 */
static int fast_text_line(struct record_reader *rd, struct fault_record *r)
{
	const char *start = rd->buf + rd->pos, *p = start;
	uint64_t u;

	if (*p == '#')		/* a header or comment, whatever the columns would take */
		return 0;
	fault_record_clear(r);
	for (int i = 0; i < rd->ncols; i++) {
		if (i) {
			if (!is_blank(*p))
				return 0;
			do
				p++;
			while (is_blank(*p));
		}
		switch (rd->cols[i]) {
		case COL_TIME:
			p = fast_dec(p, UINT64_MAX, &r->time_ns);
			break;
		case COL_PID:
		case COL_TID:
			if ((p = fast_dec(p, INT32_MAX, &u)))
				*(rd->cols[i] == COL_PID ? &r->pid : &r->tid) = u;
			break;
		case COL_COMM:
			p = fast_comm(p, r->comm);
			break;
		case COL_KIND:
			p = fast_kind(p, &r->kind);
			break;
		case COL_ADDR:	/* the kind, when not yet parsed, is minor: "-" goes careful */
			p = fast_kind_addr(p, r->kind, &r->addr);
			break;
		case COL_SWAP_TYPE: {
			int64_t v;

			if ((p = fast_opt(p, MAX_SWAP_TYPE, &v)))
				r->swap_type = v;
			break;
		}
		case COL_SWAP_OFFSET:
			p = fast_opt(p, INT64_MAX, &r->swap_offset);
			break;
		case COL_CACHE_HIT: {
			int64_t v;

			if ((p = fast_opt(p, 1, &v)))
				r->cache_hit = v;
			break;
		}
		default:
			p = fast_skip(p);
			break;
		}
		if (!p)
			return 0;
	}
	return fast_line_end(rd, start, p);
}

/* ---- fbtrace's own lines ---- */

/*
 * Consecutive faults mostly come from one thread: the text from pid to
 * kind is then the same as the last line's, and one compare of it
 * replaces parsing four fields.
 */
static const char *memo_match(const struct record_reader *rd, const char *p,
			      struct fault_record *r)
{
	const struct line_memo *m = &rd->memo;
	uint64_t diff = 0;
	unsigned int k;

	if (!m->len)
		return NULL;
	for (k = 0; k + 8 <= m->len; k += 8)
		diff |= load8(p + k) ^ load8(m->text + k);
	if (k < m->len)
		diff |= first_bytes(load8(p + k) ^ load8(m->text + k), m->len - k);
	if (diff)
		return NULL;
	r->pid = m->pid;
	r->tid = m->tid;
	memcpy(r->comm, m->comm, FAULT_COMM_LEN);
	r->kind = m->kind;
	return p + m->len;
}

static void memo_save(struct record_reader *rd, const char *p, size_t len,
		      const struct fault_record *r)
{
	struct line_memo *m = &rd->memo;

	m->len = len <= sizeof(m->text) ? len : 0;
	memcpy(m->text, p, m->len);
	m->pid = r->pid;
	m->tid = r->tid;
	memcpy(m->comm, r->comm, FAULT_COMM_LEN);
	m->kind = r->kind;
}

/* One space, as fbtrace writes between columns; anything else goes the general way. */
static inline const char *fast_space(const char *p)
{
	return p && *p == ' ' ? p + 1 : NULL;
}

/*
 * A line of fbtrace's columns, one space apart: fast_text_line() with no
 * dispatch per column or loop over blanks, and the memo. 1 with the
 * record, 0 when fast_text_line() must try the line.
 */
static int fast_fbtrace_line(struct record_reader *rd, struct fault_record *r)
{
	const char *start = rd->buf + rd->pos, *p, *q;
	uint64_t pid, tid;
	int64_t v;

	if (!(p = fast_space(fast_dec(start, UINT64_MAX, &r->time_ns))))
		return 0;
	if (!(q = memo_match(rd, p, r))) {
		if (!(q = fast_space(fast_dec(p, INT32_MAX, &pid))) ||
		    !(q = fast_space(fast_dec(q, INT32_MAX, &tid))) ||
		    !(q = fast_space(fast_comm(q, r->comm))) ||
		    !(q = fast_space(fast_kind(q, &r->kind))))
			return 0;
		r->pid = pid;
		r->tid = tid;
		memo_save(rd, p, q - p, r);
	}
	if (!(p = fast_space(fast_kind_addr(q, r->kind, &r->addr))) ||
	    !(p = fast_space(fast_opt(p, MAX_SWAP_TYPE, &v))))
		return 0;
	r->swap_type = v;
	if (!(p = fast_space(fast_opt(p, INT64_MAX, &r->swap_offset))) ||
	    !(p = fast_opt(p, 1, &v)))
		return 0;
	r->cache_hit = v;
	return fast_line_end(rd, start, p);
}

static int read_line(struct record_reader *rd, struct fault_record *r)
{
	char *p = NULL;
	size_t len = 0;
	int ret;

	if (rd->form == FORM_TEXT && !rd->careful && rd->pos < rd->end &&
	    ((rd->default_cols && fast_fbtrace_line(rd, r)) || fast_text_line(rd, r)))
		return 1;
	ret = next_line(rd, &p, &len);

	if (ret <= 0)
		return ret ? ret : 2;
	if (memchr(p, '\0', len))
		return fail(rd->err, sizeof(rd->err), "NUL byte in line");
	len = strip(p, len);
	for (; is_blank(*p); p++, len--)
		;
	if (!len)
		return 0;
	if (rd->form == FORM_UNKNOWN)
		rd->form = *p == '{' ? FORM_JSON : FORM_TEXT;
	if (rd->form == FORM_JSON) {
		if (!rd->tok && !(rd->tok = json_tokener_new()))
			return fail(rd->err, sizeof(rd->err), "out of memory");
		ret = parse_json(rd->tok, p, len, r, rd->err, sizeof(rd->err), rd->unterminated);
	} else if (*p == '#') {
		return parse_header(rd, p);
	} else {
		ret = parse_text_line(rd, p, r);
		ret = ret < 0 ? ret : ret ? 2 : 1;
	}
	if (ret == 2) {		/* of an unknown kind: skipped */
		rd->skipped++;
		return 0;
	}
	return ret;
}

int record_read(struct record_reader *rd, struct fault_record *r)
{
	for (;;) {
		int ret = read_line(rd, r);

		if (ret == 1)
			return 1;
		if (ret == 2)
			return 0;
		if (ret < 0) {
			if (rd->whole_file)
				snprintf(rd->msg, sizeof(rd->msg), "%s: %s", rd->name, rd->err);
			else
				snprintf(rd->msg, sizeof(rd->msg), "%s:%lu: %s", rd->name,
					 rd->lineno, rd->err);
			return -1;
		}
	}
}
