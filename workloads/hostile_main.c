/* Test-only hostile guest payloads (never the benchmark payload): each
 * variant, chosen at build time with -DHOSTILE_KIND, misbehaves in one way a
 * buggy or malicious guest could, so tests can show that every backend
 * reports it for the cell and goes on. Freestanding. */
#include "tv_abi.h"

enum {
	HOSTILE_UNKNOWN_PORT = 1, /* writes to a port the ABI does not define (#GP where the I/O bitmap decides, else an exit) */
	HOSTILE_STRING_IO = 2,    /* rep outsb with a huge count to the done port */
	HOSTILE_SPIN = 3,         /* never answers */
	HOSTILE_UNMAPPED = 4,     /* reads an address nothing maps */
	HOSTILE_BAD_RESULT = 5,   /* answers with a result pointer outside the working set */
};

#ifndef HOSTILE_KIND
#error "build with -DHOSTILE_KIND=<n>"
#endif

static inline void port_out32(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port) : "memory");
}

void payload_main(void)
{
	volatile struct tv_params *p = (volatile struct tv_params *)TV_PARAMS_ADDR;
	for (;;) {
		switch (HOSTILE_KIND) {
		case HOSTILE_UNKNOWN_PORT:
			port_out32(TV_PORT_TICK + 2, 0xbad);
			break;
		case HOSTILE_STRING_IO: {
			uint64_t count = 1u << 20;
			const void *src = (const void *)TV_PARAMS_ADDR;
			__asm__ volatile("rep outsb" : "+S"(src), "+c"(count) : "d"((uint16_t)TV_PORT_DONE) : "memory");
			break;
		}
		case HOSTILE_SPIN:
			for (;;)
				__asm__ volatile("pause");
		case HOSTILE_UNMAPPED:
			(void)*(volatile uint64_t *)0x30000000;
			break;
		case HOSTILE_BAD_RESULT:
			p->final_ptr = 0xdeadbeef000ull;
			p->cycles = 1;
			break;
		}
		p->status = TV_STATUS_OK;
		port_out32(TV_PORT_DONE, TV_STATUS_OK);
	}
}
