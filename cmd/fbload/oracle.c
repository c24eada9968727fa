// SPDX-License-Identifier: GPL-2.0
/*
 * The oracle (oracle.h). Each fault is identified by its index i in the
 * replay; a buffered page is the future fault it will serve, so the
 * buffer is a set of fault indices: a bit per fault, and a max-heap of
 * the buffered indices for Belady's eviction (the farthest next fault).
 *
 * A fault j may be requested at a miss i < j when j is its page's next
 * fault after i and the page is not resident at i: from E[j] on, the
 * time its page left the resident model after its previous fault (0 for
 * a page's first fault; without the model, the fault after its previous
 * one). A miss takes candidates in index order from two sources: a scan
 * pointer that only moves forward past unbuffered eligible faults, and a
 * min-heap of the faults behind it that became eligible later (E[j] came
 * after the scan passed j) or were evicted. Everything is O(n log n).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "oracle.h"

#define NONE UINT32_MAX

struct heap {
	uint32_t *v;
	size_t n, cap;
	bool max;		/* max-heap, else min-heap */
};

struct replay_oracle {
	uint32_t capacity, budget, resident;
	/* faults, as dense ids of their page and of their swap slot (NONE) */
	uint32_t *id;
	uint32_t *sid;
	size_t n, cap;
	/* (pid, page) -> id: open addressing, at most half full */
	struct okey { uint64_t page; uint32_t pid, id; } *tab;	/* id + 1; 0: empty */
	size_t tmask, nids;
};

static inline uint64_t okey_hash(uint64_t page, uint32_t pid)
{
	return ((page ^ ((uint64_t)pid << 40)) * 0x9E3779B97F4A7C15ULL) >> 20;
}

struct replay_oracle *replay_oracle_new(uint32_t capacity, uint32_t budget, uint32_t resident)
{
	struct replay_oracle *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->capacity = capacity;
	o->budget = budget;
	o->resident = resident;
	o->tmask = 1023;
	o->tab = calloc(o->tmask + 1, sizeof(*o->tab));
	if (!o->tab) {
		free(o);
		return NULL;
	}
	return o;
}

void replay_oracle_free(struct replay_oracle *o)
{
	if (!o)
		return;
	free(o->tab);
	free(o->id);
	free(o->sid);
	free(o);
}

static struct okey *tab_slot(struct okey *tab, size_t mask, uint64_t page, uint32_t pid)
{
	size_t i = okey_hash(page, pid) & mask;

	while (tab[i].id && (tab[i].page != page || tab[i].pid != pid))
		i = (i + 1) & mask;
	return &tab[i];
}

static int tab_grow(struct replay_oracle *o)
{
	size_t mask = o->tmask * 2 + 1;
	struct okey *t = calloc(mask + 1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i <= o->tmask; i++)
		if (o->tab[i].id)
			*tab_slot(t, mask, o->tab[i].page, o->tab[i].pid) = o->tab[i];
	free(o->tab);
	o->tab = t;
	o->tmask = mask;
	return 0;
}

/* The dense id of key (page, pid), a new one if unseen. 0 or -ENOMEM. */
static int key_id(struct replay_oracle *o, uint64_t page, uint32_t pid, uint32_t *id)
{
	struct okey *k;

	if (2 * (o->nids + 1) > o->tmask + 1 && tab_grow(o))
		return -ENOMEM;
	k = tab_slot(o->tab, o->tmask, page, pid);
	if (!k->id) {
		k->page = page;
		k->pid = pid;
		k->id = ++o->nids;
	}
	*id = k->id - 1;
	return 0;
}

int replay_oracle_add(struct replay_oracle *o, const struct fault_record *r)
{
	uint64_t page = (r->addr >> 12) & FB_REPLAY_PAGE_MASK;

	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 4096;
		uint32_t *id = cap < NONE ? realloc(o->id, cap * sizeof(*id)) : NULL, *sid;

		if (!id)
			return -ENOMEM;
		o->id = id;
		if (!(sid = realloc(o->sid, cap * sizeof(*sid))))
			return -ENOMEM;
		o->sid = sid;
		o->cap = cap;
	}
	o->sid[o->n] = NONE;
	/* a slot is keyed apart from every page, as replay keys it */
	if (r->swap_offset >= 0 &&
	    key_id(o, FB_REPLAY_PHYS | ((uint64_t)r->swap_offset & FB_REPLAY_PAGE_MASK), 0,
		   &o->sid[o->n]))
		return -ENOMEM;
	if (key_id(o, page, r->pid, &o->id[o->n]))
		return -ENOMEM;
	o->n++;
	return 0;
}

/* ---- heaps of fault indices ---- */

static inline bool before(const struct heap *h, uint32_t a, uint32_t b)
{
	return h->max ? a > b : a < b;
}

static int heap_push(struct heap *h, uint32_t x)
{
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 1024;
		uint32_t *v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	for (i = h->n++; i && before(h, x, h->v[(i - 1) / 2]); i = (i - 1) / 2)
		h->v[i] = h->v[(i - 1) / 2];
	h->v[i] = x;
	return 0;
}

static void heap_sift_down(struct heap *h, size_t i)
{
	uint32_t x = h->v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && before(h, h->v[c + 1], h->v[c]))
			c++;
		if (!before(h, h->v[c], x))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	h->v[i] = x;
}

static void heap_pop(struct heap *h)
{
	h->v[0] = h->v[--h->n];
	if (h->n)
		heap_sift_down(h, 0);
}

/* ---- the resident model: an LRU list of page ids ---- */

struct lru {
	uint32_t *prev, *next;	/* NONE-terminated; prev NONE and not head: off the list */
	bool *on;
	uint32_t head, tail, size;
};

static void lru_unlink(struct lru *l, uint32_t x)
{
	if (l->prev[x] != NONE)
		l->next[l->prev[x]] = l->next[x];
	else
		l->head = l->next[x];
	if (l->next[x] != NONE)
		l->prev[l->next[x]] = l->prev[x];
	else
		l->tail = l->prev[x];
	l->on[x] = false;
	l->size--;
}

static void lru_push(struct lru *l, uint32_t x)
{
	l->prev[x] = NONE;
	l->next[x] = l->head;
	if (l->head != NONE)
		l->prev[l->head] = x;
	else
		l->tail = x;
	l->head = x;
	l->on[x] = true;
	l->size++;
}

/* Key x is faulted at i: from when may it be requested (see eligibility()). */
static uint32_t key_eligible(const struct replay_oracle *o, const uint32_t *last,
			     const uint32_t *left, const struct lru *l, uint32_t x)
{
	if (last[x] == NONE)
		return 0;
	if (!o->resident)
		return last[x] + 1;
	return l->on[x] ? NONE : left[x];
}

/* Key x is the most recently faulted; the least recent beyond cap leaves at i. */
static void key_touch(struct lru *l, uint32_t *left, uint32_t x, uint32_t cap, uint32_t i)
{
	if (l->on[x])
		lru_unlink(l, x);
	lru_push(l, x);
	if (l->size > cap) {
		uint32_t q = l->tail;

		lru_unlink(l, q);
		left[q] = i;
	}
}

/*
 * E[i]: from which miss on fault i may be requested (see the top); NONE:
 * never (its page and its slot were still resident when it faulted). A
 * fault is requested by page or by slot: the earlier of the two. The
 * resident model is replay's: the last `resident` faulted pages, and once
 * a fault had a slot, pages and slots, twice as many keys.
 */
static int eligibility(const struct replay_oracle *o, uint32_t *E)
{
	uint32_t *last = malloc(o->nids * sizeof(*last) + 1);
	uint32_t *left = malloc(o->nids * sizeof(*left) + 1);	/* left the model at */
	struct lru l = { .head = NONE, .tail = NONE };
	uint32_t cap = o->resident;
	int err = -ENOMEM;

	if (o->resident) {
		l.prev = malloc(o->nids * sizeof(*l.prev) + 1);
		l.next = malloc(o->nids * sizeof(*l.next) + 1);
		l.on = calloc(o->nids + 1, sizeof(*l.on));
	}
	if (!last || !left || (o->resident && (!l.prev || !l.next || !l.on)))
		goto out;
	memset(last, 0xff, o->nids * sizeof(*last));
	for (size_t i = 0; i < o->n; i++) {
		uint32_t x = o->id[i], y = o->sid[i], e;

		E[i] = key_eligible(o, last, left, &l, x);
		if (y != NONE && (e = key_eligible(o, last, left, &l, y)) < E[i])
			E[i] = e;
		last[x] = i;
		if (y != NONE)
			last[y] = i;
		if (!o->resident)
			continue;
		if (y != NONE)
			cap = 2 * o->resident;
		key_touch(&l, left, x, cap, i);
		if (y != NONE)
			key_touch(&l, left, y, cap, i);
	}
	err = 0;
out:
	free(last);
	free(left);
	free(l.prev);
	free(l.next);
	free(l.on);
	return err;
}

/* Drop the max-heap's stale entries (pages no longer buffered). */
static void heap_compact(struct heap *h, const uint8_t *buffered)
{
	size_t k = 0;

	for (size_t i = 0; i < h->n; i++)
		if (buffered[h->v[i]])
			h->v[k++] = h->v[i];
	h->n = k;
	for (size_t i = h->n / 2; i-- > 0;)
		heap_sift_down(h, i);
}

int replay_oracle_run(struct replay_oracle *o, struct replay_stats *st)
{
	size_t n = o->n;
	uint32_t *E = malloc((n + 1) * sizeof(*E));
	uint32_t *at = malloc((n + 1) * sizeof(*at));		/* first j with E[j] == t */
	uint32_t *link = malloc((n + 1) * sizeof(*link));	/* the next such j */
	uint8_t *buffered = calloc(n + 1, 1);
	struct heap buf = { .max = true }, holes = { .max = false };
	uint32_t count = 0, scan = 0;
	int err = -ENOMEM;

	memset(st, 0, sizeof(*st));
	if (!E || !at || !link || !buffered || eligibility(o, E))
		goto out;
	memset(at, 0xff, (n + 1) * sizeof(*at));
	for (size_t j = n; j-- > 0;)
		if (E[j] && E[j] < j) {
			link[j] = at[E[j]];
			at[E[j]] = j;
		}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t req = 0;

		st->faults++;
		/* faults eligible from now on that the scan already passed */
		for (uint32_t j = at[i]; j != NONE; j = link[j])
			if (j < scan && !buffered[j] && heap_push(&holes, j))
				goto out;
		if (buffered[i]) {
			buffered[i] = 0;
			count--;
			st->hits++;
			continue;
		}
		if (scan <= i)
			scan = i + 1;
		while (req < o->budget) {
			uint32_t c, h = NONE;

			while (holes.n && (holes.v[0] <= i || buffered[holes.v[0]]))
				heap_pop(&holes);
			if (holes.n)
				h = holes.v[0];
			while (scan < n && (buffered[scan] || E[scan] > i))
				scan++;
			c = scan < n && scan < h ? scan : h;
			if (c == NONE)
				break;
			if (count == o->capacity) {
				while (buf.n && !buffered[buf.v[0]])
					heap_pop(&buf);
				if (!buf.n || buf.v[0] < c)
					break;	/* every buffered page is needed sooner */
				buffered[buf.v[0]] = 0;
				count--;
				st->evicted++;
				if (heap_push(&holes, buf.v[0]))
					goto out;
				heap_pop(&buf);
			}
			if (c == scan)
				scan++;
			else
				heap_pop(&holes);
			buffered[c] = 1;
			count++;
			req++;
			st->prefetched++;
			if (heap_push(&buf, c))
				goto out;
		}
		if (buf.n > 2 * (size_t)count + 4096)
			heap_compact(&buf, buffered);
	}
	err = 0;
out:
	free(E);
	free(at);
	free(link);
	free(buffered);
	free(buf.v);
	free(holes.v);
	return err;
}
