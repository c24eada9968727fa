// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "output.h"
#include "procfs.h"
#include "proclist.h"

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* Append the numeric entries of a /proc directory to list, sorted. */
static int list_numeric(const char *path, struct hf_pids *list)
{
	struct dirent *d;
	int first = list->n;
	DIR *dir = opendir(path);

	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		uint64_t pid;

		if (!hf_parse_u64(d->d_name, 10, &pid) && pid > 0 && pid <= INT32_MAX)
			hf_pids_add(list, (pid_t)pid);
	}
	closedir(dir);
	qsort(list->pid + first, list->n - first, sizeof(*list->pid), cmp_pid);
	return 0;
}

int hf_proc_list_tgids(struct hf_pids *list)
{
	char path[512];

	return list_numeric(hf_path(path, sizeof(path), "/proc"), list);
}

int hf_proc_list_tasks(pid_t pid, struct hf_pids *list)
{
	char path[512];
	int err = list_numeric(hf_path(path, sizeof(path), "/proc/%d/task", pid), list);

	return err == -ESRCH ? -ENOENT : err;
}

/* ---- process names ---- */

/* Length of the valid UTF-8 character at s (n bytes left); 0: not valid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	uint32_t cp, min;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		len = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A byte written as '\\' and three octal digits even where it is valid UTF-8. */
static bool escaped_byte(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '\\';
}

bool hf_proc_comm_needs_escape(const char *comm)
{
	const unsigned char *s = (const unsigned char *)comm;
	size_t n = strnlen(comm, 16);

	for (size_t i = 0; i < n; i++) {
		size_t len = utf8_len(s + i, n - i);

		if (!len || (len == 1 && escaped_byte(s[i])))
			return true;
		i += len - 1;
	}
	return false;
}

size_t hf_proc_comm_escape(const char *comm, char buf[HF_COMM_ESC_LEN])
{
	const unsigned char *s = (const unsigned char *)comm;
	size_t n = strnlen(comm, 16), width = 0;
	char *p = buf;

	for (size_t i = 0; i < n;) {
		size_t len = utf8_len(s + i, n - i);

		if (!len || (len == 1 && escaped_byte(s[i]))) {
			*p++ = '\\';
			*p++ = '0' + (s[i] >> 6);
			*p++ = '0' + ((s[i] >> 3) & 7);
			*p++ = '0' + (s[i] & 7);
			width += 4;
			i++;
			continue;
		}
		memcpy(p, s + i, len);
		p += len;
		i += len;
		width++;
	}
	*p = '\0';
	return width;
}

void hf_json_set_comm(struct json_object *o, const char *comm)
{
	char buf[HF_COMM_ESC_LEN];

	hf_proc_comm_escape(comm, buf);
	hf_json_set_str(o, "comm", buf);
}

void hf_print_comm(FILE *out, const char *comm, int width)
{
	char buf[HF_COMM_ESC_LEN];
	int w = hf_proc_comm_escape(comm, buf);

	fprintf(out, "%s%*s", buf, w < width ? width - w : 0, "");
}

const char *hf_comm_pad(const char *comm, int width, char buf[HF_COMM_PAD_LEN])
{
	int w = hf_proc_comm_escape(comm, buf);
	size_t len = strlen(buf);

	while (w++ < width && len + 1 < HF_COMM_PAD_LEN)
		buf[len++] = ' ';
	buf[len] = '\0';
	return buf;
}
