/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal checks for C unit tests, in the PASS:/FAIL: protocol of tests/lib.sh. */
#ifndef HF_UNIT_H
#define HF_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int unit_failed;

#define CHECK(name, cond, ...) do {					\
	if (cond) {							\
		printf("PASS: %s\n", name);				\
	} else {							\
		printf("FAIL: %s: ", name);				\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		unit_failed++;						\
	}								\
} while (0)

/* A check whose condition, as written, is its own explanation. */
#define CHECK_TRUE(name, cond) CHECK(name, cond, "%s (line %d)", #cond, __LINE__)

#define UNIT_EXIT() (unit_failed ? 1 : 0)

/* ---- fixture files ---- */

/*
 * A fixture file: text into root/rel, the directories on the way made as
 * needed (a sysroot for $HAWKFETCH_SYSROOT). A test cannot go on without
 * its fixture: a failure ends the test program.
 */
static inline void unit_put_file(const char *root, const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	if (!f || fputs(text, f) == EOF || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* A fresh directory named after tmpl ("/tmp/hf-NAME-XXXXXX"), or abort. */
static inline void unit_mkdtemp(char *tmpl)
{
	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		abort();
	}
}

/* Remove a directory unit_mkdtemp() made, with what is in it. */
static inline int unit_rmtree(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

#endif
