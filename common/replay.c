// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "replay.h"

/*
 * The buffer: nodes in one array, linked in LRU order (head: most recent),
 * found through an open-addressing table (linear probing, backward-shift
 * deletion, at most half full). Memory is fixed by the capacity. A table
 * slot holds the key's hash beside the node index, so that probing past
 * other keys and moving entries on deletion never touch their nodes.
 */
struct pbuf_node {
	struct pbuf_key key;
	uint32_t prev, next;	/* NIL-terminated */
	uint32_t claim;		/* generation of the last pbuf_claim() */
};

#define NIL UINT32_MAX

struct pbuf {
	uint32_t capacity, size;
	uint32_t head, tail, free;	/* free: a list through next */
	uint32_t mask;			/* table size - 1 */
	uint64_t *table;		/* hash << 32 | node index + 1; 0: empty */
	struct pbuf_node *node;
};

static inline uint32_t key_hash(struct pbuf_key k)
{
	uint64_t h = (k.page ^ ((uint64_t)k.pid << 40)) * 0x9E3779B97F4A7C15ULL;

	return h >> 32;
}

static inline bool key_eq(struct pbuf_key a, struct pbuf_key b)
{
	return a.page == b.page && a.pid == b.pid;
}

struct pbuf *pbuf_new(uint32_t capacity)
{
	struct pbuf *b = calloc(1, sizeof(*b));
	uint32_t slots = 2;

	if (!b || !capacity || capacity > (1U << 30))
		goto fail;
	while (slots < 2 * capacity)
		slots <<= 1;
	b->capacity = capacity;
	b->mask = slots - 1;
	b->table = calloc(slots, sizeof(*b->table));
	b->node = calloc(capacity, sizeof(*b->node));
	if (!b->table || !b->node)
		goto fail;
	b->head = b->tail = NIL;
	for (uint32_t i = 0; i < capacity; i++)
		b->node[i].next = i + 1 < capacity ? i + 1 : NIL;
	b->free = 0;
	return b;
fail:
	pbuf_free(b);
	errno = ENOMEM;
	return NULL;
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
	return b->size;
}

static inline uint32_t slot_node(uint64_t slot)
{
	return (uint32_t)slot - 1;
}

/* The table slot holding k (hash h), or the empty slot where it would go. */
static uint32_t find_slot_h(const struct pbuf *b, struct pbuf_key k, uint32_t h)
{
	uint32_t i = h & b->mask;

	for (uint64_t t; (t = b->table[i]); i = (i + 1) & b->mask)
		if (t >> 32 == h && key_eq(b->node[slot_node(t)].key, k))
			break;
	return i;
}

static uint32_t find_slot(const struct pbuf *b, struct pbuf_key k)
{
	return find_slot_h(b, k, key_hash(k));
}

/* The table slot pointing at node n (which is in the table). */
static uint32_t node_slot(const struct pbuf *b, uint32_t n, uint32_t h)
{
	uint32_t i = h & b->mask;

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

static void list_unlink(struct pbuf *b, uint32_t n)
{
	struct pbuf_node *x = &b->node[n];

	if (x->prev != NIL)
		b->node[x->prev].next = x->next;
	else
		b->head = x->next;
	if (x->next != NIL)
		b->node[x->next].prev = x->prev;
	else
		b->tail = x->prev;
}

static void list_push_front(struct pbuf *b, uint32_t n)
{
	struct pbuf_node *x = &b->node[n];

	x->prev = NIL;
	x->next = b->head;
	if (b->head != NIL)
		b->node[b->head].prev = n;
	else
		b->tail = n;
	b->head = n;
}

static void remove_node(struct pbuf *b, uint32_t slot)
{
	uint32_t n = slot_node(b->table[slot]);

	table_delete(b, slot);
	list_unlink(b, n);
	b->node[n].next = b->free;
	b->free = n;
	b->size--;
}

bool pbuf_contains(const struct pbuf *b, struct pbuf_key k)
{
	return b->table[find_slot(b, k)] != 0;
}

bool pbuf_take(struct pbuf *b, struct pbuf_key k)
{
	uint32_t slot = find_slot(b, k);

	if (!b->table[slot])
		return false;
	remove_node(b, slot);
	return true;
}

bool pbuf_claim(struct pbuf *b, struct pbuf_key k, uint32_t gen)
{
	uint32_t slot = find_slot(b, k);
	struct pbuf_node *x;

	if (!b->table[slot])
		return false;
	x = &b->node[slot_node(b->table[slot])];
	if (x->claim == gen)
		return false;
	x->claim = gen;
	return true;
}

int pbuf_insert(struct pbuf *b, struct pbuf_key k, uint64_t *evicted)
{
	uint32_t h = key_hash(k), slot = find_slot_h(b, k, h), n;

	if (b->table[slot]) {
		n = slot_node(b->table[slot]);
		list_unlink(b, n);
		list_push_front(b, n);
		return 0;
	}
	if (b->size == b->capacity) {
		n = b->tail;
		remove_node(b, node_slot(b, n, key_hash(b->node[n].key)));
		(*evicted)++;
		slot = find_slot_h(b, k, h);	/* the deletion may have moved entries */
	}
	n = b->free;
	b->free = b->node[n].next;
	b->node[n].key = k;
	b->node[n].claim = 0;
	b->table[slot] = (uint64_t)h << 32 | (n + 1);
	list_push_front(b, n);
	b->size++;
	return 1;
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
	l->buf = pbuf_new(capacity);
	if (resident)
		l->resident = pbuf_new(resident);
	if (!l->buf || (resident && !l->resident)) {
		replay_lane_free(l);
		return -ENOMEM;
	}
	return 0;
}

void replay_lane_free(struct replay_lane *l)
{
	pbuf_free(l->buf);
	pbuf_free(l->resident);
	l->buf = l->resident = NULL;
}

static inline struct pbuf_key vkey(uint32_t pid, uint64_t page)
{
	return (struct pbuf_key){ .page = page & FB_REPLAY_PAGE_MASK, .pid = pid };
}

static inline struct pbuf_key pkey(int64_t off)
{
	return (struct pbuf_key){ .page = FB_REPLAY_PHYS | ((uint64_t)off & FB_REPLAY_PAGE_MASK) };
}

int replay_lane_batch(struct replay_lane *l, const struct fault_record *recs, uint32_t n)
{
	struct fb_replay_batch *b = l->batch;
	struct replay_stats *st = &l->st;
	uint64_t dropped = 0;	/* pages that left the resident model */
	uint32_t o = 0;
	int err;

	if (n > FB_REPLAY_BATCH)
		return -EINVAL;
	if (++l->gen == 0)
		l->gen = 1;
	for (uint32_t i = 0; i < n; i++) {
		const struct fault_record *r = &recs[i];
		uint32_t pid = r->pid;
		bool buffered = pbuf_claim(l->buf, vkey(pid, r->addr >> 12), l->gen) ||
				(r->swap_offset >= 0 && pbuf_claim(l->buf, pkey(r->swap_offset), l->gen));

		b->in[i].addr = r->addr;
		b->in[i].swap_offset = r->swap_offset;
		b->in[i].pid = pid;
		b->in[i].flags = buffered ? FB_REPLAY_BUFFERED : 0;
	}
	b->n_in = n;
	b->n_out = 0;
	err = l->run(l->ctx, b);
	if (err)
		return err;

	for (uint32_t i = 0; i < n; i++) {
		const struct fault_record *r = &recs[i];
		struct pbuf_key fk = vkey(r->pid, r->addr >> 12);
		bool hit = pbuf_take(l->buf, fk) ||
			   (r->swap_offset >= 0 && pbuf_take(l->buf, pkey(r->swap_offset)));
		uint32_t nreq = b->nreq[i];

		if (l->resident)
			pbuf_insert(l->resident, fk, &dropped);
		st->faults++;
		st->hits += hit;
		st->feedback_diff += hit != !!b->hit[i];
		if (l->on_record)
			l->on_record(l->record_ctx, r, hit, (const uint64_t *)&b->out[o],
				     o + nreq <= b->n_out ? nreq : b->n_out - o);
		for (uint32_t j = 0; j < nreq && o < b->n_out && o < FB_REPLAY_OUT; j++, o++) {
			uint64_t v = b->out[o];
			struct pbuf_key k = v & FB_REPLAY_PHYS ? pkey(v & FB_REPLAY_PAGE_MASK)
							       : vkey(r->pid, v);

			if (key_eq(k, fk) || (r->swap_offset >= 0 && key_eq(k, pkey(r->swap_offset))))
				st->redundant++;
			else if (l->resident && pbuf_contains(l->resident, k))
				st->rejected++;
			else if (pbuf_insert(l->buf, k, &st->evicted))
				st->prefetched++;
			else
				st->redundant++;
		}
	}
	return 0;
}
