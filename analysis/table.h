/* Tables of strings written as they are produced, in Markdown and HTML at
 * once: every report section is built once and written in both formats,
 * row by row, so a table of a million cells is never held in memory. Every
 * title, heading and cell goes through the escaper of its format. */
#ifndef TLBVISOR_TABLE_H
#define TLBVISOR_TABLE_H

#include <stddef.h>
#include <stdio.h>

#define TABLE_MAX_COLS 16

struct table {
	FILE *md, *html;            /* either may be NULL */
	int ncols;
	const char *const *cols;    /* "name" or ">name" for a right-aligned (numeric) column */
	long nrows;
};

/* Writes the title and the intro (may be NULL); the header follows with the first row. */
void table_begin(struct table *t, FILE *md, FILE *html, const char *title, const char *intro, int ncols,
		 const char *const *cols);
void table_row(struct table *t, const char *const *values);
/* Closes the table, or says "(none)" when it had no rows. */
void table_end(struct table *t);

/* A number for a cell: v in format f, or "-" when it is NAN (not measured). */
void table_number(char *buf, size_t len, const char *f, double v);

#endif
