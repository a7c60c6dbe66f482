/* The dimensions of `tlbvisor run` (--backend, --ws, --host-page, ...): each
 * list item parsed into struct matrix, and written back as the canonical
 * form reads it. */
#include "bench/cli/run_dimensions.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "bench/backends/backend.h"
#include "lib/units.h"

int run_option_bad(char *err, size_t len, const char *what, const char *value, const char *hint)
{
	snprintf(err, len, "invalid %s '%s': %s", what, value, hint);
	return -1;
}


/* "known backends are native, kvm, ...": those `run` can reach, from the table. */
static const char *known_backends(char *buf, size_t len)
{
	snprintf(buf, len, "known backends are ");
	for (int b = 0, first = 1; b < BACKEND_COUNT; b++)
		if (backend_runs_here((enum backend)b)) {
			size_t used = strlen(buf);
			snprintf(buf + used, len - used, "%s%s", first ? "" : ", ", backend_name((enum backend)b));
			first = 0;
		}
	return buf;
}

static int backend_item(struct run_request *r, int i, const char *s, const struct dimension *d, char *err, size_t len)
{
	enum backend b;
	char hint[512];
	if (backend_parse(s, &b) < 0)
		return run_option_bad(err, len, d->what, s, known_backends(hint, sizeof hint));
	if (!backend_runs_here(b)) /* baremetal: it says where it runs */
		return run_option_bad(err, len, d->what, s, backend_ops(b)->about);
	r->matrix.backends[i] = b;
	r->backend_given = true;
	return 0;
}

static int ws_item(struct run_request *r, int i, const char *s, const struct dimension *d, char *err, size_t len)
{
	(void)d;
	if (parse_size(s, &r->matrix.ws[i]) < 0)
		return run_option_bad(err, len, "size", s, "use a number with an optional k, m or g suffix (e.g. 64m)");
	if (r->matrix.ws[i] < 64)
		return run_option_bad(err, len, "working set", s, "it must hold at least one 64-byte cache line");
	return 0;
}

static int pattern_item(struct run_request *r, int i, const char *s, const struct dimension *d, char *err, size_t len)
{
	return pattern_parse(s, &r->matrix.patterns[i]) < 0 ? run_option_bad(err, len, d->what, s, d->hint) : 0;
}

static int host_page_item(struct run_request *r, int i, const char *s, const struct dimension *d, char *err, size_t len)
{
	return host_page_parse(s, &r->matrix.host_pages[i]) < 0 ? run_option_bad(err, len, d->what, s, d->hint) : 0;
}

static int guest_page_item(struct run_request *r, int i, const char *s, const struct dimension *d, char *err, size_t len)
{
	return page_size_parse(s, &r->matrix.guest_pages[i]) < 0 ? run_option_bad(err, len, d->what, s, d->hint) : 0;
}

static int vpid_item(struct run_request *r, int i, const char *s, const struct dimension *d, char *err, size_t len)
{
	if (strcmp(s, "on") && strcmp(s, "off"))
		return run_option_bad(err, len, d->what, s, d->hint);
	r->matrix.vpids[i] = !strcmp(s, "on");
	return 0;
}

static int levels_item(struct run_request *r, int i, const char *s, const struct dimension *d, char *err, size_t len)
{
	if (strcmp(s, "4") && strcmp(s, "5"))
		return run_option_bad(err, len, d->what, s, d->hint);
	r->matrix.ept_levels[i] = s[0] == '5' ? 5 : 4;
	return 0;
}

static void backend_format(const struct run_request *r, int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s", backend_name(r->matrix.backends[i]));
}

static void ws_format(const struct run_request *r, int i, char *buf, size_t len)
{
	format_size(r->matrix.ws[i], buf, len);
}

static void pattern_format(const struct run_request *r, int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s", pattern_name(r->matrix.patterns[i]));
}

static void host_page_format(const struct run_request *r, int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s", host_page_name(r->matrix.host_pages[i]));
}

static void guest_page_format(const struct run_request *r, int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s", page_size_name(r->matrix.guest_pages[i]));
}

static void vpid_format(const struct run_request *r, int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s", r->matrix.vpids[i] ? "on" : "off");
}

static void levels_format(const struct run_request *r, int i, char *buf, size_t len)
{
	snprintf(buf, len, "%u", r->matrix.ept_levels[i]);
}

static int guest_levels_item(struct run_request *r, int i, const char *s, const struct dimension *d, char *err,
			     size_t len)
{
	if (strcmp(s, "4") && strcmp(s, "5"))
		return run_option_bad(err, len, d->what, s, d->hint);
	r->matrix.guest_levels[i] = s[0] == '5' ? 5 : 4;
	return 0;
}

static void guest_levels_format(const struct run_request *r, int i, char *buf, size_t len)
{
	snprintf(buf, len, "%u", r->matrix.guest_levels[i]);
}

#define COUNT(field) offsetof(struct matrix, field)
const struct dimension backends = { "backend", NULL, BACKEND_COUNT, COUNT(nbackends), 0, backend_item,
					   backend_format };
const struct dimension working_sets = { "size", NULL, MATRIX_MAX, COUNT(nws), 0, ws_item, ws_format };
const struct dimension patterns = { "pattern", "known patterns are random, seq", 2, COUNT(npatterns), 0,
					   pattern_item, pattern_format };
const struct dimension host_pages = { "host page", "known host pages are 4k, thp, 2m, 1g", HOST_PAGE_COUNT,
					     COUNT(nhost_pages), 0, host_page_item, host_page_format };
const struct dimension guest_pages = { "guest page", "known guest pages are 4k, 2m, 1g", 3,
					      COUNT(nguest_pages), 0, guest_page_item, guest_page_format };
/* The tagged guest TLB: VPID under VMX, ASID under SVM. --tlb-tag and --vpid
 * are one dimension; each error names the option given. */
const struct dimension vpids = { "vpid", "give on, off or on,off", 2, COUNT(nvpids), COUNT(vpid_given),
					vpid_item, vpid_format };
const struct dimension tlb_tags = { "tlb-tag", "give on, off or on,off", 2, COUNT(nvpids), COUNT(vpid_given),
					   vpid_item, vpid_format };
const struct dimension ept_levels = { "EPT depth", "give 4, 5 or 4,5", 2, COUNT(nept_levels),
					     COUNT(levels_given), levels_item, levels_format };
const struct dimension guest_levels = { "guest paging depth", "give 4, 5 or 4,5", 2, COUNT(nguest_levels),
					       COUNT(guest_levels_given), guest_levels_item, guest_levels_format };

int set_dimension(void *t, const struct cli_option *opt, const char *value, char *err, size_t len)
{
	struct run_request *r = t;
	const struct dimension *d = opt->data;
	char copy[1024], hint[512];
	char *items[MATRIX_MAX];
	snprintf(copy, sizeof copy, "%s", value);
	int n = split_list(copy, items, MATRIX_MAX);
	if (n <= 0)
		return run_option_bad(err, len, "list", value, "give comma-separated values without empty items (at most 32)");
	if (n > d->max)
		return run_option_bad(err, len, d->what, items[0], d->hint ? d->hint : known_backends(hint, sizeof hint));
	for (int i = 0; i < n; i++)
		if (d->item(r, i, items[i], d, err, len) < 0)
			return -1;
	char *m = (char *)&r->matrix;
	*(int *)(m + d->count) = n;
	if (d->given)
		*(bool *)(m + d->given) = true;
	return 0;
}

