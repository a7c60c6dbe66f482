#include "results_stream.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* jansson decodes one value and stops right after its closing ] } or ",
 * leaving the rest of the file to us: the top level ({ "key": value, ... })
 * is walked here, each value decoded by jansson. */
#define ONE_VALUE (JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK)

static int next_char(FILE *f)
{
	int c;
	do
		c = getc(f);
	while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
	return c;
}

/* One value. Scalars are read up to their delimiter first: jansson reads one
 * character past a number, true, false or null, which would be lost. */
static json_t *decode_value(FILE *f, json_error_t *je)
{
	int c = next_char(f);
	if (c == EOF) {
		snprintf(je->text, sizeof je->text, "unexpected end of file");
		return NULL;
	}
	ungetc(c, f);
	if (c == '{' || c == '[' || c == '"')
		return json_loadf(f, ONE_VALUE, je);
	char buf[128];
	size_t n = 0;
	while ((c = getc(f)) != EOF && !strchr(",}] \t\r\n", c) && n < sizeof buf)
		buf[n++] = (char)c;
	if (c != EOF)
		ungetc(c, f);
	return json_loadb(buf, n, JSON_DECODE_ANY, je);
}

static int fail(const char *path, const char *where, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "cannot read %s: %s%s; give a results JSON file or a run id from the history",
		 path, where, what);
	return -1;
}

/* The 'benchmarks' array, entry by entry; f is just past its '['. */
static int read_entries(FILE *f, const char *path, struct results_view *v, char *err, size_t errlen)
{
	int c = next_char(f);
	if (c == ']')
		return 0;
	ungetc(c, f);
	for (;;) {
		json_error_t je;
		char where[64];
		snprintf(where, sizeof where, "benchmarks entry %ld: ", v->entries);
		json_t *e = json_loadf(f, ONE_VALUE, &je);
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
		c = next_char(f);
		if (c == ']')
			return 0;
		if (c != ',')
			return fail(path, where, "expected ',' or ']' after it", err, errlen);
	}
}

static int read_document(FILE *f, const char *path, struct results_view *v, char *err, size_t errlen)
{
	if (next_char(f) != '{')
		return fail(path, "", "it is not a JSON object", err, errlen);
	int have_context = 0, have_benchmarks = 0;
	int c = next_char(f);
	if (c != '}')
		ungetc(c, f);
	while (c != '}') {
		json_error_t je;
		json_t *key = decode_value(f, &je);
		if (!key || !json_is_string(key)) {
			json_decref(key);
			return fail(path, "", key ? "expected a key" : je.text, err, errlen);
		}
		int is_benchmarks = !strcmp(json_string_value(key), "benchmarks");
		int is_context = !strcmp(json_string_value(key), "context");
		json_decref(key);
		if (next_char(f) != ':')
			return fail(path, "", "expected ':' after a key", err, errlen);
		if (is_benchmarks) {
			if (next_char(f) != '[')
				return fail(path, "", "'benchmarks' is not an array", err, errlen);
			if (read_entries(f, path, v, err, errlen) < 0)
				return -1;
			have_benchmarks = 1;
		} else {
			json_t *x = decode_value(f, &je);
			if (!x)
				return fail(path, "", je.text, err, errlen);
			int rc = is_context ? results_view_set_context(v, x, err, errlen) : 0;
			json_decref(x);
			if (rc < 0)
				return -1;
			have_context |= is_context;
		}
		c = next_char(f);
		if (c != ',' && c != '}')
			return fail(path, "", "expected ',' or '}' between keys", err, errlen);
	}
	if (next_char(f) != EOF)
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
	FILE *f = fopen(path, "r");
	if (!f) {
		char why[300];
		snprintf(why, sizeof why, "unable to open %s: %s", path, strerror(errno));
		return fail(path, "", why, err, errlen);
	}
	int rc = read_document(f, path, v, err, errlen);
	fclose(f);
	if (rc < 0)
		results_view_free(v);
	return rc;
}
