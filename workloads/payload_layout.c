/* Compile-time checks that the assembly stubs agree with tv_abi.h. */
#include <stddef.h>

#include "tv_abi.h"

_Static_assert(offsetof(struct tv_params, fault_vector) == 104, "payload_start.S OFF_FAULT_VECTOR");
_Static_assert(offsetof(struct tv_params, fault_error) == 112, "payload_start.S OFF_FAULT_ERROR");
_Static_assert(offsetof(struct tv_params, fault_rip) == 120, "payload_start.S OFF_FAULT_RIP");
_Static_assert(offsetof(struct tv_params, fault_cr2) == 128, "payload_start.S OFF_FAULT_CR2");
_Static_assert(TV_PARAMS_ADDR == 0x1000 && TV_PORT_FAULT == 0x5e1 && TV_USTACK_TOP == 0x1f0000,
	       "payload_start.S constants");
