#include "port_abi.h"

#include "fmt.h"

const char *tv_vector_name(uint64_t v)
{
	static const char *const names[] = { "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
					     "#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
					     "#MF", "#AC", "#MC", "#XM", "#VE", "#CP" };
	return v < sizeof names / sizeof names[0] ? names[v] : "exception";
}

/* The messages are the ones docs/bad-input.md lists. */
enum tv_port_event tv_port_decode(const struct tv_port_access *a, const volatile struct tv_params *params,
				  uint32_t *status, char *err, size_t errlen)
{
	struct fmt_buf f = fmt_init(err, errlen);
	/* The payload only ever makes single 32-bit OUTs. */
	if (a->in || a->string || a->size != 4 || a->count != 1) {
		fmt_str(&f, "guest made an unexpected port access (port 0x");
		fmt_uint(&f, a->port, 16, 0, '0');
		fmt_str(&f, a->in ? ", in" : ", out");
		fmt_str(&f, a->string ? " string, size " : ", size ");
		fmt_uint(&f, a->size, 10, 0, '0');
		fmt_str(&f, ", count ");
		fmt_uint(&f, a->count, 10, 0, '0');
		fmt_str(&f, ")");
		return TV_PORT_EVENT_FAILED;
	}
	switch (a->port) {
	case TV_PORT_DONE:
		*status = a->value;
		return TV_PORT_EVENT_DONE;
	case TV_PORT_TICK:
		return TV_PORT_EVENT_TICK;
	case TV_PORT_FAULT:
		fmt_str(&f, "guest exception ");
		fmt_str(&f, tv_vector_name(params->fault_vector));
		fmt_str(&f, " (vector ");
		fmt_uint(&f, params->fault_vector, 10, 0, '0');
		fmt_str(&f, ") at rip 0x");
		fmt_uint(&f, params->fault_rip, 16, 0, '0');
		fmt_str(&f, ", error code 0x");
		fmt_uint(&f, params->fault_error, 16, 0, '0');
		fmt_str(&f, ", cr2 0x");
		fmt_uint(&f, params->fault_cr2, 16, 0, '0');
		return TV_PORT_EVENT_FAILED;
	default:
		fmt_str(&f, "guest wrote 0x");
		fmt_uint(&f, a->value, 16, 0, '0');
		fmt_str(&f, " to unknown port 0x");
		fmt_uint(&f, a->port, 16, 0, '0');
		return TV_PORT_EVENT_FAILED;
	}
}
