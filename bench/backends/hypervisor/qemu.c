/* The qemu backend: tlbvisor's hypervisor in QEMU on a host whose KVM
 * exposes VMX to its guests (nested VMX). Timings include the outer
 * hypervisor. */
#include <stdio.h>

#include "bench/backends/hypervisor/boot.h"
#include "bench/host/host_caps.h"
#include "lib/process.h"
#include "lib/sysfs.h"

static double qemu_tsc_hz(const struct host_caps *h)
{
	return h->tsc_hz;
}

static int qemu_boot(struct hv_boot *b, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	char mem[32], ser[4200];
	snprintf(mem, sizeof mem, "%llu", (unsigned long long)b->megs);
	snprintf(ser, sizeof ser, "file:%s", b->serial);
	char *argv[] = { "qemu-system-x86_64", "-machine", "q35", "-enable-kvm", "-cpu", "host,+vmx",
			 "-m", mem, "-cdrom", (char *)b->iso, "-serial", ser, "-display", "none",
			 "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", NULL };
	hv_boot_program(argv, b);
	return 0;
}

static const struct hv_emulator qemu = {
	.emulated = false,
	.note = "QEMU with nested VMX: timings include the outer hypervisor",
	.tsc_hz = qemu_tsc_hz,
	.boot = qemu_boot,
};

static bool qemu_available(const struct host_caps *h, char *why, size_t len)
{
	if (!hv_iso_available(why, len))
		return false;
	if (!program_in_path("qemu-system-x86_64")) {
		snprintf(why, len, "qemu-system-x86_64 not installed; fix: apt-get install qemu-system-x86");
		return false;
	}
	/* QEMU needs KVM that exposes VMX to its guests (nested VMX). */
	if (!h->kvm_ok) {
		snprintf(why, len, "QEMU with nested VMX needs /dev/kvm: %s", h->kvm_reason);
		return false;
	}
	static const char nested[] = "/sys/module/kvm_intel/parameters/nested";
	char v[16];
	bool intel = sysfs_read(nested, v, sizeof v) == 0;
	if (!sysfs_yes(nested)) {
		snprintf(why, len, "QEMU backend needs KVM with nested VMX (an Intel host with kvm_intel nested=1); this host has %s (%s); use --backend bochs",
			 intel ? "kvm_intel with nested off" : "no kvm_intel", h->kvm_modules);
		return false;
	}
	snprintf(why, len, "QEMU with KVM and nested VMX");
	return true;
}

const struct backend_ops backend_qemu = {
	.label = "qemu (tlbvisor-hv)",
	.has_guest = true,
	.own_hypervisor = true,
	.available = qemu_available,
	.run_batch = hv_boot_run,
	.emulator = &qemu,
};
