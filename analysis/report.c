#include "report.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "model.h"

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static double num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

/* The median aggregate of a cell, or NULL. */
static json_t *median_of(json_t *list, const char *run_name)
{
	size_t i;
	json_t *b;
	json_array_foreach(list, i, b)
		if (!strcmp(str(b, "run_name"), run_name) && !strcmp(str(b, "aggregate_name"), "median"))
			return b;
	return NULL;
}

static json_t *cv_of(json_t *list, const char *run_name)
{
	size_t i;
	json_t *b;
	json_array_foreach(list, i, b)
		if (!strcmp(str(b, "run_name"), run_name) && !strcmp(str(b, "aggregate_name"), "cv"))
			return b;
	return NULL;
}

static void provenance(json_t *ctx, FILE *out)
{
	fprintf(out, "## Host\n\n| | |\n|---|---|\n");
	const char *keys[] = { "date", "host_name", "cpu_model", "microcode", "kernel", "tsc_source",
			       "thp_enabled", "kvm_modules", "kvm_status", "kvm_guest_1g_reason",
			       "tlbvisor_version", "command_line" };
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		fprintf(out, "| %s | %s |\n", keys[i], str(ctx, keys[i]));
	fprintf(out, "| tsc_hz | %.0f |\n", num(ctx, "tsc_hz"));
	fprintf(out, "| hugepages 2M / 1G reserved | %lld / %lld |\n",
		(long long)json_integer_value(json_object_get(ctx, "hugepages_2m_total")),
		(long long)json_integer_value(json_object_get(ctx, "hugepages_1g_total")));
	json_t *params = json_object_get(ctx, "kvm_parameters");
	const char *k;
	json_t *v;
	json_object_foreach(params, k, v)
		fprintf(out, "| %s | %s |\n", k, json_string_value(v));
	fprintf(out, "\n");
}

/* Virtualized / native at each cell's working set: kvm guest:G/host:H is
 * divided by native host:4k with the same pattern and working set. */
static void overhead(json_t *list, FILE *out)
{
	fprintf(out, "## Virtualization overhead\n\nEach KVM cell against native 4K pages at the same working set and pattern (ratio of median cycles per access; > 1 is slower than native).\n\n");
	fprintf(out, "| cell | kvm cycles | native 4k cycles | ratio | extra cycles |\n|---|---:|---:|---:|---:|\n");
	size_t i;
	json_t *b;
	int rows = 0;
	json_array_foreach(list, i, b) {
		if (strcmp(str(b, "aggregate_name"), "median") || strcmp(str(b, "backend"), "kvm"))
			continue;
		char native[256];
		snprintf(native, sizeof native, "chase/%s/ws:%s/backend:native/host:4k", str(b, "pattern"),
			 str(b, "ws"));
		json_t *n = median_of(list, native);
		if (!n)
			continue;
		double kc = num(b, "cycles_per_access"), nc = num(n, "cycles_per_access");
		fprintf(out, "| %s | %.1f | %.1f | %.3f | %+.1f |\n", str(b, "run_name"), kc, nc,
			nc > 0 ? kc / nc : 0, kc - nc);
		rows++;
	}
	if (!rows)
		fprintf(out, "| (no kvm cell has a native 4k counterpart in this run) | | | | |\n");
	fprintf(out, "\n");
}

int report_markdown(json_t *doc, FILE *out, char *err, size_t errlen)
{
	json_t *ctx = json_object_get(doc, "context");
	json_t *list = json_object_get(doc, "benchmarks");
	if (!json_is_object(ctx) || !json_is_array(list)) {
		snprintf(err, errlen, "not a results file: it needs a 'context' object and a 'benchmarks' array");
		return -1;
	}
	fprintf(out, "# tlbvisor report\n\n");
	if (json_is_true(json_object_get(ctx, "interrupted")))
		fprintf(out, "**This run was interrupted**: only the cells below finished.\n\n");
	fprintf(out, "Random pointer chase, one cache line per %lld-byte stride; times are medians of %lld repetitions after warm-up; cycles are TSC cycles.\n\n",
		(long long)json_integer_value(json_object_get(ctx, "stride_bytes")),
		(long long)json_integer_value(json_object_get(ctx, "repetitions")));

	fprintf(out, "## Results\n\n| cell | status | cycles/access | ns/access | cv %% | warm-up passes | effective page | note |\n|---|---|---:|---:|---:|---:|---|---|\n");
	size_t i;
	json_t *b;
	int flagged = 0, skipped = 0;
	json_array_foreach(list, i, b) {
		const char *status = str(b, "status");
		bool ok = !strcmp(status, "ok");
		if (ok && strcmp(str(b, "aggregate_name"), "median"))
			continue;
		if (!ok) {
			skipped++;
			fprintf(out, "| %s | %s | | | | | | %s |\n", str(b, "run_name"), status,
				str(b, "error_message"));
			continue;
		}
		json_t *cv = cv_of(list, str(b, "run_name"));
		bool flag = json_is_true(json_object_get(b, "page_size_flagged"));
		flagged += flag;
		fprintf(out, "| %s | ok | %.1f | %.2f | %.2f | %d | %s | %s%s |\n", str(b, "run_name"),
			num(b, "cycles_per_access"), num(b, "ns_per_access"), cv ? num(cv, "real_time") * 100 : NAN,
			(int)num(b, "warmup_passes"), str(b, "effective_page"), flag ? "**flagged**: " : "",
			str(b, "page_size_note"));
	}
	fprintf(out, "\n%d cells flagged for effective page size differing from the request; %d cells skipped or failed (reasons above).\n\n",
		flagged, skipped);
	overhead(list, out);

	fprintf(out, "## Nested page-walk model\n\nMemory references per TLB miss, computed by walking tables built by the paging engine (4-level guest and EPT):\n\n| guest leaf | EPT leaf | native refs | nested refs |\n|---|---|---:|---:|\n");
	struct model_row rows[MODEL_MAX_ROWS];
	int n = model_compute(rows, MODEL_MAX_ROWS);
	for (int r = 0; r < n; r++) {
		if (rows[r].guest_levels != 4 || rows[r].ept_levels != 4 || rows[r].error)
			continue;
		const char *names[] = { "4K", "2M", "1G" };
		int g = rows[r].guest_page == (1ull << 30) ? 2 : rows[r].guest_page == (2ull << 20);
		int e = rows[r].ept_page == (1ull << 30) ? 2 : rows[r].ept_page == (2ull << 20);
		fprintf(out, "| %s | %s | %u | %u |\n", names[g], names[e], rows[r].native_refs, rows[r].nested_refs);
	}
	fprintf(out, "\n");
	provenance(ctx, out);
	return 0;
}
