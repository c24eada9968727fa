// SPDX-License-Identifier: GPL-2.0
/* The conventions of hf.h: the common options and the messages. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include "hf.h"
#include "output.h"

struct hf_common_opts hf_opts;

static void vreport(const char *fmt, va_list ap, bool as_json, struct json_object *detail)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "%s: %s\n", program_invocation_short_name, msg);
	if (as_json)
		hf_json_error(stdout, msg, json_object_get(detail));
	json_object_put(detail);
}

void hf_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap, hf_opts.json, NULL);
	va_end(ap);
}

void hf_err_detail(struct json_object *detail, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap, hf_opts.json, detail);
	va_end(ap);
}

void hf_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap, false, NULL);
	va_end(ap);
}

int hf_error_set(struct hf_error *e, enum hf_error_kind kind, int err, const char *fmt, ...)
{
	va_list ap;

	e->kind = kind;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return err;
}

int hf_fail(const struct hf_error *e)
{
	static const int status[] = {
		[HF_ERROR_RUNTIME] = HF_EXIT_FAIL,
		[HF_ERROR_USAGE] = HF_EXIT_USAGE,
		[HF_ERROR_NOFEATURE] = HF_EXIT_NOFEATURE,
		[HF_ERROR_NOPERM] = HF_EXIT_NOPERM,
	};

	hf_err("%s", e->msg);
	return status[e->kind];
}

void hf_debug(const char *fmt, ...)
{
	va_list ap;

	if (!hf_opts.verbose)
		return;
	va_start(ap, fmt);
	vreport(fmt, ap, false, NULL);
	va_end(ap);
}
