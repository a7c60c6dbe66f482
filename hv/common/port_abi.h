/* The payload's port-I/O ABI (workloads/tv_abi.h), decoded once for every
 * hypervisor backend: the KVM VMM, and tlbvisor's own hypervisor under VMX
 * and SVM. Each backend turns its own exit information into a
 * struct tv_port_access; this says what the access means. Freestanding. */
#ifndef TLBVISOR_PORT_ABI_H
#define TLBVISOR_PORT_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "workloads/tv_abi.h"

/* One port access by the guest, as the exit reported it. */
struct tv_port_access {
	uint32_t port;
	bool in;           /* IN (else OUT) */
	bool string;       /* INS/OUTS */
	unsigned size;     /* bytes per element: 1, 2 or 4 */
	uint64_t count;    /* elements (REP count; 1 without REP) */
	uint32_t value;    /* the value written by a single OUT */
};

enum tv_port_event {
	TV_PORT_EVENT_DONE,   /* the payload finished a command: *status */
	TV_PORT_EVENT_TICK,   /* an exit on purpose (exit_every); the guest goes on */
	TV_PORT_EVENT_FAILED, /* the guest cannot go on: err says why */
};

/* What access a means; params is the guest's parameter block (read for the
 * exception the payload reported). err receives the reason on failure. */
enum tv_port_event tv_port_decode(const struct tv_port_access *a, const volatile struct tv_params *params,
				  uint32_t *status, char *err, size_t errlen);

/* "#GP" for 13 and so on (SDM Vol. 3A table 6-1); "exception" when unnamed. */
const char *tv_vector_name(uint64_t vector);

#endif
