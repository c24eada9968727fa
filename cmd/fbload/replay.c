// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "replay.h"

/*
 * The buffer: pages in one node array, each on up to two exact LRU lists
 * of their own capacities: the buffer's, and the resident model's of a
 * lane, so that one lookup tells a fault or a request whether its page
 * is buffered and whether it is resident (two tables took up to six).
 * Memory is fixed by the two capacities.
 *
 * Nodes are found through a table of 32-byte buckets of 3 entries, at
 * most half full: the tag of each entry's hash beside its node index, so
 * that probing past other keys never touches their nodes. An entry goes
 * to the first bucket from its home with room, and each full bucket it
 * passes counts it, so that a lookup stops at the first bucket that no
 * entry passed and a deletion just clears its slot. Linear probing's
 * deletion, which moved the entries after it back one by one, and its
 * probe loops were mostly mispredicted branches: most of a replay of
 * random faults.
 */
enum lru { LRU_BUF, LRU_RES, LRU_COUNT };

/* For the per-record helpers: their calls and register saves were 7% of a replay. */
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

struct pbuf_node {
	uint64_t page;
	uint32_t pid;
	uint32_t claim;			/* generation of the last pbuf_claim() */
	uint32_t prev[LRU_COUNT];	/* OFF: not on that list */
	uint32_t next[LRU_COUNT];	/* NIL-terminated; next[0]: the free list */
};

#define NIL UINT32_MAX
#define OFF (UINT32_MAX - 1)

#define SLOTS 3			/* a bucket's entries */

/* 32 bytes: two to a cache line, one line per probe. */
struct pbuf_bucket {
	uint32_t tag[SLOTS];		/* of the key's hash; 0: empty slot */
	uint32_t node[SLOTS];
	uint64_t passed;		/* entries past this bucket from a home at or before it */
};

struct pbuf_lru {
	uint32_t head, tail;		/* head: most recent */
	uint32_t size, capacity;
};

struct pbuf {
	struct pbuf_lru lru[LRU_COUNT];
	uint32_t free;			/* unused nodes, through next[0] */
	uint32_t mask;			/* buckets - 1 */
	struct pbuf_bucket *table;
	struct pbuf_node *node;
};

static inline uint64_t key_hash(uint64_t page, uint32_t pid)
{
	return (page ^ ((uint64_t)pid << 40)) * 0x9E3779B97F4A7C15ULL;
}

/* The key's home bucket: from the high bits, which mix all of the key's. */
static inline uint32_t hash_home(const struct pbuf *b, uint64_t h)
{
	return (h >> 32) & b->mask;
}

/* The key's tag; never 0, so that it matches no empty slot. */
static inline uint32_t hash_tag(uint64_t h)
{
	return h >> 32 | 1;
}

/* Zeroed and cache-line aligned, so that no bucket or node straddles two lines. */
static void *zalloc_lines(size_t size)
{
	void *p;

	size = (size + 63) & ~(size_t)63;	/* aligned_alloc() wants a multiple */
	p = aligned_alloc(64, size);
	if (p)
		memset(p, 0, size);
	return p;
}

/*
 * capacity pages in the buffer, resident in the resident list (0: none),
 * with room for twice as many keys there: a fault's page and its slot.
 */
static struct pbuf *pbuf_alloc(uint32_t capacity, uint32_t resident)
{
	struct pbuf *b = calloc(1, sizeof(*b));
	uint64_t nodes = (uint64_t)capacity + 2ULL * resident, buckets = 1;

	if (!b || !capacity || nodes > (1U << 30))
		goto fail;
	while (buckets * SLOTS < 2 * nodes)	/* at most half full */
		buckets <<= 1;
	b->mask = buckets - 1;
	b->table = zalloc_lines(buckets * sizeof(*b->table));
	b->node = zalloc_lines(nodes * sizeof(*b->node));
	if (!b->table || !b->node)
		goto fail;
	for (int l = 0; l < LRU_COUNT; l++)
		b->lru[l].head = b->lru[l].tail = NIL;
	b->lru[LRU_BUF].capacity = capacity;
	b->lru[LRU_RES].capacity = resident;
	for (uint32_t i = 0; i < nodes; i++) {
		b->node[i].prev[LRU_BUF] = b->node[i].prev[LRU_RES] = OFF;
		b->node[i].next[0] = i + 1 < nodes ? i + 1 : NIL;
	}
	b->free = 0;
	return b;
fail:
	pbuf_free(b);
	errno = ENOMEM;
	return NULL;
}

struct pbuf *pbuf_new(uint32_t capacity)
{
	return pbuf_alloc(capacity, 0);
}

void pbuf_free(struct pbuf *b)
{
	if (!b)
		return;
	free(b->table);
	free(b->node);
	free(b);
}

uint32_t pbuf_size(const struct pbuf *b)
{
	return b->lru[LRU_BUF].size;
}

static inline bool on_list(const struct pbuf *b, uint32_t n, enum lru l)
{
	return b->node[n].prev[l] != OFF;
}

/* The node with the key (hash h), or NIL. */
static inline uint32_t lookup(const struct pbuf *b, uint64_t page, uint32_t pid, uint64_t h)
{
	uint32_t tag = hash_tag(h);

	for (uint32_t i = hash_home(b, h);; i = (i + 1) & b->mask) {
		const struct pbuf_bucket *k = &b->table[i];

#pragma GCC unroll 4
		for (int j = 0; j < SLOTS; j++) {
			uint32_t n = k->node[j];

			if (k->tag[j] == tag && b->node[n].page == page && b->node[n].pid == pid)
				return n;
		}
		if (!k->passed)
			return NIL;
	}
}

/* Bit j: slot j of the bucket has this tag (0: is empty). */
static inline unsigned int tag_slots(const struct pbuf_bucket *k, uint32_t tag)
{
	unsigned int m = 0;

#pragma GCC unroll 4
	for (int j = 0; j < SLOTS; j++)
		m |= (unsigned int)(k->tag[j] == tag) << j;
	return m;
}

/* Enter node n (hash h) in the first bucket from its home with room. */
static __always_inline void table_put(struct pbuf *b, uint32_t n, uint64_t h)
{
	uint32_t i = hash_home(b, h);
	unsigned int empty, j;

	while (!(empty = tag_slots(&b->table[i], 0))) {
		b->table[i].passed++;
		i = (i + 1) & b->mask;
	}
	j = __builtin_ctz(empty);
	b->table[i].tag[j] = hash_tag(h);
	b->table[i].node[j] = n;
}

/* Take node n's entry out of the table. */
static __always_inline void table_del(struct pbuf *b, uint32_t n)
{
	uint64_t h = key_hash(b->node[n].page, b->node[n].pid);
	uint32_t i = hash_home(b, h), tag = hash_tag(h);
	unsigned int at;

	/* Which slot, found without a branch per slot: one would mispredict. */
	for (;; i = (i + 1) & b->mask) {
		struct pbuf_bucket *k = &b->table[i];

		at = 0;
#pragma GCC unroll 4
		for (int j = 0; j < SLOTS; j++)
			at |= (unsigned int)((k->tag[j] == tag) & (k->node[j] == n)) << j;
		if (at)
			break;
		k->passed--;
	}
	b->table[i].tag[__builtin_ctz(at)] = 0;
}

static __always_inline void lru_unlink(struct pbuf *b, enum lru l, uint32_t n)
{
	struct pbuf_node *x = &b->node[n];
	struct pbuf_lru *q = &b->lru[l];

	if (x->prev[l] != NIL)
		b->node[x->prev[l]].next[l] = x->next[l];
	else
		q->head = x->next[l];
	if (x->next[l] != NIL)
		b->node[x->next[l]].prev[l] = x->prev[l];
	else
		q->tail = x->prev[l];
	x->prev[l] = OFF;
	q->size--;
}

static __always_inline void lru_push_front(struct pbuf *b, enum lru l, uint32_t n)
{
	struct pbuf_node *x = &b->node[n];
	struct pbuf_lru *q = &b->lru[l];

	x->prev[l] = NIL;
	x->next[l] = q->head;
	if (q->head != NIL)
		b->node[q->head].prev[l] = n;
	else
		q->tail = n;
	q->head = n;
	q->size++;
}

static inline void lru_touch(struct pbuf *b, enum lru l, uint32_t n)
{
	if (b->lru[l].head == n)
		return;
	lru_unlink(b, l, n);
	lru_push_front(b, l, n);
}

/* Node n is on no list any more: out of the table, back to the free list. */
static __always_inline void node_free(struct pbuf *b, uint32_t n)
{
	table_del(b, n);
	b->node[n].next[0] = b->free;
	b->free = n;
}

/* Take node n off list l, and free it if no list holds it now. */
static inline void lru_remove(struct pbuf *b, enum lru l, uint32_t n)
{
	lru_unlink(b, l, n);
	if (!on_list(b, n, !l))
		node_free(b, n);
}

/* Room for one more page on list l: its least recently used page leaves. */
static inline void lru_make_room(struct pbuf *b, enum lru l)
{
	uint32_t n = b->lru[l].tail;

	if (b->lru[l].size == b->lru[l].capacity)
		lru_remove(b, l, n);
}

/*
 * A node for a key (hash h) not in the table, on no list yet. The caller
 * made room on the list it goes to: then a node is free, as every node in
 * use is on a list.
 */
static __always_inline uint32_t node_new(struct pbuf *b, uint64_t page, uint32_t pid,
					 uint64_t h)
{
	uint32_t n = b->free;
	struct pbuf_node *x = &b->node[n];

	b->free = x->next[0];
	x->page = page;
	x->pid = pid;
	table_put(b, n, h);
	return n;
}

/*
 * Put the key (hash h, node n or NIL) at the front of the buffer: 1 when
 * it was not buffered, 0 when it was.
 */
static __always_inline int buf_add(struct pbuf *b, uint64_t page, uint32_t pid, uint64_t h,
				   uint32_t n, uint64_t *evicted)
{
	if (n != NIL && on_list(b, n, LRU_BUF)) {
		lru_touch(b, LRU_BUF, n);
		return 0;
	}
	if (b->lru[LRU_BUF].size == b->lru[LRU_BUF].capacity)
		(*evicted)++;
	lru_make_room(b, LRU_BUF);
	if (n == NIL)
		n = node_new(b, page, pid, h);
	b->node[n].claim = 0;
	lru_push_front(b, LRU_BUF, n);
	return 1;
}

/* The node buffered with key k, or NIL. */
static inline uint32_t buf_find(const struct pbuf *b, struct pbuf_key k)
{
	uint32_t n = lookup(b, k.page, k.pid, key_hash(k.page, k.pid));

	return n != NIL && on_list(b, n, LRU_BUF) ? n : NIL;
}

bool pbuf_contains(const struct pbuf *b, struct pbuf_key k)
{
	return buf_find(b, k) != NIL;
}

bool pbuf_take(struct pbuf *b, struct pbuf_key k)
{
	uint32_t n = buf_find(b, k);

	if (n == NIL)
		return false;
	lru_remove(b, LRU_BUF, n);
	return true;
}

static inline bool buf_claim(struct pbuf *b, struct pbuf_key k, uint32_t gen)
{
	uint32_t n = buf_find(b, k);

	if (n == NIL || b->node[n].claim == gen)
		return false;
	b->node[n].claim = gen;
	return true;
}

bool pbuf_claim(struct pbuf *b, struct pbuf_key k, uint32_t gen)
{
	return buf_claim(b, k, gen);
}

int pbuf_insert(struct pbuf *b, struct pbuf_key k, uint64_t *evicted)
{
	uint64_t h = key_hash(k.page, k.pid);

	return buf_add(b, k.page, k.pid, h, lookup(b, k.page, k.pid, h), evicted);
}

/* ---- lanes ---- */

int replay_lane_init(struct replay_lane *l, const char *name, replay_run_fn run, void *ctx,
		     struct fb_replay_batch *batch, uint32_t capacity, uint32_t resident)
{
	memset(l, 0, sizeof(*l));
	l->name = name;
	l->run = run;
	l->ctx = ctx;
	l->batch = batch;
	l->buf = pbuf_alloc(capacity, resident);
	l->resident = resident;
	if (!l->buf) {
		replay_lane_free(l);
		return -ENOMEM;
	}
	return 0;
}

void replay_lane_free(struct replay_lane *l)
{
	pbuf_free(l->buf);
	l->buf = NULL;
	replay_slots_free(l->table);
	l->table = NULL;
}

static inline uint64_t vpage(uint64_t addr)
{
	return replay_vpage(addr);
}

static inline uint64_t ppage(int64_t off)
{
	return FB_REPLAY_PHYS | ((uint64_t)off & FB_REPLAY_PAGE_MASK);
}

/* ---- the slots the table knows ---- */

/*
 * Out of line and cold: inlined, the slot rules grew the per-record loop
 * that slot-less traces run (callgrind: +1.9 % instructions for leap on a
 * sequential trace, +0.9 % now).
 */
#define __slot_path __attribute__((noinline, cold))

static inline struct pbuf_key slot_key(const struct replay_slot *s)
{
	return (struct pbuf_key){ .page = ppage(s->offset) };
}

/* Does slot s hold page (pid, page), as far as the table knows? */
static inline bool slot_holds(const struct replay_slot *s, uint32_t pid, uint64_t page)
{
	return !s->has_page || (s->pid == pid && s->page == page);
}

/* The slot of r's page when the table knows it, else NULL. */
static __slot_path struct replay_slot *fault_slot(const struct replay_lane *l,
						  const struct fault_record *r)
{
	struct replay_slot *s;

	if (r->swap_offset >= 0)
		return replay_slot_find(l->table, r->swap_type, r->swap_offset);
	replay_slots_page_state(l->table, r->pid, vpage(r->addr), &s);
	return s;
}

/* r's hint from the table: its page buffered, in the swap cache, or neither. */
static __slot_path uint32_t slot_flags(struct replay_lane *l, const struct fault_record *r,
				       const struct replay_slot *s)
{
	uint64_t page = vpage(r->addr);

	if (buf_claim(l->buf, (struct pbuf_key){ page, r->pid }, l->gen) ||
	    (slot_holds(s, r->pid, page) && buf_claim(l->buf, slot_key(s), l->gen)))
		return FB_REPLAY_BUFFERED;
	return s->state == REPLAY_SLOT_CACHED ? FB_REPLAY_CACHED : 0;
}

/*
 * A fault on a slot the table knows: a hit when its page is buffered
 * (by page, or by slot while the slot holds it: a slot reused by another
 * page gives none); then the slot holds the page, mapped.
 */
static __slot_path bool slot_fault(struct replay_lane *l, const struct fault_record *r,
				   struct replay_slot *s)
{
	uint64_t page = vpage(r->addr);
	bool hit = pbuf_take(l->buf, (struct pbuf_key){ page, r->pid }) ||
		   (slot_holds(s, r->pid, page) && pbuf_take(l->buf, slot_key(s)));

	if (replay_slots_fault(l->table, s, r->pid, page))
		l->err = -ENOMEM;
	return hit;
}

/*
 * A request the table can judge, as fetchbpf_resolve() and
 * fetchbpf_read_ahead() do: false for a page of a process without
 * swapout records, which the model without slots judges. A read page is buffered by its slot, so that a later request by
 * page or by slot finds it.
 */
static __slot_path bool slot_request(struct replay_lane *l, const struct fault_record *r,
				     uint64_t v)
{
	struct replay_stats *st = &l->st;
	enum replay_slot_state state;
	struct replay_slot *s;

	if (v & FB_REPLAY_PHYS) {
		int64_t off = v & FB_REPLAY_PAGE_MASK;

		if (!off) {		/* the swap header, never a page */
			st->rejected++;
			return true;
		}
		/*
		 * A slot no record named is free: fbtrace -s names every slot
		 * its traced processes use. Unless a process outside the trace
		 * holds it, whose page the kernel would read.
		 */
		s = replay_slot_find(l->table, r->swap_type, off);
		state = s ? s->state : REPLAY_SLOT_FREE;
	} else {
		state = replay_slots_page_state(l->table, r->pid, v & FB_REPLAY_PAGE_MASK, &s);
	}
	if (state == REPLAY_SLOT_UNKNOWN)
		return false;
	if (state == REPLAY_SLOT_FREE || state == REPLAY_SLOT_MAPPED)
		st->rejected++;
	else if (state == REPLAY_SLOT_CACHED ||
		 (s->has_page && pbuf_contains(l->buf, (struct pbuf_key){ s->page, s->pid })))
		st->redundant++;
	else if (pbuf_insert(l->buf, slot_key(s), &st->evicted))
		st->prefetched++;
	else
		st->redundant++;
	return true;
}

/* Key k leaves the buffer unused, if there. */
static void evict(struct replay_lane *l, struct pbuf_key k)
{
	l->st.evicted += pbuf_take(l->buf, k);
}

int replay_lane_slot(struct replay_lane *l, const struct fault_record *r)
{
	struct replay_slot *s;

	if (!l->table && !(l->table = replay_slots_new()))
		return -ENOMEM;
	/* what the slot held leaves the swap cache (uncache, slotfree) or is replaced */
	if (r->swap_offset >= 0) {
		evict(l, (struct pbuf_key){ .page = ppage(r->swap_offset) });
		s = replay_slot_find(l->table, r->swap_type, r->swap_offset);
		if (s && s->has_page)
			evict(l, (struct pbuf_key){ s->page, s->pid });
	}
	/* a page swapped out was mapped: no read-ahead copy of it stands */
	if (r->kind == SLOT_SWAPOUT)
		evict(l, (struct pbuf_key){ vpage(r->addr), r->pid });
	return replay_slots_apply(l->table, r);
}

/* ---- the batch ---- */

/* r's "buffered" hint without slot knowledge. */
static inline uint32_t buffered_flag(struct replay_lane *l, const struct fault_record *r)
{
	return buf_claim(l->buf, (struct pbuf_key){ vpage(r->addr), r->pid }, l->gen) ||
	       (r->swap_offset >= 0 &&
		buf_claim(l->buf, (struct pbuf_key){ .page = ppage(r->swap_offset) }, l->gen)) ?
	       FB_REPLAY_BUFFERED : 0;
}

/* r's hint, the table asked first when there is one. */
static __slot_path uint32_t table_flags(struct replay_lane *l, const struct fault_record *r)
{
	const struct replay_slot *s = fault_slot(l, r);

	return s ? slot_flags(l, r, s) : buffered_flag(l, r);
}

/* The batch's records and their hints, as the policy reads them. */
static void fill_batch(struct replay_lane *l, const struct fault_record *recs, uint32_t n)
{
	struct fb_replay_batch *b = l->batch;
	bool table = l->table;

	for (uint32_t i = 0; i < n; i++) {
		const struct fault_record *r = &recs[i];

		b->in[i].addr = r->addr;
		b->in[i].swap_offset = r->swap_offset;
		b->in[i].pid = r->pid;
		b->in[i].flags = table ? table_flags(l, r) : buffered_flag(l, r);
	}
	b->n_in = n;
	b->n_out = 0;
}

/* Key (page, pid; hash h; node n or NIL) is the most recently faulted. */
static void resident_touch(struct pbuf *b, uint64_t page, uint32_t pid, uint64_t h, uint32_t n)
{
	if (n != NIL && on_list(b, n, LRU_RES)) {
		lru_touch(b, LRU_RES, n);
		return;
	}
	lru_make_room(b, LRU_RES);
	if (n == NIL)
		n = node_new(b, page, pid, h);
	lru_push_front(b, LRU_RES, n);
}

/*
 * The fault on r's page: a hit when buffered (the page leaves the
 * buffer), and with a resident model the page is now the most recently
 * faulted one, and so is its swap slot: its page is mapped now, so a
 * request for the slot would read nothing new (the kernel finds the page
 * in the swap cache, or the slot freed), and is rejected as a request
 * for the page is. The model then holds a page and a slot per fault.
 */
static bool fault(struct replay_lane *l, const struct fault_record *r)
{
	struct pbuf *b = l->buf;
	uint64_t page = vpage(r->addr), h = key_hash(page, r->pid);
	uint32_t n;
	bool hit;

	if (l->table) {
		struct replay_slot *s = fault_slot(l, r);

		if (s)
			return slot_fault(l, r, s);
	}
	n = lookup(b, page, r->pid, h);
	hit = n != NIL && on_list(b, n, LRU_BUF);
	if (hit)
		lru_unlink(b, LRU_BUF, n);
	else if (r->swap_offset >= 0)
		hit = pbuf_take(b, (struct pbuf_key){ .page = ppage(r->swap_offset) });
	if (!l->resident) {
		if (n != NIL && !on_list(b, n, LRU_BUF))	/* taken */
			node_free(b, n);
		return hit;
	}
	if (r->swap_offset >= 0 && !l->slots) {	/* from now on, two keys per fault */
		l->slots = true;
		b->lru[LRU_RES].capacity = 2 * l->resident;
	}
	resident_touch(b, page, r->pid, h, n);
	if (r->swap_offset >= 0) {
		uint64_t sp = ppage(r->swap_offset), sh = key_hash(sp, 0);

		resident_touch(b, sp, 0, sh, lookup(b, sp, 0, sh));
	}
	return hit;
}

/* One request of r's miss, with the fault's own page and slot left out. */
static void request(struct replay_lane *l, const struct fault_record *r, uint64_t v)
{
	struct replay_stats *st = &l->st;
	struct pbuf *b = l->buf;
	uint64_t page = v & FB_REPLAY_PHYS ? ppage(v) : v & FB_REPLAY_PAGE_MASK, h;
	uint32_t pid = v & FB_REPLAY_PHYS ? 0 : r->pid, n;

	if (l->table && slot_request(l, r, v))
		return;
	if ((pid == (uint32_t)r->pid && page == vpage(r->addr)) ||
	    (r->swap_offset >= 0 && !pid && page == ppage(r->swap_offset))) {
		st->redundant++;
		return;
	}
	h = key_hash(page, pid);
	n = lookup(b, page, pid, h);
	if (n != NIL && on_list(b, n, LRU_RES))
		st->rejected++;
	else if (buf_add(b, page, pid, h, n, &st->evicted))
		st->prefetched++;
	else
		st->redundant++;
}

int replay_lane_batch(struct replay_lane *l, const struct fault_record *recs, uint32_t n)
{
	struct fb_replay_batch *b = l->batch;
	struct replay_stats *st = &l->st;
	uint32_t o = 0, n_out;
	int err;

	if (n > FB_REPLAY_BATCH)
		return -EINVAL;
	if (++l->gen == 0)
		l->gen = 1;
	fill_batch(l, recs, n);
	err = l->run(l->ctx, b);
	if (err)
		return err;

	n_out = b->n_out < FB_REPLAY_OUT ? b->n_out : FB_REPLAY_OUT;
	for (uint32_t i = 0; i < n; i++) {
		const struct fault_record *r = &recs[i];
		bool hit = fault(l, r);
		uint32_t nreq = b->nreq[i];

		st->faults++;
		st->hits += hit;
		st->feedback_diff += hit != !!b->hit[i];
		if (l->on_record)
			l->on_record(l->record_ctx, r, hit, (const uint64_t *)&b->out[o],
				     o + nreq <= b->n_out ? nreq : b->n_out - o);
		for (uint32_t j = 0; j < nreq && o < n_out; j++, o++)
			request(l, r, b->out[o]);
	}
	return l->err;
}
