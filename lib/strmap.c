#include "lib/strmap.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK (1u << 20)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	char data[];
};

char *str_arena_copy(struct str_arena *a, const char *s)
{
	size_t len = strlen(s) + 1;
	struct arena_chunk *c = a->head;
	if (!c || c->size - c->used < len) {
		size_t size = len > CHUNK ? len : CHUNK;
		c = malloc(sizeof *c + size);
		if (!c)
			return NULL;
		c->next = a->head;
		c->used = 0;
		c->size = size;
		a->head = c;
	}
	char *p = c->data + c->used;
	memcpy(p, s, len);
	c->used += len;
	return p;
}

void str_arena_free(struct str_arena *a)
{
	while (a->head) {
		struct arena_chunk *next = a->head->next;
		free(a->head);
		a->head = next;
	}
}

/* FNV-1a. */
static uint32_t hash_of(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct strmap_slot *slot_for(struct strmap_slot *slots, size_t cap, const char *key, uint32_t h)
{
	for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1))
		if (!slots[i].key || (slots[i].hash == h && !strcmp(slots[i].key, key)))
			return &slots[i];
}

const struct strmap_slot *strmap_find(const struct strmap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	struct strmap_slot *s = slot_for(m->slots, m->cap, key, hash_of(key));
	return s->key ? s : NULL;
}

static int grow(struct strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct strmap_slot *slots = calloc(cap, sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			*slot_for(slots, cap, m->slots[i].key, m->slots[i].hash) = m->slots[i];
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

int strmap_put(struct strmap *m, const char *key, uint32_t value)
{
	/* At most half full: probes stay short. */
	if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
		return -1;
	uint32_t h = hash_of(key);
	struct strmap_slot *s = slot_for(m->slots, m->cap, key, h);
	*s = (struct strmap_slot){ key, h, value };
	m->n++;
	return 0;
}

void strmap_free(struct strmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof *m);
}

const char *strmap_intern(struct strmap *m, struct str_arena *a, const char *s)
{
	const struct strmap_slot *found = strmap_find(m, s);
	if (found)
		return found->key;
	char *copy = str_arena_copy(a, s);
	if (!copy || strmap_put(m, copy, 0) < 0)
		return NULL;
	return copy;
}
