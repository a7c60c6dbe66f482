/* Fuzz what reads results JSON: the view, compare, strategies, the report's
 * Markdown, and the import into an (in-memory) history. */
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
	struct compare_options o = { 0.05, 0.05 };
	struct compare_summary s;
	compare_runs(doc, doc, &o, null, &s, err, sizeof err);
	strategies_markdown(doc, null, err, sizeof err);
	report_markdown(doc, null, err, sizeof err);
	fclose(null);
	struct history h;
	if (history_open(&h, ":memory:", err, sizeof err) == 0) {
		int64_t id = history_import(&h, doc, "fuzz", err, sizeof err);
		if (id >= 0)
			json_decref(history_load_run(&h, id, err, sizeof err));
		history_close(&h);
	}
	json_decref(doc);
	return 0;
}
