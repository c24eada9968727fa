/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The BPF side of the policy API in user space, for a policy source built
 * with -DFB_NATIVE into fbload's native replay engine. Section markers
 * vanish; map declarations stay the structs libbpf reads, whose member
 * types carry the map's shape; the helpers a policy may call (map lookup,
 * update and delete, bpf_loop) are plain C with the kernel's semantics;
 * parameters are writable globals fbload sets by name. Policies include
 * policy.h, never this file.
 */
#ifndef HF_POLICY_NATIVE_H
#define HF_POLICY_NATIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <errno.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include "fb_native.h"

#define SEC(name)
#ifndef __always_inline		/* glibc has its own */
#define __always_inline inline __attribute__((always_inline))
#endif
#define __uint(name, val) int (*name)[val]
#define __type(name, val) __typeof__(val) *name

/* This policy's maps and parameters (one translation unit per policy). */
static struct fb_native_maps fb_native_maps;
static struct fb_native_param fb_native_params[FB_NATIVE_MAX_PARAMS];
static int fb_native_nparams;

/* The user-space map behind a declaration, looked up once per call site. */
#define fb_native_map(def) ({						\
	static struct fb_native_map *fb__m;				\
	if (__builtin_expect(!fb__m, 0))				\
		fb__m = fb_native_map_get(&fb_native_maps, (def),	\
			sizeof(*(def)->type) / sizeof(int),		\
			sizeof(*(def)->key), sizeof(*(def)->value),	\
			sizeof(*(def)->max_entries) / sizeof(int));	\
	fb__m;								\
})

#define bpf_map_lookup_elem(map, key) \
	fb_native_map_lookup(fb_native_map(map), (key))
#define bpf_map_update_elem(map, key, value, flags) \
	fb_native_map_update(fb_native_map(map), (key), (value), (flags))
#define bpf_map_delete_elem(map, key) \
	fb_native_map_delete(fb_native_map(map), (key))

/* The kernel's bpf_loop(): the iterations run, -E2BIG beyond its limit. */
#define FB_NATIVE_MAX_LOOPS (1U << 23)
#define bpf_loop(nr, fn, ctx, flags) ({					\
	__u32 fb__loop_n = (nr), fb__loop_i = 0;			\
	long fb__loop_ret = -E2BIG;					\
									\
	if (fb__loop_n <= FB_NATIVE_MAX_LOOPS) {			\
		while (fb__loop_i < fb__loop_n)				\
			if ((fn)(fb__loop_i++, (ctx)))			\
				break;					\
		fb__loop_ret = fb__loop_i;				\
	}								\
	fb__loop_ret;							\
})

/*
 * A parameter: a global fbload finds by name (registered before main()),
 * as the BPF build's `const volatile` global is found through BTF.
 */
#define FB__PARAM3(type, name, init)					\
static type name = (init);						\
static void __attribute__((constructor)) fb__param_##name(void)	\
{									\
	_Static_assert(sizeof(type) <= 8, #name ": an integer parameter"); \
	if (fb_native_nparams < FB_NATIVE_MAX_PARAMS)			\
		fb_native_params[fb_native_nparams++] = (struct fb_native_param){ \
			#name, sizeof(type), &name, (init) };		\
}
/*
 * With a range: its bounds registered as the internal parameters
 * fb_min_NAME and fb_max_NAME, as the BPF build's globals of those names.
 */
#define FB__PARAM5(type, name, init, lo, hi)				\
FB__PARAM3(type, fb_min_##name, lo);					\
FB__PARAM3(type, fb_max_##name, hi);					\
FB__PARAM3(type, name, init)

static inline void fb_native_params_reset(void)
{
	for (int i = 0; i < fb_native_nparams; i++) {
		struct fb_native_param *p = &fb_native_params[i];

		switch (p->size) {
		case 1: *(__u8 *)p->addr = p->init; break;
		case 2: *(__u16 *)p->addr = p->init; break;
		case 4: *(__u32 *)p->addr = p->init; break;
		default: *(__u64 *)p->addr = p->init; break;
		}
	}
}

#endif /* HF_POLICY_NATIVE_H */
