#include "results_stream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results_entry.h"
#include "results_feed.h"
#include "results_tree.h"

/* yajl parses the file block by block (results_feed.h) and the reader
 * takes every key and value in turn; nothing but the entry being read (and
 * the context, which is small) is held. Depth 1 is the document's object,
 * 2 a value of it ('context', the 'benchmarks' array), 3 an entry, 4 a
 * value nested in an entry. */
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

static int on_literal(void *ctx, enum entry_kind kind)
{
	return scalar(ctx, (struct entry_value){ .kind = kind }, NULL, 0);
}

/* A number as written: read only where it is kept (results_entry_set). */
static int on_number(void *ctx, const char *s, size_t len, bool integer)
{
	return scalar(ctx, (struct entry_value){ .kind = ENTRY_NUMBER, .integer = integer }, s, len);
}

static int on_string(void *ctx, const char *s, size_t len, bool may_hold_nul)
{
	struct reader *r = ctx;
	/* jansson, which reads these files elsewhere, refuses NUL in strings. */
	if (may_hold_nul && memchr(s, '\0', len))
		return fail(r, "", "a string holds \\u0000");
	return scalar(r, (struct entry_value){ .kind = ENTRY_STRING }, s, len);
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

static int on_key(void *ctx, const char *key, size_t len, bool may_hold_nul)
{
	struct reader *r = ctx;
	if (may_hold_nul && memchr(key, '\0', len))
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
static int on_start(void *ctx, bool object)
{
	struct reader *r = ctx;
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

/* The parse stopped at line: what (yajl's words), in the reader's. */
static void parse_error(struct reader *r, long line, const char *text)
{
	if (r->part == BEFORE) {
		fail(r, "", "it is not a JSON object");
		return;
	}
	if (r->part == AFTER) {
		fail(r, "", "data after the end of the document");
		return;
	}
	char what[400], where[64] = "";
	snprintf(what, sizeof what, "invalid JSON at line %ld (%s)", line, text);
	if (r->part == IN_BENCHMARKS || r->part == IN_ENTRY || (r->part == SKIP && r->after_skip == IN_ENTRY))
		snprintf(where, sizeof where, "benchmarks entry %ld: ", r->v->entries);
	fail(r, where, what);
}

static void read_document(struct reader *r, FILE *f, bool apart)
{
	static const struct feed_handlers handlers = {
		.start = on_start,
		.end = on_end,
		.key = on_key,
		.string = on_string,
		.number = on_number,
		.literal = on_literal,
	};
	struct feed_outcome out;
	results_feed(f, apart, &handlers, r, &out);
	if (r->failed)
		return; /* a handler stopped the parse: its error stands */
	if (out.end == FEED_OUT_OF_MEMORY)
		oom(r);
	else if (out.end == FEED_READ_ERROR)
		fail(r, "", strerror(out.errnum));
	else if (out.end == FEED_PARSE_ERROR)
		parse_error(r, out.line, out.text);
	else if (r->part != AFTER)
		fail(r, "", "it is not a JSON object");
	else if (!r->have_context || !r->have_benchmarks) {
		snprintf(r->err, r->errlen, "%s is not a results file: it needs a 'context' object and a 'benchmarks' array",
			 r->path);
		r->failed = true;
	}
}

int results_view_load_stream(FILE *f, const char *path, enum results_parse how, struct results_view *v, char *err,
			     size_t errlen)
{
	results_view_init(v);
	struct reader r = { .path = path, .v = v, .err = err, .errlen = errlen };
	read_document(&r, f, how == RESULTS_PARSE_APART);
	results_entry_free(&r.entry);
	results_tree_free(&r.context);
	free(r.key);
	free(r.path_key);
	if (r.failed)
		results_view_free(v);
	return r.failed ? -1 : 0;
}

int results_view_load_file(const char *path, enum results_parse how, struct results_view *v, char *err,
			   size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		results_view_init(v);
		snprintf(err, errlen, "cannot read %s: unable to open %s: %s; give a results JSON file or a run id from the history",
			 path, path, strerror(errno));
		return -1;
	}
	int rc = results_view_load_stream(f, path, how, v, err, errlen);
	fclose(f);
	return rc;
}
