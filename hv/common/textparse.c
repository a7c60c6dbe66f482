#include "textparse.h"

int text_parse_uint(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	size_t i = 0;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return -1;
	for (; i < len; i++) {
		unsigned d;
		char c = s[i];
		if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F') d = (unsigned)(c - 'A' + 10);
		else return -1;
		if (v > (~0ull - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int text_parse_size(const char *s, size_t len, uint64_t *out)
{
	size_t digits = 0;
	while (digits < len && s[digits] >= '0' && s[digits] <= '9')
		digits++;
	if (digits == 0)
		return -1;
	uint64_t v;
	if (text_parse_uint(s, digits, &v) < 0 || v == 0)
		return -1;
	const char *u = s + digits;
	size_t rest = len - digits;
	unsigned shift = 0;
	if (rest > 0) {
		switch (u[0]) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		case 't': case 'T': shift = 40; break;
		default: return -1;
		}
		u++;
		rest--;
		/* optional "B" or "iB" */
		if (rest == 2 && u[0] == 'i' && (u[1] == 'B' || u[1] == 'b'))
			rest = 0;
		else if (rest == 1 && (u[0] == 'B' || u[0] == 'b'))
			rest = 0;
	}
	if (rest != 0)
		return -1;
	if (shift && v > (~0ull >> shift))
		return -1;
	*out = v << shift;
	return 0;
}
