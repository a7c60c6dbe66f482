/* The guest payload: runs in CPL3, executes the host's commands from the
 * parameter block and reports each through port I/O. Freestanding. */
#include "tv_abi.h"

static inline void port_out32(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port) : "memory");
}

static uint32_t execute(volatile struct tv_params *p)
{
	struct chase_config c = p->chase;
	switch (p->cmd) {
	case TV_CMD_NOP:
		return TV_STATUS_OK;
	case TV_CMD_BUILD:
		if (chase_validate(&c) != CHASE_OK)
			return TV_STATUS_BAD_CONFIG;
		chase_build(&c);
		return TV_STATUS_OK;
	case TV_CMD_RUN: {
		uint64_t cycles;
		p->final_ptr = chase_timed(chase_start(&c), p->steps, &cycles);
		p->cycles = cycles;
		return TV_STATUS_OK;
	}
	case TV_CMD_TOUCH:
		p->value = *(volatile uint64_t *)p->touch_addr;
		return TV_STATUS_OK;
	case TV_CMD_TIMER:
		p->cycles = chase_timer_overhead();
		return TV_STATUS_OK;
	}
	return TV_STATUS_BAD_CMD;
}

void payload_main(void)
{
	volatile struct tv_params *p = (volatile struct tv_params *)TV_PARAMS_ADDR;
	for (;;) {
		uint32_t status = p->magic == TV_PARAMS_MAGIC ? execute(p) : TV_STATUS_BAD_MAGIC;
		p->status = status;
		port_out32(TV_PORT_DONE, status);
	}
}
