/* tlbvisor list: backends and what this host can realize, each 'no' with why. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "host_caps.h"
#include "kvm_knobs.h"
#include "pmu.h"
#include "vmx_backend.h"
#include <stdlib.h>

static void yesno(const char *what, bool yes, const char *why)
{
	printf("  %-40s %-4s %s\n", what, yes ? "yes" : "no", why);
}

static void hugetlb_line(const char *name, const struct hugetlb_pool *pool, const char *sysctl)
{
	char why[256];
	if (!pool->present)
		snprintf(why, sizeof why, "the kernel has no such pool");
	else if (pool->free <= 0)
		snprintf(why, sizeof why, "0 of %ld free; fix: echo N | sudo tee %s", pool->total, sysctl);
	else
		snprintf(why, sizeof why, "%ld reserved, %ld free", pool->total, pool->free);
	yesno(name, pool->present && pool->free > 0, why);
}

int cmd_list(int argc, char **argv)
{
	const char *payload_path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: tlbvisor list [--payload FILE]\n\n"
			       "Shows the backends, the host page sizes and guest page sizes this host can\n"
			       "realize, THP mode, hugetlb reservations, the KVM module and its parameters\n"
			       "and the TSC frequency. Every 'no' says why and, where there is one, the fix.\n");
			return 0;
		}
		if (!strcmp(argv[i], "--payload") && i + 1 < argc) {
			payload_path = argv[++i];
			continue;
		}
		fprintf(stderr, "tlbvisor list: unknown option '%s'; see tlbvisor list --help\n", argv[i]);
		return EXIT_USAGE;
	}
	char err[512];
	struct payload p;
	if (payload_load(&p, payload_path, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor list: %s\n", err);
		return 1;
	}
	struct host_caps h;
	host_caps_probe(&h);

	printf("host\n");
	printf("  cpu            %s (family %d, model %d, stepping %d, microcode %s)\n", h.cpu_model,
	       h.cpu_family, h.cpu_model_id, h.cpu_stepping, h.microcode[0] ? h.microcode : "?");
	printf("  kernel         %s\n", h.kernel);
	printf("  tsc            %.3f GHz (%s; calibrated %.3f GHz)\n", h.tsc_hz / 1e9, h.tsc_source,
	       h.tsc_calibrated_hz / 1e9);
	printf("  memory         %.1f GiB available\n", (double)h.mem_available / (1 << 30));
	printf("  thp            enabled=%s defrag=%s\n", h.thp_enabled, h.thp_defrag);
	printf("  kvm modules    %s\n", h.kvm_modules);
	for (int i = 0; i < h.nkvm_params; i++)
		printf("    %-24s %s\n", h.kvm_params[i].name, h.kvm_params[i].value);

	printf("\nbackends\n");
	yesno("native", true, "the chase runs in this process");
	yesno("kvm", h.kvm_ok, h.kvm_reason);
	char vwhy[512];
	const char *no = vmx_backend_unavailable(BACKEND_BOCHS, &h, vwhy, sizeof vwhy);
	yesno("bochs (tlbvisor-hv)", !no, no ? no : "Bochs with a VMX/EPT CPU model; timings are emulated");
	no = vmx_backend_unavailable(BACKEND_QEMU, &h, vwhy, sizeof vwhy);
	struct qemu_flavour qf;
	qemu_flavour(&h, &qf);
	yesno("qemu (tlbvisor-hv)", !no, no ? no : qf.why);

	printf("\nhost pages (native working set; KVM guest-memory backing)\n");
	yesno("4k", true, "anonymous memory with MADV_NOHUGEPAGE");
	char why[256];
	bool thp = strcmp(h.thp_enabled, "never") != 0 && strcmp(h.thp_enabled, "unavailable") != 0;
	snprintf(why, sizeof why, thp ? "transparent huge pages, mode '%s' (MADV_HUGEPAGE)"
				       : "THP is '%s'; fix: echo madvise | sudo tee /sys/kernel/mm/transparent_hugepage/enabled",
		 h.thp_enabled);
	yesno("thp", thp, why);
	hugetlb_line("2m (hugetlb)", &h.pool_2m, "/proc/sys/vm/nr_hugepages");
	hugetlb_line("1g (hugetlb)", &h.pool_1g, "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages");

	printf("\npmu (libpfm4)\n");
	char perr[256], pmu_name[64];
	if (pmu_init(perr, sizeof perr) < 0) {
		yesno("libpfm4", false, perr);
	} else {
		printf("  detected core PMU     %s%s\n", pmu_detected(pmu_name, sizeof pmu_name),
		       getenv("LIBPFM_FORCE_PMU") ? " (forced by LIBPFM_FORCE_PMU)" : "");
		for (int p = 0; p < 2; p++) {
			const char *names[PMU_MAX_EVENTS];
			int ne = pmu_preset_events(p ? "basic" : "walk", names);
			for (int i = 0; i < ne; i++) {
				struct pmu_group g;
				pmu_open(&g, &names[i], 1, PMU_USER);
				char what[128];
				snprintf(what, sizeof what, "%s %s", p ? "basic" : "walk ", names[i]);
				yesno(what, g.open, g.open ? "counts here" : g.why);
				pmu_close(&g);
			}
		}
	}

	printf("\nkvm knobs\n");
	struct kvm_knobs knobs;
	kvm_knobs_probe(&knobs, &h);
	yesno("vpid on/off", !knobs.why_vpid[0],
	      knobs.why_vpid[0] ? knobs.why_vpid : "kvm_intel.enable_vpid, switched with --allow-module-reload");
	yesno("ept-levels 4", !knobs.why_levels[0], knobs.why_levels[0] ? knobs.why_levels : "guest MAXPHYADDR 46");
	yesno("ept-levels 5", !knobs.why_levels[0] && knobs.ept_5level,
	      knobs.why_levels[0] ? knobs.why_levels : knobs.ept_5level ? "guest MAXPHYADDR 52" : "no ept_5level in the CPU's VMX flags");

	printf("\nguest pages (KVM)\n");
	yesno("4k", h.kvm_ok, h.kvm_ok ? "4-level guest paging" : h.kvm_reason);
	yesno("2m", h.kvm_ok, h.kvm_ok ? "PDE leaves (PS=1)" : h.kvm_reason);
	yesno("1g", h.guest_1g, h.guest_1g_reason);
	return 0;
}
