/* tlbvisor report RUN|FILE --out DIR: Markdown and HTML reports. */
#include <stdio.h>

#include "lib/output_file.h"

#include "analysis/report.h"
#include "bench/cli/args.h"
#include "bench/cli/commands.h"
#include "bench/outputs/run_or_file.h"

struct report_options {
	const char *out, *db;
};

static const char help[] =
	"usage: tlbvisor report RUN|FILE [--out DIR] [--db FILE]\n\n"
	"RUN is a run id in the history (a number, or 'last'); FILE a results JSON.\n"
	"Writes DIR/report.md and DIR/report.html, one self-contained page with\n"
	"gnuplot SVG plots (latency versus working set, virtualized/native heat maps),\n"
	"the nested-walk model beside the measured extra cycles, huge-page strategies,\n"
	"exits and PMU counters, skipped cells, page-size warnings and provenance.\n"
	"Without --out: Markdown on stdout (no plots). Without --db, a run id refers\n"
	"to results/tlbvisor.db or ./tlbvisor.db, whichever changed last.\n";

int cmd_report(int argc, char **argv)
{
	static const struct cli_command cmd = { "report", help, 1, 1, "missing RUN or RESULTS.json" };
	static const struct cli_option options[] = {
		{ "out", CLI_STRING, offsetof(struct report_options, out), NULL, NULL },
		{ "db", CLI_STRING, offsetof(struct report_options, db), NULL, NULL },
	};
	struct report_options o = { 0 };
	const struct cli_options sets[] = { { options, 2, &o } };
	const char *in;
	int nargs;
	int rc;
	if (!cli_parse(&cmd, argc, argv, sets, 1, &in, &nargs, &rc))
		return rc;
	char err[1024];
	if (o.out) {
		char md[4200], html[4200];
		snprintf(md, sizeof md, "%s/report.md", o.out);
		snprintf(html, sizeof html, "%s/report.html", o.out);
		const struct named_file files[] = {
			{ "RESULTS", results_arg_is_run(in) ? NULL : in, 0 }, { "--db", o.db, 0 },
			{ "the report", md, 1 }, { "the report", html, 1 },
		};
		if (outputs_distinct(files, 4, err, sizeof err) < 0) {
			fprintf(stderr, "tlbvisor report: %s\n", err);
			return EXIT_USAGE;
		}
	}
	struct results_view v;
	if (results_load_run_or_file(in, o.db, &v, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor report: %s\n", err);
		return 1;
	}
	rc = o.out ? report_write(&v, o.out, err, sizeof err) : report_markdown(&v, stdout);
	results_view_free(&v);
	if (rc < 0) {
		fprintf(stderr, "tlbvisor report: %s: %s\n", in, err);
		return 1;
	}
	if (o.out)
		fprintf(stderr, "tlbvisor: report written to %s/report.html and %s/report.md\n", o.out, o.out);
	return 0;
}
