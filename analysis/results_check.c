#include "results_check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "results_view.h"

static int bad_value(json_t *e, long index, const char *field, const char *what, char *err, size_t errlen)
{
	char name[160], value[64];
	const char *n = json_str(e, "run_name")[0] ? json_str(e, "run_name") : json_str(e, "name");
	escape_message(name, sizeof name, n);
	json_t *v = json_object_get(e, field);
	if (json_is_number(v))
		snprintf(value, sizeof value, "%.17g", json_number_value(v));
	else
		snprintf(value, sizeof value, "%s", !v ? "missing" : json_is_string(v) ? "a string"
				: json_is_null(v) ? "null" : "not a number");
	snprintf(err, errlen, "cell '%s' (benchmarks entry %ld): %s is %s; it must be %s",
		 name, index, field, value, what);
	return -1;
}

/* A number that must be > 0 (or >= 0 when zero_ok); absent is fine unless required. */
static int check_number(json_t *e, long index, const char *field, int required, int zero_ok,
			char *err, size_t errlen)
{
	json_t *v = json_object_get(e, field);
	if (!v && !required)
		return 0;
	double x = json_number_value(v);
	if (!json_is_number(v) || !isfinite(x) || x < 0 || (x == 0 && !zero_ok))
		return bad_value(e, index, field, zero_ok ? "a finite number >= 0" : "a finite positive number",
				 err, errlen);
	return 0;
}

int results_check_entry(json_t *e, long index, char *err, size_t errlen)
{
	if (!json_is_object(e)) {
		snprintf(err, errlen, "benchmarks entry %ld is not an object", index);
		return -1;
	}
	if (!json_str(e, "run_name")[0] && !json_str(e, "name")[0]) {
		snprintf(err, errlen, "benchmarks entry %ld has neither a run_name nor a name", index);
		return -1;
	}
	json_t *status = json_object_get(e, "status");
	const char *s = json_string_value(status);
	if (status && (!s || (strcmp(s, "ok") && strcmp(s, "skipped") && strcmp(s, "failed"))))
		return bad_value(e, index, "status", "\"ok\", \"skipped\" or \"failed\"", err, errlen);
	json_t *ws = json_object_get(e, "ws_bytes");
	if (ws && !json_is_null(ws) && (!json_is_integer(ws) || json_integer_value(ws) < 0))
		return bad_value(e, index, "ws_bytes", "a whole number of bytes", err, errlen);
	int ok = s ? !strcmp(s, "ok") : !json_is_true(json_object_get(e, "error_occurred"));
	if (!ok)
		return 0;
	const char *run_type = json_str(e, "run_type"), *agg = json_str(e, "aggregate_name");
	if (!strcmp(run_type, "iteration"))
		return check_number(e, index, "cycles_per_access", 1, 0, err, errlen) < 0 ||
		       check_number(e, index, "ns_per_access", 0, 0, err, errlen) < 0 ? -1 : 0;
	if (!strcmp(run_type, "aggregate")) {
		/* A spread may be 0; a centre or a minimum may not. */
		int zero_ok = !strcmp(agg, "stddev") || !strcmp(agg, "cv");
		return check_number(e, index, "cycles_per_access", !strcmp(agg, "median"), zero_ok, err, errlen) < 0 ||
		       check_number(e, index, !strcmp(agg, "cv") ? "real_time" : "ns_per_access", 0, zero_ok,
				    err, errlen) < 0 ? -1 : 0;
	}
	return 0;
}
