#include "bench/pmu/perf_counters.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <perfmon/pfmlib_perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Page-walk events per microarchitecture, by libpfm4 PMU name (event names
 * as libpfm4 4.13 spells them; see docs/metrics.md for what each means). */
const struct pmu_preset pmu_presets[] = {
	{ { "hsw", "hsw_ep", "bdw", "bdw_ep" },
	  { "DTLB_LOAD_MISSES:MISS_CAUSES_A_WALK", "DTLB_LOAD_MISSES:WALK_COMPLETED_4K",
	    "DTLB_LOAD_MISSES:WALK_COMPLETED_2M_4M", "DTLB_LOAD_MISSES:WALK_DURATION",
	    "DTLB_LOAD_MISSES:STLB_HIT" },
	  { "UNHALTED_CORE_CYCLES", "INSTRUCTION_RETIRED" } },
	{ { "skl", "skx", "clx" },
	  { "DTLB_LOAD_MISSES:MISS_CAUSES_A_WALK", "DTLB_LOAD_MISSES:WALK_COMPLETED_4K",
	    "DTLB_LOAD_MISSES:WALK_COMPLETED_2M_4M", "DTLB_LOAD_MISSES:WALK_COMPLETED_1G",
	    "DTLB_LOAD_MISSES:WALK_PENDING", "DTLB_LOAD_MISSES:STLB_HIT" },
	  { "UNHALTED_CORE_CYCLES", "INSTRUCTION_RETIRED" } },
	{ { "icl", "icx" },
	  { "DTLB_LOAD_MISSES:WALK_COMPLETED_4K", "DTLB_LOAD_MISSES:WALK_COMPLETED_2M_4M",
	    "DTLB_LOAD_MISSES:WALK_ACTIVE", "DTLB_LOAD_MISSES:WALK_PENDING", "DTLB_LOAD_MISSES:STLB_HIT" },
	  { "UNHALTED_CORE_CYCLES", "INSTRUCTION_RETIRED" } },
	{ { "spr", "emr", "gnr" },
	  { "DTLB_LOAD_MISSES:WALK_COMPLETED_4K", "DTLB_LOAD_MISSES:WALK_COMPLETED_2M_4M",
	    "DTLB_LOAD_MISSES:WALK_COMPLETED_1G", "DTLB_LOAD_MISSES:WALK_PENDING",
	    "DTLB_LOAD_MISSES:STLB_HIT" },
	  { "UNHALTED_CORE_CYCLES", "INSTRUCTION_RETIRED" } },
	{ { "amd64_fam17h_zen2", "amd64_fam19h_zen3", "amd64_fam19h_zen4", "amd64_fam1ah_zen5" },
	  { "L1_DTLB_MISS:TLB_RELOAD_4K_L2_MISS", "L1_DTLB_MISS:TLB_RELOAD_2M_L2_MISS",
	    "L1_DTLB_MISS:TLB_RELOAD_1G_L2_MISS", "L1_DTLB_MISS:TLB_RELOAD_4K_L2_HIT",
	    "L1_DTLB_MISS:TLB_RELOAD_2M_L2_HIT" },
	  { "CYCLES_NOT_IN_HALT", "RETIRED_INSTRUCTIONS" } },
};
const unsigned pmu_npresets = sizeof pmu_presets / sizeof pmu_presets[0];

/* Generic perf events: every Linux PMU driver maps these. */
static const char *const generic_walk[] = { "perf::DTLB-LOAD-MISSES", "perf::DTLB-LOADS" };
static const char *const generic_basic[] = { "perf::PERF_COUNT_HW_CPU_CYCLES", "perf::PERF_COUNT_HW_INSTRUCTIONS" };

static int initialized;

int pmu_init(char *err, size_t errlen)
{
	if (initialized)
		return 0;
	int rc = pfm_initialize();
	if (rc != PFM_SUCCESS) {
		snprintf(err, errlen, "libpfm4 initialisation failed: %s", pfm_strerror(rc));
		return -1;
	}
	initialized = 1;
	return 0;
}

const char *pmu_detected(char *buf, size_t len)
{
	pfm_pmu_info_t info;
	int i;
	snprintf(buf, len, "none");
	pfm_for_all_pmus(i) {
		memset(&info, 0, sizeof info);
		info.size = sizeof info;
		if (pfm_get_pmu_info(i, &info) == PFM_SUCCESS && info.is_present &&
		    info.type == PFM_PMU_TYPE_CORE) {
			snprintf(buf, len, "%s", info.name);
			break;
		}
	}
	return buf;
}

int pmu_preset_events(const char *preset, const char *names[PMU_MAX_EVENTS])
{
	bool walk = !strcmp(preset, "walk");
	if (!walk && strcmp(preset, "basic"))
		return -1;
	char pmu[64];
	pmu_detected(pmu, sizeof pmu);
	for (unsigned p = 0; p < pmu_npresets; p++)
		for (int k = 0; k < 6 && pmu_presets[p].pmus[k]; k++)
			if (!strcmp(pmu_presets[p].pmus[k], pmu)) {
				const char *const *list = walk ? pmu_presets[p].walk : pmu_presets[p].basic;
				int n = 0;
				while (n < PMU_MAX_EVENTS && list[n]) {
					names[n] = list[n];
					n++;
				}
				return n;
			}
	const char *const *list = walk ? generic_walk : generic_basic;
	names[0] = list[0];
	names[1] = list[1];
	return 2;
}

int pmu_encode(const char *event, enum pmu_scope scope, void *attr_out, char *err, size_t errlen)
{
	struct perf_event_attr *attr = attr_out;
	memset(attr, 0, sizeof *attr);
	pfm_perf_encode_arg_t arg;
	memset(&arg, 0, sizeof arg);
	arg.attr = attr;
	arg.size = sizeof arg;
	/* User mode only unless the event says otherwise (SDM: USR bit). */
	int rc = pfm_get_os_event_encoding(event, PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
	if (rc != PFM_SUCCESS) {
		snprintf(err, errlen, "libpfm4 cannot encode '%s': %s", event, pfm_strerror(rc));
		return -1;
	}
	attr->size = sizeof *attr;
	/* libpfm4 has its own defaults for these bits: set both explicitly. */
	if (scope == PMU_GUEST) {
		attr->exclude_host = 1;
		attr->exclude_guest = 0;
	} else if (scope == PMU_HOST) {
		attr->exclude_guest = 1;
		attr->exclude_host = 0;
	}
	return 0;
}

void pmu_open(struct pmu_group *g, const char *const *events, int n, enum pmu_scope scope)
{
	memset(g, 0, sizeof *g);
	for (int i = 0; i < PMU_MAX_EVENTS; i++)
		g->fds[i] = -1;
	char err[256];
	if (pmu_init(err, sizeof err) < 0) {
		snprintf(g->why, sizeof g->why, "%s", err);
		return;
	}
	for (int i = 0; i < n && i < PMU_MAX_EVENTS; i++) {
		struct perf_event_attr attr;
		snprintf(g->names[i], PMU_NAME, "%s", events[i]);
		if (pmu_encode(events[i], scope, &attr, err, sizeof err) < 0) {
			snprintf(g->why, sizeof g->why, "%s", err);
			pmu_close(g);
			return;
		}
		attr.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
				   PERF_FORMAT_TOTAL_TIME_RUNNING;
		attr.disabled = i == 0;
		int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, i ? g->fds[0] : -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			int e = errno;
			snprintf(g->why, sizeof g->why, "perf_event_open(%s) failed: %s%s", events[i], strerror(e),
				 e == ENOENT || e == EOPNOTSUPP || e == ENODEV
					 ? " (no hardware PMU for this event on this machine)"
					 : e == EACCES || e == EPERM
						   ? " (fix: run as root or lower /proc/sys/kernel/perf_event_paranoid)"
						   : "");
			pmu_close(g);
			return;
		}
		g->fds[i] = fd;
		g->n = i + 1;
	}
	if (g->n && ioctl(g->fds[0], PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP) < 0) {
		snprintf(g->why, sizeof g->why, "cannot enable the counter group: %s", strerror(errno));
		pmu_close(g);
		return;
	}
	g->open = g->n > 0;
}

int pmu_read(const struct pmu_group *g, struct pmu_values *v)
{
	memset(v, 0, sizeof *v);
	if (!g->open)
		return -1;
	uint64_t buf[3 + PMU_MAX_EVENTS];
	ssize_t want = (ssize_t)((3 + g->n) * sizeof(uint64_t));
	if (read(g->fds[0], buf, sizeof buf) < want || buf[0] != (uint64_t)g->n)
		return -1;
	v->enabled = buf[1];
	v->running = buf[2];
	for (int i = 0; i < g->n; i++)
		v->raw[i] = buf[3 + i];
	return 0;
}

void pmu_delta(const struct pmu_group *g, const struct pmu_values *a, const struct pmu_values *b,
	       double out[PMU_MAX_EVENTS], bool *multiplexed)
{
	uint64_t enabled = b->enabled - a->enabled, running = b->running - a->running;
	double scale = running ? (double)enabled / (double)running : 0.0;
	*multiplexed = running < enabled;
	for (int i = 0; i < g->n; i++)
		out[i] = (double)(b->raw[i] - a->raw[i]) * scale;
}

void pmu_close(struct pmu_group *g)
{
	for (int i = 0; i < PMU_MAX_EVENTS; i++)
		if (g->fds[i] >= 0) {
			close(g->fds[i]);
			g->fds[i] = -1;
		}
	g->open = false;
	g->n = 0;
}

void pmu_counter_name(const char *event, char *out, size_t len)
{
	const char *e = strstr(event, "::");
	e = e ? e + 2 : event;
	size_t k = 0;
	for (; *e && k + 1 < len; e++) {
		char c = *e;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			c = '_';
		out[k++] = c;
	}
	out[k] = '\0';
}
