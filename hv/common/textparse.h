/* Value syntax shared by the CLI and the hypervisor's command line:
 * sizes with binary suffixes. Freestanding. */
#ifndef TLBVISOR_TEXTPARSE_H
#define TLBVISOR_TEXTPARSE_H

#include <stddef.h>
#include <stdint.h>

/* "4096", "16k", "512M", "1g", "2MiB" (binary multiples, nonzero) of exactly
 * len bytes. Returns 0, or -1 for anything else. */
int text_parse_size(const char *s, size_t len, uint64_t *out);
/* A decimal or 0x-hex whole number of exactly len bytes. */
int text_parse_uint(const char *s, size_t len, uint64_t *out);

#endif
