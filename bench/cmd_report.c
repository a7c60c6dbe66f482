/* tlbvisor report RUN|FILE --out DIR: Markdown and HTML reports. */
#include <stdio.h>
#include <string.h>

#include "analysis/output_file.h"
#include "analysis/report.h"
#include "commands.h"
#include "results_source.h"

int cmd_report(int argc, char **argv)
{
	const char *in = NULL, *dir = NULL, *db = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: tlbvisor report RUN|FILE [--out DIR] [--db FILE]\n\n"
			       "RUN is a run id in the history (a number, or 'last'); FILE a results JSON.\n"
			       "Writes DIR/report.md and DIR/report.html, one self-contained page with\n"
			       "gnuplot SVG plots (latency versus working set, virtualized/native heat maps),\n"
			       "the nested-walk model beside the measured extra cycles, huge-page strategies,\n"
			       "exits and PMU counters, skipped cells, page-size warnings and provenance.\n"
			       "Without --out: Markdown on stdout (no plots). Without --db, a run id refers\n"
			       "to results/tlbvisor.db or ./tlbvisor.db, whichever changed last.\n");
			return 0;
		}
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--db") && i + 1 < argc)
			db = argv[++i];
		else if (argv[i][0] != '-' && !in)
			in = argv[i];
		else {
			fprintf(stderr, "tlbvisor report: unexpected argument '%s'; see tlbvisor report --help\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!in) {
		fprintf(stderr, "tlbvisor report: missing RUN or RESULTS.json; see tlbvisor report --help\n");
		return EXIT_USAGE;
	}
	char err[1024];
	if (dir) {
		char md[4200], html[4200];
		snprintf(md, sizeof md, "%s/report.md", dir);
		snprintf(html, sizeof html, "%s/report.html", dir);
		const struct named_file files[] = {
			{ "RESULTS", results_source_is_run(in) ? NULL : in, 0 }, { "--db", db, 0 },
			{ "the report", md, 1 }, { "the report", html, 1 },
		};
		if (outputs_distinct(files, 4, err, sizeof err) < 0) {
			fprintf(stderr, "tlbvisor report: %s\n", err);
			return EXIT_USAGE;
		}
	}
	struct results_view v;
	if (results_source_view(in, db, &v, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor report: %s\n", err);
		return 1;
	}
	int rc = dir ? report_write(&v, dir, err, sizeof err) : report_markdown(&v, stdout);
	results_view_free(&v);
	if (rc < 0) {
		fprintf(stderr, "tlbvisor report: %s: %s\n", in, err);
		return 1;
	}
	if (dir)
		fprintf(stderr, "tlbvisor: report written to %s/report.html and %s/report.md\n", dir, dir);
	return 0;
}
