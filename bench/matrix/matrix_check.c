#include "bench/matrix/matrix_check.h"

#include <stdio.h>

#include "lib/units.h"

/* The index of the first value that repeats an earlier one, or -1. */
#define FIRST_REPEAT(array, n, out)                         \
	do {                                                \
		(out) = -1;                                 \
		for (int i_ = 1; i_ < (n) && (out) < 0; i_++)     \
			for (int j_ = 0; j_ < i_; j_++)     \
				if ((array)[i_] == (array)[j_]) { \
					(out) = i_;         \
					break;              \
				}                           \
	} while (0)

static int twice(const char *option, const char *value, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "invalid %s: %s is given twice; give each %s once", option, value, what);
	return -1;
}

static int duplicates(const struct matrix *m, char *err, size_t errlen)
{
	int d;
	char size[32];
	FIRST_REPEAT(m->backends, m->nbackends, d);
	if (d >= 0)
		return twice("--backend", backend_name(m->backends[d]), "backend", err, errlen);
	FIRST_REPEAT(m->ws, m->nws, d);
	if (d >= 0) {
		format_size(m->ws[d], size, sizeof size);
		return twice("--ws", size, "working set", err, errlen);
	}
	FIRST_REPEAT(m->patterns, m->npatterns, d);
	if (d >= 0)
		return twice("--pattern", pattern_name(m->patterns[d]), "pattern", err, errlen);
	FIRST_REPEAT(m->host_pages, m->nhost_pages, d);
	if (d >= 0)
		return twice("--host-page", host_page_name(m->host_pages[d]), "host page", err, errlen);
	FIRST_REPEAT(m->guest_pages, m->nguest_pages, d);
	if (d >= 0)
		return twice("--guest-page", page_size_name(m->guest_pages[d]), "guest page", err, errlen);
	FIRST_REPEAT(m->vpids, m->nvpids, d);
	if (d >= 0)
		return twice("--vpid", m->vpids[d] ? "on" : "off", "setting", err, errlen);
	FIRST_REPEAT(m->ept_levels, m->nept_levels, d);
	if (d >= 0) {
		snprintf(size, sizeof size, "%u", m->ept_levels[d]);
		return twice("--ept-levels", size, "depth", err, errlen);
	}
	FIRST_REPEAT(m->guest_levels, m->nguest_levels, d);
	if (d >= 0) {
		snprintf(size, sizeof size, "%u", m->guest_levels[d]);
		return twice("--guest-levels", size, "depth", err, errlen);
	}
	return 0;
}

int matrix_check(const struct matrix *m, const struct run_config *cfg, char *err, size_t errlen)
{
	if (duplicates(m, err, errlen) < 0)
		return -1;
	if (cfg->group && cfg->stride && cfg->group % cfg->stride) {
		snprintf(err, errlen, "--group must be a multiple of --stride");
		return -1;
	}
	if (!cfg->stride)
		return 0;
	char ws[32], stride[32], group[32];
	format_size(cfg->stride, stride, sizeof stride);
	format_size(cfg->group, group, sizeof group);
	for (int i = 0; i < m->nws; i++) {
		format_size(m->ws[i], ws, sizeof ws);
		if (m->ws[i] < cfg->stride) {
			snprintf(err, errlen, "invalid --ws %s with --stride %s: a working set smaller than the stride is one element chasing itself, not a %s working set; fix: use --stride %s or less, or a larger --ws",
				 ws, stride, ws, ws);
			return -1;
		}
		if (m->ws[i] % cfg->stride) {
			snprintf(err, errlen, "invalid --ws %s with --stride %s: a working set is a whole number of strides; fix: give a multiple of %s",
				 ws, stride, stride);
			return -1;
		}
		if (cfg->group && (m->ws[i] / cfg->stride) % (cfg->group / cfg->stride)) {
			snprintf(err, errlen, "invalid --group %s: it does not divide the working set %s into whole groups; fix: give a --group that divides every --ws",
				 group, ws);
			return -1;
		}
	}
	return 0;
}
