/* Reading the kernel's text files: one-value files under /sys and /proc,
 * and "key : value" files (/proc/cpuinfo, /proc/meminfo). */
#ifndef TLBVISOR_SYSFS_H
#define TLBVISOR_SYSFS_H

#include <stdbool.h>
#include <stddef.h>

/* The first line of path without its newline; -1 (and "") when unreadable. */
int sysfs_read(const char *path, char *buf, size_t len);
/* The number path holds; -1 when unreadable or not a number. */
long sysfs_read_long(const char *path);
/* Does path hold a yes ("Y" or "1", as module parameters say it)? */
bool sysfs_yes(const char *path);
/* Is value (a module parameter's, already read) a yes? */
bool sysfs_value_yes(const char *value);
/* The value of the first line of path whose key (before the ':', blanks
 * trimmed) is key; -1 (and "") when there is none. */
int proc_field(const char *path, const char *key, char *buf, size_t len);
/* Is word one of the blank-separated words of that value (a CPU flag)? */
bool proc_field_has_word(const char *path, const char *key, const char *word);

#endif
