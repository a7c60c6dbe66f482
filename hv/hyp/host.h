/* The hypervisor's own machine state: descriptor tables (needed as VMCS host
 * state and saved by SVM's VMSAVE), the interrupt vectors it takes, and the
 * depth of its own paging (SVM's nested paging walks as deep as the host
 * pages, so 5-level NPT needs the hypervisor in 5-level paging). */
#ifndef TLBVISOR_HYP_HOST_H
#define TLBVISOR_HYP_HOST_H

/* GDT selectors of boot.S. */
#define HOST_SEL_CODE 0x08
#define HOST_SEL_DATA 0x10
#define HOST_SEL_TSS 0x18
#define HOST_SEL_CODE32 0x28  /* compatibility-mode code, to leave long mode for a paging switch */

/* Interrupt vectors the hypervisor handles itself (host_idt.S). */
#define HOST_TIMER_VECTOR 0x20
#define HOST_SPURIOUS_VECTOR 0xff

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

extern uint64_t boot_gdt[];
extern uint8_t host_tss[104];

/* TSS and TR, an IDT for every exception (a fault in the hypervisor is
 * reported, not a reboot) and for the timer; the legacy PICs masked. */
void host_tables(void);

/* Timer interrupts taken since boot (host_idt.S counts them). */
extern volatile uint64_t host_timer_interrupts;

/* CPUID.(EAX=7,ECX=0):ECX.LA57[bit 16]. */
bool host_la57_available(void);
/* 4 or 5: the hypervisor's current paging depth. */
unsigned host_paging_levels(void);
/* Switch the hypervisor's own paging to 4 or 5 levels (the same identity
 * map either way); interrupts must be off. */
void host_set_paging_levels(unsigned levels);

#endif /* __ASSEMBLER__ */
#endif
