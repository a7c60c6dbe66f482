/* Reading values out of jansson objects without a NULL check at every call. */
#ifndef TLBVISOR_JSON_UTIL_H
#define TLBVISOR_JSON_UTIL_H

#include <jansson.h>

/* The string at key in o, or "" (never NULL). */
const char *json_str(const json_t *o, const char *key);
/* The integer at key in o, or 0. */
json_int_t json_int(const json_t *o, const char *key);

#endif
