#include "bench/cli/run_options.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <linux/perf_event.h>

#include "bench/cli/matrix_file.h"
#include "bench/cli/run_dimensions.h"
#include "bench/pmu/perf_counters.h"
#include "bench/run/cell_result.h"
#include "bench/matrix/matrix_check.h"
#include "lib/units.h"

#define REQ(t) ((struct run_request *)(t))

/* A number of the run configuration and the range it may take. */
struct number {
	enum { NUMBER_INT, NUMBER_U64, NUMBER_SIZE, NUMBER_SECONDS } kind;
	size_t offset;        /* in struct run_request */
	int base;             /* NUMBER_INT, NUMBER_U64: 10, or 0 for 0x... too */
	double min, max;      /* accepted, inclusive */
	bool positive;        /* and above zero */
	const char *hint;     /* what to give instead */
};

static int set_number(void *t, const struct cli_option *opt, const char *value, char *err, size_t len)
{
	const struct number *n = opt->data;
	char *field = (char *)t + n->offset;
	unsigned long long count = 0;
	uint64_t size = 0;
	double v = 0;
	int rc;
	switch (n->kind) {
	case NUMBER_INT:
	case NUMBER_U64:
		rc = parse_count(value, n->base, 0, ~0ull, &count);
		v = (double)count;
		break;
	case NUMBER_SIZE:
		rc = parse_size(value, &size);
		count = size;
		v = (double)size;
		break;
	default:
		rc = parse_seconds(value, &v);
		break;
	}
	if (rc < 0 || v < n->min || v > n->max || (n->positive && v <= 0)) {
		snprintf(err, len, "invalid --%s '%s': %s", opt->name, value, n->hint);
		return -1;
	}
	switch (n->kind) {
	case NUMBER_INT: *(int *)field = (int)count; break;
	case NUMBER_U64: case NUMBER_SIZE: *(uint64_t *)field = count; break;
	default: *(double *)field = v; break;
	}
	return 0;
}

#define CFG(field) offsetof(struct run_request, cfg.field)
#define STR(x) #x
#define STR_OF(x) STR(x)
#define ANY 1.8446744073709552e19 /* 2^64: no upper limit */
static const struct number repetitions = { NUMBER_INT, CFG(repetitions), 10, 1, RESULT_MAX_REPS, false,
					   "give a whole number from 1 to " STR_OF(RESULT_MAX_REPS) };
static const struct number max_warmup = { NUMBER_INT, CFG(max_warmup_passes), 10, 1, 1000, false,
					  "give a whole number from 1 to 1000" };
static const struct number min_time = { NUMBER_SECONDS, CFG(min_time), 0, 0, 60, false,
					"give seconds (0.05, 2s or 50ms), at most 60" };
static const struct number stride = { NUMBER_SIZE, CFG(stride), 0, 0, ANY, false,
				      "give a size that is a multiple of 64 (e.g. 64, 4k)" };
static const struct number group = { NUMBER_SIZE, CFG(group), 0, 0, ANY, false, "give a size (e.g. 2m)" };
static const struct number seed = { NUMBER_U64, CFG(seed), 0, 0, ANY, false, "give a whole number" };
static const struct number guest_mem = { NUMBER_SIZE, CFG(guest_mem), 0, 0, ANY, false, "give a size (e.g. 2g)" };
static const struct number exit_every = { NUMBER_U64, CFG(exit_every), 0, 1, ANY, false,
					  "give a positive number of accesses" };
static const struct number exit_ticks = { NUMBER_U64, CFG(exit_ticks), 0, 1, 4294967295.0, false,
					  "give a number of timer ticks from 1 to 4294967295" };
static const struct number guest_timeout = { NUMBER_SECONDS, CFG(guest_timeout), 0, 0, 86400, true,
					     "give seconds (e.g. 60)" };
static const struct number max_time = { NUMBER_SECONDS, CFG(max_time), 0, 0, 86400, true,
				       "give seconds (e.g. 10)" };
static const struct cli_fraction target_ci = { false, "give a percentage (2%) or a fraction (0.02) of the median" };
static const struct number vmx_timeout = { NUMBER_SECONDS, CFG(vmx_timeout), 0, 0, ANY, true,
					   "give seconds (e.g. 600)" };

/* The stride is a whole number of cache lines. */
static int set_stride(void *t, const struct cli_option *opt, const char *value, char *err, size_t len)
{
	if (set_number(t, opt, value, err, len) < 0)
		return -1;
	if (REQ(t)->cfg.stride % 64 == 0)
		return 0;
	snprintf(err, len, "invalid --%s '%s': %s", opt->name, value, stride.hint);
	return -1;
}

static int set_raw_events(void *t, const struct cli_option *opt, const char *value, char *err, size_t len)
{
	struct run_config *cfg = &REQ(t)->cfg;
	char copy[512];
	char *items[RUN_MAX_RAW_EVENTS];
	snprintf(copy, sizeof copy, "%s", value);
	int n = split_list(copy, items, RUN_MAX_RAW_EVENTS);
	for (int i = 0; i < n; i++) {
		unsigned long long v;
		if (parse_count(items[i], 0, 0, 0xffffffffull, &v) < 0)
			n = -1;
		else
			cfg->raw_events[i] = v;
	}
	if (n <= 0) {
		snprintf(err, len, "invalid --%s '%s': give up to 4 IA32_PERFEVTSEL encodings (event | umask << 8, e.g. 0x0108)",
			 opt->name, value);
		return -1;
	}
	cfg->nraw_events = n;
	return 0;
}

static int set_events(void *t, const struct cli_option *opt, const char *value, char *err, size_t len)
{
	struct run_request *r = t;
	char copy[1024];
	char *items[PMU_MAX_EVENTS];
	snprintf(copy, sizeof copy, "%s", value);
	int n = split_list(copy, items, PMU_MAX_EVENTS);
	if (n <= 0) {
		snprintf(err, len, "invalid --%s '%s': give up to %d comma-separated libpfm4 event names", opt->name, value,
			 PMU_MAX_EVENTS);
		return -1;
	}
	char why[256];
	if (pmu_init(why, sizeof why) < 0) {
		snprintf(err, len, "--%s: %s", opt->name, why);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		struct perf_event_attr attr;
		if (pmu_encode(items[i], PMU_USER, &attr, why, sizeof why) < 0) {
			snprintf(err, len, "invalid event '%s': %s; see tlbvisor list for this PMU's events", items[i], why);
			return -1;
		}
		snprintf(r->cfg.events[i], sizeof r->cfg.events[i], "%s", items[i]);
	}
	r->cfg.nevents = n;
	r->events_given = true;
	return 0;
}

static int set_pmu_preset(void *t, const struct cli_option *opt, const char *value, char *err, size_t len)
{
	if (strcmp(value, "walk") && strcmp(value, "basic") && strcmp(value, "none")) {
		snprintf(err, len, "invalid --%s '%s': known presets are walk, basic, none", opt->name, value);
		return -1;
	}
	REQ(t)->pmu_preset = value;
	return 0;
}

static int set_pt_backing(void *t, const struct cli_option *opt, const char *value, char *err, size_t len)
{
	if (strcmp(value, "split") && strcmp(value, "cell")) {
		snprintf(err, len, "invalid --%s '%s': give cell (guest page tables behind the cell's host page or EPT/NPT leaf, the default) or split (behind 4K leaves, the layout shadow paging needed)",
			 opt->name, value);
		return -1;
	}
	REQ(t)->cfg.pt_split = !strcmp(value, "split");
	return 0;
}

/* Applied by run_request_init before every other option, which override it. */
static int preset_applied(void *t, const struct cli_option *opt, const char *value, char *err, size_t len)
{
	(void)t, (void)opt, (void)value, (void)err, (void)len;
	return 0;
}

#define DIMENSION(name, dim) { name, CLI_VALUE, 0, set_dimension, &dim }
#define NUMBER(name, num) { name, CLI_VALUE, 0, set_number, &num }

const struct cli_option run_matrix_options[] = {
	{ "preset", CLI_VALUE, 0, preset_applied, NULL },
	DIMENSION("ws", working_sets),
	DIMENSION("pattern", patterns),
	DIMENSION("host-page", host_pages),
	DIMENSION("guest-page", guest_pages),
	DIMENSION("vpid", vpids),
	DIMENSION("tlb-tag", tlb_tags),
	DIMENSION("ept-levels", ept_levels),
	DIMENSION("guest-levels", guest_levels),
	{ "exit-cost", CLI_FLAG, offsetof(struct run_request, matrix.exit_cost), NULL, NULL },
	NUMBER("repetitions", repetitions),
	NUMBER("min-time", min_time),
	{ "stride", CLI_VALUE, 0, set_stride, &stride },
	NUMBER("group", group),
	NUMBER("seed", seed),
	NUMBER("max-warmup", max_warmup),
	NUMBER("exit-every", exit_every),
	NUMBER("exit-every-ticks", exit_ticks),
	NUMBER("guest-timeout", guest_timeout),
	{ "raw-events", CLI_VALUE, 0, set_raw_events, NULL },
	{ "pt-backing", CLI_VALUE, 0, set_pt_backing, NULL },
	{ "probe-ept-violation", CLI_FLAG, CFG(probe_nested_fault), NULL, NULL },
	{ "probe-nested-fault", CLI_FLAG, CFG(probe_nested_fault), NULL, NULL }, /* its name for both vendors */
};
const int run_nmatrix_options = sizeof run_matrix_options / sizeof *run_matrix_options;

const struct cli_option run_file_options[] = {
	{ "out", CLI_STRING, CFG(out), NULL, NULL },
	{ "payload", CLI_STRING, CFG(payload), NULL, NULL },
};
const int run_nfile_options = sizeof run_file_options / sizeof *run_file_options;

const struct cli_option run_host_options[] = {
	DIMENSION("backend", backends),
	NUMBER("guest-mem", guest_mem),
	{ "allow-module-reload", CLI_FLAG, CFG(allow_module_reload), NULL, NULL },
	NUMBER("vmx-timeout", vmx_timeout),
	{ "events", CLI_VALUE, 0, set_events, NULL },
	{ "pmu-preset", CLI_VALUE, 0, set_pmu_preset, NULL },
	{ "csv", CLI_STRING, CFG(csv), NULL, NULL },
	{ "resume", CLI_STRING, CFG(resume), NULL, NULL },
	{ "db", CLI_STRING, CFG(db), NULL, NULL },
	{ "no-db", CLI_FLAG, CFG(no_db), NULL, NULL },
	{ "matrix", CLI_STRING, CFG(matrix_file), NULL, NULL },
	{ "shard", CLI_STRING, CFG(shard), NULL, NULL },
	{ "shard-costs", CLI_STRING, CFG(shard_costs), NULL, NULL },
	{ "dry-run", CLI_FLAG, CFG(dry_run), NULL, NULL },
	/* How hard to measure, not what: outside the matrix's canonical form. */
	{ "target-ci", CLI_VALUE, CFG(target_ci), cli_set_fraction, &target_ci },
	NUMBER("max-time", max_time),
	{ "sequential", CLI_FLAG, CFG(sequential), NULL, NULL },
};
const int run_nhost_options = sizeof run_host_options / sizeof *run_host_options;

/* ---- the canonical form ------------------------------------------------ */

struct text {
	char *buf;
	size_t len, used;
	bool overflow;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->buf + t->used, t->len - t->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->len - t->used)
		t->overflow = true;
	else
		t->used += (size_t)n;
}

/* One option's "key = value" line; false when the option has no canonical
 * form (then the canonical form is incomplete: a test keeps that from
 * happening). */
static bool canonical_option(struct text *t, const struct run_request *r, const struct cli_option *o)
{
	const char *base = (const char *)r;
	if (o->parse == preset_applied)
		return true; /* the canonical form spells out what the preset set */
	if (o->kind == CLI_FLAG) {
		put(t, "%s = %s\n", o->name, *(const bool *)(base + o->offset) ? "true" : "false");
		return true;
	}
	if (o->parse == set_dimension) {
		const struct dimension *d = o->data;
		const char *m = (const char *)&r->matrix;
		if (d->given && !*(const bool *)(m + d->given))
			return true; /* not given: the backends' own defaults apply */
		int n = *(const int *)(m + d->count);
		if (n == 0)
			return true; /* empty (guest pages of a default native-only start): as not given */
		put(t, "%s = ", o->name);
		for (int i = 0; i < n; i++) {
			char item[64];
			d->format(r, i, item, sizeof item);
			put(t, "%s%s", i ? "," : "", item);
		}
		put(t, "\n");
		return true;
	}
	if (o->parse == set_number || o->parse == set_stride) {
		const struct number *n = o->data;
		const char *field = base + n->offset;
		double v = n->kind == NUMBER_INT ? *(const int *)field
			   : n->kind == NUMBER_SECONDS ? *(const double *)field : (double)*(const uint64_t *)field;
		if (v < n->min || (n->positive && v <= 0) || (n->kind == NUMBER_SIZE && v == 0))
			return true; /* off (exit-every 0, group 0): the option is not given */
		if (n->kind == NUMBER_INT)
			put(t, "%s = %d\n", o->name, *(const int *)field);
		else if (n->kind == NUMBER_SECONDS)
			put(t, "%s = %.17g\n", o->name, *(const double *)field);
		else
			put(t, "%s = %llu\n", o->name, (unsigned long long)*(const uint64_t *)field);
		return true;
	}
	if (o->parse == set_pt_backing) {
		/* Written only when not the default, so that matrices without it
		 * keep their hash. */
		if (r->cfg.pt_split)
			put(t, "%s = split\n", o->name);
		return true;
	}
	if (o->parse == set_raw_events) {
		if (!r->cfg.nraw_events)
			return true;
		put(t, "%s = ", o->name);
		for (int i = 0; i < r->cfg.nraw_events; i++)
			put(t, "%s0x%llx", i ? "," : "", (unsigned long long)r->cfg.raw_events[i]);
		put(t, "\n");
		return true;
	}
	return false;
}

/* Do two options write the same thing (--tlb-tag and --vpid: the matrix's
 * one tagged-TLB list; each has its own dimension only for its messages)? */
static bool same_target(const struct cli_option *a, const struct cli_option *b)
{
	if (a->kind != b->kind || a->parse != b->parse || a->offset != b->offset)
		return false;
	if (a->parse == set_dimension)
		return ((const struct dimension *)a->data)->count == ((const struct dimension *)b->data)->count;
	return a->data == b->data;
}

/* A second name of an earlier option of the list. */
static bool is_alias(const struct cli_option *list, int i)
{
	for (int j = 0; j < i; j++)
		if (same_target(&list[j], &list[i]))
			return true;
	return false;
}

int run_request_canonical(const struct run_request *r, char *buf, size_t len, const char **missing)
{
	struct text t = { buf, len, 0, false };
	buf[0] = 0;
	*missing = NULL;
	for (int i = 0; i < run_nhost_options; i++)
		if (!strcmp(run_host_options[i].name, "backend"))
			canonical_option(&t, r, &run_host_options[i]);
	/* An alias is written once, under its first name, so that a matrix
	 * hashes the same whichever name it was given with. */
	for (int i = 0; i < run_nmatrix_options; i++)
		if (!is_alias(run_matrix_options, i) && !canonical_option(&t, r, &run_matrix_options[i]) && !*missing)
			*missing = run_matrix_options[i].name;
	return t.overflow || *missing ? -1 : (int)t.used;
}

int run_request_init(struct run_request *req, const char *command, int argc, char **argv)
{
	memset(req, 0, sizeof *req);
	const char *preset = "quick";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--preset") && i + 1 < argc)
			preset = argv[i + 1];
		else if (!strncmp(argv[i], "--preset=", 9))
			preset = argv[i] + 9;
	}
	if (run_preset(preset, &req->matrix, &req->cfg) < 0) {
		fprintf(stderr, "tlbvisor %s: unknown preset '%s': known presets are %s\n", command, preset,
			matrix_preset_names());
		return -1;
	}
	return 0;
}

int run_request_check(const struct run_request *req, const char *command, const char *section)
{
	char err[1024];
	if (matrix_check(&req->matrix, &req->cfg, err, sizeof err) < 0) {
		if (section) /* a matrix file's section, the command line over it */
			fprintf(stderr, "tlbvisor %s: %s%s%s%s: %s\n", command, req->cfg.matrix_file,
				section[0] ? ", section [" : "", section, section[0] ? "]" : "", err);
		else
			fprintf(stderr, "tlbvisor %s: %s\n", command, err);
		return -1;
	}
	return 0;
}

void run_request_default_events(struct run_request *req)
{
	if (req->events_given || (req->pmu_preset && !strcmp(req->pmu_preset, "none")))
		return;
	char err[256];
	const char *names[PMU_MAX_EVENTS];
	int n = pmu_init(err, sizeof err) == 0 ? pmu_preset_events(req->pmu_preset ? req->pmu_preset : "walk", names) : 0;
	for (int i = 0; i < n; i++)
		snprintf(req->cfg.events[i], sizeof req->cfg.events[i], "%s", names[i]);
	req->cfg.nevents = n > 0 ? n : 0;
}
