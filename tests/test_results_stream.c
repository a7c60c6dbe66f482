/* The streaming reader of report and compare (yajl events, one entry at a
 * time, parsed in a thread of its own or in the reading one, alike)
 * against the view built from a jansson tree (the history's way): the
 * same cells, the same counters and context, the same refusals; a file
 * larger than one read block; the key table's rules (nested keys, counters,
 * a key written twice). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/results_stream.h"

static int load_with(const char *text, enum results_parse how, struct results_view *v, char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	cr_assert(f);
	int rc = results_view_load_stream(f, "t.json", how, v, err, errlen);
	fclose(f);
	return rc;
}

static int build_text(const char *text, struct results_view *v, char *err, size_t errlen)
{
	json_error_t je;
	json_t *doc = json_loads(text, 0, &je);
	cr_assert(doc, "%s", je.text);
	int rc = results_view_build(doc, v, err, errlen);
	json_decref(doc);
	return rc;
}

static void assert_same_number(double a, double b)
{
	cr_assert((isnan(a) && isnan(b)) || a == b, "%g != %g", a, b);
}

static void assert_same_views(const struct results_view *a, const struct results_view *b)
{
	cr_assert_eq(a->n, b->n);
	cr_assert_eq(a->entries, b->entries);
	for (int i = 0; i < a->n; i++) {
		const struct cell_view *x = &a->cells[i], *y = &b->cells[i];
		cr_assert_str_eq(x->name, y->name);
		cr_assert_str_eq(x->status, y->status);
		cr_assert_str_eq(x->reason, y->reason);
		cr_assert_str_eq(x->backend, y->backend);
		cr_assert_str_eq(x->guest_page, y->guest_page);
		cr_assert_str_eq(x->vpid, y->vpid);
		cr_assert_eq(x->ws_bytes, y->ws_bytes);
		cr_assert_eq(x->flagged, y->flagged);
		cr_assert_eq(x->nreps, y->nreps);
		for (int r = 0; r < x->nreps; r++)
			assert_same_number(x->reps[r], y->reps[r]);
		assert_same_number(x->median, y->median);
		assert_same_number(x->cv, y->cv);
		assert_same_number(x->ns_median, y->ns_median);
		cr_assert_eq(x->ncounters, y->ncounters);
		for (int c = 0; c < x->ncounters; c++) {
			cr_assert_str_eq(x->counters[c].key, y->counters[c].key);
			assert_same_number(x->counters[c].value, y->counters[c].value);
		}
	}
	cr_assert(json_equal(a->context, b->context));
}

/* text read both ways the reader parses (yajl in a thread of its own, and
 * in this one): the same view, or the same refusal in the same words. */
static int load_text(const char *text, struct results_view *v, char *err, size_t errlen)
{
	struct results_view here;
	char here_err[512] = "";
	int rc_here = load_with(text, RESULTS_PARSE_HERE, &here, here_err, sizeof here_err);
	int rc = load_with(text, RESULTS_PARSE_APART, v, err, errlen);
	cr_assert_eq(rc, rc_here, "apart: %s; here: %s", rc ? err : "read", rc_here ? here_err : "read");
	if (rc < 0) {
		cr_assert_str_eq(err, here_err);
	} else {
		assert_same_views(v, &here);
		results_view_free(&here);
	}
	return rc;
}

#define ITER(name, v) \
	"{\"name\":\"" name "\",\"run_name\":\"" name "\",\"run_type\":\"iteration\",\"backend\":\"kvm\"," \
	"\"guest_page\":null,\"vpid\":\"on\",\"ws_bytes\":16384,\"status\":\"ok\",\"cycles_per_access\":" v "," \
	"\"ns_per_access\":1.5,\"iterations\":1000,\"warmup_passes\":2,\"tsc_hz\":2.096e9," \
	"\"phases\":{\"setup_s\":0.5,\"deep\":{\"x\":1}},\"list\":[1,[2]],\"page_size_flagged\":true}"
#define AGG(name, agg, v) \
	"{\"name\":\"" name "_" agg "\",\"run_name\":\"" name "\",\"run_type\":\"aggregate\",\"aggregate_name\":\"" agg \
	"\",\"cycles_per_access\":" v ",\"ns_per_access\":" v ",\"real_time\":" v "}"

static const char doc[] =
	"{\"other\":{\"benchmarks\":5,\"context\":[1,{\"a\":2}]},\"context\":{\"host_name\":\"h\",\"tsc_hz\":2096000000,"
	"\"nested\":{\"list\":[1,2.5,\"x\",true,null]},\"interrupted\":false},\n\"benchmarks\":[\n"
	ITER("a", "10") ",\n" ITER("a", "12") ",\n" ITER("a", "11") ",\n" AGG("a", "median", "11") ",\n"
	AGG("a", "cv", "0.05") ",\n"
	"{\"name\":\"b\",\"status\":\"skipped\",\"error_message\":\"no \\u00e9 /dev/kvm\",\"backend\":\"kvm\","
	"\"warmup_passes\":1,\"warmup_passes\":3,\"warmup_exits\":2,\"warmup_exits\":\"4k\"}\n]}\n";

Test(results_stream, same_view_as_the_jansson_path)
{
	struct results_view s, j;
	char err[512];
	cr_assert_eq(load_text(doc, &s, err, sizeof err), 0, "%s", err);
	cr_assert_eq(build_text(doc, &j, err, sizeof err), 0, "%s", err);
	assert_same_views(&s, &j);
	cr_assert_eq(s.n, 2);
	const struct cell_view *a = results_view_find(&s, "a"), *b = results_view_find(&s, "b");
	cr_assert_eq(a->nreps, 3);
	cr_assert_float_eq(a->median, 11, 0);
	cr_assert_float_eq(a->cv, 0.05, 0);
	cr_assert_eq(a->ws_bytes, 16384);
	cr_assert(a->flagged);
	cr_assert_str_eq(a->guest_page, "");
	/* Numbers at the top level that no row takes are counters; nested
	 * ones and the keys of the table are not. */
	cr_assert_float_eq(view_counter(a, "warmup_passes"), 2, 0);
	cr_assert_float_eq(view_counter(a, "tsc_hz"), 2.096e9, 0);
	cr_assert(isnan(view_counter(a, "iterations")));
	cr_assert(isnan(view_counter(a, "cycles_per_access")));
	cr_assert(isnan(view_counter(a, "phases.setup_s")));
	cr_assert(isnan(view_counter(a, "setup_s")));
	/* A key written twice keeps its last value, as in a JSON object. */
	cr_assert_eq(b->ncounters, 1);
	cr_assert_float_eq(view_counter(b, "warmup_passes"), 3, 0);
	cr_assert(isnan(view_counter(b, "warmup_exits")), "a number, then a string: no counter");
	cr_assert_str_eq(b->reason, "no \xc3\xa9 /dev/kvm");
	cr_assert_str_eq(json_string_value(json_object_get(s.context, "host_name")), "h");
	results_view_free(&s);
	results_view_free(&j);
}

Test(results_stream, a_file_of_many_read_blocks)
{
	/* About 20 MB: entries cross the 1 MiB blocks the reader parses; keys
	 * longer than any of the table are counters all the same. */
	char *text;
	size_t len;
	FILE *f = open_memstream(&text, &len);
	fputs("{\"context\":{},\"benchmarks\":[", f);
	for (int i = 0; i < 20000; i++)
		fprintf(f, "%s{\"name\":\"cell/%d\",\"run_type\":\"iteration\",\"cycles_per_access\":%d.25,\"pad\":\"%0100d\","
			"\"long%0400d\":%d,\"n\":{\"long%0400d\":1}}",
			i ? ",\n" : "", i, i + 1, i, i, i, i);
	fputs("]}", f);
	fclose(f);
	cr_assert_gt(len, 3u << 20);
	struct results_view s, j;
	char err[512];
	cr_assert_eq(load_text(text, &s, err, sizeof err), 0, "%s", err);
	cr_assert_eq(build_text(text, &j, err, sizeof err), 0, "%s", err);
	assert_same_views(&s, &j);
	cr_assert_eq(s.n, 20000);
	cr_assert_float_eq(results_view_find(&s, "cell/19999")->reps[0], 20000.25, 0);
	cr_assert_eq(results_view_find(&s, "cell/7")->ncounters, 1);
	cr_assert_float_eq(results_view_find(&s, "cell/7")->counters[0].value, 7, 0);
	results_view_free(&s);
	results_view_free(&j);
	free(text);
}

/* A file of n entries of a few hundred bytes; entry bad (if < n) has a
 * negative cycles_per_access; one string of the first entry is long bytes. */
static char *many_entries(int n, int bad, size_t long_string, size_t *len)
{
	char *text;
	FILE *f = open_memstream(&text, len);
	fputs("{\"context\":{},\"benchmarks\":[", f);
	for (int i = 0; i < n; i++) {
		fprintf(f, "%s{\"name\":\"cell/%d\",\"run_type\":\"iteration\",\"cycles_per_access\":%s%d.25,\"note\":\"",
			i ? ",\n" : "", i / 3, i == bad ? "-" : "", i + 1);
		for (size_t k = 0; !i && k < long_string; k++)
			fputc('a' + (char)(k % 26), f);
		fprintf(f, "\",\"pad\":\"%0200d\",\"ci_low\":%d.5,\"ci_high\":%d.75}", i, i, i);
	}
	fputs("]}", f);
	fclose(f);
	return text;
}

Test(results_stream, refusals_early_and_late_in_a_large_file_and_a_string_longer_than_a_chunk)
{
	/* The parser runs ahead of the reader by several chunks: a refusal
	 * early stops it while it waits, one late while it is done; both are
	 * the reader's, in the same words either way (load_text). */
	struct results_view v;
	char err[512];
	size_t len;
	char *text = many_entries(60000, 5, 3u << 20, &len);
	cr_assert_gt(len, 16u << 20);
	cr_assert_eq(load_text(text, &v, err, sizeof err), -1);
	cr_assert(strstr(err, "cell 'cell/1' (benchmarks entry 5): cycles_per_access is -6.25"), "%s", err);
	free(text);
	text = many_entries(60000, 59990, 0, &len);
	cr_assert_eq(load_text(text, &v, err, sizeof err), -1);
	cr_assert(strstr(err, "(benchmarks entry 59990): cycles_per_access is -59991.25"), "%s", err);
	free(text);
	text = many_entries(60000, 60000, 3u << 20, &len);
	cr_assert_eq(load_text(text, &v, err, sizeof err), 0, "%s", err);
	cr_assert_eq(v.n, 20000);
	const struct cell_view *c = results_view_find(&v, "cell/19999");
	cr_assert_eq(c->nreps, 3);
	cr_assert_float_eq(c->ci_low, 59997.5, 0);
	cr_assert_float_eq(c->ci_high, 59997.75, 0);
	cr_assert_float_eq(view_counter(c, "ci_low"), 59997.5, 0);
	results_view_free(&v);
	free(text);
}

struct refusal {
	const char *text, *words;
	bool jansson_too; /* the jansson path refuses it with the same words */
};

Test(results_stream, refusals_name_the_cell_entry_and_field)
{
	static const struct refusal cases[] = {
		{ "{\"context\":{},\"benchmarks\":[" ITER("a", "10") "," ITER("c/d", "-1") "]}",
		  "cell 'c/d' (benchmarks entry 1): cycles_per_access is -1; it must be a finite positive number",
		  true },
		{ "{\"context\":{},\"benchmarks\":[" ITER("a", "\"12\"") "]}", "cycles_per_access is a string", true },
		{ "{\"context\":{},\"benchmarks\":[" ITER("a", "[1]") "]}", "cycles_per_access is not a number", true },
		{ "{\"context\":{},\"benchmarks\":[" AGG("a", "median", "0") "]}", "cycles_per_access is 0", true },
		{ "{\"context\":{},\"benchmarks\":[" AGG("a", "cv", "0") "]}", NULL, true },
		{ "{\"context\":{},\"benchmarks\":[{\"name\":\"a\",\"ws_bytes\":1.5}]}",
		  "ws_bytes is 1.5; it must be a whole number of bytes", true },
		{ "{\"context\":{},\"benchmarks\":[{\"name\":\"a\",\"status\":\"fine\"}]}", "status is a string", true },
		{ "{\"context\":{},\"benchmarks\":[{\"run_name\":\"\"}]}", "benchmarks entry 0 has neither", true },
		{ "{\"context\":{},\"benchmarks\":[" ITER("a", "10") ",5]}", "benchmarks entry 1 is not an object", true },
		{ "{\"context\":{},\"benchmarks\":[[]]}", "benchmarks entry 0 is not an object", true },
		{ "{\"context\":5,\"benchmarks\":[]}", "its 'context' is not an object", false },
		{ "{\"context\":{},\"benchmarks\":{}}", "'benchmarks' is not an array", false },
		{ "{\"context\":{},\"benchmarks\":7}", "'benchmarks' is not an array", false },
		{ "{\"benchmarks\":[]}", "it needs a 'context' object and a 'benchmarks' array", true },
		{ "{\"context\":{}}", "it needs a 'context' object and a 'benchmarks' array", true },
		{ "{\"context\":{},\"benchmarks\":[],\"benchmarks\":[]}", "two 'benchmarks' arrays", false },
		{ "{\"context\":{},\"benchmarks\":[]} {}", "data after the end of the document", false },
		{ "[{\"context\":{}}]", "it is not a JSON object", false },
		{ "hostname\n", "it is not a JSON object", false },
		{ "", "it is not a JSON object", false },
		{ "{\"context\":{},\"benchmarks\":[" ITER("a", "10") ",\n{\"name\":\"b\",", "benchmarks entry 1: invalid JSON at line 2",
		  false },
		{ "{\"context\":{},\"benchmarks\":[{\"name\":\"a\",\"cycles_per_access\":1e999}]}",
		  "benchmarks entry 0: invalid JSON at line 1", false },
		{ "{\"context\":{\"x\":\"a\\u0000b\"},\"benchmarks\":[]}", "a string holds \\u0000", false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct results_view v;
		char err[512] = "";
		int rc = load_text(cases[i].text, &v, err, sizeof err);
		if (!cases[i].words) {
			cr_assert_eq(rc, 0, "case %zu: %s", i, err);
			results_view_free(&v);
			continue;
		}
		cr_assert_eq(rc, -1, "case %zu accepted", i);
		cr_assert_eq(v.n, 0);
		cr_assert(strstr(err, cases[i].words), "case %zu: %s", i, err);
		cr_assert(strstr(err, "t.json"), "case %zu does not name the file: %s", i, err);
		if (!cases[i].jansson_too)
			continue;
		cr_assert_eq(build_text(cases[i].text, &v, err, sizeof err), -1, "case %zu: jansson path accepted", i);
		cr_assert(strstr(err, cases[i].words), "case %zu (jansson path): %s", i, err);
	}
}
