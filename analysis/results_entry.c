#include "results_entry.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#define NOT_KEPT SIZE_MAX /* a number every entry has: neither a field nor a counter */
#define ROW(key, field) { key, offsetof(struct results_entry, field), sizeof key - 1 }
#define ROW_NOT_KEPT(key) { key, NOT_KEPT, sizeof key - 1 }

/* What the analysis keeps of an entry: one row per key. A key with no row
 * is a counter when it is a number at the top level, else it is ignored.
 * Sorted by key once, on first use. */
static struct entry_key {
	const char *key;
	size_t field; /* offset of its struct entry_value, or NOT_KEPT */
	size_t len;   /* strlen(key) */
} keys[] = {
	ROW("run_name", run_name),
	ROW("name", name),
	ROW("status", status),
	ROW("error_message", error_message),
	ROW("error_occurred", error_occurred),
	ROW("run_type", run_type),
	ROW("aggregate_name", aggregate_name),
	ROW("backend", backend),
	ROW("pattern", pattern),
	ROW("guest_page", guest_page),
	ROW("host_page", host_page),
	ROW("ws", ws),
	ROW("ws_bytes", ws_bytes),
	ROW("effective_page", effective_page),
	ROW("page_size_note", page_size_note),
	ROW("page_size_flagged", page_size_flagged),
	ROW("pmu_status", pmu_status),
	ROW("exit_reasons_status", exit_reasons_status),
	ROW("vpid", vpid),
	ROW("second_level", second_level),
	ROW("stability", stability),
	ROW("machine", machine),
	ROW("pt_leaf", pt_leaf),
	ROW("cycles_per_access", cycles_per_access),
	ROW("ns_per_access", ns_per_access),
	ROW("real_time", real_time),
	ROW_NOT_KEPT("family_index"),
	ROW_NOT_KEPT("per_family_instance_index"),
	ROW_NOT_KEPT("threads"),
	ROW_NOT_KEPT("repetitions"),
	ROW_NOT_KEPT("repetition_index"),
	ROW_NOT_KEPT("iterations"),
	ROW_NOT_KEPT("cpu_time"),
};
#define NKEYS (sizeof keys / sizeof *keys)

/* Rows in order of key length, then bytes: most keys are told apart by their length. */
static int compare_key(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

static int by_key(const void *a, const void *b)
{
	const struct entry_key *x = a, *y = b;
	return compare_key(x->key, x->len, y->key, y->len);
}

/* The row of key (len bytes), or NULL. */
static const struct entry_key *find_key(const char *key, size_t len)
{
	static bool sorted;
	if (!sorted) {
		qsort(keys, NKEYS, sizeof *keys, by_key);
		sorted = true;
	}
	size_t lo = 0, hi = NKEYS;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = compare_key(keys[mid].key, keys[mid].len, key, len);
		if (c == 0)
			return &keys[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void results_entry_reset(struct results_entry *e)
{
	struct results_entry kept = *e;
	memset(e, 0, sizeof *e);
	e->is_object = true;
	e->counters = kept.counters;
	e->cap_counters = kept.cap_counters;
	e->strings = kept.strings;
	e->strings_cap = kept.strings_cap;
}

void results_entry_free(struct results_entry *e)
{
	free(e->counters);
	free(e->strings);
	memset(e, 0, sizeof *e);
}

/* A copy of s (len bytes) in the entry's strings: its offset, or SIZE_MAX. */
static size_t keep_string(struct results_entry *e, const char *s, size_t len)
{
	if (e->strings_cap - e->strings_len < len + 1) {
		size_t cap = e->strings_cap ? e->strings_cap : 4096;
		while (cap - e->strings_len < len + 1)
			cap *= 2;
		char *p = realloc(e->strings, cap);
		if (!p)
			return SIZE_MAX;
		e->strings = p;
		e->strings_cap = cap;
	}
	size_t at = e->strings_len;
	memcpy(e->strings + at, s, len);
	e->strings[at + len] = '\0';
	e->strings_len += len + 1;
	return at;
}

static int add_counter(struct results_entry *e, const char *key, size_t keylen, double value)
{
	if (e->ncounters == e->cap_counters) {
		int cap = e->cap_counters ? e->cap_counters * 2 : 32;
		struct entry_counter *c = realloc(e->counters, (size_t)cap * sizeof *c);
		if (!c)
			return -1;
		e->counters = c;
		e->cap_counters = cap;
	}
	size_t at = keep_string(e, key, keylen);
	if (at == SIZE_MAX)
		return -1;
	e->counters[e->ncounters++] = (struct entry_counter){ at, value };
	return 0;
}

static void drop_counter(struct results_entry *e, const char *key, size_t keylen)
{
	int kept = 0;
	for (int i = 0; i < e->ncounters; i++) {
		const char *k = e->strings + e->counters[i].key_at;
		if (strlen(k) != keylen || memcmp(k, key, keylen))
			e->counters[kept++] = e->counters[i];
	}
	e->ncounters = kept;
}

int results_entry_set(struct results_entry *e, const char *key, size_t keylen, bool nested, struct entry_value v,
		      const char *string, size_t len)
{
	const struct entry_key *k = find_key(key, keylen);
	if (!k && nested)
		return 0;
	if (!k && v.kind == ENTRY_NUMBER)
		return add_counter(e, key, keylen, v.number);
	if (!k) {
		/* A key written twice keeps its last value, as in a JSON object:
		 * a number then something else is no counter. */
		drop_counter(e, key, keylen);
		return 0;
	}
	if (k->field == NOT_KEPT)
		return 0;
	if (v.kind == ENTRY_STRING && (v.at = keep_string(e, string, len)) == SIZE_MAX)
		return -1;
	*(struct entry_value *)((char *)e + k->field) = v;
	return 0;
}

/* A scalar (or, as ENTRY_OTHER, a container) of jansson at key. */
static int set_json(struct results_entry *e, const char *key, bool nested, json_t *x)
{
	struct entry_value v = { .kind = ENTRY_OTHER };
	const char *s = NULL;
	size_t len = 0;
	if (json_is_integer(x))
		v = (struct entry_value){ .kind = ENTRY_NUMBER, .integer = true, .whole = json_integer_value(x),
					  .number = (double)json_integer_value(x) };
	else if (json_is_real(x))
		v = (struct entry_value){ .kind = ENTRY_NUMBER, .number = json_real_value(x) };
	else if (json_is_string(x)) {
		v.kind = ENTRY_STRING;
		s = json_string_value(x);
		len = strlen(s);
	} else if (json_is_null(x))
		v.kind = ENTRY_NULL;
	else if (json_is_boolean(x))
		v.kind = json_is_true(x) ? ENTRY_TRUE : ENTRY_FALSE;
	return results_entry_set(e, key, strlen(key), nested, v, s, len);
}

int results_entry_from_json(struct results_entry *e, json_t *x)
{
	results_entry_reset(e);
	e->is_object = json_is_object(x);
	const char *k;
	json_t *val;
	json_object_foreach(x, k, val) {
		if (set_json(e, k, false, val) < 0)
			return -1;
		if (!json_is_object(val))
			continue;
		const char *inner;
		json_t *y;
		json_object_foreach(val, inner, y) {
			char *path = malloc(strlen(k) + strlen(inner) + 2);
			if (path)
				sprintf(path, "%s.%s", k, inner);
			int rc = path ? set_json(e, path, true, y) : -1;
			free(path);
			if (rc < 0)
				return -1;
		}
	}
	return 0;
}

const char *entry_string(const struct results_entry *e, const struct entry_value *v)
{
	return v->kind == ENTRY_STRING ? e->strings + v->at : "";
}

double entry_number(const struct entry_value *v)
{
	return v->kind == ENTRY_NUMBER ? v->number : 0;
}

const char *entry_cell_name(const struct results_entry *e)
{
	const char *n = entry_string(e, &e->run_name);
	return n[0] ? n : entry_string(e, &e->name);
}

const char *entry_counter_key(const struct results_entry *e, const struct entry_counter *c)
{
	return e->strings + c->key_at;
}

double entry_counter_value(const struct results_entry *e, const char *key)
{
	for (int i = 0; i < e->ncounters; i++)
		if (!strcmp(entry_counter_key(e, &e->counters[i]), key))
			return e->counters[i].value;
	return NAN;
}
