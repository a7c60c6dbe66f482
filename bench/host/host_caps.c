#include "bench/host/host_caps.h"

#include <cpuid.h>
#include <dirent.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench/host/host_virt.h"
#include "hv/kvm/kvm_guest.h"
#include "lib/clock.h"
#include "lib/sysfs.h"
#include "workloads/tsc.h"

/* "always [madvise] never" -> "madvise" */
static void bracketed(const char *path, char *out, size_t len)
{
	char line[128];
	sysfs_read(path, line, sizeof line);
	char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;
	if (a && b) {
		*b = '\0';
		snprintf(out, len, "%s", a + 1);
	} else {
		snprintf(out, len, "%s", line[0] ? line : "unavailable");
	}
}

/* The first processor's identity in /proc/cpuinfo. */
static void probe_cpu(struct host_caps *h)
{
	static const char cpuinfo[] = "/proc/cpuinfo";
	char v[64];
	proc_field(cpuinfo, "model name", h->cpu_model, sizeof h->cpu_model);
	proc_field(cpuinfo, "vendor_id", h->cpu_vendor, sizeof h->cpu_vendor);
	if (proc_field(cpuinfo, "cpu family", v, sizeof v) == 0)
		h->cpu_family = atoi(v);
	if (proc_field(cpuinfo, "model", v, sizeof v) == 0)
		h->cpu_model_id = atoi(v);
	if (proc_field(cpuinfo, "stepping", v, sizeof v) == 0)
		h->cpu_stepping = atoi(v);
	proc_field(cpuinfo, "microcode", h->microcode, sizeof h->microcode);
	h->cpu_pdpe1gb = proc_field_has_word(cpuinfo, "flags", "pdpe1gb");
}

/* TSC against CLOCK_MONOTONIC over ~50 ms. */
static double tsc_calibrate(void)
{
	double t0 = monotonic_seconds();
	uint64_t c0 = tsc_read_fenced();
	double t1;
	do
		t1 = monotonic_seconds();
	while (t1 - t0 < 0.05);
	uint64_t c1 = tsc_read_fenced();
	return (double)(c1 - c0) / (t1 - t0);
}

static void probe_tsc(struct host_caps *h)
{
	h->tsc_calibrated_hz = tsc_calibrate();
	unsigned a, b, c, d;
	/* CPUID.15H: TSC = crystal * EBX / EAX (SDM Vol. 3B 19.7.3). */
	if (__get_cpuid_max(0, NULL) >= 0x15 && __get_cpuid(0x15, &a, &b, &c, &d) && a && b && c) {
		h->tsc_hz = (double)c * b / a;
		snprintf(h->tsc_source, sizeof h->tsc_source, "CPUID.15H");
		return;
	}
	char err[256];
	int kvm = kvm_open(err, sizeof err);
	if (kvm >= 0) {
		int vm = ioctl(kvm, KVM_CREATE_VM, 0);
		int vcpu = vm >= 0 ? ioctl(vm, KVM_CREATE_VCPU, 0) : -1;
		long khz = vcpu >= 0 ? ioctl(vcpu, KVM_GET_TSC_KHZ, 0) : -1;
		if (vcpu >= 0) close(vcpu);
		if (vm >= 0) close(vm);
		close(kvm);
		if (khz > 0) {
			h->tsc_hz = (double)khz * 1000.0;
			snprintf(h->tsc_source, sizeof h->tsc_source, "KVM_GET_TSC_KHZ");
			return;
		}
	}
	h->tsc_hz = h->tsc_calibrated_hz;
	snprintf(h->tsc_source, sizeof h->tsc_source, "calibrated against CLOCK_MONOTONIC");
}

static void add_param(struct host_caps *h, const char *module, const char *param)
{
	char path[256], value[64];
	snprintf(path, sizeof path, "/sys/module/%s/parameters/%s", module, param);
	sysfs_read(path, value, sizeof value);
	if (!value[0] || h->nkvm_params >= HOST_CAPS_MAX_PARAMS)
		return;
	struct host_param *p = &h->kvm_params[h->nkvm_params++];
	snprintf(p->name, sizeof p->name, "%s.%s", module, param);
	snprintf(p->value, sizeof p->value, "%s", value);
}

const char *host_kvm_param(const struct host_caps *h, const char *name)
{
	for (int i = 0; i < h->nkvm_params; i++)
		if (!strcmp(h->kvm_params[i].name, name))
			return h->kvm_params[i].value;
	return "";
}

static void probe_kvm_modules(struct host_caps *h)
{
	static const char *const modules[] = { "kvm", "kvm_intel", "kvm_amd", "kvm_pvm" };
	static const char *const params[] = { "ept", "npt", "vpid", "nx_huge_pages", "tdp_mmu",
					      "nested", "eager_page_split", "enable_pmu" };
	h->kvm_modules[0] = '\0';
	for (size_t m = 0; m < sizeof modules / sizeof *modules; m++) {
		char path[128];
		snprintf(path, sizeof path, "/sys/module/%s", modules[m]);
		if (access(path, F_OK) != 0)
			continue;
		size_t len = strlen(h->kvm_modules);
		snprintf(h->kvm_modules + len, sizeof h->kvm_modules - len, "%s%s", len ? " " : "",
			 modules[m]);
		for (size_t p = 0; p < sizeof params / sizeof *params; p++)
			add_param(h, modules[m], params[p]);
	}
	if (!h->kvm_modules[0])
		snprintf(h->kvm_modules, sizeof h->kvm_modules, "none");
}

/* Guest 1G pages: asking is not knowing. Run a guest that maps its working
 * set with one 1G leaf and reads from it. */
extern const uint8_t tv_payload_elf[];
extern const size_t tv_payload_elf_size;

static void probe_guest_1g(struct host_caps *h)
{
	const void *payload = tv_payload_elf;
	size_t payload_size = tv_payload_elf_size;
	struct host_mem mem;
	char err[512];
	h->guest_1g = false;
	if (host_mem_alloc(&mem, HOST_PAGE_4K, 1ull << 30, err, sizeof err) < 0) {
		snprintf(h->guest_1g_reason, sizeof h->guest_1g_reason, "probe could not allocate 1G: %s", err);
		return;
	}
	struct kvm_guest g;
	struct kvm_guest_config cfg = { .payload = payload, .payload_size = payload_size,
					.ws_host = mem.addr, .ws_mem_size = 1ull << 30,
					.guest_page = 1ull << 30 };
	if (kvm_guest_create(&g, &cfg, err, sizeof err) < 0) {
		snprintf(h->guest_1g_reason, sizeof h->guest_1g_reason, "%s", err);
		host_mem_free(&mem);
		return;
	}
	h->guest_la57 = g.guest_la57;
	uint32_t status;
	g.watchdog_s = 10;
	g.params->touch_addr = TV_WS_ADDR + 0x1000;
	if (kvm_guest_command(&g, TV_CMD_TOUCH, &status, err, sizeof err) == KVM_RUN_DONE) {
		h->guest_1g = true;
		snprintf(h->guest_1g_reason, sizeof h->guest_1g_reason, "a guest read through a 1G leaf succeeded");
	} else {
		snprintf(h->guest_1g_reason, sizeof h->guest_1g_reason,
			 "a guest read through a 1G PDPTE failed even with CPUID Page1GB set (%s); this KVM cannot give guests 1G pages",
			 err);
	}
	kvm_guest_destroy(&g);
	host_mem_free(&mem);
}

void host_caps_probe(struct host_caps *h)
{
	memset(h, 0, sizeof *h);
	probe_cpu(h);
	tlb_geometry_read(cpuid_native, NULL, &h->tlb);
	h->ncaches = host_caches_read("/sys/devices/system/cpu/cpu0/cache", h->caches, HOST_CACHES_MAX);
	struct utsname u;
	if (uname(&u) == 0) {
		snprintf(h->kernel, sizeof h->kernel, "%s %s %s", u.sysname, u.release, u.version);
		snprintf(h->hostname, sizeof h->hostname, "%s", u.nodename);
	}
	h->ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	bracketed("/sys/kernel/mm/transparent_hugepage/enabled", h->thp_enabled, sizeof h->thp_enabled);
	bracketed("/sys/kernel/mm/transparent_hugepage/defrag", h->thp_defrag, sizeof h->thp_defrag);
	hugetlb_pool_read(2ull << 20, &h->pool_2m);
	hugetlb_pool_read(1ull << 30, &h->pool_1g);
	h->mem_available = host_mem_available();
	probe_tsc(h);
	probe_kvm_modules(h);

	int fd = kvm_open(h->kvm_reason, sizeof h->kvm_reason);
	h->kvm_ok = fd >= 0;
	if (fd >= 0) {
		close(fd);
		snprintf(h->kvm_reason, sizeof h->kvm_reason, "/dev/kvm opened, API version %d", KVM_API_VERSION);
		probe_guest_1g(h);
	} else if (!strncmp(h->kvm_reason, "/dev/kvm is missing", 19)) {
		host_virt_why_no_kvm(h, h->kvm_reason, sizeof h->kvm_reason);
	}
	if (!h->kvm_ok)
		snprintf(h->guest_1g_reason, sizeof h->guest_1g_reason, "no KVM: %s", h->kvm_reason);
	host_virt_probe(h);
}
