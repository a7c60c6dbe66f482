#include <stdio.h>
#include <string.h>

#include "analysis/model.h"
#include "bench/cli/commands.h"

int cmd_model(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: tlbvisor model\n\n"
			       "Builds guest page tables and EPT tables with the paging engine for guest\n"
			       "depth 4/5 x EPT depth 4/5 x guest leaf 4K/2M/1G x EPT leaf 4K/2M/1G, walks\n"
			       "them with the nested (2D) walker and prints the memory references per TLB\n"
			       "miss next to the native walk length.\n");
			return 0;
		}
		fprintf(stderr, "tlbvisor model: unknown option '%s'; see tlbvisor model --help\n", argv[i]);
		return EXIT_USAGE;
	}
	struct model_row rows[MODEL_MAX_ROWS];
	int n = model_compute(rows, MODEL_MAX_ROWS);
	model_print(stdout, rows, n);
	for (int i = 0; i < n; i++)
		if (rows[i].error)
			return 1;
	return 0;
}
