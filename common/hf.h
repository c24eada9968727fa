/* SPDX-License-Identifier: GPL-2.0 */
/* hawkfetch: conventions every binary shares (exit statuses, messages). */
#ifndef HF_H
#define HF_H

#include <stdbool.h>

#ifndef HF_VERSION
#define HF_VERSION "0.0.0"
#endif

/* Exit statuses, documented in every man page. */
enum hf_exit {
	HF_EXIT_OK = 0,
	HF_EXIT_FAIL = 1,		/* runtime failure */
	HF_EXIT_USAGE = 64,		/* bad command line (argp's own status) */
	HF_EXIT_NOFEATURE = 69,		/* kernel or hardware lacks a feature */
	HF_EXIT_NOPERM = 77,		/* not root / missing capability */
};

/* Base and huge (PMD) pages of x86-64 and arm64 with 4 KiB pages. */
#define HF_PAGE_SHIFT	12
#define HF_PAGE_SIZE	(1UL << HF_PAGE_SHIFT)
#define HF_HPAGE_SHIFT	21
#define HF_HPAGE_SIZE	(1UL << HF_HPAGE_SHIFT)
#define HF_HPAGE_NR	(1U << (HF_HPAGE_SHIFT - HF_PAGE_SHIFT))	/* 512 */
#define HF_PAGE_KIB	(HF_PAGE_SIZE / 1024)
#define HF_HPAGE_KIB	(HF_HPAGE_SIZE / 1024)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The options every tool takes; set by the common argp child (cli.c). */
struct hf_common_opts {
	bool json;
	bool pretty;
	bool verbose;
	bool openmetrics;	/* --openmetrics (HF_METRICS_CHILD) */
	const char *textfile;	/* --textfile DIR (HF_METRICS_CHILD) */
};
extern struct hf_common_opts hf_opts;

/*
 * Report an error: "PROG: message" on stderr and, in JSON mode, also
 * {"type":"error","message":...} on stdout so a JSON consumer sees it.
 */
void hf_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * hf_err() with structured detail: in JSON mode the error object also
 * carries detail's members (detail is consumed; may be NULL).
 */
struct json_object;
void hf_err_detail(struct json_object *detail, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A warning: stderr only, never mixed into JSON output. */
void hf_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Verbose diagnostics, printed only with -v. */
void hf_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The library's one error convention: a function in common/ returns 0 or
 * -errno and fills a struct hf_error with what went wrong; it never prints
 * and never picks an exit status. cmd/ hands the error to hf_fail(), the
 * one place that prints it (with -j also as the JSON error document) and
 * maps its kind to the exit status.
 */
enum hf_error_kind {
	HF_ERROR_RUNTIME,	/* exit 1 */
	HF_ERROR_USAGE,		/* exit 64: a bad value on the command line */
	HF_ERROR_NOFEATURE,	/* exit 69: the kernel or hardware lacks it */
	HF_ERROR_NOPERM,	/* exit 77: not root, or a capability missing */
};
struct hf_error {
	enum hf_error_kind kind;
	char msg[1024];
};
/* Fill e and return err (a negative errno), for "return hf_error_set(...)". */
int hf_error_set(struct hf_error *e, enum hf_error_kind kind, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Report e as hf_err() does; the exit status of its kind. */
int hf_fail(const struct hf_error *e);

#endif
