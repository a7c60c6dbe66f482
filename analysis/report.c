#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "baseline.h"
#include "escape.h"
#include "machines.h"
#include "provenance.h"
#include "summary.h"
#include "walk_metrics.h"
#include "model.h"
#include "model_table.h"
#include "overhead.h"
#include "lib/output_file.h"
#include "plots.h"
#include "strategies.h"
#include "table.h"
#include "lib/units.h"

/* Every section is written once, to Markdown and HTML at the same time
 * (either may be NULL), straight from the view: nothing of the size of the
 * run is held in memory. */
struct out {
	FILE *md, *html;
};

static void results_table(const struct results_view *v, struct out o)
{
	static const char *const cols[] = { "cell", ">cycles/access", ">ns/access", ">cv %", ">warm-up passes", "effective page", "note" };
	struct table t;
	table_begin(&t, o.md, o.html, "Results", "Median over the repetitions after warm-up; cycles are TSC cycles (for exit cells: cycles per exit round trip).", 7, cols);
	for (int i = 0; i < v->n; i++) {
		const struct cell_view *c = &v->cells[i];
		if (strcmp(c->status, "ok"))
			continue;
		char cyc[32], ns[32], cv[32], warm[32], n[600];
		table_number(cyc, sizeof cyc, "%.1f", c->median);
		table_number(ns, sizeof ns, "%.2f", c->ns_median);
		table_number(cv, sizeof cv, "%.2f", c->cv * 100);
		table_number(warm, sizeof warm, "%.0f", view_counter(c, "warmup_passes"));
		snprintf(n, sizeof n, "%s%s", c->flagged ? "flagged: " : "", c->note);
		const char *vals[] = { c->name, cyc, ns, cv, warm, c->effective_page, n };
		table_row(&t, vals);
	}
	table_end(&t);
}

static void exits_pmu_table(const struct results_view *v, struct out o)
{
	static const char *const cols[] = { "cell", ">build faults", ">measured exits", "exit reasons", "PMU per access", "PMU status" };
	struct table t;
	table_begin(&t, o.md, o.html, "Exits and PMU counters",
		    "Faults of the first-touch (build) pass, exits in the measured phase, exit reasons (tracepoint or the hypervisor's histogram), PMU counts per access. Every empty column says why.",
		    6, cols);
	for (int i = 0; i < v->n; i++) {
		const struct cell_view *c = &v->cells[i];
		if (strcmp(c->status, "ok"))
			continue;
		char faults[32], exits[32], reasons[512] = "", pmu[512] = "";
		double f = view_counter(c, "build_faults");
		if (isnan(f))
			f = view_counter(c, "build_host_faults");
		table_number(faults, sizeof faults, "%.0f", f);
		table_number(exits, sizeof exits, "%.0f", view_counter(c, "measure_exits"));
		size_t rl = 0, pl = 0;
		for (int k = 0; k < c->ncounters; k++) {
			const char *key = c->counters[k].key;
			double x = c->counters[k].value;
			if ((!strncmp(key, "exit_", 5) && strcmp(key, "exit_every")) || strstr(key, "_tp_exit_"))
				rl += (size_t)snprintf(reasons + rl, rl < sizeof reasons ? sizeof reasons - rl : 0, "%s%s=%.0f", rl ? ", " : "", key, x);
			if (!strncmp(key, "pmu_", 4) && strstr(key, "_per_access"))
				pl += (size_t)snprintf(pmu + pl, pl < sizeof pmu ? sizeof pmu - pl : 0, "%s%s=%.3g", pl ? ", " : "", key + 4, x);
		}
		if (!reasons[0])
			snprintf(reasons, sizeof reasons, "%s", c->exit_reasons_status);
		const char *vals[] = { c->name, faults, exits, reasons, pmu, c->pmu_status };
		table_row(&t, vals);
	}
	table_end(&t);
}

static void skipped_table(const struct results_view *v, struct out o)
{
	static const char *const cols[] = { "cell", "status", "reason" };
	struct table t;
	table_begin(&t, o.md, o.html, "Skipped and failed cells", "Cells this host could not realize (skipped) or that went wrong (failed), with the reason and, where there is one, the fix.", 3, cols);
	for (int i = 0; i < v->n; i++) {
		const struct cell_view *c = &v->cells[i];
		if (!strcmp(c->status, "ok"))
			continue;
		const char *vals[] = { c->name, c->status, c->reason };
		table_row(&t, vals);
	}
	table_end(&t);
}

static void warnings_table(const struct results_view *v, struct out o)
{
	static const char *const cols[] = { "cell", "requested host page", "effective", "why" };
	struct table t;
	table_begin(&t, o.md, o.html, "Effective versus requested page size", "Cells whose translation was not what they asked for (measured from smaps, KVM VM stats or the EPT the hypervisor built).", 4, cols);
	for (int i = 0; i < v->n; i++) {
		const struct cell_view *c = &v->cells[i];
		if (!c->flagged)
			continue;
		const char *vals[] = { c->name, c->host_page, c->effective_page, c->note };
		table_row(&t, vals);
	}
	table_end(&t);
}

static void provenance_table(const struct results_view *v, struct out o)
{
	static const char *const cols[] = { "key", "value" };
	struct table t;
	table_begin(&t, o.md, o.html, "Host and run", NULL, 2, cols);
	const char *k;
	json_t *val;
	json_object_foreach(v->context, k, val) {
		char buf[512];
		if (json_is_string(val))
			snprintf(buf, sizeof buf, "%s", json_string_value(val));
		else if (json_is_object(val) || json_is_array(val)) {
			char *d = json_dumps(val, JSON_COMPACT);
			snprintf(buf, sizeof buf, "%s", d ? d : "");
			free(d);
		} else if (json_is_integer(val))
			snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(val));
		else if (json_is_real(val))
			snprintf(buf, sizeof buf, "%.6g", json_real_value(val));
		else
			snprintf(buf, sizeof buf, "%s", json_is_true(val) ? "true" : json_is_false(val) ? "false" : "null");
		const char *vals[] = { k, buf };
		table_row(&t, vals);
	}
	table_end(&t);
}

static void note(struct out o, const char *text)
{
	if (o.md) {
		fputs("> **Note:** ", o.md);
		escape_markdown(o.md, text);
		fputs("\n\n", o.md);
	}
	if (o.html) {
		fputs("<p class=\"note\">", o.html);
		escape_html(o.html, text);
		fputs("</p>\n", o.html);
	}
}

/* In words, at the top: what the kvm cells measured, and what "native" was. */
static void provenance_notes(const struct results_view *v, struct out o)
{
	json_t *ctx = v->context;
	char buf[512];
	const char *emulator = json_str(ctx, "emulator");
	if (emulator[0]) {
		snprintf(buf, sizeof buf, "This run's host is %s, an emulator: every timing below is emulated and says nothing about performance (correctness only).",
			 emulator);
		note(o, buf);
	}
	bool kvm_cells = false;
	unsigned second_levels = 0;
	for (int i = 0; i < v->n; i++)
		if (!strcmp(v->cells[i].backend, "kvm")) {
			kvm_cells = true;
			if (!second_levels && !strcmp(v->cells[i].status, "ok"))
				second_levels = view_recorded_depth(&v->cells[i], "second_level_levels");
		}
	const char *words = json_str(ctx, "kvm_translation");
	if (kvm_cells && words[0]) {
		char depth[96] = "";
		if (second_levels >= 4)
			snprintf(depth, sizeof depth, " (%u-level %s)", second_levels,
				 !strcmp(json_str(ctx, "kvm"), "kvm_amd+NPT") ? "NPT, as deep as the host's paging" : "EPT");
		snprintf(buf, sizeof buf, "The kvm cells ran on %s%s.", words, depth);
		note(o, buf);
	}
	if (json_is_true(json_object_get(ctx, "native_is_vm"))) {
		snprintf(buf, sizeof buf, "\"native\" here is itself a virtual machine (hypervisor \"%s\"): native cells include that machine's own translation.",
			 json_str(ctx, "hypervisor_vendor"));
		note(o, buf);
	}
}

static void notes(const struct results_view *v, struct out o)
{
	if (json_is_true(json_object_get(v->context, "interrupted")))
		note(o, "This run was interrupted: only the cells below finished.");
	provenance_notes(v, o);
	static const char *const vmx[] = { "bochs", "qemu" };
	for (int i = 0; i < 2; i++) {
		json_t *b = json_object_get(v->context, vmx[i]);
		if (json_is_string(json_object_get(b, "note")))
			note(o, json_string_value(json_object_get(b, "note")));
	}
}

/* The opening: what the run found, in sentences, per machine. */
static void summary_section(const struct results_view *v, struct out o)
{
	if (o.md)
		fputs("## Summary\n\n", o.md);
	if (o.html)
		fputs("<div class=\"top\">\n<h2>Summary</h2>\n<ul>\n", o.html);
	const char *machines[MACHINES_MAX];
	int n = machines_list(v, machines, MACHINES_MAX);
	for (int m = 0; m < n; m++) {
		struct results_view one;
		if (n == 1) {
			summary_write(v, "", o.md, o.html);
		} else if (machines_view(v, machines[m], &one) == 0) {
			char prefix[160];
			snprintf(prefix, sizeof prefix, "On %s: ", machines[m]);
			summary_write(&one, prefix, o.md, o.html);
			machines_view_free(&one);
		}
	}
	if (o.md)
		fputs("\n", o.md);
	if (o.html)
		fputs("</ul>\n", o.html);
	provenance_write(v, o.md, o.html);
	if (o.html)
		fputs("</div>\n", o.html);
}

/* Sections that relate cells to each other (over native, ranked): per
 * machine when the results hold several, never across machines. */
static void related_sections(const struct results_view *v, struct out o)
{
	overhead_write(v, o.md, o.html);
	model_table_write(v, o.md, o.html);
	walk_metrics_write(v, o.md, o.html);
	strategies_write(v, o.md, o.html);
}

static void tables(const struct results_view *v, struct out o)
{
	results_table(v, o);
	const char *machines[MACHINES_MAX];
	int n = machines_list(v, machines, MACHINES_MAX);
	for (int m = 0; m < n; m++) {
		struct results_view one;
		if (n == 1) {
			related_sections(v, o);
		} else if (machines_view(v, machines[m], &one) == 0) {
			char title[200];
			snprintf(title, sizeof title, "Machine %s", machines[m]);
			struct table t;
			table_begin(&t, o.md, o.html, title, "The sections below compare cells of this machine only.", 0, NULL);
			related_sections(&one, o);
			machines_view_free(&one);
		}
	}
	exits_pmu_table(v, o);
	skipped_table(v, o);
	warnings_table(v, o);
	provenance_table(v, o);
}

int report_markdown(const struct results_view *v, FILE *out)
{
	struct out o = { out, NULL };
	fprintf(out, "# tlbvisor report\n\n");
	notes(v, o);
	summary_section(v, o);
	tables(v, o);
	return 0;
}

/* Inline an SVG file, without its XML prolog and doctype. */
static void inline_svg(FILE *out, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char line[8192];
	bool started = false;
	while (fgets(line, sizeof line, f)) {
		if (!started && !strstr(line, "<svg"))
			continue;
		started = true;
		fputs(line, out);
	}
	fclose(f);
}

static const char html_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>tlbvisor report</title>\n"
	"<style>\nbody{font-family:sans-serif;margin:2em;color:#222;max-width:1400px}\n"
	"table{border-collapse:collapse;margin:0.5em 0 1.5em 0;font-size:13px}\n"
	"th,td{border:1px solid #ccc;padding:3px 7px;text-align:left}\nth{background:#f0f0f0}\n"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}\n.note{background:#fff4ce;border-left:4px solid #e0a800;padding:0.5em 1em}\n"
	".top{background:#f4f8fc;border:1px solid #9bb8d3;padding:0 1em;margin-bottom:1em}\n.top li{margin:0.2em 0}\n"
	"figure{margin:1em 0}\nfigcaption{font-weight:bold}\n</style>\n</head>\n<body>\n<h1>tlbvisor report</h1>\n";

static void plots_section(struct out o, const char *plot_dir, const struct plot *plots, int nplots, const char *plot_note)
{
	for (int i = 0; i < nplots; i++) {
		char path[4400];
		snprintf(path, sizeof path, "%s/%s", plot_dir, plots[i].file);
		fputs("![", o.md);
		escape_markdown(o.md, plots[i].title);
		fprintf(o.md, "](plots/%s)\n\n", plots[i].file);
		fputs("<figure>\n<figcaption>", o.html);
		escape_html(o.html, plots[i].title);
		fputs("</figcaption>\n", o.html);
		inline_svg(o.html, path);
		fputs("</figure>\n", o.html);
	}
	if (plot_note && plot_note[0]) {
		fputs("(No plots: ", o.md);
		escape_markdown(o.md, plot_note);
		fputs(".)\n\n", o.md);
		fputs("<p class=\"note\">No plots: ", o.html);
		escape_html(o.html, plot_note);
		fputs(".</p>\n", o.html);
	}
}

int report_write(const struct results_view *v, const char *dir, char *err, size_t errlen)
{
	struct stat st;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "refusing to write the report into %s: it is not a directory; fix: give --out a directory", dir);
		return -1;
	}
	char plot_dir[4200], md_path[4200], html_path[4200], why[512] = "";
	snprintf(plot_dir, sizeof plot_dir, "%s/plots", dir);
	snprintf(md_path, sizeof md_path, "%s/report.md", dir);
	snprintf(html_path, sizeof html_path, "%s/report.html", dir);
	struct output_file md, html;
	if (!output_open(&md, md_path, err, errlen))
		return -1;
	if (!output_open(&html, html_path, err, errlen)) {
		output_abandon(&md);
		return -1;
	}
	struct plot plots[PLOTS_MAX];
	int nplots = plots_render(v, plot_dir, plots, why, sizeof why);
	struct out o = { md.f, html.f };
	fprintf(o.md, "# tlbvisor report\n\n");
	fputs(html_head, o.html);
	notes(v, o);
	summary_section(v, o);
	plots_section(o, plot_dir, plots, nplots, why);
	tables(v, o);
	fputs("</body>\n</html>\n", o.html);
	if (output_commit(&md, err, errlen) < 0) {
		output_abandon(&html);
		return -1;
	}
	return output_commit(&html, err, errlen);
}
