/* Fuzz what reads results JSON: the view and its checks, compare,
 * strategies, the report's Markdown, and the import into an (in-memory)
 * history. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis/compare.h"
#include "analysis/report.h"
#include "analysis/strategies.h"
#include "bench/results/history.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *)data, size, 0, NULL);
	if (!doc)
		return 0;
	char err[512];
	FILE *null = fopen("/dev/null", "w");
	struct results_view v;
	if (results_view_build(doc, &v, err, sizeof err) == 0) {
		struct compare_options o = { .threshold = 0.05, .alpha = 0.05 };
		struct compare_summary s;
		compare_runs(&v, &v, &o, null, &s, err, sizeof err);
		strategies_markdown(&v, null, err, sizeof err);
		report_markdown(&v, null);
		results_view_free(&v);
	}
	fclose(null);
	struct history h;
	if (history_open(&h, ":memory:", err, sizeof err) == 0) {
		int64_t id = history_import(&h, doc, "fuzz", err, sizeof err);
		if (id >= 0 && history_load_view(&h, id, &v, err, sizeof err) == 0)
			results_view_free(&v);
		history_close(&h);
	}
	json_decref(doc);
	return 0;
}
