/* One entry of a results file's 'benchmarks' array as the analysis sees it:
 * the keys it uses, each in a field of its own, and the other numbers as
 * counters. One table (results_entry.c: key name -> field) says what is
 * kept; the streaming reader (yajl events, results_stream.c) and a jansson
 * object (the history, tests, fuzzing) fill an entry through it alike, so
 * every reader sees an entry the same way and one check judges it
 * (results_check.h). A key nested one object deep is named "outer.inner". */
#ifndef TLBVISOR_RESULTS_ENTRY_H
#define TLBVISOR_RESULTS_ENTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum entry_kind { ENTRY_ABSENT, ENTRY_NUMBER, ENTRY_STRING, ENTRY_NULL, ENTRY_TRUE, ENTRY_FALSE, ENTRY_OTHER };

struct entry_value {
	enum entry_kind kind;
	bool integer;       /* a number written without fraction or exponent */
	long long whole;    /* its value, when integer */
	double number;      /* ENTRY_NUMBER, unless as_text */
	bool as_text;       /* ENTRY_NUMBER not read yet: its text is at .at (entry_number reads it) */
	size_t at;          /* ENTRY_STRING: offset of the text in the entry's strings */
};

struct entry_counter {
	size_t key_at;      /* offset of the key in the entry's strings */
	size_t key_len;
	size_t text_at;     /* the number as written (offset in the strings), read
	                     * when asked (entry_counter_number); SIZE_MAX: value */
	double value;
};

struct results_entry {
	bool is_object;     /* false: the array held something else there */
	struct entry_value run_name, name, status, error_message, error_occurred, run_type, aggregate_name;
	struct entry_value backend, pattern, guest_page, host_page, ws, ws_bytes, effective_page;
	struct entry_value page_size_note, page_size_flagged, pmu_status, exit_reasons_status, vpid;
	struct entry_value second_level, stability, machine, pt_leaf;
	struct entry_value cycles_per_access, ns_per_access, real_time;
	struct entry_value ci_low, ci_high; /* counters too (the cell's interval) */
	struct entry_counter *counters; /* numbers at the top level that no field takes */
	int ncounters, cap_counters;
	char *strings;      /* the string values and counter keys, each NUL-terminated */
	size_t strings_len, strings_cap;
};

/* An empty entry (an object with no keys yet), keeping its buffers. */
void results_entry_reset(struct results_entry *e);
void results_entry_free(struct results_entry *e);

/* One value at key (keylen bytes, NUL-free; "outer.inner" when nested in
 * the object at key "outer"); v.at is ignored. A string value is copied
 * (len bytes). A number comes with its value (v.number, v.whole) or, with
 * string set, as its JSON text (len bytes; v.integer set): then it is read
 * only where it is kept (a field), or when asked (entry_number of a
 * ROW_ASKED field, entry_counter_number), since reading every number of a
 * large file costs about as much as parsing it. -1 when out of memory. */
int results_entry_set(struct results_entry *e, const char *key, size_t keylen, bool nested, struct entry_value v,
		      const char *string, size_t len);
/* The entry that the jansson value x is (any JSON value). -1 when out of memory. */
int results_entry_from_json(struct results_entry *e, json_t *x);

/* A string field, or "" when it is absent or not a string. */
const char *entry_string(const struct results_entry *e, const struct entry_value *v);
/* A number field, or 0 when it is absent or not a number. */
double entry_number(const struct results_entry *e, const struct entry_value *v);
/* The cell the entry belongs to: run_name, else name. */
const char *entry_cell_name(const struct results_entry *e);
const char *entry_counter_key(const struct results_entry *e, const struct entry_counter *c);
double entry_counter_number(const struct results_entry *e, const struct entry_counter *c);
/* The value of the JSON number text s (len bytes) into v (v->integer: an
 * integer, read into v->whole too). 1 when it is out of the range yajl's
 * own reading takes (an integer outside [-LLONG_MAX, LLONG_MAX], a number
 * beyond a double's), -1 when out of memory, else 0. */
int entry_read_number(const char *s, size_t len, struct entry_value *v);

#endif
