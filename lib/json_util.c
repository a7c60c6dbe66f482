#include "json_util.h"

const char *json_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

json_int_t json_int(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}
