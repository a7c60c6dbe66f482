/* The local APIC timer as the hypervisor's one-shot alarm (SDM Vol. 3A
 * 11.5.4; APM Vol. 2 16.4.1): armed in TSC ticks (calibrated against the TSC
 * at start-up), it raises HOST_TIMER_VECTOR. Under SVM, whose guests have no
 * VMX-preemption timer, this interrupt arriving while the guest runs is what
 * stops a spinning guest (the physical-interrupt intercept). xAPIC (MMIO)
 * and x2APIC (MSRs) both work. */
#ifndef TLBVISOR_HYP_APIC_H
#define TLBVISOR_HYP_APIC_H

#include <stdint.h>

/* Enable the APIC and calibrate its timer. NULL, or why it cannot be used. */
const char *apic_timer_init(void);
/* APIC timer counts (divide by 1) per 2^32 TSC ticks; 0 before init. */
uint64_t apic_timer_rate_q32(void);
/* One interrupt after about tsc_ticks TSC ticks (clamped to what the timer
 * can count with its largest divider). */
void apic_timer_arm(uint64_t tsc_ticks);
void apic_timer_stop(void);

#endif
