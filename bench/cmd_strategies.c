/* tlbvisor strategies RUN: huge-page strategies ranked against native. */
#include <stdio.h>
#include <string.h>

#include "analysis/strategies.h"
#include "commands.h"
#include "results_source.h"

int cmd_strategies(int argc, char **argv)
{
	const char *arg = NULL, *db = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: tlbvisor strategies RUN|FILE [--db FILE]\n\n"
			       "Ranks the guest/host page-size strategies of a run at each working set by\n"
			       "cost relative to native 4K pages and to the best native configuration, and\n"
			       "names splintering (guest huge pages on small host pages) where it happens.\n");
			return 0;
		}
		if (!strcmp(argv[i], "--db") && i + 1 < argc)
			db = argv[++i];
		else if (argv[i][0] != '-' && !arg)
			arg = argv[i];
		else {
			fprintf(stderr, "tlbvisor strategies: unexpected argument '%s'; see tlbvisor strategies --help\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!arg) {
		fprintf(stderr, "tlbvisor strategies: need RUN or FILE; see tlbvisor strategies --help\n");
		return EXIT_USAGE;
	}
	char err[1024];
	struct results_view v;
	if (results_source_view(arg, db, &v, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor strategies: %s\n", err);
		return 1;
	}
	int rc = strategies_markdown(&v, stdout, err, sizeof err);
	results_view_free(&v);
	if (rc < 0) {
		fprintf(stderr, "tlbvisor strategies: %s\n", err);
		return 1;
	}
	return 0;
}
