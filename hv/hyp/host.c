#include "host.h"

#include "hv/common/descriptors.h"
#include "serial.h"
#include "x86.h"

uint8_t host_tss[104] __attribute__((aligned(16)));
static uint64_t host_idt[2 * 256] __attribute__((aligned(16)));
extern uint8_t host_fault_stubs[], host_timer_stub[], host_spurious_stub[];
extern uint64_t boot_pml4[];
static uint64_t boot_pml5[512] __attribute__((aligned(4096)));

void host_fault(uint64_t vector, uint64_t error, uint64_t rip)
{
	panic("hypervisor exception %lu at rip 0x%lx, error code 0x%lx, cr2 0x%lx", vector, rip, error,
	      READ_CR(2));
}

void host_tables(void)
{
	/* TR: VM exits need a usable host TR (SDM 27.2.3); an available TSS
	 * that LTR turns busy. */
	desc_tss64(&boot_gdt[HOST_SEL_TSS / 8], (uint64_t)(uintptr_t)host_tss, sizeof host_tss - 1,
		   DESC_TYPE_TSS64_AVAILABLE);
	__asm__ volatile("ltr %w0" ::"r"(HOST_SEL_TSS));
	/* Exceptions 0-31 panic with their vector; stub v is 16 bytes in. */
	for (uint64_t v = 0; v < 32; v++)
		desc_gate64(&host_idt[2 * v], (uint64_t)(uintptr_t)host_fault_stubs + v * 16, HOST_SEL_CODE);
	desc_gate64(&host_idt[2 * HOST_TIMER_VECTOR], (uint64_t)(uintptr_t)host_timer_stub, HOST_SEL_CODE);
	desc_gate64(&host_idt[2 * HOST_SPURIOUS_VECTOR], (uint64_t)(uintptr_t)host_spurious_stub, HOST_SEL_CODE);
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {
		sizeof host_idt - 1, (uint64_t)(uintptr_t)host_idt };
	__asm__ volatile("lidt %0" ::"m"(idtr));
	/* The 8259 PICs: every line masked (OCW1), so no legacy interrupt
	 * (the firmware's PIT tick) arrives while the hypervisor takes the
	 * local APIC timer's. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

bool host_la57_available(void)
{
	uint32_t a, b, c, d;
	cpuid(0, 0, &a, &b, &c, &d);
	if (a < 7)
		return false;
	cpuid(7, 0, &a, &b, &c, &d);
	return c & (1u << 16);
}

unsigned host_paging_levels(void)
{
	return READ_CR(4) & CR4_LA57 ? 5 : 4;
}

void host_switch_paging(uint64_t cr3, uint64_t cr4);

void host_set_paging_levels(unsigned levels)
{
	if (levels == host_paging_levels())
		return;
	/* The same identity map below 4 GiB: PML5[0] -> the boot PML4. */
	boot_pml5[0] = (uint64_t)(uintptr_t)boot_pml4 | 3;
	uint64_t cr4 = levels == 5 ? READ_CR(4) | CR4_LA57 : READ_CR(4) & ~CR4_LA57;
	host_switch_paging(levels == 5 ? (uint64_t)(uintptr_t)boot_pml5 : (uint64_t)(uintptr_t)boot_pml4, cr4);
}
