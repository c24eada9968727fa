// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/btf.h>
#include "hf.h"
#include "feature.h"
#include "procfs.h"

#define CAP_PERFMON 38
#define CAP_BPF 39

static bool has_caps(unsigned long long need)
{
	char path[512], buf[4096];
	unsigned long long eff;
	const char *line;

	if (hf_read_file(hf_path(path, sizeof(path), "/proc/self/status"), buf, sizeof(buf)) < 0)
		return false;
	line = strstr(buf, "\nCapEff:");
	return line && sscanf(line + 8, "%llx", &eff) == 1 && (eff & need) == need;
}

int hf_require_bpf_privileges(struct hf_error *e)
{
	if (geteuid() == 0 || has_caps(1ULL << CAP_BPF | 1ULL << CAP_PERFMON))
		return 0;
	return hf_error_set(e, HF_ERROR_NOPERM, -EPERM, "needs root (or CAP_BPF and "
			    "CAP_PERFMON) to load BPF programs and open perf events; run it "
			    "with sudo");
}

int hf_require_btf(struct hf_error *e)
{
	char path[512];

	if (access(hf_path(path, sizeof(path), "/sys/kernel/btf/vmlinux"), R_OK) == 0)
		return 0;
	return hf_error_set(e, HF_ERROR_NOFEATURE, -errno, "kernel has no BTF (%s: %s); boot "
			    "a kernel built with CONFIG_DEBUG_INFO_BTF=y", path, strerror(errno));
}

static bool kernel_has_type(const char *name, int kind)
{
	static struct btf *vmlinux;
	char path[512];

	if (!vmlinux) {
		vmlinux = btf__parse(hf_path(path, sizeof(path), "/sys/kernel/btf/vmlinux"), NULL);
		if (!vmlinux)
			return false;
	}
	return btf__find_by_name_kind(vmlinux, name, kind) > 0;
}

bool hf_kernel_has_struct(const char *name)
{
	return kernel_has_type(name, BTF_KIND_STRUCT);
}

bool hf_kernel_has_btf(void)
{
	char path[512];

	return access(hf_path(path, sizeof(path), "/sys/kernel/btf/vmlinux"), R_OK) == 0;
}

bool hf_kernel_has_func(const char *name)
{
	return kernel_has_type(name, BTF_KIND_FUNC);
}

bool hf_kernel_has_raw_tracepoint(const char *name)
{
	char type[128];

	snprintf(type, sizeof(type), "btf_trace_%s", name);
	return kernel_has_type(type, BTF_KIND_TYPEDEF);
}

bool hf_kernel_has_fetchbpf(void)
{
	return hf_kernel_has_struct("trace_event_raw_fetchbpf_swapin_fault");
}

bool hf_kernel_has_slot_events(void)
{
	return hf_kernel_has_struct("trace_event_raw_fetchbpf_swap_out");
}

static bool is_fs(const char *path, long magic)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == magic;
}

int hf_mount_fs(const char *dir, const char *type, long magic)
{
	if (is_fs(dir, magic))
		return 0;
	if (geteuid())
		return -EPERM;
	if (mount(type, dir, type, 0, NULL))
		return -errno;
	hf_debug("mounted %s at %s", type, dir);
	return 0;
}

static int require_fs(const char *dir, const char *type, long magic, struct hf_error *e)
{
	int err = hf_mount_fs(dir, type, magic);

	if (!err)
		return 0;
	return hf_error_set(e, HF_ERROR_NOFEATURE, err, "%s is not mounted at %s (%s); as root "
			    "run: mount -t %s %s %s", type, dir, err == -EPERM ?
			    "not root, so not mounting it" : strerror(-err), type, type, dir);
}

int hf_require_tracefs(struct hf_error *e)
{
	return require_fs("/sys/kernel/tracing", "tracefs", TRACEFS_MAGIC, e);
}

int hf_require_bpffs(struct hf_error *e)
{
	return require_fs("/sys/fs/bpf", "bpf", BPF_FS_MAGIC, e);
}
