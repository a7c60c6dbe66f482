#include "lib/units.h"

#include "hv/common/textparse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int parse_size(const char *s, uint64_t *out)
{
	if (!s)
		return -1;
	return text_parse_size(s, strlen(s), out);
}

int parse_seconds(const char *s, double *out)
{
	if (!s || !*s)
		return -1;
	errno = 0;
	char *end;
	double v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -1;
	if (!strcmp(end, "ms"))
		v /= 1000.0;
	else if (strcmp(end, "s") && *end)
		return -1;
	*out = v;
	return 0;
}

void format_size(uint64_t b, char *buf, size_t len)
{
	static const char units[] = "BKMGT";
	int u = 0;
	while (u < 4 && b >= 1024 && b % 1024 == 0) {
		b /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%lluB", (unsigned long long)b);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)b, units[u]);
}

static const char *const page_names[] = { "4k", "2m", "1g" };
static const uint64_t page_sizes[] = { 4096, 2ull << 20, 1ull << 30 };

const char *page_size_name(uint64_t bytes)
{
	for (int i = 0; i < 3; i++)
		if (page_sizes[i] == bytes)
			return page_names[i];
	return "?";
}

int page_size_parse(const char *name, uint64_t *bytes)
{
	int i = name_index(page_names, 3, name);
	if (i < 0)
		return -1;
	*bytes = page_sizes[i];
	return 0;
}

int name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcasecmp(s, names[i]))
			return i;
	return -1;
}
