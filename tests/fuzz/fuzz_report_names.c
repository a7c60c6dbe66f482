/* Fuzz cell names through every output a report and compare write: the
 * input is a cell name. Whatever it holds, each Markdown table row keeps its
 * columns, no control character reaches the output, the HTML carries no
 * markup of its own and the gnuplot string literal stays one literal. A
 * violation aborts (libFuzzer reports it as a crash). */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "analysis/escape.h"
#include "analysis/report.h"
#include "analysis/table.h"

static json_t *entry(const char *name, const char *backend, const char *run_type, const char *agg, double v)
{
	json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:f}", "backend", backend, "pattern", "random",
			      "host_page", "4k", "guest_page", "4k", "ws_bytes", (json_int_t)16384, "ws", "16K",
			      "status", "ok", "run_type", run_type, "cycles_per_access", v);
	json_object_set_new(e, "run_name", json_string_nocheck(name));
	json_object_set_new(e, "name", json_string_nocheck(name));
	if (agg)
		json_object_set_new(e, "aggregate_name", json_string(agg));
	return e;
}

/* Unescaped pipes in a Markdown line. */
static int pipes(const char *line, size_t len)
{
	int n = 0;
	for (size_t i = 0; i < len; i++) {
		if (line[i] == '\\' && i + 1 < len)
			i++;
		else if (line[i] == '|')
			n++;
	}
	return n;
}

/* Every table row has as many cells as its header; no control characters. */
static void check_markdown(const char *md, size_t len)
{
	int columns = -1;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(md + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (md + i)) : len - i;
		const char *line = md + i;
		for (size_t k = 0; k < n; k++)
			if ((unsigned char)line[k] < 0x20 || line[k] == 0x7f)
				abort();
		if (n && line[0] == '|') {
			int p = pipes(line, n);
			if (columns < 0)
				columns = p;
			else if (p != columns)
				abort();
		} else {
			columns = -1;
		}
		i += n + 1;
	}
}

static void check_html_cell(const char *name)
{
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	static const char *const cols[] = { "cell" };
	struct table t;
	table_begin(&t, NULL, f, name, name, 1, cols);
	const char *vals[] = { name };
	table_row(&t, vals);
	table_end(&t);
	fclose(f);
	/* Only the table's own tags: the name added no '<', '>' or quote. */
	static const char *const tags[] = { "<h2>", "</h2>", "<p>", "</p>", "<table>", "</table>", "<tr>", "</tr>",
					    "<th>", "</th>", "<td>", "</td>" };
	for (size_t i = 0; i < len;) {
		size_t k, tl = 0;
		for (k = 0; k < sizeof tags / sizeof *tags; k++) {
			tl = strlen(tags[k]);
			if (len - i >= tl && !memcmp(buf + i, tags[k], tl))
				break;
		}
		if (k < sizeof tags / sizeof *tags) {
			i += tl;
			continue;
		}
		if (strchr("<>\"'", buf[i]) && buf[i])
			abort();
		i++;
	}
	free(buf);
}

static void check_gnuplot(const char *name)
{
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	escape_gnuplot(f, name);
	fclose(f);
	if (len < 2 || buf[0] != '\'' || buf[len - 1] != '\'')
		abort();
	for (size_t i = 1; i + 1 < len; i++) {
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			abort();
		if (buf[i] == '\'') {
			if (buf[i + 1] != '\'' || i + 2 >= len)
				abort();
			i++;
		}
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char raw[512], name[600];
	size_t n = size < sizeof raw - 1 ? size : sizeof raw - 1;
	memcpy(raw, data, n);
	raw[n] = '\0';
	snprintf(name, sizeof name, "chase/random/ws:16K/backend:native/host:%s", raw);
	json_t *doc = json_pack("{s:{s:s}, s:[]}", "context", "host_name", "fuzz", "benchmarks");
	json_t *list = json_object_get(doc, "benchmarks");
	for (int r = 0; r < 5; r++)
		json_array_append_new(list, entry(name, "native", "iteration", NULL, 10 + r));
	json_array_append_new(list, entry(name, "native", "aggregate", "median", 12));
	char err[512];
	struct results_view v;
	if (results_view_build(doc, &v, err, sizeof err) == 0) {
		char *buf;
		size_t len;
		FILE *f = open_memstream(&buf, &len);
		report_markdown(&v, f);
		fclose(f);
		check_markdown(buf, len);
		free(buf);
		f = open_memstream(&buf, &len);
		struct compare_options o = { .threshold = 0.05, .alpha = 0.05 };
		struct compare_summary s;
		compare_runs(&v, &v, &o, f, &s, err, sizeof err);
		fclose(f);
		check_markdown(buf, len);
		free(buf);
		results_view_free(&v);
	}
	json_decref(doc);
	check_html_cell(raw);
	check_gnuplot(raw);
	return 0;
}
