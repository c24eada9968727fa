// SPDX-License-Identifier: GPL-2.0
/*
 * fbtrace -s: the pages already swapped out when the trace begins, read
 * from /proc/PID/pagemap (see slotsnap.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include "clock.h"
#include "fbtrace.h"
#include "hf.h"
#include "pagemap.h"
#include "procfs.h"
#include "slotsnap.h"

/* A run's buffers, and the process being read. */
struct snap {
	struct slotsnap *ss;
	struct hf_pagemap pm;
	struct fault_record tmpl;	/* the process's record */
	const char *file;		/* being read, for a warning */
	int stop;			/* emit's error */
	uint64_t *ent;
	struct fault_record *rec;
	__u64 *keys;
	__u8 *vals;
};

bool slotsnap_vma_wanted(const struct hf_vma *vma)
{
	if (vma->perms[3] != 'p')
		return false;
	/*
	 * An inaccessible mapping is a reservation (V8's sandbox, a JVM's
	 * heap): terabytes of pagemap to read (1 s a TiB), never a fault.
	 */
	if (!strncmp(vma->perms, "---", 3))
		return false;
	return vma->path[0] != '[' || hf_vma_is_anon(vma) || !strncmp(vma->path, "[anon:", 6);
}

size_t slotsnap_records(const uint64_t *ent, size_t n, uint64_t addr,
			const struct fault_record *tmpl, struct fault_record *out,
			uint64_t *hidden)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++, addr += HF_PAGE_SIZE) {
		uint64_t e = ent[i];

		if ((e & (PM_SWAP | PM_PRESENT)) != PM_SWAP ||
		    PM_SWAP_TYPE(e) >= SLOTSNAP_SWAP_TYPES)
			continue;
		if (!PM_SWAP_OFFSET(e)) {
			(*hidden)++;
			continue;
		}
		out[k] = *tmpl;
		out[k].addr = addr;
		out[k].swap_type = PM_SWAP_TYPE(e);
		out[k].swap_offset = PM_SWAP_OFFSET(e);
		k++;
	}
	return k;
}

/* The slots of the first n records go into the map of traced slots. */
static void track_slots(struct snap *sn, size_t n)
{
	__u32 done = n;

	for (size_t i = 0; i < n; i++)
		sn->keys[i] = fbtrace_slot_key(sn->rec[i].swap_type, sn->rec[i].swap_offset);
	/* stops at the first failure (a full map), telling how many went in */
	if (bpf_map_update_batch(sn->ss->slots_fd, sn->keys, sn->vals, &done, NULL))
		sn->ss->untracked += done < n ? n - done : n;
}

static int emit_records(struct snap *sn, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if ((sn->stop = sn->ss->emit(sn->ss->ctx, &sn->rec[i])))
			return sn->stop;
		sn->ss->records++;
	}
	return 0;
}

/*
 * The records of n pages from addr. Once their slots are in the map, the
 * entries are read again: a slot freed before it was there, its event
 * not traced, is no longer in them.
 */
static int snap_pages(struct snap *sn, uint64_t addr, size_t n)
{
	uint64_t hidden = 0;
	size_t k;
	int err;

	if ((err = hf_pagemap_read(&sn->pm, addr, n, sn->ent)))
		return err;
	sn->tmpl.time_ns = hf_now_ns();
	k = slotsnap_records(sn->ent, n, addr, &sn->tmpl, sn->rec, &hidden);
	if (k && sn->ss->slots_fd >= 0) {
		track_slots(sn, k);
		if ((err = hf_pagemap_read(&sn->pm, addr, n, sn->ent)))
			return err;
		hidden = 0;
		k = slotsnap_records(sn->ent, n, addr, &sn->tmpl, sn->rec, &hidden);
	}
	sn->ss->hidden += hidden;
	return emit_records(sn, k);
}

static int snap_vmas(struct snap *sn, const struct hf_vmas *vmas)
{
	for (int i = 0; i < vmas->n; i++) {
		const struct hf_vma *v = &vmas->vma[i];
		uint64_t addr = v->start;

		if (!slotsnap_vma_wanted(v))
			continue;
		while (addr < v->end) {
			size_t n = (v->end - addr) >> HF_PAGE_SHIFT;
			int err;

			if (n > SLOTSNAP_BATCH)
				n = SLOTSNAP_BATCH;
			if ((err = snap_pages(sn, addr, n)))
				return err;
			addr += n << HF_PAGE_SHIFT;
		}
	}
	return 0;
}

static int snap_process(struct snap *sn, const struct proc_task *t)
{
	struct hf_vmas vmas;
	const char *what;
	int err;

	sn->file = "maps";
	if ((err = hf_vmas_read(t->pid, &vmas)))
		return err;
	sn->file = "pagemap";
	err = hf_pagemap_open(&sn->pm, t->pid, 0, &what);
	if (!err) {
		fault_record_clear(&sn->tmpl);
		sn->tmpl.kind = SLOT_SWAPOUT;
		sn->tmpl.pid = sn->tmpl.tid = t->pid;
		memcpy(sn->tmpl.comm, t->comm, sizeof(sn->tmpl.comm));
		err = snap_vmas(sn, &vmas);
		hf_pagemap_close(&sn->pm);
	}
	hf_vmas_free(&vmas);
	return err;
}

/* A process that could not be read: one that has exited is no news. */
static void process_failed(const struct snap *sn, const struct proc_task *t, int err)
{
	if (err == -ENOENT || err == -ESRCH)
		return;
	hf_warn("pid %d (%s): /proc/%d/%s: %s: the pages it had swapped out before the trace "
		"are not recorded", t->pid, t->comm, t->pid, sn->file,
		err == -EACCES || err == -EPERM ? "permission denied" : strerror(-err));
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* The processes of pids, each once, fbtrace and kernel threads not. */
static void list_processes(const struct hf_pids *pids, struct hf_pids *out)
{
	int n = 0;

	for (int i = 0; i < pids->n; i++) {
		struct proc_task t;

		if (!hf_proc_task_read(pids->pid[i], &t) && !t.kthread && t.tgid != getpid())
			hf_pids_add(out, t.tgid);
	}
	if (!out->n)
		return;
	qsort(out->pid, out->n, sizeof(*out->pid), cmp_pid);
	for (int i = 1; i < out->n; i++)
		if (out->pid[i] != out->pid[n])
			out->pid[++n] = out->pid[i];
	out->n = n + 1;
}

/* Their swap-outs are traced from now on, in whatever task reports them. */
static void track_processes(const struct slotsnap *ss, const struct hf_pids *procs)
{
	__u8 one = 1;

	for (int i = 0; ss->pids_fd >= 0 && i < procs->n; i++) {
		__u32 tgid = procs->pid[i];

		if (bpf_map_update_elem(ss->pids_fd, &tgid, &one, BPF_ANY))
			hf_debug("pid %u: cannot add to the cgroup's processes: %s", tgid,
				 strerror(errno));
	}
}

static int snap_alloc(struct snap *sn)
{
	sn->ent = calloc(SLOTSNAP_BATCH, sizeof(*sn->ent));
	sn->rec = calloc(SLOTSNAP_BATCH, sizeof(*sn->rec));
	sn->keys = calloc(SLOTSNAP_BATCH, sizeof(*sn->keys));
	sn->vals = malloc(SLOTSNAP_BATCH * sizeof(*sn->vals));
	if (!sn->ent || !sn->rec || !sn->keys || !sn->vals)
		return -ENOMEM;
	memset(sn->vals, 1, SLOTSNAP_BATCH * sizeof(*sn->vals));
	return 0;
}

static void snap_free(struct snap *sn)
{
	free(sn->ent);
	free(sn->rec);
	free(sn->keys);
	free(sn->vals);
}

int slotsnap_run(struct slotsnap *ss, const struct hf_pids *pids)
{
	struct snap sn = { .ss = ss };
	struct hf_pids procs = { 0 };
	int err = snap_alloc(&sn);

	list_processes(pids, &procs);
	track_processes(ss, &procs);
	for (int i = 0; !err && i < procs.n; i++) {
		struct proc_task t;

		if (hf_proc_task_read(procs.pid[i], &t))
			continue;	/* exited */
		err = snap_process(&sn, &t);
		if (err && !sn.stop)
			process_failed(&sn, &t, err);
		err = sn.stop;
	}
	if (ss->hidden)
		hf_warn("/proc/PID/pagemap shows swap slots only to CAP_SYS_ADMIN: %llu pages "
			"swapped out before the trace are not recorded",
			(unsigned long long)ss->hidden);
	free(procs.pid);
	snap_free(&sn);
	return err;
}
