#include "results_entry.h"

#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOT_KEPT SIZE_MAX /* a number every entry has: neither a field nor a counter */
#define ROW(key, field) { key, offsetof(struct results_entry, field), sizeof key - 1, false, false }
#define ROW_ASKED(key, field) { key, offsetof(struct results_entry, field), sizeof key - 1, false, true }
#define ROW_COUNTER(key, field) { key, offsetof(struct results_entry, field), sizeof key - 1, true, true }
#define ROW_NOT_KEPT(key) { key, NOT_KEPT, sizeof key - 1, false, false }

/* What the analysis keeps of an entry: one row per key. A key with no row
 * is a counter when it is a number at the top level, else it is ignored;
 * a ROW_COUNTER is both. A number of a ROW_ASKED or ROW_COUNTER is read
 * only when asked (most entries' are not: a cell's interval is taken from
 * its first entry, real_time from its cv aggregate). */
static const struct entry_key {
	const char *key;
	size_t field; /* offset of its struct entry_value, or NOT_KEPT */
	size_t len;   /* strlen(key) */
	bool counter; /* a counter too */
	bool asked;   /* a number given as text is read when asked (entry_number) */
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
	ROW_ASKED("real_time", real_time),
	ROW_COUNTER("ci_low", ci_low),
	ROW_COUNTER("ci_high", ci_high),
	ROW_NOT_KEPT("family_index"),
	ROW_NOT_KEPT("per_family_instance_index"),
	ROW_NOT_KEPT("threads"),
	ROW_NOT_KEPT("repetitions"),
	ROW_NOT_KEPT("repetition_index"),
	ROW_NOT_KEPT("iterations"),
	ROW_NOT_KEPT("cpu_time"),
};
#define NKEYS (sizeof keys / sizeof *keys)

/* The rows by a hash of the key's length and its first and last bytes,
 * which tell the keys apart at the cost of a few instructions (a key is
 * looked up for every value of a file of millions of entries); built once
 * (compare reads its two files at once). */
#define SLOTS 256 /* a power of two, several times the rows */
static unsigned char slot_row[SLOTS]; /* 1 + the row's index; 0: empty */
_Static_assert(NKEYS <= SLOTS / 4, "the key table needs more slots");

static size_t slot_of(const char *key, size_t len)
{
	return (len * 37 + (unsigned char)key[0] * 11 + (unsigned char)key[len - 1]) & (SLOTS - 1);
}

static void fill_slots(void)
{
	for (size_t r = 0; r < NKEYS; r++) {
		size_t i = slot_of(keys[r].key, keys[r].len);
		while (slot_row[i])
			i = (i + 1) & (SLOTS - 1);
		slot_row[i] = (unsigned char)(r + 1);
	}
}

/* The row of key (len bytes), or NULL. */
static const struct entry_key *find_key(const char *key, size_t len)
{
	static pthread_once_t filled = PTHREAD_ONCE_INIT;
	pthread_once(&filled, fill_slots);
	if (!len)
		return NULL;
	for (size_t i = slot_of(key, len); slot_row[i]; i = (i + 1) & (SLOTS - 1)) {
		const struct entry_key *k = &keys[slot_row[i] - 1];
		if (k->len == len && !memcmp(k->key, key, len))
			return k;
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

int entry_read_number(const char *s, size_t len, struct entry_value *v)
{
	char buf[64]; /* strtoll and strtod need the text NUL-terminated */
	char *text = len < sizeof buf ? buf : malloc(len + 1);
	if (!text)
		return -1;
	memcpy(text, s, len);
	text[len] = '\0';
	int out_of_range;
	if (v->integer) {
		errno = 0;
		v->whole = strtoll(text, NULL, 10);
		v->number = (double)v->whole;
		out_of_range = errno == ERANGE || v->whole == LLONG_MIN;
	} else {
		v->number = strtod(text, NULL);
		out_of_range = isinf(v->number) != 0; /* glibc: -1 for -inf */
	}
	if (text != buf)
		free(text);
	return out_of_range;
}

/* A number at the top level that no field takes (text: as written, len
 * bytes, or NULL when v holds the value). */
static int add_counter(struct results_entry *e, const char *key, size_t keylen, struct entry_value v, const char *text,
		       size_t len)
{
	if (e->ncounters == e->cap_counters) {
		int cap = e->cap_counters ? e->cap_counters * 2 : 32;
		struct entry_counter *c = realloc(e->counters, (size_t)cap * sizeof *c);
		if (!c)
			return -1;
		e->counters = c;
		e->cap_counters = cap;
	}
	size_t at = keep_string(e, key, keylen), text_at = text ? keep_string(e, text, len) : SIZE_MAX;
	if (at == SIZE_MAX || (text && text_at == SIZE_MAX))
		return -1;
	e->counters[e->ncounters++] = (struct entry_counter){ at, keylen, text_at, v.number };
	return 0;
}

static void drop_counter(struct results_entry *e, const char *key, size_t keylen)
{
	int kept = 0;
	for (int i = 0; i < e->ncounters; i++) {
		const struct entry_counter *c = &e->counters[i];
		if (c->key_len != keylen || memcmp(e->strings + c->key_at, key, keylen))
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
	if (!nested && (!k || k->counter)) {
		/* A key written twice keeps its last value, as in a JSON object:
		 * a number then something else is no counter. */
		if (v.kind != ENTRY_NUMBER)
			drop_counter(e, key, keylen);
		else if (add_counter(e, key, keylen, v, string, len) < 0)
			return -1;
		if (!k)
			return 0;
	}
	if (k->field == NOT_KEPT)
		return 0;
	if (v.kind == ENTRY_STRING && (v.at = keep_string(e, string, len)) == SIZE_MAX)
		return -1;
	if (v.kind == ENTRY_NUMBER && string && k->asked && !v.integer) {
		v.as_text = true;
		if ((v.at = keep_string(e, string, len)) == SIZE_MAX)
			return -1;
	} else if (v.kind == ENTRY_NUMBER && string && entry_read_number(string, len, &v) < 0) {
		return -1;
	}
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

double entry_number(const struct results_entry *e, const struct entry_value *v)
{
	if (v->kind != ENTRY_NUMBER)
		return 0;
	return v->as_text ? strtod(e->strings + v->at, NULL) : v->number; /* the kept text is NUL-terminated */
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

double entry_counter_number(const struct results_entry *e, const struct entry_counter *c)
{
	/* The kept text is NUL-terminated; an integer of up to 18 digits reads
	 * the same as a double (both are rounded to the nearest). */
	return c->text_at == SIZE_MAX ? c->value : strtod(e->strings + c->text_at, NULL);
}
