/* SPDX-License-Identifier: GPL-2.0 */
/* Start a command held before exec until the caller is ready to watch it. */
#ifndef HF_SPAWN_H
#define HF_SPAWN_H

#include <sys/types.h>

/*
 * Fork argv[0] (searched in PATH), held on a pipe. Returns 0 with *pid and
 * *go set, or -errno. If *go is closed without hf_spawn_release(), the
 * child exits 127 without running the command.
 */
int hf_spawn_held(char **argv, pid_t *pid, int *go);

/* Let the command exec; closes *go and sets it to -1. */
void hf_spawn_release(int *go);

#endif
