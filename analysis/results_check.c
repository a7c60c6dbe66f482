#include "results_check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"

static int bad_value(const struct results_entry *e, long index, const char *field, const struct entry_value *v,
		     const char *what, char *err, size_t errlen)
{
	char name[160], value[64];
	escape_message(name, sizeof name, entry_cell_name(e));
	if (v->kind == ENTRY_NUMBER)
		snprintf(value, sizeof value, "%.17g", entry_number(e, v));
	else
		snprintf(value, sizeof value, "%s", v->kind == ENTRY_ABSENT ? "missing" : v->kind == ENTRY_STRING ? "a string"
				: v->kind == ENTRY_NULL ? "null" : "not a number");
	snprintf(err, errlen, "cell '%s' (benchmarks entry %ld): %s is %s; it must be %s",
		 name, index, field, value, what);
	return -1;
}

/* A number that must be > 0 (or >= 0 when zero_ok); absent is fine unless required. */
static int check_number(const struct results_entry *e, long index, const char *field, const struct entry_value *v,
			int required, int zero_ok, char *err, size_t errlen)
{
	if (v->kind == ENTRY_ABSENT && !required)
		return 0;
	double x = entry_number(e, v);
	if (v->kind != ENTRY_NUMBER || !isfinite(x) || x < 0 || (x == 0 && !zero_ok))
		return bad_value(e, index, field, v, zero_ok ? "a finite number >= 0" : "a finite positive number",
				 err, errlen);
	return 0;
}

int results_check_entry(const struct results_entry *e, long index, char *err, size_t errlen)
{
	if (!e->is_object) {
		snprintf(err, errlen, "benchmarks entry %ld is not an object", index);
		return -1;
	}
	if (!entry_cell_name(e)[0]) {
		snprintf(err, errlen, "benchmarks entry %ld has neither a run_name nor a name", index);
		return -1;
	}
	const char *s = e->status.kind == ENTRY_STRING ? entry_string(e, &e->status) : NULL;
	if (e->status.kind != ENTRY_ABSENT && (!s || (strcmp(s, "ok") && strcmp(s, "skipped") && strcmp(s, "failed"))))
		return bad_value(e, index, "status", &e->status, "\"ok\", \"skipped\" or \"failed\"", err, errlen);
	const struct entry_value *ws = &e->ws_bytes;
	if (ws->kind != ENTRY_ABSENT && ws->kind != ENTRY_NULL && (!ws->integer || ws->whole < 0))
		return bad_value(e, index, "ws_bytes", ws, "a whole number of bytes", err, errlen);
	int ok = s ? !strcmp(s, "ok") : e->error_occurred.kind != ENTRY_TRUE;
	if (!ok)
		return 0;
	const char *run_type = entry_string(e, &e->run_type), *agg = entry_string(e, &e->aggregate_name);
	if (!strcmp(run_type, "iteration"))
		return check_number(e, index, "cycles_per_access", &e->cycles_per_access, 1, 0, err, errlen) < 0 ||
		       check_number(e, index, "ns_per_access", &e->ns_per_access, 0, 0, err, errlen) < 0 ? -1 : 0;
	if (!strcmp(run_type, "aggregate")) {
		/* A spread may be 0; a centre or a minimum may not. */
		int zero_ok = !strcmp(agg, "stddev") || !strcmp(agg, "cv");
		int cv = !strcmp(agg, "cv");
		return check_number(e, index, "cycles_per_access", &e->cycles_per_access, !strcmp(agg, "median"), zero_ok,
				    err, errlen) < 0 ||
		       check_number(e, index, cv ? "real_time" : "ns_per_access", cv ? &e->real_time : &e->ns_per_access,
				    0, zero_ok, err, errlen) < 0 ? -1 : 0;
	}
	return 0;
}
