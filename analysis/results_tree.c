#include "results_tree.h"

#include <stdlib.h>
#include <string.h>

/* x (a new reference) into the innermost open container, or as the root. */
static int attach(struct results_tree *t, json_t *x)
{
	if (!x)
		return -1;
	if (!t->nopen) {
		json_decref(t->root);
		t->root = x;
		return 0;
	}
	json_t *parent = t->open[t->nopen - 1];
	if (json_is_array(parent))
		return json_array_append_new(parent, x);
	int rc = t->key ? json_object_set_new(parent, t->key, x) : (json_decref(x), -1);
	free(t->key);
	t->key = NULL;
	return rc;
}

int results_tree_start(struct results_tree *t, bool object)
{
	if (t->nopen == t->cap) {
		int cap = t->cap ? t->cap * 2 : 16;
		json_t **open = realloc(t->open, (size_t)cap * sizeof *open);
		if (!open)
			return -1;
		t->open = open;
		t->cap = cap;
	}
	json_t *x = object ? json_object() : json_array();
	if (attach(t, json_incref(x)) < 0) {
		json_decref(x);
		return -1;
	}
	t->open[t->nopen++] = x; /* attach holds the reference; this one is ours until the end */
	return 0;
}

int results_tree_key(struct results_tree *t, const char *key, size_t len)
{
	free(t->key);
	t->key = strndup(key, len);
	return t->key ? 0 : -1;
}

int results_tree_scalar(struct results_tree *t, struct entry_value v, const char *s, size_t len)
{
	switch (v.kind) {
	case ENTRY_NUMBER:
		return attach(t, v.integer ? json_integer(v.whole) : json_real(v.number));
	case ENTRY_STRING:
		return attach(t, json_stringn(s, len));
	case ENTRY_TRUE:
	case ENTRY_FALSE:
		return attach(t, json_boolean(v.kind == ENTRY_TRUE));
	default:
		return attach(t, json_null());
	}
}

int results_tree_end(struct results_tree *t)
{
	if (t->nopen)
		json_decref(t->open[--t->nopen]);
	return 0;
}

json_t *results_tree_take(struct results_tree *t)
{
	json_t *root = t->root;
	t->root = NULL;
	return root;
}

void results_tree_free(struct results_tree *t)
{
	while (t->nopen)
		results_tree_end(t);
	free(t->open);
	free(t->key);
	json_decref(t->root);
	memset(t, 0, sizeof *t);
}
