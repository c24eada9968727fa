// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF maps a policy uses, in user space, for the native replay engine
 * (bpf/fb_native.h): arrays, hashes and LRU hashes with the kernel's
 * update rules (BPF_NOEXIST/BPF_EXIST, -E2BIG when a hash is full). An
 * LRU hash evicts its least recently used element when full; the
 * kernel's is approximate there, so the two engines agree exactly only
 * while a policy keeps fewer processes than the map holds.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include "fb_native.h"

#define NIL UINT32_MAX

struct fb_native_map {
	unsigned int type, key_size, value_size, max;
	size_t stride;		/* value_size rounded up to 8 */
	char *values;		/* max * stride */
	/* hashes: chains from buckets through next[], keys beside values */
	char *keys;
	uint32_t *bucket, *next, mask, free, count;
	uint64_t *used, clock;	/* LRU: clock of each element's last use */
};

static bool is_hash(const struct fb_native_map *m)
{
	return m->type == BPF_MAP_TYPE_HASH || m->type == BPF_MAP_TYPE_LRU_HASH;
}

static void map_free(struct fb_native_map *m)
{
	if (!m)
		return;
	free(m->values);
	free(m->keys);
	free(m->bucket);
	free(m->next);
	free(m->used);
	free(m);
}

static void map_clear(struct fb_native_map *m)
{
	memset(m->values, 0, m->max * m->stride);
	if (!is_hash(m))
		return;
	memset(m->bucket, 0xff, (m->mask + 1) * sizeof(*m->bucket));
	for (uint32_t i = 0; i < m->max; i++)
		m->next[i] = i + 1 < m->max ? i + 1 : NIL;
	m->free = 0;
	m->count = 0;
	m->clock = 0;
}

static struct fb_native_map *map_new(unsigned int type, unsigned int key_size,
				     unsigned int value_size, unsigned int max)
{
	struct fb_native_map *m = calloc(1, sizeof(*m));
	uint32_t buckets = 1;

	if (!m)
		return NULL;
	m->type = type;
	m->key_size = key_size;
	m->value_size = value_size;
	m->max = max;
	m->stride = (value_size + 7) & ~(size_t)7;
	m->values = calloc(max, m->stride);
	if (!m->values)
		goto fail;
	if (is_hash(m)) {
		while (buckets < max)
			buckets <<= 1;
		m->mask = buckets - 1;
		m->keys = calloc(max, key_size);
		m->bucket = malloc(buckets * sizeof(*m->bucket));
		m->next = malloc(max * sizeof(*m->next));
		m->used = calloc(max, sizeof(*m->used));
		if (!m->keys || !m->bucket || !m->next || !m->used)
			goto fail;
	}
	map_clear(m);
	return m;
fail:
	map_free(m);
	return NULL;
}

struct fb_native_map *fb_native_map_get(struct fb_native_maps *maps, const void *def,
					unsigned int type, unsigned int key_size,
					unsigned int value_size, unsigned int max_entries)
{
	struct fb_native_map *m;

	for (int i = 0; i < maps->n; i++)
		if (maps->def[i] == def)
			return maps->map[i];
	if ((type != BPF_MAP_TYPE_ARRAY && type != BPF_MAP_TYPE_HASH &&
	     type != BPF_MAP_TYPE_LRU_HASH) || !key_size || !value_size || !max_entries ||
	    (type == BPF_MAP_TYPE_ARRAY && key_size != 4) || maps->n == FB_NATIVE_MAX_MAPS) {
		maps->error = -EOPNOTSUPP;
		return NULL;
	}
	m = map_new(type, key_size, value_size, max_entries);
	if (!m) {
		maps->error = -ENOMEM;
		return NULL;
	}
	maps->def[maps->n] = def;
	maps->map[maps->n++] = m;
	return m;
}

/* ---- hashes ---- */

static uint32_t key_hash(const struct fb_native_map *m, const void *key)
{
	const unsigned char *k = key;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (unsigned int i = 0; i < m->key_size; i++)
		h = (h ^ k[i]) * 0x100000001b3ULL;
	return (uint32_t)((h * 0x9E3779B97F4A7C15ULL) >> 32) & m->mask;
}

static char *elem_key(const struct fb_native_map *m, uint32_t e)
{
	return m->keys + (size_t)e * m->key_size;
}

static char *elem_value(const struct fb_native_map *m, uint32_t e)
{
	return m->values + (size_t)e * m->stride;
}

/* The element holding key, or NIL; *link: the index that points at it. */
static uint32_t hash_find(const struct fb_native_map *m, const void *key, uint32_t **link)
{
	uint32_t *l = &m->bucket[key_hash(m, key)];

	for (; *l != NIL; l = &m->next[*l])
		if (!memcmp(elem_key(m, *l), key, m->key_size))
			break;
	if (link)
		*link = l;
	return *l;
}

static long hash_delete(struct fb_native_map *m, const void *key)
{
	uint32_t *link, e = hash_find(m, key, &link);

	if (e == NIL)
		return -ENOENT;
	*link = m->next[e];
	m->next[e] = m->free;
	m->free = e;
	m->count--;
	return 0;
}

/* The least recently used element: the LRU hash's victim when full. */
static uint32_t lru_victim(const struct fb_native_map *m)
{
	uint32_t victim = 0;

	for (uint32_t e = 1; e < m->max; e++)
		if (m->used[e] < m->used[victim])
			victim = e;
	return victim;
}

static long hash_insert(struct fb_native_map *m, const void *key, const void *value)
{
	uint32_t h = key_hash(m, key), e;

	if (m->count == m->max) {
		if (m->type != BPF_MAP_TYPE_LRU_HASH)
			return -E2BIG;
		hash_delete(m, elem_key(m, lru_victim(m)));
	}
	e = m->free;
	m->free = m->next[e];
	memcpy(elem_key(m, e), key, m->key_size);
	memcpy(elem_value(m, e), value, m->value_size);
	m->used[e] = ++m->clock;
	m->next[e] = m->bucket[h];
	m->bucket[h] = e;
	m->count++;
	return 0;
}

/* ---- the helpers ---- */

void *fb_native_map_lookup(struct fb_native_map *m, const void *key)
{
	uint32_t e;

	if (!m)
		return NULL;
	if (!is_hash(m)) {
		uint32_t i = *(const uint32_t *)key;

		return i < m->max ? elem_value(m, i) : NULL;
	}
	e = hash_find(m, key, NULL);
	if (e == NIL)
		return NULL;
	m->used[e] = ++m->clock;
	return elem_value(m, e);
}

long fb_native_map_update(struct fb_native_map *m, const void *key, const void *value,
			  uint64_t flags)
{
	uint32_t e;

	if (!m)
		return -EINVAL;
	if (flags > BPF_EXIST)
		return -EINVAL;
	if (!is_hash(m)) {
		uint32_t i = *(const uint32_t *)key;

		if (i >= m->max)
			return -E2BIG;
		if (flags == BPF_NOEXIST)
			return -EEXIST;
		memcpy(elem_value(m, i), value, m->value_size);
		return 0;
	}
	e = hash_find(m, key, NULL);
	if (e != NIL) {
		if (flags == BPF_NOEXIST)
			return -EEXIST;
		memcpy(elem_value(m, e), value, m->value_size);
		m->used[e] = ++m->clock;
		return 0;
	}
	if (flags == BPF_EXIST)
		return -ENOENT;
	return hash_insert(m, key, value);
}

long fb_native_map_delete(struct fb_native_map *m, const void *key)
{
	if (!m || !is_hash(m))
		return -EINVAL;
	return hash_delete(m, key);
}

void fb_native_maps_reset(struct fb_native_maps *maps)
{
	for (int i = 0; i < maps->n; i++)
		map_clear(maps->map[i]);
	maps->error = 0;
}
