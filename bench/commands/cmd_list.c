/* tlbvisor list: backends and what this host can realize, each 'no' with why. */
#include <stdio.h>
#include <string.h>

#include "bench/backends/backend.h"
#include "bench/backends/kvm/kvm_knobs.h"
#include "bench/backends/payload.h"
#include "bench/cli/args.h"
#include "bench/cli/commands.h"
#include "bench/host/host_caps.h"
#include "bench/host/host_virt.h"
#include "bench/pmu/perf_counters.h"
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

static const char help[] =
	"usage: tlbvisor list [--payload FILE]\n\n"
	"Shows the backends, the host page sizes and guest page sizes this host can\n"
	"realize, THP mode, hugetlb reservations, the KVM module and its parameters\n"
	"and the TSC frequency. Every 'no' says why and, where there is one, the fix.\n";

int cmd_list(int argc, char **argv)
{
	static const struct cli_command cmd = { "list", help, 0, 0, NULL };
	static const struct cli_option options[] = { { "payload", CLI_STRING, 0, NULL, NULL } };
	const char *payload_path = NULL;
	const struct cli_options sets[] = { { options, 1, &payload_path } };
	int nargs;
	int rc;
	if (!cli_parse(&cmd, argc, argv, sets, 1, NULL, &nargs, &rc))
		return rc;
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
	if (h.native_is_vm)
		printf("  virtualized    yes: this \"native\" is itself a VM (CPUID.1:ECX[31]; hypervisor \"%s\")\n",
		       h.hypervisor_vendor);
	else
		printf("  virtualized    no (CPUID.1:ECX[31] clear)\n");
	if (h.emulator[0])
		printf("  emulator       %s: every timing here is emulated and says nothing about performance\n",
		       h.emulator);
	printf("  paging         %d-level (%s)\n", h.paging_levels, h.paging_how);
	printf("  kvm            %s\n", kvm_kind_words(h.kvm_kind));
	printf("  kvm modules    %s\n", h.kvm_modules);
	for (int i = 0; i < h.nkvm_params; i++)
		printf("    %-24s %s\n", h.kvm_params[i].name, h.kvm_params[i].value);

	printf("\nbackends\n");
	for (int b = 0; b < BACKEND_COUNT; b++) {
		if (!backend_runs_here((enum backend)b))
			continue;
		char why[512];
		bool yes = backend_available((enum backend)b, &h, why, sizeof why);
		yesno(backend_ops((enum backend)b)->label, yes, why);
	}

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
	char vwhy2[160], l4[96], l5[96];
	snprintf(vwhy2, sizeof vwhy2, "kvm_intel.vpid is %s now; switched with --allow-module-reload (reload, restored after the run)",
		 knobs.vpid_on ? "Y" : "N");
	snprintf(l4, sizeof l4, "guest MAXPHYADDR %u: 4-level EPT", kvm_knobs_phys_bits(4));
	snprintf(l5, sizeof l5, "guest MAXPHYADDR %u: 5-level EPT", kvm_knobs_phys_bits(5));
	yesno("vpid on/off", !knobs.why_vpid[0], knobs.why_vpid[0] ? knobs.why_vpid : vwhy2);
	yesno("ept-levels 4", !knobs.why_levels[0], knobs.why_levels[0] ? knobs.why_levels : l4);
	yesno("ept-levels 5", !knobs.why_levels[0] && knobs.ept_5level,
	      knobs.why_levels[0] ? knobs.why_levels : knobs.ept_5level ? l5 : "5-level EPT not offered by this CPU (no ept_5level in /proc/cpuinfo vmx flags)");

	printf("\nguest pages (KVM)\n");
	yesno("4k", h.kvm_ok, h.kvm_ok ? "4-level guest paging" : h.kvm_reason);
	yesno("2m", h.kvm_ok, h.kvm_ok ? "PDE leaves (PS=1)" : h.kvm_reason);
	yesno("1g", h.guest_1g, h.guest_1g_reason);
	printf("\nguest paging depth (KVM)\n");
	yesno("4-level", h.kvm_ok, h.kvm_ok ? "CR4.PAE, EFER.LMA" : h.kvm_reason);
	yesno("5-level (--guest-levels 5)", h.guest_la57,
	      !h.kvm_ok ? h.kvm_reason
	      : h.guest_la57 ? "this KVM gives guests CPUID LA57 (CR4.LA57)"
	      : h.cpu_la57 ? "the CPU has LA57 but this KVM does not give it to guests"
			   : "this host's CPU has no LA57 (5-level paging)");
	return 0;
}
