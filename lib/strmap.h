/* Strings of a results view kept compactly: copies in large chunks (no
 * allocation per string), and a hash map from string to a number, for
 * interning the values that repeat in every cell (backend, page sizes,
 * reasons, counter names) and for finding a cell by name in constant time.
 * Reports of a million cells stay linear in time and small in memory. */
#ifndef TLBVISOR_STRMAP_H
#define TLBVISOR_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct str_arena {
	struct arena_chunk *head;
};

/* A copy of s that lives until str_arena_free; NULL when out of memory. */
char *str_arena_copy(struct str_arena *a, const char *s);
void str_arena_free(struct str_arena *a);

struct strmap_slot {
	const char *key;   /* NULL: empty */
	uint32_t hash;
	uint32_t value;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap, n;
};

/* The slot holding key, or NULL. */
const struct strmap_slot *strmap_find(const struct strmap *m, const char *key);
/* Add key (which must outlive the map) with value; -1 when out of memory.
 * The key must not be in the map yet. */
int strmap_put(struct strmap *m, const char *key, uint32_t value);
void strmap_free(struct strmap *m);

/* The one stored copy of s (copied into a on first sight); NULL when out of memory. */
const char *strmap_intern(struct strmap *m, struct str_arena *a, const char *s);

#endif
