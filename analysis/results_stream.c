#include "results_stream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The file is read in large blocks; jansson decodes one value at a time from
 * the block (json_loadb with JSON_DISABLE_EOF_CHECK stops right after the
 * value and reports in json_error_t.position how many bytes it used). The
 * top level ({ "key": value, ... }) is walked here, each value decoded by
 * jansson. Memory is one block plus the value being decoded. */
#define ONE_VALUE (JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK)
#define BLOCK (4u << 20)

struct reader {
	FILE *f;
	char *buf;
	size_t cap, start, end;  /* unread bytes: buf[start, end) */
	int eof;
};

/* More bytes after the unread ones (the buffer grows when a value is larger
 * than it). -1 when out of memory. */
static int refill(struct reader *r)
{
	memmove(r->buf, r->buf + r->start, r->end - r->start);
	r->end -= r->start;
	r->start = 0;
	if (r->end == r->cap) {
		char *b = realloc(r->buf, r->cap * 2);
		if (!b)
			return -1;
		r->buf = b;
		r->cap *= 2;
	}
	size_t n = fread(r->buf + r->end, 1, r->cap - r->end, r->f);
	r->end += n;
	if (n == 0)
		r->eof = 1;
	return 0;
}

/* The next character that is not white space, consumed; EOF at the end. */
static int next_char(struct reader *r)
{
	for (;;) {
		while (r->start < r->end) {
			char c = r->buf[r->start++];
			if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
				return (unsigned char)c;
		}
		if (r->eof || refill(r) < 0)
			return EOF;
	}
}

static void unread_char(struct reader *r)
{
	r->start--;
}

/* One value. A value that reaches the end of the bytes read so far may be
 * cut short: more is read and it is decoded again. */
static json_t *decode_value(struct reader *r, json_error_t *je)
{
	for (;;) {
		size_t avail = r->end - r->start;
		if (!avail && r->eof) {
			snprintf(je->text, sizeof je->text, "unexpected end of file");
			return NULL;
		}
		json_t *v = avail ? json_loadb(r->buf + r->start, avail, ONE_VALUE, je) : NULL;
		if (avail && ((size_t)je->position < avail || r->eof)) {
			if (v)
				r->start += (size_t)je->position;
			return v;
		}
		json_decref(v);
		if (refill(r) < 0) {
			snprintf(je->text, sizeof je->text, "out of memory");
			return NULL;
		}
	}
}

static int fail(const char *path, const char *where, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "cannot read %s: %s%s; give a results JSON file or a run id from the history",
		 path, where, what);
	return -1;
}

/* The 'benchmarks' array, entry by entry; r is just past its '['. */
static int read_entries(struct reader *r, const char *path, struct results_view *v, char *err, size_t errlen)
{
	int c = next_char(r);
	if (c == ']')
		return 0;
	if (c != EOF)
		unread_char(r);
	for (;;) {
		json_error_t je;
		char where[64];
		snprintf(where, sizeof where, "benchmarks entry %ld: ", v->entries);
		json_t *e = decode_value(r, &je);
		if (!e)
			return fail(path, where, je.text, err, errlen);
		int rc = results_view_add(v, e, err, errlen);
		json_decref(e);
		if (rc < 0) {
			char why[512];
			snprintf(why, sizeof why, "%s", err);
			snprintf(err, errlen, "%s: %s", path, why);
			return -1;
		}
		c = next_char(r);
		if (c == ']')
			return 0;
		if (c != ',')
			return fail(path, where, "expected ',' or ']' after it", err, errlen);
	}
}

static int read_document(struct reader *r, const char *path, struct results_view *v, char *err, size_t errlen)
{
	if (next_char(r) != '{')
		return fail(path, "", "it is not a JSON object", err, errlen);
	int have_context = 0, have_benchmarks = 0;
	int c = next_char(r);
	if (c != '}' && c != EOF)
		unread_char(r);
	while (c != '}') {
		json_error_t je;
		json_t *key = decode_value(r, &je);
		if (!key || !json_is_string(key)) {
			json_decref(key);
			return fail(path, "", key ? "expected a key" : je.text, err, errlen);
		}
		int is_benchmarks = !strcmp(json_string_value(key), "benchmarks");
		int is_context = !strcmp(json_string_value(key), "context");
		json_decref(key);
		if (next_char(r) != ':')
			return fail(path, "", "expected ':' after a key", err, errlen);
		if (is_benchmarks) {
			if (next_char(r) != '[')
				return fail(path, "", "'benchmarks' is not an array", err, errlen);
			if (read_entries(r, path, v, err, errlen) < 0)
				return -1;
			have_benchmarks = 1;
		} else {
			json_t *x = decode_value(r, &je);
			if (!x)
				return fail(path, "", je.text, err, errlen);
			int rc = is_context ? results_view_set_context(v, x, err, errlen) : 0;
			json_decref(x);
			if (rc < 0)
				return -1;
			have_context |= is_context;
		}
		c = next_char(r);
		if (c != ',' && c != '}')
			return fail(path, "", "expected ',' or '}' between keys", err, errlen);
	}
	if (next_char(r) != EOF)
		return fail(path, "", "data after the end of the document", err, errlen);
	if (!have_context || !have_benchmarks) {
		snprintf(err, errlen, "%s is not a results file: it needs a 'context' object and a 'benchmarks' array", path);
		return -1;
	}
	return 0;
}

int results_view_load_file(const char *path, struct results_view *v, char *err, size_t errlen)
{
	results_view_init(v);
	struct reader r = { .f = fopen(path, "r"), .cap = BLOCK };
	if (!r.f) {
		char why[300];
		snprintf(why, sizeof why, "unable to open %s: %s", path, strerror(errno));
		return fail(path, "", why, err, errlen);
	}
	r.buf = malloc(r.cap);
	int rc = r.buf ? read_document(&r, path, v, err, errlen) : fail(path, "", "out of memory", err, errlen);
	if (rc == 0 && ferror(r.f))
		rc = fail(path, "", strerror(errno), err, errlen);
	free(r.buf);
	fclose(r.f);
	if (rc < 0)
		results_view_free(v);
	return rc;
}
