/* A small table of strings rendered as Markdown or HTML: every report
 * section is built once and written in both formats. */
#ifndef TLBVISOR_TABLE_H
#define TLBVISOR_TABLE_H

#include <stdio.h>

#define TABLE_MAX_COLS 16

struct table {
	char *title;
	char *intro;               /* a sentence above the table, may be NULL */
	int ncols, nrows, cap;
	char *head[TABLE_MAX_COLS];
	char align[TABLE_MAX_COLS]; /* 'l' or 'r' */
	char **cell;               /* nrows x ncols */
};

/* cols: "name" or ">name" for a right-aligned (numeric) column. */
void table_init(struct table *t, const char *title, const char *intro, int ncols, const char *const *cols);
/* Append a row; each value is a printf-formatted string. */
void table_row(struct table *t, const char *const *values);
void table_free(struct table *t);
void table_markdown(const struct table *t, FILE *out);
void table_html(const struct table *t, FILE *out);
/* HTML-escape s onto out. */
void html_escape(FILE *out, const char *s);

#endif
