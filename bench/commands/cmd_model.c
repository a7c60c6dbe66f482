/* tlbvisor model: nested page-walk references per TLB miss. */
#include <stdio.h>

#include "analysis/model.h"
#include "bench/cli/args.h"
#include "bench/cli/commands.h"

static const char help[] =
	"usage: tlbvisor model\n\n"
	"Builds guest page tables and EPT tables with the paging engine for guest\n"
	"depth 4/5 x EPT depth 4/5 x guest leaf 4K/2M/1G x EPT leaf 4K/2M/1G, walks\n"
	"them with the nested (2D) walker and prints the memory references per TLB\n"
	"miss next to the native walk length.\n";

int cmd_model(int argc, char **argv)
{
	static const struct cli_command cmd = { "model", help, 0, 0, NULL };
	int nargs;
	int rc;
	if (!cli_parse(&cmd, argc, argv, NULL, 0, NULL, &nargs, &rc))
		return rc;
	struct model_row rows[MODEL_MAX_ROWS];
	int n = model_compute(rows, MODEL_MAX_ROWS);
	model_print(stdout, rows, n);
	for (int i = 0; i < n; i++)
		if (rows[i].error)
			return 1;
	return 0;
}
