#include "summary.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "baseline.h"
#include "escape.h"
#include "overhead.h"
#include "strategies.h"
#include "lib/json_util.h"

#define MAX_PAIRS 8

struct sentence {
	char text[2048];
	size_t used;
};

static void say(struct sentence *s, const char *f, ...)
{
	if (s->used >= sizeof s->text)
		return;
	va_list ap;
	va_start(ap, f);
	s->used += (size_t)vsnprintf(s->text + s->used, sizeof s->text - s->used, f, ap);
	va_end(ap);
}

static void emit(FILE *md, FILE *html, const char *prefix, const struct sentence *s)
{
	char text[2200];
	snprintf(text, sizeof text, "%s%s", prefix, s->text);
	if (md) {
		fputs("- ", md);
		escape_markdown(md, text);
		fputc('\n', md);
	}
	if (html) {
		fputs("<li>", html);
		escape_html(html, text);
		fputs("</li>\n", html);
	}
}

/* Bochs and QEMU TCG emulate the CPU: their timings are never results. */
static bool emulated(const struct results_view *v, const char *backend)
{
	if (!strcmp(backend, "bochs"))
		return true;
	json_t *b = json_object_get(v->context, backend);
	return !strcmp(backend, "qemu") ? !json_is_false(json_object_get(b, "emulated"))
					: json_is_true(json_object_get(b, "emulated"));
}

/* A finished random chase whose timing is a result. */
static bool measured(const struct results_view *v, const struct cell_view *c)
{
	return !strcmp(c->status, "ok") && !strcmp(c->pattern, "random") && !strncmp(c->name, "chase/", 6) &&
	       !isnan(c->median) && c->ws_bytes && !emulated(v, c->backend);
}

static bool small_pages(const struct cell_view *c)
{
	return !strcmp(c->host_page, "4k") && (!strcmp(c->backend, "native") || !strcmp(c->guest_page, "4k"));
}

static bool has_interval(const struct cell_view *c)
{
	return !isnan(c->ci_low) && !isnan(c->ci_high);
}

static void emulated_sentence(const struct results_view *v, const char *prefix, FILE *md, FILE *html)
{
	static const char *const names[] = { "bochs", "qemu" };
	for (int b = 0; b < 2; b++) {
		int n = 0;
		for (int i = 0; i < v->n; i++)
			n += !strcmp(v->cells[i].backend, names[b]);
		if (!n || !emulated(v, names[b]))
			continue;
		struct sentence s = { .used = 0 };
		say(&s, "The %d %s cells ran in an emulator: their timings test correctness only, are not performance results and are left out of this summary.",
		    n, names[b]);
		emit(md, html, prefix, &s);
	}
}

/* Per virtualized backend: each configuration at the largest working set
 * measured both under it and natively on 4K pages. */
static void overhead_sentences(const struct results_view *v, const struct baseline *natives, const char *prefix,
			       FILE *md, FILE *html)
{
	const char *done[8];
	int ndone = 0;
	for (int i = 0; i < v->n && ndone < 8; i++) {
		const char *backend = v->cells[i].backend;
		bool seen = !strcmp(backend, "native");
		for (int k = 0; k < ndone; k++)
			seen |= !strcmp(done[k], backend);
		if (seen || !measured(v, &v->cells[i]))
			continue;
		done[ndone++] = backend;
		uint64_t ws = 0;
		for (int k = 0; k < v->n; k++) {
			const struct cell_view *c = &v->cells[k];
			if (!strcmp(c->backend, backend) && measured(v, c) && c->ws_bytes > ws &&
			    baseline_find(natives, "random", c->ws_bytes))
				ws = c->ws_bytes;
		}
		const struct cell_view *base = ws ? baseline_find(natives, "random", ws) : NULL;
		struct sentence s = { .used = 0 };
		if (!base) {
			say(&s, "%s: no working set was measured both under it and natively on 4K pages, so its overhead cannot be given.", backend);
			emit(md, html, prefix, &s);
			continue;
		}
		say(&s, "Virtualization overhead at %s (random chase, median over native 4K pages at %.1f cycles per access): ", base->ws, base->median);
		int pairs = 0, more = 0;
		bool intervals = true;
		for (int k = 0; k < v->n; k++) {
			const struct cell_view *c = &v->cells[k];
			if (strcmp(c->backend, backend) || c->ws_bytes != ws || !measured(v, c))
				continue;
			if (pairs == MAX_PAIRS) {
				more++;
				continue;
			}
			char label[200];
			overhead_label(c, label, sizeof label);
			say(&s, "%s%s %.2fx", pairs ? "; " : "", label, c->median / base->median);
			/* Both medians inside their intervals: the ratio inside these bounds. */
			if (has_interval(c) && has_interval(base))
				say(&s, " (interval %.2f-%.2f)", c->ci_low / base->ci_high, c->ci_high / base->ci_low);
			else
				intervals = false;
			pairs++;
		}
		if (more)
			say(&s, "; %d more in Virtualization overhead", more);
		say(&s, ".%s", intervals ? "" : " Some cells carry no confidence interval (results without ci_low/ci_high): judge them by the cv column.");
		emit(md, html, prefix, &s);
	}
}

/* The cheapest configuration at the largest working set with several. */
static void best_sentence(const struct results_view *v, const struct baseline *natives, const char *prefix, FILE *md,
			  FILE *html)
{
	uint64_t ws = 0;
	for (int i = 0; i < v->n; i++) {
		const struct cell_view *c = &v->cells[i];
		if (measured(v, c) && c->ws_bytes > ws)
			for (int k = 0; k < v->n; k++)
				if (k != i && measured(v, &v->cells[k]) && v->cells[k].ws_bytes == c->ws_bytes) {
					ws = c->ws_bytes;
					break;
				}
	}
	if (!ws)
		return;
	const struct cell_view *best = NULL, *best_huge = NULL, *best_virt = NULL;
	for (int i = 0; i < v->n; i++) {
		const struct cell_view *c = &v->cells[i];
		if (!measured(v, c) || c->ws_bytes != ws)
			continue;
		if (!best || c->median < best->median)
			best = c;
		if (!small_pages(c) && (!best_huge || c->median < best_huge->median))
			best_huge = c;
		if (strcmp(c->backend, "native") && (!best_virt || c->median < best_virt->median))
			best_virt = c;
	}
	const struct cell_view *n4k = baseline_find(natives, "random", ws);
	struct sentence s = { .used = 0 };
	char name[200];
	strategy_name(best, name, sizeof name);
	if (!best_huge)
		say(&s, "Only 4K pages ran at %s (no huge-page strategy to rank): the cheapest is %s at %.1f cycles per access",
		    best->ws, name, best->median);
	else if (small_pages(best))
		say(&s, "No huge-page configuration beat 4K pages at %s: the cheapest is %s at %.1f cycles per access", best->ws,
		    name, best->median);
	else
		say(&s, "Best huge-page strategy at %s: %s at %.1f cycles per access", best->ws, name, best->median);
	if (n4k && n4k != best)
		say(&s, " (%.2fx native 4K)", best->median / n4k->median);
	const struct cell_view *also[] = { small_pages(best) ? best_huge : NULL, best_virt };
	static const char *const what[] = { "best huge-page configuration", "best virtualized" };
	for (int k = 0; k < 2; k++) {
		if (!also[k] || also[k] == best || (k == 1 && also[k] == also[0]))
			continue;
		strategy_name(also[k], name, sizeof name);
		say(&s, "; %s: %s at %.1f", what[k], name, also[k]->median);
		if (n4k)
			say(&s, " (%.2fx native 4K)", also[k]->median / n4k->median);
	}
	say(&s, ".");
	emit(md, html, prefix, &s);
}

/* Per backend: the smallest working set from which on 4K pages cost at
 * least SUMMARY_HUGE_MATTERS times the best huge-page configuration. */
static void huge_matters_sentence(const struct results_view *v, const char *backend, const char *prefix, FILE *md,
				  FILE *html)
{
	const struct cell_view *from_small = NULL, *from_huge = NULL, *last_small = NULL, *last_huge = NULL;
	uint64_t ws = 0;
	for (;;) {
		uint64_t next = UINT64_MAX;
		for (int i = 0; i < v->n; i++)
			if (!strcmp(v->cells[i].backend, backend) && measured(v, &v->cells[i]) && v->cells[i].ws_bytes > ws &&
			    v->cells[i].ws_bytes < next)
				next = v->cells[i].ws_bytes;
		if (next == UINT64_MAX)
			break;
		ws = next;
		const struct cell_view *small = NULL, *huge = NULL;
		for (int i = 0; i < v->n; i++) {
			const struct cell_view *c = &v->cells[i];
			if (strcmp(c->backend, backend) || c->ws_bytes != ws || !measured(v, c))
				continue;
			if (small_pages(c) && !small)
				small = c;
			else if (!small_pages(c) && (!huge || c->median < huge->median))
				huge = c;
		}
		if (!small || !huge)
			continue;
		last_small = small;
		last_huge = huge;
		if (small->median >= SUMMARY_HUGE_MATTERS * huge->median) {
			if (!from_small) {
				from_small = small;
				from_huge = huge;
			}
		} else
			from_small = from_huge = NULL;
	}
	if (!last_small)
		return;
	struct sentence s = { .used = 0 };
	char name[200];
	const char *where = !strcmp(backend, "native") ? "native" : backend;
	bool native = !strcmp(backend, "native");
	if (from_small) {
		strategy_name(from_huge, name, sizeof name);
		say(&s, "Huge pages start to matter %s%s at %s: from there on %s cost at least %.0f%% more than the best huge-page configuration (at %s: %.1f against %.1f cycles per access, %s).",
		    native ? "natively" : "under ", native ? "" : backend, from_small->ws,
		    native ? "4K pages" : "guest 4K pages on host 4K pages", (SUMMARY_HUGE_MATTERS - 1) * 100, from_small->ws,
		    from_small->median, from_huge->median, name);
	} else {
		strategy_name(last_huge, name, sizeof name);
		say(&s, "Huge pages did not beat 4K pages by %.0f%% from any working set on %s (at the largest, %s: 4K %.1f against %.1f cycles per access, %s).",
		    (SUMMARY_HUGE_MATTERS - 1) * 100, where, last_small->ws, last_small->median, last_huge->median, name);
	}
	emit(md, html, prefix, &s);
}

static void stability_sentence(const struct results_view *v, const char *prefix, FILE *md, FILE *html)
{
	int judged = 0, unstable = 0, noisy = 0, timed = 0;
	struct sentence names = { .used = 0 }, noisy_names = { .used = 0 };
	for (int i = 0; i < v->n; i++) {
		const struct cell_view *c = &v->cells[i];
		if (strcmp(c->status, "ok") || isnan(c->median))
			continue;
		timed++;
		if (c->stability[0]) {
			judged++;
			if (!strcmp(c->stability, "unstable") && unstable++ < 3)
				say(&names, "%s%s", unstable > 1 ? ", " : "", c->name);
		}
		if (!isnan(c->cv) && c->cv > SUMMARY_NOISY_CV && noisy++ < 3)
			say(&noisy_names, "%s%s", noisy > 1 ? ", " : "", c->name);
	}
	struct sentence s = { .used = 0 };
	if (judged && unstable)
		say(&s, "%d of %d judged cells are unstable (their repetitions drift over the run): %s%s. Re-run them before trusting their numbers.",
		    unstable, judged, names.text, unstable > 3 ? " and others (see the Results table)" : "");
	else if (judged)
		say(&s, "All %d judged cells are stable (no drift over their repetitions).", judged);
	else if (noisy)
		say(&s, "Stability was not judged (results without the drift test); %d of %d timed cells have a CV above %.0f%%: %s%s.",
		    noisy, timed, SUMMARY_NOISY_CV * 100, noisy_names.text, noisy > 3 ? " and others (see the cv column of Results)" : "");
	else if (timed)
		say(&s, "Stability was not judged (results without the drift test); every timed cell has a CV of %.0f%% or less.",
		    SUMMARY_NOISY_CV * 100);
	if (s.used)
		emit(md, html, prefix, &s);
}

void summary_write(const struct results_view *v, const char *prefix, FILE *md, FILE *html)
{
	struct baseline natives;
	if (baseline_build(&natives, v) < 0)
		return;
	emulated_sentence(v, prefix, md, html);
	overhead_sentences(v, &natives, prefix, md, html);
	best_sentence(v, &natives, prefix, md, html);
	const char *done[8];
	int ndone = 0;
	for (int i = 0; i < v->n && ndone < 8; i++) {
		bool seen = false;
		for (int k = 0; k < ndone; k++)
			seen |= !strcmp(done[k], v->cells[i].backend);
		if (!seen && measured(v, &v->cells[i])) {
			done[ndone++] = v->cells[i].backend;
			huge_matters_sentence(v, v->cells[i].backend, prefix, md, html);
		}
	}
	stability_sentence(v, prefix, md, html);
	baseline_free(&natives);
}
