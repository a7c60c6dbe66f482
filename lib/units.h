/* Sizes, page sizes, durations and names as tlbvisor reads and writes them. */
#ifndef TLBVISOR_UNITS_H
#define TLBVISOR_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* "4096", "16k", "512M", "1g" (binary multiples). 0 on success. */
int parse_size(const char *s, uint64_t *out);
/* "0.5", "2s", "200ms". Seconds. */
int parse_seconds(const char *s, double *out);
/* "16K", "1M", "512M", "1G": the shortest exact name of a size. */
void format_size(uint64_t bytes, char *buf, size_t len);

/* Page sizes of x86-64 paging: 4096 <-> "4k", 2 MiB <-> "2m", 1 GiB <-> "1g". */
const char *page_size_name(uint64_t bytes);  /* "?" for any other size */
int page_size_parse(const char *name, uint64_t *bytes);  /* any case; -1 when unknown */

/* Index of s among names (any case), or -1. */
int name_index(const char *const *names, int n, const char *s);

#endif
