/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FetchBPF policies: built in (embedded ELF, and compiled as C into
 * fbload) or a user's .bpf.o; parameters set before load; replay over
 * batches, natively or with BPF_PROG_TEST_RUN; the struct_ops attached to
 * the patched kernel.
 */
#ifndef HF_FBLOAD_POLICIES_H
#define HF_FBLOAD_POLICIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include <bpf/libbpf.h>
#include "fb_native.h"
#include "fb_replay.h"
#include "helpers.h"

/* The kernel side: struct_ops type, pin directory and counters. */
#define FB_STRUCT_OPS "fetchbpf_ops"
#define FB_PIN_DIR "/sys/fs/bpf/fetchbpf"
#define FB_SYSFS_DIR "/sys/kernel/mm/fetchbpf"

/* What a policy is opened for. */
enum fb_use {
	FB_USE_ATTACH,			/* its struct_ops, for the patched kernel */
	FB_USE_REPLAY_BPF,		/* its replay program, BPF_PROG_TEST_RUN */
	FB_USE_REPLAY_NATIVE,		/* a built-in compiled as C into fbload */
};

/* The replay engine asked for: native for built-ins, BPF for objects. */
enum fb_engine { FB_ENGINE_AUTO, FB_ENGINE_NATIVE, FB_ENGINE_BPF };

struct fb_policy {
	char name[64];			/* built-in name or the file's path */
	enum fb_use use;
	struct bpf_object *obj;
	struct bpf_program *replay;	/* fb_replay (replay objects) */
	struct bpf_map *ops;		/* the struct_ops map (kernel objects) */
	const struct fb_native_policy *native;	/* FB_USE_REPLAY_NATIVE */
	struct fb_replay_batch *batch;	/* the mmapped fb_batch map, or malloc'd */
	size_t batch_size;
	uint64_t runs;			/* batches run */
	char load_error[256];		/* why loading failed: the verifier's reason */
	uint64_t load_insns;		/* instructions the verifier processed then */
	int pin_err;			/* attached, but pinning at pin failed: -errno */
	char pin[256];
};

/* How a use is named in messages and reports: "native", "bpf", "kernel". */
const char *fb_use_name(enum fb_use use);

/*
 * Root, or CAP_BPF and CAP_PERFMON, to load BPF programs: 0, or -EPERM
 * with e (HF_ERROR_NOPERM) saying "WHAT loads BPF programs into the
 * kernel, which needs root ...; run it with sudo[, or OTHERWISE]" (what
 * fbload needs, not what other tools do). otherwise may be NULL.
 */
int fb_require_bpf(const char *what, const char *otherwise, struct hf_error *e);

/* The replay use of policy name under engine (an enum fb_use), or -errno. */
int fb_replay_use(const char *name, enum fb_engine engine, struct hf_error *e);

/* A parameter: a global `const volatile` integer in .rodata. */
struct fb_param {
	char name[64];
	unsigned int size;		/* 1, 2, 4 or 8 bytes */
	uint64_t value;
	uint64_t min, max;		/* the values it takes */
	bool ranged;			/* declared by FB_PARAM() (else: any of its size) */
};

#define FB_NAME_LEN 64		/* a pinned policy's name, with its NUL */
#define FB_MAX_PARAMS 16

/*
 * The built-in policies: one per bpf/policies/X.bpf.c, the table generated
 * by mk/fbload.mk (the description is the first sentence of the source's
 * header comment).
 */
struct fb_builtin {
	const char *name;
	const char *description;
	const void *(*replay_elf)(size_t *size);
	const void *(*kern_elf)(size_t *size);
	const struct fb_native_policy *native;
};
const struct fb_builtin *fb_builtins(size_t *n);
const struct fb_builtin *fb_builtin_find(const char *name);
/* "leap, next, ..." for messages. */
void fb_builtin_names(char *buf, size_t len);
/* A path to a user's object (has a '/' or ends in .o), not a built-in name. */
bool fb_policy_is_path(const char *s);

/*
 * Every function here that can fail returns 0 or -errno and fills e
 * (common/hf.h's convention); fbload's main.c reports it with hf_fail().
 *
 * Open a built-in policy or a file (X.bpf.o replays through X.replay.bpf.o
 * when that exists) for use. A built-in runs natively once at a time.
 */
int fb_policy_open(struct fb_policy *p, const char *name, enum fb_use use, struct hf_error *e);

/*
 * Open a policy object from memory (built-ins) or a file. For replay the
 * object must hold the SEC("syscall") program fb_replay (compiled with
 * -DFB_REPLAY), for attaching a struct_ops map of type fetchbpf_ops.
 */
int fb_policy_open_mem(struct fb_policy *p, const char *name, const void *elf, size_t size,
		       enum fb_use use, struct hf_error *e);
int fb_policy_open_file(struct fb_policy *p, const char *path, enum fb_use use,
			struct hf_error *e);
void fb_policy_close(struct fb_policy *p);

/* The parameters, as compiled in (or as set). Returns the count, <= max. */
int fb_policy_params(const struct fb_policy *p, struct fb_param *out, int max);
/* Set one parameter from text (a bad value is HF_ERROR_USAGE). */
int fb_policy_set(struct fb_policy *p, const char *key, const char *value, struct hf_error *e);

/*
 * Apply -o [POLICY.]KEY=VALUE settings: to the policy named, or without a
 * name to every policy that has KEY (to the only one, which must have it).
 */
int fb_policy_apply_sets(struct fb_policy *pol, int n, const char *const *sets, int nsets,
			 struct hf_error *e);

/*
 * Load (verifier), and for replay map the batch; natively only the batch.
 * When the verifier refuses a program, the reason and its instruction
 * count are also in p->load_error and p->load_insns.
 */
int fb_policy_load(struct fb_policy *p, struct hf_error *e);

/* A loaded BPF program and the instructions the kernel's verifier processed. */
struct fb_prog_insns {
	char name[32];
	uint64_t verified_insns;	/* bpf_prog_info.verified_insns; 0: unknown */
};
/* The programs of a loaded BPF policy; returns the count, <= max. */
int fb_policy_verified(const struct fb_policy *p, struct fb_prog_insns *out, int max);

/* replay_run_fn for struct fb_policy: one batch, natively or with BPF_PROG_TEST_RUN. */
int fb_policy_run_batch(void *policy, struct fb_replay_batch *b);

/*
 * Register the struct_ops with the kernel and pin it. A pin that failed
 * after the registration succeeded is no error: p->pin_err says it.
 */
int fb_policy_attach(struct fb_policy *p, struct hf_error *e);

/* The names of the policies pinned under FB_PIN_DIR; returns the count. */
int fb_pinned_policies(char names[][FB_NAME_LEN], int max);
/* Unregister the pinned policy name and remove its pin. */
int fb_policy_detach(const char *name, struct hf_error *e);

/* The kernel's counters of the last policy attached (FB_SYSFS_DIR/stats/). */
struct fb_kstat {
	char name[16];
	uint64_t faults, prefetched, hits, rejected;
};

/* accuracy = hits / prefetched, coverage = hits / faults (0 when empty). */
static inline double fb_kstat_accuracy(const struct fb_kstat *k)
{
	return hf_ratio(k->hits, k->prefetched);
}

static inline double fb_kstat_coverage(const struct fb_kstat *k)
{
	return hf_ratio(k->hits, k->faults);
}

/*
 * Read the counters of the policy attached, or attached last (the kernel
 * resets them when a policy attaches), and the active policy's name
 * ("none" when there is none). Returns the number of policies read (0 or
 * 1), or -errno. Paths are under $HAWKFETCH_SYSROOT, so fixtures can
 * stand in for the kernel.
 */
int fb_kernel_stats(struct fb_kstat *out, int max, char *active, size_t len);

#endif
