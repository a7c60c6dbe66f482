/* A jansson value built from a parser's events (start, key, scalar, end):
 * how the streaming reader keeps a results file's context, which the
 * report walks as JSON. */
#ifndef TLBVISOR_RESULTS_TREE_H
#define TLBVISOR_RESULTS_TREE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "results_entry.h"

struct results_tree {
	json_t *root;
	json_t **open;       /* the containers not yet ended, innermost last */
	int nopen, cap;
	char *key;           /* the key of the next value in an object */
};

/* Each returns -1 when out of memory. */
int results_tree_start(struct results_tree *t, bool object);
int results_tree_key(struct results_tree *t, const char *key, size_t len);
/* v.kind is the scalar's type; s (len bytes) its text when a string. */
int results_tree_scalar(struct results_tree *t, struct entry_value v, const char *s, size_t len);
int results_tree_end(struct results_tree *t);
/* The value built (a reference for the caller), the tree emptied; NULL when none. */
json_t *results_tree_take(struct results_tree *t);
void results_tree_free(struct results_tree *t);

#endif
