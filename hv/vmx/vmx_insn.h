/* VMX instructions (SDM Vol. 3C chapter 31 / Vol. 2 "VMX Instruction
 * Reference"). Each returns 0 on VMsucceed, 1 on VMfailInvalid (CF=1) and 2
 * on VMfailValid (ZF=1; the VM-instruction error field says why). */
#ifndef TLBVISOR_VMX_INSN_H
#define TLBVISOR_VMX_INSN_H

#include <stdint.h>

static inline int vmx_status(uint8_t cf, uint8_t zf) { return cf ? 1 : zf ? 2 : 0; }

static inline int vmxon(uint64_t pa)
{
	uint8_t cf, zf;
	__asm__ volatile("vmxon %2; setc %0; setz %1" : "=q"(cf), "=q"(zf) : "m"(pa) : "cc", "memory");
	return vmx_status(cf, zf);
}

static inline int vmclear(uint64_t pa)
{
	uint8_t cf, zf;
	__asm__ volatile("vmclear %2; setc %0; setz %1" : "=q"(cf), "=q"(zf) : "m"(pa) : "cc", "memory");
	return vmx_status(cf, zf);
}

static inline int vmptrld(uint64_t pa)
{
	uint8_t cf, zf;
	__asm__ volatile("vmptrld %2; setc %0; setz %1" : "=q"(cf), "=q"(zf) : "m"(pa) : "cc", "memory");
	return vmx_status(cf, zf);
}

static inline int vmwrite(uint64_t field, uint64_t value)
{
	uint8_t cf, zf;
	__asm__ volatile("vmwrite %3, %2; setc %0; setz %1" : "=q"(cf), "=q"(zf) : "r"(field), "rm"(value) : "cc");
	return vmx_status(cf, zf);
}

static inline int vmread(uint64_t field, uint64_t *value)
{
	uint8_t cf, zf;
	uint64_t v = 0;
	__asm__ volatile("vmread %3, %2; setc %0; setz %1" : "=q"(cf), "=q"(zf), "=rm"(v) : "r"(field) : "cc");
	*value = v;
	return vmx_status(cf, zf);
}

/* INVEPT/INVVPID descriptors: 128 bits (SDM Vol. 3C 31.3). */
static inline int invept(uint64_t type, uint64_t eptp)
{
	struct { uint64_t eptp, zero; } __attribute__((aligned(16))) d = { eptp, 0 };
	uint8_t cf, zf;
	__asm__ volatile("invept %2, %3; setc %0; setz %1" : "=q"(cf), "=q"(zf) : "m"(d), "r"(type) : "cc", "memory");
	return vmx_status(cf, zf);
}

static inline int invvpid(uint64_t type, uint16_t vpid)
{
	struct { uint64_t vpid, addr; } __attribute__((aligned(16))) d = { vpid, 0 };
	uint8_t cf, zf;
	__asm__ volatile("invvpid %2, %3; setc %0; setz %1" : "=q"(cf), "=q"(zf) : "m"(d), "r"(type) : "cc", "memory");
	return vmx_status(cf, zf);
}

#endif
