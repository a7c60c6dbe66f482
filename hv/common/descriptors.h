/* The 16-byte system descriptors of IA-32e mode, written once for the guest
 * (hv/common/guest_layout) and for tlbvisor's own hypervisor (hv/hyp/host):
 * a TSS descriptor (SDM Vol. 3A 8.2.3, figure 8-4; AMD APM Vol. 2 4.8.3)
 * and an interrupt gate (SDM Vol. 3A 6.14.1, figure 6-8). Freestanding. */
#ifndef TLBVISOR_DESCRIPTORS_H
#define TLBVISOR_DESCRIPTORS_H

#include <stdint.h>

/* Access byte (descriptor bits 47:40): P (bit 7), DPL (6:5), S (4), type (3:0). */
#define DESC_P (1u << 7)
#define DESC_TYPE_TSS64_AVAILABLE 0x9u /* SDM Vol. 3A table 3-2 */
#define DESC_TYPE_TSS64_BUSY 0xbu
#define DESC_TYPE_INTERRUPT_GATE64 0xeu

/* TSS descriptor: limit 15:0, base 23:0, access, limit 19:16, base 31:24,
 * and base 63:32 in the second quadword. */
static inline void desc_tss64(uint64_t d[2], uint64_t base, uint32_t limit, unsigned type)
{
	d[0] = (limit & 0xffffull) | ((base & 0xffffffull) << 16) | ((uint64_t)(DESC_P | type) << 40) |
	       (((uint64_t)limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
	d[1] = base >> 32;
}

/* Interrupt gate at DPL 0: offset 15:0, selector, access, offset 31:16, and
 * offset 63:32 in the second quadword (IST 0: the current stack). */
static inline void desc_gate64(uint64_t d[2], uint64_t offset, uint16_t selector)
{
	d[0] = (offset & 0xffff) | ((uint64_t)selector << 16) |
	       ((uint64_t)(DESC_P | DESC_TYPE_INTERRUPT_GATE64) << 40) | ((offset >> 16 & 0xffff) << 48);
	d[1] = offset >> 32;
}

#endif
