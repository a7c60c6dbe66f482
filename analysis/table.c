#include "table.h"

#include <math.h>

#include "escape.h"

static const char *col_name(const char *col)
{
	return col + (col[0] == '>');
}

void table_begin(struct table *t, FILE *md, FILE *html, const char *title, const char *intro, int ncols,
		 const char *const *cols)
{
	*t = (struct table){ .md = md, .html = html, .ncols = ncols < TABLE_MAX_COLS ? ncols : TABLE_MAX_COLS,
			     .cols = cols };
	if (md) {
		fputs("## ", md);
		escape_markdown(md, title);
		fputs("\n\n", md);
		if (intro) {
			escape_markdown(md, intro);
			fputs("\n\n", md);
		}
	}
	if (html) {
		fputs("<h2>", html);
		escape_html(html, title);
		fputs("</h2>\n", html);
		if (intro) {
			fputs("<p>", html);
			escape_html(html, intro);
			fputs("</p>\n", html);
		}
	}
}

static void header(const struct table *t)
{
	if (t->md) {
		fputc('|', t->md);
		for (int c = 0; c < t->ncols; c++) {
			fputc(' ', t->md);
			escape_markdown(t->md, col_name(t->cols[c]));
			fputs(" |", t->md);
		}
		fputs("\n|", t->md);
		for (int c = 0; c < t->ncols; c++)
			fputs(t->cols[c][0] == '>' ? "---:|" : "---|", t->md);
		fputc('\n', t->md);
	}
	if (t->html) {
		fputs("<table>\n<tr>", t->html);
		for (int c = 0; c < t->ncols; c++) {
			fputs("<th>", t->html);
			escape_html(t->html, col_name(t->cols[c]));
			fputs("</th>", t->html);
		}
		fputs("</tr>\n", t->html);
	}
}

void table_row(struct table *t, const char *const *values)
{
	if (!t->nrows++)
		header(t);
	if (t->md) {
		fputc('|', t->md);
		for (int c = 0; c < t->ncols; c++) {
			fputc(' ', t->md);
			escape_markdown(t->md, values[c]);
			fputs(" |", t->md);
		}
		fputc('\n', t->md);
	}
	if (t->html) {
		fputs("<tr>", t->html);
		for (int c = 0; c < t->ncols; c++) {
			fputs(t->cols[c][0] == '>' ? "<td class=\"n\">" : "<td>", t->html);
			escape_html(t->html, values[c]);
			fputs("</td>", t->html);
		}
		fputs("</tr>\n", t->html);
	}
}

void table_end(struct table *t)
{
	if (t->md)
		fputs(t->nrows ? "\n" : "(none)\n\n", t->md);
	if (t->html)
		fputs(t->nrows ? "</table>\n" : "<p>(none)</p>\n", t->html);
}

void table_number(char *buf, size_t len, const char *f, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, f, v);
}
