/* Text that came from a file (cell names, reasons, context values) is data
 * wherever it goes: one escaper per target language, in this one place.
 * Control characters are written as the four visible characters \xNN in the
 * text formats, so a name shows literally and can never start a new line,
 * command or table row. SQL needs no escaper: the history binds parameters. */
#ifndef TLBVISOR_ESCAPE_H
#define TLBVISOR_ESCAPE_H

#include <stdio.h>

/* A gnuplot single-quoted string literal, quotes included. Inside single
 * quotes gnuplot expands neither backquotes nor @macros; '' is a quote. */
void escape_gnuplot(FILE *out, const char *s);
/* HTML text or attribute value: & < > " ' as entities. */
void escape_html(FILE *out, const char *s);
/* Inline Markdown (a table cell, a heading, a note): every character that
 * could start markup, a link, raw HTML or a new cell is backslash-escaped. */
void escape_markdown(FILE *out, const char *s);
/* One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF;
 * a field a spreadsheet would run as a formula (= + - @ first) gets a
 * leading apostrophe. */
void escape_csv(FILE *out, const char *s);
/* For a message on a terminal: s into buf (truncated to fit), control
 * characters as \xNN so a crafted name cannot move the cursor or clear the
 * screen. */
void escape_message(char *buf, size_t len, const char *s);

#endif
