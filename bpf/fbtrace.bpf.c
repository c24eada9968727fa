// SPDX-License-Identifier: GPL-2.0
/*
 * fbtrace: page faults of chosen processes, as records in a ring buffer.
 *
 * Sources, all on stock kernels:
 *  - software perf events PAGE_FAULTS_MAJ / PAGE_FAULTS_MIN: the kernel
 *    raises them in mm_account_fault() once per completed user fault, with
 *    the faulting address, after the fault was classified major or minor;
 *  - the mm_filemap_fault raw tracepoint (recent kernels, 6.12 among them), to tell a file's
 *    major fault from a swap-in; older kernels look up the VMA instead;
 *  - on kernels with the FetchBPF patches, the fetchbpf_swapin_fault
 *    tracepoint, which names the swap entry and whether the swap cache hit.
 *    It fires inside the fault, so its data waits per thread until the
 *    perf event of the same fault completes the record;
 *  - with -s, on kernels with patch 0014, the life of the traced pages' swap
 *    slots: fetchbpf_swap_out (a page went to a slot), fetchbpf_swap_uncache
 *    (it left the swap cache) and fetchbpf_swap_slot_free, as slot records.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "fbtrace.h"

#define PAGE_SHIFT 12
#define READ_ONCE(x) (*(const volatile typeof(x) *)&(x))

const volatile bool filter_pids;	/* only tgids in "targets" */
const volatile bool filter_cgroup;	/* only tasks in the cgroup below */
const volatile bool follow_forks;	/* children of targets become targets */
const volatile bool swapin_tracepoint;	/* the FetchBPF tracepoint is attached */
const volatile bool filemap_tracepoint;	/* mm_filemap_fault is attached */
const volatile bool swapin_minor_only;	/* minor faults: only swap-cache hits */
const volatile bool slot_events;	/* -s: the slot tracepoints are attached */
const volatile __u32 self_tgid;
const volatile __u64 cgroup_id;		/* kernfs id of the cgroup directory */
const volatile __s32 cgroup_level;
const volatile __s32 cgroup_hierarchy;	/* 0: cgroup v2, else a v1 hierarchy */
/*
 * Wake the reader only once this much is pending: a wakeup per record
 * would cost more than the record. The reader also polls on a timer.
 */
const volatile __u64 wakeup_bytes = 1 << 20;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FBTRACE_NR_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/*
 * Per CPU: the last process looked up in "targets" and the answer, valid
 * while targets_gen is unchanged (on_fork bumps it when it adds a target),
 * so a storm of faults of one process costs one hash lookup, not one per
 * fault; and records since the last look at the ring buffer's fill level.
 */
struct cpu_state {
	__u32 tgid;
	__u32 gen;
	__u32 traced;
	__u32 since_query;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_state);
} cpu_state SEC(".maps");

__u32 targets_gen;

/* Look at the fill level (for the wakeup) once per this many records a CPU writes. */
#define QUERY_EVERY 32

/* Slot events, in the order of a fault's record. */
struct slot_range {
	__u64 offset;
	__u16 nr;	/* 0: none */
};

/*
 * What the swap-in tracepoint said about the fault a thread is in, and
 * the events of its own slot inside it (a swap-in may drop the folio
 * from the swap cache and free the slot): they are written after the
 * fault's record, so that a reader sees the fault of a slot before it
 * sees the slot freed.
 */
struct swapin_info {
	__u64 addr;
	__s64 swap_offset;
	__s32 swap_type;
	__s32 cache_hit;
	struct slot_range uncached, freed;
};

/*
 * With a filter: the slots holding a traced page (key: swap_type << 48 |
 * offset), whose later events are traced too, since they happen in
 * whatever task reclaims or frees them.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1 << 20);
	__type(key, __u64);
	__type(value, __u8);
} traced_slots SEC(".maps");

/* With -c: the processes seen in the cgroup, whose swap-outs kswapd reports. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} cgroup_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct swapin_info);
} pending_swapin SEC(".maps");

/*
 * Threads inside a file fault: mm_filemap_fault stores the thread's fault
 * count, which the fault's own accounting raises by one just before the
 * perf event, so a stale entry (a fault that ended otherwise) never matches.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} file_faults SEC(".maps");

/* The patched kernel's tracepoint record; ___hf keeps it apart from vmlinux.h. */
struct trace_event_raw_fetchbpf_swapin_fault___hf {
	unsigned long address;
	unsigned long swap_offset;
	unsigned int swap_type;
	int pid;		/* 0: another mm's task faulted (khugepaged, remote GUP) */
	bool cache_hit;
} __attribute__((preserve_access_index));

/* Patch 0014's slot tracepoints. */
struct trace_event_raw_fetchbpf_swap_out___hf {
	unsigned long address;
	unsigned long swap_offset;
	unsigned int swap_type;
	int pid;		/* the mm's owner; 0: unknown */
} __attribute__((preserve_access_index));

struct trace_event_raw_fetchbpf_swap_slots___hf {
	unsigned long swap_offset;
	unsigned int swap_type;
	unsigned int nr;
} __attribute__((preserve_access_index));

static __always_inline void count(__u32 slot)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &slot);

	if (c)
		(*c)++;
}

/* Is task in the cgroup (or below it)? Works for cgroup v2 and v1. */
static __always_inline bool in_cgroup(struct task_struct *task)
{
	struct css_set *cset = BPF_CORE_READ(task, cgroups);
	struct cgroup *cgrp = NULL, *anc;

	if (cgroup_hierarchy == 0) {
		cgrp = BPF_CORE_READ(cset, dfl_cgrp);
	} else {
		for (int i = 0; i < 16; i++) {
			struct cgroup_subsys_state *css;
			struct cgroup *c;

			if (i >= bpf_core_field_size(cset->subsys) / sizeof(void *))
				break;
			if (bpf_core_read(&css, sizeof(css), &cset->subsys[i]) || !css)
				continue;
			c = BPF_CORE_READ(css, cgroup);
			if (BPF_CORE_READ(c, root, hierarchy_id) == cgroup_hierarchy) {
				cgrp = c;
				break;
			}
		}
	}
	if (!cgrp || BPF_CORE_READ(cgrp, level) < cgroup_level)
		return false;
	if (bpf_core_read(&anc, sizeof(anc), &cgrp->ancestors[cgroup_level]) || !anc)
		return false;
	return BPF_CORE_READ(anc, kn, id) == cgroup_id;
}

static __always_inline struct cpu_state *this_cpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cpu_state, &zero);
}

static __always_inline bool traced(__u32 tgid, struct cpu_state *cs)
{
	__u32 gen;

	if (tgid == self_tgid)
		return false;
	if (!filter_pids && !filter_cgroup)
		return true;
	if (filter_pids && !filter_cgroup && cs) {
		/* Targets only: a verdict holds until a fork adds a target. */
		gen = READ_ONCE(targets_gen);
		if (cs->tgid != tgid || cs->gen != gen) {
			cs->traced = !!bpf_map_lookup_elem(&targets, &tgid);
			cs->tgid = tgid;
			cs->gen = gen;
		}
		return cs->traced;
	}
	if (filter_pids && bpf_map_lookup_elem(&targets, &tgid))
		return true;
	return filter_cgroup && in_cgroup((struct task_struct *)bpf_get_current_task());
}

/* Is a swap-out of process pid's page traced? kswapd reports it, not pid. */
static __always_inline bool owner_traced(__u32 pid)
{
	if (!pid || pid == self_tgid)
		return false;
	if (!filter_pids && !filter_cgroup)
		return true;
	return (filter_pids && bpf_map_lookup_elem(&targets, &pid)) ||
	       (filter_cgroup && bpf_map_lookup_elem(&cgroup_pids, &pid));
}

/* With -c -s, a process seen faulting in the cgroup has its swap-outs traced. */
static __always_inline void note_cgroup_pid(__u32 tgid)
{
	__u8 one = 1;

	if (slot_events && filter_cgroup && !bpf_map_lookup_elem(&cgroup_pids, &tgid))
		bpf_map_update_elem(&cgroup_pids, &tgid, &one, BPF_ANY);
}

static long vma_is_anon(struct task_struct *task, struct vm_area_struct *vma, void *anon)
{
	*(bool *)anon = !vma->vm_file;
	return 0;
}

static __always_inline __u64 task_faults(struct task_struct *task)
{
	return task->maj_flt + task->min_flt;
}

/* A major fault that did not go through filemap_fault() is a swap-in. */
static __always_inline bool major_is_swapin(struct task_struct *task, __u32 tid, __u64 addr)
{
	bool anon = false;
	__u64 *in_file;

	if (!filemap_tracepoint) {
		/* bpf_find_vma() costs ~10 us here: only where nothing else tells. */
		bpf_find_vma(task, addr, vma_is_anon, &anon, 0);
		return anon;
	}
	in_file = bpf_map_lookup_elem(&file_faults, &tid);
	return !in_file || *in_file + 1 != task_faults(task);
}

/* Hand e to the reader, waking it only once enough is pending. */
static __always_inline void submit(struct fbtrace_event *e, struct cpu_state *cs)
{
	__u64 wakeup = BPF_RB_NO_WAKEUP;

	if (!cs || ++cs->since_query >= QUERY_EVERY) {
		if (cs)
			cs->since_query = 0;
		if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
			wakeup = BPF_RB_FORCE_WAKEUP;
	}
	bpf_ringbuf_submit(e, wakeup);
}

/*
 * A slot record: nr slots from (type, offset), of the page at addr of
 * process pid for a swap-out; for the others pid, tid and comm are the
 * task it happened in.
 */
static __always_inline void emit_slot(__u8 kind, __u32 pid, __u32 tid, __u64 addr,
				      __u32 type, __u64 offset, __u32 nr,
				      struct cpu_state *cs)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fbtrace_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count(FBTRACE_LOST);
		return;
	}
	e->time_ns = bpf_ktime_get_ns();
	e->addr = addr;
	e->pid = pid;
	e->tid = tid;
	e->kind = kind;
	e->swap_type = type;
	e->swap_offset = offset;
	e->cache_hit = -1;
	e->nr = nr;
	__builtin_memcpy(e->comm, task->comm, sizeof(e->comm));
	submit(e, cs);
}

/* The events of the fault's own slot, held back until its record was written. */
static __always_inline void emit_deferred(struct swapin_info *si, __u32 tgid, __u32 tid,
					  struct cpu_state *cs)
{
	if (si->uncached.nr)
		emit_slot(SLOT_UNCACHE, tgid, tid, 0, si->swap_type, si->uncached.offset,
			  si->uncached.nr, cs);
	if (si->freed.nr)
		emit_slot(SLOT_FREE, tgid, tid, 0, si->swap_type, si->freed.offset,
			  si->freed.nr, cs);
}

static __always_inline int emit(__u64 addr, __u8 kind)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct cpu_state *cs = this_cpu();
	struct task_struct *task;
	struct swapin_info *si;
	struct fbtrace_event *e;

	if (!traced(tgid, cs))
		return 0;
	note_cgroup_pid(tgid);
	si = swapin_tracepoint ? bpf_map_lookup_elem(&pending_swapin, &tid) : NULL;
	if (si && si->addr >> PAGE_SHIFT != addr >> PAGE_SHIFT)
		si = NULL;
	if (kind == FBTRACE_MINOR && swapin_minor_only && !si)
		return 0;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(FBTRACE_LOST);
		goto out;
	}
	task = bpf_get_current_task_btf();
	e->time_ns = bpf_ktime_get_ns();
	e->addr = addr;
	e->pid = tgid;
	e->tid = tid;
	e->kind = kind;
	e->swap_type = -1;
	e->swap_offset = -1;
	e->cache_hit = -1;
	e->nr = 0;
	if (si) {
		e->kind = FBTRACE_SWAPIN;
		e->swap_type = si->swap_type;
		e->swap_offset = si->swap_offset;
		e->cache_hit = si->cache_hit;
	} else if (kind == FBTRACE_MAJOR && major_is_swapin(task, tid, addr)) {
		e->kind = FBTRACE_SWAPIN;
	}
	/* Two 8-byte loads; bpf_get_current_comm() costs ~80 ns a record. */
	__builtin_memcpy(e->comm, task->comm, sizeof(e->comm));
	submit(e, cs);
out:
	if (si) {
		emit_deferred(si, tgid, tid, cs);
		bpf_map_delete_elem(&pending_swapin, &tid);
	}
	return 0;
}

SEC("perf_event")
int on_major_fault(struct bpf_perf_event_data *ctx)
{
	return emit(ctx->addr, FBTRACE_MAJOR);
}

SEC("perf_event")
int on_minor_fault(struct bpf_perf_event_data *ctx)
{
	return emit(ctx->addr, FBTRACE_MINOR);
}

SEC("tracepoint/fetchbpf/fetchbpf_swapin_fault")
int on_swapin_fault(struct trace_event_raw_fetchbpf_swapin_fault___hf *tp)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct swapin_info si = {
		.addr = BPF_CORE_READ(tp, address),
		.swap_type = BPF_CORE_READ(tp, swap_type),
		.swap_offset = BPF_CORE_READ(tp, swap_offset),
		.cache_hit = BPF_CORE_READ(tp, cache_hit),
	};

	/* A fault on another process's behalf has no page-fault event to join. */
	if (BPF_CORE_READ(tp, pid) && traced(bpf_get_current_pid_tgid() >> 32, this_cpu()))
		bpf_map_update_elem(&pending_swapin, &tid, &si, BPF_ANY);
	return 0;
}

SEC("tracepoint/fetchbpf/fetchbpf_swap_out")
int on_swap_out(struct trace_event_raw_fetchbpf_swap_out___hf *tp)
{
	__u32 pid = BPF_CORE_READ(tp, pid), type = BPF_CORE_READ(tp, swap_type);
	__u64 offset = BPF_CORE_READ(tp, swap_offset), key = fbtrace_slot_key(type, offset);
	__u8 one = 1;

	if (!owner_traced(pid))
		return 0;
	if ((filter_pids || filter_cgroup) &&
	    bpf_map_update_elem(&traced_slots, &key, &one, BPF_ANY))
		count(FBTRACE_SLOTS_UNTRACKED);
	emit_slot(SLOT_SWAPOUT, pid, pid, BPF_CORE_READ(tp, address), type, offset, 1,
		  this_cpu());
	return 0;
}

/*
 * A slot event of nr slots from (type, offset): traced if the first slot
 * held a traced page (a folio's slots are swapped out together). Inside
 * the fault of its own slot, it waits for the fault's record.
 */
static __always_inline void slot_event(__u8 kind, struct trace_event_raw_fetchbpf_swap_slots___hf *tp)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, type = BPF_CORE_READ(tp, swap_type);
	__u32 nr = BPF_CORE_READ(tp, nr);
	__u64 offset = BPF_CORE_READ(tp, swap_offset), key = fbtrace_slot_key(type, offset);
	struct swapin_info *si;

	if ((filter_pids || filter_cgroup) && !bpf_map_lookup_elem(&traced_slots, &key))
		return;
	if (kind == SLOT_FREE && (filter_pids || filter_cgroup))
		bpf_map_delete_elem(&traced_slots, &key);
	si = swapin_tracepoint ? bpf_map_lookup_elem(&pending_swapin, &tid) : NULL;
	if (si && si->swap_type == type && si->swap_offset >= offset &&
	    si->swap_offset < offset + nr) {
		struct slot_range *r = kind == SLOT_UNCACHE ? &si->uncached : &si->freed;

		r->offset = offset;
		r->nr = nr;
		return;
	}
	emit_slot(kind, id >> 32, tid, 0, type, offset, nr, this_cpu());
}

SEC("tracepoint/fetchbpf/fetchbpf_swap_uncache")
int on_swap_uncache(struct trace_event_raw_fetchbpf_swap_slots___hf *tp)
{
	slot_event(SLOT_UNCACHE, tp);
	return 0;
}

SEC("tracepoint/fetchbpf/fetchbpf_swap_slot_free")
int on_swap_slot_free(struct trace_event_raw_fetchbpf_swap_slots___hf *tp)
{
	slot_event(SLOT_FREE, tp);
	return 0;
}

SEC("raw_tp/mm_filemap_fault")
int on_filemap_fault(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	__u64 faults;

	if (!traced(id >> 32, this_cpu()))
		return 0;
	faults = task_faults(bpf_get_current_task_btf());
	bpf_map_update_elem(&file_faults, &tid, &faults, BPF_ANY);
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	__u8 one = 1;

	if (follow_forks && ctgid != ptgid && bpf_map_lookup_elem(&targets, &ptgid) &&
	    !bpf_map_update_elem(&targets, &ctgid, &one, BPF_NOEXIST))
		__sync_fetch_and_add(&targets_gen, 1);	/* cached verdicts are stale */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
