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

void escape_gnuplot(FILE *out, const char *s)
{
	fputc('\'', out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\'')
			fputs("''", out);
		else if (is_control(c))
			visible_control(out, c);
		else
			fputc(c, out);
	}
	fputc('\'', out);
}

void escape_html(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default:
			if (is_control(c))
				visible_control(out, c);
			else
				fputc(c, out);
		}
	}
}

void escape_markdown(FILE *out, const char *s)
{
	/* CommonMark lets any ASCII punctuation be backslash-escaped; these are
	 * the ones that can start emphasis, code, links, images, raw HTML,
	 * entities, strikethrough or a new table cell in the middle of a line. */
	static const char special[] = "\\`*_[]<>|&~!#";
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (is_control(c))
			visible_control(out, c);
		else {
			if (strchr(special, c))
				fputc('\\', out);
			fputc(c, out);
		}
	}
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
