#include "bench/results/results_csv.h"

#include <stdio.h>
#include <stdlib.h>

#include "analysis/escape.h"
#include "bench/run/cell_stats.h"
#include "lib/files.h"
#include "lib/units.h"

const char results_csv_header[] =
	"name,backend,pattern,ws_bytes,guest_page,host_page,status,reps,median_cycles,"
	"median_ns,mean_cycles,stddev_cycles,cv,min_cycles,effective_page,page_size_flagged,"
	"warmup_passes,ci_low,ci_high,ci_coverage,stability,drift_pct,drift_p,core_per_tsc,"
	"core_cycles_per_access,clock_moved_reps,steal_ticks,wall_seconds,next_low,next_high,run_spread,"
	"next_runs,reason\n";

char *results_csv_row(const struct cell_result *r)
{
	const struct cell *c = &r->cell;
	struct cell_stats st;
	bool timed = cell_stats(r, &st) == 0;
	const struct summary s = st.s;
	char *out = NULL;
	size_t size;
	FILE *m = open_memstream(&out, &size);
	if (!m)
		return NULL;
	/* Names and reasons may hold commas and quotes (and, read back from a
	 * file, anything): they go through the CSV escaper. */
	escape_csv(m, c->name);
	fprintf(m, ",%s,%s,%llu,%s,%s,%s,%d,%.3f,%.3f,%.3f,%.3f,%.5f,%.3f,%s,%d,%d,",
		backend_name(c->backend), pattern_name(c->pattern), (unsigned long long)c->ws,
		c->guest_page ? page_size_name(c->guest_page) : "", host_page_name(c->host_page),
		cell_status_name(r->status), r->reps, s.median,
		r->tsc_hz > 0 ? s.median / r->tsc_hz * 1e9 : 0.0, s.mean, s.stddev, s.cv, s.min,
		r->status == CELL_OK ? r->effective_page : "", r->page_mismatch, r->warmup_passes);
	/* Empty where the cell has no such figure (not timed, too few
	 * repetitions for a drift test, no reference clock, no steal column). */
	if (timed)
		fprintf(m, "%.3f,%.3f,%.4f,", st.ci.low, st.ci.high, st.ci.confidence);
	else
		fputs(",,,", m);
	if (timed && cell_stability(&st))
		fprintf(m, "%s,%.3f,%.6f,", cell_stability(&st), st.drift.relative * 100, st.drift.p);
	else
		fputs(",,,", m);
	if (timed && st.core_per_tsc > 0)
		fprintf(m, "%.4f,%.3f,%d,", st.core_per_tsc, s.median * st.core_per_tsc, st.clock_moved_reps);
	else
		fputs(",,,", m);
	if (r->steal_ticks >= 0)
		fprintf(m, "%.0f", r->steal_ticks);
	fprintf(m, ",%.3f,", r->wall_seconds);
	if (timed && st.have_next)
		fprintf(m, "%.3f,%.3f,%.5f,%d,", st.next_low, st.next_high, r->run_spread, r->run_spread_runs);
	else
		fputs(",,,,", m);
	escape_csv(m, r->status == CELL_OK ? r->mismatch_reason : r->reason);
	fputc('\n', m);
	fclose(m);
	return out;
}

int results_csv_write(const char *path, char *const *rows, int n, char *err, size_t errlen)
{
	return atomic_write_parts(path, results_csv_header, rows, n, "", "", err, errlen);
}

int results_write_csv(const char *path, const struct cell_result *results, int n, char *err, size_t errlen)
{
	char **rows = calloc((size_t)n + 1, sizeof *rows);
	if (!rows) {
		snprintf(err, errlen, "out of memory writing %s", path);
		return -1;
	}
	for (int i = 0; i < n; i++)
		rows[i] = results[i].status != CELL_PENDING ? results_csv_row(&results[i]) : NULL;
	int rc = results_csv_write(path, rows, n, err, errlen);
	for (int i = 0; i < n; i++)
		free(rows[i]);
	free(rows);
	return rc;
}
