/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The native replay engine's interface: what a policy source compiled as
 * ordinary C (-DFB_NATIVE, bpf/policy_native.h) exports to fbload, and the
 * user-space maps it calls (cmd/fbload/nativemap.c). The batch is the one the
 * BPF replay program fills (fb_replay.h), so both engines share fbload's
 * replay driver, buffer and accounting.
 */
#ifndef FB_NATIVE_H
#define FB_NATIVE_H

#include <stdint.h>
#include "fb_replay.h"

#define FB_NATIVE_MAX_PARAMS 16
#define FB_NATIVE_MAX_MAPS 8

/* A parameter: FB_PARAM() in the source, a writable global here. */
struct fb_native_param {
	const char *name;
	unsigned int size;		/* 1, 2, 4 or 8 bytes, unsigned */
	void *addr;
	uint64_t init;			/* the compiled-in default */
};

/* A map of the BPF API in user space: array, hash or LRU hash. */
struct fb_native_map;

/* The maps of one policy, found by their definitions' addresses. */
struct fb_native_maps {
	const void *def[FB_NATIVE_MAX_MAPS];
	struct fb_native_map *map[FB_NATIVE_MAX_MAPS];
	int n;
	int error;			/* -errno of a map that could not be made */
};

struct fb_native_policy {
	const char *name;
	struct fb_native_param *params;
	const int *nparams;
	struct fb_native_maps *maps;
	/* Empty maps and history, parameters at their defaults. */
	void (*reset)(void);
	/* Fill b->hit[], nreq[], out[] and n_out for b->in[0..n_in). 0 or -errno. */
	int (*run)(struct fb_replay_batch *b);
};

/*
 * The map of definition def, made on first use from its BPF declaration
 * (type, key and value sizes, max_entries). NULL when the type is not one
 * of the three, or on ENOMEM (maps->error says which).
 */
struct fb_native_map *fb_native_map_get(struct fb_native_maps *maps, const void *def,
					unsigned int type, unsigned int key_size,
					unsigned int value_size, unsigned int max_entries);
void *fb_native_map_lookup(struct fb_native_map *m, const void *key);
long fb_native_map_update(struct fb_native_map *m, const void *key, const void *value,
			  uint64_t flags);
long fb_native_map_delete(struct fb_native_map *m, const void *key);
/*
 * Every map of a policy emptied (arrays zeroed), as after a fresh load. Maps
 * live as long as the process: call sites keep pointers to them.
 */
void fb_native_maps_reset(struct fb_native_maps *maps);

#endif
