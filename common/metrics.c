// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "hf.h"
#include "metrics.h"

struct hf_metrics {
	char tool[32];
	char family[128];	/* the current family's name */
	char *text;		/* the exposition so far (open_memstream) */
	size_t len;
	FILE *out;
	bool failed;		/* out of memory while writing */
};

struct hf_metrics *hf_metrics_new(const char *tool)
{
	struct hf_metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	snprintf(m->tool, sizeof(m->tool), "%s", tool);
	m->out = open_memstream(&m->text, &m->len);
	if (!m->out) {
		free(m);
		return NULL;
	}
	return m;
}

void hf_metrics_free(struct hf_metrics *m)
{
	if (!m)
		return;
	fclose(m->out);
	free(m->text);
	free(m);
}

/* A HELP text or label value, escaped as the format wants. */
static void put_escaped(FILE *f, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' && quote)
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

void hf_metrics_family(struct hf_metrics *m, const char *name, enum hf_metric_type type,
		       const char *unit, const char *help)
{
	snprintf(m->family, sizeof(m->family), "%s", name);
	fprintf(m->out, "# HELP %s ", name);
	put_escaped(m->out, help, false);
	fprintf(m->out, "\n# TYPE %s %s\n", name, type == HF_COUNTER ? "counter" : "gauge");
	if (unit)
		fprintf(m->out, "# UNIT %s %s\n", name, unit);
}

static void put_labels(FILE *f, va_list ap)
{
	const char *key = va_arg(ap, const char *);
	bool first = true;

	for (; key; key = va_arg(ap, const char *)) {
		const char *value = va_arg(ap, const char *);

		fprintf(f, "%s%s=\"", first ? "{" : ",", key);
		put_escaped(f, value ? value : "", true);
		fputc('"', f);
		first = false;
	}
	if (!first)
		fputc('}', f);
}

void hf_metrics_u64(struct hf_metrics *m, uint64_t value, ...)
{
	va_list ap;

	fputs(m->family, m->out);
	va_start(ap, value);
	put_labels(m->out, ap);
	va_end(ap);
	fprintf(m->out, " %llu\n", (unsigned long long)value);
}

void hf_metrics_double(struct hf_metrics *m, double value, ...)
{
	va_list ap;

	fputs(m->family, m->out);
	va_start(ap, value);
	put_labels(m->out, ap);
	va_end(ap);
	fprintf(m->out, " %.15g\n", value);	/* seconds keep microseconds up to 10^9 s */
}

int hf_metrics_write(const struct hf_metrics *m, FILE *out)
{
	if (fflush(m->out))
		return -ENOMEM;
	if (fwrite(m->text, 1, m->len, out) != m->len || fputs("# EOF\n", out) == EOF ||
	    fflush(out))
		return errno ? -errno : -EIO;
	return 0;
}

int hf_metrics_textfile(const struct hf_metrics *m, const char *dir)
{
	char path[4096], tmp[4096];
	FILE *f;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/hawkfetch_%s.prom", dir, m->tool);
	/* A dot file: the collector reads only *.prom. */
	snprintf(tmp, sizeof(tmp), "%s/.hawkfetch_%s.prom.XXXXXX", dir, m->tool);
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	err = hf_metrics_write(m, f);
	if (!err && (fchmod(fd, 0644) || fsync(fd)))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int hf_metrics_wanted(void)
{
	return hf_opts.openmetrics || hf_opts.textfile;
}

int hf_metrics_emit(const struct hf_metrics *m, struct hf_error *e)
{
	int err;

	if (hf_opts.openmetrics && (err = hf_metrics_write(m, stdout)))
		return hf_error_set(e, HF_ERROR_RUNTIME, err, "writing metrics to standard "
				    "output: %s", strerror(-err));
	if (hf_opts.textfile && (err = hf_metrics_textfile(m, hf_opts.textfile)))
		return hf_error_set(e, HF_ERROR_RUNTIME, err, "%s/hawkfetch_%s.prom: %s",
				    hf_opts.textfile, m->tool, strerror(-err));
	return 0;
}
