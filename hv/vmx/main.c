/* tlbvisor-hv: the bare-metal VMX/EPT hypervisor. Booted by GRUB (Multiboot2)
 * with the benchmark matrix on its command line and the guest payload as a
 * module; runs every cell and reports JSON lines on the serial console. */
#include <stdint.h>

#include "cells.h"
#include "console.h"
#include "host.h"
#include "io.h"
#include "mb2.h"
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

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Is [base, base+size) inside available RAM and clear of the hypervisor,
 * the modules and the boot information GRUB placed? */
static int range_free(const struct mb2_info *mb, uint64_t base, uint64_t size, uint64_t info)
{
	uint64_t k0 = (uint64_t)(uintptr_t)__kernel_start, k1 = (uint64_t)(uintptr_t)__kernel_end;
	if (overlaps(base, size, k0, k1 - k0) || overlaps(base, size, info, mb->info_end - info))
		return 0;
	for (unsigned i = 0; i < mb->nmodules; i++)
		if (overlaps(base, size, mb->modules[i].start, mb->modules[i].end - mb->modules[i].start))
			return 0;
	for (unsigned i = 0; i < mb->nram; i++)
		if (base >= mb->ram[i].base && base + size <= mb->ram[i].base + mb->ram[i].length)
			return 1;
	return 0;
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

#define SYS_BASE (32ull << 20)
#define SYS_SIZE (16ull << 20)
#define EPT_BASE (48ull << 20)
#define EPT_SIZE (16ull << 20)
#define WS_BASE (1ull << 30)

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

	/* Guest memory: as much of [1G, ...) as the RAM region there gives,
	 * up to the first thing GRUB placed in it. */
	uint64_t ws_size = 0;
	for (unsigned i = 0; i < mb.nram; i++) {
		uint64_t lo = mb.ram[i].base, hi = lo + mb.ram[i].length;
		if (lo <= WS_BASE && hi > WS_BASE)
			ws_size = hi - WS_BASE;
	}
	if (ws_size > (4ull << 30) - WS_BASE)
		ws_size = (4ull << 30) - WS_BASE; /* the boot identity map covers 4 GiB */
	for (unsigned i = 0; i < mb.nmodules; i++)
		if (mb.modules[i].start >= WS_BASE && mb.modules[i].start - WS_BASE < ws_size)
			ws_size = mb.modules[i].start - WS_BASE;
	if (info >= WS_BASE && info - WS_BASE < ws_size)
		ws_size = info - WS_BASE;
	if (!range_free(&mb, SYS_BASE, SYS_SIZE, info) || !range_free(&mb, EPT_BASE, EPT_SIZE, info))
		panic("need free RAM at 32-64 MiB for guest structures and EPT tables (something GRUB loaded is there)");
	const struct mb2_module *payload = payload_module(&mb);

	struct hv_memory mem = {
		.sys = (uint8_t *)SYS_BASE, .sys_size = SYS_SIZE,
		.ept_pool = (uint8_t *)EPT_BASE, .ept_pool_size = EPT_SIZE,
		.ws = (uint8_t *)WS_BASE, .ws_size = ws_size,
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
