#include "bench/run/cell_result.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *cell_status_name(enum cell_status s)
{
	switch (s) {
	case CELL_PENDING: return "pending";
	case CELL_OK: return "ok";
	case CELL_SKIPPED: return "skipped";
	case CELL_FAILED: return "failed";
	}
	return "?";
}

const char *cell_phase_key(enum cell_phase p)
{
	static const char *const keys[CELL_PHASES] = { "setup_s", "fault_in_s", "warmup_s", "measure_s" };
	return p < CELL_PHASES ? keys[p] : "?";
}

void result_init(struct cell_result *r, const struct cell *c)
{
	memset(r, 0, sizeof *r);
	r->cell = *c;
	strcpy(r->effective_page, "?");
	r->steal_ticks = -1;
}

void result_counter(struct cell_result *r, const char *name, double value)
{
	for (int i = 0; i < r->ncounters; i++)
		if (!strcmp(r->counters[i].name, name)) {
			r->counters[i].value = value;
			return;
		}
	if (r->ncounters >= RESULT_MAX_COUNTERS)
		return;
	struct counter *c = &r->counters[r->ncounters++];
	snprintf(c->name, sizeof c->name, "%s", name);
	c->value = value;
}

void result_counter_add(struct cell_result *r, const char *name, double value)
{
	for (int i = 0; i < r->ncounters; i++)
		if (!strcmp(r->counters[i].name, name)) {
			r->counters[i].value += value;
			return;
		}
	result_counter(r, name, value);
}

static void set_reason(struct cell_result *r, enum cell_status s, const char *fmt, va_list ap)
{
	r->status = s;
	vsnprintf(r->reason, sizeof r->reason, fmt, ap);
}

void result_skip(struct cell_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_reason(r, CELL_SKIPPED, fmt, ap);
	va_end(ap);
}

void result_fail(struct cell_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_reason(r, CELL_FAILED, fmt, ap);
	va_end(ap);
}
