// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "bpfutil.h"
#include "cli.h"
#include "feature.h"
#include "hf.h"
#include "policies.h"
#include "procfs.h"
#include "builtin_policies.h"

/* ---- built-in policies (bpf/policies/, embedded by mk/fbload.mk) ---- */

static const struct fb_builtin builtins[] = { FB_BUILTIN_POLICIES };

const struct fb_builtin *fb_builtins(size_t *n)
{
	*n = ARRAY_SIZE(builtins);
	return builtins;
}

const struct fb_builtin *fb_builtin_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(builtins); i++)
		if (!strcmp(builtins[i].name, name))
			return &builtins[i];
	return NULL;
}

void fb_builtin_names(char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(builtins); i++) {
		size_t used = strlen(buf);

		snprintf(buf + used, len - used, "%s%s", i ? ", " : "", builtins[i].name);
	}
}

/* ---- privileges ---- */

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/* As hf_require_bpf_privileges() decides: root, or CAP_BPF and CAP_PERFMON. */
static bool may_load_bpf(void)
{
	unsigned long long need = 1ULL << CAP_BPF | 1ULL << CAP_PERFMON, eff;
	char path[512], buf[4096];
	const char *line;

	if (geteuid() == 0)
		return true;
	if (hf_read_file(hf_path(path, sizeof(path), "/proc/self/status"), buf, sizeof(buf)) < 0)
		return false;
	line = strstr(buf, "\nCapEff:");
	return line && sscanf(line + 8, "%llx", &eff) == 1 && (eff & need) == need;
}

int fb_require_bpf(const char *what, const char *otherwise, struct hf_error *e)
{
	if (may_load_bpf())
		return 0;	/* as hf_require_bpf_privileges() decides */
	return hf_error_set(e, HF_ERROR_NOPERM, -EPERM, "%s loads BPF programs into the kernel, "
			    "which needs root (or CAP_BPF and CAP_PERFMON); run it with sudo%s%s",
			    what, otherwise ? ", or " : "", otherwise ? otherwise : "");
}

bool fb_policy_is_path(const char *s)
{
	size_t n = strlen(s);

	return strchr(s, '/') || (n > 2 && !strcmp(s + n - 2, ".o"));
}

const char *fb_use_name(enum fb_use use)
{
	return use == FB_USE_REPLAY_NATIVE ? "native" : use == FB_USE_REPLAY_BPF ? "bpf" : "kernel";
}

int fb_replay_use(const char *name, enum fb_engine engine, struct hf_error *e)
{
	bool builtin = !fb_policy_is_path(name) && fb_builtin_find(name);

	if (engine == FB_ENGINE_BPF || (engine == FB_ENGINE_AUTO && !builtin))
		return FB_USE_REPLAY_BPF;
	if (builtin)
		return FB_USE_REPLAY_NATIVE;
	return hf_error_set(e, HF_ERROR_USAGE, -EINVAL, "%s: a policy object replays only with "
			    "the BPF engine (--engine bpf, the default for objects); the native "
			    "engine runs the built-in policies", name);
}

static int check_shape(struct fb_policy *p, bool replay, struct hf_error *e)
{
	struct bpf_program *prog;
	struct bpf_map *map;

	if (replay) {
		p->replay = bpf_object__find_program_by_name(p->obj, "fb_replay");
		if (!p->replay)
			return hf_error_set(e, HF_ERROR_RUNTIME, -EIO, "%s: no replay entry "
					    "(program fb_replay); build the policy a second time with -DFB_REPLAY, see fbload(8)",
					    p->name);
		/* Only the replay entry is loaded; nothing else needs the kernel hooks. */
		bpf_object__for_each_program(prog, p->obj)
			bpf_program__set_autoload(prog, prog == p->replay);
		return 0;
	}
	bpf_object__for_each_map(map, p->obj)
		if (bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS)
			p->ops = map;
	if (!p->ops)
		return hf_error_set(e, HF_ERROR_RUNTIME, -EIO, "%s: no struct_ops map of type %s; "
				    "is this a replay object (built with -DFB_REPLAY)?", p->name,
				    FB_STRUCT_OPS);
	return 0;
}

int fb_policy_open_mem(struct fb_policy *p, const char *name, const void *elf, size_t size,
		       enum fb_use use, struct hf_error *e)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name);
	bool replay = use != FB_USE_ATTACH;

	memset(p, 0, sizeof(*p));
	p->use = use;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->obj = bpf_object__open_mem(elf, size, &opts);
	if (!p->obj)
		return hf_error_set(e, HF_ERROR_RUNTIME, -errno, "%s: opening the built-in BPF "
				    "object: %s", name, strerror(errno));
	return check_shape(p, replay, e);
}

int fb_policy_open_file(struct fb_policy *p, const char *path, enum fb_use use,
			struct hf_error *e)
{
	bool replay = use != FB_USE_ATTACH;
	struct stat st;
	char why[128];

	memset(p, 0, sizeof(*p));
	p->use = use;
	snprintf(p->name, sizeof(p->name), "%s", path);
	if (access(path, R_OK) || stat(path, &st))
		return hf_error_set(e, HF_ERROR_RUNTIME, -errno, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return hf_error_set(e, HF_ERROR_RUNTIME, -EIO, "%s: is a directory, not a BPF "
				    "object", path);
	p->obj = bpf_object__open_file(path, NULL);
	if (!p->obj) {
		/* libbpf's own codes (LIBBPF_ERRNO__*, from 4000) need its strerror */
		libbpf_strerror(errno, why, sizeof(why));
		return hf_error_set(e, HF_ERROR_RUNTIME, -EIO, "%s: not a BPF object libbpf can "
				    "open: %s", path, why);
	}
	return check_shape(p, replay, e);
}

/* X.bpf.o replays through its replay build X.replay.bpf.o, if there. */
static const char *replay_sibling(const char *name, char *buf, size_t len)
{
	size_t n = strlen(name);

	if (n <= 6 || strcmp(name + n - 6, ".bpf.o") ||
	    (n >= 13 && !strcmp(name + n - 13, ".replay.bpf.o")))
		return name;
	if (snprintf(buf, len, "%.*s.replay.bpf.o", (int)(n - 6), name) >= (int)len ||
	    access(buf, R_OK))
		return name;
	hf_debug("%s: replaying its replay build %s", name, buf);
	return buf;
}

/*
 * A built-in's native build keeps its state in its globals: one user at a
 * time, marked here.
 */
static bool native_busy[ARRAY_SIZE(builtins)];

static int open_native(struct fb_policy *p, const struct fb_builtin *b, struct hf_error *e)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", b->name);
	if (native_busy[b - builtins])
		return hf_error_set(e, HF_ERROR_USAGE, -EINVAL, "%s: named twice; the native "
				    "engine runs a policy once per replay (--engine bpf runs each copy in its own BPF object)",
				    b->name);
	native_busy[b - builtins] = true;
	p->use = FB_USE_REPLAY_NATIVE;
	p->native = b->native;
	p->native->reset();
	return 0;
}

static void close_native(struct fb_policy *p)
{
	native_busy[fb_builtin_find(p->name) - builtins] = false;
	free(p->batch);
}

int fb_policy_open(struct fb_policy *p, const char *name, enum fb_use use, struct hf_error *e)
{
	const struct fb_builtin *b = fb_builtin_find(name);
	char sibling[PATH_MAX];
	const void *elf;
	size_t size;

	if (fb_policy_is_path(name) || !b) {
		if (use == FB_USE_REPLAY_NATIVE)
			return hf_error_set(e, HF_ERROR_USAGE, -EINVAL, "%s: not a built-in "
					    "policy; the native engine runs only those", name);
		return fb_policy_open_file(p, use == FB_USE_REPLAY_BPF ?
					   replay_sibling(name, sibling, sizeof(sibling)) : name,
					   use, e);
	}
	if (use == FB_USE_REPLAY_NATIVE)
		return open_native(p, b, e);
	elf = use == FB_USE_REPLAY_BPF ? b->replay_elf(&size) : b->kern_elf(&size);
	return fb_policy_open_mem(p, name, elf, size, use, e);
}

void fb_policy_close(struct fb_policy *p)
{
	if (p->native)
		close_native(p);
	else if (p->batch)
		munmap(p->batch, p->batch_size);
	bpf_object__close(p->obj);
	memset(p, 0, sizeof(*p));
}

/* ---- parameters: the global integers of .rodata, found through BTF ---- */

static struct bpf_map *rodata_map(const struct fb_policy *p)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, p->obj) {
		const char *n = bpf_map__name(map);
		size_t len = strlen(n);

		if (bpf_map__is_internal(map) && len >= 7 && !strcmp(n + len - 7, ".rodata"))
			return map;
	}
	return NULL;
}

typedef int (*param_fn)(void *ctx, const char *name, unsigned int size, void *data);

/*
 * Call fn on each parameter with a pointer into a copy of .rodata; when fn
 * returns > 0 the copy becomes the map's initial value (a parameter was set).
 */
static int for_each_native_param(const struct fb_policy *p, param_fn fn, void *ctx,
				 bool internal)
{
	int ret = 0;

	for (int i = 0; i < *p->native->nparams && !ret; i++) {
		struct fb_native_param *q = &p->native->params[i];

		if (!internal && !strncmp(q->name, "fb_", 3))
			continue;
		ret = fn(ctx, q->name, q->size, q->addr);
	}
	return ret;
}

/* internal: also the globals named fb_* (parameter ranges: fb_min_X, fb_max_X) */
static int for_each_var(const struct fb_policy *p, param_fn fn, void *ctx, bool internal)
{
	const struct btf_var_secinfo *vsi;
	const struct btf_type *sec;
	struct bpf_map *map;
	struct btf *btf;
	const void *init;
	char *data = NULL;
	size_t size;
	int id, ret = 0;

	if (p->native)
		return for_each_native_param(p, fn, ctx, internal);
	btf = bpf_object__btf(p->obj);
	map = rodata_map(p);
	if (!btf || !map)
		return 0;
	init = bpf_map__initial_value(map, &size);
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (!init || id < 0 || !(data = malloc(size)))
		return 0;
	memcpy(data, init, size);
	sec = btf__type_by_id(btf, id);
	vsi = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec) && !ret; i++, vsi++) {
		const struct btf_type *var = btf__type_by_id(btf, vsi->type);
		const struct btf_type *t;
		const char *name = btf__name_by_offset(btf, var->name_off);

		if (!btf_is_var(var) || btf_var(var)->linkage != BTF_VAR_GLOBAL_ALLOCATED ||
		    (!internal && !strncmp(name, "fb_", 3)))
			continue;
		t = btf__type_by_id(btf, btf__resolve_type(btf, var->type));
		if (!t || !(btf_is_int(t) || btf_is_enum(t)) || vsi->offset + vsi->size > size)
			continue;
		if (vsi->size != 1 && vsi->size != 2 && vsi->size != 4 && vsi->size != 8)
			continue;
		ret = fn(ctx, name, vsi->size, data + vsi->offset);
	}
	if (ret > 0 && bpf_map__set_initial_value(map, data, size))
		ret = -EIO;
	free(data);
	return ret;
}

static int for_each_param(const struct fb_policy *p, param_fn fn, void *ctx)
{
	return for_each_var(p, fn, ctx, false);
}

static uint64_t load_uint(const void *data, unsigned int size)
{
	switch (size) {
	case 1: return *(const uint8_t *)data;
	case 2: return *(const uint16_t *)data;
	case 4: return *(const uint32_t *)data;
	default: return *(const uint64_t *)data;
	}
}

/*
 * A parameter's range: what FB_PARAM() declared (the globals fb_min_NAME
 * and fb_max_NAME), else any value of its size (an object without ranges).
 */
struct param_range {
	const char *name;
	uint64_t min, max;
	bool has_min, has_max;
};

static int find_range(void *ctx, const char *name, unsigned int size, void *data)
{
	struct param_range *r = ctx;

	if (!strncmp(name, "fb_min_", 7) && !strcmp(name + 7, r->name)) {
		r->min = load_uint(data, size);
		r->has_min = true;
	} else if (!strncmp(name, "fb_max_", 7) && !strcmp(name + 7, r->name)) {
		r->max = load_uint(data, size);
		r->has_max = true;
	}
	return 0;
}

static bool param_range(const struct fb_policy *p, const char *name, unsigned int size,
			uint64_t *min, uint64_t *max)
{
	struct param_range r = { .name = name };

	for_each_var(p, find_range, &r, true);
	*min = r.has_min ? r.min : 0;
	*max = size == 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
	if (r.has_max && r.max < *max)
		*max = r.max;
	return r.has_min || r.has_max;
}

struct param_list {
	struct fb_param *out;
	int n, max;
};

static int collect(void *ctx, const char *name, unsigned int size, void *data)
{
	struct param_list *l = ctx;

	if (l->n < l->max) {
		struct fb_param *q = &l->out[l->n];

		snprintf(q->name, sizeof(q->name), "%s", name);
		q->size = size;
		q->value = load_uint(data, size);
	}
	l->n++;
	return 0;
}

int fb_policy_params(const struct fb_policy *p, struct fb_param *out, int max)
{
	struct param_list l = { out, 0, max };

	for_each_param(p, collect, &l);
	if (l.n > max)
		l.n = max;
	for (int i = 0; i < l.n; i++)
		out[i].ranged = param_range(p, out[i].name, out[i].size, &out[i].min,
					    &out[i].max);
	return l.n;
}

struct param_set {
	const struct fb_policy *p;
	const char *key, *value;
	bool found;
	int err;
	uint64_t min, max;
};

static int set_one(void *ctx, const char *name, unsigned int size, void *data)
{
	struct param_set *s = ctx;
	uint64_t v;

	if (strcmp(name, s->key))
		return 0;
	s->found = true;
	param_range(s->p, name, size, &s->min, &s->max);
	if (hf_parse_u64(s->value, 0, &v)) {
		s->err = -EINVAL;
		return -1;
	}
	if (v < s->min || v > s->max) {
		s->err = -ERANGE;
		return -1;
	}
	switch (size) {
	case 1: *(uint8_t *)data = v; break;
	case 2: *(uint16_t *)data = v; break;
	case 4: *(uint32_t *)data = v; break;
	default: *(uint64_t *)data = v; break;
	}
	return 1;
}

int fb_policy_set(struct fb_policy *p, const char *key, const char *value, struct hf_error *e)
{
	struct param_set s = { p, key, value, false, 0, 0, 0 };
	struct fb_param params[16];
	char names[512] = "";
	int n;

	if (for_each_param(p, set_one, &s) == -EIO)
		return hf_error_set(e, HF_ERROR_RUNTIME, -EIO, "%s: setting parameter %s failed",
				    p->name, key);
	if (s.found && !s.err)
		return 0;
	if (s.found && s.err == -ERANGE)
		return hf_error_set(e, HF_ERROR_USAGE, -EINVAL, "%s: parameter %s: %s is out of "
				    "range (%llu to %llu)", p->name, key, value,
				    (unsigned long long)s.min, (unsigned long long)s.max);
	if (s.found)
		return hf_error_set(e, HF_ERROR_USAGE, -EINVAL, "%s: parameter %s: '%s' is not an "
				    "integer from %llu to %llu", p->name, key, value,
				    (unsigned long long)s.min, (unsigned long long)s.max);
	n = fb_policy_params(p, params, ARRAY_SIZE(params));
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names);

		snprintf(names + len, sizeof(names) - len, "%s%.60s", i ? ", " : "",
			 params[i].name);
	}
	return hf_error_set(e, HF_ERROR_USAGE, -EINVAL, "%s: no parameter '%s' (it has: %s)",
			    p->name, key, n ? names : "none");
}

static bool has_param(const struct fb_policy *p, const char *key)
{
	struct fb_param params[FB_MAX_PARAMS];
	int n = fb_policy_params(p, params, FB_MAX_PARAMS);

	for (int i = 0; i < n; i++)
		if (!strcmp(params[i].name, key))
			return true;
	return false;
}

/* One [POLICY.]KEY=VALUE to the policies it names, or that have KEY. */
static int apply_set(struct fb_policy *pol, int n, const char *set, struct hf_error *e)
{
	char buf[256], *eq, *key = buf, *dot;
	const char *only = NULL;
	int applied = 0, err;

	snprintf(buf, sizeof(buf), "%s", set);
	eq = strchr(buf, '=');
	if (!eq || eq == buf)
		return hf_error_set(e, HF_ERROR_USAGE, -EINVAL, "-o %s: expected KEY=VALUE or "
				    "POLICY.KEY=VALUE", set);
	*eq = '\0';
	dot = strrchr(buf, '.');
	if (dot) {
		*dot = '\0';
		only = buf;
		key = dot + 1;
	}
	for (int i = 0; i < n; i++) {
		if (only ? strcmp(only, pol[i].name) : n > 1 && !has_param(&pol[i], key))
			continue;
		if ((err = fb_policy_set(&pol[i], key, eq + 1, e)))
			return err;
		applied++;
	}
	if (applied)
		return 0;
	return hf_error_set(e, HF_ERROR_USAGE, -EINVAL, "-o %s: %s", set,
			    only ? "no such policy on the command line" :
	       "no policy has this parameter");
}

int fb_policy_apply_sets(struct fb_policy *pol, int n, const char *const *sets, int nsets,
			 struct hf_error *e)
{
	int err = 0;

	for (int s = 0; s < nsets && !err; s++)
		err = apply_set(pol, n, sets[s], e);
	return err;
}

/* ---- loading and running ---- */

/*
 * The verifier's reason and instruction count from the end of its log:
 * "processed N insns (limit ...)" follows the line that says why.
 */
static void verifier_reason(struct fb_policy *p, char *log, int err)
{
	char *line, *save, *reason = NULL;

	snprintf(p->load_error, sizeof(p->load_error), "%s", strerror(-err));
	for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "processed %" SCNu64 " insns", &p->load_insns) == 1)
			break;
		if (*line && strncmp(line, "verification time", 17) &&
		    strncmp(line, "stack depth", 11))
			reason = line;
	}
	if (reason)
		snprintf(p->load_error, sizeof(p->load_error), "%s", reason);
}

static int load_bpf(struct fb_policy *p, struct hf_error *e)
{
	static char log[8192];
	int err;

	hf_libbpf_capture(log, sizeof(log));
	err = bpf_object__load(p->obj);
	hf_libbpf_capture(NULL, 0);
	if (!err)
		return 0;
	verifier_reason(p, log, err);
	return hf_error_set(e, HF_ERROR_RUNTIME, err, "%s: the kernel refused its BPF programs: "
			    "%s%s", p->name, p->load_error, p->load_insns ?
			    " (the verifier's log: fbload -v)" : "");
}

static int map_batch(struct fb_policy *p, struct hf_error *e)
{
	struct bpf_map *batch = bpf_object__find_map_by_name(p->obj, "fb_batch");

	if (!batch || !(bpf_map__map_flags(batch) & BPF_F_MMAPABLE) ||
	    bpf_map__value_size(batch) != sizeof(struct fb_replay_batch))
		return hf_error_set(e, HF_ERROR_RUNTIME, -EIO, "%s: no mmapable fb_batch map of "
				    "the size this fbload expects; rebuild the policy against this version's policy.h",
				    p->name);
	p->batch_size = (sizeof(struct fb_replay_batch) + 4095) & ~4095UL;
	p->batch = mmap(NULL, p->batch_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			bpf_map__fd(batch), 0);
	if (p->batch == MAP_FAILED) {
		p->batch = NULL;
		return hf_error_set(e, HF_ERROR_RUNTIME, -errno, "%s: mapping the replay batch: %s",
				    p->name, strerror(errno));
	}
	return 0;
}

int fb_policy_load(struct fb_policy *p, struct hf_error *e)
{
	int err;

	if (p->native) {
		p->batch = calloc(1, sizeof(*p->batch));
		if (!p->batch)
			return hf_error_set(e, HF_ERROR_RUNTIME, -EIO, "%s: the replay batch: %s",
					    p->name, strerror(ENOMEM));
		return 0;
	}
	if (p->ops && !hf_kernel_has_struct(FB_STRUCT_OPS))
		return hf_error_set(e, HF_ERROR_NOFEATURE, -EOPNOTSUPP, "this kernel lacks the "
				    "FetchBPF patches (no struct %s in its BTF), so policies cannot be "
				    "attached; boot a kernel built from kernel-patches/, or predict "
				    "what %s would do with replay: fbtrace ... | fbload %s",
				    FB_STRUCT_OPS, p->name, p->name);
	if ((err = load_bpf(p, e)))
		return err;
	return p->replay ? map_batch(p, e) : 0;
}

int fb_policy_verified(const struct fb_policy *p, struct fb_prog_insns *out, int max)
{
	struct bpf_program *prog;
	int n = 0;

	if (!p->obj)
		return 0;
	bpf_object__for_each_program(prog, p->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || n == max)
			continue;
		snprintf(out[n].name, sizeof(out[n].name), "%s", bpf_program__name(prog));
		out[n].verified_insns = bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 :
					info.verified_insns;
		n++;
	}
	return n;
}

int fb_policy_run_batch(void *policy, struct fb_replay_batch *b)
{
	struct fb_policy *p = policy;
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int err;

	if (p->native) {
		p->runs++;
		return p->native->run(b);
	}
	err = bpf_prog_test_run_opts(bpf_program__fd(p->replay), &opts);
	if (err)
		return -errno;
	p->runs++;
	if (opts.retval)
		return -EIO;
	if (b->n_out > FB_REPLAY_OUT)
		return -EOVERFLOW;
	return 0;
}

int fb_policy_attach(struct fb_policy *p, struct hf_error *e)
{
	const char *base = strrchr(p->name, '/') ? strrchr(p->name, '/') + 1 : p->name;
	char pin[256], name[64];
	struct bpf_link *link;
	int err;

	if ((err = hf_require_bpffs(e)))
		return err;
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(base, "."), base);
	snprintf(pin, sizeof(pin), "%s/%s", FB_PIN_DIR, name);
	if (mkdir(FB_PIN_DIR, 0700) && errno != EEXIST)
		return hf_error_set(e, HF_ERROR_RUNTIME, -errno, "%s: %s", FB_PIN_DIR,
				    strerror(errno));
	if (access(pin, F_OK) == 0)
		return hf_error_set(e, HF_ERROR_RUNTIME, -EIO, "a policy is already pinned at %s; "
				    "fbload detach first", pin);
	link = bpf_map__attach_struct_ops(p->ops);
	if (!link) {
		err = -errno;
		return hf_error_set(e, HF_ERROR_RUNTIME, err, "%s: registering the struct_ops "
				    "with the kernel: %s%s", p->name, strerror(-err),
				    err == -EEXIST || err == -EBUSY ?
				    " (another policy is attached; fbload detach first)" : "");
	}
	/* The registration holds the map; the pin lets --list and --detach find it. */
	err = bpf_map__pin(p->ops, pin);
	bpf_link__disconnect(link);
	bpf_link__destroy(link);
	p->pin_err = err;
	if (err)
		snprintf(p->pin, sizeof(p->pin), "%s", pin);
	return 0;
}

int fb_pinned_policies(char names[][FB_NAME_LEN], int max)
{
	DIR *d = opendir(FB_PIN_DIR);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max)
		if (e->d_name[0] != '.')
			snprintf(names[n++], FB_NAME_LEN, "%.*s", FB_NAME_LEN - 1, e->d_name);
	closedir(d);
	return n;
}

int fb_policy_detach(const char *name, struct hf_error *e)
{
	char pin[256];
	uint32_t zero = 0;
	int fd, err = 0;

	snprintf(pin, sizeof(pin), "%s/%.*s", FB_PIN_DIR, FB_NAME_LEN - 1, name);
	fd = bpf_obj_get(pin);
	/* Deleting the struct_ops map's one element unregisters it. */
	if (fd < 0 || (bpf_map_delete_elem(fd, &zero) && errno != ENOENT)) {
		err = hf_error_set(e, HF_ERROR_RUNTIME, -errno, "%s: detaching: %s", pin,
				   strerror(errno));
	} else {
		unlink(pin);
	}
	if (fd >= 0)
		close(fd);
	return err;
}

/* One counter of FB_SYSFS_DIR/stats/, or -errno. */
static int fb_kernel_counter(const char *name, uint64_t *val)
{
	char path[512], rel[64], buf[32], *end;

	snprintf(rel, sizeof(rel), FB_SYSFS_DIR "/stats/%s", name);
	if (hf_read_file(hf_path(path, sizeof(path), rel), buf, sizeof(buf)) < 0)
		return -errno;
	errno = 0;
	*val = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n'))
		return -EPROTO;
	return 0;
}

int fb_kernel_stats(struct fb_kstat *out, int max, char *active, size_t len)
{
	char path[512];
	struct fb_kstat *k = out;
	int err;

	if (hf_read_file(hf_path(path, sizeof(path), FB_SYSFS_DIR "/active"), active, len) < 0)
		return -errno;
	active[strcspn(active, "\n")] = '\0';
	if (hf_read_file(hf_path(path, sizeof(path), FB_SYSFS_DIR "/stats/policy"), k->name,
			 sizeof(k->name)) < 0)
		return -errno;
	k->name[strcspn(k->name, "\n")] = '\0';
	if (!strcmp(k->name, "none") || max < 1)
		return 0;	/* no policy attached since boot */
	if ((err = fb_kernel_counter("faults", &k->faults)) ||
	    (err = fb_kernel_counter("prefetched", &k->prefetched)) ||
	    (err = fb_kernel_counter("hits", &k->hits)) ||
	    (err = fb_kernel_counter("rejected", &k->rejected)))
		return err;
	return 1;
}
