#include "results_stream.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "results_entry.h"
#include "results_tree.h"

/* yajl parses the file block by block and calls back for every key and
 * value; nothing but the entry being read (and the context, which is small)
 * is held. Depth 1 is the document's object, 2 a value of it ('context',
 * the 'benchmarks' array), 3 an entry, 4 a value nested in an entry. */
#define BLOCK (1u << 20)
#define DOCUMENT 1
#define ENTRIES 2
#define ENTRY 3
#define MAX_CONTEXT_DEPTH 2048 /* jansson's limit, where the context is written */

enum part { BEFORE, TOP, CONTEXT, IN_BENCHMARKS, IN_ENTRY, SKIP, AFTER };

struct reader {
	const char *path;
	struct results_view *v;
	char *err;
	size_t errlen;
	bool failed;            /* err says why */
	const char *refused;    /* a number yajl itself would refuse: in yajl's words */
	uintptr_t block, block_end; /* the bytes yajl is parsing */
	enum part part;
	int depth;              /* containers open */
	int skip_to;            /* SKIP: the depth at which the skipped value ends */
	enum part after_skip;
	char *key;              /* the key of the value being read at DOCUMENT or ENTRY depth */
	size_t keylen, key_cap;
	char *path_key;         /* ENTRY + 1: "key.inner" */
	size_t path_len, path_cap;
	struct results_entry entry;
	struct results_tree context;
	bool have_context, have_benchmarks;
};

static int fail(struct reader *r, const char *where, const char *what)
{
	snprintf(r->err, r->errlen, "cannot read %s: %s%s; give a results JSON file or a run id from the history",
		 r->path, where, what);
	r->failed = true;
	return 0;
}

/* rc of the view taking a value: 1, or 0 with the error naming the file. */
static int taken(struct reader *r, int rc)
{
	if (rc == 0)
		return 1;
	char why[512];
	snprintf(why, sizeof why, "%s", r->err);
	snprintf(r->err, r->errlen, "%s: %s", r->path, why);
	r->failed = true;
	return 0;
}

/* An entry is complete: into the view. */
static int entry_done(struct reader *r)
{
	return taken(r, results_view_add(r->v, &r->entry, r->err, r->errlen));
}

static int oom(struct reader *r)
{
	return fail(r, "", "out of memory");
}

/* The context is complete (it may be any value: the view refuses what is
 * not an object). A later 'context' replaces it, as in a JSON object. */
static int context_done(struct reader *r)
{
	r->part = TOP;
	r->have_context = true;
	json_t *ctx = results_tree_take(&r->context);
	if (!ctx)
		return oom(r);
	int rc = results_view_set_context(r->v, ctx, r->err, r->errlen);
	json_decref(ctx);
	return taken(r, rc);
}

/* A value in an entry at depth (a scalar, or ENTRY_OTHER: a container). */
static int value_in_entry(struct reader *r, int depth, struct entry_value v, const char *s, size_t len)
{
	int rc = 0;
	if (depth == ENTRY)
		rc = results_entry_set(&r->entry, r->key, r->keylen, false, v, s, len);
	else if (depth == ENTRY + 1)
		rc = results_entry_set(&r->entry, r->path_key, r->path_len, true, v, s, len);
	return rc < 0 ? oom(r) : 1;
}

/* A scalar (v) anywhere in the document. */
static int scalar(struct reader *r, struct entry_value v, const char *s, size_t len)
{
	switch (r->part) {
	case BEFORE:
		return fail(r, "", "it is not a JSON object");
	case TOP:
		if (!strcmp(r->key, "benchmarks"))
			return fail(r, "", "'benchmarks' is not an array");
		if (strcmp(r->key, "context"))
			return 1;
		r->part = CONTEXT;
		/* fall through */
	case CONTEXT:
		if (v.kind == ENTRY_NUMBER && s && entry_read_number(s, len, &v) < 0)
			return oom(r);
		if (results_tree_scalar(&r->context, v, s, len) < 0)
			return oom(r);
		return r->depth == DOCUMENT ? context_done(r) : 1;
	case IN_BENCHMARKS:
		/* Not an object: the check says so, naming the entry. */
		results_entry_reset(&r->entry);
		r->entry.is_object = false;
		return entry_done(r);
	case IN_ENTRY:
		return value_in_entry(r, r->depth, v, s, len);
	default:
		return 1;
	}
}

static int on_null(void *ctx)
{
	return scalar(ctx, (struct entry_value){ .kind = ENTRY_NULL }, NULL, 0);
}

static int on_boolean(void *ctx, int b)
{
	return scalar(ctx, (struct entry_value){ .kind = b ? ENTRY_TRUE : ENTRY_FALSE }, NULL, 0);
}

/* A number yajl would refuse: the parse stops there and says what yajl says. */
static int refuse_number(struct reader *r, const char *why)
{
	r->refused = why;
	return 0;
}

/* yajl hands over the number's text (yajl_number) instead of reading it;
 * it is read only where it is kept (results_entry_set), as reading every
 * number of a large file costs about as much as parsing it. What yajl's
 * own reading refuses, this refuses in its words: an integer out of range
 * (it has 19 digits or more: JSON has no leading zeros), a number beyond
 * a double (it has an exponent or 309 digits or more). */
static int on_number(void *ctx, const char *s, size_t len)
{
	struct reader *r = ctx;
	bool integer = true, exponent = false;
	for (size_t i = 0; i < len; i++) {
		exponent |= s[i] == 'e' || s[i] == 'E';
		integer &= s[i] != '.';
	}
	integer &= !exponent;
	struct entry_value v = { .kind = ENTRY_NUMBER, .integer = integer };
	if (integer ? len < 19 : !exponent && len <= 300)
		return scalar(r, v, s, len);
	int rc = entry_read_number(s, len, &v);
	if (rc < 0)
		return oom(r);
	if (rc > 0)
		return refuse_number(r, integer ? "integer overflow" : "numeric (floating point) overflow");
	return scalar(r, v, NULL, 0);
}

/* Does the string or key s hold a NUL (which jansson, reading these files
 * elsewhere, refuses)? Only if yajl decoded it from \u0000: a string yajl
 * hands over within the block it parses is the file's own bytes, where it
 * refuses a NUL as a control character; a decoded one (or one joined from
 * two blocks) is elsewhere. Saves a scan of every string of a large file. */
static bool holds_nul(const struct reader *r, const unsigned char *s, size_t len)
{
	uintptr_t at = (uintptr_t)s;
	return (at < r->block || at + len > r->block_end) && memchr(s, '\0', len);
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
	struct reader *r = ctx;
	if (holds_nul(r, s, len))
		return fail(r, "", "a string holds \\u0000");
	return scalar(r, (struct entry_value){ .kind = ENTRY_STRING }, (const char *)s, len);
}

/* k (len bytes) at offset at of *buf, NUL-terminated; -1 when out of memory. */
static int put_text(char **buf, size_t *cap, size_t at, const char *k, size_t len)
{
	if (*cap < at + len + 1) {
		size_t n = 2 * (at + len + 1) + 64;
		char *p = realloc(*buf, n);
		if (!p)
			return -1;
		*buf = p;
		*cap = n;
	}
	memcpy(*buf + at, k, len);
	(*buf)[at + len] = '\0';
	return 0;
}

static int on_key(void *ctx, const unsigned char *k, size_t len)
{
	struct reader *r = ctx;
	const char *key = (const char *)k;
	if (holds_nul(r, k, len))
		return fail(r, "", "a key holds \\u0000");
	if (r->part == CONTEXT)
		return results_tree_key(&r->context, key, len) < 0 ? oom(r) : 1;
	if ((r->part == TOP && r->depth == DOCUMENT) || (r->part == IN_ENTRY && r->depth == ENTRY)) {
		r->keylen = len;
		return put_text(&r->key, &r->key_cap, 0, key, len) < 0 ? oom(r) : 1;
	}
	if (r->part == IN_ENTRY && r->depth == ENTRY + 1) {
		r->path_len = r->keylen + 1 + len;
		if (put_text(&r->path_key, &r->path_cap, 0, r->key, r->keylen) < 0 ||
		    put_text(&r->path_key, &r->path_cap, r->keylen, ".", 1) < 0 ||
		    put_text(&r->path_key, &r->path_cap, r->keylen + 1, key, len) < 0)
			return oom(r);
	}
	return 1;
}

static void skip_value(struct reader *r, int depth)
{
	r->after_skip = r->part;
	r->skip_to = depth;
	r->part = SKIP;
}

/* Start of an object (object) or an array, as a value at depth d. */
static int on_start(struct reader *r, bool object)
{
	int d = r->depth++;
	switch (r->part) {
	case BEFORE:
		r->part = TOP;
		return object ? 1 : fail(r, "", "it is not a JSON object");
	case TOP:
		if (!strcmp(r->key, "context")) {
			r->part = CONTEXT;
			return results_tree_start(&r->context, object) < 0 ? oom(r) : 1;
		}
		if (!strcmp(r->key, "benchmarks")) {
			r->part = IN_BENCHMARKS;
			if (r->have_benchmarks) /* the entries read are not taken back */
				return fail(r, "", "it has two 'benchmarks' arrays");
			return object ? fail(r, "", "'benchmarks' is not an array") : 1;
		}
		skip_value(r, d);
		return 1;
	case CONTEXT:
		if (r->depth > MAX_CONTEXT_DEPTH)
			return fail(r, "", "its context is nested too deeply");
		return results_tree_start(&r->context, object) < 0 ? oom(r) : 1;
	case IN_BENCHMARKS:
		results_entry_reset(&r->entry);
		if (object) {
			r->part = IN_ENTRY;
			return 1;
		}
		r->entry.is_object = false;
		return entry_done(r);
	case IN_ENTRY:
		if (value_in_entry(r, d, (struct entry_value){ .kind = ENTRY_OTHER }, NULL, 0) == 0)
			return 0;
		if (d == ENTRY && object)
			return 1; /* its keys are "key.inner" */
		skip_value(r, d);
		return 1;
	default:
		return 1;
	}
}

static int on_end(void *ctx)
{
	struct reader *r = ctx;
	r->depth--;
	switch (r->part) {
	case CONTEXT:
		if (results_tree_end(&r->context) < 0)
			return oom(r);
		return r->depth == DOCUMENT ? context_done(r) : 1;
	case SKIP:
		if (r->depth == r->skip_to)
			r->part = r->after_skip;
		return 1;
	case IN_ENTRY:
		if (r->depth != ENTRIES)
			return 1;
		r->part = IN_BENCHMARKS;
		return entry_done(r);
	case IN_BENCHMARKS:
		r->part = TOP;
		r->have_benchmarks = true;
		return 1;
	case TOP:
		r->part = AFTER;
		return 1;
	default:
		return 1;
	}
}

static int on_start_map(void *ctx)
{
	return on_start(ctx, true);
}

static int on_start_array(void *ctx)
{
	return on_start(ctx, false);
}

static const yajl_callbacks callbacks = {
	.yajl_null = on_null,
	.yajl_boolean = on_boolean,
	.yajl_number = on_number,
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_key,
	.yajl_end_map = on_end,
	.yajl_start_array = on_start_array,
	.yajl_end_array = on_end,
};

/* yajl's complaint about the bytes at line, in the reader's words. */
static void parse_error(struct reader *r, yajl_handle h, long line)
{
	if (r->failed)
		return;
	if (r->part == BEFORE) {
		fail(r, "", "it is not a JSON object");
		return;
	}
	if (r->part == AFTER) {
		fail(r, "", "data after the end of the document");
		return;
	}
	char what[300], where[64] = "";
	if (r->refused) {
		snprintf(what, sizeof what, "invalid JSON at line %ld (parse error: %s)", line, r->refused);
	} else {
		unsigned char *text = yajl_get_error(h, 0, NULL, 0);
		size_t n = strcspn((const char *)text, "\n");
		snprintf(what, sizeof what, "invalid JSON at line %ld (%.*s)", line, (int)n, (const char *)text);
		yajl_free_error(h, text);
	}
	if (r->part == IN_BENCHMARKS || r->part == IN_ENTRY || (r->part == SKIP && r->after_skip == IN_ENTRY))
		snprintf(where, sizeof where, "benchmarks entry %ld: ", r->v->entries);
	fail(r, where, what);
}

static long lines_in(const unsigned char *p, size_t n)
{
	long lines = 0;
	for (const unsigned char *end = p + n; (p = memchr(p, '\n', (size_t)(end - p))); p++)
		lines++;
	return lines;
}

static void read_document(struct reader *r, FILE *f, unsigned char *buf)
{
	yajl_handle h = yajl_alloc(&callbacks, NULL, r);
	if (!h) {
		oom(r);
		return;
	}
	long line = 1;
	yajl_status st = yajl_status_ok;
	size_t n;
	while (st == yajl_status_ok && (n = fread(buf, 1, BLOCK, f)) > 0) {
		r->block = (uintptr_t)buf;
		r->block_end = r->block + n;
		st = yajl_parse(h, buf, n);
		r->block = r->block_end = 0;
		line += lines_in(buf, st == yajl_status_ok ? n : yajl_get_bytes_consumed(h));
	}
	if (st == yajl_status_ok && ferror(f))
		fail(r, "", strerror(errno));
	else if (st == yajl_status_ok && (st = yajl_complete_parse(h)) != yajl_status_ok)
		parse_error(r, h, line);
	else if (st != yajl_status_ok)
		parse_error(r, h, line);
	else if (r->part != AFTER)
		fail(r, "", "it is not a JSON object");
	else if (!r->have_context || !r->have_benchmarks) {
		snprintf(r->err, r->errlen, "%s is not a results file: it needs a 'context' object and a 'benchmarks' array",
			 r->path);
		r->failed = true;
	}
	yajl_free(h);
}

int results_view_load_stream(FILE *f, const char *path, struct results_view *v, char *err, size_t errlen)
{
	results_view_init(v);
	struct reader r = { .path = path, .v = v, .err = err, .errlen = errlen };
	unsigned char *buf = malloc(BLOCK);
	if (buf)
		read_document(&r, f, buf);
	else
		oom(&r);
	free(buf);
	results_entry_free(&r.entry);
	results_tree_free(&r.context);
	free(r.key);
	free(r.path_key);
	if (r.failed)
		results_view_free(v);
	return r.failed ? -1 : 0;
}

int results_view_load_file(const char *path, struct results_view *v, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		results_view_init(v);
		snprintf(err, errlen, "cannot read %s: unable to open %s: %s; give a results JSON file or a run id from the history",
			 path, path, strerror(errno));
		return -1;
	}
	int rc = results_view_load_stream(f, path, v, err, errlen);
	fclose(f);
	return rc;
}
