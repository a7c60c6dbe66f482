/* Fuzz the value syntax of the CLI (sizes, durations, lists) and the
 * hypervisor's command-line matrix parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli/args.h"
#include "lib/units.h"
#include "hv/hyp/matrix_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	uint64_t v;
	double d;
	parse_size(s, &v);
	parse_seconds(s, &d);
	char buf[64];
	if (parse_size(s, &v) == 0)
		format_size(v, buf, sizeof buf);
	char *copy = strdup(s);
	char *items[32];
	split_list(copy, items, 32);
	free(copy);
	struct hv_matrix m;
	const char *why;
	if (hv_matrix_parse(s, &m, &why) == 0) {
		/* A parsed matrix is within its own limits. */
		if (m.nws > HV_MAX_LIST || m.nguest > 3 || m.nept > 3 || m.nlevels > 2 || m.nvpid > 2)
			abort();
	}
	free(s);
	return 0;
}
