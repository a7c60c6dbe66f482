/* The qemu backend: tlbvisor's hypervisor in QEMU. With KVM (-cpu host)
 * where /dev/kvm offers nested VMX or SVM, whose timings include the outer
 * hypervisor; else with TCG (-cpu max), which emulates SVM with nested paging
 * on any machine: correctness, never performance. */
#include <stdio.h>

#include "bench/backends/hypervisor/boot.h"
#include "bench/host/host_caps.h"
#include "lib/process.h"
#include "lib/sysfs.h"

static double qemu_tsc_hz(const struct host_caps *h)
{
	/* The guest's TSC is the host's, under TCG and KVM alike. */
	return h->tsc_hz;
}

static void qemu_flavour(const struct host_caps *h, struct hv_flavour *f)
{
	const char *intel = host_kvm_param(h, "kvm_intel.nested"), *amd = host_kvm_param(h, "kvm_amd.nested");
	bool kvm = h->kvm_ok && (sysfs_value_yes(intel) || sysfs_value_yes(amd));
	f->emulated = !kvm;
	f->accel = kvm ? "kvm" : "tcg";
	f->cpu = kvm ? "host" : "max"; /* host passes VMX/SVM through; max has SVM and NPT */
	f->note = kvm ? "QEMU with KVM and nested virtualization: timings include the outer hypervisor"
		      : "QEMU TCG is an emulator (SVM and nested paging emulated in software, no hardware TLB or counters); these timings are not performance figures";
	if (kvm)
		snprintf(f->why, sizeof f->why, "KVM with -cpu host: /dev/kvm offers nested %s (%s.nested=%s)",
			 sysfs_value_yes(intel) ? "VMX" : "SVM", sysfs_value_yes(intel) ? "kvm_intel" : "kvm_amd",
			 sysfs_value_yes(intel) ? intel : amd);
	else if (!h->kvm_ok)
		snprintf(f->why, sizeof f->why, "TCG with -cpu max (SVM/NPT emulated, timings not performance figures): no usable /dev/kvm (%s)",
			 h->kvm_reason);
	else
		snprintf(f->why, sizeof f->why, "TCG with -cpu max (SVM/NPT emulated, timings not performance figures): /dev/kvm offers no nested VMX or SVM (KVM modules: %s)",
			 h->kvm_modules);
}

static int qemu_boot(struct hv_boot *b, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	const struct hv_flavour *f = b->flavour;
	char mem[32], ser[4200];
	snprintf(mem, sizeof mem, "%llu", (unsigned long long)b->megs);
	snprintf(ser, sizeof ser, "file:%s", b->serial);
	char *argv[] = { "qemu-system-x86_64", "-machine", "q35", "-accel", (char *)f->accel, "-cpu", (char *)f->cpu,
			 "-m", mem, "-cdrom", (char *)b->iso, "-serial", ser, "-display", "none", "-net", "none",
			 "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", NULL };
	hv_boot_program(argv, b);
	return 0;
}

static const struct hv_emulator qemu = {
	.tsc_hz = qemu_tsc_hz,
	.flavour = qemu_flavour,
	.boot = qemu_boot,
};

/* TCG runs anywhere: QEMU and the ISO tools are all it needs. */
static bool qemu_available(const struct host_caps *h, char *why, size_t len)
{
	if (!hv_iso_available(why, len))
		return false;
	if (!program_in_path("qemu-system-x86_64")) {
		snprintf(why, len, "qemu-system-x86_64 not installed; fix: apt-get install qemu-system-x86");
		return false;
	}
	struct hv_flavour f;
	qemu_flavour(h, &f);
	snprintf(why, len, "%s", f.why);
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
