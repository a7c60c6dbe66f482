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

/* Write s, passing each character that special[] marks (and each control
 * character) to escape(); the runs between them go out whole (reports
 * write millions of cells). */
static void write_escaped(FILE *out, const char *s, const unsigned char special[256],
			  void (*escape)(FILE *, unsigned char))
{
	if (!s)
		return;
	const char *run = s;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!special[c] && !is_control(c))
			continue;
		fwrite(run, 1, (size_t)(s - run), out);
		if (is_control(c))
			visible_control(out, c);
		else
			escape(out, c);
		run = s + 1;
	}
	fwrite(run, 1, (size_t)(s - run), out);
}

static const unsigned char html_special[256] = { ['<'] = 1, ['>'] = 1, ['&'] = 1, ['"'] = 1, ['\''] = 1 };

static void html_char(FILE *out, unsigned char c)
{
	fputs(c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : c == '"' ? "&quot;" : "&#39;", out);
}

static const unsigned char gnuplot_special[256] = { ['\''] = 1 };

static void gnuplot_char(FILE *out, unsigned char c)
{
	(void)c;
	fputs("''", out);
}

void escape_gnuplot(FILE *out, const char *s)
{
	fputc('\'', out);
	write_escaped(out, s, gnuplot_special, gnuplot_char);
	fputc('\'', out);
}

void escape_html(FILE *out, const char *s)
{
	write_escaped(out, s, html_special, html_char);
}

/* CommonMark lets any ASCII punctuation be backslash-escaped; these are the
 * ones that can start emphasis, code, links, images, raw HTML, entities,
 * strikethrough or a new table cell in the middle of a line. */
static const unsigned char markdown_special[256] = {
	['\\'] = 1, ['`'] = 1, ['*'] = 1, ['_'] = 1, ['['] = 1, [']'] = 1, ['<'] = 1,
	['>'] = 1, ['|'] = 1, ['&'] = 1, ['~'] = 1, ['!'] = 1, ['#'] = 1,
};

static void markdown_char(FILE *out, unsigned char c)
{
	fputc('\\', out);
	fputc(c, out);
}

void escape_markdown(FILE *out, const char *s)
{
	write_escaped(out, s, markdown_special, markdown_char);
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
