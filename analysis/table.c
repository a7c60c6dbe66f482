#include "table.h"

#include <stdlib.h>
#include <string.h>

static char *dup(const char *s)
{
	return strdup(s ? s : "");
}

void table_init(struct table *t, const char *title, const char *intro, int ncols, const char *const *cols)
{
	memset(t, 0, sizeof *t);
	t->title = dup(title);
	t->intro = intro ? dup(intro) : NULL;
	t->ncols = ncols < TABLE_MAX_COLS ? ncols : TABLE_MAX_COLS;
	for (int c = 0; c < t->ncols; c++) {
		t->align[c] = cols[c][0] == '>' ? 'r' : 'l';
		t->head[c] = dup(cols[c] + (cols[c][0] == '>'));
	}
}

void table_row(struct table *t, const char *const *values)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cell = realloc(t->cell, (size_t)t->cap * (size_t)t->ncols * sizeof *t->cell);
	}
	for (int c = 0; c < t->ncols; c++)
		t->cell[t->nrows * t->ncols + c] = dup(values[c]);
	t->nrows++;
}

void table_free(struct table *t)
{
	for (int i = 0; i < t->nrows * t->ncols; i++)
		free(t->cell[i]);
	for (int c = 0; c < t->ncols; c++)
		free(t->head[c]);
	free(t->cell);
	free(t->title);
	free(t->intro);
	memset(t, 0, sizeof *t);
}

/* Markdown cells must not break the table: pipes escaped, newlines folded. */
static void md_cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else if (*s == '\n')
			fputc(' ', out);
		else
			fputc(*s, out);
	}
}

void table_markdown(const struct table *t, FILE *out)
{
	fprintf(out, "## %s\n\n", t->title);
	if (t->intro)
		fprintf(out, "%s\n\n", t->intro);
	if (!t->nrows) {
		fprintf(out, "(none)\n\n");
		return;
	}
	fputc('|', out);
	for (int c = 0; c < t->ncols; c++) {
		fputc(' ', out);
		md_cell(out, t->head[c]);
		fputs(" |", out);
	}
	fputs("\n|", out);
	for (int c = 0; c < t->ncols; c++)
		fputs(t->align[c] == 'r' ? "---:|" : "---|", out);
	fputc('\n', out);
	for (int r = 0; r < t->nrows; r++) {
		fputc('|', out);
		for (int c = 0; c < t->ncols; c++) {
			fputc(' ', out);
			md_cell(out, t->cell[r * t->ncols + c]);
			fputs(" |", out);
		}
		fputc('\n', out);
	}
	fputc('\n', out);
}

void html_escape(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

void table_html(const struct table *t, FILE *out)
{
	fputs("<h2>", out);
	html_escape(out, t->title);
	fputs("</h2>\n", out);
	if (t->intro) {
		fputs("<p>", out);
		html_escape(out, t->intro);
		fputs("</p>\n", out);
	}
	if (!t->nrows) {
		fputs("<p>(none)</p>\n", out);
		return;
	}
	fputs("<table>\n<tr>", out);
	for (int c = 0; c < t->ncols; c++) {
		fputs("<th>", out);
		html_escape(out, t->head[c]);
		fputs("</th>", out);
	}
	fputs("</tr>\n", out);
	for (int r = 0; r < t->nrows; r++) {
		fputs("<tr>", out);
		for (int c = 0; c < t->ncols; c++) {
			fputs(t->align[c] == 'r' ? "<td class=\"n\">" : "<td>", out);
			html_escape(out, t->cell[r * t->ncols + c]);
			fputs("</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}
