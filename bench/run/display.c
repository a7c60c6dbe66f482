#include "bench/run/display.h"

#include <string.h>
#include <unistd.h>

#include "bench/run/stats.h"
#include "lib/clock.h"

static int name_width = 56;

void display_set_name_width(const struct cell_result *results, int n)
{
	for (int i = 0; i < n; i++) {
		int len = (int)strlen(results[i].cell.name);
		if (len > name_width)
			name_width = len;
	}
}

void display_header(FILE *out)
{
	fprintf(out, "%-*s %-7s %9s %9s %6s %4s %4s  %s\n", name_width, "cell", "status", "cyc/acc", "ns/acc",
		"cv%", "warm", "eff", "note");
	fflush(out);
}

void display_row(FILE *out, const struct cell_result *r)
{
	if (r->status != CELL_OK) {
		fprintf(out, "%-*s %-7s %9s %9s %6s %4s %4s  %s\n", name_width, r->cell.name,
			cell_status_name(r->status), "-", "-", "-", "-", "-", r->reason);
	} else {
		struct summary s;
		summarize(r->cycles, (size_t)r->reps, &s);
		fprintf(out, "%-*s %-7s %9.1f %9.2f %6.2f %4d %4s  %s%s\n", name_width, r->cell.name, "ok",
			s.median, s.median / r->tsc_hz * 1e9, s.cv * 100.0, r->warmup_passes,
			r->effective_page, r->page_mismatch ? "FLAGGED: " : "", r->mismatch_reason);
	}
	fflush(out);
}

/* Relative cost of a cell, for the ETA: a fixed part (VM, warm-up) and a
 * part that grows with the working set (first touch). */
static double cell_cost(const struct cell *c)
{
	return 0.3 + (double)c->ws / (256.0 * 1024 * 1024);
}

void progress_init(struct progress *p, const struct cell_result *results, int n)
{
	memset(p, 0, sizeof *p);
	p->total = n;
	p->start = monotonic_seconds();
	p->tty = isatty(STDERR_FILENO);
	for (int i = 0; i < n; i++)
		p->cost_total += cell_cost(&results[i].cell);
}

static void hms(double s, char *buf, size_t len)
{
	long t = (long)(s + 0.5);
	snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

void progress_show(struct progress *p, const struct cell *next)
{
	if (!p->tty)
		return;
	double elapsed = monotonic_seconds() - p->start;
	char el[16], eta[16] = "?";
	hms(elapsed, el, sizeof el);
	if (p->cost_done > 0)
		hms(elapsed / p->cost_done * (p->cost_total - p->cost_done), eta, sizeof eta);
	fprintf(stderr, "\r\033[K[%d/%d] %s  elapsed %s  ETA %s", p->done + 1, p->total, next->name, el, eta);
	fflush(stderr);
}

void progress_cell_done(struct progress *p, const struct cell *c)
{
	p->done++;
	p->cost_done += cell_cost(c);
}

void progress_clear(struct progress *p)
{
	if (p->tty) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
	}
}
