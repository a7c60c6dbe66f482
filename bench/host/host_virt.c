#include "bench/host/host_virt.h"

#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/sysfs.h"

#define CPUID_1_ECX_HYPERVISOR (1u << 31)  /* SDM Vol. 2A CPUID: "not used", set by hypervisors */
#define CPUID_1_ECX_VMX (1u << 5)
#define CPUID_80000001_ECX_SVM (1u << 2)
#define CPUID_7_ECX_LA57 (1u << 16)        /* 57-bit linear addresses, 5-level paging */
#define CPUID_HYPERVISOR_LEAF 0x40000000u  /* vendor signature in EBX, ECX, EDX */
#define SYSLOG_ACTION_READ_ALL 3
#define SYSLOG_ACTION_SIZE_BUFFER 10

static const struct {
	const char *name, *words;
} kinds[] = {
	[KVM_KIND_NONE] = { "none", "no KVM" },
	[KVM_KIND_INTEL_EPT] = { "kvm_intel+EPT", "kvm_intel with EPT: nested paging" },
	[KVM_KIND_INTEL_SHADOW] = { "kvm_intel shadow", "kvm_intel without EPT: shadow paging, not nested paging" },
	[KVM_KIND_AMD_NPT] = { "kvm_amd+NPT", "kvm_amd with NPT: nested paging" },
	[KVM_KIND_AMD_SHADOW] = { "kvm_amd shadow", "kvm_amd without NPT: shadow paging, not nested paging" },
	[KVM_KIND_PVM] = { "kvm_pvm", "kvm_pvm (software virtualization): shadow paging, not nested paging" },
	[KVM_KIND_UNKNOWN] = { "unknown", "a KVM tlbvisor does not know: its translation is unknown" },
};

const char *kvm_kind_name(enum kvm_kind k)
{
	return k <= KVM_KIND_UNKNOWN ? kinds[k].name : "?";
}

const char *kvm_kind_words(enum kvm_kind k)
{
	return k <= KVM_KIND_UNKNOWN ? kinds[k].words : "?";
}

static const char *param(const struct host_caps *h, const char *name)
{
	for (int i = 0; i < h->nkvm_params; i++)
		if (!strcmp(h->kvm_params[i].name, name))
			return h->kvm_params[i].value;
	return "";
}

static bool yes(const char *v)
{
	return v[0] == 'Y' || v[0] == 'y' || v[0] == '1';
}

static bool module_loaded(const char *name)
{
	char path[96];
	snprintf(path, sizeof path, "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

/* An unread parameter is the module's default: ept and npt default to on. */
enum kvm_kind kvm_kind_of(bool intel, bool amd, bool pvm, const char *ept, const char *npt)
{
	if (intel)
		return yes(ept) || !ept[0] ? KVM_KIND_INTEL_EPT : KVM_KIND_INTEL_SHADOW;
	if (amd)
		return yes(npt) || !npt[0] ? KVM_KIND_AMD_NPT : KVM_KIND_AMD_SHADOW;
	return pvm ? KVM_KIND_PVM : KVM_KIND_UNKNOWN;
}

static enum kvm_kind probe_kind(const struct host_caps *h)
{
	if (!h->kvm_ok)
		return KVM_KIND_NONE;
	return kvm_kind_of(module_loaded("kvm_intel"), module_loaded("kvm_amd"), module_loaded("kvm_pvm"),
			   param(h, "kvm_intel.ept"), param(h, "kvm_amd.npt"));
}

/* The kernel's paging depth: a 5-level kernel (CR4.LA57) lets user space map
 * above 2^47 when it asks for such an address (Linux's
 * Documentation/arch/x86/x86_64/5level-paging.rst); a 4-level one cannot. */
static void probe_paging(struct host_caps *h)
{
	void *want = (void *)(1ull << 48);
	void *p = mmap(want, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	h->paging_levels = p == want ? 5 : 4;
	if (p != MAP_FAILED)
		munmap(p, 4096);
	snprintf(h->paging_how, sizeof h->paging_how, "%s; CPU %s la57",
		 h->paging_levels == 5 ? "user mappings above 2^47 succeed (CR4.LA57=1)"
				       : "no user mapping above 2^47 (CR4.LA57=0)",
		 h->cpu_la57 ? "has" : "lacks");
}

static void probe_cpuid(struct host_caps *h)
{
	unsigned a, b, c, d;
	if (__get_cpuid(1, &a, &b, &c, &d)) {
		h->native_is_vm = (c & CPUID_1_ECX_HYPERVISOR) != 0;
		h->cpu_vmx = (c & CPUID_1_ECX_VMX) != 0;
	}
	if (__get_cpuid(0x80000001, &a, &b, &c, &d))
		h->cpu_svm = (c & CPUID_80000001_ECX_SVM) != 0;
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d))
		h->cpu_la57 = (c & CPUID_7_ECX_LA57) != 0;
	h->hypervisor_vendor[0] = '\0';
	if (h->native_is_vm) {
		__cpuid(CPUID_HYPERVISOR_LEAF, a, b, c, d);
		char sig[13];
		memcpy(sig, &b, 4);
		memcpy(sig + 4, &c, 4);
		memcpy(sig + 8, &d, 4);
		sig[12] = '\0';
		for (int i = 0; i < 12; i++)
			if (sig[i] && (sig[i] < 0x20 || sig[i] > 0x7e))
				sig[i] = '?';
		snprintf(h->hypervisor_vendor, sizeof h->hypervisor_vendor, "%s", sig);
	}
}

/* An emulator's timings are not performance: QEMU TCG says so in its
 * hypervisor signature, Bochs in the firmware it ships (DMI). */
static void probe_emulator(struct host_caps *h)
{
	char bios[64];
	sysfs_read("/sys/class/dmi/id/bios_vendor", bios, sizeof bios);
	if (!strcmp(h->hypervisor_vendor, "TCGTCGTCGTCG"))
		snprintf(h->emulator, sizeof h->emulator, "QEMU TCG");
	else if (strstr(bios, "Bochs") || strstr(h->cpu_model, "Bochs"))
		snprintf(h->emulator, sizeof h->emulator, "Bochs");
	else
		h->emulator[0] = '\0';
}

void host_virt_probe(struct host_caps *h)
{
	probe_cpuid(h);
	probe_paging(h);
	probe_emulator(h);
	h->kvm_kind = probe_kind(h);
}

/* The kernel log's last line about KVM refusing to bind, if readable. */
static int kvm_log_line(char *line, size_t len, char *why_not, size_t why_len)
{
	static char buf[1 << 20];
	int n = klogctl(SYSLOG_ACTION_READ_ALL, buf, sizeof buf - 1);
	if (n < 0) {
		snprintf(why_not, why_len, "the kernel log is not readable here (%s)", strerror(errno));
		return -1;
	}
	buf[n] = '\0';
	line[0] = '\0';
	for (char *s = buf, *e; *s; s = e + (*e != '\0')) {
		e = strchr(s, '\n');
		if (!e)
			e = s + strlen(s);
		size_t l = (size_t)(e - s);
		char one[512];
		snprintf(one, sizeof one, "%.*s", (int)(l < sizeof one - 1 ? l : sizeof one - 1), s);
		if (strstr(one, "kvm") && (strstr(one, "not binding") || strstr(one, "disabled by bios") ||
					   strstr(one, "no hardware support") || strstr(one, "not supported"))) {
			const char *msg = strchr(one, ']');
			snprintf(line, len, "%s", msg ? msg + 2 : one);
		}
	}
	if (!line[0]) {
		snprintf(why_not, why_len, "the kernel log says nothing about it");
		return -1;
	}
	return 0;
}

void host_virt_why_no_kvm(const struct host_caps *h, char *why, size_t len)
{
	static const char *const modules[] = { "kvm_intel", "kvm_amd", "kvm_pvm" };
	const char *loaded = NULL;
	for (size_t i = 0; i < sizeof modules / sizeof *modules && !loaded; i++)
		if (module_loaded(modules[i]))
			loaded = modules[i];
	char dev[32];
	unsigned major, minor;
	sysfs_read("/sys/class/misc/kvm/dev", dev, sizeof dev);
	if (sscanf(dev, "%u:%u", &major, &minor) == 2) {
		snprintf(why, len, "/dev/kvm is missing: %s registered the device (/sys/class/misc/kvm) but this /dev has no node for it (a container or a private /dev); fix: sudo mknod -m 660 /dev/kvm c %u %u, pass the device in, or use --backend native",
			 loaded ? loaded : "KVM", major, minor);
		return;
	}
	if (loaded) {
		char line[256], not_read[128];
		if (kvm_log_line(line, sizeof line, not_read, sizeof not_read) == 0)
			snprintf(why, len, "/dev/kvm is missing: module %s is loaded but not bound (kernel log: \"%s\"); use --backend native, or a machine whose KVM binds",
				 loaded, line);
		else
			snprintf(why, len, "/dev/kvm is missing: module %s is loaded but not bound (%s); use --backend native, or a machine whose KVM binds",
				 loaded, not_read);
		return;
	}
	if (!h->cpu_vmx && !h->cpu_svm) {
		if (h->native_is_vm)
			snprintf(why, len, "/dev/kvm is missing: this machine is a virtual machine (hypervisor \"%s\") without nested virtualization: its CPU shows neither VMX nor SVM; fix: enable nested virtualization on its host, or use --backend native",
				 h->hypervisor_vendor);
		else
			snprintf(why, len, "/dev/kvm is missing: this CPU shows neither VMX nor SVM (absent or disabled in the firmware); fix: enable VT-x/AMD-V in the firmware, or use --backend native");
		return;
	}
	snprintf(why, len, "/dev/kvm is missing: no KVM module is loaded although the CPU has %s; fix: sudo modprobe %s, or use --backend native",
		 h->cpu_vmx ? "VMX" : "SVM", h->cpu_vmx ? "kvm_intel" : "kvm_amd");
}
