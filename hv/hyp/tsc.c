#include "tsc.h"

#include "x86.h"

#define PIT_HZ 1193182u
#define PIT_CHANNEL2 0x42
#define PIT_COMMAND 0x43
#define PIT_CH2_MODE0_LOHI 0xb0     /* channel 2, lobyte/hibyte, mode 0, binary */
#define PORT_B 0x61                  /* bit 0: channel 2 gate, 1: speaker, 5: channel 2 output */
#define PIT_TICKS 59659u             /* 50 ms */

static uint64_t from_cpuid(void)
{
	uint32_t a, b, c, d;
	cpuid(0, 0, &a, &b, &c, &d);
	if (a < 0x15)
		return 0;
	cpuid(0x15, 0, &a, &b, &c, &d);
	return a && b && c ? (uint64_t)c * b / a : 0;
}

/* Channel 2 counts PIT_TICKS down in mode 0 and raises its output at 0;
 * the TSC ticks meanwhile give the rate. A machine without a PIT never
 * raises it: give up after about 2^34 TSC ticks. */
static uint64_t from_pit(void)
{
	uint8_t saved = inb(PORT_B);
	outb(PORT_B, (uint8_t)((saved & ~0x02) | 0x01));
	outb(PIT_COMMAND, PIT_CH2_MODE0_LOHI);
	outb(PIT_CHANNEL2, PIT_TICKS & 0xff);
	outb(PIT_CHANNEL2, PIT_TICKS >> 8);
	uint64_t t0 = rdtsc(), t1;
	while (!(inb(PORT_B) & 0x20))
		if ((t1 = rdtsc()) - t0 > (1ull << 34)) {
			outb(PORT_B, saved);
			return 0;
		}
	t1 = rdtsc();
	outb(PORT_B, saved);
	return (t1 - t0) * PIT_HZ / PIT_TICKS;
}

uint64_t tsc_rate(const char **source)
{
	uint64_t hz = from_cpuid();
	*source = "cpuid_15h";
	if (!hz) {
		hz = from_pit();
		*source = hz ? "pit" : "unknown";
	}
	return hz;
}
