/* Reading values out of jansson objects without a NULL check at every call. */
#ifndef TLBVISOR_JSON_UTIL_H
#define TLBVISOR_JSON_UTIL_H

#include <jansson.h>
#include <stdint.h>

/* The string at key in o, or "" (never NULL). */
const char *json_str(const json_t *o, const char *key);
/* The integer at key in o, or 0. */
json_int_t json_int(const json_t *o, const char *key);
/* JSON integers are signed 64-bit (jansson, SQLite): an unsigned value above
 * 2^63-1 becomes a decimal string, never a negative number. */
json_t *json_u64(uint64_t v);

#endif
