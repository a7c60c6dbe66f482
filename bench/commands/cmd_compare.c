/* tlbvisor compare BASE NEW: the gate a CI job uses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "bench/cli/commands.h"
#include "lib/units.h"
#include "bench/results/run_or_file.h"

#define EXIT_REGRESSION 4

static int parse_fraction(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	if (*end == '%') {
		v /= 100;
		end++;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

int cmd_compare(int argc, char **argv)
{
	const char *args[2] = { 0 }, *db = DEFAULT_DB, *out_path = NULL;
	int nargs = 0;
	struct compare_options o = { .threshold = 0.05, .alpha = 0.05 };
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: tlbvisor compare BASE NEW [--threshold 5%%] [--alpha 0.05] [--db FILE] [--out FILE.md]\n\n"
			       "BASE and NEW are results JSON files or run ids in the history (a number, or\n"
			       "'last'). For every cell in both: the change of the median, a Mann-Whitney U\n"
			       "test on the repetitions, and a verdict; then the geometric mean. Markdown on\n"
			       "stdout (or --out), ready for a CI comment. Exit status %d when any cell\n"
			       "regressed significantly (change > threshold and p < alpha), 0 otherwise.\n",
			       EXIT_REGRESSION);
			return 0;
		}
		if (!strcmp(argv[i], "--threshold") && i + 1 < argc) {
			if (parse_fraction(argv[++i], &o.threshold) < 0) {
				fprintf(stderr, "tlbvisor compare: invalid --threshold '%s': give a percentage (5%%) or a fraction (0.05)\n", argv[i]);
				return EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--alpha") && i + 1 < argc) {
			if (parse_fraction(argv[++i], &o.alpha) < 0 || o.alpha <= 0 || o.alpha >= 1) {
				fprintf(stderr, "tlbvisor compare: invalid --alpha '%s': give a level between 0 and 1 (0.05)\n", argv[i]);
				return EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
			db = argv[++i];
		} else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			out_path = argv[++i];
		} else if (argv[i][0] != '-' && nargs < 2) {
			args[nargs++] = argv[i];
		} else {
			fprintf(stderr, "tlbvisor compare: unexpected argument '%s'; see tlbvisor compare --help\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (nargs != 2) {
		fprintf(stderr, "tlbvisor compare: need BASE and NEW; see tlbvisor compare --help\n");
		return EXIT_USAGE;
	}
	char err[512];
	json_t *base = results_source_load(args[0], db, err, sizeof err);
	if (!base) {
		fprintf(stderr, "tlbvisor compare: %s\n", err);
		return 1;
	}
	json_t *new_doc = results_source_load(args[1], db, err, sizeof err);
	if (!new_doc) {
		fprintf(stderr, "tlbvisor compare: %s\n", err);
		json_decref(base);
		return 1;
	}
	FILE *out = out_path ? fopen(out_path, "w") : stdout;
	if (!out) {
		fprintf(stderr, "tlbvisor compare: cannot write %s\n", out_path);
		return 1;
	}
	struct compare_summary s;
	int rc = compare_runs(base, new_doc, &o, out, &s, err, sizeof err);
	if (out_path)
		fclose(out);
	json_decref(base);
	json_decref(new_doc);
	if (rc < 0) {
		fprintf(stderr, "tlbvisor compare: %s\n", err);
		return 1;
	}
	return s.regressions ? EXIT_REGRESSION : 0;
}
