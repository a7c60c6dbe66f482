#include "bench/backends/backend.h"

#include <stdio.h>

#include "lib/units.h"

#define BACKEND_DECLARE(id, name) extern const struct backend_ops backend_##name;
BACKEND_LIST(BACKEND_DECLARE)
#undef BACKEND_DECLARE

static const struct backend_ops *const table[BACKEND_COUNT] = {
#define BACKEND_ENTRY(id, name) [BACKEND_##id] = &backend_##name,
	BACKEND_LIST(BACKEND_ENTRY)
#undef BACKEND_ENTRY
};

static const char *const names[BACKEND_COUNT] = {
#define BACKEND_NAME(id, name) [BACKEND_##id] = #name,
	BACKEND_LIST(BACKEND_NAME)
#undef BACKEND_NAME
};

const struct backend_ops *backend_ops(enum backend b)
{
	return table[b < BACKEND_COUNT ? b : BACKEND_NATIVE];
}

const char *backend_name(enum backend b)
{
	return b < BACKEND_COUNT ? names[b] : "?";
}

int backend_parse(const char *s, enum backend *out)
{
	int i = name_index(names, BACKEND_COUNT, s);
	if (i < 0)
		return -1;
	*out = (enum backend)i;
	return 0;
}

bool backend_available(enum backend b, const struct host_caps *h, char *why, size_t len)
{
	const struct backend_ops *ops = backend_ops(b);
	if (ops->available)
		return ops->available(h, why, len);
	snprintf(why, len, "%s", ops->about ? ops->about : "");
	return true;
}

bool backend_runs_here(enum backend b)
{
	return backend_ops(b)->run_cell || backend_ops(b)->run_batch;
}

void backends_restore_host(void)
{
	for (int b = 0; b < BACKEND_COUNT; b++)
		if (table[b]->restore_host)
			table[b]->restore_host();
}
