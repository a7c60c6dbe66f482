/* tlbvisor compare BASE NEW: the gate a CI job uses. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "analysis/output_file.h"
#include "commands.h"
#include "results_source.h"

#define EXIT_REGRESSION 4
#define EXIT_INSUFFICIENT 5

/* "5%" or "0.05": a finite number >= 0 (nan and inf refused: a gate that can
 * never fire is no gate). */
static int parse_fraction(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || !isfinite(v) || v < 0)
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

static void usage(void)
{
	printf("usage: tlbvisor compare BASE NEW [--threshold 5%%] [--alpha 0.05] [--db FILE] [--out FILE.md]\n\n"
	       "BASE and NEW are results JSON files or run ids in the history (a number, or\n"
	       "'last'). For every cell in both: the change of the median, a Mann-Whitney U\n"
	       "test on the repetitions, and a verdict; then the geometric mean. Markdown on\n"
	       "stdout (or --out), ready for a CI comment. Exit status: %d when any cell\n"
	       "regressed significantly (change > threshold and p < alpha); %d when the data\n"
	       "cannot give a verdict (no cell in both runs, or too few repetitions for the\n"
	       "test to reach alpha); 0 otherwise.\n",
	       EXIT_REGRESSION, EXIT_INSUFFICIENT);
}

int cmd_compare(int argc, char **argv)
{
	const char *args[2] = { 0 }, *db = NULL, *out_path = NULL;
	int nargs = 0;
	struct compare_options o = { .threshold = 0.05, .alpha = 0.05 };
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage();
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
	char err[1024];
	const struct named_file files[] = {
		{ "BASE", results_source_is_run(args[0]) ? NULL : args[0], 0 },
		{ "NEW", results_source_is_run(args[1]) ? NULL : args[1], 0 },
		{ "--db", db, 0 }, { "--out", out_path, 1 },
	};
	if (outputs_ready(files, 4, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor compare: %s\n", err);
		return EXIT_USAGE;
	}
	struct results_view base, new_run;
	if (results_source_view(args[0], db, &base, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor compare: %s\n", err);
		return 1;
	}
	if (results_source_view(args[1], db, &new_run, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor compare: %s\n", err);
		results_view_free(&base);
		return 1;
	}
	struct output_file of = { 0 };
	FILE *out = out_path ? output_open(&of, out_path, err, sizeof err) : stdout;
	struct compare_summary s;
	int rc = out ? compare_runs(&base, &new_run, &o, out, &s, err, sizeof err) : -1;
	if (out_path && out) {
		if (rc == 0)
			rc = output_commit(&of, err, sizeof err);
		else
			output_abandon(&of);
	}
	results_view_free(&base);
	results_view_free(&new_run);
	if (rc < 0) {
		fprintf(stderr, "tlbvisor compare: %s\n", err);
		return 1;
	}
	return s.verdict == COMPARE_REGRESSION ? EXIT_REGRESSION : s.verdict == COMPARE_INSUFFICIENT ? EXIT_INSUFFICIENT : 0;
}
