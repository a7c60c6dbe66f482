/* tlbvisor-hv: the bare-metal VMX/EPT hypervisor. Booted by GRUB (Multiboot2)
 * with the benchmark matrix on its command line and the guest payload as a
 * module; runs every cell and reports JSON lines on the serial console. */
#include <stdint.h>

#include "cells.h"
#include "console.h"
#include "host.h"
#include "io.h"
#include "mb2.h"
#include "pmem.h"
#include "vmx.h"

#define HV_VERSION "0.1.0"

uint8_t host_tss[104] __attribute__((aligned(16)));
uint64_t host_idt[64] __attribute__((aligned(16)));
extern uint8_t host_fault_stubs[];
extern uint8_t __kernel_start[], __kernel_end[];

void host_fault(uint64_t vector, uint64_t error, uint64_t rip)
{
	panic("hypervisor exception %lu at rip 0x%lx, error code 0x%lx, cr2 0x%lx", vector, rip, error,
	      READ_CR(2));
}

/* A TSS for TR (VM exits require a usable host TR, SDM 27.2.3) and an IDT
 * so that a fault in the hypervisor itself is reported, not a reboot. */
static void host_tables(void)
{
	uint64_t base = (uint64_t)(uintptr_t)host_tss, limit = sizeof host_tss - 1;
	boot_gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		      (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	boot_gdt[4] = base >> 32;
	__asm__ volatile("ltr %w0" ::"r"(HOST_SEL_TSS));
	for (uint64_t v = 0; v < 32; v++) {
		uint64_t off = (uint64_t)(uintptr_t)host_fault_stubs + v * 16;
		host_idt[2 * v] = (off & 0xffff) | ((uint64_t)HOST_SEL_CODE << 16) | (0x8eull << 40) |
				  (((off >> 16) & 0xffff) << 48);
		host_idt[2 * v + 1] = off >> 32;
	}
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {
		sizeof host_idt - 1, (uint64_t)(uintptr_t)host_idt };
	__asm__ volatile("lidt %0" ::"m"(idtr));
}

/* The payload module: the one GRUB loaded with the word "payload". */
static const struct mb2_module *payload_module(const struct mb2_info *mb)
{
	for (unsigned i = 0; i < mb->nmodules; i++) {
		const char *s = mb->modules[i].cmdline;
		if (s[0] == 'p' && s[1] == 'a' && s[2] == 'y' && s[3] == 'l' && s[4] == 'o' && s[5] == 'a' && s[6] == 'd')
			return &mb->modules[i];
	}
	return mb->nmodules ? &mb->modules[0] : 0;
}

#define SYS_SIZE (16ull << 20)
#define EPT_SIZE (16ull << 20)

void hv_main(uint32_t magic, uint64_t info)
{
	console_init();
	host_tables();
	kputs("\ntlbvisor-hv " HV_VERSION "\n");
	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("not booted by a Multiboot2 loader (magic 0x%x)", magic);
	struct mb2_info mb;
	if (mb2_parse(info, &mb) < 0)
		panic("malformed Multiboot2 boot information");
	if (mb.nmodules < 1)
		panic("no payload module: GRUB must load the payload with module2");

	/* Guest memory from the physical allocator: the working set first, as
	 * the largest block at a 1 GiB boundary (1G EPT and guest leaves need
	 * it), else at 2 MiB; then the system structures and the EPT tables. */
	struct pmem pm;
	pmem_init(&pm, &mb, info, (uint64_t)(uintptr_t)__kernel_start, (uint64_t)(uintptr_t)__kernel_end);
	uint64_t ws_size, ws_align = 1ull << 30;
	uint64_t ws = pmem_largest(&pm, ws_align, &ws_size);
	if (ws_size < (64ull << 20)) {
		ws_align = 2ull << 20;
		ws = pmem_largest(&pm, ws_align, &ws_size);
	}
	if (ws)
		pmem_alloc(&pm, ws_size, ws_align);
	uint64_t sys = pmem_alloc(&pm, SYS_SIZE, 2ull << 20);
	uint64_t ept = pmem_alloc(&pm, EPT_SIZE, 4096);
	if (!ws || !sys || !ept)
		panic("not enough free RAM: need %lu MiB for guest structures and EPT tables and room for a working set",
		      (uint64_t)((SYS_SIZE + EPT_SIZE) >> 20));
	const struct mb2_module *payload = payload_module(&mb);

	struct hv_memory mem = {
		.sys = (uint8_t *)sys, .sys_size = SYS_SIZE,
		.ept_pool = (uint8_t *)ept, .ept_pool_size = EPT_SIZE,
		.ws = (uint8_t *)ws, .ws_size = ws_size, .ws_align = ws_align,
		.payload = (const void *)payload->start,
		.payload_size = payload->end - payload->start,
	};

	static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
	struct vmx_caps caps;
	vmx_bringup(&caps, vmxon_region);

	/* Provenance: brand string (CPUID 80000002-4H), signature, TSC rate
	 * from CPUID.15H where the processor reports it (0 = unknown). */
	char brand[49] = { 0 };
	uint32_t r[4], sig, a, b, cx, d;
	cpuid(0x80000000, 0, &a, &b, &cx, &d);
	if (a >= 0x80000004)
		for (unsigned i = 0; i < 3; i++) {
			cpuid(0x80000002 + i, 0, &r[0], &r[1], &r[2], &r[3]);
			for (unsigned j = 0; j < 16; j++)
				brand[i * 16 + j] = (char)(r[j / 4] >> (8 * (j % 4)));
		}
	cpuid(1, 0, &sig, &b, &cx, &d);
	uint64_t tsc_hz = 0;
	cpuid(0, 0, &a, &b, &cx, &d);
	if (a >= 0x15) {
		cpuid(0x15, 0, &a, &b, &cx, &d);
		if (a && b && cx)
			tsc_hz = (uint64_t)cx * b / a;
	}

	struct hv_matrix m;
	const char *why = 0;
	int bad = hv_matrix_parse(mb.cmdline, &m, &why);
	kprintf("{\"tlbvisor\":\"hello\",\"version\":\"%s\",\"vmx\":%s,\"reason\":\"", HV_VERSION,
		caps.usable ? "true" : "false");
	kput_json_string(caps.usable ? "" : caps.why_not);
	kprintf("\",\"vmx_basic\":\"0x%lx\",\"ept_vpid_cap\":\"0x%lx\",\"proc2\":\"0x%lx\","
		"\"true_controls\":%s,\"preemption_timer\":%s,\"preemption_rate\":%u,"
		"\"guest_memory\":%lu,\"cmdline\":\"",
		caps.basic, caps.ept_vpid, caps.proc2_msr, caps.true_controls ? "true" : "false",
		caps.preemption_timer ? "true" : "false", caps.preemption_rate, ws_size);
	kput_json_string(mb.cmdline);
	kputs("\",\"cpu\":\"");
	kput_json_string(brand);
	kprintf("\",\"cpuid_signature\":\"0x%x\",\"tsc_hz\":%lu}\n", sig, tsc_hz);
	if (bad) {
		kputs("{\"tlbvisor\":\"error\",\"reason\":\"");
		kput_json_string(why);
		kputs("\"}\n");
		machine_stop(2);
	}
	hv_run_matrix(&m, &caps, &mem);
	kputs("{\"tlbvisor\":\"done\"}\n");
	machine_stop(0);
}
