#include "bench/backends/kvm/kvm_knobs.h"

#include <cpuid.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench/host/host_virt.h"
#include "lib/process.h"
#include "lib/sysfs.h"

/* kvm_intel's module parameter (the C variable is enable_vpid; the file is
 * /sys/module/kvm_intel/parameters/vpid). */
#define VPID_PARAM "/sys/module/kvm_intel/parameters/vpid"
#define EPT_PARAM "/sys/module/kvm_intel/parameters/ept"

static int changed_vpid = -1; /* original kvm_intel.vpid (0/1) once changed, else -1 */

void kvm_knobs_probe(struct kvm_knobs *k, const struct host_caps *h)
{
	memset(k, 0, sizeof *k);
	k->intel = access("/sys/module/kvm_intel", F_OK) == 0;
	k->vpid_on = sysfs_yes(VPID_PARAM);
	k->ept = sysfs_yes(EPT_PARAM);
	k->ept_5level = proc_field_has_word("/proc/cpuinfo", "vmx flags", "ept_5level");
	if (!h->kvm_ok)
		snprintf(k->why_vpid, sizeof k->why_vpid, "no KVM: %s", h->kvm_reason);
	else if (!k->intel)
		snprintf(k->why_vpid, sizeof k->why_vpid,
			 "VPID is switched by kvm_intel's parameter vpid; this host's KVM is %s (modules: %s)",
			 kvm_kind_words(h->kvm_kind), h->kvm_modules);
	else if (access(VPID_PARAM, R_OK) != 0)
		snprintf(k->why_vpid, sizeof k->why_vpid, "kvm_intel is loaded but %s is not readable", VPID_PARAM);
	if (!h->kvm_ok)
		snprintf(k->why_levels, sizeof k->why_levels, "no KVM: %s", h->kvm_reason);
	else if (!k->intel || !k->ept)
		snprintf(k->why_levels, sizeof k->why_levels,
			 "EPT depth applies to kvm_intel with EPT; this host's KVM is %s%s",
			 kvm_kind_words(h->kvm_kind),
			 h->kvm_kind == KVM_KIND_AMD_NPT ? ", whose NPT depth follows the host's paging depth (not selectable)" : "");
}

const char *kvm_knobs_vpid_blocker(const struct kvm_knobs *k, bool want_on, bool allow_reload,
				   char *buf, size_t len)
{
	if (k->why_vpid[0]) {
		snprintf(buf, len, "%s", k->why_vpid);
		return buf;
	}
	if (k->vpid_on != want_on && !allow_reload) {
		snprintf(buf, len, "kvm_intel.vpid is %s; switching it reloads kvm_intel (stopping every VM on this host): pass --allow-module-reload",
			 k->vpid_on ? "Y" : "N");
		return buf;
	}
	return NULL;
}

const char *kvm_knobs_levels_blocker(const struct kvm_knobs *k, unsigned levels, char *buf, size_t len)
{
	if (k->why_levels[0]) {
		snprintf(buf, len, "%s", k->why_levels);
		return buf;
	}
	if (levels == 5 && !k->ept_5level) {
		snprintf(buf, len, "5-level EPT not offered by this CPU (no ept_5level in /proc/cpuinfo vmx flags)");
		return buf;
	}
	return NULL;
}

/* modprobe runs in its own process group so Ctrl-C cannot kill it between
 * unloading and loading, and the wait survives the signal. */
static int run(char *const argv[])
{
	struct spawn_options o = { .own_process_group = true };
	return spawn_run(argv, &o, NULL);
}

static int reload(bool vpid_on)
{
	char *unload[] = { "modprobe", "-r", "kvm_intel", NULL };
	char *load[] = { "modprobe", "kvm_intel", vpid_on ? "vpid=1" : "vpid=0", NULL };
	if (run(unload) != 0)
		return -1;
	return run(load);
}

int kvm_knobs_set_vpid(struct kvm_knobs *k, bool on, char *err, size_t len)
{
	if (k->vpid_on == on)
		return 0;
	int original = k->vpid_on;
	/* Record before unloading: whatever happens next, restore knows. */
	if (changed_vpid < 0)
		changed_vpid = original;
	if (reload(on) != 0) {
		snprintf(err, len, "reloading kvm_intel with vpid=%d failed (another VM still running? not root?)", on);
		return -1;
	}
	k->vpid_on = sysfs_yes(VPID_PARAM);
	if (k->vpid_on != on) {
		snprintf(err, len, "kvm_intel reloaded with vpid=%d but %s reads %s", on, VPID_PARAM, k->vpid_on ? "Y" : "N");
		return -1;
	}
	return 0;
}

void kvm_knobs_restore(void)
{
	if (changed_vpid < 0)
		return;
	int original = changed_vpid;
	changed_vpid = -1;
	if (reload(original) != 0)
		fprintf(stderr, "tlbvisor: could not restore kvm_intel vpid=%d; fix: modprobe -r kvm_intel && modprobe kvm_intel vpid=%d\n",
			original, original);
}

static unsigned host_phys_bits(void)
{
	unsigned a, b, c, d;
	return __get_cpuid(0x80000008, &a, &b, &c, &d) ? a & 0xff : 46;
}

unsigned kvm_knobs_phys_bits(unsigned levels)
{
	/* KVM uses 5-level TDP when the guest MAXPHYADDR exceeds 48 bits; for 4
	 * levels never give the guest more bits than the host has. */
	unsigned host = host_phys_bits();
	return levels == 5 ? 52 : host < 48 ? host : 48;
}

unsigned kvm_knobs_ept_depth(const struct kvm_knobs *k, unsigned phys_bits)
{
	return k->ept_5level && (phys_bits ? phys_bits : host_phys_bits()) > 48 ? 5 : 4;
}
