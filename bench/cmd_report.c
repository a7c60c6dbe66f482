/* tlbvisor report FILE --out DIR: a Markdown report of a results file. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/report.h"
#include "commands.h"

int cmd_report(int argc, char **argv)
{
	const char *in = NULL, *dir = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: tlbvisor report RESULTS.json [--out DIR]\n\n"
			       "Writes DIR/report.md (default: print to stdout): every cell with its median,\n"
			       "cv and effective page size, the virtualization overhead against native 4K\n"
			       "pages, the nested-walk model, skipped cells with reasons, host provenance.\n");
			return 0;
		}
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			dir = argv[++i];
		else if (argv[i][0] != '-' && !in)
			in = argv[i];
		else {
			fprintf(stderr, "tlbvisor report: unexpected argument '%s'; see tlbvisor report --help\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!in) {
		fprintf(stderr, "tlbvisor report: missing RESULTS.json; see tlbvisor report --help\n");
		return EXIT_USAGE;
	}
	json_error_t je;
	json_t *doc = json_load_file(in, 0, &je);
	if (!doc) {
		fprintf(stderr, "tlbvisor report: cannot read %s: %s (line %d)\n", in, je.text, je.line);
		return 1;
	}
	FILE *out = stdout;
	char path[4096];
	if (dir) {
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "tlbvisor report: cannot create %s: %s\n", dir, strerror(errno));
			json_decref(doc);
			return 1;
		}
		snprintf(path, sizeof path, "%s/report.md", dir);
		out = fopen(path, "w");
		if (!out) {
			fprintf(stderr, "tlbvisor report: cannot write %s: %s\n", path, strerror(errno));
			json_decref(doc);
			return 1;
		}
	}
	char err[256];
	int rc = report_markdown(doc, out, err, sizeof err);
	json_decref(doc);
	if (dir)
		fclose(out);
	if (rc < 0) {
		fprintf(stderr, "tlbvisor report: %s: %s\n", in, err);
		return 1;
	}
	if (dir)
		fprintf(stderr, "tlbvisor: report written to %s\n", path);
	return 0;
}
