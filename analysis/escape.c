#include "escape.h"

#include <string.h>

static int is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static void visible_control(FILE *out, unsigned char c)
{
	fprintf(out, "\\x%02x", c);
}

/* Write s, passing each character that escape(c) claims to it; the runs
 * between such characters go out whole (reports write millions of cells). */
static void write_escaped(FILE *out, const char *s, int (*escape)(FILE *, unsigned char))
{
	const char *run = s;
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!is_control(c) && !escape(NULL, c))
			continue;
		fwrite(run, 1, (size_t)(s - run), out);
		if (is_control(c))
			visible_control(out, c);
		else
			escape(out, c);
		run = s + 1;
	}
	if (s)
		fwrite(run, 1, (size_t)(s - run), out);
}

/* With out NULL: does c need escaping? Otherwise write its escaped form. */
static int html_char(FILE *out, unsigned char c)
{
	const char *e = c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : c == '"' ? "&quot;"
			: c == '\'' ? "&#39;" : NULL;
	if (e && out)
		fputs(e, out);
	return e != NULL;
}

static int gnuplot_char(FILE *out, unsigned char c)
{
	if (c != '\'')
		return 0;
	if (out)
		fputs("''", out);
	return 1;
}

void escape_gnuplot(FILE *out, const char *s)
{
	fputc('\'', out);
	write_escaped(out, s, gnuplot_char);
	fputc('\'', out);
}

void escape_html(FILE *out, const char *s)
{
	write_escaped(out, s, html_char);
}

/* CommonMark lets any ASCII punctuation be backslash-escaped; these are the
 * ones that can start emphasis, code, links, images, raw HTML, entities,
 * strikethrough or a new table cell in the middle of a line. */
static int markdown_char(FILE *out, unsigned char c)
{
	if (!c || !strchr("\\`*_[]<>|&~!#", c))
		return 0;
	if (out) {
		fputc('\\', out);
		fputc(c, out);
	}
	return 1;
}

void escape_markdown(FILE *out, const char *s)
{
	write_escaped(out, s, markdown_char);
}

void escape_csv(FILE *out, const char *s)
{
	if (!s)
		s = "";
	int quote = strpbrk(s, ",\"\r\n") != NULL;
	int formula = strchr("=+-@", s[0]) && s[0];
	if (!quote && !formula) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	if (formula)
		fputc('\'', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

void escape_message(char *buf, size_t len, const char *s)
{
	size_t used = 0;
	if (!len)
		return;
	for (; s && *s && used + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if (is_control(c))
			used += (size_t)snprintf(buf + used, len - used, "\\x%02x", c);
		else
			buf[used++] = (char)c;
	}
	if (s && *s && len > 4)
		snprintf(buf + (used < len - 4 ? used : len - 4), 4, "...");
	else
		buf[used] = '\0';
}
