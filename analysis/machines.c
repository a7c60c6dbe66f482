#include "machines.h"

#include <stdlib.h>
#include <string.h>

int machines_list(const struct results_view *v, const char **names, int max)
{
	int n = 0;
	for (int i = 0; i < v->n; i++) {
		bool seen = false;
		for (int k = 0; k < n && !seen; k++)
			seen = !strcmp(names[k], v->cells[i].machine);
		if (!seen && n < max)
			names[n++] = v->cells[i].machine;
	}
	return n;
}

int machines_view(const struct results_view *v, const char *machine, struct results_view *sub)
{
	memset(sub, 0, sizeof *sub);
	sub->cells = malloc(((size_t)v->n + 1) * sizeof *sub->cells);
	if (!sub->cells)
		return -1;
	for (int i = 0; i < v->n; i++)
		if (!strcmp(v->cells[i].machine, machine))
			sub->cells[sub->n++] = v->cells[i];
	sub->cap = sub->n;
	sub->context = v->context;
	return 0;
}

void machines_view_free(struct results_view *sub)
{
	free(sub->cells);
	memset(sub, 0, sizeof *sub);
}
