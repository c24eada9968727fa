// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "hf.h"
#include "perfstat.h"

#define MAX_FIELDS 16

static int split(char *line, char **field)
{
	int n = 0;

	line[strcspn(line, "\r\n")] = '\0';
	field[n++] = line;
	for (char *c = line; *c && n < MAX_FIELDS; c++)
		if (*c == ',') {
			*c = '\0';
			field[n++] = c + 1;
		}
	return n;
}

static bool is_number(const char *s, double *v)
{
	char *end;

	while (*s == ' ')
		s++;
	if (!*s)
		return false;
	*v = strtod(s, &end);
	return *end == '\0';
}

/* One CSV row: its timestamp (with -I), value and event. 0, 1 (skip) or -EINVAL. */
static int parse_row(char *line, struct hf_perfstat_interval *row, double *value,
		     const char **event)
{
	char *f[MAX_FIELDS];
	double t, v;
	int n;

	if (!line[strspn(line, " \t\r\n")] || line[0] == '#')
		return 1;
	n = split(line, f);
	if (n < 3)
		return -EINVAL;
	/* -I puts the time first: "time,value,unit,event,..." */
	row->timed = n >= 4 && is_number(f[0], &t) && f[3][0] &&
		     (is_number(f[1], &v) || f[1][0] == '<') && !is_number(f[3], &v);
	if (row->timed)
		row->time_s = t;
	*event = f[row->timed ? 3 : 2];
	if (f[row->timed ? 1 : 0][0] == '<')
		return 1;		/* <not counted>, <not supported> */
	if (!is_number(f[row->timed ? 1 : 0], value) || *value < 0 || !**event)
		return -EINVAL;
	return 0;
}

int hf_perfstat_read(FILE *f, hf_perfstat_cb cb, void *ctx, int *line)
{
	struct hf_perfstat_interval cur = { 0 }, row;
	char *buf = NULL;
	size_t cap = 0;
	int ret = 0;

	*line = 0;
	while (!ret) {
		ssize_t len = hf_getline_max(&buf, &cap, f, HF_LINE_MAX);
		const char *event;
		double value;
		int err, role;

		if (len == -1)
			break;
		++*line;
		if (len < 0) {		/* -E2BIG (/dev/zero), a read error */
			ret = len;
			break;
		}
		memset(&row, 0, sizeof(row));
		err = parse_row(buf, &row, &value, &event);
		if (err < 0)
			ret = -EINVAL;
		if (err)
			continue;
		if (row.timed && cur.counts.have && row.time_s != cur.time_s) {
			ret = cb(&cur, ctx);
			memset(&cur.counts, 0, sizeof(cur.counts));
		}
		cur.timed = row.timed;
		cur.time_s = row.time_s;
		role = hf_mmu_role_of(event);
		if (role >= 0) {
			cur.counts.v[role] += (uint64_t)value;
			cur.counts.have |= 1u << role;
		} else {
			hf_debug("line %d: event '%s' is not an MMU event; ignored", *line, event);
		}
	}
	free(buf);
	if (!ret && cur.counts.have)
		ret = cb(&cur, ctx);
	return ret;
}
