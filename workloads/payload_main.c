/* The guest payload: runs in CPL3, executes the host's commands from the
 * parameter block and reports each through port I/O. Freestanding. */
#include "tv_abi.h"

static inline void port_out32(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port) : "memory");
}

#include "tsc.h"

/* The chase in pieces of 'every' accesses with a port write between them;
 * the chain continues across pieces, so it ends where an unbroken chase would. */
static uint64_t chase_with_exits(uint64_t start, uint64_t steps, uint64_t every, uint64_t *cycles)
{
	uint64_t t0 = tsc_read_fenced();
	uint64_t p = start;
	for (uint64_t done = 0; done < steps;) {
		uint64_t n = steps - done < every ? steps - done : every;
		p = chase_run(p, n);
		done += n;
		if (done < steps)
			port_out32(TV_PORT_TICK, 0);
	}
	*cycles = tsc_read_fenced() - t0;
	return p;
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
		if (p->exit_every)
			p->final_ptr = chase_with_exits(chase_start(&c), p->steps, p->exit_every, &cycles);
		else
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
	case TV_CMD_EXIT_COST: {
		uint64_t kind = p->exit_kind, n = p->steps;
		if (kind > TV_EXIT_CPUID)
			return TV_STATUS_BAD_CONFIG;
		uint64_t t0 = tsc_read_fenced();
		for (uint64_t i = 0; i < n; i++) {
			if (kind == TV_EXIT_CPUID) {
				uint32_t a = 0, b, cx = 0, d;
				__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(cx), "=d"(d));
			} else {
				port_out32(TV_PORT_TICK, 0);
			}
		}
		p->cycles = tsc_read_fenced() - t0;
		p->final_ptr = 0;
		return TV_STATUS_OK;
	}
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
