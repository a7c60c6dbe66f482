/* Command-line value syntax: sizes, durations and comma-separated lists. */
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

/* Split a comma-separated list in place; returns the number of items or -1
 * when there are more than max or an item is empty. */
int split_list(char *s, char **items, int max);

#endif
