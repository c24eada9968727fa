// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include "bpfutil.h"
#include "helpers.h"
#include "hf.h"
#include "procfs.h"

#define VERIFIER_TAIL 20
#define LOG_BEGIN "-- BEGIN PROG LOAD LOG --\n"
#define LOG_END "-- END PROG LOAD LOG --"

/*
 * Print msg with the verifier log inside it (thousands of lines for a
 * large program) cut to its last lines, which hold the reason.
 */
static void print_trimmed(const char *msg)
{
	const char *log = strstr(msg, LOG_BEGIN), *end = log ? strstr(log, LOG_END) : NULL;
	int lines = 0;

	if (!end) {
		fputs(msg, stderr);
		return;
	}
	log += strlen(LOG_BEGIN);
	for (const char *c = end - 1; c > log; c--) {
		if (*c == '\n' && ++lines > VERIFIER_TAIL) {
			fprintf(stderr, "%.*s[... verifier log cut to its last %d lines; -v shows "
				"all ...]\n%s", (int)(log - msg), msg, VERIFIER_TAIL, c + 1);
			return;
		}
	}
	fputs(msg, stderr);
}

static char *capture;		/* hf_libbpf_capture() */
static size_t capture_len;

/* Keep the end of a verifier log in the capture buffer. */
static bool capture_log(const char *msg)
{
	const char *log = strstr(msg, LOG_BEGIN), *end = log ? strstr(log, LOG_END) : NULL;
	size_t n;

	if (!capture || !end)
		return false;
	log += strlen(LOG_BEGIN);
	n = end - log;
	if (n >= capture_len)
		log = end - (n = capture_len - 1);
	memcpy(capture, log, n);
	capture[n] = '\0';
	return true;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	bool captured;
	char *msg;

	if (level == LIBBPF_DEBUG && !hf_opts.verbose)
		return 0;
	if (vasprintf(&msg, fmt, ap) < 0)
		return 0;
	captured = capture_log(msg) || capture;	/* the caller reports it */
	if (hf_opts.verbose)
		fputs(msg, stderr);
	else if (!captured)
		print_trimmed(msg);
	free(msg);
	return 0;
}

void hf_libbpf_capture(char *buf, size_t len)
{
	capture = len ? buf : NULL;
	capture_len = len;
	if (capture)
		capture[0] = '\0';
}

void hf_libbpf_init(void)
{
	libbpf_set_print(libbpf_print);
}

int hf_links_add(struct hf_links *links, struct bpf_link *link)
{
	if (HF_GROW(links->link, links->cap, (size_t)links->n + 1))
		return -ENOMEM;
	links->link[links->n++] = link;
	return 0;
}

void hf_links_destroy(struct hf_links *links)
{
	for (int i = 0; i < links->n; i++)
		bpf_link__destroy(links->link[i]);
	free(links->link);
	memset(links, 0, sizeof(*links));
}

static int perf_sw_open(int config, int cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = config,
		.sample_period = 1,
	};

	return syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

int hf_attach_perf_sw(struct bpf_program *prog, int config, struct hf_links *links,
		      struct hf_error *e)
{
	int *cpus, ncpus, err;

	err = hf_sys_online_cpus(&cpus, &ncpus);
	if (err)
		return hf_error_set(e, HF_ERROR_RUNTIME, err, "cannot read the online CPUs: %s",
				    strerror(-err));
	for (int i = 0; i < ncpus; i++) {
		struct bpf_link *link;
		int fd = perf_sw_open(config, cpus[i]);

		if (fd < 0) {
			err = hf_error_set(e, HF_ERROR_RUNTIME, -errno, "perf_event_open (software "
					   "event %d, cpu %d): %s%s", config, cpus[i], strerror(errno),
					   errno == EACCES ? " (see /proc/sys/kernel/perf_event_paranoid, "
					   "or run as root)" : "");
			break;
		}
		link = bpf_program__attach_perf_event(prog, fd);
		if (!link) {
			err = hf_error_set(e, HF_ERROR_RUNTIME, -errno, "attaching %s to cpu %d: %s",
					   bpf_program__name(prog), cpus[i], strerror(errno));
			close(fd);
			break;
		}
		err = hf_links_add(links, link);
		if (err) {
			hf_error_set(e, HF_ERROR_RUNTIME, err, "attaching %s: %s",
				     bpf_program__name(prog), strerror(-err));
			bpf_link__destroy(link);
			break;
		}
	}
	free(cpus);
	return err;
}

uint64_t hf_percpu_sum(int map_fd, uint32_t key)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t sum = 0, *vals;

	if (ncpus <= 0 || !(vals = calloc(ncpus, sizeof(*vals))))
		return 0;
	if (!bpf_map_lookup_elem(map_fd, &key, vals))
		for (int i = 0; i < ncpus; i++)
			sum += vals[i];
	free(vals);
	return sum;
}
