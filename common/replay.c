// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "replay.h"

/*
 * The buffer: pages in one node array, found through an open-addressing
 * table (linear probing, backward-shift deletion, at most half full). A
 * table slot holds the key's hash beside the node index, so that probing
 * past other keys and moving entries on deletion never touch their nodes.
 *
 * A lane's resident model lives in its buffer's table: a node is on the
 * buffer's LRU list, on the resident one, or on both, each list an exact
 * LRU of its own capacity. One lookup then tells a fault or a request
 * whether its page is buffered and whether it is resident, where two
 * tables took up to six (the resident model's insert per fault evicted
 * and probed again). Memory is fixed by the two capacities.
 */
enum lru { LRU_BUF, LRU_RES, LRU_COUNT };

struct pbuf_node {
	uint64_t page;
	uint32_t pid;
	uint32_t claim;			/* generation of the last pbuf_claim() */
	uint32_t prev[LRU_COUNT];	/* OFF: not on that list */
	uint32_t next[LRU_COUNT];	/* NIL-terminated; next[0]: the free list */
};

#define NIL UINT32_MAX
#define OFF (UINT32_MAX - 1)

struct pbuf_lru {
	uint32_t head, tail;		/* head: most recent */
	uint32_t size, capacity;
};

struct pbuf {
	struct pbuf_lru lru[LRU_COUNT];
	uint32_t free;			/* unused nodes, through next[0] */
	uint32_t mask;			/* table size - 1 */
	uint64_t *table;		/* hash << 32 | node index + 1; 0: empty */
	struct pbuf_node *node;
};

static inline uint32_t key_hash(uint64_t page, uint32_t pid)
{
	uint64_t h = (page ^ ((uint64_t)pid << 40)) * 0x9E3779B97F4A7C15ULL;

	return h >> 32;
}

/* capacity pages in the buffer, resident in the resident list (0: none). */
static struct pbuf *pbuf_alloc(uint32_t capacity, uint32_t resident)
{
	struct pbuf *b = calloc(1, sizeof(*b));
	uint64_t nodes = (uint64_t)capacity + resident;
	uint32_t slots = 2;

	if (!b || !capacity || nodes > (1U << 30))
		goto fail;
	while (slots < 2 * nodes)
		slots <<= 1;
	b->mask = slots - 1;
	b->table = calloc(slots, sizeof(*b->table));
	b->node = calloc(nodes, sizeof(*b->node));
	if (!b->table || !b->node)
		goto fail;
	for (int l = 0; l < LRU_COUNT; l++)
		b->lru[l].head = b->lru[l].tail = NIL;
	b->lru[LRU_BUF].capacity = capacity;
	b->lru[LRU_RES].capacity = resident;
	for (uint32_t i = 0; i < nodes; i++)
		b->node[i].next[0] = i + 1 < nodes ? i + 1 : NIL;
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

static inline uint32_t slot_node(uint64_t slot)
{
	return (uint32_t)slot - 1;
}

static inline bool on_list(const struct pbuf *b, uint32_t n, enum lru l)
{
	return b->node[n].prev[l] != OFF;
}

/* The table slot holding the key (hash h), or the empty slot where it would go. */
static inline uint32_t find_slot(const struct pbuf *b, uint64_t page, uint32_t pid, uint32_t h)
{
	uint32_t i = h & b->mask;

	for (uint64_t t; (t = b->table[i]); i = (i + 1) & b->mask) {
		const struct pbuf_node *x = &b->node[slot_node(t)];

		if (t >> 32 == h && x->page == page && x->pid == pid)
			break;
	}
	return i;
}

/* The node in slot i, or NIL for an empty slot. */
static inline uint32_t slot_get(const struct pbuf *b, uint32_t i)
{
	return b->table[i] ? slot_node(b->table[i]) : NIL;
}

/* The table slot pointing at node n (which is in the table). */
static uint32_t node_slot(const struct pbuf *b, uint32_t n)
{
	const struct pbuf_node *x = &b->node[n];
	uint32_t i = key_hash(x->page, x->pid) & b->mask;

	while (slot_node(b->table[i]) != n)
		i = (i + 1) & b->mask;
	return i;
}

static void table_delete(struct pbuf *b, uint32_t i)
{
	uint32_t j = i;

	b->table[i] = 0;
	for (;;) {
		uint32_t home;

		j = (j + 1) & b->mask;
		if (!b->table[j])
			return;
		home = (b->table[j] >> 32) & b->mask;
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			b->table[i] = b->table[j];
			b->table[j] = 0;
			i = j;
		}
	}
}

static void lru_unlink(struct pbuf *b, enum lru l, uint32_t n)
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

static void lru_push_front(struct pbuf *b, enum lru l, uint32_t n)
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

/* Give node n, on no list any more and in table slot i, back. */
static void node_release(struct pbuf *b, uint32_t n, uint32_t i)
{
	table_delete(b, i);
	b->node[n].next[0] = b->free;
	b->free = n;
}

/*
 * Room for one more page on list l: its least recently used page leaves
 * (and the table, unless the other list holds it). True when the table
 * changed, so that a slot found before is stale.
 */
static bool lru_make_room(struct pbuf *b, enum lru l)
{
	uint32_t n = b->lru[l].tail;

	if (b->lru[l].size < b->lru[l].capacity)
		return false;
	lru_unlink(b, l, n);
	if (on_list(b, n, !l))
		return false;
	node_release(b, n, node_slot(b, n));
	return true;
}

/*
 * A node for a key not in the table, at its empty slot i (or, if
 * stale, after it: no key between its home and the first empty slot is
 * ours). Its list must have room: then a node is free, as every node in
 * use is on a list.
 */
static uint32_t node_new(struct pbuf *b, uint64_t page, uint32_t pid, uint32_t h, uint32_t i,
			 bool stale)
{
	uint32_t n = b->free;
	struct pbuf_node *x = &b->node[n];

	b->free = x->next[0];
	x->page = page;
	x->pid = pid;
	x->claim = 0;
	x->prev[LRU_BUF] = x->prev[LRU_RES] = OFF;
	if (stale)
		for (i = h & b->mask; b->table[i]; i = (i + 1) & b->mask)
			;
	b->table[i] = (uint64_t)h << 32 | (n + 1);
	return n;
}

/*
 * Put the key (hash h, node n or NIL, table slot i) at the front of the
 * buffer: 1 when it was not buffered, 0 when it was.
 */
static int buf_add(struct pbuf *b, uint64_t page, uint32_t pid, uint32_t h, uint32_t n,
		   uint32_t i, uint64_t *evicted)
{
	bool stale;

	if (n != NIL && on_list(b, n, LRU_BUF)) {
		lru_touch(b, LRU_BUF, n);
		return 0;
	}
	if (b->lru[LRU_BUF].size == b->lru[LRU_BUF].capacity)
		(*evicted)++;
	stale = lru_make_room(b, LRU_BUF);
	if (n == NIL)
		n = node_new(b, page, pid, h, i, stale);
	b->node[n].claim = 0;
	lru_push_front(b, LRU_BUF, n);
	return 1;
}

bool pbuf_contains(const struct pbuf *b, struct pbuf_key k)
{
	uint32_t n = slot_get(b, find_slot(b, k.page, k.pid, key_hash(k.page, k.pid)));

	return n != NIL && on_list(b, n, LRU_BUF);
}

bool pbuf_take(struct pbuf *b, struct pbuf_key k)
{
	uint32_t i = find_slot(b, k.page, k.pid, key_hash(k.page, k.pid)), n = slot_get(b, i);

	if (n == NIL || !on_list(b, n, LRU_BUF))
		return false;
	lru_unlink(b, LRU_BUF, n);
	if (!on_list(b, n, LRU_RES))
		node_release(b, n, i);
	return true;
}

bool pbuf_claim(struct pbuf *b, struct pbuf_key k, uint32_t gen)
{
	uint32_t n = slot_get(b, find_slot(b, k.page, k.pid, key_hash(k.page, k.pid)));
	struct pbuf_node *x;

	if (n == NIL || !on_list(b, n, LRU_BUF))
		return false;
	x = &b->node[n];
	if (x->claim == gen)
		return false;
	x->claim = gen;
	return true;
}

int pbuf_insert(struct pbuf *b, struct pbuf_key k, uint64_t *evicted)
{
	uint32_t h = key_hash(k.page, k.pid), i = find_slot(b, k.page, k.pid, h);

	return buf_add(b, k.page, k.pid, h, slot_get(b, i), i, evicted);
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
}

static inline uint64_t vpage(uint64_t addr)
{
	return (addr >> 12) & FB_REPLAY_PAGE_MASK;
}

static inline uint64_t ppage(int64_t off)
{
	return FB_REPLAY_PHYS | ((uint64_t)off & FB_REPLAY_PAGE_MASK);
}

/* The batch's records and their "buffered" hints, as the policy reads them. */
static void fill_batch(struct replay_lane *l, const struct fault_record *recs, uint32_t n)
{
	struct fb_replay_batch *b = l->batch;

	for (uint32_t i = 0; i < n; i++) {
		const struct fault_record *r = &recs[i];
		uint32_t pid = r->pid;
		struct pbuf_key fk = { .page = vpage(r->addr), .pid = pid };
		bool buffered = pbuf_claim(l->buf, fk, l->gen) ||
				(r->swap_offset >= 0 &&
				 pbuf_claim(l->buf, (struct pbuf_key){ .page = ppage(r->swap_offset) },
					    l->gen));

		b->in[i].addr = r->addr;
		b->in[i].swap_offset = r->swap_offset;
		b->in[i].pid = pid;
		b->in[i].flags = buffered ? FB_REPLAY_BUFFERED : 0;
	}
	b->n_in = n;
	b->n_out = 0;
}

/*
 * The fault on r's page: a hit when buffered (the page leaves the
 * buffer), and with a resident model the page is now the most recently
 * faulted one. Both through the one lookup of the page.
 */
static bool fault(struct replay_lane *l, const struct fault_record *r)
{
	struct pbuf *b = l->buf;
	uint64_t page = vpage(r->addr);
	uint32_t pid = r->pid, h = key_hash(page, pid);
	uint32_t i = find_slot(b, page, pid, h), n = slot_get(b, i);
	bool hit = n != NIL && on_list(b, n, LRU_BUF), moved = false;

	if (hit)
		lru_unlink(b, LRU_BUF, n);
	else if (r->swap_offset >= 0)	/* releasing the slot's node moves entries */
		moved = hit = pbuf_take(b, (struct pbuf_key){ .page = ppage(r->swap_offset) });
	if (!l->resident) {
		if (n != NIL && !on_list(b, n, LRU_BUF))	/* taken: slot i is current */
			node_release(b, n, i);
		return hit;
	}
	if (n != NIL && on_list(b, n, LRU_RES)) {
		lru_touch(b, LRU_RES, n);
		return hit;
	}
	moved |= lru_make_room(b, LRU_RES);
	if (n == NIL)
		n = node_new(b, page, pid, h, i, moved);
	lru_push_front(b, LRU_RES, n);
	return hit;
}

/* One request of r's miss, with the fault's own page and slot left out. */
static void request(struct replay_lane *l, const struct fault_record *r, uint64_t v)
{
	struct replay_stats *st = &l->st;
	struct pbuf *b = l->buf;
	uint64_t page = v & FB_REPLAY_PHYS ? ppage(v) : v & FB_REPLAY_PAGE_MASK;
	uint32_t pid = v & FB_REPLAY_PHYS ? 0 : r->pid, h, i, n;

	if ((pid == (uint32_t)r->pid && page == vpage(r->addr)) ||
	    (r->swap_offset >= 0 && !pid && page == ppage(r->swap_offset))) {
		st->redundant++;
		return;
	}
	h = key_hash(page, pid);
	i = find_slot(b, page, pid, h);
	n = slot_get(b, i);
	if (n != NIL && on_list(b, n, LRU_RES))
		st->rejected++;
	else if (buf_add(b, page, pid, h, n, i, &st->evicted))
		st->prefetched++;
	else
		st->redundant++;
}

int replay_lane_batch(struct replay_lane *l, const struct fault_record *recs, uint32_t n)
{
	struct fb_replay_batch *b = l->batch;
	struct replay_stats *st = &l->st;
	uint32_t o = 0;
	int err;

	if (n > FB_REPLAY_BATCH)
		return -EINVAL;
	if (++l->gen == 0)
		l->gen = 1;
	fill_batch(l, recs, n);
	err = l->run(l->ctx, b);
	if (err)
		return err;

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
		for (uint32_t j = 0; j < nreq && o < b->n_out && o < FB_REPLAY_OUT; j++, o++)
			request(l, r, b->out[o]);
	}
	return 0;
}
