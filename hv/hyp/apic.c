#include "apic.h"

#include "host.h"
#include "x86.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2APIC (1ull << 10)
#define MSR_X2APIC_FIRST 0x800 /* x2APIC register = 0x800 + MMIO offset / 16 (SDM 11.12.1.2) */

/* Register offsets, SDM Vol. 3A table 11-1. */
#define APIC_TPR 0x80
#define APIC_EOI 0xb0
#define APIC_SVR 0xf0
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_TIMER_INITIAL 0x380
#define APIC_TIMER_CURRENT 0x390
#define APIC_TIMER_DIVIDE 0x3e0

#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)        /* one-shot mode: bits 18:17 = 0 */
#define CALIBRATION_TSC (1ull << 22)

extern uint64_t host_apic_eoi; /* host_idt.S: EOI register address, or 1 for x2APIC */

static volatile uint32_t *mmio;
static int x2apic;
static uint64_t rate_q32;

static void apic_write(uint32_t reg, uint32_t v)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_FIRST + reg / 16, v);
	else
		mmio[reg / 4] = v;
}

static uint32_t apic_read(uint32_t reg)
{
	return x2apic ? (uint32_t)rdmsr(MSR_X2APIC_FIRST + reg / 16) : mmio[reg / 4];
}

/* Divide configuration for 2^shift (SDM figure 11-10): 1 is 1011b, 2^s for
 * s = 1..7 is (s - 1) with bit 2 moved to bit 3. */
static uint32_t divide_code(unsigned shift)
{
	if (shift == 0)
		return 0xb;
	unsigned v = shift - 1;
	return (v & 3) | ((v & 4) << 1);
}

const char *apic_timer_init(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(d & (1u << 9)))
		return "no local APIC (CPUID.1:EDX.APIC = 0)";
	uint64_t base = rdmsr(MSR_APIC_BASE);
	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, base |= APIC_BASE_ENABLE);
	x2apic = (base & APIC_BASE_X2APIC) != 0;
	uint64_t pa = base & 0xffffff000ull;
	if (!x2apic && pa >= (4ull << 30))
		return "the local APIC's registers lie above 4 GiB, outside the hypervisor's identity map";
	mmio = (volatile uint32_t *)(uintptr_t)pa;
	host_apic_eoi = x2apic ? 1 : pa + APIC_EOI;
	apic_write(APIC_TPR, 0);                 /* accept every priority class */
	apic_write(APIC_SVR, SVR_ENABLE | HOST_SPURIOUS_VECTOR);
	apic_write(APIC_LVT_LINT0, LVT_MASKED);  /* no ExtINT from the (masked) PIC */
	apic_write(APIC_LVT_TIMER, LVT_MASKED | HOST_TIMER_VECTOR);
	apic_write(APIC_TIMER_DIVIDE, divide_code(0));
	apic_write(APIC_TIMER_INITIAL, 0xffffffffu);
	uint64_t t0 = rdtsc(), t1;
	while ((t1 = rdtsc()) - t0 < CALIBRATION_TSC)
		;
	uint32_t left = apic_read(APIC_TIMER_CURRENT);
	t1 = rdtsc();
	apic_write(APIC_TIMER_INITIAL, 0);
	uint64_t counted = 0xffffffffu - left;
	if (!counted)
		return "the local APIC timer does not count";
	rate_q32 = (counted << 32) / (t1 - t0);
	return 0;
}

uint64_t apic_timer_rate_q32(void)
{
	return rate_q32;
}

void apic_timer_arm(uint64_t tsc_ticks)
{
	/* counts = tsc_ticks * rate / 2^32, saturating */
	uint64_t hi = tsc_ticks >> 32, lo = tsc_ticks & 0xffffffffu;
	uint64_t counts = hi && rate_q32 > ~0ull / hi ? ~0ull : hi * rate_q32 + ((lo * (rate_q32 >> 16)) >> 16);
	unsigned shift = 0;
	while (shift < 7 && (counts >> shift) > 0xffffffffu)
		shift++;
	counts >>= shift;
	if (counts > 0xffffffffu)
		counts = 0xffffffffu;
	apic_write(APIC_TIMER_INITIAL, 0);
	apic_write(APIC_TIMER_DIVIDE, divide_code(shift));
	apic_write(APIC_LVT_TIMER, HOST_TIMER_VECTOR);
	apic_write(APIC_TIMER_INITIAL, counts ? (uint32_t)counts : 1);
}

void apic_timer_stop(void)
{
	apic_write(APIC_TIMER_INITIAL, 0);
	apic_write(APIC_LVT_TIMER, LVT_MASKED | HOST_TIMER_VECTOR);
}
