/* tlbvisor import: put a results JSON (any backend, bare-metal ingests
 * included) into the history database. */
#include <stdio.h>
#include <string.h>

#include "analysis/output_file.h"
#include "commands.h"
#include "history.h"

int cmd_import(int argc, char **argv)
{
	const char *db = "results/tlbvisor.db";
	const char *files[64];
	int nfiles = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: tlbvisor import RESULTS.json... [--db FILE]\n\n"
			       "Stores each results file as a new run in the history database (default\n"
			       "results/tlbvisor.db). Each file is imported in one transaction: all or nothing.\n");
			return 0;
		}
		if (!strcmp(argv[i], "--db") && i + 1 < argc)
			db = argv[++i];
		else if (argv[i][0] != '-' && nfiles < 64)
			files[nfiles++] = argv[i];
		else {
			fprintf(stderr, "tlbvisor import: unexpected argument '%s'; see tlbvisor import --help\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!nfiles) {
		fprintf(stderr, "tlbvisor import: give at least one RESULTS.json; see tlbvisor import --help\n");
		return EXIT_USAGE;
	}
	char err[1024];
	for (int i = 0; i < nfiles; i++) {
		const struct named_file pair[] = { { "RESULTS.json", files[i], 0 }, { "--db", db, 1 } };
		if (outputs_distinct(pair, 2, err, sizeof err) < 0) {
			fprintf(stderr, "tlbvisor import: %s\n", err);
			return EXIT_USAGE;
		}
	}
	struct history h;
	if (history_open(&h, db, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor import: %s\n", err);
		return 1;
	}
	int bad = 0;
	for (int i = 0; i < nfiles; i++) {
		json_error_t je;
		json_t *doc = json_load_file(files[i], 0, &je);
		if (!doc) {
			fprintf(stderr, "tlbvisor import: cannot read %s: %s\n", files[i], je.text);
			bad++;
			continue;
		}
		int64_t id = history_import(&h, doc, files[i], err, sizeof err);
		json_decref(doc);
		if (id < 0) {
			fprintf(stderr, "tlbvisor import: %s: %s\n", files[i], err);
			bad++;
		} else {
			printf("%s -> run %lld in %s\n", files[i], (long long)id, db);
		}
	}
	history_close(&h);
	return bad ? 1 : 0;
}
