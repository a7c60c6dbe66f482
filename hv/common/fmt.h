/* Text into a fixed buffer, for freestanding code (the hypervisor, the
 * port-ABI decoder) that has no snprintf: append a string, a number in
 * decimal or hex, or "key=0x..." pairs. The buffer always stays
 * NUL-terminated; what does not fit is dropped. */
#ifndef TLBVISOR_FMT_H
#define TLBVISOR_FMT_H

#include <stddef.h>
#include <stdint.h>

struct fmt_buf {
	char *buf;
	size_t size;  /* bytes at buf, including the terminating NUL */
	size_t len;   /* characters written so far */
};

/* Start an empty text in buf[0..size). */
struct fmt_buf fmt_init(char *buf, size_t size);
/* Go on after the text already in buf. */
struct fmt_buf fmt_append(char *buf, size_t size);
void fmt_str(struct fmt_buf *f, const char *s);
void fmt_char(struct fmt_buf *f, char c);
/* v in base 10 or 16 (no prefix), at least width digits padded with pad. */
void fmt_uint(struct fmt_buf *f, uint64_t v, unsigned base, unsigned width, char pad);
/* " key=0x1f" (the space only when something precedes it). */
void fmt_hex_field(struct fmt_buf *f, const char *key, uint64_t v);

#endif
