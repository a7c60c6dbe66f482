#include "fmt.h"

struct fmt_buf fmt_init(char *buf, size_t size)
{
	struct fmt_buf f = { buf, size, 0 };
	if (size)
		buf[0] = 0;
	return f;
}

struct fmt_buf fmt_append(char *buf, size_t size)
{
	struct fmt_buf f = { buf, size, 0 };
	while (f.len + 1 < size && buf[f.len])
		f.len++;
	if (size)
		buf[f.len] = 0;
	return f;
}

void fmt_char(struct fmt_buf *f, char c)
{
	if (f->len + 1 < f->size) {
		f->buf[f->len++] = c;
		f->buf[f->len] = 0;
	}
}

void fmt_str(struct fmt_buf *f, const char *s)
{
	while (s && *s)
		fmt_char(f, *s++);
}

void fmt_uint(struct fmt_buf *f, uint64_t v, unsigned base, unsigned width, char pad)
{
	char digits[64];
	unsigned n = 0;
	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v && n < sizeof digits);
	while (n < width && n < sizeof digits)
		digits[n++] = pad;
	while (n)
		fmt_char(f, digits[--n]);
}

void fmt_hex_field(struct fmt_buf *f, const char *key, uint64_t v)
{
	if (f->len)
		fmt_char(f, ' ');
	fmt_str(f, key);
	fmt_str(f, "=0x");
	fmt_uint(f, v, 16, 0, '0');
}
