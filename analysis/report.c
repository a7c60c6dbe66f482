#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model.h"
#include "overhead.h"
#include "plots.h"
#include "results_view.h"
#include "strategies.h"
#include "table.h"
#include "lib/units.h"

#define MAX_TABLES 64

struct report {
	struct results_view v;
	struct table t[MAX_TABLES];
	int nt;
	char notes[8][512];
	int nnotes;
};

static void note(struct report *r, const char *fmt, const char *arg)
{
	if (r->nnotes < 8)
		snprintf(r->notes[r->nnotes++], sizeof r->notes[0], fmt, arg);
}

static void fmt(char *buf, size_t len, const char *f, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, f, v);
}

static void results_table(struct report *r)
{
	static const char *const cols[] = { "cell", ">cycles/access", ">ns/access", ">cv %", ">warm-up passes", "effective page", "note" };
	struct table *t = &r->t[r->nt++];
	table_init(t, "Results", "Median over the repetitions after warm-up; cycles are TSC cycles (for exit cells: cycles per exit round trip).", 7, cols);
	for (int i = 0; i < r->v.n; i++) {
		const struct cell_view *c = &r->v.cells[i];
		if (strcmp(c->status, "ok"))
			continue;
		char cyc[32], ns[32], cv[32], warm[16], n[300];
		fmt(cyc, sizeof cyc, "%.1f", c->median);
		fmt(ns, sizeof ns, "%.2f", c->ns_median);
		fmt(cv, sizeof cv, "%.2f", c->cv * 100);
		fmt(warm, sizeof warm, "%.0f", view_counter(c, "warmup_passes"));
		snprintf(n, sizeof n, "%s%s", c->flagged ? "flagged: " : "", c->note);
		const char *vals[] = { c->name, cyc, ns, cv, warm, c->effective_page, n };
		table_row(t, vals);
	}
}

/* A page name's size; THP maps with 2M leaves where it can. */
static uint64_t page_bytes(const char *p)
{
	uint64_t bytes = 4096;
	page_size_parse(!strcmp(p, "thp") ? "2m" : p, &bytes);
	return bytes;
}

/* Each virtualized cell: extra cycles over native 4K beside the references a
 * TLB miss costs for its guest leaf and effective second-level leaf. */
static void model_table(struct report *r)
{
	static const char *const cols[] = { "cell", "guest leaf", "2nd-level leaf", ">native refs", ">nested refs",
					    ">cycles/access", ">native 4K cycles", ">extra cycles", ">ratio" };
	struct table *t = &r->t[r->nt++];
	table_init(t, "Nested page walks: model beside measurement",
		   "References per TLB miss from the nested walker on tables built by the paging engine (4-level guest, EPT depth of the cell or 4), beside the measured cycles over native 4K pages at the same working set.",
		   9, cols);
	for (int i = 0; i < r->v.n; i++) {
		const struct cell_view *c = &r->v.cells[i];
		if (!strcmp(c->backend, "native") || strcmp(c->status, "ok") || strncmp(c->name, "chase/", 6))
			continue;
		double n4 = view_native4k_median(&r->v, c);
		const char *leaf = c->effective_page[0] && strcmp(c->effective_page, "?") ? c->effective_page : c->host_page;
		double levels = view_counter(c, "ept_levels");
		struct model_row m = { .guest_levels = 4, .ept_levels = isnan(levels) || levels < 4 ? 4 : (unsigned)levels,
				       .guest_page = page_bytes(c->guest_page), .ept_page = page_bytes(leaf) };
		model_compute_one(&m);
		char nr[16], xr[16], cyc[32], nat[32], extra[32], ratio[32];
		snprintf(nr, sizeof nr, "%u", m.native_refs);
		if (m.error)
			snprintf(xr, sizeof xr, "-");
		else
			snprintf(xr, sizeof xr, "%u", m.nested_refs);
		fmt(cyc, sizeof cyc, "%.1f", c->median);
		fmt(nat, sizeof nat, "%.1f", n4);
		fmt(extra, sizeof extra, "%+.1f", c->median - n4);
		fmt(ratio, sizeof ratio, "%.3f", c->median / n4);
		const char *vals[] = { c->name, c->guest_page, leaf, nr, xr, cyc, nat, extra, ratio };
		table_row(t, vals);
	}
}

static void exits_pmu_table(struct report *r)
{
	static const char *const cols[] = { "cell", ">build faults", ">measured exits", "exit reasons", "PMU per access", "PMU status" };
	struct table *t = &r->t[r->nt++];
	table_init(t, "Exits and PMU counters",
		   "Faults of the first-touch (build) pass, exits in the measured phase, exit reasons (tracepoint or the hypervisor's histogram), PMU counts per access. Every empty column says why.",
		   6, cols);
	for (int i = 0; i < r->v.n; i++) {
		const struct cell_view *c = &r->v.cells[i];
		if (strcmp(c->status, "ok"))
			continue;
		char faults[32], exits[32], reasons[512] = "", pmu[512] = "";
		double f = view_counter(c, "build_faults");
		if (isnan(f))
			f = view_counter(c, "build_host_faults");
		fmt(faults, sizeof faults, "%.0f", f);
		fmt(exits, sizeof exits, "%.0f", view_counter(c, "measure_exits"));
		const char *k;
		json_t *val;
		size_t rl = 0, pl = 0;
		json_object_foreach(c->first, k, val) {
			if (!json_is_number(val))
				continue;
			if ((!strncmp(k, "exit_", 5) && strcmp(k, "exit_every")) || strstr(k, "_tp_exit_"))
				rl += (size_t)snprintf(reasons + rl, rl < sizeof reasons ? sizeof reasons - rl : 0, "%s%s=%.0f", rl ? ", " : "", k, json_number_value(val));
			if (!strncmp(k, "pmu_", 4) && strstr(k, "_per_access"))
				pl += (size_t)snprintf(pmu + pl, pl < sizeof pmu ? sizeof pmu - pl : 0, "%s%s=%.3g", pl ? ", " : "", k + 4, json_number_value(val));
		}
		if (!reasons[0])
			snprintf(reasons, sizeof reasons, "%s", json_str(c->first, "exit_reasons_status"));
		const char *vals[] = { c->name, faults, exits, reasons, pmu, json_str(c->first, "pmu_status") };
		table_row(t, vals);
	}
}

static void skipped_table(struct report *r)
{
	static const char *const cols[] = { "cell", "status", "reason" };
	struct table *t = &r->t[r->nt++];
	table_init(t, "Skipped and failed cells", "Cells this host could not realize (skipped) or that went wrong (failed), with the reason and, where there is one, the fix.", 3, cols);
	for (int i = 0; i < r->v.n; i++) {
		const struct cell_view *c = &r->v.cells[i];
		if (!strcmp(c->status, "ok"))
			continue;
		const char *vals[] = { c->name, c->status, c->reason };
		table_row(t, vals);
	}
}

static void warnings_table(struct report *r)
{
	static const char *const cols[] = { "cell", "requested host page", "effective", "why" };
	struct table *t = &r->t[r->nt++];
	table_init(t, "Effective versus requested page size", "Cells whose translation was not what they asked for (measured from smaps, KVM VM stats or the EPT the hypervisor built).", 4, cols);
	for (int i = 0; i < r->v.n; i++) {
		const struct cell_view *c = &r->v.cells[i];
		if (!c->flagged)
			continue;
		const char *vals[] = { c->name, c->host_page, c->effective_page, c->note };
		table_row(t, vals);
	}
}

static void provenance_table(struct report *r)
{
	static const char *const cols[] = { "key", "value" };
	struct table *t = &r->t[r->nt++];
	table_init(t, "Host and run", NULL, 2, cols);
	const char *k;
	json_t *val;
	json_object_foreach(r->v.context, k, val) {
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
		table_row(t, vals);
	}
}

static int report_build(json_t *doc, struct report *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	if (results_view_build(doc, &r->v, err, errlen) < 0)
		return -1;
	if (json_is_true(json_object_get(r->v.context, "interrupted")))
		note(r, "%sThis run was interrupted: only the cells below finished.", "");
	static const char *const vmx[] = { "bochs", "qemu" };
	for (int i = 0; i < 2; i++) {
		json_t *b = json_object_get(r->v.context, vmx[i]);
		if (b && json_is_string(json_object_get(b, "note")))
			note(r, "%s", json_string_value(json_object_get(b, "note")));
	}
	results_table(r);
	overhead_table(&r->v, &r->t[r->nt++]);
	model_table(r);
	struct table *st;
	int ns;
	if (strategies_tables(doc, &st, &ns, err, errlen) == 0) {
		for (int i = 0; i < ns && r->nt < MAX_TABLES - 5; i++)
			r->t[r->nt++] = st[i];
		for (int i = MAX_TABLES - 5; i < ns; i++)
			table_free(&st[i]);
		free(st);
	}
	exits_pmu_table(r);
	skipped_table(r);
	warnings_table(r);
	provenance_table(r);
	return 0;
}

static void report_free(struct report *r)
{
	for (int i = 0; i < r->nt; i++)
		table_free(&r->t[i]);
	results_view_free(&r->v);
}

static void write_markdown(const struct report *r, FILE *out, const struct plot *plots, int nplots,
			   const char *plot_note)
{
	fprintf(out, "# tlbvisor report\n\n");
	for (int i = 0; i < r->nnotes; i++)
		fprintf(out, "> **Note:** %s\n\n", r->notes[i]);
	for (int i = 0; i < nplots; i++)
		fprintf(out, "![%s](plots/%s)\n\n", plots[i].title, plots[i].file);
	if (plot_note && plot_note[0])
		fprintf(out, "(No plots: %s.)\n\n", plot_note);
	for (int i = 0; i < r->nt; i++)
		table_markdown(&r->t[i], out);
}

int report_markdown(json_t *doc, FILE *out, char *err, size_t errlen)
{
	struct report r;
	if (report_build(doc, &r, err, errlen) < 0)
		return -1;
	write_markdown(&r, out, NULL, 0, NULL);
	report_free(&r);
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

static void write_html(const struct report *r, FILE *out, const char *plot_dir, const struct plot *plots,
		       int nplots, const char *plot_note)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>tlbvisor report</title>\n"
	      "<style>\nbody{font-family:sans-serif;margin:2em;color:#222;max-width:1400px}\n"
	      "table{border-collapse:collapse;margin:0.5em 0 1.5em 0;font-size:13px}\n"
	      "th,td{border:1px solid #ccc;padding:3px 7px;text-align:left}\nth{background:#f0f0f0}\n"
	      "td.n{text-align:right;font-variant-numeric:tabular-nums}\n.note{background:#fff4ce;border-left:4px solid #e0a800;padding:0.5em 1em}\n"
	      "figure{margin:1em 0}\nfigcaption{font-weight:bold}\n</style>\n</head>\n<body>\n<h1>tlbvisor report</h1>\n", out);
	for (int i = 0; i < r->nnotes; i++) {
		fputs("<p class=\"note\">", out);
		html_escape(out, r->notes[i]);
		fputs("</p>\n", out);
	}
	for (int i = 0; i < nplots; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", plot_dir, plots[i].file);
		fputs("<figure>\n<figcaption>", out);
		html_escape(out, plots[i].title);
		fputs("</figcaption>\n", out);
		inline_svg(out, path);
		fputs("</figure>\n", out);
	}
	if (plot_note && plot_note[0]) {
		fputs("<p class=\"note\">No plots: ", out);
		html_escape(out, plot_note);
		fputs(".</p>\n", out);
	}
	for (int i = 0; i < r->nt; i++)
		table_html(&r->t[i], out);
	fputs("</body>\n</html>\n", out);
}

int report_write(json_t *doc, const char *dir, char *err, size_t errlen)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	struct report r;
	if (report_build(doc, &r, err, errlen) < 0)
		return -1;
	char plot_dir[4096], path[4200], why[512] = "";
	snprintf(plot_dir, sizeof plot_dir, "%s/plots", dir);
	struct plot plots[PLOTS_MAX];
	int nplots = plots_render(&r.v, plot_dir, plots, why, sizeof why);
	snprintf(path, sizeof path, "%s/report.md", dir);
	FILE *md = fopen(path, "w");
	snprintf(path, sizeof path, "%s/report.html", dir);
	FILE *html = fopen(path, "w");
	if (!md || !html) {
		snprintf(err, errlen, "cannot write the report in %s: %s", dir, strerror(errno));
		if (md) fclose(md);
		if (html) fclose(html);
		report_free(&r);
		return -1;
	}
	write_markdown(&r, md, plots, nplots, why);
	write_html(&r, html, plot_dir, plots, nplots, why);
	fclose(md);
	fclose(html);
	report_free(&r);
	return 0;
}
